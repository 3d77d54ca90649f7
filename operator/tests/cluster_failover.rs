//! Two operator replicas on the test control plane: only the Lease holder
//! reconciles (the standby makes no reconcile at all), and when the leader
//! dies without releasing the Lease, the standby takes over once the Lease
//! expires and carries on.

use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use k8s_openapi::api::coordination::v1::Lease;
use kube::api::{Api, PostParams};
use livematch_crd::{LiveMatch, Phase};
use livematch_e2e::broker::Broker;
use livematch_e2e::cluster::Cluster;
use livematch_e2e::http::get;
use livematch_e2e::process::free_port;
use livematch_e2e::redis::RedisServer;
use livematch_e2e::stack::wait_http_ok;
use livematch_operator::config::Config;
use serde_json::json;
use tokio_util::sync::CancellationToken;

mod common;
use common::{WAIT, eventually};

/// `livematch_operator_reconciles_total` of the replica serving `ops`.
async fn reconciles(ops: &str) -> anyhow::Result<u64> {
    let (_, text) = get(ops, "/metrics").await?;
    let line =
        text.lines().find(|l| l.starts_with("livematch_operator_reconciles_total ")).context("no reconcile counter")?;
    Ok(line.rsplit(' ').next().unwrap_or_default().parse()?)
}

async fn create(matches: &Api<LiveMatch>, name: &str) -> anyhow::Result<()> {
    let spec = serde_json::from_value(json!({"sport": "cricket", "source": {"simulate": {}}}))?;
    matches.create(&PostParams::default(), &LiveMatch::new(name, spec)).await?;
    Ok(())
}

async fn starting(matches: &Api<LiveMatch>, name: &str) -> anyhow::Result<()> {
    eventually(&format!("{name} reconciled"), async || {
        Ok((matches.get(name).await?.status.and_then(|s| s.phase) == Some(Phase::Starting)).then_some(()))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standby_takes_over_when_the_leader_dies() -> anyhow::Result<()> {
    livematch_workers::telemetry::init_tracing(livematch_workers::telemetry::LogFormat::Text, "warn");
    let cluster = Cluster::start().await?;
    let broker = Broker::start().await?;
    let redis = RedisServer::start().await?;
    cluster.install_crds(&livematch_crd::crd_yaml()?).await?;
    let client = cluster.client().await;
    let replica = |identity: &str, ops: &str| -> anyhow::Result<Config> {
        Ok(Config::try_parse_from([
            "livematch-operator",
            "--kafka",
            &broker.brokers(),
            "--redis",
            &redis.url(),
            "--metrics-listen",
            ops,
            "--identity",
            identity,
            "--leader-election-namespace",
            "default",
            "--lease-duration",
            "4s",
            "--renew-deadline",
            "3s",
            "--lease-retry",
            "1s",
        ])?)
    };
    let (ops_a, ops_b) = (format!("127.0.0.1:{}", free_port()?), format!("127.0.0.1:{}", free_port()?));
    let never = CancellationToken::new();
    let a = tokio::spawn(livematch_operator::run_with_client(replica("a", &ops_a)?, client.clone(), never.clone()));
    wait_http_ok(&ops_a, "/readyz", WAIT).await?;
    let leases: Api<Lease> = Api::namespaced(client.clone(), "default");
    let holder = async || -> anyhow::Result<Option<String>> {
        Ok(leases.get_opt("livematch-operator").await?.and_then(|l| l.spec).and_then(|s| s.holder_identity))
    };
    eventually("a leads", async || Ok((holder().await?.as_deref() == Some("a")).then_some(()))).await?;
    let b_shutdown = CancellationToken::new();
    let b =
        tokio::spawn(livematch_operator::run_with_client(replica("b", &ops_b)?, client.clone(), b_shutdown.clone()));
    wait_http_ok(&ops_b, "/readyz", WAIT).await?;

    let matches: Api<LiveMatch> = Api::namespaced(client.clone(), "default");
    create(&matches, "first").await?;
    starting(&matches, "first").await?;
    if reconciles(&ops_b).await? != 0 {
        bail!("the standby reconciled while a led");
    }
    if reconciles(&ops_a).await? == 0 {
        bail!("the leader did not count its reconciles");
    }

    // The leader dies without releasing the Lease.
    a.abort();
    let _ = a.await;
    eventually("b takes over", async || Ok((holder().await?.as_deref() == Some("b")).then_some(()))).await?;
    create(&matches, "second").await?;
    starting(&matches, "second").await?;
    if reconciles(&ops_b).await? == 0 {
        bail!("the new leader reconciled nothing");
    }
    b_shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(20), b).await.context("b stops")?.context("b task")?.context("b run")?;
    if holder().await?.is_some() {
        bail!("b did not release the Lease on shutdown");
    }
    Ok(())
}
