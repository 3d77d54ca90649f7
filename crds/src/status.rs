//! `LiveMatchStatus`: what the operator observed, in Kubernetes style
//! (`phase`, `observedGeneration`, `conditions`), plus the scoreboard fields
//! the printer columns show.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Condition types the operator sets.
pub mod condition_type {
    /// The match is being served: producer running (or finished), at least
    /// one consumer ready.
    pub const READY: &str = "Ready";
    /// The operator is bringing the workers to the desired state (creating,
    /// scaling, rolling out, or the match is being played).
    pub const PROGRESSING: &str = "Progressing";
    /// Something is wrong that needs a person: an invalid spec, a missing
    /// replay source, workers crash-looping.
    pub const DEGRADED: &str = "Degraded";
    /// `spec.paused` is set and the producer is stopped.
    pub const PAUSED: &str = "Paused";
}

/// Reasons (CamelCase, machine-readable) the operator gives in conditions.
pub mod reason {
    /// The operator is applying the desired workers.
    pub const RECONCILING: &str = "Reconciling";
    /// The worker pods are starting.
    pub const WORKERS_STARTING: &str = "WorkersStarting";
    /// The producer runs and enough consumers are ready.
    pub const WORKERS_READY: &str = "WorkersReady";
    /// Fewer consumers are ready than desired.
    pub const CONSUMERS_UNAVAILABLE: &str = "ConsumersUnavailable";
    /// The match is being played.
    pub const MATCH_LIVE: &str = "MatchLive";
    /// The match has ended; its scorecard stays served.
    pub const MATCH_COMPLETED: &str = "MatchCompleted";
    /// The spec fails a check the schema cannot express (see `validate`).
    pub const INVALID_SPEC: &str = "InvalidSpec";
    /// The replay source (ConfigMap or URL) cannot be read.
    pub const SOURCE_UNAVAILABLE: &str = "SourceUnavailable";
    /// The Kafka topic could not be created or read.
    pub const KAFKA_UNAVAILABLE: &str = "KafkaUnavailable";
    /// Redis could not be read or written.
    pub const REDIS_UNAVAILABLE: &str = "RedisUnavailable";
    /// The producer exited with an error.
    pub const PRODUCER_FAILED: &str = "ProducerFailed";
    /// `spec.paused` is set.
    pub const PAUSED_BY_SPEC: &str = "PausedBySpec";
    /// `spec.paused` is not set.
    pub const NOT_PAUSED: &str = "NotPaused";
    /// Nothing is wrong.
    pub const AS_EXPECTED: &str = "AsExpected";
}

/// What the operator observed of a LiveMatch.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LiveMatchStatus {
    /// Lifecycle phase: Pending, Starting, Live, Completed, Failed or Paused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = crate::schema::field_doc_wins)]
    pub phase: Option<Phase>,

    /// The `metadata.generation` this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,

    /// Conditions (Ready, Progressing, Degraded, Paused), one per type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Vec<Condition>,

    /// Name of the match's Kafka topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,

    /// "Home v Away" (from the spec, the simulator's pick, or the recorded
    /// match), for the printer column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teams: Option<String>,

    /// Consumer replicas the operator runs (`spec.consumers.replicas` as
    /// last applied). The scale subresource reads this.
    #[serde(default)]
    pub replicas: i32,

    /// Consumer replicas that are ready.
    #[serde(default)]
    pub ready_replicas: i32,

    /// "ready/desired" consumer replicas (e.g. `2/2`), for the printer column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<String>,

    /// Label selector of the consumer pods, in string form (used by the
    /// scale subresource, e.g. for a HorizontalPodAutoscaler).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,

    /// One-line live score (e.g. `IND 187/4 (18.2 ov)`), read from Redis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,

    /// Sequence number of the last event folded into Redis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seq: Option<u64>,

    /// State of the producer, in one word (e.g. Pending, Running, Completed,
    /// Failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub producer: Option<String>,
}

