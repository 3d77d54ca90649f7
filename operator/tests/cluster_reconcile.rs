//! The operator against a real kube-apiserver 1.20 (livematch_e2e's test
//! control plane), a real Kafka-compatible broker (Tansu) and a real Redis:
//! the whole reconcile loop, end to end, in one cluster (starting one costs
//! ~5 s of a shared CPU).
//!
//! There are no nodes, so no worker runs: the test plays the kubelet and
//! the deployment controller by writing the child Deployments' status.

use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::events::v1::Event;
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use livematch_crd::{LiveMatch, Phase, condition_type};
use livematch_e2e::broker::Broker;
use livematch_e2e::cluster::Cluster;
use livematch_e2e::process::free_port;
use livematch_e2e::redis::RedisServer;
use livematch_e2e::stack::wait_http_ok;
use livematch_e2e::wait::eventually as wait_for;
use livematch_operator::config::{Config, FINALIZER};
use serde_json::json;
use tokio_util::sync::CancellationToken;

const NS: &str = "default";
/// Upper bound for anything the operator does asynchronously.
const WAIT: Duration = Duration::from_secs(30);

fn live_match(name: &str, spec: serde_json::Value) -> anyhow::Result<LiveMatch> {
    let spec = serde_json::from_value(spec).context("spec")?;
    let mut lm = LiveMatch::new(name, spec);
    lm.metadata.namespace = Some(NS.to_owned());
    Ok(lm)
}

struct World<'a> {
    cluster: &'a Cluster,
    redis: &'a RedisServer,
    matches: Api<LiveMatch>,
    deployments: Api<Deployment>,
    ops: String,
}

impl World<'_> {
    async fn status_where(
        &self,
        name: &str,
        what: &str,
        pred: impl Fn(&LiveMatch) -> bool,
    ) -> anyhow::Result<LiveMatch> {
        wait_for(&format!("LiveMatch {name}: {what}"), WAIT, || async {
            let lm = self.matches.get(name).await?;
            Ok(pred(&lm).then_some(lm))
        })
        .await
    }

    async fn deployment_where(
        &self,
        name: &str,
        what: &str,
        pred: impl Fn(&Deployment) -> bool,
    ) -> anyhow::Result<Deployment> {
        wait_for(&format!("Deployment {name}: {what}"), WAIT, || async {
            Ok(self.deployments.get_opt(name).await?.filter(|d| pred(d)))
        })
        .await
    }

    /// Play the deployment controller and kubelet: every wanted replica ready.
    async fn mark_ready(&self, name: &str) -> anyhow::Result<()> {
        let d = self.deployments.get(name).await?;
        let replicas = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0);
        let status = json!({"status": {"observedGeneration": d.metadata.generation, "replicas": replicas,
            "readyReplicas": replicas, "availableReplicas": replicas, "updatedReplicas": replicas}});
        self.deployments.patch_status(name, &PatchParams::default(), &Patch::Merge(&status)).await?;
        Ok(())
    }

    async fn event_reasons(&self, name: &str) -> anyhow::Result<Vec<String>> {
        let events: Api<Event> = Api::namespaced(self.matches.clone().into_client(), NS);
        Ok(events
            .list(&ListParams::default())
            .await?
            .into_iter()
            .filter(|e| e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some(name))
            .filter_map(|e| e.reason)
            .collect())
    }

    async fn resource_versions(&self, names: &[&str]) -> anyhow::Result<Vec<String>> {
        let mut out = vec![self.matches.get(names[0]).await?.resource_version().unwrap_or_default()];
        for name in &names[1..] {
            out.push(self.deployments.get(name).await?.resource_version().unwrap_or_default());
        }
        Ok(out)
    }
}

fn replicas(d: &Deployment) -> i32 {
    d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(-1)
}

