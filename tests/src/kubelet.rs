//! A kubelet for the test control plane: it runs the containers of the
//! cluster's Pods as local processes and reports their status, so a
//! Deployment made by the operator really runs.
//!
//! The test cluster has no nodes; kube-controller-manager's deployment and
//! replicaset controllers still turn Deployments into Pods. [`Kubelet`]
//! lists Pods every [`TICK`] and, like a kubelet, for each new Pod writes its
//! ConfigMap/Secret volumes into a directory, starts each container's
//! command (mapped to a local binary through [`Programs`]) with the
//! container's arguments and environment, probes readiness and liveness,
//! restarts exited containers with back-off (`restartPolicy`), and patches
//! `pods/status` (phase, `Ready` condition, container statuses with restart
//! counts). The replicaset and deployment controllers then count ready
//! replicas from those statuses, as in a real cluster. A Pod that is deleted
//! (scale-down, rollout, `kubectl delete`) gets SIGTERM and, after its
//! `terminationGracePeriodSeconds`, SIGKILL.
//!
//! Pods share the host's loopback, so container ports are mapped to free
//! host ports (see [`launch`]); a Pod whose ServiceAccount token is
//! automounted gets `KUBECONFIG` pointing at a kubeconfig with that token,
//! so it talks to the API server with exactly its RBAC.

mod container;
pub mod launch;
pub mod status;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Secret};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::cluster::ServiceAccounts;
use container::Container;
use launch::{PodPlan, Programs, Sources};
use status::{ContainerStatus, State};

/// How often the kubelet looks at the cluster's Pods.
pub const TICK: Duration = Duration::from_millis(250);

/// What a test sees of one Pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodView {
    pub namespace: String,
    pub name: String,
    /// Container port → host port on 127.0.0.1.
    pub ports: BTreeMap<i32, u16>,
    pub containers: Vec<ContainerView>,
    /// Why the Pod's containers could not be started, if so.
    pub error: Option<String>,
}

/// What a test sees of one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerView {
    pub name: String,
    pub pid: Option<u32>,
    pub ready: bool,
    pub restarts: u32,
    pub log: PathBuf,
}

impl PodView {
    /// Every container is running and ready.
    #[must_use]
    pub fn ready(&self) -> bool {
        !self.containers.is_empty() && self.containers.iter().all(|c| c.ready && c.pid.is_some())
    }
}

#[derive(Debug)]
struct Shared {
    view: Mutex<BTreeMap<String, PodView>>,
    /// Pods (`namespace/name`) whose first container the test wants killed.
    kill: Mutex<Vec<String>>,
}

/// The running kubelet; dropping it kills every container at once,
/// [`Kubelet::shutdown`] stops them gracefully.
#[derive(Debug)]
pub struct Kubelet {
    cancel: CancellationToken,
    task: Option<tokio::task::JoinHandle<()>>,
    shared: Arc<Shared>,
    _dir: tempfile::TempDir,
}

impl Kubelet {
    /// Start running the Pods of every namespace.
    ///
    /// # Errors
    /// The working directory cannot be created.
    pub fn start(
        client: kube::Client,
        programs: Programs,
        accounts: Option<ServiceAccounts>,
    ) -> anyhow::Result<Kubelet> {
        let dir = tempfile::Builder::new().prefix("livematch-kubelet-").tempdir().context("kubelet dir")?;
        let shared = Arc::new(Shared { view: Mutex::new(BTreeMap::new()), kill: Mutex::new(Vec::new()) });
        let cancel = CancellationToken::new();
        let runner = Runner {
            client,
            programs,
            accounts,
            dir: dir.path().to_path_buf(),
            pods: BTreeMap::new(),
            shared: shared.clone(),
        };
        let task = tokio::spawn(runner.run(cancel.clone()));
        Ok(Kubelet { cancel, task: Some(task), shared, _dir: dir })
    }

    /// Every Pod the kubelet runs (or failed to start), by `namespace/name`.
    #[must_use]
    pub fn pods(&self) -> Vec<PodView> {
        self.shared.view.lock().map(|v| v.values().cloned().collect()).unwrap_or_default()
    }

