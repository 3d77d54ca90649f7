//! What each subcommand does: wire configuration to backends and run.

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::registry::Registry;
use tracing::info;

use crate::bus::kafka::KafkaBus;
use crate::bus::{BusError, EventBus};
use crate::cli::{Command, ConsumeArgs, GatewayArgs, ProduceArgs, RedisArgs};
use crate::consumer::{self, ConsumeError, ConsumerConfig, ConsumerMetrics};
use crate::gateway::{GatewayConfig, GatewayMetrics};
use crate::producer::{self, ProduceError, ProducerConfig, ProducerMetrics};
use crate::shutdown;
use crate::store::redis::{RedisConfig, RedisStore};
use crate::store::{Store, StoreError};
use crate::telemetry::{Ops, serve_ops};

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("cannot serve on {addr}: {source}")]
    Listen { addr: std::net::SocketAddr, source: std::io::Error },
    #[error(transparent)]
    Bus(#[from] BusError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The produce flags name a match that cannot be played (e.g. a format
    /// of another sport).
    #[error(transparent)]
    Source(#[from] crate::source::SourceError),
    #[error(transparent)]
    Produce(#[from] ProduceError),
    #[error(transparent)]
    Consume(#[from] ConsumeError),
    #[error(transparent)]
    Gateway(#[from] crate::gateway::GatewayError),
    #[error(transparent)]
    Demo(#[from] crate::demo::DemoError),
    #[error(transparent)]
    Bench(#[from] crate::bench::BenchError),
}

/// Run one subcommand to completion (or until SIGTERM).
///
/// # Errors
/// See [`CommandError`].
pub async fn run(command: Command) -> Result<(), CommandError> {
    let shutdown = shutdown::on_signal();
    match command {
        Command::Produce(args) => produce(args, shutdown).await,
        Command::Consume(args) => consume(args, shutdown).await,
        Command::Gateway(args) => gateway(args, shutdown).await,
        Command::Demo(args) => Ok(crate::demo::run(args, shutdown).await?),
        Command::Bench(args) => Ok(crate::bench::run(args).await?),
    }
}

async fn produce(args: ProduceArgs, shutdown: tokio_util::sync::CancellationToken) -> Result<(), CommandError> {
    // Checked first: a format of another sport fails before any connection is made.
    let source = args.source.source()?;
    let mut registry = Registry::with_labels([("match".into(), args.match_id.clone().into())].into_iter());
    let metrics = ProducerMetrics::register(&mut registry);
    let ops = Ops::new(registry);
    serve_ops(args.ops.metrics_listen, ops.clone(), shutdown.clone())
        .await
        .map_err(|source| CommandError::Listen { addr: args.ops.metrics_listen, source })?;
    let bus: Arc<dyn EventBus> = Arc::new(KafkaBus::new(args.kafka.config())?);
    let config = ProducerConfig {
        match_id: args.match_id.clone(),
        source,
        speed: args.speed,
        topic: args.topic_spec(),
        resume_idle: Duration::from_secs(1),
    };
    ops.set_ready(true);
    let summary = producer::run(bus, config, metrics, shutdown.clone()).await?;
    info!(?summary, "match published");
    if args.linger && !summary.interrupted {
        info!("lingering until stopped (--linger)");
        shutdown.cancelled().await;
    }
    Ok(())
}

async fn consume(args: ConsumeArgs, shutdown: tokio_util::sync::CancellationToken) -> Result<(), CommandError> {
    let mut registry = Registry::with_labels([("match".into(), args.match_id.clone().into())].into_iter());
    let metrics = ConsumerMetrics::register(&mut registry);
    let ops = Ops::new(registry);
    serve_ops(args.ops.metrics_listen, ops.clone(), shutdown.clone())
        .await
        .map_err(|source| CommandError::Listen { addr: args.ops.metrics_listen, source })?;
    let bus: Arc<dyn EventBus> = Arc::new(KafkaBus::new(args.kafka.config())?);
    let store = redis_store(&args.redis).await?;
    let mut config = ConsumerConfig::new(args.match_id.clone());
    config.batch_max = args.batch_max;
    config.completed_ttl = args.completed_ttl;
    config.exit_when_finished = args.exit_when_finished;
    config.cache_check_interval = args.cache_check_interval;
    ops.set_ready(true);
    consumer::run(bus, store, config, metrics, shutdown).await?;
    Ok(())
}

/// Connect to Redis and read from it once, so that a wrong or missing
/// password stops the process with the server's answer (`NOAUTH`,
/// `WRONGPASS`) instead of failing every request afterwards.
async fn redis_store(args: &RedisArgs) -> Result<Arc<dyn Store>, CommandError> {
    let store = RedisStore::connect(&RedisConfig { url: args.connect_url() }).await?;
    store.snapshot("livematch-startup-check").await?;
    Ok(Arc::new(store))
}

async fn gateway(args: GatewayArgs, shutdown: tokio_util::sync::CancellationToken) -> Result<(), CommandError> {
    let mut registry = Registry::default();
    let metrics = GatewayMetrics::new(&mut registry);
    let ops = Ops::new(registry);
    let store = redis_store(&args.redis).await?;
    let limits = &args.limits;
    let config = GatewayConfig {
        listen: args.listen,
        metrics_listen: args.metrics_listen,
        public_dir: args.public_dir.clone(),
        max_frame_bytes: limits.max_frame_bytes,
        max_subscriptions: limits.max_subscriptions,
        max_connections: limits.max_connections,
        subscribe_rate: limits.subscribe_rate,
        subscribe_burst: limits.subscribe_burst(),
        outbound_queue: limits.client_queue,
        heartbeat: limits.heartbeat,
        write_timeout: limits.write_timeout,
        close_linger: limits.close_linger,
        allowed_origins: limits.allowed_origins.clone(),
        ..GatewayConfig::default()
    };
    crate::gateway::serve(config, store, ops, metrics, shutdown).await?;
    Ok(())
}
