//! Command-line flags. Every flag can also be set through an environment
//! variable `LIVEMATCH_<FLAG>` (shown in `--help`). Secrets (passwords,
//! Kafka options, the Redis URL) are meant to come from the environment,
//! filled from a Kubernetes Secret: `--help` does not show their values and
//! `Debug` output redacts them ([`secret`]).

pub mod kafka_security;
pub mod secret;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use livematch_sports::{Format, Sport};

use crate::bus::TopicSpec;
use crate::bus::kafka::KafkaConfig;
use crate::gateway::origin::parse_allowed_origin;
use crate::source::{Source, SourceError};
use crate::telemetry::LogFormat;
pub use kafka_security::{SaslMechanism, SecurityProtocol};
pub use secret::Secret;
use secret::{parse_secret, redact_url, with_credentials};

/// livematch: live sports match streams — producer, consumer, gateway, demo.
#[derive(Debug, Parser)]
#[command(name = "livematch", version, about)]
pub struct Cli {
    /// Log format.
    #[arg(long, global = true, env = "LIVEMATCH_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Publish a match's events to its Kafka topic.
    Produce(ProduceArgs),
    /// Fold a match's events into state and cache it in Redis.
    Consume(ConsumeArgs),
    /// Serve the web app and push match state to viewers over WebSockets.
    Gateway(GatewayArgs),
    /// Everything in one process, with in-memory Kafka and Redis stand-ins.
    Demo(DemoArgs),
    /// Benchmarks: consumer throughput and gateway fan-out; prints a table.
    Bench(crate::bench::BenchArgs),
}

/// Kafka connection.
#[derive(Clone, Args)]
pub struct KafkaArgs {
    /// Kafka bootstrap servers, comma-separated.
    #[arg(long = "kafka", env = "LIVEMATCH_KAFKA", default_value = "127.0.0.1:9092")]
    pub brokers: String,
    /// Extra librdkafka property KEY=VALUE (repeatable; comma-separated in
    /// the variable): ssl.certificate.location, ssl.key.location, tuning...
    #[arg(
        long = "kafka-option",
        env = "LIVEMATCH_KAFKA_OPTIONS",
        hide_env_values = true,
        value_delimiter = ',',
        value_parser = parse_key_value
    )]
    pub options: Vec<(String, String)>,
    /// librdkafka security.protocol (default: PLAINTEXT); SSL and SASL_SSL
    /// verify the brokers' certificates.
    #[arg(long, env = "LIVEMATCH_KAFKA_SECURITY_PROTOCOL", value_enum, ignore_case = true)]
    pub kafka_security_protocol: Option<SecurityProtocol>,
    /// librdkafka sasl.mechanism (with a SASL security protocol).
    #[arg(long, env = "LIVEMATCH_KAFKA_SASL_MECHANISM", value_enum, ignore_case = true)]
    pub kafka_sasl_mechanism: Option<SaslMechanism>,
    /// PEM file of the CA(s) that signed the brokers' certificates
    /// (librdkafka ssl.ca.location; default: the system's trust store).
    #[arg(long, env = "LIVEMATCH_KAFKA_SSL_CA_LOCATION")]
    pub kafka_ssl_ca_location: Option<PathBuf>,
    /// SASL user name (librdkafka sasl.username).
    #[arg(long, env = "LIVEMATCH_KAFKA_SASL_USERNAME")]
    pub kafka_sasl_username: Option<String>,
    /// SASL password (librdkafka sasl.password); set it from a Secret. Never logged.
    #[arg(long, env = "LIVEMATCH_KAFKA_SASL_PASSWORD", hide_env_values = true, value_parser = parse_secret)]
    pub kafka_sasl_password: Option<Secret>,
    /// Consumer group session timeout.
    #[arg(long, env = "LIVEMATCH_KAFKA_SESSION_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub kafka_session_timeout: Duration,
    /// Longest time the broker may hold a fetch waiting for data.
    #[arg(long, env = "LIVEMATCH_KAFKA_FETCH_WAIT", default_value = "20ms", value_parser = humantime::parse_duration)]
    pub kafka_fetch_wait: Duration,
}