    /// The Pods in `namespace` whose name starts with `prefix`.
    #[must_use]
    pub fn pods_named(&self, namespace: &str, prefix: &str) -> Vec<PodView> {
        self.pods().into_iter().filter(|p| p.namespace == namespace && p.name.starts_with(prefix)).collect()
    }

    /// SIGKILL the Pod's first container (the kubelet restarts it).
    ///
    /// # Errors
    /// No such Pod is running.
    pub fn kill(&self, namespace: &str, name: &str) -> anyhow::Result<()> {
        let key = format!("{namespace}/{name}");
        if !self.shared.view.lock().map(|v| v.contains_key(&key)).unwrap_or(false) {
            bail!("pod {key} is not running here");
        }
        if let Ok(mut kill) = self.shared.kill.lock() {
            kill.push(key);
        }
        Ok(())
    }

    /// The Pod's first container's log (last 20 KB).
    #[must_use]
    pub fn logs(&self, namespace: &str, name: &str) -> String {
        let key = format!("{namespace}/{name}");
        let path = self
            .shared
            .view
            .lock()
            .ok()
            .and_then(|v| v.get(&key).and_then(|p| p.containers.first().map(|c| c.log.clone())));
        let text = path.and_then(|p| std::fs::read_to_string(p).ok()).unwrap_or_default();
        let start = text.len().saturating_sub(20_000);
        let start = (start..text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
        text[start..].to_owned()
    }

    /// Every Pod's log tail, for failure messages.
    #[must_use]
    pub fn all_logs(&self) -> String {
        self.pods()
            .iter()
            .map(|p| format!("--- pod {}/{} ---\n{}", p.namespace, p.name, self.logs(&p.namespace, &p.name)))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Stop every container gracefully (SIGTERM, grace period, SIGKILL).
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Kubelet {
    fn drop(&mut self) {
        // The task drops its children (kill_on_drop) when aborted.
        self.cancel.cancel();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// A Pod being run.
struct RunningPod {
    namespace: String,
    name: String,
    dir: PathBuf,
    plan: Option<PodPlan>,
    containers: Vec<Container>,
    error: Option<String>,
    start_time: String,
    ready: bool,
    ready_since: String,
    reported: Option<Value>,
}

struct Runner {
    client: kube::Client,
    programs: Programs,
    accounts: Option<ServiceAccounts>,
    dir: PathBuf,
    /// By Pod uid.
    pods: BTreeMap<String, RunningPod>,
    shared: Arc<Shared>,
}

impl Runner {
    async fn run(mut self, cancel: CancellationToken) {
        loop {
            if let Err(e) = self.tick().await {
                tracing::debug!("kubelet: {e:#}");
            }
            tokio::select! {
                () = cancel.cancelled() => break,
                () = tokio::time::sleep(TICK) => {}
            }
        }
        let stops = std::mem::take(&mut self.pods).into_values().map(stop_pod);
        futures::future::join_all(stops).await;
    }

    async fn tick(&mut self) -> anyhow::Result<()> {
        let pods: Api<Pod> = Api::all(self.client.clone());
        let list = pods.list(&ListParams::default()).await.context("list pods")?;
        let mut wanted = BTreeMap::new();
        for pod in list.items {
            let finished =
                pod.status.as_ref().and_then(|s| s.phase.as_deref()).is_some_and(|p| p == "Succeeded" || p == "Failed");
            if let Some(uid) = pod.metadata.uid.clone()
                && !finished
            {
                wanted.insert(uid, pod);
            }
        }
        // Deleted (or being deleted) Pods: stop their containers.
        let gone: Vec<String> = self
            .pods
            .keys()
            .filter(|uid| wanted.get(*uid).is_none_or(|p| p.metadata.deletion_timestamp.is_some()))
            .cloned()
            .collect();
        for uid in gone {
            if let Some(rp) = self.pods.remove(&uid) {
                let (client, ns, name) = (self.client.clone(), rp.namespace.clone(), rp.name.clone());
                let terminating = wanted.contains_key(&uid);
                tokio::spawn(async move {
                    stop_pod(rp).await;
                    if terminating {
                        // Confirm the deletion, as a kubelet does once containers are gone.
                        let api: Api<Pod> = Api::namespaced(client, &ns);
                        let _ = api.delete(&name, &DeleteParams::default().grace_period(0)).await;
                    }
                });
            }
        }
        for (uid, pod) in &wanted {
            if pod.metadata.deletion_timestamp.is_some() {
                continue;
            }
            if !self.pods.contains_key(uid) {
                let rp = self.new_pod(pod);
                self.pods.insert(uid.clone(), rp);
            }
            if let Some(rp) = self.pods.get_mut(uid)
                && rp.plan.is_none()
            {
                let attempt = start_pod(&self.client, &self.programs, self.accounts.as_ref(), pod, rp).await;
                rp.error = attempt.err().map(|e| format!("{e:#}"));
            }
        }
        self.apply_kills();
        for rp in self.pods.values_mut() {
            for c in &mut rp.containers {
                c.poll();
            }
        }
        let probes = self.pods.values_mut().flat_map(|rp| rp.containers.iter_mut()).map(Container::probe);
        futures::future::join_all(probes).await;
        self.report().await;
        self.publish_view();
        Ok(())
    }

    fn new_pod(&self, pod: &Pod) -> RunningPod {
        let namespace = pod.metadata.namespace.clone().unwrap_or_default();
        let name = pod.metadata.name.clone().unwrap_or_default();
        let now = status::now();
        RunningPod {
            dir: self.dir.join(format!("{namespace}_{name}")),
            namespace,
            name,
            plan: None,
            containers: Vec::new(),
            error: None,
            start_time: now.clone(),
            ready: false,
            ready_since: now,
            reported: None,
        }
    }

    fn apply_kills(&mut self) {
        let kills = self.shared.kill.lock().map(|mut k| std::mem::take(&mut *k)).unwrap_or_default();
        for key in kills {
            for rp in self.pods.values_mut().filter(|rp| format!("{}/{}", rp.namespace, rp.name) == key) {
                if let Some(c) = rp.containers.first_mut() {
                    c.kill();
                }
            }
        }
    }

    /// Patch every Pod's status that changed since it was last reported.
    async fn report(&mut self) {
        for rp in self.pods.values_mut() {
            let statuses: Vec<ContainerStatus> = if rp.containers.is_empty() {
                let message = rp.error.clone().unwrap_or_default();
                waiting(rp.plan.as_ref(), &message)
            } else {
                rp.containers.iter().map(Container::status).collect()
            };
            let ready = !statuses.is_empty() && statuses.iter().all(|c| c.ready);
            if ready != rp.ready {
                rp.ready = ready;
                rp.ready_since = status::now();
            }
            let patch = status::pod_status(&statuses, &rp.start_time, &rp.ready_since);
            if rp.reported.as_ref() == Some(&patch) {
                continue;
            }
            let api: Api<Pod> = Api::namespaced(self.client.clone(), &rp.namespace);
            match api.patch_status(&rp.name, &PatchParams::default(), &Patch::Merge(&patch)).await {
                Ok(_) => rp.reported = Some(patch),
                Err(e) => tracing::debug!(pod = %rp.name, "kubelet: status patch failed: {e}"),
            }
        }
    }

    fn publish_view(&self) {
        let view = self
            .pods
            .values()
            .map(|rp| {
                let pv = PodView {
                    namespace: rp.namespace.clone(),
                    name: rp.name.clone(),
                    ports: rp.plan.as_ref().map(|p| p.ports.clone()).unwrap_or_default(),
                    containers: rp
                        .containers
                        .iter()
                        .map(|c| ContainerView {
                            name: c.launch.name.clone(),
                            pid: c.pid(),
                            ready: c.ready && c.pid().is_some(),
                            restarts: c.restarts,
                            log: c.log.clone(),
                        })
                        .collect(),
                    error: rp.error.clone(),
                };
                (format!("{}/{}", rp.namespace, rp.name), pv)
            })
            .collect();
        if let Ok(mut v) = self.shared.view.lock() {
            *v = view;
        }
    }
}

/// The status of containers that could not be started.
fn waiting(plan: Option<&PodPlan>, message: &str) -> Vec<ContainerStatus> {
    let names: Vec<String> = plan.map(|p| p.containers.iter().map(|c| c.name.clone()).collect()).unwrap_or_default();
    let names = if names.is_empty() { vec!["main".to_owned()] } else { names };
    names
        .into_iter()
        .map(|name| ContainerStatus {
            name,
            image: String::new(),
            state: State::Waiting { reason: "CreateContainerConfigError".into(), message: message.to_owned() },
            ready: false,
            restarts: 0,
            last_exit: None,
        })
        .collect()
}

/// Fetch what the Pod refers to, plan it, write its volumes, start its
/// containers.
async fn start_pod(
    client: &kube::Client,
    programs: &Programs,
    accounts: Option<&ServiceAccounts>,
    pod: &Pod,
    rp: &mut RunningPod,
) -> anyhow::Result<()> {
    let sources = fetch_sources(client, &rp.namespace, pod).await?;
    let plan = launch::plan(pod, programs, &sources, &rp.dir, || crate::process::free_port().unwrap_or(0))?;
    let mut extra_env = vec![("HOSTNAME".to_owned(), rp.name.clone())];
    let spec = pod.spec.as_ref();
    if spec.and_then(|s| s.automount_service_account_token) != Some(false)
        && let Some(accounts) = accounts
    {
        let account = spec.and_then(|s| s.service_account_name.clone()).unwrap_or_else(|| "default".into());
        let kubeconfig = accounts.kubeconfig(&rp.namespace, &account).await?;
        extra_env.push(("KUBECONFIG".to_owned(), kubeconfig.display().to_string()));
    }
    std::fs::create_dir_all(&rp.dir).context("create pod dir")?;
    for dir in &plan.dirs {
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    }
    for (path, data) in &plan.files {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).context("create volume dir")?;
        }
        std::fs::write(path, data).with_context(|| format!("write {}", path.display()))?;
    }
    let mut containers = Vec::new();
    for launch in plan.containers.clone() {
        let log = rp.dir.join(format!("{}.log", launch.name));
        containers.push(Container::start(launch, log, &rp.dir, extra_env.clone(), &plan.restart_policy)?);
    }
    rp.containers = containers;
    rp.plan = Some(plan);
    Ok(())
}

async fn fetch_sources(client: &kube::Client, namespace: &str, pod: &Pod) -> anyhow::Result<Sources> {
    let (cms, secrets) = launch::referenced_sources(pod);
    let mut sources = Sources::default();
    let cm_api: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
    for name in cms {
        if let Some(cm) = cm_api.get_opt(&name).await.with_context(|| format!("get configmap {name}"))? {
            sources.config_maps.insert(name, cm.data.unwrap_or_default());
        }
    }
    let secret_api: Api<Secret> = Api::namespaced(client.clone(), namespace);
    for name in secrets {
        if let Some(secret) = secret_api.get_opt(&name).await.with_context(|| format!("get secret {name}"))? {
            let data = secret.data.unwrap_or_default().into_iter();
            let mut map: BTreeMap<String, String> =
                data.map(|(k, v)| (k, String::from_utf8_lossy(&v.0).into_owned())).collect();
            map.extend(secret.string_data.unwrap_or_default());
            sources.secrets.insert(name, map);
        }
    }
    Ok(sources)
}

async fn stop_pod(mut rp: RunningPod) {
    let grace = rp.plan.as_ref().map_or(Duration::ZERO, |p| p.grace);
    let stops = rp.containers.iter_mut().map(|c| c.stop(grace));
    futures::future::join_all(stops).await;
    let _ = std::fs::remove_dir_all(Path::new(&rp.dir).join("volumes"));
}
