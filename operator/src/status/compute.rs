//! The desired status of a LiveMatch, computed from what the reconciler
//! observed. Pure: the previous status and the observation in, the new
//! status out, so every phase and condition rule is unit tested.
//!
//! Phases, first rule that holds:
//! 1. `Failed`: the spec is invalid, or the topic failed
//!    `topic_failures_to_fail` times in a row (the operator keeps retrying).
//! 2. `Paused`: `spec.paused` or the `livematch.dev/paused` annotation.
//! 3. `Completed`: Redis reports the match completed or abandoned, or the
//!    previous phase was `Completed` (it is final: the lobby entry expires
//!    from Redis some time after the end, and the status keeps the final
//!    summary).
//! 4. `Pending`: no child has been applied yet.
//! 5. `Live`: at least one consumer is ready (with zero consumers wanted:
//!    the producer is ready).
//! 6. `Starting`: otherwise.

use livematch_crd::{Condition, ConditionStatus, LiveMatchStatus, Phase, condition_type as ct, reason};
use livematch_sports::engine::LobbyEntry;

use crate::build::Replicas;

/// The state of a child Deployment, as read back after applying it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChildState {
    /// `status.readyReplicas`.
    pub ready: i32,
    /// The Deployment reports `ProgressDeadlineExceeded`: its pods do not
    /// become available (crash loop, image pull failure...).
    pub stalled: bool,
}

/// What happened to the match's topic in this reconcile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicState {
    /// The topic exists (created now or earlier).
    Ready(String),
    /// Creating the topic failed `failures` times in a row.
    Failed {
        /// The last error.
        message: String,
        /// Consecutive failures, this one included.
        failures: u32,
    },
    /// Not looked at (paused, or the spec is invalid).
    Skipped,
}

/// Everything the status is computed from.
#[derive(Debug, Clone)]
pub struct Observation<'a> {
    /// `metadata.generation` of the LiveMatch.
    pub generation: Option<i64>,
    /// The spec's problems, joined ([`livematch_crd::describe`]); `None` when valid.
    pub invalid: Option<String>,
    /// What is wrong with the replay source (a missing ConfigMap or key);
    /// `None` when it is fine or was not checked.
    pub source: Option<String>,
    /// Paused by the spec or the annotation.
    pub paused: bool,
    /// The topic.
    pub topic: TopicState,
    /// Replicas the operator asked for.
    pub desired: Replicas,
    /// The producer Deployment, `None` when not applied.
    pub producer: Option<ChildState>,
    /// The consumer Deployment, `None` when not applied.
    pub consumer: Option<ChildState>,
    /// The match's lobby entry in Redis, if any.
    pub lobby: Option<&'a LobbyEntry>,
    /// "Home v Away" from the spec, when it names the teams.
    pub spec_teams: Option<String>,
    /// Label selector of the consumer pods.
    pub selector: String,
    /// Consecutive topic failures that make the phase `Failed`.
    pub topic_failures_to_fail: u32,
}

impl Observation<'_> {
    /// Whether the match has ended, by Redis or by the previous status.
    #[must_use]
    pub fn completed(&self, previous: &LiveMatchStatus) -> bool {
        previous.phase == Some(Phase::Completed) || self.lobby.is_some_and(|e| e.status.is_finished())
    }

    fn topic_failed_for_good(&self) -> bool {
        matches!(self.topic, TopicState::Failed { failures, .. } if failures >= self.topic_failures_to_fail)
    }
}

/// The phase, by the rules in the module docs.
#[must_use]
pub fn phase(previous: &LiveMatchStatus, obs: &Observation<'_>) -> Phase {
    if obs.invalid.is_some() || obs.topic_failed_for_good() {
        Phase::Failed
    } else if obs.paused {
        Phase::Paused
    } else if obs.completed(previous) {
        Phase::Completed
    } else if obs.producer.is_none() && obs.consumer.is_none() {
        Phase::Pending
    } else if consumers_ready(obs) {
        Phase::Live
    } else {
        Phase::Starting
    }
}

fn ready_consumers(obs: &Observation<'_>) -> i32 {
    obs.consumer.map_or(0, |c| c.ready)
}

fn producer_ready(obs: &Observation<'_>) -> bool {
    obs.producer.is_some_and(|p| p.ready >= 1)
}

/// At least one consumer ready, or none wanted and the producer ready.
fn consumers_ready(obs: &Observation<'_>) -> bool {
    if obs.desired.consumer == 0 { producer_ready(obs) } else { ready_consumers(obs) >= 1 }
}