/// Lifecycle phase of a LiveMatch.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, JsonSchema)]
pub enum Phase {
    /// Accepted; nothing created yet.
    Pending,
    /// Topic created, worker pods starting.
    Starting,
    /// The match is being played and served.
    Live,
    /// The match has ended; its scorecard stays served.
    Completed,
    /// The match cannot be played (see the Degraded condition).
    Failed,
    /// `spec.paused` is set: the producer is stopped.
    Paused,
}

impl Phase {
    /// The name shown in the printer column.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Pending => "Pending",
            Phase::Starting => "Starting",
            Phase::Live => "Live",
            Phase::Completed => "Completed",
            Phase::Failed => "Failed",
            Phase::Paused => "Paused",
        }
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Status of a condition.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, JsonSchema)]
pub enum ConditionStatus {
    /// The condition holds.
    True,
    /// The condition does not hold.
    False,
    /// The operator cannot tell.
    Unknown,
}

impl From<bool> for ConditionStatus {
    fn from(value: bool) -> Self {
        if value { ConditionStatus::True } else { ConditionStatus::False }
    }
}

/// One Kubernetes-style condition.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// Condition type: Ready, Progressing, Degraded or Paused.
    #[serde(rename = "type")]
    pub type_: String,
    /// True, False or Unknown.
    pub status: ConditionStatus,
    /// Machine-readable CamelCase reason for the last transition.
    pub reason: String,
    /// Human-readable details.
    #[serde(default)]
    #[schemars(transform = crate::schema::no_default)]
    pub message: String,
    /// When the status last changed (RFC 3339).
    pub last_transition_time: String,
    /// The `metadata.generation` the condition was set for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
}

impl Condition {
    /// A condition that transitions at `now` (an RFC 3339 timestamp).
    #[must_use]
    pub fn new(
        type_: &str,
        status: impl Into<ConditionStatus>,
        reason: &str,
        message: impl Into<String>,
        now: &str,
    ) -> Self {
        Condition {
            type_: type_.to_owned(),
            status: status.into(),
            reason: reason.to_owned(),
            message: message.into(),
            last_transition_time: now.to_owned(),
            observed_generation: None,
        }
    }

    /// The same condition, tagged with the generation it was set for.
    #[must_use]
    pub fn observed(mut self, generation: Option<i64>) -> Self {
        self.observed_generation = generation;
        self
    }
}

impl LiveMatchStatus {
    /// Set (add or update) the condition of `condition.type_`.
    ///
    /// The stored `lastTransitionTime` only changes when the status changes:
    /// with the same status, the reason, message and observed generation are
    /// updated and the old transition time kept. Returns whether anything
    /// changed, so a steady-state reconcile can skip the status patch.
    pub fn set_condition(&mut self, condition: Condition) -> bool {
        match self.conditions.iter_mut().find(|c| c.type_ == condition.type_) {
            None => {
                self.conditions.push(condition);
                true
            }
            Some(existing) => {
                let updated = if existing.status == condition.status {
                    Condition { last_transition_time: existing.last_transition_time.clone(), ..condition }
                } else {
                    condition
                };
                let changed = *existing != updated;
                *existing = updated;
                changed
            }
        }
    }

