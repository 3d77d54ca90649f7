//! Command-line flags of `livematch-operator`. Every flag can also be set
//! through an environment variable (shown in `--help`).
//!
//! Two groups of settings: the operator's own connections (`--kafka`,
//! `--redis` and their options and credentials: topic admin, Redis cleanup
//! and the lobby summary) and what the worker pods are given
//! (`--worker-kafka`, `--worker-redis`, `--worker-kafka-option`, defaulting
//! to the operator's). They differ when the operator runs outside the
//! cluster. Worker credentials are never written into the worker
//! Deployments: the pods read them from the Secret `--worker-secret` names.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{ArgAction, Parser, ValueEnum};
use livematch_workers::bus::kafka::{KafkaConfig, is_secret_option};
use livematch_workers::cli::secret::{parse_secret, redact_url, with_credentials, without_password};
use livematch_workers::cli::{Secret, parse_key_value};
use livematch_workers::store::redis::RedisConfig;
use livematch_workers::telemetry::LogFormat;

/// The one field manager of every server-side apply the operator makes.
pub const FIELD_MANAGER: &str = "livematch-operator";

/// Name of the operator's finalizer on LiveMatch objects.
pub const FINALIZER: &str = "livematch.dev/cleanup";

/// Default worker image.
pub const DEFAULT_IMAGE: &str = "livematch:latest";

/// livematch-operator: runs LiveMatch objects (Kafka topic, producer, consumers).
///
/// `Debug` shows no secret: the credentials are [`Secret`]s, Kafka options
/// with secret values and the password of Redis URLs are redacted.
#[derive(Clone, Parser)]
#[command(name = "livematch-operator", version, about)]
pub struct Config {
    /// Kafka bootstrap servers the operator uses (topic create/delete), comma-separated.
    #[arg(long, env = "LIVEMATCH_KAFKA", default_value = "127.0.0.1:9092")]
    pub kafka: String,