impl KafkaArgs {
    /// The client configuration: the options, then the security protocol,
    /// SASL mechanism, CA, SASL user name and password flags (which win over
    /// the same properties given as options).
    #[must_use]
    pub fn config(&self) -> KafkaConfig {
        let mut extra = self.options.clone();
        if let Some(protocol) = self.kafka_security_protocol {
            extra.push(("security.protocol".to_owned(), protocol.as_str().to_owned()));
        }
        if let Some(mechanism) = self.kafka_sasl_mechanism {
            extra.push(("sasl.mechanism".to_owned(), mechanism.as_str().to_owned()));
        }
        if let Some(ca) = &self.kafka_ssl_ca_location {
            extra.push(("ssl.ca.location".to_owned(), ca.to_string_lossy().into_owned()));
        }
        let mut config = KafkaConfig {
            brokers: self.brokers.clone(),
            session_timeout_ms: u32::try_from(self.kafka_session_timeout.as_millis()).unwrap_or(u32::MAX),
            fetch_wait_max_ms: u32::try_from(self.kafka_fetch_wait.as_millis()).unwrap_or(u32::MAX),
            extra,
        };
        config.push_sasl_credentials(
            self.kafka_sasl_username.as_deref(),
            self.kafka_sasl_password.as_ref().map(Secret::expose),
        );
        config
    }
}

/// Shows the client configuration, whose `Debug` redacts secret values.
impl std::fmt::Debug for KafkaArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaArgs").field("config", &self.config()).finish()
    }
}

/// A `KEY=VALUE` option (librdkafka properties): the key must not be
/// empty; the value may be, and may contain `=`.
///
/// # Errors
/// No `=`, or an empty key.
pub fn parse_key_value(s: &str) -> Result<(String, String), String> {
    let (k, v) = s.split_once('=').ok_or_else(|| format!("expected KEY=VALUE, got {s:?}"))?;
    if k.is_empty() {
        return Err(format!("empty key in {s:?}"));
    }
    Ok((k.to_string(), v.to_string()))
}

/// Redis connection.
#[derive(Clone, Args)]
pub struct RedisArgs {
    /// Redis URL: redis://[[user]:password@]host[:port][/db], rediss:// for TLS.
    #[arg(long = "redis", env = "LIVEMATCH_REDIS", hide_env_values = true, default_value = "redis://127.0.0.1:6379/")]
    pub url: String,
    /// Redis password (AUTH), replacing any in the URL; set it from a Secret. Never logged.
    #[arg(long, env = "LIVEMATCH_REDIS_PASSWORD", hide_env_values = true, value_parser = parse_secret)]
    pub redis_password: Option<Secret>,
    /// Redis ACL user name (with --redis-password; default: the URL's, or `default`).
    #[arg(long, env = "LIVEMATCH_REDIS_USERNAME", requires = "redis_password")]
    pub redis_username: Option<String>,
}

impl RedisArgs {
    /// The URL to connect to: `--redis` with the password (and user) flags
    /// put in, percent-encoded.
    #[must_use]
    pub fn connect_url(&self) -> String {
        match &self.redis_password {
            Some(password) => with_credentials(&self.url, self.redis_username.as_deref(), password),
            None => self.url.clone(),
        }
    }
}

impl std::fmt::Debug for RedisArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisArgs")
            .field("url", &redact_url(&self.url))
            .field("redis_password", &self.redis_password)
            .field("redis_username", &self.redis_username)
            .finish()
    }
}

/// Where `/metrics`, `/healthz` and `/readyz` are served.
#[derive(Debug, Clone, Args)]
pub struct OpsArgs {
    /// Address for the metrics and health endpoints.
    #[arg(long, env = "LIVEMATCH_METRICS_LISTEN", default_value = "0.0.0.0:9090")]
    pub metrics_listen: SocketAddr,
}

