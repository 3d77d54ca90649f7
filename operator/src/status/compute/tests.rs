use livematch_sports::engine::Status as MatchStatus;

use super::*;
use crate::testing::lobby;

const T0: &str = "2025-01-01T00:00:00Z";
const T1: &str = "2025-01-01T00:01:00Z";

fn obs() -> Observation<'static> {
    Observation {
        generation: Some(1),
        invalid: None,
        source: None,
        paused: false,
        topic: TopicState::Ready("livematch.default.m".into()),
        desired: Replicas { producer: 1, consumer: 2 },
        producer: Some(ChildState { ready: 0, stalled: false }),
        consumer: Some(ChildState { ready: 0, stalled: false }),
        lobby: None,
        spec_teams: None,
        selector: "sel".into(),
        topic_failures_to_fail: 5,
    }
}

fn cond<'s>(s: &'s LiveMatchStatus, t: &str) -> &'s Condition {
    s.condition(t).unwrap_or_else(|| panic!("condition {t} missing in {s:?}"))
}

#[test]
fn nothing_applied_is_pending() {
    let o = Observation { producer: None, consumer: None, ..obs() };
    let s = compute(&LiveMatchStatus::default(), &o, T0);
    assert_eq!(s.phase, Some(Phase::Pending));
    assert_eq!(cond(&s, ct::PROGRESSING).status, ConditionStatus::True);
    assert_eq!(cond(&s, ct::READY).status, ConditionStatus::False);
    assert_eq!(s.producer, None, "no producer yet");
    assert_eq!(s.ready, None);
    assert_eq!(s.topic.as_deref(), Some("livematch.default.m"));
}

#[test]
fn applied_but_not_ready_is_starting() {
    let s = compute(&LiveMatchStatus::default(), &obs(), T0);
    assert_eq!(s.phase, Some(Phase::Starting));
    assert_eq!(cond(&s, ct::READY).reason, reason::WORKERS_STARTING);
    assert_eq!(cond(&s, ct::READY).message, "0/2 consumers ready");
    assert_eq!((s.replicas, s.ready_replicas, s.ready.as_deref()), (2, 0, Some("0/2")));
    assert_eq!(s.producer.as_deref(), Some("Pending"));
    assert_eq!(s.selector.as_deref(), Some("sel"));
    assert_eq!(s.observed_generation, Some(1));
    assert!(s.conditions.iter().all(|c| c.observed_generation == Some(1)));
    let types: Vec<_> = s.conditions.iter().map(|c| c.type_.as_str()).collect();
    assert_eq!(types, [ct::READY, ct::PROGRESSING, ct::DEGRADED, ct::PAUSED]);
}

#[test]
fn one_ready_consumer_makes_it_live() {
    let entry = lobby(MatchStatus::Live, "IND 187/4 (18.2 ov)", 321);
    let o = Observation {
        producer: Some(ChildState { ready: 1, stalled: false }),
        consumer: Some(ChildState { ready: 1, stalled: false }),
        lobby: Some(&entry),
        ..obs()
    };
    let s = compute(&LiveMatchStatus::default(), &o, T0);
    assert_eq!(s.phase, Some(Phase::Live));
    assert!(s.is_true(ct::READY));
    assert_eq!(cond(&s, ct::PROGRESSING).reason, reason::CONSUMERS_UNAVAILABLE, "1 of 2 ready: still rolling out");
    assert_eq!(s.summary.as_deref(), Some("IND 187/4 (18.2 ov)"));
    assert_eq!(s.last_seq, Some(321));
    assert_eq!(s.teams.as_deref(), Some("India v Pakistan"));
    assert_eq!(s.producer.as_deref(), Some("Running"));
    assert!(!s.is_true(ct::DEGRADED));

    let full = Observation { consumer: Some(ChildState { ready: 2, stalled: false }), ..o };
    let s = compute(&s, &full, T1);
    assert_eq!(cond(&s, ct::PROGRESSING).reason, reason::MATCH_LIVE);
    assert_eq!(cond(&s, ct::READY).last_transition_time, T0, "Ready stayed True");
}

#[test]
fn zero_consumers_is_live_on_the_producer() {
    let o = Observation {
        desired: Replicas { producer: 1, consumer: 0 },
        producer: Some(ChildState { ready: 1, stalled: false }),
        ..obs()
    };
    assert_eq!(phase(&LiveMatchStatus::default(), &o), Phase::Live);
    let o = Observation { producer: Some(ChildState { ready: 0, stalled: false }), ..o };
    assert_eq!(phase(&LiveMatchStatus::default(), &o), Phase::Starting);
}