    /// Extra librdkafka property KEY=VALUE for the operator's Kafka client
    /// (repeatable; comma-separated in the variable): security.protocol,
    /// sasl.mechanism, ssl.ca.location...
    #[arg(
        long = "kafka-option",
        env = "LIVEMATCH_KAFKA_OPTIONS",
        hide_env_values = true,
        value_delimiter = ',',
        value_parser = parse_key_value
    )]
    pub kafka_options: Vec<(String, String)>,

    /// SASL user name of the operator's Kafka client (librdkafka sasl.username).
    #[arg(long, env = "LIVEMATCH_KAFKA_SASL_USERNAME")]
    pub kafka_sasl_username: Option<String>,

    /// SASL password of the operator's Kafka client; set it from a Secret. Never logged.
    #[arg(long, env = "LIVEMATCH_KAFKA_SASL_PASSWORD", hide_env_values = true, value_parser = parse_secret)]
    pub kafka_sasl_password: Option<Secret>,

    /// Redis URL the operator uses (match cleanup, live score summary).
    #[arg(long, env = "LIVEMATCH_REDIS", hide_env_values = true, default_value = "redis://127.0.0.1:6379/")]
    pub redis: String,

    /// Password of the operator's Redis connection, replacing any in the URL; set it from a Secret. Never logged.
    #[arg(long, env = "LIVEMATCH_REDIS_PASSWORD", hide_env_values = true, value_parser = parse_secret)]
    pub redis_password: Option<Secret>,

    /// Redis ACL user name of the operator (with --redis-password).
    #[arg(long, env = "LIVEMATCH_REDIS_USERNAME", requires = "redis_password")]
    pub redis_username: Option<String>,

    /// Kafka bootstrap servers given to the worker pods (default: --kafka).
    #[arg(long, env = "LIVEMATCH_WORKER_KAFKA")]
    pub worker_kafka: Option<String>,

    /// Redis URL given to the worker pods, without a password (default:
    /// --redis, its password removed). It is written into the worker
    /// Deployments in plain text: the password goes into --worker-secret.
    #[arg(long, env = "LIVEMATCH_WORKER_REDIS")]
    pub worker_redis: Option<String>,

    /// librdkafka property KEY=VALUE given to the worker pods (repeatable;
    /// comma-separated in the variable). Default: the --kafka-option ones
    /// but sasl.username and those whose value is a secret. Values are
    /// written into the worker Deployments in plain text: secrets are refused.
    #[arg(
        long = "worker-kafka-option",
        env = "LIVEMATCH_WORKER_KAFKA_OPTIONS",
        value_delimiter = ',',
        value_parser = parse_key_value
    )]
    pub worker_kafka_options: Option<Vec<(String, String)>>,

    /// Secret with the worker pods' credentials, in each LiveMatch's
    /// namespace: its keys redis-password, redis-username,
    /// kafka-sasl-username and kafka-sasl-password (each optional) become the
    /// workers' LIVEMATCH_* variables, and it is mounted read-only at
    /// /etc/livematch/worker-secret for files (CA, client certificate and
    /// key). The operator only names it: it needs no access to Secrets.
    #[arg(long, env = "LIVEMATCH_WORKER_SECRET")]
    pub worker_secret: Option<String>,

    /// Worker image, unless a LiveMatch sets `spec.workers.image`.
    #[arg(long, env = "LIVEMATCH_IMAGE", default_value = DEFAULT_IMAGE)]
    pub image: String,

    /// Log format of the worker pods.
    #[arg(long, env = "LIVEMATCH_WORKER_LOG_FORMAT", value_enum, default_value = "json")]
    pub worker_log_format: WorkerLogFormat,

    /// Namespace to watch; empty: all namespaces.
    #[arg(long, env = "LIVEMATCH_NAMESPACE", default_value = "")]
    pub namespace: String,

    /// Address of the operator's `/metrics`, `/healthz` and `/readyz`.
    #[arg(long, env = "LIVEMATCH_METRICS_LISTEN", default_value = "0.0.0.0:9090")]
    pub metrics_listen: SocketAddr,

    /// Log format of the operator.
    #[arg(long, env = "LIVEMATCH_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Elect a leader with a Lease (turn off only when exactly one replica runs).
    #[arg(long, env = "LIVEMATCH_LEADER_ELECTION", default_value_t = true, action = ArgAction::Set)]
    pub leader_election: bool,

    /// Namespace of the leader-election Lease (default: the pod's namespace, else `default`).
    #[arg(long, env = "LIVEMATCH_LEADER_ELECTION_NAMESPACE")]
    pub leader_election_namespace: Option<String>,

    /// Name of the leader-election Lease.
    #[arg(long, env = "LIVEMATCH_LEASE_NAME", default_value = "livematch-operator")]
    pub lease_name: String,

    /// This replica's identity in the Lease (default: the pod name, else the host name).
    #[arg(long, env = "LIVEMATCH_IDENTITY")]
    pub identity: Option<String>,

    /// How long a Lease holder keeps it without renewing.
    #[arg(long, env = "LIVEMATCH_LEASE_DURATION", default_value = "15s", value_parser = humantime::parse_duration)]
    pub lease_duration: Duration,

    /// A leader that could not renew for this long steps down (less than --lease-duration).
    #[arg(long, env = "LIVEMATCH_RENEW_DEADLINE", default_value = "10s", value_parser = humantime::parse_duration)]
    pub renew_deadline: Duration,

    /// How often the leader renews, and a candidate retries.
    #[arg(long, env = "LIVEMATCH_LEASE_RETRY", default_value = "5s", value_parser = humantime::parse_duration)]
    pub lease_retry: Duration,

    /// How often a Starting or Live match is reconciled to refresh its score summary.
    #[arg(long, env = "LIVEMATCH_REQUEUE_LIVE", default_value = "10s", value_parser = humantime::parse_duration)]
    pub requeue_live: Duration,

    /// How often the shared lobby (all summaries) is read from Redis.
    #[arg(long, env = "LIVEMATCH_LOBBY_REFRESH", default_value = "5s", value_parser = humantime::parse_duration)]
    pub lobby_refresh: Duration,

    /// Longest wait for one Kafka admin or Redis call.
    #[arg(long, env = "LIVEMATCH_BACKEND_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub backend_timeout: Duration,

    /// Cleanup attempts (topic and Redis keys) before a deleted LiveMatch is released anyway.
    #[arg(long, env = "LIVEMATCH_CLEANUP_ATTEMPTS", default_value_t = 5)]
    pub cleanup_attempts: u32,

    /// Consecutive topic failures after which the match's phase is Failed (it keeps retrying).
    #[arg(long, env = "LIVEMATCH_TOPIC_FAILURES", default_value_t = 5)]
    pub topic_failures_to_fail: u32,

    /// Most LiveMatches reconciled at once.
    #[arg(long, env = "LIVEMATCH_CONCURRENCY", default_value_t = 64)]
    pub concurrency: u16,
}

