//! The operator's Prometheus metrics, served on `/metrics` by the workers'
//! ops server ([`livematch_workers::telemetry::Ops`]).
//!
//! * `livematch_operator_reconciles_total`: reconciles run;
//! * `livematch_operator_reconcile_errors_total{kind}`: failed reconciles,
//!   by error category (`metric_label()`);
//! * `livematch_operator_reconcile_duration_seconds`: reconcile latency;
//! * `livematch_operator_leader`: 1 while this replica leads;
//! * `livematch_operator_matches{phase}`: LiveMatches by phase;
//! * `livematch_operator_lobby_reads_total{result}`: shared lobby reads.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use livematch_crd::Phase;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Label of the error counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    /// The error's `metric_label()`.
    pub kind: String,
}

/// Label of the phase gauge.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PhaseLabel {
    /// The phase name.
    pub phase: String,
}

/// Label of the lobby read counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabel {
    /// `ok` or the error's `metric_label()`.
    pub result: String,
}

/// Every phase, so the gauge shows zeros rather than missing series.
const PHASES: [Phase; 6] =
    [Phase::Pending, Phase::Starting, Phase::Live, Phase::Completed, Phase::Failed, Phase::Paused];

/// The operator's metrics. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Metrics {
    reconciles: Counter,
    errors: Family<KindLabel, Counter>,
    duration: Histogram,
    leader: Gauge,
    matches: Family<PhaseLabel, Gauge>,
    lobby_reads: Family<ResultLabel, Counter>,
    phases: Arc<Mutex<HashMap<String, Phase>>>,
}

impl Metrics {
    /// Create the metrics and register them in `registry`.
    #[must_use]
    pub fn register(registry: &mut Registry) -> Self {
        let m = Metrics {
            reconciles: Counter::default(),
            errors: Family::default(),
            // 1 ms .. ~16 s
            duration: Histogram::new(exponential_buckets(0.001, 2.0, 15)),
            leader: Gauge::default(),
            matches: Family::default(),
            lobby_reads: Family::default(),
            phases: Arc::default(),
        };
        let r = registry.sub_registry_with_prefix("livematch_operator");
        r.register("reconciles", "LiveMatch reconciles run", m.reconciles.clone());
        r.register("reconcile_errors", "Failed LiveMatch reconciles, by error kind", m.errors.clone());
        r.register("reconcile_duration_seconds", "Duration of LiveMatch reconciles", m.duration.clone());
        r.register("leader", "1 while this replica holds the leader Lease", m.leader.clone());
        r.register("matches", "LiveMatches by phase (as last reconciled by this replica)", m.matches.clone());
        r.register("lobby_reads", "Reads of the shared lobby from Redis, by result", m.lobby_reads.clone());
        for phase in PHASES {
            m.matches.get_or_create(&PhaseLabel { phase: phase.as_str().to_owned() }).set(0);
        }
        m
    }

    /// A reconcile finished after `took`, failing with `error_kind` if it failed.
    pub fn reconciled(&self, took: Duration, error_kind: Option<&'static str>) {
        self.reconciles.inc();
        self.duration.observe(took.as_secs_f64());
        if let Some(kind) = error_kind {
            self.errors.get_or_create(&KindLabel { kind: kind.to_owned() }).inc();
        }
    }

    /// Leadership changed.
    pub fn set_leader(&self, leader: bool) {
        self.leader.set(i64::from(leader));
    }

    /// A lobby read finished.
    pub fn lobby_read(&self, result: Result<usize, &str>) {
        let result = match result {
            Ok(_) => "ok".to_owned(),
            Err(kind) => kind.to_owned(),
        };
        self.lobby_reads.get_or_create(&ResultLabel { result }).inc();
    }

    /// Record the phase of the LiveMatch `key` (`namespace/name`); `None`
    /// when it is gone.
    pub fn set_phase(&self, key: &str, phase: Option<Phase>) {
        let counts = {
            let mut phases = self.phases.lock().unwrap_or_else(PoisonError::into_inner);
            let changed = match phase {
                Some(p) => phases.insert(key.to_owned(), p) != Some(p),
                None => phases.remove(key).is_some(),
            };
            if !changed {
                return;
            }
            PHASES.map(|p| (p, phases.values().filter(|&&v| v == p).count()))
        };
        for (p, count) in counts {
            let count = i64::try_from(count).unwrap_or(i64::MAX);
            self.matches.get_or_create(&PhaseLabel { phase: p.as_str().to_owned() }).set(count);
        }
    }

    /// Forget every phase (leadership lost: another replica reports them).
    pub fn clear_phases(&self) {
        self.phases.lock().unwrap_or_else(PoisonError::into_inner).clear();
        for p in PHASES {
            self.matches.get_or_create(&PhaseLabel { phase: p.as_str().to_owned() }).set(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(registry: &Registry) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, registry).expect("encode");
        out
    }

    #[test]
    fn counts_reconciles_errors_and_phases() {
        let mut registry = Registry::default();
        let m = Metrics::register(&mut registry);
        m.reconciled(Duration::from_millis(3), None);
        m.reconciled(Duration::from_millis(5), Some("kafka"));
        m.set_leader(true);
        m.set_phase("ns/a", Some(Phase::Live));
        m.set_phase("ns/b", Some(Phase::Live));
        m.set_phase("ns/b", Some(Phase::Paused));
        m.set_phase("ns/c", Some(Phase::Starting));
        m.set_phase("ns/c", None);
        m.lobby_read(Ok(3));
        let text = render(&registry);
        for line in [
            "livematch_operator_reconciles_total 2",
            "livematch_operator_reconcile_errors_total{kind=\"kafka\"} 1",
            "livematch_operator_reconcile_duration_seconds_count 2",
            "livematch_operator_leader 1",
            "livematch_operator_matches{phase=\"Live\"} 1",
            "livematch_operator_matches{phase=\"Paused\"} 1",
            "livematch_operator_matches{phase=\"Starting\"} 0",
            "livematch_operator_lobby_reads_total{result=\"ok\"} 1",
        ] {
            assert!(text.contains(line), "missing {line:?} in\n{text}");
        }
        m.clear_phases();
        assert!(render(&registry).contains("livematch_operator_matches{phase=\"Live\"} 0"));
    }
}
