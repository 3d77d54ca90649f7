//! `livematch demo`: producer, consumers and gateway in one process, with
//! in-memory stand-ins for Kafka and Redis unless real ones are given.
//!
//! By default one simulated match of every sport plays at a time (plus any
//! cricket replays given); when a simulated match ends, the next one of
//! its sport starts, so the lobby always has live ones.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use livematch_sports::{Format, Sport};
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
use crate::source::{Source, SourceError};
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
    #[error(transparent)]
    Source(#[from] SourceError),
}

/// One match the demo plays.
#[derive(Debug, Clone)]
struct DemoMatch {
    id: String,
    source: Source,
}

/// The `index`-th simulated match of `sport` (from 0), seed `seed + index`.
///
/// Cricket: mostly T20s, an ODI every third match, ids `sim-t20-SEED` and
/// `sim-odi-SEED`. The other sports take their formats in turn, ids
/// `sim-SPORT-FORMAT-SEED` (e.g. `sim-tennis-best-of-5-2`).
fn simulated(sport: Sport, seed: u64, index: u64) -> Result<DemoMatch, SourceError> {
    let seed = seed + index;
    let (format, id) = if sport == Sport::Cricket {
        let format = if index % 3 == 2 { Format::Odi } else { Format::T20 };
        (format, format!("sim-{format}-{seed}"))
    } else {
        let formats = sport.formats();
        let format = formats[usize::try_from(index).unwrap_or(0) % formats.len()];
        (format, format!("sim-{sport}-{}-{seed}", format.as_str().replace('_', "-")))
    };
    Ok(DemoMatch { id, source: Source::simulate(sport, Some(format), seed, None)? })
}

/// Which simulated match each slot plays next: slot `i` plays the sports
/// of `--sports` in turn (`sports[i % len]`), each sport counting its own
/// matches.
#[derive(Debug)]
struct Rota {
    sports: Vec<Sport>,
    seed: u64,
    played: HashMap<Sport, u64>,
}

impl Rota {
    fn new(sports: Vec<Sport>, seed: u64) -> Self {
        Rota { sports, seed, played: HashMap::new() }
    }

    /// The sport of slot `slot` (None: no sports to play).
    fn sport_of(&self, slot: usize) -> Option<Sport> {
        (!self.sports.is_empty()).then(|| self.sports[slot % self.sports.len()])
    }

