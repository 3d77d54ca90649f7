//! The operator as `k8s/base` deploys it, on the test control plane
//! (kube-apiserver and controller-manager 1.20): with exactly the RBAC of
//! k8s/base (its ServiceAccount's token, not admin) and the configuration
//! of its Deployment (the LIVEMATCH_* variables of livematch-config and of
//! the container, turned into the flags they set; only the addresses of
//! Kafka, Redis and the metrics port are the test's), it takes LiveMatches
//! through their lifecycle: Lease, finalizer, Deployments, a replay whose
//! ConfigMap is missing then created, scale, pause, resume, delete with
//! cleanup, Events, and the Lease released on shutdown. A right missing
//! from k8s/base/operator-rbac.yaml fails a step here.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use clap::{CommandFactory, Parser};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::api::events::v1::Event;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use livematch_crd::{LiveMatch, Phase, condition_type, reason};
use livematch_e2e::broker::Broker;
use livematch_e2e::cluster::{Cluster, client_for};
use livematch_e2e::manifests::{self, EnvValue, as_list, container, container_env, find, k8s_dir};
use livematch_e2e::process::free_port;
use livematch_e2e::redis::RedisServer;
use livematch_operator::config::Config;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const SYSTEM: &str = "livematch-system";
const GAMES: &str = "games";
/// The operator's identity in the Lease, for `POD_NAME`.
const IDENTITY: &str = "livematch-operator-rbac-test";
mod common;
use common::eventually;

/// `--long=value` for every variable the operator's CLI reads, from the
/// Deployment's environment; `overrides` (variable → value) replace what
/// the test environment must differ in. The downward-API variables become
/// their flags (`POD_NAME` → `--identity`, `POD_NAMESPACE` →
/// `--leader-election-namespace`): the test cannot set its own environment.
fn operator_flags(env: &BTreeMap<String, EnvValue>, overrides: &[(&str, String)]) -> anyhow::Result<Vec<String>> {
    let command = Config::command();
    let mut flags = vec!["livematch-operator".to_owned()];
    for (name, value) in env {
        let value = match (overrides.iter().find(|(k, _)| k == name), value) {
            (Some((_, v)), _) => v.clone(),
            (None, EnvValue::Text(text)) => text.clone(),
            (None, EnvValue::Field(path)) => match (name.as_str(), path.as_str()) {
                ("POD_NAME", "metadata.name") => {
                    flags.push(format!("--identity={IDENTITY}"));
                    continue;
                }
                ("POD_NAMESPACE", "metadata.namespace") => {
                    flags.push(format!("--leader-election-namespace={SYSTEM}"));
                    continue;
                }
                _ => bail!("{name} from field {path}: the operator does not read it"),
            },
        };
        let arg = command
            .get_arguments()
            .find(|a| a.get_env().is_some_and(|e| e == name.as_str()))
            .with_context(|| format!("the Deployment sets {name}, which livematch-operator does not read"))?;
        let long = arg.get_long().with_context(|| format!("{name}: no long flag"))?;
        flags.push(format!("--{long}={value}"));
    }
    Ok(flags)
}