#[test]
fn same_observation_twice_is_no_change() {
    let entry = lobby(MatchStatus::Live, "IND 10/0 (1.0 ov)", 7);
    let o = Observation { consumer: Some(ChildState { ready: 2, stalled: false }), lobby: Some(&entry), ..obs() };
    let first = compute(&LiveMatchStatus::default(), &o, T0);
    let second = compute(&first, &o, T1);
    assert_eq!(first, second, "a steady state must not produce a status write");
}

#[test]
fn summary_change_is_a_change() {
    let a = lobby(MatchStatus::Live, "IND 10/0 (1.0 ov)", 7);
    let b = lobby(MatchStatus::Live, "IND 14/0 (1.1 ov)", 8);
    let s1 = compute(&LiveMatchStatus::default(), &Observation { lobby: Some(&a), ..obs() }, T0);
    let s2 = compute(&s1, &Observation { lobby: Some(&b), ..obs() }, T1);
    assert_ne!(s1, s2);
    assert_eq!(s2.summary.as_deref(), Some("IND 14/0 (1.1 ov)"));
    assert_eq!(s2.last_seq, Some(8));
}

#[test]
fn invalid_spec_fails_and_degrades() {
    let o = Observation {
        invalid: Some("spec.teams: home and away must differ".into()),
        topic: TopicState::Skipped,
        producer: None,
        consumer: None,
        ..obs()
    };
    let s = compute(&LiveMatchStatus::default(), &o, T0);
    assert_eq!(s.phase, Some(Phase::Failed));
    let d = cond(&s, ct::DEGRADED);
    assert_eq!((d.status, d.reason.as_str()), (ConditionStatus::True, reason::INVALID_SPEC));
    assert_eq!(d.message, "spec.teams: home and away must differ");
    assert_eq!(cond(&s, ct::READY).reason, reason::INVALID_SPEC);
    assert_eq!(s.topic, None, "no topic for an invalid match");
}

#[test]
fn fixing_the_spec_clears_degraded() {
    let bad = Observation { invalid: Some("bad".into()), producer: None, consumer: None, ..obs() };
    let s = compute(&LiveMatchStatus::default(), &bad, T0);
    let s = compute(&s, &obs(), T1);
    assert_eq!(s.phase, Some(Phase::Starting));
    let d = cond(&s, ct::DEGRADED);
    assert_eq!(
        (d.status, d.reason.as_str(), d.last_transition_time.as_str()),
        (ConditionStatus::False, reason::AS_EXPECTED, T1)
    );
}

#[test]
fn topic_failures_degrade_then_fail() {
    let failing = |failures| Observation {
        topic: TopicState::Failed { message: "create: broker down".into(), failures },
        producer: None,
        consumer: None,
        ..obs()
    };
    let s = compute(&LiveMatchStatus::default(), &failing(1), T0);
    assert_eq!(s.phase, Some(Phase::Pending), "one failure: still trying");
    let d = cond(&s, ct::DEGRADED);
    assert_eq!((d.status, d.reason.as_str()), (ConditionStatus::True, reason::KAFKA_UNAVAILABLE));
    assert!(d.message.contains("broker down"), "{}", d.message);

    let s = compute(&s, &failing(5), T1);
    assert_eq!(s.phase, Some(Phase::Failed));
    assert_eq!(cond(&s, ct::READY).reason, reason::KAFKA_UNAVAILABLE);

    let s = compute(&s, &obs(), T1);
    assert_eq!(s.phase, Some(Phase::Starting), "recovers once the topic is there");
    assert!(!s.is_true(ct::DEGRADED));
}

