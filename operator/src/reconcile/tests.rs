//! Reconcile decisions against a mocked API server: each test scripts the
//! exact requests the reconciler must make (and nothing else).

use std::time::Duration;

use http::Method;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use livematch_sports::engine::Status as MatchStatus;
use serde_json::{Value, json};

use super::*;
use crate::build::Replicas;
use crate::config::WorkerDefaults;
use crate::context::Settings;
use crate::events::Reason;
use crate::fixtures::{ApiServer, Call, context, served};
use crate::testing::{live_match, lobby, spec, spec_from};

const LM: &str = "/apis/livematch.dev/v1alpha1/namespaces/default/livematches/m";
const LM_STATUS: &str = "/apis/livematch.dev/v1alpha1/namespaces/default/livematches/m/status";
const PRODUCER: &str = "/apis/apps/v1/namespaces/default/deployments/m-producer";
const CONSUMER: &str = "/apis/apps/v1/namespaces/default/deployments/m-consumer";

fn settings() -> Settings {
    Settings { cleanup_attempts: 2, ..Settings::default() }
}

/// A LiveMatch `m` that already has the operator's finalizer.
fn lm_with_finalizer(spec: LiveMatchSpec) -> LiveMatch {
    let mut lm = live_match("m", spec);
    lm.metadata.finalizers = Some(vec![FINALIZER.to_owned()]);
    lm
}

/// Run one reconcile while `script` plays the API server.
async fn reconcile_with<F, Fut>(
    lm: &LiveMatch,
    ctx: &Arc<Context>,
    server: ApiServer,
    script: F,
) -> (Result<Action, Error>, ApiServer)
where
    F: FnOnce(ApiServer) -> Fut,
    Fut: Future<Output = ApiServer> + Send + 'static,
{
    let script = tokio::spawn(script(server));
    let result = tokio::time::timeout(Duration::from_secs(10), reconcile(Arc::new(lm.clone()), ctx.clone()))
        .await
        .expect("reconcile finished");
    let server =
        tokio::time::timeout(Duration::from_secs(10), script).await.expect("script finished").expect("script passed");
    (result, server)
}

/// Drop the context (and its client), then check no request is left.
async fn finish(ctx: Arc<Context>, server: ApiServer) {
    drop(ctx);
    server.done().await;
}

fn assert_apply(call: &Call) {
    assert!(call.query.contains("fieldManager=livematch-operator"), "field manager: {}", call.query);
    assert!(call.query.contains("force=true"), "forced apply: {}", call.query);
}

/// Answer a status apply with the object carrying the applied status.
fn reply_status(call: Call, lm: &LiveMatch) -> Value {
    assert_apply(&call);
    assert_eq!(call.body["apiVersion"], "livematch.dev/v1alpha1");
    assert_eq!(call.body["kind"], "LiveMatch");
    let status = call.body["status"].clone();
    let mut object = serde_json::to_value(lm).expect("json");
    object["status"] = status.clone();
    call.reply(200, &object);
    status
}

fn status_of(value: &Value) -> LiveMatchStatus {
    serde_json::from_value(value.clone()).expect("a LiveMatchStatus")
}

fn condition<'a>(status: &'a LiveMatchStatus, type_: &str) -> &'a livematch_crd::Condition {
    status.condition(type_).unwrap_or_else(|| panic!("no {type_} condition"))
}

/// The children as built for `lm`, as the API server would hold them.
fn served_children(lm: &LiveMatch, replicas: Replicas, ready: i32) -> Vec<k8s_openapi::api::apps::v1::Deployment> {
    build::deployments(lm, &WorkerDefaults::default(), replicas)
        .expect("build")
        .iter()
        .map(|d| served(d, ready))
        .collect()
}