/// Names of the variables the gateway (`livematch gateway`) reads.
fn gateway_env_names() -> Vec<String> {
    let mut cli = livematch_workers::cli::Cli::command();
    cli.build();
    let globals: Vec<String> =
        cli.get_arguments().filter_map(|a| a.get_env()).map(|e| e.to_string_lossy().into_owned()).collect();
    let gateway = cli.find_subcommand("gateway").map(|g| {
        g.get_arguments().filter_map(|a| a.get_env()).map(|e| e.to_string_lossy().into_owned()).collect::<Vec<_>>()
    });
    globals.into_iter().chain(gateway.unwrap_or_default()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_needs_only_the_rbac_of_k8s_base() -> anyhow::Result<()> {
    livematch_workers::telemetry::init_tracing(livematch_workers::telemetry::LogFormat::Text, "warn");
    let base = manifests::render(&k8s_dir().join("base")).context("kubectl kustomize k8s/base")?;
    let mut cluster = Cluster::start().await?;
    let broker = Broker::start().await?;
    let redis = RedisServer::start().await?;
    cluster.install_crds(&livematch_crd::crd_yaml()?).await?;
    cluster.start_controller_manager().await?;
    let rbac = manifests::rbac(&base);
    let kinds: Vec<&str> = rbac.iter().filter_map(|o| o["kind"].as_str()).collect();
    ensure!(kinds.len() == 6, "k8s/base RBAC: {kinds:?}");
    cluster.apply_yaml(&serde_json::to_string(&as_list(&rbac))?).await.context("apply the RBAC of k8s/base")?;
    let kubeconfig = cluster.service_account_kubeconfig(SYSTEM, "livematch-operator").await?;
    let operator_client = client_for(&kubeconfig).await?;
    let admin = cluster.client().await;

    // The operator's configuration, as its Deployment gives it.
    let deployment = find(&base, "Deployment", "livematch-operator").context("operator Deployment")?;
    let pod = &deployment["spec"]["template"]["spec"];
    ensure!(pod["serviceAccountName"] == "livematch-operator", "runs as {}", pod["serviceAccountName"]);
    let operator = container(pod, "operator").context("operator container")?;
    ensure!(operator["command"] == json!(["livematch-operator"]), "command {}", operator["command"]);
    ensure!(operator["args"].is_null(), "args {}: configuration comes from the environment", operator["args"]);
    let env = container_env(&base, SYSTEM, operator)?;
    ensure!(env.contains_key("LIVEMATCH_IMAGE") && env.contains_key("LIVEMATCH_KAFKA"), "{env:?}");
    // Every key of the shared ConfigMap is read by the operator or the gateway.
    let gateway_reads = gateway_env_names();
    let config_map = base.iter().find(|o| o["kind"] == "ConfigMap").context("livematch-config")?;
    for key in config_map["data"].as_object().into_iter().flatten().map(|(k, _)| k) {
        let operator_reads = Config::command().get_arguments().any(|a| a.get_env().is_some_and(|e| e == key.as_str()));
        ensure!(operator_reads || gateway_reads.contains(key), "livematch-config sets {key}, which nothing reads");
    }
    let flags = operator_flags(
        &env,
        &[
            ("LIVEMATCH_KAFKA", broker.brokers()),
            ("LIVEMATCH_REDIS", redis.url()),
            ("LIVEMATCH_METRICS_LISTEN", format!("127.0.0.1:{}", free_port()?)),
        ],
    )?;
    let mut config = Config::try_parse_from(&flags).with_context(|| format!("{flags:?}"))?;
    config.check()?;
    ensure!(config.leader_election, "two replicas need leader election");
    // Test speed: the Lease is retried every second instead of five.
    config.lease_retry = Duration::from_secs(1);
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(livematch_operator::run_with_client(config, operator_client, shutdown.clone()));

    let steps = lifecycle(&cluster, &admin);
    let result = steps.await;
    shutdown.cancel();
    let stopped = tokio::time::timeout(Duration::from_secs(20), running).await;
    result.map_err(|e| anyhow::anyhow!("{e:#}\n\ncontrol-plane logs:\n{}", cluster.logs()))?;
    stopped.context("operator stop")?.context("operator task")?.context("operator run")?;
    let leases: Api<Lease> = Api::namespaced(admin, SYSTEM);
    let holder = leases.get("livematch-operator").await?.spec.and_then(|s| s.holder_identity);
    ensure!(holder.is_none(), "the Lease was not released (update right missing?): {holder:?}");
    Ok(())
}

/// Replicas of Deployment `name`, if it exists.
async fn replicas(deployments: &Api<Deployment>, name: &str) -> anyhow::Result<Option<i32>> {
    Ok(deployments.get_opt(name).await?.and_then(|d| d.spec).and_then(|s| s.replicas))
}

/// Whether an Event with `reason` about LiveMatch `name` exists.
async fn has_event(events: &Api<Event>, name: &str, reason: &str) -> anyhow::Result<bool> {
    let list = events.list(&ListParams::default()).await?;
    Ok(list.items.iter().any(|e| {
        e.reason.as_deref() == Some(reason) && e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some(name)
    }))
}

async fn lifecycle(cluster: &Cluster, admin: &kube::Client) -> anyhow::Result<()> {
    let leases: Api<Lease> = Api::namespaced(admin.clone(), SYSTEM);
    eventually("the Lease held by the operator's ServiceAccount", async || {
        let holder = leases.get_opt("livematch-operator").await?.and_then(|l| l.spec).and_then(|s| s.holder_identity);
        Ok((holder.as_deref() == Some(IDENTITY)).then_some(()))
    })
    .await?;
    // LiveMatches in a namespace of their own: the operator watches all.
    cluster.kubectl_ok(&["create", "namespace", GAMES]).await?;
    let matches: Api<LiveMatch> = Api::namespaced(admin.clone(), GAMES);
    let deployments: Api<Deployment> = Api::namespaced(admin.clone(), GAMES);
    let events: Api<Event> = Api::namespaced(admin.clone(), GAMES);
    let config_maps: Api<ConfigMap> = Api::namespaced(admin.clone(), GAMES);

    // Create: finalizer, both Deployments owned by the match, status, Event.
    let spec =
        serde_json::from_value(json!({"sport": "cricket", "source": {"simulate": {}}, "consumers": {"replicas": 2}}))?;
    matches.create(&PostParams::default(), &LiveMatch::new("sim", spec)).await?;
    eventually("Deployments, finalizer and a Starting status", async || {
        let both = replicas(&deployments, "sim-producer").await? == Some(1)
            && replicas(&deployments, "sim-consumer").await? == Some(2);
        let lm = matches.get("sim").await?;
        let finalized = lm.metadata.finalizers.iter().flatten().any(|f| f == "livematch.dev/cleanup");
        Ok((both && finalized && lm.status.and_then(|s| s.phase) == Some(Phase::Starting)).then_some(()))
    })
    .await?;
    eventually("the Created Event", async || Ok(has_event(&events, "sim", "Created").await?.then_some(()))).await?;

    // A replay whose recording is missing: reported on the LiveMatch (the
    // operator reads the ConfigMap), then played once it exists.
    let spec = serde_json::from_value(
        json!({"sport": "cricket", "source": {"replay": {"configMap": {"name": "recording", "key": "match.json"}}}}),
    )?;
    matches.create(&PostParams::default(), &LiveMatch::new("replay", spec)).await?;
    eventually("Degraded/SourceUnavailable for the missing ConfigMap", async || {
        let status = matches.get("replay").await?.status.unwrap_or_default();
        let degraded =
            status.condition(condition_type::DEGRADED).is_some_and(|c| c.reason == reason::SOURCE_UNAVAILABLE);
        Ok(degraded.then_some(()))
    })
    .await?;
    // The operator checks that the key is there; the producer (not run
    // here: no kubelet) would read it.
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some("recording".into());
    cm.data = Some(BTreeMap::from([("match.json".to_owned(), "{}".to_owned())]));
    config_maps.create(&PostParams::default(), &cm).await?;
    eventually("the replay's Deployments once its ConfigMap exists", async || {
        Ok((replicas(&deployments, "replay-producer").await? == Some(1)).then_some(()))
    })
    .await?;

    // Scale, as `kubectl scale lm/sim --replicas=3` does.
    cluster.kubectl_ok(&["-n", GAMES, "scale", "lm/sim", "--replicas=3"]).await?;
    eventually("three consumers and the Scaled Event", async || {
        let scaled = replicas(&deployments, "sim-consumer").await? == Some(3);
        Ok((scaled && has_event(&events, "sim", "Scaled").await?).then_some(()))
    })
    .await?;

    // Pause, then resume.
    let merge = |paused: bool| Patch::Merge(json!({"spec": {"paused": paused}}));
    matches.patch("sim", &PatchParams::default(), &merge(true)).await?;
    eventually("paused: both Deployments at zero, phase Paused", async || {
        let zero = replicas(&deployments, "sim-producer").await? == Some(0)
            && replicas(&deployments, "sim-consumer").await? == Some(0);
        let phase = matches.get("sim").await?.status.and_then(|s| s.phase);
        Ok((zero && phase == Some(Phase::Paused) && has_event(&events, "sim", "Paused").await?).then_some(()))
    })
    .await?;
    matches.patch("sim", &PatchParams::default(), &merge(false)).await?;
    eventually("resumed: producer back, three consumers", async || {
        let back = replicas(&deployments, "sim-producer").await? == Some(1)
            && replicas(&deployments, "sim-consumer").await? == Some(3);
        Ok((back && has_event(&events, "sim", "Resumed").await?).then_some(()))
    })
    .await?;

    // Delete: the operator deletes the workers, the topic and the Redis
    // keys, then releases the finalizer.
    for name in ["sim", "replay"] {
        matches.delete(name, &DeleteParams::default()).await?;
    }
    eventually("both LiveMatches cleaned up and gone", async || {
        let gone = matches.get_opt("sim").await?.is_none() && matches.get_opt("replay").await?.is_none();
        let cleaned = has_event(&events, "sim", "Cleaned").await? && has_event(&events, "replay", "Cleaned").await?;
        Ok((gone && cleaned).then_some(()))
    })
    .await?;
    eventually("the workers deleted", async || {
        let list = deployments.list(&ListParams::default()).await?;
        Ok(list.items.is_empty().then_some(()))
    })
    .await?;
    let warnings: Vec<Value> = events
        .list(&ListParams::default())
        .await?
        .items
        .into_iter()
        .filter(|e| e.type_.as_deref() == Some("Warning") && e.reason.as_deref() != Some("SourceUnavailable"))
        .map(|e| json!({"reason": e.reason, "note": e.note}))
        .collect();
    ensure!(warnings.is_empty(), "unexpected warnings: {warnings:?}");
    Ok(())
}
