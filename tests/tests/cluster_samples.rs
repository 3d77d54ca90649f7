//! The shipped manifests, running: `k8s/base` (CRD, RBAC, two operator
//! replicas with leader election, the gateway) is applied with only the
//! Kafka and Redis addresses changed, the test kubelet runs every pod, and
//! `kubectl apply -k k8s/samples` starts the sample matches:
//!
//! * each playing sample, of every sport, goes Live (or, for the short
//!   recording, Completed) with its score in `kubectl get lm`, and a viewer
//!   of the gateway Deployment sees its events from seq 1, in order;
//! * the paused sample runs no pod and says Paused;
//! * the operator leader is killed -9 mid-match: an operator (the standby,
//!   or the leader restarted by the kubelet under the same identity) holds
//!   the Lease, a scale is carried out, no child is duplicated, and the
//!   match goes on;
//! * `kubectl delete -k k8s/samples` stops every worker and removes the
//!   matches' Redis keys.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::coordination::v1::Lease;
use kube::api::{Api, ListParams};
use livematch_crd::{LiveMatch, Phase};
use livematch_e2e::system::{System, repo_root};
use livematch_e2e::viewer::{Viewer, check_contiguous};
use livematch_e2e::wait::eventually;

const SYSTEM_NS: &str = "livematch-system";
const NS: &str = "default";
/// Pods starting, reconciles, a leader handover (Lease duration 15 s).
const WAIT: Duration = Duration::from_secs(60);
/// Sample matches that play (the paused one does not).
const PLAYING: [&str; 6] = ["ind-pak", "aus-eng", "hawks-vipers", "cup-tie", "hoops", "centre-court"];

/// `k8s/base` plus the Kubernetes 1.20 component, pointed at the test's
/// Kafka and Redis (a kustomization in a temporary directory; kustomize
/// takes only relative paths).
fn overlay(dir: &Path, kafka: &str, redis: &str) -> anyhow::Result<()> {
    let root = repo_root().canonicalize().context("repo root")?;
    let up = "../".repeat(dir.components().count().saturating_sub(1));
    let rel = |p: &str| format!("{up}{}", root.join(p).display().to_string().trim_start_matches('/'));
    let text = format!(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - {}\ncomponents:\n  - {}\n\
         configMapGenerator:\n  - name: livematch-config\n    namespace: {SYSTEM_NS}\n    behavior: merge\n    literals:\n\
         \x20     - LIVEMATCH_KAFKA={kafka}\n      - LIVEMATCH_REDIS={redis}\n      - LIVEMATCH_LOG_FORMAT=text\n\
         \x20     - LIVEMATCH_REQUEUE_LIVE=1s\n      - LIVEMATCH_LOBBY_REFRESH=1s\n",
        rel("k8s/base"),
        rel("k8s/components/kubernetes-1.20"),
    );
    std::fs::write(dir.join("kustomization.yaml"), text).context("write the overlay")
}

async fn phase_of(w: &System, name: &str) -> anyhow::Result<(Option<Phase>, String)> {
    let api: Api<LiveMatch> = Api::namespaced(w.cluster.client().await, NS);
    let lm = api.get(name).await?;
    let status = lm.status.unwrap_or_default();
    Ok((status.phase, status.summary.unwrap_or_default()))
}

