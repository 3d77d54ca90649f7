//! The producer: publishes one match's events (of any sport) to its topic,
//! paced like the real thing, and continues where it stopped after a
//! restart.

use crate::clock::now_ms;
use std::sync::Arc;
use std::time::Duration;

use livematch_sports::{Envelope, Event};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::bus::{BusError, EventBus, TopicSpec, topic_for};
use crate::source::{Source, SourceError};

/// What the producer needs to know.
#[derive(Debug, Clone)]
pub struct ProducerConfig {
    pub match_id: String,
    pub source: Source,
    /// Multiple of real-time pace; 0 publishes as fast as possible.
    pub speed: f64,
    pub topic: TopicSpec,
    /// How long the topic must stay quiet before the producer decides it
    /// has read everything already published (on start-up).
    pub resume_idle: Duration,
}

/// Why the producer stopped early.
#[derive(Debug, thiserror::Error)]
pub enum ProduceError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Bus(#[from] BusError),
    #[error(
        "topic {topic} already holds event seq {seq} that differs from this source's event {seq}: \
         it was written by another source (different sport, format, seed or file); refusing to mix matches"
    )]
    Diverged { topic: String, seq: u64 },
}

impl ProduceError {
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            ProduceError::Source(e) => e.metric_label(),
            ProduceError::Bus(e) => e.metric_label(),
            ProduceError::Diverged { .. } => "diverged",
        }
    }
}

/// Producer metrics.
#[derive(Clone, Default)]
pub struct ProducerMetrics {
    pub events_produced: Counter,
    pub events_resumed: Counter,
    pub last_seq: Gauge,
    pub errors: Family<ErrorLabel, Counter>,
}

/// Metric label for an error category.
#[derive(Clone, Debug, Hash, PartialEq, Eq, prometheus_client::encoding::EncodeLabelSet)]
pub struct ErrorLabel {
    pub kind: &'static str,
}

impl ProducerMetrics {
    pub fn register(registry: &mut Registry) -> Self {
        let m = ProducerMetrics::default();
        registry.register("livematch_events_produced", "Events published to Kafka", m.events_produced.clone());
        registry.register(
            "livematch_events_resumed",
            "Events found already published on start-up (skipped)",
            m.events_resumed.clone(),
        );
        registry.register("livematch_producer_last_seq", "Last sequence number published", m.last_seq.clone());
        registry.register("livematch_producer_errors", "Producer errors by kind", m.errors.clone());
        m
    }
}

/// How a producer run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProduceSummary {
    /// Events found already published when it started.
    pub resumed_from: u64,
    /// Events it published itself.
    pub published: u64,
    /// True when it was stopped before the end of the match.
    pub interrupted: bool,
}

/// The last valid sequence number of this match in the topic and its event.
fn last_published(match_id: &str, records: &[crate::bus::Record]) -> (u64, Option<Event>) {
    let mut last = (0, None);
    for rec in records {
        let Some(payload) = &rec.payload else { continue };
        match Envelope::from_slice(payload) {
            Ok(env) if env.match_id == match_id && env.seq > last.0 => last = (env.seq, Some(env.event)),
            Ok(_) => {}
            Err(e) => warn!(offset = rec.offset, error = %e, "ignoring unreadable record while resuming"),
        }
    }
    last
}

/// Publish the match. Returns when every event is published or on shutdown.
///
/// # Errors
/// The source cannot be read, Kafka fails, or the topic holds another match.
pub async fn run(
    bus: Arc<dyn EventBus>,
    config: ProducerConfig,
    metrics: ProducerMetrics,
    shutdown: CancellationToken,
) -> Result<ProduceSummary, ProduceError> {
    let result = produce(bus, &config, &metrics, &shutdown).await;
    if let Err(e) = &result {
        metrics.errors.get_or_create(&ErrorLabel { kind: e.metric_label() }).inc();
    }
    result
}