#[test]
fn paused_scales_down_and_resumes() {
    let live = Observation {
        producer: Some(ChildState { ready: 1, stalled: false }),
        consumer: Some(ChildState { ready: 2, stalled: false }),
        ..obs()
    };
    let s = compute(&LiveMatchStatus::default(), &live, T0);
    let paused = Observation {
        paused: true,
        topic: TopicState::Skipped,
        desired: Replicas { producer: 0, consumer: 0 },
        producer: Some(ChildState::default()),
        consumer: Some(ChildState::default()),
        ..obs()
    };
    let p = compute(&s, &paused, T1);
    assert_eq!(p.phase, Some(Phase::Paused));
    assert!(p.is_true(ct::PAUSED));
    assert_eq!(cond(&p, ct::PAUSED).reason, reason::PAUSED_BY_SPEC);
    assert!(!p.is_true(ct::READY));
    assert_eq!((p.replicas, p.ready.as_deref()), (0, Some("0/0")));
    assert_eq!(p.producer.as_deref(), Some("Stopped"));
    assert_eq!(p.topic, s.topic, "the topic is kept while paused");

    let r = compute(&p, &live, T1);
    assert_eq!(r.phase, Some(Phase::Live));
    assert!(!r.is_true(ct::PAUSED));
    assert_eq!(cond(&r, ct::PAUSED).reason, reason::NOT_PAUSED);
}

#[test]
fn completion_is_final_and_keeps_the_summary() {
    let done = lobby(MatchStatus::Completed, "IND 190/5 (19.4 ov)", 500);
    let o = Observation {
        desired: Replicas { producer: 0, consumer: 2 },
        producer: Some(ChildState::default()),
        consumer: Some(ChildState { ready: 2, stalled: false }),
        lobby: Some(&done),
        ..obs()
    };
    assert!(o.completed(&LiveMatchStatus::default()));
    let s = compute(&LiveMatchStatus::default(), &o, T0);
    assert_eq!(s.phase, Some(Phase::Completed));
    assert!(s.is_true(ct::READY), "the scorecard is still served");
    let p = cond(&s, ct::PROGRESSING);
    assert_eq!(
        (p.status, p.reason.as_str(), p.message.as_str()),
        (ConditionStatus::False, reason::MATCH_COMPLETED, "India won by 5 wickets")
    );
    assert_eq!(s.producer.as_deref(), Some("Completed"));

    // The lobby entry expired from Redis: still Completed, same summary.
    let gone = Observation { lobby: None, ..o };
    let later = compute(&s, &gone, T1);
    assert_eq!(later.phase, Some(Phase::Completed));
    assert_eq!(later.summary.as_deref(), Some("IND 190/5 (19.4 ov)"));
}

#[test]
fn abandoned_counts_as_completed() {
    let e = lobby(MatchStatus::Abandoned, "rain", 3);
    let o = Observation { lobby: Some(&e), ..obs() };
    assert_eq!(phase(&LiveMatchStatus::default(), &o), Phase::Completed);
}

#[test]
fn stalled_producer_degrades() {
    let o = Observation { producer: Some(ChildState { ready: 0, stalled: true }), ..obs() };
    let s = compute(&LiveMatchStatus::default(), &o, T0);
    let d = cond(&s, ct::DEGRADED);
    assert_eq!((d.status, d.reason.as_str()), (ConditionStatus::True, reason::PRODUCER_FAILED));
    assert_eq!(s.producer.as_deref(), Some("Failed"));
}

#[test]
fn teams_come_from_redis_else_the_spec() {
    let o = Observation { spec_teams: Some("A v B".into()), ..obs() };
    assert_eq!(compute(&LiveMatchStatus::default(), &o, T0).teams.as_deref(), Some("A v B"));
    let e = lobby(MatchStatus::Scheduled, "", 0);
    let o = Observation { lobby: Some(&e), ..o };
    let s = compute(&LiveMatchStatus::default(), &o, T0);
    assert_eq!(s.teams.as_deref(), Some("India v Pakistan"));
    assert_eq!(s.summary, None, "an empty summary is not shown");
}

#[test]
fn no_condition_message_is_empty() {
    let entry = lobby(MatchStatus::Completed, "done", 9);
    let cases = [
        obs(),
        Observation { producer: None, consumer: None, ..obs() },
        Observation { paused: true, ..obs() },
        Observation { invalid: Some("spec.speed: bad".into()), ..obs() },
        Observation { topic: TopicState::Failed { message: "down".into(), failures: 9 }, ..obs() },
        Observation { lobby: Some(&entry), ..obs() },
        Observation { consumer: Some(ChildState { ready: 2, stalled: false }), ..obs() },
    ];
    for o in &cases {
        let s = compute(&LiveMatchStatus::default(), o, T0);
        for c in &s.conditions {
            assert!(!c.message.is_empty(), "{} has an empty message in {:?}", c.type_, s.phase);
        }
    }
}