/// Which match to play.
#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    /// The sport played: cricket, football, basketball or tennis. Replays
    /// are cricket only.
    #[arg(long, env = "LIVEMATCH_SPORT", default_value = "cricket")]
    pub sport: Sport,
    /// Replay this Cricsheet JSON file instead of simulating.
    #[arg(long, env = "LIVEMATCH_REPLAY", conflicts_with = "replay_url")]
    pub replay: Option<PathBuf>,
    /// Replay a Cricsheet JSON file downloaded from this HTTP(S) URL.
    #[arg(long, env = "LIVEMATCH_REPLAY_URL")]
    pub replay_url: Option<String>,
    /// Simulated match format, one of the sport's: cricket t20 (default) or
    /// odi; football league (default) or knockout; basketball nba (default)
    /// or fiba; tennis best_of_3 (default), best_of_5 or
    /// best_of_3_match_tiebreak.
    #[arg(long, env = "LIVEMATCH_FORMAT")]
    pub format: Option<Format>,
    /// Simulator seed (same seed, same match).
    #[arg(long, env = "LIVEMATCH_SEED", default_value_t = 1)]
    pub seed: u64,
    /// Simulated teams, "Home,Away" (default: picked by the seed).
    #[arg(long, env = "LIVEMATCH_TEAMS", value_parser = parse_teams)]
    pub teams: Option<(String, String)>,
}

fn parse_teams(s: &str) -> Result<(String, String), String> {
    match s.split_once(',') {
        Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => Ok((a.trim().into(), b.trim().into())),
        _ => Err(format!("expected two team names as \"Home,Away\", got {s:?}")),
    }
}