async fn produce(
    bus: Arc<dyn EventBus>,
    config: &ProducerConfig,
    metrics: &ProducerMetrics,
    shutdown: &CancellationToken,
) -> Result<ProduceSummary, ProduceError> {
    let events = config.source.events().await?;
    let topic = topic_for(&config.match_id);
    bus.ensure_topic(&topic, config.topic).await?;
    let existing = bus.read_all(&topic, config.resume_idle).await?;
    let (resumed_from, last_event) = last_published(&config.match_id, &existing);
    if let Some(published) = last_event {
        let index = usize::try_from(resumed_from - 1).unwrap_or(usize::MAX);
        if events.get(index) != Some(&published) {
            return Err(ProduceError::Diverged { topic, seq: resumed_from });
        }
    }
    metrics.events_resumed.inc_by(resumed_from);
    let sport = config.source.sport().as_str();
    info!(topic, sport, resumed_from, total = events.len(), speed = config.speed, "producing match");

    let mut summary = ProduceSummary { resumed_from, published: 0, interrupted: false };
    let mut prev: Option<&Event> = None;
    for (i, event) in events.iter().enumerate() {
        let seq = i as u64 + 1;
        if seq <= resumed_from {
            prev = Some(event);
            continue;
        }
        if config.speed > 0.0 && seq > resumed_from + 1 {
            let gap = event.nominal_gap(prev).div_f64(config.speed);
            tokio::select! {
                () = tokio::time::sleep(gap) => {}
                () = shutdown.cancelled() => { summary.interrupted = true; break; }
            }
        } else if shutdown.is_cancelled() {
            summary.interrupted = true;
            break;
        }
        let env = Envelope::new(config.match_id.clone(), seq, now_ms(), event.clone());
        bus.publish(&topic, &config.match_id, env.to_vec()).await?;
        metrics.events_produced.inc();
        metrics.last_seq.set(i64::try_from(seq).unwrap_or(i64::MAX));
        summary.published += 1;
        prev = Some(event);
    }
    info!(topic, published = summary.published, interrupted = summary.interrupted, "producer finished");
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use livematch_sports::{MatchState, Sport, Status};

    use super::*;
    use crate::bus::memory::MemoryBus;

    fn config(match_id: &str, source: Source, speed: f64) -> ProducerConfig {
        ProducerConfig {
            match_id: match_id.into(),
            source,
            speed,
            topic: TopicSpec::default(),
            resume_idle: Duration::from_millis(10),
        }
    }

    fn simulated(sport: Sport, seed: u64) -> Source {
        Source::simulate(sport, None, seed, None).expect("valid spec")
    }

    /// The envelopes of `match_id` in its topic, in log order.
    async fn published(bus: &MemoryBus, match_id: &str) -> Vec<Envelope> {
        let records = bus.read_all(&topic_for(match_id), Duration::ZERO).await.expect("read");
        records
            .iter()
            .filter_map(|r| r.payload.as_deref())
            .map(|p| Envelope::from_slice(p).expect("envelope"))
            .collect()
    }

    async fn produce_all(bus: &MemoryBus, config: ProducerConfig) -> Result<ProduceSummary, ProduceError> {
        let bus: Arc<dyn EventBus> = Arc::new(bus.clone());
        run(bus, config, ProducerMetrics::default(), CancellationToken::new()).await
    }

    #[tokio::test]
    async fn every_sport_is_published_as_its_envelopes_and_folds_to_a_finished_match() {
        for sport in Sport::ALL {
            let bus = MemoryBus::new();
            let id = format!("m-{sport}");
            let source = simulated(sport, 3);
            let expected = source.events().await.expect("events");
            let summary = produce_all(&bus, config(&id, source, 0.0)).await.expect("produce");
            assert_eq!(
                summary,
                ProduceSummary { resumed_from: 0, published: expected.len() as u64, interrupted: false }
            );
            let envelopes = published(&bus, &id).await;
            let events: Vec<Event> = envelopes.iter().map(|e| e.event.clone()).collect();
            assert_eq!(events, expected, "{sport}");
            let seqs: Vec<u64> = envelopes.iter().map(|e| e.seq).collect();
            assert_eq!(seqs, (1..=expected.len() as u64).collect::<Vec<_>>(), "{sport}");
            let mut state = MatchState::new(id.clone(), sport);
            for env in &envelopes {
                state.apply(env).unwrap_or_else(|e| panic!("{sport} seq {}: {e}", env.seq));
            }
            assert_eq!(state.status(), Status::Completed, "{sport}");
            assert!(!state.summary().is_empty(), "{sport}");
        }
    }

    #[tokio::test]
    async fn a_restart_continues_after_the_last_published_event() {
        let bus = MemoryBus::new();
        let source = simulated(Sport::Basketball, 8);
        let events = source.events().await.expect("events");
        let topic = topic_for("hoops");
        bus.ensure_topic(&topic, TopicSpec::default()).await.expect("topic");
        for (i, event) in events.iter().take(25).enumerate() {
            let env = Envelope::new("hoops", i as u64 + 1, 0, event.clone());
            bus.publish(&topic, "hoops", env.to_vec()).await.expect("publish");
        }
        let summary = produce_all(&bus, config("hoops", source, 0.0)).await.expect("resume");
        assert_eq!((summary.resumed_from, summary.published), (25, events.len() as u64 - 25));
        let all = published(&bus, "hoops").await;
        assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=events.len() as u64).collect::<Vec<_>>());
        assert_eq!(all.into_iter().map(|e| e.event).collect::<Vec<_>>(), events);
    }

    #[tokio::test]
    async fn a_topic_holding_another_match_is_refused() {
        let bus = MemoryBus::new();
        // The topic holds the start of a football match; the source is tennis.
        let football = simulated(Sport::Football, 1).events().await.expect("events");
        let topic = topic_for("clash");
        for (i, event) in football.iter().take(3).enumerate() {
            bus.publish(&topic, "clash", Envelope::new("clash", i as u64 + 1, 0, event.clone()).to_vec())
                .await
                .expect("publish");
        }
        let err = produce_all(&bus, config("clash", simulated(Sport::Tennis, 1), 0.0)).await.expect_err("diverged");
        assert!(matches!(err, ProduceError::Diverged { seq: 3, .. }), "{err}");
        assert_eq!(err.metric_label(), "diverged");
        // Same sport, another seed: refused too.
        let err = produce_all(&bus, config("clash", simulated(Sport::Football, 2), 0.0)).await.expect_err("seed");
        assert!(matches!(err, ProduceError::Diverged { .. }), "{err}");
        assert_eq!(published(&bus, "clash").await.len(), 3, "nothing was added");
    }

    #[tokio::test(start_paused = true)]
    async fn pacing_follows_each_sports_nominal_gaps() {
        for sport in [Sport::Tennis, Sport::Football] {
            let bus = MemoryBus::new();
            let source = simulated(sport, 4);
            let events = source.events().await.expect("events");
            let speed = 50.0;
            let expected: Duration = events
                .iter()
                .enumerate()
                .skip(1)
                .map(|(i, e)| e.nominal_gap(Some(&events[i - 1])).div_f64(speed))
                .sum();
            assert!(expected > Duration::from_secs(10), "{sport}: a real match lasts a while ({expected:?})");
            let start = tokio::time::Instant::now();
            produce_all(&bus, config(&format!("paced-{sport}"), source, speed)).await.expect("produce");
            let took = start.elapsed();
            // The paused clock advances by exactly the sleeps (to the millisecond each).
            let slack = Duration::from_millis(events.len() as u64);
            assert!(
                took + slack >= expected && took <= expected + slack,
                "{sport}: took {took:?}, expected {expected:?}"
            );
        }
    }
}