/// Log format of the worker pods (their `LIVEMATCH_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WorkerLogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

impl WorkerLogFormat {
    /// The value of `LIVEMATCH_LOG_FORMAT`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerLogFormat::Text => "text",
            WorkerLogFormat::Json => "json",
        }
    }
}

/// What the pure builders need of the configuration: the worker defaults.
/// Nothing here is secret: it is all written into the worker Deployments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerDefaults {
    /// Image unless the spec sets one.
    pub image: String,
    /// `LIVEMATCH_KAFKA` of the workers.
    pub kafka: String,
    /// `LIVEMATCH_KAFKA_OPTIONS` of the workers (none: not set).
    pub kafka_options: Vec<(String, String)>,
    /// `LIVEMATCH_REDIS` of the workers (no password in it).
    pub redis: String,
    /// `LIVEMATCH_LOG_FORMAT` of the workers.
    pub log_format: WorkerLogFormat,
    /// The Secret the workers read their credentials from.
    pub secret: Option<String>,
}

impl Default for WorkerDefaults {
    fn default() -> Self {
        WorkerDefaults {
            image: DEFAULT_IMAGE.to_owned(),
            kafka: "127.0.0.1:9092".to_owned(),
            kafka_options: Vec::new(),
            redis: "redis://127.0.0.1:6379/".to_owned(),
            log_format: WorkerLogFormat::Json,
            secret: None,
        }
    }
}

/// Why the configuration is unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The renew deadline must leave the Lease time to expire after the
    /// leader stops acting.
    #[error("--renew-deadline ({deadline:?}) must be shorter than --lease-duration ({duration:?})")]
    RenewDeadline {
        /// `--renew-deadline`.
        deadline: Duration,
        /// `--lease-duration`.
        duration: Duration,
    },
    /// The renewal period must fit in the deadline.
    #[error("--lease-retry ({retry:?}) must be shorter than --renew-deadline ({deadline:?})")]
    LeaseRetry {
        /// `--lease-retry`.
        retry: Duration,
        /// `--renew-deadline`.
        deadline: Duration,
    },
    /// A zero cleanup attempt count would release without trying.
    #[error("--cleanup-attempts must be at least 1")]
    CleanupAttempts,
    /// The workers' Redis URL would put a password into every worker
    /// Deployment in plain text.
    #[error(
        "--worker-redis {url} holds a password, which would be written into every worker Deployment in plain \
         text: remove it from the URL and put it into the worker Secret (--worker-secret, key redis-password)"
    )]
    WorkerRedisPassword {
        /// The URL, its password redacted.
        url: String,
    },
    /// A worker Kafka option whose value is a secret.
    #[error(
        "--worker-kafka-option {key}: its value is a secret, which would be written into every worker \
         Deployment in plain text: use the worker Secret (--worker-secret; kafka-sasl-password, or a key file \
         mounted from it)"
    )]
    WorkerKafkaSecret {
        /// The librdkafka property.
        key: String,
    },
}

