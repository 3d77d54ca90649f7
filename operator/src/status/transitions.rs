//! Events derived from status transitions: comparing the status before and
//! after a reconcile tells what happened, so each Event is published once
//! per transition, not once per reconcile (and not again after an operator
//! restart, since the status is stored on the object).

use livematch_crd::{LiveMatchStatus, Phase, condition_type, reason};

use crate::events::{Notice, Reason};

/// The Events `old` → `new` calls for, in a fixed order.
#[must_use]
pub fn notices(old: &LiveMatchStatus, new: &LiveMatchStatus) -> Vec<Notice> {
    let mut out = Vec::new();
    if let Some(invalid) = invalid_message(new)
        && invalid_message(old) != Some(invalid)
    {
        out.push(Notice::new(Reason::Invalid, invalid));
    }
    if let Some(problem) = degraded_message(new, reason::SOURCE_UNAVAILABLE)
        && degraded_message(old, reason::SOURCE_UNAVAILABLE) != Some(problem)
    {
        out.push(Notice::new(Reason::SourceUnavailable, problem));
    }
    if old.topic.is_none()
        && let Some(topic) = &new.topic
    {
        out.push(Notice::new(Reason::TopicCreated, format!("Kafka topic {topic} is ready")));
    }
    if old.producer.is_none() && new.producer.is_some() {
        out.push(Notice::new(Reason::Created, "created the producer and consumer Deployments"));
    }
    let (was, is) = (old.phase, new.phase);
    if is == Some(Phase::Paused) && was != Some(Phase::Paused) {
        out.push(Notice::new(Reason::Paused, "paused: producer and consumers scaled to zero"));
    }
    if was == Some(Phase::Paused) && is != Some(Phase::Paused) {
        out.push(Notice::new(Reason::Resumed, format!("resumed with {} consumer(s)", new.replicas)));
    }
    let scaling = old.producer.is_some() && was != Some(Phase::Paused) && is != Some(Phase::Paused);
    if scaling && old.replicas != new.replicas {
        out.push(Notice::new(Reason::Scaled, format!("consumers scaled from {} to {}", old.replicas, new.replicas)));
    }
    if is == Some(Phase::Completed) && was != Some(Phase::Completed) {
        let summary = new.summary.as_deref().unwrap_or("match over");
        out.push(Notice::new(Reason::Completed, format!("match completed: {summary}")));
    }
    out
}

fn invalid_message(status: &LiveMatchStatus) -> Option<&str> {
    degraded_message(status, reason::INVALID_SPEC)
}

/// The Degraded condition's message, when it is true for `why`.
fn degraded_message<'s>(status: &'s LiveMatchStatus, why: &str) -> Option<&'s str> {
    status
        .condition(condition_type::DEGRADED)
        .filter(|c| c.reason == why && status.is_true(condition_type::DEGRADED))
        .map(|c| c.message.as_str())
}

#[cfg(test)]
mod tests {
    use livematch_crd::Condition;

    use super::*;

    const T: &str = "2025-01-01T00:00:00Z";

    fn status(phase: Phase, replicas: i32) -> LiveMatchStatus {
        let mut s = LiveMatchStatus {
            phase: Some(phase),
            topic: Some("livematch.ns.m".into()),
            producer: Some("Running".into()),
            ..LiveMatchStatus::default()
        };
        s.set_replicas(replicas, replicas);
        s
    }

    fn reasons(old: &LiveMatchStatus, new: &LiveMatchStatus) -> Vec<Reason> {
        notices(old, new).into_iter().map(|n| n.reason).collect()
    }

    #[test]
    fn first_apply_announces_topic_and_workers() {
        let new = status(Phase::Starting, 2);
        assert_eq!(reasons(&LiveMatchStatus::default(), &new), [Reason::TopicCreated, Reason::Created]);
        assert!(reasons(&new, &new).is_empty(), "nothing twice");
    }

    #[test]
    fn pause_and_resume_are_not_scaling() {
        let live = status(Phase::Live, 2);
        let paused = status(Phase::Paused, 0);
        assert_eq!(reasons(&live, &paused), [Reason::Paused]);
        assert_eq!(reasons(&paused, &live), [Reason::Resumed]);
        assert!(notices(&paused, &live)[0].note.contains("2 consumer"));
    }

    #[test]
    fn replica_change_is_scaling() {
        let n = notices(&status(Phase::Live, 2), &status(Phase::Live, 3));
        assert_eq!(n, [Notice::new(Reason::Scaled, "consumers scaled from 2 to 3")]);
    }

    #[test]
    fn completion_once() {
        let mut done = status(Phase::Completed, 2);
        done.summary = Some("IND 190/5".into());
        let n = notices(&status(Phase::Live, 2), &done);
        assert_eq!(n, [Notice::new(Reason::Completed, "match completed: IND 190/5")]);
        assert!(notices(&done, &done).is_empty());
    }

    #[test]
    fn invalid_once_per_message() {
        let mut bad = LiveMatchStatus { phase: Some(Phase::Failed), ..LiveMatchStatus::default() };
        bad.set_condition(Condition::new(condition_type::DEGRADED, true, reason::INVALID_SPEC, "spec.speed: bad", T));
        assert_eq!(reasons(&LiveMatchStatus::default(), &bad), [Reason::Invalid]);
        assert!(reasons(&bad, &bad).is_empty());
        let mut worse = bad.clone();
        worse.set_condition(Condition::new(condition_type::DEGRADED, true, reason::INVALID_SPEC, "spec.teams: bad", T));
        assert_eq!(notices(&bad, &worse), [Notice::new(Reason::Invalid, "spec.teams: bad")]);
    }
}