impl SourceArgs {
    /// The source these flags name, checked: the format is one of the
    /// sport's, and only cricket is replayed.
    ///
    /// # Errors
    /// See [`SourceError::Simulate`] and [`SourceError::ReplayNotSupported`].
    pub fn source(&self) -> Result<Source, SourceError> {
        match (&self.replay, &self.replay_url) {
            (Some(path), _) => Source::replay_of(self.sport, Source::Replay { path: path.clone() }),
            (None, Some(url)) => Source::replay_of(self.sport, Source::ReplayUrl { url: url.clone() }),
            (None, None) => Source::simulate(self.sport, self.format, self.seed, self.teams.clone()),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ProduceArgs {
    /// Match id (topic livematch.<id>, Kafka key, Redis hash tag).
    #[arg(long, env = "LIVEMATCH_MATCH_ID")]
    pub match_id: String,
    #[command(flatten)]
    pub source: SourceArgs,
    /// Pace: multiple of real time (1 = a ball every ~35 s); 0 = as fast as possible.
    #[arg(long, env = "LIVEMATCH_SPEED", default_value_t = 1.0)]
    pub speed: f64,
    /// Partitions of the match topic when the producer creates it.
    #[arg(long, env = "LIVEMATCH_PARTITIONS", default_value_t = 1)]
    pub partitions: i32,
    /// Replication factor of the match topic when the producer creates it.
    #[arg(long, env = "LIVEMATCH_REPLICATION", default_value_t = 1)]
    pub replication: i32,
    /// Topic retention (e.g. 7d); default: the broker's.
    #[arg(long, env = "LIVEMATCH_RETENTION", value_parser = humantime::parse_duration)]
    pub retention: Option<Duration>,
    /// Keep running (idle) after the last event, as a Deployment's container must.
    #[arg(long, env = "LIVEMATCH_LINGER")]
    pub linger: bool,
    #[command(flatten)]
    pub kafka: KafkaArgs,
    #[command(flatten)]
    pub ops: OpsArgs,
}

impl ProduceArgs {
    #[must_use]
    pub fn topic_spec(&self) -> TopicSpec {
        TopicSpec {
            partitions: self.partitions,
            replication: self.replication,
            retention_ms: self.retention.map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ConsumeArgs {
    /// Match id.
    #[arg(long, env = "LIVEMATCH_MATCH_ID")]
    pub match_id: String,
    /// Most events folded into one Redis write.
    #[arg(long, env = "LIVEMATCH_BATCH_MAX", default_value_t = 1000)]
    pub batch_max: usize,
    /// How long a finished match stays in Redis.
    #[arg(long, env = "LIVEMATCH_COMPLETED_TTL", default_value = "24h", value_parser = humantime::parse_duration)]
    pub completed_ttl: Duration,
    /// Exit once the match is finished and written (default: keep running).
    #[arg(long, env = "LIVEMATCH_EXIT_WHEN_FINISHED")]
    pub exit_when_finished: bool,
    /// While the match is idle (between events, and after its last one),
    /// check this often that Redis still holds it; a lost cache is rebuilt
    /// from the topic.
    #[arg(long, env = "LIVEMATCH_CACHE_CHECK_INTERVAL", default_value = "2s", value_parser = humantime::parse_duration)]
    pub cache_check_interval: Duration,
    #[command(flatten)]
    pub kafka: KafkaArgs,
    #[command(flatten)]
    pub redis: RedisArgs,
    #[command(flatten)]
    pub ops: OpsArgs,
}

#[derive(Debug, Clone, Args)]
pub struct GatewayArgs {
    /// Address for viewers (web app, API, WebSocket).
    #[arg(long, env = "LIVEMATCH_LISTEN", default_value = "0.0.0.0:8080")]
    pub listen: SocketAddr,
    /// Separate address for /metrics, /healthz, /readyz (default: served on --listen too).
    #[arg(long, env = "LIVEMATCH_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Directory of the web app.
    #[arg(long, env = "LIVEMATCH_PUBLIC_DIR", default_value = "public")]
    pub public_dir: PathBuf,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub redis: RedisArgs,
}

/// Gateway limits.
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Largest WebSocket frame accepted from a client, in bytes.
    #[arg(long, env = "LIVEMATCH_MAX_FRAME_BYTES", default_value_t = 16 * 1024)]
    pub max_frame_bytes: usize,
    /// Most match subscriptions per connection.
    #[arg(long, env = "LIVEMATCH_MAX_SUBSCRIPTIONS", default_value_t = 64)]
    pub max_subscriptions: usize,
    /// Most concurrent WebSocket connections per gateway.
    #[arg(long, env = "LIVEMATCH_MAX_CONNECTIONS", default_value_t = 20_000)]
    pub max_connections: usize,
    /// Subscribe and lobby requests per second per connection (a token bucket).
    #[arg(long, env = "LIVEMATCH_SUBSCRIBE_RATE", default_value_t = 20)]
    pub subscribe_rate: u32,
    /// Subscribe and lobby requests a connection may make in a burst (default: twice the rate).
    #[arg(long, env = "LIVEMATCH_SUBSCRIBE_BURST")]
    pub subscribe_burst: Option<u32>,
    /// Frames queued for one client before it counts as too slow and is dropped.
    #[arg(long, env = "LIVEMATCH_CLIENT_QUEUE", default_value_t = 512)]
    pub client_queue: usize,
    /// Interval of heartbeat messages to clients.
    #[arg(long, env = "LIVEMATCH_HEARTBEAT", default_value = "15s", value_parser = humantime::parse_duration)]
    pub heartbeat: Duration,
    /// Longest a client's socket may take no data before the client is cut off as too slow.
    #[arg(long, env = "LIVEMATCH_WRITE_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub write_timeout: Duration,
    /// How long a cut-off client's socket is kept open so that a client that reads again finds the
    /// error and close frames saying why (then the socket is closed).
    #[arg(long, env = "LIVEMATCH_CLOSE_LINGER", default_value = "60s", value_parser = humantime::parse_duration)]
    pub close_linger: Duration,
    /// Origins allowed to open WebSockets, comma-separated: https://live.example.com,
    /// https://*.example.com, or * (empty: any). Others get HTTP 403.
    #[arg(long, env = "LIVEMATCH_ALLOWED_ORIGINS", value_delimiter = ',', value_parser = parse_allowed_origin)]
    pub allowed_origins: Vec<String>,
}

impl LimitArgs {
    /// The subscribe burst: `--subscribe-burst`, or twice the rate.
    #[must_use]
    pub fn subscribe_burst(&self) -> u32 {
        self.subscribe_burst.unwrap_or_else(|| self.subscribe_rate.saturating_mul(2))
    }
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Address to serve the web app on.
    #[arg(long, env = "LIVEMATCH_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Sports of the simulated matches, comma-separated; the matches take
    /// them in turn.
    #[arg(long, env = "LIVEMATCH_SPORTS", value_delimiter = ',', default_value = "cricket,football,basketball,tennis")]
    pub sports: Vec<Sport>,
    /// Simulated matches playing at once (default: one per sport of
    /// --sports); when one ends, the next of its sport starts.
    #[arg(long, env = "LIVEMATCH_SIMULATE")]
    pub simulate: Option<usize>,
    /// Cricsheet files to replay (repeatable); the match id is the file stem.
    #[arg(long, env = "LIVEMATCH_REPLAY", value_delimiter = ',')]
    pub replay: Vec<PathBuf>,
    /// Pace: multiple of real time.
    #[arg(long, env = "LIVEMATCH_SPEED", default_value_t = 30.0)]
    pub speed: f64,
    /// First simulator seed (the i-th match of a sport uses seed + i).
    #[arg(long, env = "LIVEMATCH_SEED", default_value_t = 1)]
    pub seed: u64,
    /// Use this Kafka instead of the in-memory stand-in.
    #[arg(long = "kafka", env = "LIVEMATCH_KAFKA")]
    pub kafka: Option<String>,
    /// Use this Redis instead of the in-memory stand-in.
    #[arg(long = "redis", env = "LIVEMATCH_REDIS")]
    pub redis: Option<String>,
    /// Directory of the web app.
    #[arg(long, env = "LIVEMATCH_PUBLIC_DIR", default_value = "public")]
    pub public_dir: PathBuf,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn producer_and_consumer_only_listen_for_ops() {
        for command in ["produce", "consume"] {
            let err = Cli::try_parse_from(["livematch", command, "--match-id", "m", "--listen", "0.0.0.0:8080"])
                .map(|_| ())
                .expect_err("no viewer address");
            assert!(err.to_string().contains("--listen"), "{err}");
        }
    }

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn produce_flags_parse() {
        let cli = Cli::try_parse_from(["livematch", "produce", "--match-id", "m1", "--teams", "A,B", "--speed", "0"])
            .map_err(|e| e.to_string());
        let Ok(Cli { command: Command::Produce(p), .. }) = cli else { panic!("parse failed: {cli:?}") };
        assert_eq!(p.match_id, "m1");
        assert_eq!(p.source.teams, Some(("A".into(), "B".into())));
        assert!(p.speed.abs() < f64::EPSILON);
    }

    fn produce(args: &[&str]) -> Result<ProduceArgs, String> {
        let argv = ["livematch", "produce", "--match-id", "m"].iter().chain(args);
        match Cli::try_parse_from(argv).map_err(|e| e.to_string())? {
            Cli { command: Command::Produce(p), .. } => Ok(p),
            other => Err(format!("not produce: {other:?}")),
        }
    }

    #[test]
    fn sport_and_format_choose_the_simulation() {
        // Defaults: a cricket T20, as before there were other sports.
        let p = produce(&[]).expect("parse");
        assert_eq!(p.source.sport, Sport::Cricket);
        let Ok(Source::Simulate(spec)) = p.source.source() else { panic!("{:?}", p.source.source()) };
        assert_eq!((spec.sport, spec.format, spec.seed), (Sport::Cricket, Some(Format::T20), 1));
        // A sport alone plays its default format.
        for (sport, default) in [("football", Format::League), ("basketball", Format::Nba), ("tennis", Format::BestOf3)]
        {
            let p = produce(&["--sport", sport, "--seed", "9"]).expect("parse");
            let Ok(Source::Simulate(spec)) = p.source.source() else { panic!("{sport}") };
            assert_eq!((spec.sport.as_str(), spec.format, spec.seed), (sport, Some(default), 9));
        }
        let p = produce(&["--sport", "tennis", "--format", "best_of_3_match_tiebreak", "--teams", "Ana,Mia"])
            .expect("parse");
        let Ok(Source::Simulate(spec)) = p.source.source() else { panic!("tennis") };
        assert_eq!(spec.format, Some(Format::BestOf3MatchTiebreak));
        assert_eq!(spec.teams, Some(("Ana".into(), "Mia".into())));
    }

    #[test]
    fn a_format_must_be_one_of_the_sports() {
        let p = produce(&["--sport", "football", "--format", "odi"]).expect("both names are known");
        let err = p.source.source().expect_err("odi is cricket");
        assert!(
            err.to_string().contains("odi is a cricket format, not a football one (formats: league, knockout)"),
            "{err}"
        );
        let err = produce(&["--sport", "curling"]).expect_err("unknown sport");
        assert!(err.contains("--sport") && err.contains("known: cricket, football, basketball, tennis"), "{err}");
        let err = produce(&["--format", "bo7"]).expect_err("unknown format");
        assert!(err.contains("--format") && err.contains("best_of_5"), "{err}");
    }

    #[test]
    fn replays_are_cricket_only() {
        let p = produce(&["--replay", "/replay/match.json"]).expect("parse");
        assert_eq!(p.source.source().ok(), Some(Source::Replay { path: "/replay/match.json".into() }));
        let p = produce(&["--sport", "tennis", "--replay-url", "https://example.invalid/m.json"]).expect("parse");
        let err = p.source.source().expect_err("tennis replay");
        assert_eq!(err.metric_label(), "replay_not_supported", "{err}");
    }

    #[test]
    fn demo_plays_every_sport_unless_told() {
        let Ok(Cli { command: Command::Demo(d), .. }) = Cli::try_parse_from(["livematch", "demo"]) else { panic!() };
        assert_eq!(d.sports, Sport::ALL);
        assert_eq!(d.simulate, None);
        let parsed = Cli::try_parse_from(["livematch", "demo", "--sports", "tennis,football", "--simulate", "3"]);
        let Ok(Cli { command: Command::Demo(d), .. }) = parsed else { panic!("{parsed:?}") };
        assert_eq!((d.sports, d.simulate), (vec![Sport::Tennis, Sport::Football], Some(3)));
        assert!(Cli::try_parse_from(["livematch", "demo", "--sports", "chess"]).is_err());
    }

    #[test]
    fn bad_flags_are_named() {
        let err = Cli::try_parse_from(["livematch", "produce", "--match-id", "m", "--teams", "OnlyOne"])
            .expect_err("one team must be rejected")
            .to_string();
        assert!(err.contains("--teams") && err.contains("two team names"), "{err}");
        let err = Cli::try_parse_from(["livematch", "produce", "--match-id", "m", "--kafka-option", "novalue"])
            .expect_err("KEY=VALUE expected")
            .to_string();
        assert!(err.contains("KEY=VALUE"), "{err}");
    }

    fn gateway(args: &[&str]) -> GatewayArgs {
        let argv = [&["livematch", "gateway"], args].concat();
        match Cli::try_parse_from(argv) {
            Ok(Cli { command: Command::Gateway(g), .. }) => g,
            other => panic!("gateway flags {args:?}: {:?}", other.map_err(|e| e.to_string()).map(|c| c.command)),
        }
    }

    #[test]
    fn secrets_are_used_but_never_shown() {
        let cli = Cli::try_parse_from([
            "livematch",
            "consume",
            "--match-id",
            "m1",
            "--redis",
            "rediss://:url-secret@redis.example:6380/0",
            "--redis-password",
            "flag-secret",
            "--kafka-option",
            "security.protocol=SASL_SSL",
            "--kafka-option",
            "ssl.key.password=key-secret",
            "--kafka-sasl-username",
            "livematch",
            "--kafka-sasl-password",
            "sasl-secret",
        ]);
        let Ok(Cli { command: Command::Consume(c), .. }) = cli else { panic!("parse failed") };
        assert_eq!(c.redis.connect_url(), "rediss://:flag-secret@redis.example:6380/0");
        let extra = c.kafka.config().extra;
        assert!(extra.contains(&("sasl.username".into(), "livematch".into())), "{extra:?}");
        assert!(extra.contains(&("sasl.password".into(), "sasl-secret".into())), "{extra:?}");
        assert!(extra.contains(&("security.protocol".into(), "SASL_SSL".into())), "{extra:?}");
        let shown = format!("{c:?} {:?} {:?}", c.kafka.config(), c.redis);
        for secret in ["url-secret", "flag-secret", "key-secret", "sasl-secret"] {
            assert!(!shown.contains(secret), "{secret} shown in {shown}");
        }
        assert!(shown.contains("SASL_SSL") && shown.contains("redis.example:6380"), "{shown}");
    }

    #[test]
    fn kafka_security_flags_win_over_options() {
        let p = produce(&[
            "--kafka-option",
            "security.protocol=PLAINTEXT",
            "--kafka-option",
            "sasl.mechanism=PLAIN",
            "--kafka-security-protocol",
            "sasl_ssl",
            "--kafka-sasl-mechanism",
            "scram-sha-512",
            "--kafka-ssl-ca-location",
            "/etc/livematch/secret/kafka-ca.crt",
            "--kafka-sasl-username",
            "livematch",
            "--kafka-sasl-password",
            "scram-secret",
        ])
        .expect("parse");
        let config = p.kafka.config();
        // librdkafka applies properties in order: the last value wins.
        let last = |key: &str| config.extra.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        assert_eq!(last("security.protocol"), Some("SASL_SSL"));
        assert_eq!(last("sasl.mechanism"), Some("SCRAM-SHA-512"));
        assert_eq!(last("ssl.ca.location"), Some("/etc/livematch/secret/kafka-ca.crt"));
        assert_eq!(last("sasl.password"), Some("scram-secret"));
        let shown = format!("{p:?}");
        assert!(!shown.contains("scram-secret") && shown.contains("SCRAM-SHA-512"), "{shown}");
        let err = produce(&["--kafka-sasl-mechanism", "GSSAPI"]).expect_err("not built in");
        assert!(err.contains("--kafka-sasl-mechanism") && err.contains("SCRAM-SHA-256"), "{err}");
        let err = produce(&["--kafka-security-protocol", "TLS"]).expect_err("not a protocol");
        assert!(err.contains("SASL_SSL"), "{err}");
    }

    #[test]
    fn redis_user_needs_a_password() {
        let err = Cli::try_parse_from(["livematch", "gateway", "--redis-username", "app"])
            .map(|_| ())
            .expect_err("user alone");
        assert!(err.to_string().contains("--redis-password"), "{err}");
        let g = gateway(&["--redis", "redis://r:6379/", "--redis-username", "app", "--redis-password", "pw"]);
        assert_eq!(g.redis.connect_url(), "redis://app:pw@r:6379/");
        assert_eq!(gateway(&[]).redis.connect_url(), "redis://127.0.0.1:6379/");
    }

    #[test]
    fn gateway_limits_parse() {
        let g = gateway(&[
            "--max-frame-bytes",
            "4096",
            "--max-subscriptions",
            "8",
            "--max-connections",
            "100",
            "--subscribe-rate",
            "5",
            "--allowed-origins",
            "https://live.example.com,https://*.example.com",
        ]);
        let l = &g.limits;
        assert_eq!((l.max_frame_bytes, l.max_subscriptions, l.max_connections), (4096, 8, 100));
        assert_eq!((l.subscribe_rate, l.subscribe_burst()), (5, 10), "burst defaults to twice the rate");
        assert_eq!(l.allowed_origins, ["https://live.example.com", "https://*.example.com"]);
        assert_eq!(gateway(&["--subscribe-burst", "3"]).limits.subscribe_burst(), 3);
        assert!(gateway(&[]).limits.allowed_origins.is_empty(), "default: any origin");
        let g = gateway(&["--write-timeout", "3s", "--close-linger", "90s"]);
        assert_eq!((g.limits.write_timeout, g.limits.close_linger), (Duration::from_secs(3), Duration::from_secs(90)));
        let (defaults, config) = (gateway(&[]).limits, crate::gateway::GatewayConfig::default());
        assert_eq!((defaults.write_timeout, defaults.close_linger), (config.write_timeout, config.close_linger));
        let err = Cli::try_parse_from(["livematch", "gateway", "--allowed-origins", "live.example.com"])
            .map(|_| ())
            .expect_err("an origin without a scheme");
        assert!(err.to_string().contains("scheme://host"), "{err}");
    }
}
