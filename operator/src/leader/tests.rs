//! Lease election against a mocked API server; time is paused, so the
//! lease timings run instantly.

use http::Method;
use serde_json::{Value, json};

use super::*;
use crate::fixtures::{ApiServer, mock_client};

const PATH: &str = "/apis/coordination.k8s.io/v1/namespaces/ops/leases/livematch-operator";

fn config() -> LeaseConfig {
    LeaseConfig {
        namespace: "ops".into(),
        name: "livematch-operator".into(),
        identity: "me".into(),
        duration: Duration::from_secs(15),
        renew_deadline: Duration::from_secs(10),
        retry: Duration::from_secs(5),
    }
}

fn lease(holder: Option<&str>, rv: &str, transitions: i32) -> Value {
    json!({
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": "livematch-operator", "namespace": "ops", "resourceVersion": rv},
        "spec": {"holderIdentity": holder, "leaseDurationSeconds": 15, "leaseTransitions": transitions,
                 "renewTime": "2025-01-01T00:00:00.000000Z", "acquireTime": "2025-01-01T00:00:00.000000Z"}
    })
}

/// Run `f` against the elector while `script` answers.
async fn with_server<T, F, S>(script: S, f: F) -> T
where
    S: FnOnce(ApiServer) -> std::pin::Pin<Box<dyn Future<Output = ApiServer> + Send>>,
    F: AsyncFnOnce(&Elector) -> T,
{
    let (client, server) = mock_client();
    let elector = Elector::new(client, config());
    let script = tokio::spawn(script(server.with_patience(Duration::from_secs(120))));
    let out = f(&elector).await;
    drop(elector);
    script.await.expect("script passed").done().await;
    out
}

#[tokio::test]
async fn creates_a_missing_lease() {
    let leader = with_server(
        |mut s| {
            Box::pin(async move {
                s.expect(Method::GET, PATH).await.not_found();
                let create = s.expect(Method::POST, "/apis/coordination.k8s.io/v1/namespaces/ops/leases").await;
                assert_eq!(create.body["spec"]["holderIdentity"], "me");
                assert_eq!(create.body["spec"]["leaseDurationSeconds"], 15);
                assert_eq!(create.body["spec"]["leaseTransitions"], 0);
                assert!(create.body["spec"]["renewTime"].is_string());
                let mut created = create.body.clone();
                created["metadata"]["resourceVersion"] = json!("1");
                create.reply(201, &created);
                s
            })
        },
        async |e| e.try_acquire_or_renew().await.expect("acquired"),
    )
    .await;
    assert!(leader);
}

#[tokio::test]
async fn renews_its_own_lease_under_its_resource_version() {
    let leader = with_server(
        |mut s| {
            Box::pin(async move {
                s.expect(Method::GET, PATH).await.reply(200, &lease(Some("me"), "5", 2));
                let put = s.expect(Method::PUT, PATH).await;
                assert_eq!(put.body["metadata"]["resourceVersion"], "5", "optimistic concurrency");
                assert_eq!(put.body["spec"]["holderIdentity"], "me");
                assert_eq!(put.body["spec"]["leaseTransitions"], 2, "a renewal is no transition");
                assert_eq!(put.body["spec"]["acquireTime"], "2025-01-01T00:00:00.000000Z", "acquire time kept");
                assert_ne!(put.body["spec"]["renewTime"], "2025-01-01T00:00:00.000000Z", "renew time moves");
                let body = put.body.clone();
                put.reply(200, &body);
                s
            })
        },
        async |e| e.try_acquire_or_renew().await.expect("renewed"),
    )
    .await;
    assert!(leader);
}

#[tokio::test(start_paused = true)]
async fn a_live_holder_keeps_the_lease_until_it_stops_renewing() {
    let leader = with_server(
        |mut s| {
            Box::pin(async move {
                s.expect(Method::GET, PATH).await.reply(200, &lease(Some("other"), "3", 1));
                // 16 s later the holder has renewed (new resourceVersion): still theirs.
                s.expect(Method::GET, PATH).await.reply(200, &lease(Some("other"), "4", 1));
                // 10 s later, unchanged: not yet 15 s since the change was seen.
                s.expect(Method::GET, PATH).await.reply(200, &lease(Some("other"), "4", 1));
                // 6 s later, unchanged for 16 s: expired, take it over.
                s.expect(Method::GET, PATH).await.reply(200, &lease(Some("other"), "4", 1));
                let put = s.expect(Method::PUT, PATH).await;
                assert_eq!(put.body["metadata"]["resourceVersion"], "4");
                assert_eq!(put.body["spec"]["holderIdentity"], "me");
                assert_eq!(put.body["spec"]["leaseTransitions"], 2);
                let body = put.body.clone();
                put.reply(200, &body);
                s
            })
        },
        async |e| {
            let mut results = vec![e.try_acquire_or_renew().await.expect("read")];
            for wait in [16, 10, 6] {
                tokio::time::sleep(Duration::from_secs(wait)).await;
                results.push(e.try_acquire_or_renew().await.expect("read"));
            }
            results
        },
    )
    .await;
    assert_eq!(leader, [false, false, false, true]);
}