#[tokio::test]
async fn first_reconcile_only_adds_the_finalizer() {
    let lm = live_match("m", spec());
    let (ctx, server, fakes) = context(settings(), vec![]);
    let reply = lm.clone();
    let (result, server) = reconcile_with(&lm, &ctx, server, |mut server| async move {
        let call = server.expect(Method::PATCH, LM).await;
        assert_eq!(
            call.body,
            json!([{"op": "test", "path": "/metadata/finalizers", "value": null},
                   {"op": "add", "path": "/metadata/finalizers", "value": [FINALIZER]}])
        );
        let mut object = serde_json::to_value(&reply).expect("json");
        object["metadata"]["finalizers"] = json!([FINALIZER]);
        call.reply(200, &object);
        server
    })
    .await;
    assert_eq!(result.expect("ok"), Action::await_change());
    assert!(fakes.topics.calls().is_empty(), "nothing else before the finalizer is stored");
    finish(ctx, server).await;
}

#[tokio::test]
async fn new_match_gets_topic_workers_and_status() {
    let lm = lm_with_finalizer(spec_from(json!({
        "sport": "cricket", "source": {"simulate": {"seed": 9}},
        "kafka": {"partitions": 2, "retention": "1d"}, "consumers": {"replicas": 3}
    })));
    let (ctx, server, fakes) = context(settings(), vec![]);
    let obj = lm.clone();
    let (result, server) = reconcile_with(&lm, &ctx, server, |mut server| async move {
        let producer = server.expect(Method::PATCH, PRODUCER).await;
        assert_apply(&producer);
        assert_eq!(producer.body["spec"]["replicas"], 1);
        assert_eq!(producer.body["metadata"]["ownerReferences"][0]["uid"], "uid-m");
        producer.echo();
        let consumer = server.expect(Method::PATCH, CONSUMER).await;
        assert_apply(&consumer);
        assert_eq!(consumer.body["spec"]["replicas"], 3);
        consumer.echo();
        let status = reply_status(server.expect(Method::PATCH, LM_STATUS).await, &obj);
        let status = status_of(&status);
        assert_eq!(status.phase, Some(Phase::Starting));
        assert_eq!(status.topic.as_deref(), Some("livematch.default.m"));
        assert_eq!((status.replicas, status.ready_replicas), (3, 0));
        assert_eq!(status.observed_generation, Some(1));
        assert!(status.is_true(condition_type::PROGRESSING));
        assert!(!status.is_true(condition_type::READY));
        server
    })
    .await;
    assert_eq!(result.expect("ok"), Action::requeue(Duration::from_secs(10)));
    let topics = fakes.topics.topics();
    let topic = topics.get("livematch.default.m").expect("topic created");
    assert_eq!((topic.partitions, topic.replication, topic.retention_ms), (2, 1, Some(86_400_000)));
    assert_eq!(fakes.events.reasons(), [Reason::TopicCreated, Reason::Created]);
    finish(ctx, server).await;
}

#[tokio::test]
async fn steady_state_makes_no_writes() {
    // Everything in place and the status as the operator would compute it.
    let mut lm = lm_with_finalizer(spec());
    let children = served_children(&lm, Replicas { producer: 1, consumer: 2 }, 2);
    let (ctx, server, fakes) = context(settings(), children.clone());
    fakes.lobby.replace(vec![lobby(MatchStatus::Live, "IND 55/1 (6.0 ov)", 40)]);
    let entry = fakes.lobby.get("default.m");
    let obs = Observation {
        generation: Some(1),
        invalid: None,
        source: None,
        paused: false,
        topic: TopicState::Ready("livematch.default.m".into()),
        desired: Replicas { producer: 1, consumer: 2 },
        producer: Some(apply::child_state(&children[0])),
        consumer: Some(apply::child_state(&children[1])),
        lobby: entry.as_ref(),
        spec_teams: None,
        selector: build::consumer_selector(&lm),
        topic_failures_to_fail: 5,
    };
    lm.status = Some(status::compute(&LiveMatchStatus::default(), &obs, "2025-01-01T00:00:00Z"));
    assert_eq!(lm.status.as_ref().and_then(|s| s.phase), Some(Phase::Live));

    let (result, server) = reconcile_with(&lm, &ctx, server, |server| async move { server }).await;
    assert_eq!(result.expect("ok"), Action::requeue(Duration::from_secs(10)));
    assert!(fakes.events.seen().is_empty(), "no transition, no Event");
    // Twice: the topic is ensured once per process, not per reconcile.
    let (result, server) = reconcile_with(&lm, &ctx, server, |server| async move { server }).await;
    result.expect("ok");
    assert_eq!(fakes.topics.calls(), ["ensure livematch.default.m"]);
    finish(ctx, server).await;
}