fn phase(lm: &LiveMatch) -> Option<Phase> {
    lm.status.as_ref().and_then(|s| s.phase)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_runs_live_matches_on_a_real_api_server() -> anyhow::Result<()> {
    livematch_workers::telemetry::init_tracing(
        livematch_workers::telemetry::LogFormat::Text,
        "info,kube=warn,rdkafka=warn",
    );
    let cluster = Cluster::start().await?;
    let mut broker = Broker::start().await?;
    let redis = RedisServer::start().await?;
    cluster.install_crds(&livematch_crd::crd_yaml()?).await?;
    let client = cluster.client().await;
    let ops = format!("127.0.0.1:{}", free_port()?);
    let config = Config::try_parse_from([
        "livematch-operator",
        "--kafka",
        &broker.brokers(),
        "--redis",
        &redis.url(),
        "--metrics-listen",
        &ops,
        "--identity",
        "operator-under-test",
        "--leader-election-namespace",
        NS,
        "--lease-duration",
        "6s",
        "--renew-deadline",
        "4s",
        "--lease-retry",
        "1s",
        "--requeue-live",
        "2s",
        "--lobby-refresh",
        "1s",
        "--backend-timeout",
        "3s",
        "--cleanup-attempts",
        "2",
    ])?;
    let shutdown = CancellationToken::new();
    let operator = tokio::spawn(livematch_operator::run_with_client(config, client.clone(), shutdown.clone()));
    let world = World {
        cluster: &cluster,
        redis: &redis,
        matches: Api::namespaced(client.clone(), NS),
        deployments: Api::namespaced(client.clone(), NS),
        ops,
    };
    let result = async {
        wait_http_ok(&world.ops, "/readyz", WAIT).await?;
        leader_lease_is_held(&client).await.context("leader lease")?;
        let uid = new_match_gets_workers_and_status(&world).await.context("new match")?;
        live_when_consumers_ready_with_the_redis_summary(&world).await.context("live")?;
        steady_state_writes_nothing(&world).await.context("steady state")?;
        drift_is_reverted(&world, &uid).await.context("drift")?;
        pause_and_resume(&world).await.context("pause")?;
        invalid_match_is_degraded(&world).await.context("invalid")?;
        events_and_metrics(&world).await.context("events and metrics")?;
        deletion_cleans_up(&world).await.context("deletion")?;
        deletion_without_kafka_is_bounded(&world, &mut broker).await.context("deletion without kafka")?;
        Ok::<(), anyhow::Error>(())
    }
    .await;
    shutdown.cancel();
    let stopped = tokio::time::timeout(Duration::from_secs(20), operator).await;
    let result = result.and_then(|()| {
        stopped.context("the operator did not stop within 20 s")?.context("operator task")?.context("operator run")?;
        Ok(())
    });
    if result.is_ok() {
        lease_released(&client).await.context("lease released on shutdown")?;
    }
    result.map_err(|e| anyhow::anyhow!("{e:#}\n\ncontrol-plane logs:\n{}", world.cluster.logs()))
}

async fn leader_lease_is_held(client: &kube::Client) -> anyhow::Result<()> {
    let leases: Api<Lease> = Api::namespaced(client.clone(), NS);
    wait_for("the leader Lease", WAIT, || async {
        let lease = leases.get_opt("livematch-operator").await?;
        Ok(lease.and_then(|l| l.spec).filter(|s| {
            s.holder_identity.as_deref() == Some("operator-under-test") && s.lease_duration_seconds == Some(6)
        }))
    })
    .await?;
    Ok(())
}

async fn lease_released(client: &kube::Client) -> anyhow::Result<()> {
    let leases: Api<Lease> = Api::namespaced(client.clone(), NS);
    let lease = leases.get("livematch-operator").await?;
    let holder = lease.spec.and_then(|s| s.holder_identity);
    if holder.is_some() {
        bail!("still held by {holder:?} after shutdown");
    }
    Ok(())
}

async fn new_match_gets_workers_and_status(w: &World<'_>) -> anyhow::Result<String> {
    let lm = live_match(
        "ind-pak",
        json!({"sport": "cricket", "teams": {"home": "India", "away": "Pakistan"},
               "source": {"simulate": {"seed": 7}}, "speed": 60, "consumers": {"replicas": 2}}),
    )?;
    let created = w.matches.create(&PostParams::default(), &lm).await?;
    let uid = created.uid().context("uid")?;
    let producer = w.deployment_where("ind-pak-producer", "created", |_| true).await?;
    let consumer = w.deployment_where("ind-pak-consumer", "created", |_| true).await?;
    for (d, component, command, want) in [(&producer, "producer", "produce", 1), (&consumer, "consumer", "consume", 2)]
    {
        let owner = d.owner_references().first().cloned().context("owner reference")?;
        if owner.uid != uid || owner.controller != Some(true) || owner.kind != "LiveMatch" {
            bail!("{component}: bad owner reference {owner:?}");
        }
        let labels = d.labels();
        if labels.get("app.kubernetes.io/component").map(String::as_str) != Some(component)
            || labels.get("livematch.dev/match").map(String::as_str) != Some("default.ind-pak")
        {
            bail!("{component}: labels {labels:?}");
        }
        if replicas(d) != want {
            bail!("{component}: {} replicas, want {want}", replicas(d));
        }
        let args = d.spec.as_ref().and_then(|s| s.template.spec.as_ref()).map(|p| p.containers[0].args.clone());
        let args = args.flatten().unwrap_or_default().join(" ");
        if !args.starts_with(&format!("{command} --match-id default.ind-pak")) {
            bail!("{component}: args {args}");
        }
    }
    let lm = w.status_where("ind-pak", "Starting with its topic", |lm| phase(lm) == Some(Phase::Starting)).await?;
    let status = lm.status.clone().context("status")?;
    if status.topic.as_deref() != Some("livematch.default.ind-pak") || status.replicas != 2 {
        bail!("status {status:?}");
    }
    if !lm.finalizers().iter().any(|f| f == FINALIZER) {
        bail!("no finalizer: {:?}", lm.finalizers());
    }
    Ok(uid)
}

async fn live_when_consumers_ready_with_the_redis_summary(w: &World<'_>) -> anyhow::Result<()> {
    w.mark_ready("ind-pak-producer").await?;
    w.mark_ready("ind-pak-consumer").await?;
    let lm = w.status_where("ind-pak", "Live", |lm| phase(lm) == Some(Phase::Live)).await?;
    let status = lm.status.context("status")?;
    if !status.is_true(condition_type::READY) || status.ready.as_deref() != Some("2/2") {
        bail!("Live but {status:?}");
    }
    let entry = json!({"id": "default.ind-pak", "sport": "cricket", "status": "live", "teams": ["India", "Pakistan"],
        "summary": "IND 20/1 (3.0 ov)", "result": null, "seq": 19, "updated": 0});
    let reply = w.redis.raw_command(&["HSET", "lm:{lobby}", "default.ind-pak", &entry.to_string()]).await?;
    if reply != ":1" {
        bail!("HSET answered {reply}");
    }
    w.status_where("ind-pak", "the Redis summary", |lm| {
        lm.status.as_ref().is_some_and(|s| s.summary.as_deref() == Some("IND 20/1 (3.0 ov)") && s.last_seq == Some(19))
    })
    .await?;
    Ok(())
}

async fn steady_state_writes_nothing(w: &World<'_>) -> anyhow::Result<()> {
    let names = ["ind-pak", "ind-pak-producer", "ind-pak-consumer"];
    let before = w.resource_versions(&names).await?;
    // Three requeues (--requeue-live 2s) and six lobby reads.
    tokio::time::sleep(Duration::from_secs(7)).await;
    let after = w.resource_versions(&names).await?;
    if before != after {
        bail!("resourceVersions of {names:?} moved from {before:?} to {after:?} with nothing to do");
    }
    Ok(())
}

async fn drift_is_reverted(w: &World<'_>, uid: &str) -> anyhow::Result<()> {
    w.cluster.kubectl_ok(&["scale", "deployment/ind-pak-consumer", "--replicas=5", "-n", NS]).await?;
    w.deployment_where("ind-pak-consumer", "scaled back to 2", |d| replicas(d) == 2).await?;
    w.deployments.delete("ind-pak-producer", &DeleteParams::default()).await?;
    let again = w
        .deployment_where("ind-pak-producer", "recreated", |d| d.owner_references().iter().any(|o| o.uid == uid))
        .await?;
    if replicas(&again) != 1 {
        bail!("recreated producer has {} replicas", replicas(&again));
    }
    w.mark_ready("ind-pak-producer").await?;
    Ok(())
}

async fn pause_and_resume(w: &World<'_>) -> anyhow::Result<()> {
    let params = PatchParams::default();
    w.matches.patch("ind-pak", &params, &Patch::Merge(json!({"spec": {"paused": true}}))).await?;
    w.deployment_where("ind-pak-producer", "scaled to 0", |d| replicas(d) == 0).await?;
    w.deployment_where("ind-pak-consumer", "scaled to 0", |d| replicas(d) == 0).await?;
    w.status_where("ind-pak", "Paused", |lm| {
        phase(lm) == Some(Phase::Paused) && lm.status.as_ref().is_some_and(|s| s.is_true(condition_type::PAUSED))
    })
    .await?;
    w.matches.patch("ind-pak", &params, &Patch::Merge(json!({"spec": {"paused": false}}))).await?;
    w.deployment_where("ind-pak-producer", "back to 1", |d| replicas(d) == 1).await?;
    w.deployment_where("ind-pak-consumer", "back to 2", |d| replicas(d) == 2).await?;
    let lm = w.status_where("ind-pak", "unpaused", |lm| phase(lm).is_some_and(|p| p != Phase::Paused)).await?;
    let status = lm.status.context("status")?;
    if status.summary.as_deref() != Some("IND 20/1 (3.0 ov)") {
        bail!("the score was lost over the pause: {status:?}");
    }
    // The annotation pauses too.
    let annotate = json!({"metadata": {"annotations": {"livematch.dev/paused": "true"}}});
    w.matches.patch("ind-pak", &params, &Patch::Merge(annotate)).await?;
    w.status_where("ind-pak", "Paused by annotation", |lm| phase(lm) == Some(Phase::Paused)).await?;
    let clear = json!({"metadata": {"annotations": {"livematch.dev/paused": null}}});
    w.matches.patch("ind-pak", &params, &Patch::Merge(clear)).await?;
    w.status_where("ind-pak", "resumed from the annotation", |lm| phase(lm).is_some_and(|p| p != Phase::Paused))
        .await?;
    Ok(())
}

async fn invalid_match_is_degraded(w: &World<'_>) -> anyhow::Result<()> {
    let bad = live_match(
        "same-teams",
        json!({"sport": "cricket", "teams": {"home": "India", "away": "india"}, "source": {"simulate": {}}}),
    )?;
    w.matches.create(&PostParams::default(), &bad).await?;
    let lm = w.status_where("same-teams", "Failed", |lm| phase(lm) == Some(Phase::Failed)).await?;
    let degraded =
        lm.status.as_ref().and_then(|s| s.condition(condition_type::DEGRADED)).cloned().context("Degraded")?;
    if degraded.reason != "InvalidSpec" || !degraded.message.contains("spec.teams") {
        bail!("Degraded {degraded:?}");
    }
    if w.deployments.get_opt("same-teams-producer").await?.is_some() {
        bail!("an invalid match got workers");
    }
    // The other match is unaffected.
    w.status_where("ind-pak", "still running", |lm| phase(lm).is_some_and(|p| p != Phase::Failed)).await?;
    w.matches.delete("same-teams", &DeleteParams::default()).await?;
    wait_for("same-teams deleted", WAIT, || async {
        Ok(w.matches.get_opt("same-teams").await?.is_none().then_some(()))
    })
    .await
}

async fn events_and_metrics(w: &World<'_>) -> anyhow::Result<()> {
    let reasons = w.event_reasons("ind-pak").await?;
    for want in ["TopicCreated", "Created", "Paused", "Resumed"] {
        if !reasons.iter().any(|r| r == want) {
            bail!("no {want} Event for ind-pak: {reasons:?}");
        }
    }
    if !w.event_reasons("same-teams").await?.iter().any(|r| r == "Invalid") {
        bail!("no Invalid Event for same-teams");
    }
    let (code, metrics) = livematch_e2e::http::get(&w.ops, "/metrics").await?;
    for want in [
        "livematch_operator_reconciles_total",
        "livematch_operator_leader 1",
        "livematch_operator_reconcile_errors_total{kind=\"invalid_spec\"}",
    ] {
        if code != 200 || !metrics.contains(want) {
            bail!("/metrics ({code}) lacks {want}:\n{metrics}");
        }
    }
    let (code, _) = livematch_e2e::http::get(&w.ops, "/healthz").await?;
    if code != 200 {
        bail!("/healthz answered {code}");
    }
    Ok(())
}

async fn deletion_cleans_up(w: &World<'_>) -> anyhow::Result<()> {
    w.matches.delete("ind-pak", &DeleteParams::default()).await?;
    wait_for("ind-pak deleted", WAIT, || async { Ok(w.matches.get_opt("ind-pak").await?.is_none().then_some(())) })
        .await?;
    let left = w.redis.raw_command(&["HEXISTS", "lm:{lobby}", "default.ind-pak"]).await?;
    if left != ":0" {
        bail!("the lobby entry survived the deletion: HEXISTS = {left}");
    }
    for child in ["ind-pak-producer", "ind-pak-consumer"] {
        if w.deployments.get_opt(child).await?.is_some() {
            bail!("{child} survived");
        }
    }
    if !w.event_reasons("ind-pak").await?.iter().any(|r| r == "Cleaned") {
        bail!("no Cleaned Event");
    }
    Ok(())
}

async fn deletion_without_kafka_is_bounded(w: &World<'_>, broker: &mut Broker) -> anyhow::Result<()> {
    let lm = live_match("rain", json!({"sport": "cricket", "source": {"simulate": {}}}))?;
    w.matches.create(&PostParams::default(), &lm).await?;
    w.status_where("rain", "Starting", |lm| phase(lm) == Some(Phase::Starting)).await?;
    broker.stop()?;
    w.matches.delete("rain", &DeleteParams::default()).await?;
    // Two attempts of at most 3 s each, 1 s backoff between: well within 30 s.
    wait_for("rain released without Kafka", WAIT, || async {
        Ok(w.matches.get_opt("rain").await?.is_none().then_some(()))
    })
    .await?;
    if !w.event_reasons("rain").await?.iter().any(|r| r == "CleanupFailed") {
        bail!("no CleanupFailed Event");
    }
    Ok(())
}
