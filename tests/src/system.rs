//! The whole of livematch on a test cluster: the control plane
//! ([`Cluster`] with kube-controller-manager), a broker and Redis
//! ([`Stack`]), and the test [`Kubelet`] running every Pod's containers as
//! local processes — so the operator, the gateway and the workers run from
//! their Deployments, as in a real cluster.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use crate::cluster::Cluster;
use crate::kubelet::launch::Programs;
use crate::kubelet::{Kubelet, PodView};
use crate::process::{livematch_bin, operator_bin};
use crate::stack::{Stack, public_dir};
use crate::wait::eventually;

/// Where the image keeps the web app (the gateway's `--public-dir`).
pub const IMAGE_PUBLIC_DIR: &str = "/usr/share/livematch/public";

/// A running system; [`System::shutdown`] stops the pods gracefully.
pub struct System {
    pub cluster: Cluster,
    pub stack: Stack,
    pub kubelet: Kubelet,
}

/// The image's programs as local binaries (`livematch`,
/// `livematch-operator`; entrypoint `livematch`) and its web app.
///
/// # Errors
/// A binary is not built.
pub fn image_programs() -> anyhow::Result<Programs> {
    Ok(Programs {
        binaries: BTreeMap::from([
            ("livematch".to_owned(), livematch_bin()?),
            ("livematch-operator".to_owned(), operator_bin()?),
        ]),
        entrypoint: vec!["livematch".to_owned()],
        image_paths: BTreeMap::from([(IMAGE_PUBLIC_DIR.to_owned(), public_dir())]),
    })
}

impl System {
    /// Start the control plane, install `crds` (YAML), start the
    /// controller-manager (after the CRDs, so its garbage collector knows
    /// them), a broker and Redis, and the kubelet.
    ///
    /// # Errors
    /// A component did not start.
    pub async fn start(crds: &str) -> anyhow::Result<System> {
        let mut cluster = Cluster::start().await?;
        cluster.install_crds(crds).await?;
        cluster.start_controller_manager().await?;
        let stack = Stack::start().await?;
        let kubelet = Kubelet::start(cluster.client().await, image_programs()?, Some(cluster.service_accounts()))?;
        Ok(System { cluster, stack, kubelet })
    }

    /// Wait until exactly `want` Pods named `prefix*` in `namespace` run
    /// and are ready.
    ///
    /// # Errors
    /// They did not within `limit` (every pod's log is in the message).
    pub async fn ready_pods(
        &self,
        namespace: &str,
        prefix: &str,
        want: usize,
        limit: Duration,
    ) -> anyhow::Result<Vec<PodView>> {
        let what = format!("{want} ready pod(s) {namespace}/{prefix}*");
        eventually(&what, limit, async || {
            let pods = self.kubelet.pods_named(namespace, prefix);
            Ok((pods.len() == want && pods.iter().all(PodView::ready)).then_some(pods))
        })
        .await
        .with_context(|| self.kubelet.all_logs())
    }

    /// Wait until no Pod named `prefix*` runs in `namespace`.
    ///
    /// # Errors
    /// Some still ran after `limit`.
    pub async fn no_pods(&self, namespace: &str, prefix: &str, limit: Duration) -> anyhow::Result<()> {
        eventually(&format!("no pods {namespace}/{prefix}*"), limit, async || {
            Ok(self.kubelet.pods_named(namespace, prefix).is_empty().then_some(()))
        })
        .await
    }

    /// `127.0.0.1:PORT` where a Pod's container port is served.
    ///
    /// # Errors
    /// The Pod or port is unknown.
    pub fn address(&self, pod: &PodView, container_port: i32) -> anyhow::Result<String> {
        let port =
            pod.ports.get(&container_port).with_context(|| format!("pod {} has no port {container_port}", pod.name))?;
        Ok(format!("127.0.0.1:{port}"))
    }

    /// How many Redis keys match `pattern`.
    ///
    /// # Errors
    /// Redis cannot be reached.
    pub async fn redis_key_count(&self, pattern: &str) -> anyhow::Result<u64> {
        let count = "return #redis.call('KEYS', ARGV[1])";
        let reply = self.stack.redis.raw_command(&["EVAL", count, "0", pattern]).await?;
        reply.strip_prefix(':').and_then(|n| n.trim().parse().ok()).with_context(|| format!("EVAL replied {reply}"))
    }

    /// Print every pod's and control-plane process's log tail (for a
    /// failing test), then stop the pods gracefully.
    pub async fn shutdown(self, failed: bool) {
        if failed {
            eprintln!("{}\n{}", self.kubelet.all_logs(), self.cluster.logs());
        }
        self.kubelet.shutdown().await;
    }
}

/// The repository's root (for `k8s/`, `crds/`).
#[must_use]
pub fn repo_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}