async fn lease_holder(w: &System) -> anyhow::Result<Option<String>> {
    let leases: Api<Lease> = Api::namespaced(w.cluster.client().await, SYSTEM_NS);
    Ok(leases.get_opt("livematch-operator").await?.and_then(|l| l.spec).and_then(|s| s.holder_identity))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_manifests_run_the_samples() -> anyhow::Result<()> {
    let crd = std::fs::read_to_string(repo_root().join("k8s/base/crd.yaml"))?;
    let system = System::start(&crd).await?;
    let result = samples(&system).await;
    system.shutdown(result.is_err()).await;
    result
}

async fn samples(w: &System) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    overlay(dir.path(), &w.stack.broker.brokers(), &w.stack.redis.url())?;
    w.cluster.kubectl_ok(&["apply", "-k", &dir.path().display().to_string()]).await?;
    let operators = w.ready_pods(SYSTEM_NS, "livematch-operator-", 2, WAIT).await?;
    let system: Api<Deployment> = Api::namespaced(w.cluster.client().await, SYSTEM_NS);
    let replicas = system.get("livematch-gateway").await?.spec.and_then(|s| s.replicas).unwrap_or(1);
    let gateway = w.ready_pods(SYSTEM_NS, "livematch-gateway-", usize::try_from(replicas)?, WAIT).await?;
    let gateway = w.address(&gateway[0], 8080)?;

    // Viewers wait for the matches before they exist.
    let mut viewer = Viewer::connect(&gateway).await?;
    for name in PLAYING {
        viewer.subscribe(&format!("{NS}.{name}"), None).await?;
    }
    let samples = repo_root().join("k8s/samples");
    w.cluster.kubectl_ok(&["apply", "-k", &samples.display().to_string()]).await?;

    for name in PLAYING {
        let (phase, summary) = eventually(&format!("{name} Live or Completed with a score"), WAIT, async || {
            let (phase, summary) = phase_of(w, name).await?;
            // Every sport writes a one-line summary once the match has started.
            let playing = matches!(phase, Some(Phase::Live | Phase::Completed)) && !summary.trim().is_empty();
            Ok(playing.then_some((phase, summary)))
        })
        .await
        .with_context(|| w.kubelet.all_logs())?;
        let table = w.cluster.kubectl_ok(&["get", "lm", name]).await?;
        let word = phase.map(Phase::as_str).unwrap_or_default();
        assert!(table.contains(word), "kubectl get lm {name} shows {word}:\n{table}");
        let id = format!("{NS}.{name}");
        viewer
            .until(WAIT, |v| v.matches.get(&id).is_some_and(|m| m.received.len() >= 5))
            .await
            .with_context(|| format!("viewer of {id} ({summary})"))?;
    }
    let (paused, _) = phase_of(w, "paused-match").await?;
    assert_eq!(paused, Some(Phase::Paused));
    assert!(w.kubelet.pods_named(NS, "paused-match-").is_empty(), "a paused match runs no pod");

    // The leader dies mid-match: the standby takes over, nothing doubles.
    let leader = eventually("a Lease holder", WAIT, async || lease_holder(w).await).await?;
    assert!(operators.iter().any(|p| p.name == leader), "the Lease is held by an operator pod: {leader}");
    let before = viewer.matches.get("default.ind-pak").map_or(0, |m| m.received.len());
    w.kubelet.kill(SYSTEM_NS, &leader)?;
    let deployments: Api<Deployment> = Api::namespaced(w.cluster.client().await, NS);
    w.cluster.kubectl_ok(&["scale", "lm", "ind-pak", "--replicas=2"]).await?;
    w.ready_pods(NS, "ind-pak-consumer-", 2, WAIT).await.context("scaled after the leader died")?;
    let holder = lease_holder(w).await?;
    let names: Vec<String> =
        deployments.list(&ListParams::default()).await?.items.into_iter().filter_map(|d| d.metadata.name).collect();
    let children = names.iter().filter(|n| n.starts_with("ind-pak-")).count();
    assert_eq!(children, 2, "one producer and one consumer Deployment, no duplicate: {names:?}");
    viewer
        .until(WAIT, |v| v.matches.get("default.ind-pak").is_some_and(|m| m.received.len() > before + 5))
        .await
        .context("the match goes on after the leader died")?;
    eprintln!("Lease held by {leader}, then by {holder:?}");

    for name in PLAYING {
        let seen = &viewer.matches[&format!("{NS}.{name}")];
        let last = seen.received.last().copied().unwrap_or(0);
        check_contiguous(&seen.received, 1, last).with_context(|| format!("viewer of {name}"))?;
    }

    // Delete the samples: every worker stops, keys go.
    w.cluster.kubectl_ok(&["delete", "-k", &samples.display().to_string(), "--timeout=90s"]).await?;
    for name in PLAYING {
        w.no_pods(NS, &format!("{name}-"), WAIT).await?;
        let keys = w.redis_key_count(&format!("*{NS}.{name}*")).await?;
        if keys != 0 {
            bail!("{keys} Redis keys of {name} left after delete");
        }
    }
    Ok(())
}