#[tokio::test]
async fn a_new_summary_is_the_only_write() {
    let mut lm = lm_with_finalizer(spec());
    let children = served_children(&lm, Replicas { producer: 1, consumer: 2 }, 2);
    let (ctx, server, fakes) = context(settings(), children.clone());
    fakes.lobby.replace(vec![lobby(MatchStatus::Live, "IND 1/0 (0.1 ov)", 1)]);
    let stored = {
        let obs = Observation {
            generation: Some(1),
            invalid: None,
            source: None,
            paused: false,
            topic: TopicState::Ready("livematch.default.m".into()),
            desired: Replicas { producer: 1, consumer: 2 },
            producer: Some(apply::child_state(&children[0])),
            consumer: Some(apply::child_state(&children[1])),
            lobby: None,
            spec_teams: None,
            selector: build::consumer_selector(&lm),
            topic_failures_to_fail: 5,
        };
        status::compute(&LiveMatchStatus::default(), &obs, "2025-01-01T00:00:00Z")
    };
    lm.status = Some(stored);
    let obj = lm.clone();
    let (result, server) = reconcile_with(&lm, &ctx, server, |mut server| async move {
        let status = status_of(&reply_status(server.expect(Method::PATCH, LM_STATUS).await, &obj));
        assert_eq!(status.summary.as_deref(), Some("IND 1/0 (0.1 ov)"));
        assert_eq!(status.teams.as_deref(), Some("India v Pakistan"));
        assert_eq!(status.last_seq, Some(1));
        assert_eq!(
            condition(&status, condition_type::READY).last_transition_time,
            "2025-01-01T00:00:00Z",
            "Ready did not transition"
        );
        server
    })
    .await;
    result.expect("ok");
    finish(ctx, server).await;
}

#[tokio::test]
async fn hand_edited_drift_is_reverted() {
    let lm = lm_with_finalizer(spec());
    let mut children = served_children(&lm, Replicas { producer: 1, consumer: 2 }, 2);
    // `kubectl scale deploy/m-consumer --replicas=5` and a new image on the producer.
    if let Some(s) = children[1].spec.as_mut() {
        s.replicas = Some(5);
    }
    if let Some(pod) = children[0].spec.as_mut().and_then(|s| s.template.spec.as_mut()) {
        pod.containers[0].image = Some("someone/else:latest".into());
    }
    let (ctx, server, _fakes) = context(settings(), children);
    let obj = lm.clone();
    let (result, server) = reconcile_with(&lm, &ctx, server, |mut server| async move {
        let producer = server.expect(Method::PATCH, PRODUCER).await;
        assert_eq!(producer.body["spec"]["template"]["spec"]["containers"][0]["image"], "livematch:latest");
        producer.echo();
        let consumer = server.expect(Method::PATCH, CONSUMER).await;
        assert_eq!(consumer.body["spec"]["replicas"], 2);
        consumer.echo();
        reply_status(server.expect(Method::PATCH, LM_STATUS).await, &obj);
        server
    })
    .await;
    result.expect("ok");
    finish(ctx, server).await;
}

