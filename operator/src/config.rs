//! Command-line flags of `livematch-operator`. Every flag can also be set
//! through an environment variable (shown in `--help`).
//!
//! Two groups of addresses: the operator's own connections (`--kafka`,
//! `--redis`: topic admin, Redis cleanup and the lobby summary) and what the
//! worker pods are given (`--worker-kafka`, `--worker-redis`, defaulting to
//! the same). They differ when the operator runs outside the cluster.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{ArgAction, Parser, ValueEnum};
use livematch_workers::bus::kafka::KafkaConfig;
use livematch_workers::store::redis::RedisConfig;
use livematch_workers::telemetry::LogFormat;

/// The one field manager of every server-side apply the operator makes.
pub const FIELD_MANAGER: &str = "livematch-operator";

/// Name of the operator's finalizer on LiveMatch objects.
pub const FINALIZER: &str = "livematch.dev/cleanup";

/// Default worker image.
pub const DEFAULT_IMAGE: &str = "livematch:latest";

/// livematch-operator: runs LiveMatch objects (Kafka topic, producer, consumers).
#[derive(Debug, Clone, Parser)]
#[command(name = "livematch-operator", version, about)]
pub struct Config {
    /// Kafka bootstrap servers the operator uses (topic create/delete), comma-separated.
    #[arg(long, env = "LIVEMATCH_KAFKA", default_value = "127.0.0.1:9092")]
    pub kafka: String,

    /// Extra librdkafka property KEY=VALUE for the operator's Kafka client (repeatable).
    #[arg(long = "kafka-option", env = "LIVEMATCH_KAFKA_OPTIONS", value_delimiter = ',', value_parser = parse_key_value)]
    pub kafka_options: Vec<(String, String)>,

    /// Redis URL the operator uses (match cleanup, live score summary).
    #[arg(long, env = "LIVEMATCH_REDIS", default_value = "redis://127.0.0.1:6379/")]
    pub redis: String,

    /// Kafka bootstrap servers given to the worker pods (default: --kafka).
    #[arg(long, env = "LIVEMATCH_WORKER_KAFKA")]
    pub worker_kafka: Option<String>,

    /// Redis URL given to the worker pods (default: --redis).
    #[arg(long, env = "LIVEMATCH_WORKER_REDIS")]
    pub worker_redis: Option<String>,

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

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    let (k, v) = s.split_once('=').ok_or_else(|| format!("expected KEY=VALUE, got {s:?}"))?;
    if k.is_empty() {
        return Err(format!("empty key in {s:?}"));
    }
    Ok((k.to_owned(), v.to_owned()))
}

/// What the pure builders need of the configuration: the worker defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerDefaults {
    /// Image unless the spec sets one.
    pub image: String,
    /// `LIVEMATCH_KAFKA` of the workers.
    pub kafka: String,
    /// `LIVEMATCH_REDIS` of the workers.
    pub redis: String,
    /// `LIVEMATCH_LOG_FORMAT` of the workers.
    pub log_format: WorkerLogFormat,
}

impl Default for WorkerDefaults {
    fn default() -> Self {
        WorkerDefaults {
            image: DEFAULT_IMAGE.to_owned(),
            kafka: "127.0.0.1:9092".to_owned(),
            redis: "redis://127.0.0.1:6379/".to_owned(),
            log_format: WorkerLogFormat::Json,
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
}

impl ConfigError {
    /// Stable short category for metrics and logs.
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            ConfigError::RenewDeadline { .. } => "renew_deadline",
            ConfigError::LeaseRetry { .. } => "lease_retry",
            ConfigError::CleanupAttempts => "cleanup_attempts",
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
        Ok(())
    }

    /// The worker defaults the builders use.
    #[must_use]
    pub fn worker_defaults(&self) -> WorkerDefaults {
        WorkerDefaults {
            image: self.image.clone(),
            kafka: self.worker_kafka.clone().unwrap_or_else(|| self.kafka.clone()),
            redis: self.worker_redis.clone().unwrap_or_else(|| self.redis.clone()),
            log_format: self.worker_log_format,
        }
    }

    /// The operator's Kafka client settings.
    #[must_use]
    pub fn kafka_config(&self) -> KafkaConfig {
        let mut config = KafkaConfig::new(self.kafka.clone());
        config.extra.clone_from(&self.kafka_options);
        config
    }

    /// The operator's Redis settings.
    #[must_use]
    pub fn redis_config(&self) -> RedisConfig {
        RedisConfig { url: self.redis.clone() }
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
    fn kafka_options_reach_the_client() {
        let c = parse(&["--kafka-option", "security.protocol=SSL", "--kafka-option", "client.id=op"]);
        assert_eq!(
            c.kafka_config().extra,
            vec![("security.protocol".to_owned(), "SSL".to_owned()), ("client.id".to_owned(), "op".to_owned())]
        );
        assert!(Config::try_parse_from(["x", "--kafka-option", "novalue"]).is_err());
    }
}
