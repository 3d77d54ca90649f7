//! The operator with exactly the rights of `operator/deploy/rbac.yaml`:
//! run as its ServiceAccount on the test control plane (kube-apiserver and
//! controller-manager 1.20), it takes a LiveMatch from creation to
//! deletion: Lease, finalizer, Deployments, status, Events, cleanup.

use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::events::v1::Event;
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use livematch_crd::{LiveMatch, Phase};
use livematch_e2e::broker::Broker;
use livematch_e2e::cluster::{Cluster, client_for};
use livematch_e2e::process::free_port;
use livematch_e2e::redis::RedisServer;
use livematch_operator::config::Config;
use serde_json::json;
use tokio_util::sync::CancellationToken;

const RBAC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/rbac.yaml");
const SYSTEM: &str = "livematch-system";
mod common;
use common::eventually;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_needs_only_its_rbac() -> anyhow::Result<()> {
    livematch_workers::telemetry::init_tracing(livematch_workers::telemetry::LogFormat::Text, "warn");
    let mut cluster = Cluster::start().await?;
    let broker = Broker::start().await?;
    let redis = RedisServer::start().await?;
    cluster.install_crds(&livematch_crd::crd_yaml()?).await?;
    cluster.start_controller_manager().await?;
    cluster.apply_file(RBAC).await.context("apply deploy/rbac.yaml")?;
    let kubeconfig = cluster.service_account_kubeconfig(SYSTEM, "livematch-operator").await?;
    let operator_client = client_for(&kubeconfig).await?;
    let admin = cluster.client().await;

    let config = Config::try_parse_from([
        "livematch-operator",
        "--kafka",
        &broker.brokers(),
        "--redis",
        &redis.url(),
        "--metrics-listen",
        &format!("127.0.0.1:{}", free_port()?),
        "--identity",
        "rbac-test",
        "--leader-election-namespace",
        SYSTEM,
        "--lease-retry",
        "1s",
    ])?;
    let shutdown = CancellationToken::new();
    let operator = tokio::spawn(livematch_operator::run_with_client(config, operator_client, shutdown.clone()));

    let matches: Api<LiveMatch> = Api::namespaced(admin.clone(), "default");
    let deployments: Api<Deployment> = Api::namespaced(admin.clone(), "default");
    let leases: Api<Lease> = Api::namespaced(admin.clone(), SYSTEM);
    let events: Api<Event> = Api::namespaced(admin.clone(), "default");
    let steps = async {
        eventually("the Lease held by the ServiceAccount", async || {
            let holder =
                leases.get_opt("livematch-operator").await?.and_then(|l| l.spec).and_then(|s| s.holder_identity);
            Ok((holder.as_deref() == Some("rbac-test")).then_some(()))
        })
        .await?;
        let spec = serde_json::from_value(json!({"sport": "cricket", "source": {"simulate": {}}}))?;
        matches.create(&PostParams::default(), &LiveMatch::new("rbac", spec)).await?;
        eventually("Deployments and a Starting status", async || {
            let both = deployments.get_opt("rbac-producer").await?.is_some()
                && deployments.get_opt("rbac-consumer").await?.is_some();
            let lm = matches.get("rbac").await?;
            Ok((both && lm.status.and_then(|s| s.phase) == Some(Phase::Starting)).then_some(()))
        })
        .await?;
        eventually("the Created Event", async || {
            let list = events.list(&ListParams::default()).await?;
            Ok(list.items.iter().any(|e| e.reason.as_deref() == Some("Created")).then_some(()))
        })
        .await?;
        matches.delete("rbac", &DeleteParams::default()).await?;
        eventually("the LiveMatch released and deleted", async || {
            Ok(matches.get_opt("rbac").await?.is_none().then_some(()))
        })
        .await?;
        Ok::<(), anyhow::Error>(())
    };
    let result = steps.await;
    shutdown.cancel();
    let stopped = tokio::time::timeout(Duration::from_secs(20), operator).await;
    result.map_err(|e| anyhow::anyhow!("{e:#}\n\ncontrol-plane logs:\n{}", cluster.logs()))?;
    stopped.context("operator stop")?.context("operator task")?.context("operator run")?;
    let holder = leases.get("livematch-operator").await?.spec.and_then(|s| s.holder_identity);
    if holder.is_some() {
        bail!("the Lease was not released (update right missing?): {holder:?}");
    }
    Ok(())
}