    /// The next match of `sport`.
    fn next(&mut self, sport: Sport) -> Result<DemoMatch, SourceError> {
        let index = self.played.entry(sport).or_insert(0);
        let m = simulated(sport, self.seed, *index)?;
        *index += 1;
        Ok(m)
    }
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
    // Simulated matches: one slot per sport (or --simulate slots taking
    // the sports in turn); when a match ends, the next of its sport starts.
    let mut rota = Rota::new(args.sports.clone(), args.seed);
    let slots = args.simulate.unwrap_or(args.sports.len());
    let mut to_start: Vec<Sport> = (0..slots).filter_map(|slot| rota.sport_of(slot)).collect();
    loop {
        for sport in to_start.drain(..) {
            if shutdown.is_cancelled() {
                break;
            }
            let m = rota.next(sport)?;
            info!(match_id = %m.id, %sport, "starting a simulated match");
            tasks.spawn(ctx.clone().play(m));
        }
        tokio::select! {
            finished = tasks.join_next() => match finished {
                Some(Ok(Some((id, sport)))) => {
                    info!(%id, "match over");
                    to_start.push(sport);
                }
                Some(Ok(None)) => {}
                Some(Err(e)) => warn!(error = %e, "match task failed"),
                // Nothing playing and nothing to start (no simulated slots).
                None => break,
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
    /// Produce and consume one match; returns its id and sport when a
    /// simulated match is over (None for replays, which do not respawn).
    async fn play(self, m: DemoMatch) -> Option<(String, Sport)> {
        let simulated = matches!(m.source, Source::Simulate(_));
        let sport = m.source.sport();
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
        simulated.then_some((m.id, sport))
    }
}

#[cfg(test)]
mod tests {
    use livematch_sports::Status;

    use super::*;

    fn format_of(m: &DemoMatch) -> Option<Format> {
        match &m.source {
            Source::Simulate(spec) => spec.format,
            _ => None,
        }
    }

    #[test]
    fn cricket_keeps_its_ids_and_an_odi_every_third_match() {
        let mut rota = Rota::new(vec![Sport::Cricket], 7);
        let ids: Vec<String> = (0..4).map(|_| rota.next(Sport::Cricket).expect("match").id).collect();
        assert_eq!(ids, ["sim-t20-7", "sim-t20-8", "sim-odi-9", "sim-t20-10"]);
    }

    #[test]
    fn every_sport_gets_a_slot_and_takes_its_formats_in_turn() {
        let rota = Rota::new(Sport::ALL.to_vec(), 1);
        let sports: Vec<Sport> = (0..5).filter_map(|slot| rota.sport_of(slot)).collect();
        assert_eq!(sports, [Sport::Cricket, Sport::Football, Sport::Basketball, Sport::Tennis, Sport::Cricket]);
        assert_eq!(Rota::new(Vec::new(), 1).sport_of(0), None);

        let mut rota = Rota::new(Sport::ALL.to_vec(), 1);
        let tennis: Vec<DemoMatch> = (0..4).map(|_| rota.next(Sport::Tennis).expect("match")).collect();
        let ids: Vec<&str> = tennis.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "sim-tennis-best-of-3-1",
                "sim-tennis-best-of-5-2",
                "sim-tennis-best-of-3-match-tiebreak-3",
                "sim-tennis-best-of-3-4"
            ]
        );
        assert!(tennis.iter().all(|m| m.source.sport() == Sport::Tennis));
        assert_eq!(format_of(&tennis[1]), Some(Format::BestOf5));
        // Each sport counts its own matches.
        let football = rota.next(Sport::Football).expect("match");
        assert_eq!((football.id.as_str(), format_of(&football)), ("sim-football-league-1", Some(Format::League)));
        let basketball = [rota.next(Sport::Basketball).expect("a"), rota.next(Sport::Basketball).expect("b")];
        assert_eq!(basketball.map(|m| m.id), ["sim-basketball-nba-1".to_owned(), "sim-basketball-fiba-2".to_owned()]);
        for id in ids {
            assert!(crate::protocol::valid_match_id(id), "{id}");
        }
    }

    #[tokio::test]
    async fn one_match_of_every_sport_reaches_the_lobby_finished() {
        let store = Arc::new(MemoryStore::new());
        let mut registry = Registry::default();
        let ctx = Ctx {
            bus: Arc::new(MemoryBus::new()),
            store: store.clone(),
            speed: 0.0,
            producer_metrics: ProducerMetrics::register(&mut registry),
            consumer_metrics: ConsumerMetrics::register(&mut registry),
            shutdown: CancellationToken::new(),
        };
        let mut rota = Rota::new(Sport::ALL.to_vec(), 3);
        let mut tasks = JoinSet::new();
        for slot in 0..4 {
            let sport = rota.sport_of(slot).expect("a sport");
            tasks.spawn(ctx.clone().play(rota.next(sport).expect("match")));
        }
        let mut over = Vec::new();
        while let Some(done) = tasks.join_next().await {
            over.push(done.expect("task").expect("a simulated match"));
        }
        over.sort_by_key(|(_, sport)| sport.as_str());
        let sports: Vec<Sport> = over.iter().map(|(_, s)| *s).collect();
        assert_eq!(sports, [Sport::Basketball, Sport::Cricket, Sport::Football, Sport::Tennis]);
        let lobby = store.lobby().await.expect("lobby");
        for (id, sport) in &over {
            let entry = lobby.iter().find(|e| &e.id == id).unwrap_or_else(|| panic!("{id} not in the lobby"));
            assert_eq!((entry.sport, entry.status), (*sport, Status::Completed), "{id}");
            assert!(!entry.summary.is_empty() && entry.teams.len() == 2, "{entry:?}");
        }
    }
}
