//! `livematch demo`: producer, consumers and gateway in one process, with
//! in-memory stand-ins for Kafka and Redis unless real ones are given.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use livematch_sports::cricket::Format;
use prometheus_client::registry::Registry;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::bus::kafka::{KafkaBus, KafkaConfig};
use crate::bus::memory::MemoryBus;
use crate::bus::{BusError, EventBus, TopicSpec};
use crate::cli::DemoArgs;
use crate::consumer::{self, ConsumerConfig, ConsumerMetrics};
use crate::gateway::{self, GatewayConfig};
use crate::producer::{self, ProducerConfig, ProducerMetrics};
use crate::source::Source;
use crate::store::memory::MemoryStore;
use crate::store::redis::{RedisConfig, RedisStore};
use crate::store::{Store, StoreError};
use crate::telemetry::Ops;

/// Why the demo could not run.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Bus(#[from] BusError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Gateway(#[from] gateway::GatewayError),
    #[error("replay file {0}: the match id is the file stem, and this path has none")]
    NoStem(String),
}

/// One match the demo plays.
#[derive(Debug, Clone)]
struct DemoMatch {
    id: String,
    source: Source,
}

fn simulated(seed: u64, index: u64) -> DemoMatch {
    let seed = seed + index;
    // Mostly T20s, an ODI every third match.
    let format = if index % 3 == 2 { Format::Odi } else { Format::T20 };
    let tag = if format == Format::Odi { "odi" } else { "t20" };
    DemoMatch { id: format!("sim-{tag}-{seed}"), source: Source::Simulate { format, seed, teams: None } }
}

fn replayed(path: &Path) -> Result<DemoMatch, DemoError> {
    let id = path
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| DemoError::NoStem(path.display().to_string()))?;
    Ok(DemoMatch { id: id.to_string(), source: Source::Replay { path: path.to_path_buf() } })
}

/// Run the demo until Ctrl-C / SIGTERM.
///
/// # Errors
/// A backend cannot be reached, a replay file has no usable name, or the
/// listen address cannot be bound.
pub async fn run(args: DemoArgs, shutdown: CancellationToken) -> Result<(), DemoError> {
    let bus: Arc<dyn EventBus> = match &args.kafka {
        Some(brokers) => Arc::new(KafkaBus::new(KafkaConfig::new(brokers.clone()))?),
        None => Arc::new(MemoryBus::new()),
    };
    let store: Arc<dyn Store> = match &args.redis {
        Some(url) => Arc::new(RedisStore::connect(&RedisConfig { url: url.clone() }).await?),
        None => Arc::new(MemoryStore::new()),
    };
    let mut registry = Registry::default();
    let producer_metrics = ProducerMetrics::register(&mut registry);
    let consumer_metrics = ConsumerMetrics::register(&mut registry);
    let mut matches = Vec::new();
    for path in &args.replay {
        matches.push(replayed(path)?);
    }
    let config = GatewayConfig { listen: args.listen, public_dir: args.public_dir.clone(), ..GatewayConfig::default() };
    let gateway = gateway::start(config, store.clone(), &mut registry, shutdown.clone()).await?;
    let ops = Ops::new(registry);
    gateway.set_ops(ops.clone());
    ops.set_ready(true);
    println!("livematch demo: open http://{}/", gateway.local_addr());

    let ctx = Ctx { bus, store, speed: args.speed, producer_metrics, consumer_metrics, shutdown: shutdown.clone() };
    let mut tasks = JoinSet::new();
    for m in matches {
        tasks.spawn(ctx.clone().play(m));
    }
    // Simulated matches: when one ends, the next seed starts, so the lobby
    // always has live ones.
    let mut next = 0u64;
    let slots = args.simulate;
    let mut running = 0usize;
    loop {
        while running < slots && !shutdown.is_cancelled() {
            let m = simulated(args.seed, next);
            next += 1;
            running += 1;
            tasks.spawn(ctx.clone().play(m));
        }
        tokio::select! {
            finished = tasks.join_next() => match finished {
                Some(Ok(Some(id))) => { info!(%id, "match over"); running = running.saturating_sub(1); }
                Some(Ok(None)) => {}
                Some(Err(e)) => warn!(error = %e, "match task failed"),
                None => if slots == 0 { break } ,
            },
            () = shutdown.cancelled() => break,
        }
    }
    shutdown.cancel();
    while tasks.join_next().await.is_some() {}
    gateway.stopped().await;
    Ok(())
}

#[derive(Clone)]
struct Ctx {
    bus: Arc<dyn EventBus>,
    store: Arc<dyn Store>,
    speed: f64,
    producer_metrics: ProducerMetrics,
    consumer_metrics: ConsumerMetrics,
    shutdown: CancellationToken,
}

impl Ctx {
    /// Produce and consume one match; returns its id when a simulated
    /// match is over (None for replays, which do not respawn).
    async fn play(self, m: DemoMatch) -> Option<String> {
        let simulated = matches!(m.source, Source::Simulate { .. });
        let producer = ProducerConfig {
            match_id: m.id.clone(),
            source: m.source.clone(),
            speed: self.speed,
            topic: TopicSpec::default(),
            resume_idle: Duration::from_millis(200),
        };
        let mut consumer_config = ConsumerConfig::new(m.id.clone());
        consumer_config.exit_when_finished = true;
        let consume = consumer::run(
            self.bus.clone(),
            self.store.clone(),
            consumer_config,
            self.consumer_metrics.clone(),
            self.shutdown.clone(),
        );
        let produce = producer::run(self.bus.clone(), producer, self.producer_metrics.clone(), self.shutdown.clone());
        let (p, c) = tokio::join!(produce, consume);
        if let Err(e) = p {
            warn!(match_id = %m.id, error = %e, "producer failed");
        }
        if let Err(e) = c {
            warn!(match_id = %m.id, error = %e, "consumer failed");
        }
        simulated.then_some(m.id)
    }
}