#[tokio::test]
async fn invalid_spec_degrades_and_waits_for_a_change() {
    let lm = lm_with_finalizer(spec_from(json!({
        "sport": "cricket", "source": {"simulate": {}}, "teams": {"home": "India", "away": "india"}
    })));
    let (ctx, server, fakes) = context(settings(), vec![]);
    let obj = lm.clone();
    let (result, server) = reconcile_with(&lm, &ctx, server, |mut server| async move {
        let status = status_of(&reply_status(server.expect(Method::PATCH, LM_STATUS).await, &obj));
        assert_eq!(status.phase, Some(Phase::Failed));
        let degraded = condition(&status, condition_type::DEGRADED);
        assert_eq!(degraded.reason, "InvalidSpec");
        assert!(degraded.message.contains("spec.teams"), "{}", degraded.message);
        server
    })
    .await;
    let error = result.expect_err("invalid");
    assert!(error.is_invalid());
    assert_eq!(error_policy(Arc::new(lm), &error, ctx.clone()), Action::await_change());
    assert!(fakes.topics.calls().is_empty(), "no topic for an invalid match");
    let events = fakes.events.seen();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].1.reason, Reason::Invalid);
    assert!(events[0].1.note.contains("home and away must differ"), "{:?}", events[0]);
    finish(ctx, server).await;
}

#[tokio::test]
async fn an_invalid_match_does_not_stall_others() {
    let bad = lm_with_finalizer(spec_from(json!({"sport": "cricket", "source": {"simulate": {}}, "speed": -1})));
    let mut good = lm_with_finalizer(spec());
    good.metadata.name = Some("g".into());
    good.metadata.uid = Some("uid-g".into());
    let (ctx, server, _fakes) = context(settings(), vec![]);
    let (b, g) = (bad.clone(), good.clone());
    let (result, server) = reconcile_with(&bad, &ctx, server, |mut server| async move {
        reply_status(server.expect(Method::PATCH, LM_STATUS).await, &b);
        server
    })
    .await;
    assert!(result.expect_err("invalid").is_invalid());
    let (result, server) = reconcile_with(&good, &ctx, server, |mut server| async move {
        server.expect(Method::PATCH, "/apis/apps/v1/namespaces/default/deployments/g-producer").await.echo();
        server.expect(Method::PATCH, "/apis/apps/v1/namespaces/default/deployments/g-consumer").await.echo();
        reply_status(
            server.expect(Method::PATCH, "/apis/livematch.dev/v1alpha1/namespaces/default/livematches/g/status").await,
            &g,
        );
        server
    })
    .await;
    result.expect("the valid match is reconciled");
    finish(ctx, server).await;
}

#[tokio::test]
async fn topic_failure_is_reported_and_retried_with_backoff() {
    let lm = lm_with_finalizer(spec());
    let (ctx, server, fakes) = context(settings(), vec![]);
    fakes.topics.fail_always(true);
    let obj = lm.clone();
    let (result, server) = reconcile_with(&lm, &ctx, server, |mut server| async move {
        let status = status_of(&reply_status(server.expect(Method::PATCH, LM_STATUS).await, &obj));
        assert_eq!(status.phase, Some(Phase::Pending));
        let degraded = condition(&status, condition_type::DEGRADED);
        assert_eq!(degraded.reason, "KafkaUnavailable");
        assert!(degraded.message.contains("broker unavailable"), "{}", degraded.message);
        server
    })
    .await;
    let error = result.expect_err("topic failed");
    assert_eq!(error.metric_label(), "kafka");
    let policy = |e: &Error| error_policy(Arc::new(lm.clone()), e, ctx.clone());
    assert_eq!(policy(&error), Action::requeue(Duration::from_secs(1)));
    assert_eq!(policy(&error), Action::requeue(Duration::from_secs(2)), "backoff doubles");
    assert_eq!(fakes.events.reasons(), [Reason::TopicFailed]);

    // Kafka is back: the next reconcile creates everything and the backoff resets.
    fakes.topics.fail_always(false);
    let obj = lm.clone();
    let (result, server) = reconcile_with(&lm, &ctx, server, |mut server| async move {
        server.expect(Method::PATCH, PRODUCER).await.echo();
        server.expect(Method::PATCH, CONSUMER).await.echo();
        let status = status_of(&reply_status(server.expect(Method::PATCH, LM_STATUS).await, &obj));
        assert!(!status.is_true(condition_type::DEGRADED));
        server
    })
    .await;
    result.expect("ok");
    assert_eq!(policy(&error), Action::requeue(Duration::from_secs(1)), "a success resets the backoff");
    finish(ctx, server).await;
}