/// One word for `status.producer`.
fn producer_word(phase: Phase, obs: &Observation<'_>) -> Option<&'static str> {
    let producer = obs.producer?;
    Some(match phase {
        Phase::Paused => "Stopped",
        Phase::Completed => "Completed",
        _ if producer.stalled => "Failed",
        _ if producer.ready >= 1 => "Running",
        _ => "Pending",
    })
}

/// The new status: `previous` with every field recomputed from `obs`.
/// Every condition has a non-empty message: server-side apply on
/// Kubernetes 1.20 turns an empty string in a list item into `null`, which
/// the CRD schema (a string) then refuses.
/// Conditions keep their `lastTransitionTime` unless their status changes,
/// so computing twice from the same observation gives the same status.
#[must_use]
pub fn compute(previous: &LiveMatchStatus, obs: &Observation<'_>, now: &str) -> LiveMatchStatus {
    let phase = phase(previous, obs);
    let mut status = previous.clone();
    status.phase = Some(phase);
    status.observed_generation = obs.generation;
    if let TopicState::Ready(topic) = &obs.topic {
        status.topic = Some(topic.clone());
    }
    if let Some(entry) = obs.lobby {
        status.summary = Some(entry.summary.clone()).filter(|s| !s.is_empty()).or(status.summary);
        status.last_seq = Some(entry.seq);
        if entry.teams.len() == 2 {
            status.teams = Some(format!("{} v {}", entry.teams[0], entry.teams[1]));
        }
    }
    if status.teams.is_none() {
        status.teams.clone_from(&obs.spec_teams);
    }
    if obs.producer.is_some() || obs.consumer.is_some() {
        status.set_replicas(obs.desired.consumer, ready_consumers(obs));
        status.selector = Some(obs.selector.clone());
    }
    if let Some(word) = producer_word(phase, obs) {
        status.producer = Some(word.to_owned());
    }
    for condition in conditions(phase, obs, now) {
        status.set_condition(condition.observed(obs.generation));
    }
    status
}

fn conditions(phase: Phase, obs: &Observation<'_>, now: &str) -> [Condition; 4] {
    let ready = ready_consumers(obs);
    let wanted = obs.desired.consumer;
    let counts = format!("{ready}/{wanted} consumers ready");
    let paused = if obs.paused {
        Condition::new(ct::PAUSED, true, reason::PAUSED_BY_SPEC, "paused: producer and consumers scaled to zero", now)
    } else {
        Condition::new(ct::PAUSED, false, reason::NOT_PAUSED, "not paused", now)
    };
    let degraded = degraded(obs, now);
    let (ready_c, progressing) = match phase {
        Phase::Failed => {
            let (why, message) = failure(obs);
            (
                Condition::new(ct::READY, false, why, message.clone(), now),
                Condition::new(ct::PROGRESSING, false, why, message, now),
            )
        }
        Phase::Paused => (
            Condition::new(ct::READY, false, reason::PAUSED_BY_SPEC, "paused", now),
            Condition::new(ct::PROGRESSING, false, reason::PAUSED_BY_SPEC, "paused", now),
        ),
        Phase::Completed => {
            let result = obs.lobby.and_then(|e| e.result.clone()).unwrap_or_else(|| "match completed".to_owned());
            let serving = wanted == 0 || ready >= 1;
            let why = if serving { reason::WORKERS_READY } else { reason::CONSUMERS_UNAVAILABLE };
            (
                Condition::new(ct::READY, serving, why, format!("match completed, {counts}"), now),
                Condition::new(ct::PROGRESSING, false, reason::MATCH_COMPLETED, result, now),
            )
        }
        Phase::Pending => (
            Condition::new(ct::READY, false, reason::RECONCILING, "creating the topic and workers", now),
            Condition::new(ct::PROGRESSING, true, reason::RECONCILING, "creating the topic and workers", now),
        ),
        Phase::Starting => (
            Condition::new(ct::READY, false, reason::WORKERS_STARTING, counts.clone(), now),
            Condition::new(ct::PROGRESSING, true, reason::WORKERS_STARTING, counts, now),
        ),
        Phase::Live => {
            let producer = if producer_ready(obs) { "producer ready" } else { "producer not ready" };
            let message = format!("{producer}, {counts}");
            let progressing = if ready < wanted {
                Condition::new(ct::PROGRESSING, true, reason::CONSUMERS_UNAVAILABLE, message.clone(), now)
            } else {
                Condition::new(ct::PROGRESSING, true, reason::MATCH_LIVE, message.clone(), now)
            };
            (Condition::new(ct::READY, true, reason::WORKERS_READY, message, now), progressing)
        }
    };
    let (ready_c, progressing) = match (&obs.source, phase) {
        (Some(problem), Phase::Pending | Phase::Starting) => (
            Condition::new(ct::READY, false, reason::SOURCE_UNAVAILABLE, problem.clone(), now),
            Condition::new(ct::PROGRESSING, false, reason::SOURCE_UNAVAILABLE, problem.clone(), now),
        ),
        _ => (ready_c, progressing),
    };
    [ready_c, progressing, degraded, paused]
}

/// Reason and message of a `Failed` phase.
fn failure(obs: &Observation<'_>) -> (&'static str, String) {
    if let Some(problems) = &obs.invalid {
        return (reason::INVALID_SPEC, problems.clone());
    }
    match &obs.topic {
        TopicState::Failed { message, failures } => {
            (reason::KAFKA_UNAVAILABLE, format!("topic failed {failures} times in a row (still retrying): {message}"))
        }
        _ => (reason::RECONCILING, "failed".to_owned()),
    }
}

fn degraded(obs: &Observation<'_>, now: &str) -> Condition {
    if let Some(problems) = &obs.invalid {
        return Condition::new(ct::DEGRADED, true, reason::INVALID_SPEC, problems.clone(), now);
    }
    if let Some(problem) = &obs.source {
        return Condition::new(ct::DEGRADED, true, reason::SOURCE_UNAVAILABLE, problem.clone(), now);
    }
    if let TopicState::Failed { message, failures } = &obs.topic {
        let message = format!("topic failed {failures} time(s) in a row, retrying with backoff: {message}");
        return Condition::new(ct::DEGRADED, true, reason::KAFKA_UNAVAILABLE, message, now);
    }
    if obs.producer.is_some_and(|p| p.stalled) {
        let message = "the producer Deployment exceeded its progress deadline (see its pods)";
        return Condition::new(ct::DEGRADED, true, reason::PRODUCER_FAILED, message, now);
    }
    if obs.consumer.is_some_and(|c| c.stalled) {
        let message = "the consumer Deployment exceeded its progress deadline (see its pods)";
        return Condition::new(ct::DEGRADED, true, reason::CONSUMERS_UNAVAILABLE, message, now);
    }
    Condition::new(ct::DEGRADED, ConditionStatus::False, reason::AS_EXPECTED, "no problem found", now)
}

#[cfg(test)]
mod tests;