impl ConfigError {
    /// Stable short category for metrics and logs.
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            ConfigError::RenewDeadline { .. } => "renew_deadline",
            ConfigError::LeaseRetry { .. } => "lease_retry",
            ConfigError::CleanupAttempts => "cleanup_attempts",
            ConfigError::WorkerRedisPassword { .. } => "worker_redis_password",
            ConfigError::WorkerKafkaSecret { .. } => "worker_kafka_secret",
        }
    }
}

impl Config {
    /// Check the relations between flags.
    ///
    /// # Errors
    /// The first [`ConfigError`] found.
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.leader_election {
            if self.renew_deadline >= self.lease_duration {
                return Err(ConfigError::RenewDeadline {
                    deadline: self.renew_deadline,
                    duration: self.lease_duration,
                });
            }
            if self.lease_retry >= self.renew_deadline {
                return Err(ConfigError::LeaseRetry { retry: self.lease_retry, deadline: self.renew_deadline });
            }
        }
        if self.cleanup_attempts == 0 {
            return Err(ConfigError::CleanupAttempts);
        }
        if let Some(url) = &self.worker_redis
            && without_password(url) != *url
        {
            return Err(ConfigError::WorkerRedisPassword { url: redact_url(url) });
        }
        // (No value holds a comma: the flags split at commas, so each
        // option passes through the workers' LIVEMATCH_KAFKA_OPTIONS intact.)
        if let Some((key, _)) = self.worker_kafka_options.iter().flatten().find(|(k, _)| is_secret_option(k)) {
            return Err(ConfigError::WorkerKafkaSecret { key: key.clone() });
        }
        Ok(())
    }

    /// The worker defaults the builders use. The Redis URL defaults to the
    /// operator's without its password; the Kafka options to the operator's
    /// but its identity (`sasl.username`) and secret values.
    #[must_use]
    pub fn worker_defaults(&self) -> WorkerDefaults {
        let kafka_options = match &self.worker_kafka_options {
            Some(options) => options.clone(),
            None => self
                .kafka_options
                .iter()
                .filter(|(k, _)| !is_secret_option(k) && k != "sasl.username")
                .cloned()
                .collect(),
        };
        WorkerDefaults {
            image: self.image.clone(),
            kafka: self.worker_kafka.clone().unwrap_or_else(|| self.kafka.clone()),
            kafka_options,
            redis: self.worker_redis.clone().unwrap_or_else(|| without_password(&self.redis)),
            log_format: self.worker_log_format,
            secret: self.worker_secret.clone().filter(|s| !s.trim().is_empty()),
        }
    }

    /// The operator's Kafka client settings: the options, then the SASL
    /// user name and password (which win).
    #[must_use]
    pub fn kafka_config(&self) -> KafkaConfig {
        let mut config = KafkaConfig::new(self.kafka.clone());
        config.extra.clone_from(&self.kafka_options);
        config.push_sasl_credentials(
            self.kafka_sasl_username.as_deref(),
            self.kafka_sasl_password.as_ref().map(Secret::expose),
        );
        config
    }

    /// The operator's Redis settings: `--redis` with the password (and
    /// user) flags put in.
    #[must_use]
    pub fn redis_config(&self) -> RedisConfig {
        let url = match &self.redis_password {
            Some(password) => with_credentials(&self.redis, self.redis_username.as_deref(), password),
            None => self.redis.clone(),
        };
        RedisConfig { url }
    }

    /// The watched namespace, `None` for all.
    #[must_use]
    pub fn watch_namespace(&self) -> Option<&str> {
        let ns = self.namespace.trim();
        (!ns.is_empty()).then_some(ns)
    }

    /// This replica's Lease identity: `--identity`, else `POD_NAME`, else
    /// `HOSTNAME`, else the host name file, else a name with the process id.
    #[must_use]
    pub fn identity(&self) -> String {
        self.identity
            .clone()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| env_nonempty("POD_NAME"))
            .or_else(|| env_nonempty("HOSTNAME"))
            .or_else(|| {
                std::fs::read_to_string("/etc/hostname").ok().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
            })
            .unwrap_or_else(|| format!("livematch-operator-{}", std::process::id()))
    }

    /// Namespace of the Lease: the flag, else `POD_NAMESPACE`, else the
    /// watched namespace, else `default`.
    #[must_use]
    pub fn lease_namespace(&self) -> String {
        self.leader_election_namespace
            .clone()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| env_nonempty("POD_NAMESPACE"))
            .or_else(|| self.watch_namespace().map(str::to_owned))
            .unwrap_or_else(|| "default".to_owned())
    }
}