#[tokio::test]
async fn pause_scales_to_zero_without_touching_kafka() {
    let mut lm = lm_with_finalizer(spec());
    lm.spec.paused = true;
    lm.status = Some(LiveMatchStatus {
        phase: Some(Phase::Live),
        topic: Some("livematch.default.m".into()),
        producer: Some("Running".into()),
        ..LiveMatchStatus::default()
    });
    let children = served_children(&lm, Replicas { producer: 1, consumer: 2 }, 2);
    let (ctx, server, fakes) = context(settings(), children);
    let obj = lm.clone();
    let (result, server) = reconcile_with(&lm, &ctx, server, |mut server| async move {
        let producer = server.expect(Method::PATCH, PRODUCER).await;
        assert_eq!(producer.body["spec"]["replicas"], 0);
        producer.echo();
        let consumer = server.expect(Method::PATCH, CONSUMER).await;
        assert_eq!(consumer.body["spec"]["replicas"], 0);
        consumer.echo();
        let status = status_of(&reply_status(server.expect(Method::PATCH, LM_STATUS).await, &obj));
        assert_eq!(status.phase, Some(Phase::Paused));
        assert!(status.is_true(condition_type::PAUSED));
        assert_eq!(status.topic.as_deref(), Some("livematch.default.m"));
        server
    })
    .await;
    assert_eq!(result.expect("ok"), Action::requeue(Settings::default().requeue_idle));
    assert!(fakes.topics.calls().is_empty(), "a paused match makes no Kafka call");
    assert_eq!(fakes.events.reasons(), [Reason::Paused]);
    finish(ctx, server).await;
}

#[tokio::test]
async fn unpause_scales_back_and_announces_it() {
    let mut lm = lm_with_finalizer(spec());
    let mut paused_status = LiveMatchStatus {
        phase: Some(Phase::Paused),
        topic: Some("livematch.default.m".into()),
        producer: Some("Stopped".into()),
        summary: Some("IND 80/2 (9.0 ov)".into()),
        ..LiveMatchStatus::default()
    };
    paused_status.set_replicas(0, 0);
    lm.status = Some(paused_status);
    let children = served_children(&lm, Replicas { producer: 0, consumer: 0 }, 0);
    let (ctx, server, fakes) = context(settings(), children);
    let obj = lm.clone();
    let (result, server) = reconcile_with(&lm, &ctx, server, |mut server| async move {
        let producer = server.expect(Method::PATCH, PRODUCER).await;
        assert_eq!(producer.body["spec"]["replicas"], 1);
        producer.echo();
        let consumer = server.expect(Method::PATCH, CONSUMER).await;
        assert_eq!(consumer.body["spec"]["replicas"], 2);
        consumer.echo();
        let status = status_of(&reply_status(server.expect(Method::PATCH, LM_STATUS).await, &obj));
        assert_eq!(status.phase, Some(Phase::Starting));
        assert!(!status.is_true(condition_type::PAUSED));
        assert_eq!(status.summary.as_deref(), Some("IND 80/2 (9.0 ov)"), "the score is kept");
        server
    })
    .await;
    result.expect("ok");
    assert_eq!(fakes.events.reasons(), [Reason::Resumed]);
    assert_eq!(fakes.topics.calls(), ["ensure livematch.default.m"], "the topic is ensured again on resume");
    finish(ctx, server).await;
}

