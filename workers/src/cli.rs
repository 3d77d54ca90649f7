//! Command-line flags. Every flag can also be set through an environment
//! variable `LIVEMATCH_<FLAG>` (shown in `--help`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use livematch_sports::cricket::Format;

use crate::bus::TopicSpec;
use crate::bus::kafka::KafkaConfig;
use crate::source::Source;
use crate::telemetry::LogFormat;

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
#[derive(Debug, Clone, Args)]
pub struct KafkaArgs {
    /// Kafka bootstrap servers, comma-separated.
    #[arg(long = "kafka", env = "LIVEMATCH_KAFKA", default_value = "127.0.0.1:9092")]
    pub brokers: String,
    /// Extra librdkafka property KEY=VALUE (repeatable): SASL, TLS, tuning.
    #[arg(long = "kafka-option", env = "LIVEMATCH_KAFKA_OPTIONS", value_delimiter = ',', value_parser = parse_key_value)]
    pub options: Vec<(String, String)>,
    /// Consumer group session timeout.
    #[arg(long, env = "LIVEMATCH_KAFKA_SESSION_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub kafka_session_timeout: Duration,
    /// Longest time the broker may hold a fetch waiting for data.
    #[arg(long, env = "LIVEMATCH_KAFKA_FETCH_WAIT", default_value = "20ms", value_parser = humantime::parse_duration)]
    pub kafka_fetch_wait: Duration,
}

impl KafkaArgs {
    #[must_use]
    pub fn config(&self) -> KafkaConfig {
        KafkaConfig {
            brokers: self.brokers.clone(),
            session_timeout_ms: u32::try_from(self.kafka_session_timeout.as_millis()).unwrap_or(u32::MAX),
            fetch_wait_max_ms: u32::try_from(self.kafka_fetch_wait.as_millis()).unwrap_or(u32::MAX),
            extra: self.options.clone(),
        }
    }
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    let (k, v) = s.split_once('=').ok_or_else(|| format!("expected KEY=VALUE, got {s:?}"))?;
    if k.is_empty() {
        return Err(format!("empty key in {s:?}"));
    }
    Ok((k.to_string(), v.to_string()))
}

/// Redis connection.
#[derive(Debug, Clone, Args)]
pub struct RedisArgs {
    /// Redis URL (redis://[:password@]host:port/db, rediss:// for TLS).
    #[arg(long = "redis", env = "LIVEMATCH_REDIS", default_value = "redis://127.0.0.1:6379/")]
    pub url: String,
}

/// Where `/metrics`, `/healthz` and `/readyz` are served.
#[derive(Debug, Clone, Args)]
pub struct OpsArgs {
    /// Address for the metrics and health endpoints.
    #[arg(long, env = "LIVEMATCH_METRICS_LISTEN", default_value = "0.0.0.0:9090")]
    pub metrics_listen: SocketAddr,
}

/// Cricket match format for the simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    T20,
    Odi,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::T20 => Format::T20,
            FormatArg::Odi => Format::Odi,
        }
    }
}

/// Which match to play.
#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    /// Replay this Cricsheet JSON file instead of simulating.
    #[arg(long, env = "LIVEMATCH_REPLAY", conflicts_with = "replay_url")]
    pub replay: Option<PathBuf>,
    /// Replay a Cricsheet JSON file downloaded from this HTTP(S) URL.
    #[arg(long, env = "LIVEMATCH_REPLAY_URL")]
    pub replay_url: Option<String>,
    /// Simulated match format.
    #[arg(long, env = "LIVEMATCH_FORMAT", value_enum, default_value = "t20")]
    pub format: FormatArg,
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
    #[must_use]
    pub fn source(&self) -> Source {
        match (&self.replay, &self.replay_url) {
            (Some(path), _) => Source::Replay { path: path.clone() },
            (None, Some(url)) => Source::ReplayUrl { url: url.clone() },
            (None, None) => Source::Simulate { format: self.format.into(), seed: self.seed, teams: self.teams.clone() },
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
    /// Subscribe requests per second per connection (burst: twice that).
    #[arg(long, env = "LIVEMATCH_SUBSCRIBE_RATE", default_value_t = 20)]
    pub subscribe_rate: u32,
    /// Frames queued for one client before it counts as too slow and is dropped.
    #[arg(long, env = "LIVEMATCH_CLIENT_QUEUE", default_value_t = 512)]
    pub client_queue: usize,
    /// Interval of heartbeat messages to clients.
    #[arg(long, env = "LIVEMATCH_HEARTBEAT", default_value = "15s", value_parser = humantime::parse_duration)]
    pub heartbeat: Duration,
    /// Allowed Origin headers for WebSocket upgrades, comma-separated (empty: any).
    #[arg(long, env = "LIVEMATCH_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Address to serve the web app on.
    #[arg(long, env = "LIVEMATCH_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Number of simulated matches.
    #[arg(long, env = "LIVEMATCH_SIMULATE", default_value_t = 3)]
    pub simulate: usize,
    /// Cricsheet files to replay (repeatable); the match id is the file stem.
    #[arg(long, env = "LIVEMATCH_REPLAY", value_delimiter = ',')]
    pub replay: Vec<PathBuf>,
    /// Pace: multiple of real time.
    #[arg(long, env = "LIVEMATCH_SPEED", default_value_t = 30.0)]
    pub speed: f64,
    /// First simulator seed (match i uses seed + i).
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
}