#[tokio::test]
async fn a_released_lease_is_taken_at_once() {
    let leader = with_server(
        |mut s| {
            Box::pin(async move {
                s.expect(Method::GET, PATH).await.reply(200, &lease(None, "9", 4));
                let put = s.expect(Method::PUT, PATH).await;
                assert_eq!(put.body["spec"]["leaseTransitions"], 5);
                let body = put.body.clone();
                put.reply(200, &body);
                s
            })
        },
        async |e| e.try_acquire_or_renew().await.expect("acquired"),
    )
    .await;
    assert!(leader);
}

#[tokio::test]
async fn losing_the_race_is_a_conflict() {
    let error = with_server(
        |mut s| {
            Box::pin(async move {
                s.expect(Method::GET, PATH).await.reply(200, &lease(None, "9", 4));
                s.expect(Method::PUT, PATH).await.reply(
                    409,
                    &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                        "message": "the object has been modified", "reason": "Conflict", "code": 409}),
                );
                s
            })
        },
        async |e| e.try_acquire_or_renew().await.expect_err("lost the race"),
    )
    .await;
    assert_eq!(error.metric_label(), "lease_conflict");
}

#[tokio::test(start_paused = true)]
async fn the_leader_steps_down_when_it_cannot_renew() {
    let (client, server) = mock_client();
    let elector = Elector::new(client, config());
    let failing = tokio::spawn(server.fail_all(500));
    let started = Instant::now();
    let outcome = elector.hold(&CancellationToken::new()).await;
    assert_eq!(outcome, Outcome::Lost);
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(10) && took < Duration::from_secs(15), "stepped down after {took:?}");
    drop(elector);
    assert!(failing.await.expect("script") >= 1);
}

#[tokio::test(start_paused = true)]
async fn the_leader_steps_down_when_another_holds_the_lease() {
    let outcome = with_server(
        |mut s| {
            Box::pin(async move {
                s.expect(Method::GET, PATH).await.reply(200, &lease(Some("me"), "5", 0));
                let put = s.expect(Method::PUT, PATH).await;
                let body = put.body.clone();
                put.reply(200, &body);
                s.expect(Method::GET, PATH).await.reply(200, &lease(Some("usurper"), "6", 1));
                s
            })
        },
        async |e| e.hold(&CancellationToken::new()).await,
    )
    .await;
    assert_eq!(outcome, Outcome::Lost);
}

#[tokio::test]
async fn shutdown_ends_holding_without_a_request() {
    let token = CancellationToken::new();
    token.cancel();
    let outcome = with_server(|s| Box::pin(async move { s }), async |e| e.hold(&token).await).await;
    assert_eq!(outcome, Outcome::Shutdown);
}

#[tokio::test]
async fn release_empties_the_holder() {
    with_server(
        |mut s| {
            Box::pin(async move {
                s.expect(Method::GET, PATH).await.reply(200, &lease(Some("me"), "7", 3));
                let put = s.expect(Method::PUT, PATH).await;
                assert_eq!(put.body["metadata"]["resourceVersion"], "7");
                assert!(put.body["spec"].get("holderIdentity").is_none(), "{}", put.body);
                assert_eq!(put.body["spec"]["leaseDurationSeconds"], 1);
                let body = put.body.clone();
                put.reply(200, &body);
                s
            })
        },
        async |e| e.release().await.expect("released"),
    )
    .await;
}

#[tokio::test]
async fn release_leaves_another_holder_alone() {
    with_server(
        |mut s| {
            Box::pin(async move {
                s.expect(Method::GET, PATH).await.reply(200, &lease(Some("other"), "7", 3));
                s
            })
        },
        async |e| e.release().await.expect("nothing to release"),
    )
    .await;
}