/// Everything but the secrets: those are redacted.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let worker = self.worker_defaults();
        // KafkaConfig's Debug redacts secret-looking values.
        let mut worker_kafka = KafkaConfig::new(worker.kafka.clone());
        worker_kafka.extra = worker.kafka_options;
        f.debug_struct("Config")
            .field("kafka", &self.kafka_config())
            .field("redis", &redact_url(&self.redis))
            .field("redis_password", &self.redis_password)
            .field("redis_username", &self.redis_username)
            .field("worker_kafka", &worker_kafka)
            .field("worker_redis", &redact_url(&worker.redis))
            .field("worker_secret", &worker.secret)
            .field("image", &worker.image)
            .field("namespace", &self.namespace)
            .field("metrics_listen", &self.metrics_listen)
            .field("leader_election", &self.leader_election)
            .field("lease_name", &self.lease_name)
            .finish_non_exhaustive()
    }
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Config {
        let mut all = vec!["livematch-operator"];
        all.extend_from_slice(args);
        Config::try_parse_from(all).expect("flags parse")
    }

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Config::command().debug_assert();
    }

    #[test]
    fn defaults() {
        let c = parse(&[]);
        assert_eq!(c.image, DEFAULT_IMAGE);
        assert_eq!(c.watch_namespace(), None);
        assert!(c.leader_election);
        assert_eq!(c.requeue_live, Duration::from_secs(10));
        assert_eq!(c.lease_duration, Duration::from_secs(15));
        c.check().expect("defaults are consistent");
        let w = c.worker_defaults();
        assert_eq!((w.kafka.as_str(), w.redis.as_str()), (c.kafka.as_str(), c.redis.as_str()));
        assert_eq!(w.log_format, WorkerLogFormat::Json);
    }

    #[test]
    fn worker_addresses_override_the_operators() {
        let c = parse(&[
            "--kafka",
            "127.0.0.1:1",
            "--worker-kafka",
            "kafka:9092",
            "--redis",
            "redis://127.0.0.1:2/",
            "--namespace",
            "games",
            "--leader-election=false",
        ]);
        let w = c.worker_defaults();
        assert_eq!(w.kafka, "kafka:9092");
        assert_eq!(w.redis, "redis://127.0.0.1:2/", "falls back to --redis");
        assert_eq!(c.kafka_config().brokers, "127.0.0.1:1");
        assert_eq!(c.watch_namespace(), Some("games"));
        assert!(!c.leader_election);
        assert_eq!(c.lease_namespace(), std::env::var("POD_NAMESPACE").unwrap_or_else(|_| "games".into()));
    }

    #[test]
    fn inconsistent_lease_timings_are_refused() {
        let c = parse(&["--lease-duration", "10s", "--renew-deadline", "10s"]);
        assert_eq!(c.check().expect_err("deadline >= duration").metric_label(), "renew_deadline");
        let c = parse(&["--renew-deadline", "4s", "--lease-retry", "5s"]);
        assert_eq!(c.check().expect_err("retry >= deadline").metric_label(), "lease_retry");
        let c = parse(&["--cleanup-attempts", "0"]);
        assert!(c.check().expect_err("zero attempts").to_string().contains("--cleanup-attempts"));
    }

    #[test]
    fn worker_settings_carry_no_secret() {
        let c = parse(&[
            "--redis",
            "redis://:op-pw@redis:6379/0",
            "--kafka-option",
            "security.protocol=SASL_SSL",
            "--kafka-option",
            "sasl.username=op",
            "--kafka-option",
            "sasl.password=op-pw",
            "--kafka-option",
            "ssl.ca.location=/etc/livematch/kafka-ca.crt",
        ]);
        c.check().expect("the operator's own secrets are fine");
        let w = c.worker_defaults();
        assert_eq!(w.redis, "redis://redis:6379/0");
        let keys: Vec<&str> = w.kafka_options.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["security.protocol", "ssl.ca.location"]);
        assert_eq!(w.secret, None);

        let c = parse(&["--worker-kafka-option", "security.protocol=SSL", "--worker-secret", "creds"]);
        let w = c.worker_defaults();
        assert_eq!(w.kafka_options, [("security.protocol".to_owned(), "SSL".to_owned())]);
        assert_eq!(w.secret.as_deref(), Some("creds"));

        let c = parse(&["--worker-redis", "rediss://app:hunter2@redis:6380/"]);
        let err = c.check().expect_err("a password for the Deployments");
        assert_eq!(err.metric_label(), "worker_redis_password");
        assert!(!err.to_string().contains("hunter2") && err.to_string().contains("redis-password"), "{err}");
        parse(&["--worker-redis", "rediss://app@redis:6380/"]).check().expect("a user name is no secret");
        for secret in ["sasl.password=x", "ssl.key.password=x", "ssl.key.pem=x", "sasl.oauthbearer.client.secret=x"] {
            let err = parse(&["--worker-kafka-option", secret]).check().expect_err(secret);
            assert_eq!(err.metric_label(), "worker_kafka_secret", "{secret}");
        }
        parse(&["--worker-kafka-option", "ssl.key.location=/etc/livematch/worker-secret/client.key"])
            .check()
            .expect("a key file's path is no secret");
    }

    #[test]
    fn operator_credentials_are_used_and_never_shown() {
        let c = parse(&[
            "--redis",
            "redis://redis:6379/",
            "--redis-username",
            "op",
            "--redis-password",
            "redis-flag-pw",
            "--kafka-sasl-username",
            "op",
            "--kafka-sasl-password",
            "sasl-flag-pw",
            "--kafka-option",
            "ssl.key.password=key-pw",
        ]);
        assert_eq!(c.redis_config().url, "redis://op:redis-flag-pw@redis:6379/");
        let extra = c.kafka_config().extra;
        assert!(extra.contains(&("sasl.password".to_owned(), "sasl-flag-pw".to_owned())), "{extra:?}");
        let shown = format!("{c:?}");
        for secret in ["redis-flag-pw", "sasl-flag-pw", "key-pw"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        let shown = format!("{:?}", parse(&["--redis", "redis://:url-pw@redis:6379/"]));
        assert!(!shown.contains("url-pw") && shown.contains("redis:6379"), "{shown}");
    }

    #[test]
    fn kafka_options_reach_the_client() {
        let c = parse(&["--kafka-option", "security.protocol=SSL", "--kafka-option", "client.id=op"]);
        assert_eq!(
            c.kafka_config().extra,
            vec![("security.protocol".to_owned(), "SSL".to_owned()), ("client.id".to_owned(), "op".to_owned())]
        );
        assert!(Config::try_parse_from(["x", "--kafka-option", "novalue"]).is_err());
    }
}
