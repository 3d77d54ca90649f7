//! The gateway's Prometheus metrics.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::encoding::{EncodeLabelSet, EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::{MetricType, TypedMetric};
use prometheus_client::registry::Registry;

use crate::protocol::FrameType;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TypeLabel {
    r#type: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

/// Upper bounds of the publish-to-send histogram's buckets: 1 ms to 5 s
/// (plus `+Inf`).
const LATENCY_BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// A lock-free latency histogram. Every connection task observes each
/// frame it writes, so the library's histogram (a mutex per observation)
/// would serialize the fan-out; this one only adds to atomics.
#[derive(Debug, Clone, Default)]
pub struct LatencyHistogram {
    inner: Arc<LatencyCounts>,
}

#[derive(Debug, Default)]
struct LatencyCounts {
    /// Per bucket (not cumulative); the last one is `+Inf`.
    buckets: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl LatencyHistogram {
    /// Record one duration, in seconds.
    pub fn observe(&self, seconds: f64) {
        self.observe_n(seconds, 1);
    }

    /// Record `n` observations of the same duration (the fan-out counts a
    /// chunk of viewers written within the same millisecond at once).
    pub fn observe_n(&self, seconds: f64, n: u64) {
        let counts = &self.inner;
        let bucket = LATENCY_BUCKETS.iter().position(|&bound| seconds <= bound).unwrap_or(LATENCY_BUCKETS.len());
        counts.buckets[bucket].fetch_add(n, Ordering::Relaxed);
        counts.count.fetch_add(n, Ordering::Relaxed);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let micros = (seconds.max(0.0) * 1e6) as u64;
        counts.sum_micros.fetch_add(micros.saturating_mul(n), Ordering::Relaxed);
    }

    /// Observations so far.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.inner.count.load(Ordering::Relaxed)
    }

    /// Sum of the observations, in seconds.
    #[must_use]
    pub fn sum(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let micros = self.inner.sum_micros.load(Ordering::Relaxed) as f64;
        micros / 1e6
    }
}

impl TypedMetric for LatencyHistogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for LatencyHistogram {
    fn encode(&self, mut encoder: MetricEncoder<'_>) -> Result<(), std::fmt::Error> {
        let buckets: Vec<(f64, u64)> = LATENCY_BUCKETS
            .iter()
            .copied()
            .chain(std::iter::once(f64::INFINITY))
            .zip(self.inner.buckets.iter().map(|b| b.load(Ordering::Relaxed)))
            .collect();
        encoder.encode_histogram::<NoLabelSet>(self.sum(), self.count(), &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

/// Everything the gateway counts. Cheap to clone (shared counters).
#[derive(Clone, Debug)]
pub struct GatewayMetrics {
    /// Open WebSocket connections.
    pub connections: Gauge,
    /// WebSocket connections accepted since start.
    pub connections_total: Counter,
    /// Match subscriptions held by open connections.
    pub subscriptions: Gauge,
    /// Matches this gateway is subscribed to on the store's live channel.
    pub live_matches: Gauge,
    /// Times the live feed was (re)connected after being lost.
    pub live_reconnects: Counter,
    /// Holes in a live stream filled from the store's log.
    pub gap_repairs: Counter,
    /// Age of event frames (now − the frame's `ts`) when written to a socket.
    pub publish_to_send_seconds: LatencyHistogram,
    /// Connections closed because the client could not keep up.
    pub slow_consumer_disconnects: Counter,
    /// Sockets of cut-off clients kept open for them to read why.
    pub lingering: Gauge,
    sent_by_type: Arc<[Counter; FrameType::ALL.len()]>,
    bad_frames: Family<ReasonLabel, Counter>,
    store_errors: Family<KindLabel, Counter>,
}

impl GatewayMetrics {
    /// Create the metrics and register them (names start with
    /// `livematch_gateway_`).
    pub fn new(registry: &mut Registry) -> Self {
        let sent = Family::<TypeLabel, Counter>::default();
        let sent_by_type =
            Arc::new(FrameType::ALL.map(|t| sent.get_or_create(&TypeLabel { r#type: t.as_str() }).clone()));
        let m = GatewayMetrics {
            connections: Gauge::default(),
            connections_total: Counter::default(),
            subscriptions: Gauge::default(),
            live_matches: Gauge::default(),
            live_reconnects: Counter::default(),
            gap_repairs: Counter::default(),
            publish_to_send_seconds: LatencyHistogram::default(),
            slow_consumer_disconnects: Counter::default(),
            lingering: Gauge::default(),
            sent_by_type,
            bad_frames: Family::default(),
            store_errors: Family::default(),
        };
        registry.register("livematch_gateway_connections_open", "Open WebSocket connections", m.connections.clone());
        registry.register(
            "livematch_gateway_connections",
            "WebSocket connections accepted",
            m.connections_total.clone(),
        );
        registry.register(
            "livematch_gateway_subscriptions",
            "Match subscriptions held by open connections",
            m.subscriptions.clone(),
        );
        registry.register(
            "livematch_gateway_live_matches",
            "Matches subscribed on the store's live channel (matches with viewers here)",
            m.live_matches.clone(),
        );
        registry.register(
            "livematch_gateway_live_reconnects",
            "Live feed reconnections after it was lost",
            m.live_reconnects.clone(),
        );
        registry.register(
            "livematch_gateway_gap_repairs",
            "Live stream holes filled from the log",
            m.gap_repairs.clone(),
        );
        registry.register("livematch_gateway_messages_sent", "Frames written to clients, by type", sent);
        registry.register(
            "livematch_gateway_publish_to_send_seconds",
            "Time from an event's timestamp to its frame being written to a client socket",
            m.publish_to_send_seconds.clone(),
        );
        registry.register(
            "livematch_gateway_slow_consumer_disconnects",
            "Connections closed because the client could not keep up",
            m.slow_consumer_disconnects.clone(),
        );
        registry.register(
            "livematch_gateway_connections_lingering",
            "Sockets of cut-off slow clients kept open (--close-linger) so they can read the close reason",
            m.lingering.clone(),
        );
        registry.register(
            "livematch_gateway_bad_frames",
            "Client frames rejected, by reason (error code)",
            m.bad_frames.clone(),
        );
        registry.register("livematch_gateway_store_errors", "Store errors, by kind", m.store_errors.clone());
        m
    }

    /// Metrics not registered anywhere (tests, benchmarks).
    #[must_use]
    pub fn unregistered() -> Self {
        GatewayMetrics::new(&mut Registry::default())
    }

    /// Count one frame written to a client.
    pub fn sent(&self, frame: FrameType) {
        self.sent_by_type[frame.index()].inc();
    }

    /// Count `n` frames of one type written to clients.
    pub fn sent_n(&self, frame: FrameType, n: u64) {
        self.sent_by_type[frame.index()].inc_by(n);
    }

    /// Frames of this type written so far.
    #[must_use]
    pub fn sent_count(&self, frame: FrameType) -> u64 {
        self.sent_by_type[frame.index()].get()
    }

    /// Count one rejected client frame.
    pub fn bad_frame(&self, reason: &'static str) {
        self.bad_frames.get_or_create(&ReasonLabel { reason }).inc();
    }

    /// Rejected client frames with this reason so far.
    #[must_use]
    pub fn bad_frame_count(&self, reason: &'static str) -> u64 {
        self.bad_frames.get(&ReasonLabel { reason }).map_or(0, |c| c.get())
    }

    /// Count one store error.
    pub fn store_error(&self, err: &crate::store::StoreError) {
        self.store_errors.get_or_create(&KindLabel { kind: err.metric_label() }).inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_histogram_encodes_cumulative_buckets() {
        let mut registry = Registry::default();
        let m = GatewayMetrics::new(&mut registry);
        for seconds in [0.0005, 0.2, 9.0] {
            m.publish_to_send_seconds.observe(seconds);
        }
        m.publish_to_send_seconds.observe_n(0.003, 2);
        assert_eq!(m.publish_to_send_seconds.count(), 5);
        assert!((m.publish_to_send_seconds.sum() - 9.2065).abs() < 1e-6);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap_or_default();
        for line in [
            "livematch_gateway_publish_to_send_seconds_bucket{le=\"0.001\"} 1",
            "livematch_gateway_publish_to_send_seconds_bucket{le=\"0.005\"} 3",
            "livematch_gateway_publish_to_send_seconds_bucket{le=\"0.25\"} 4",
            "livematch_gateway_publish_to_send_seconds_bucket{le=\"5.0\"} 4",
            "livematch_gateway_publish_to_send_seconds_bucket{le=\"+Inf\"} 5",
            "livematch_gateway_publish_to_send_seconds_count 5",
        ] {
            assert!(text.contains(line), "missing {line} in:\n{text}");
        }
    }

    #[test]
    fn counts_by_label() {
        let m = GatewayMetrics::unregistered();
        m.sent(FrameType::Event);
        m.sent_n(FrameType::Event, 2);
        m.bad_frame("bad_json");
        assert_eq!(m.sent_count(FrameType::Event), 3);
        assert_eq!(m.sent_count(FrameType::Pong), 0);
        assert_eq!(m.bad_frame_count("bad_json"), 1);
        assert_eq!(m.bad_frame_count("unknown_op"), 0);
    }
}
