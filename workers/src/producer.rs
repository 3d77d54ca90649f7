//! The producer: publishes one match's events to its topic, paced like the
//! real thing, and continues where it stopped after a restart.

use crate::clock::now_ms;
use std::sync::Arc;
use std::time::Duration;

use livematch_sports::cricket::{self, cadence};
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
         it was written by another source (different seed or file); refusing to mix matches"
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
        if events.get(index).map(|e| Event::Cricket(e.clone())) != Some(published) {
            return Err(ProduceError::Diverged { topic, seq: resumed_from });
        }
    }
    metrics.events_resumed.inc_by(resumed_from);
    info!(topic, resumed_from, total = events.len(), speed = config.speed, "producing match");

    let mut summary = ProduceSummary { resumed_from, published: 0, interrupted: false };
    let mut prev: Option<&cricket::Event> = None;
    for (i, event) in events.iter().enumerate() {
        let seq = i as u64 + 1;
        if seq <= resumed_from {
            prev = Some(event);
            continue;
        }
        if config.speed > 0.0 && seq > resumed_from + 1 {
            let gap = cadence::nominal_gap(prev, event).div_f64(config.speed);
            tokio::select! {
                () = tokio::time::sleep(gap) => {}
                () = shutdown.cancelled() => { summary.interrupted = true; break; }
            }
        } else if shutdown.is_cancelled() {
            summary.interrupted = true;
            break;
        }
        let env = Envelope::new(config.match_id.clone(), seq, now_ms(), Event::Cricket(event.clone()));
        bus.publish(&topic, &config.match_id, env.to_vec()).await?;
        metrics.events_produced.inc();
        metrics.last_seq.set(i64::try_from(seq).unwrap_or(i64::MAX));
        summary.published += 1;
        prev = Some(event);
    }
    info!(topic, published = summary.published, interrupted = summary.interrupted, "producer finished");
    Ok(summary)
}