#[tokio::test]
async fn scaling_consumers_is_applied_and_announced() {
    let mut lm = lm_with_finalizer(spec());
    let mut live = LiveMatchStatus {
        phase: Some(Phase::Live),
        topic: Some("livematch.default.m".into()),
        producer: Some("Running".into()),
        ..LiveMatchStatus::default()
    };
    live.set_replicas(2, 2);
    lm.status = Some(live);
    let children = served_children(&lm, Replicas { producer: 1, consumer: 2 }, 2);
    lm.spec.consumers.replicas = 4;
    lm.metadata.generation = Some(2);
    let (ctx, server, fakes) = context(settings(), children);
    let obj = lm.clone();
    let (result, server) = reconcile_with(&lm, &ctx, server, |mut server| async move {
        let consumer = server.expect(Method::PATCH, CONSUMER).await;
        assert_eq!(consumer.body["spec"]["replicas"], 4);
        consumer.echo();
        let status = status_of(&reply_status(server.expect(Method::PATCH, LM_STATUS).await, &obj));
        assert_eq!((status.replicas, status.observed_generation), (4, Some(2)));
        server
    })
    .await;
    result.expect("ok");
    assert_eq!(fakes.events.reasons(), [Reason::Scaled]);
    finish(ctx, server).await;
}

#[tokio::test]
async fn completed_match_stops_the_producer() {
    let mut lm = lm_with_finalizer(spec());
    let mut live = LiveMatchStatus {
        phase: Some(Phase::Live),
        topic: Some("livematch.default.m".into()),
        producer: Some("Running".into()),
        ..LiveMatchStatus::default()
    };
    live.set_replicas(2, 2);
    lm.status = Some(live);
    let children = served_children(&lm, Replicas { producer: 1, consumer: 2 }, 2);
    let (ctx, server, fakes) = context(settings(), children);
    fakes.lobby.replace(vec![lobby(MatchStatus::Completed, "IND 190/5 (19.4 ov)", 600)]);
    let obj = lm.clone();
    let (result, server) = reconcile_with(&lm, &ctx, server, |mut server| async move {
        let producer = server.expect(Method::PATCH, PRODUCER).await;
        assert_eq!(producer.body["spec"]["replicas"], 0, "nothing left to produce");
        producer.echo();
        let status = status_of(&reply_status(server.expect(Method::PATCH, LM_STATUS).await, &obj));
        assert_eq!(status.phase, Some(Phase::Completed));
        assert_eq!(status.summary.as_deref(), Some("IND 190/5 (19.4 ov)"));
        assert!(status.is_true(condition_type::READY), "consumers keep serving");
        server
    })
    .await;
    assert_eq!(result.expect("ok"), Action::requeue(Settings::default().requeue_idle));
    assert_eq!(fakes.events.reasons(), [Reason::Completed]);
    finish(ctx, server).await;
}

#[tokio::test]
async fn children_no_longer_wanted_are_pruned() {
    let lm = lm_with_finalizer(spec());
    let mut children = served_children(&lm, Replicas { producer: 1, consumer: 2 }, 2);
    let mut old = children[0].clone();
    old.metadata.name = Some("m-legacy-producer".into());
    children.push(old);
    let (ctx, server, _fakes) = context(settings(), children);
    let obj = lm.clone();
    let (result, server) = reconcile_with(&lm, &ctx, server, |mut server| async move {
        server
            .expect(Method::DELETE, "/apis/apps/v1/namespaces/default/deployments/m-legacy-producer")
            .await
            .not_found();
        reply_status(server.expect(Method::PATCH, LM_STATUS).await, &obj);
        server
    })
    .await;
    result.expect("already gone is fine");
    finish(ctx, server).await;
}