    /// The condition of this type, if set.
    #[must_use]
    pub fn condition(&self, type_: &str) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.type_ == type_)
    }

    /// Whether the condition of this type is set and True.
    #[must_use]
    pub fn is_true(&self, type_: &str) -> bool {
        self.condition(type_).is_some_and(|c| c.status == ConditionStatus::True)
    }

    /// Record the consumer replicas: `replicas`, `readyReplicas` and the
    /// `ready` printer column ("ready/desired").
    pub fn set_replicas(&mut self, desired: i32, ready: i32) {
        self.replicas = desired;
        self.ready_replicas = ready;
        self.ready = Some(format!("{ready}/{desired}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: &str = "2025-01-01T00:00:00Z";
    const T1: &str = "2025-01-01T00:05:00Z";

    #[test]
    fn new_condition_is_added() {
        let mut status = LiveMatchStatus::default();
        assert!(status.set_condition(Condition::new(condition_type::READY, false, reason::WORKERS_STARTING, "", T0)));
        let ready = status.condition(condition_type::READY).expect("set");
        assert_eq!(ready.status, ConditionStatus::False);
        assert_eq!(ready.last_transition_time, T0);
        assert!(!status.is_true(condition_type::READY));
        assert!(status.condition(condition_type::DEGRADED).is_none());
    }

    #[test]
    fn same_status_keeps_transition_time_but_updates_message() {
        let mut status = LiveMatchStatus::default();
        status.set_condition(Condition::new(condition_type::READY, false, reason::WORKERS_STARTING, "0/2 ready", T0));
        let changed = status.set_condition(Condition::new(
            condition_type::READY,
            false,
            reason::CONSUMERS_UNAVAILABLE,
            "1/2 ready",
            T1,
        ));
        assert!(changed);
        let ready = status.condition(condition_type::READY).expect("set");
        assert_eq!(ready.last_transition_time, T0, "status did not change");
        assert_eq!(ready.reason, reason::CONSUMERS_UNAVAILABLE);
        assert_eq!(ready.message, "1/2 ready");
        assert_eq!(status.conditions.len(), 1);
    }

    #[test]
    fn identical_condition_reports_no_change() {
        let mut status = LiveMatchStatus::default();
        status.set_condition(
            Condition::new(condition_type::READY, true, reason::WORKERS_READY, "2/2", T0).observed(Some(3)),
        );
        let before = status.clone();
        let changed = status.set_condition(
            Condition::new(condition_type::READY, true, reason::WORKERS_READY, "2/2", T1).observed(Some(3)),
        );
        assert!(!changed);
        assert_eq!(status, before);
    }

    #[test]
    fn new_generation_is_a_change_without_a_transition() {
        let mut status = LiveMatchStatus::default();
        status.set_condition(
            Condition::new(condition_type::READY, true, reason::WORKERS_READY, "", T0).observed(Some(1)),
        );
        assert!(status.set_condition(
            Condition::new(condition_type::READY, true, reason::WORKERS_READY, "", T1).observed(Some(2))
        ));
        let ready = status.condition(condition_type::READY).expect("set");
        assert_eq!((ready.observed_generation, ready.last_transition_time.as_str()), (Some(2), T0));
    }

    #[test]
    fn status_change_moves_transition_time() {
        let mut status = LiveMatchStatus::default();
        status.set_condition(Condition::new(condition_type::READY, false, reason::WORKERS_STARTING, "", T0));
        status.set_condition(Condition::new(condition_type::DEGRADED, false, reason::AS_EXPECTED, "", T0));
        assert!(status.set_condition(Condition::new(condition_type::READY, true, reason::WORKERS_READY, "", T1)));
        let ready = status.condition(condition_type::READY).expect("set");
        assert_eq!(ready.last_transition_time, T1);
        assert!(status.is_true(condition_type::READY));
        // The other condition is untouched and order is kept.
        let types: Vec<&str> = status.conditions.iter().map(|c| c.type_.as_str()).collect();
        assert_eq!(types, [condition_type::READY, condition_type::DEGRADED]);
        assert_eq!(status.condition(condition_type::DEGRADED).expect("set").last_transition_time, T0);
    }

    #[test]
    fn replicas_fill_the_printer_column() {
        let mut status = LiveMatchStatus::default();
        status.set_replicas(3, 1);
        assert_eq!((status.replicas, status.ready_replicas, status.ready.as_deref()), (3, 1, Some("1/3")));
    }

    #[test]
    fn condition_serializes_kubernetes_style() {
        let c = Condition::new(condition_type::PAUSED, true, reason::PAUSED_BY_SPEC, "paused", T0).observed(Some(4));
        let json = serde_json::to_value(&c).expect("serialize");
        assert_eq!(
            json,
            serde_json::json!({"type": "Paused", "status": "True", "reason": "PausedBySpec", "message": "paused",
                "lastTransitionTime": T0, "observedGeneration": 4})
        );
    }
}