fn deleting(lm: &mut LiveMatch) {
    lm.metadata.deletion_timestamp = Some(Time(k8s_openapi::jiff::Timestamp::UNIX_EPOCH));
}

#[tokio::test]
async fn deletion_cleans_topic_and_redis_then_releases() {
    let mut lm = lm_with_finalizer(spec());
    deleting(&mut lm);
    let (ctx, server, fakes) = context(settings(), vec![]);
    fakes.cache.put(lobby(MatchStatus::Live, "x", 1));
    let obj = lm.clone();
    let (result, server) = reconcile_with(&lm, &ctx, server, |mut server| async move {
        server.expect(Method::DELETE, PRODUCER).await.not_found();
        server.expect(Method::DELETE, CONSUMER).await.not_found();
        let release = server.expect(Method::PATCH, LM).await;
        assert_eq!(
            release.body,
            json!([{"op": "test", "path": "/metadata/finalizers/0", "value": FINALIZER},
                   {"op": "remove", "path": "/metadata/finalizers/0"}])
        );
        release.reply(200, &serde_json::to_value(&obj).expect("json"));
        server
    })
    .await;
    assert_eq!(result.expect("ok"), Action::await_change());
    assert_eq!(fakes.topics.calls(), ["delete livematch.default.m"]);
    assert_eq!(fakes.cache.deleted(), ["default.m"]);
    assert_eq!(fakes.events.reasons(), [Reason::Cleaned]);

    // A reconcile of the stale copy (the deletion not yet seen): no second
    // cleanup; the object is gone when the finalizer is removed, and that is fine.
    let (result, server) = reconcile_with(&lm, &ctx, server, |mut server| async move {
        server.expect(Method::PATCH, LM).await.not_found();
        server
    })
    .await;
    assert_eq!(result.expect("gone is done"), Action::await_change());
    assert_eq!(fakes.topics.calls().len(), 1, "cleaned once");
    assert_eq!(fakes.events.reasons(), [Reason::Cleaned], "announced once");
    finish(ctx, server).await;
}

#[tokio::test]
async fn cleanup_gives_up_after_bounded_attempts() {
    let mut lm = lm_with_finalizer(spec());
    deleting(&mut lm);
    let (ctx, server, fakes) = context(settings(), vec![]);
    fakes.topics.fail_always(true);
    // Attempt 1: fails, finalizer kept, retried with backoff.
    let (result, server) = reconcile_with(&lm, &ctx, server, |mut server| async move {
        server.expect(Method::DELETE, PRODUCER).await.not_found();
        server.expect(Method::DELETE, CONSUMER).await.not_found();
        server
    })
    .await;
    let error = result.expect_err("kafka is gone");
    assert_eq!(error_policy(Arc::new(lm.clone()), &error, ctx.clone()), Action::requeue(Duration::from_secs(1)));
    // Attempt 2 of 2: gives up, records it, releases the object.
    let obj = lm.clone();
    let (result, server) = reconcile_with(&lm, &ctx, server, |mut server| async move {
        server.expect(Method::DELETE, PRODUCER).await.not_found();
        server.expect(Method::DELETE, CONSUMER).await.not_found();
        let status = status_of(&reply_status(server.expect(Method::PATCH, LM_STATUS).await, &obj));
        let degraded = condition(&status, condition_type::DEGRADED);
        assert_eq!(degraded.reason, CLEANUP_FAILED);
        assert!(degraded.message.contains("livematch.default.m"), "{}", degraded.message);
        let release = server.expect(Method::PATCH, LM).await;
        assert_eq!(release.body[1]["op"], "remove");
        release.reply(200, &serde_json::to_value(&obj).expect("json"));
        server
    })
    .await;
    assert_eq!(result.expect("released"), Action::await_change());
    assert_eq!(fakes.events.reasons(), [Reason::CleanupFailed]);
    assert!(fakes.cache.deleted().is_empty(), "Redis was never reached: the topic failed first");
    finish(ctx, server).await;
}
