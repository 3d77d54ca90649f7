//! A real, throwaway Kubernetes control plane on loopback for the
//! operator's cluster tests.
//!
//! [`Cluster::start`] runs etcd and kube-apiserver 1.20 (built by
//! `scripts/install-k8s.sh`) on free ports of 127.0.0.1 in a temporary
//! directory, with RBAC, an admin bearer token and a service-account signing
//! key, and returns once `/readyz` answers `ok` (about 5 s). It writes an
//! admin kubeconfig ([`Cluster::kubeconfig_path`]) for `kubectl` and the
//! `kube` crate. There are no nodes: Deployments get ReplicaSet and Pod
//! objects, but no container ever runs.
//!
//! [`Cluster::start_controller_manager`] adds kube-controller-manager with
//! the garbage collector, namespace, deployment, replicaset, serviceaccount
//! and serviceaccount-token controllers. Start it after applying CRDs: the
//! garbage collector rescans resource types only every 30 s, so owners of a
//! kind registered later take ~40 s to be collected.
//!
//! Things this 1.20 server does differently from a current one: CEL rules
//! (`x-kubernetes-validations`) in a CRD are dropped silently (express
//! validation in the OpenAPI schema), and ServiceAccounts get token Secrets
//! automatically ([`Cluster::service_account_kubeconfig`] uses them to act
//! as a ServiceAccount, with exactly its RBAC).
//!
//! Dropping the value kills controller-manager, apiserver and etcd, in that
//! order, and deletes the directory.

mod binaries;
mod daemon;
mod kubeconfig;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, GetParams, ListParams};
use tokio::io::AsyncWriteExt;

use binaries::Binaries;
pub use binaries::CACHE_ENV;
use daemon::Daemon;
pub use kubeconfig::client_for;

/// How long etcd may take to report healthy.
const ETCD_TIMEOUT: Duration = Duration::from_secs(15);
/// How long the API server may take to report ready (~5 s when idle).
const APISERVER_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the controller-manager may take to create the first token.
const CONTROLLER_MANAGER_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a ServiceAccount's token Secret may take to appear.
const SA_TOKEN_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a new CRD may take to be established.
const CRD_TIMEOUT: Duration = Duration::from_secs(30);
/// Fresh ports to try when another process took a chosen one meanwhile.
const PORT_ATTEMPTS: usize = 3;
/// The admin user in the token file, in group `system:masters`.
const ADMIN_USER: &str = "admin";
/// The Secret type the serviceaccount-token controller creates.
const SA_TOKEN_TYPE: &str = "kubernetes.io/service-account-token";
/// The annotation naming a token Secret's ServiceAccount.
const SA_NAME_ANNOTATION: &str = "kubernetes.io/service-account.name";
/// Service IPs (never routed: there are no nodes).
const SERVICE_CIDR: &str = "10.96.0.0/16";

/// A running test control plane, torn down on drop.
pub struct Cluster {
    // Declared in stop order; `Drop` also stops them explicitly.
    controller_manager: Option<Daemon>,
    apiserver: Daemon,
    etcd: Daemon,
    binaries: Binaries,
    server: String,
    kubeconfig: PathBuf,
    ca_file: PathBuf,
    sa_key: PathBuf,
    config: kube::Config,
    /// Built at start; handed out when a fresh one cannot be built.
    client: kube::Client,
    /// Last: removed once every process is gone.
    dir: tempfile::TempDir,
}

impl Cluster {
    /// Start etcd and kube-apiserver; return once the API server is ready.
    ///
    /// # Errors
    /// A program is missing (the message says to run
    /// `scripts/install-k8s.sh`), or a process did not come up (its log is
    /// in the message).
    pub async fn start() -> anyhow::Result<Cluster> {
        let binaries = Binaries::locate()?;
        let dir = tempfile::Builder::new().prefix("livematch-k8s-").tempdir().context("create cluster temp dir")?;
        let root = dir.path().to_path_buf();

        let sa_key = root.join("sa.key");
        generate_rsa_key(&binaries.openssl, &sa_key).await?;
        let token = random_token()?;
        std::fs::write(root.join("tokens.csv"), format!("{token},{ADMIN_USER},{ADMIN_USER},system:masters\n"))
            .context("write token file")?;

        let (etcd, etcd_url) = start_etcd(&binaries, &root).await?;
        let mut last_error = None;
        for attempt in 0..PORT_ATTEMPTS {
            let port = free_port()?;
            let apiserver = spawn_apiserver(&binaries, &root, &etcd_url, port, attempt)?;
            match wait_apiserver(&apiserver, &root, port, &token).await {
                Ok((server, kubeconfig, ca_file, config, client)) => {
                    return Ok(Cluster {
                        controller_manager: None,
                        apiserver,
                        etcd,
                        binaries,
                        server,
                        kubeconfig,
                        ca_file,
                        sa_key,
                        config,
                        client,
                        dir,
                    });
                }
                Err(e) if apiserver.lost_port_race() => last_error = Some(e),
                Err(e) => bail!("start kube-apiserver: {e:#}\n{}", etcd.log_tail()),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("kube-apiserver did not start")))
    }

    /// Start kube-controller-manager (garbagecollector, namespace,
    /// deployment, replicaset, serviceaccount, serviceaccount-token) and
    /// return once it has created the `default` ServiceAccount's token in
    /// namespace `default`. Call it after applying CRDs (see the module doc).
    ///
    /// # Errors
    /// It is already running, or it did not come up (its log is in the
    /// message).
    pub async fn start_controller_manager(&mut self) -> anyhow::Result<()> {
        if self.controller_manager.is_some() {
            bail!("kube-controller-manager is already running");
        }
        let root = self.dir.path();
        let args = vec![
            format!("--kubeconfig={}", self.kubeconfig.display()),
            "--controllers=garbagecollector,namespace,deployment,replicaset,serviceaccount,serviceaccount-token"
                .to_string(),
            "--port=0".to_string(),
            "--secure-port=0".to_string(),
            "--bind-address=127.0.0.1".to_string(),
            "--leader-elect=false".to_string(),
            format!("--service-account-private-key-file={}", self.sa_key.display()),
            format!("--root-ca-file={}", self.ca_file.display()),
        ];
        let daemon = Daemon::spawn(
            "kube-controller-manager",
            &self.binaries.controller_manager,
            &args,
            root,
            root.join("kube-controller-manager.log"),
        )?;
        let client = self.client().await;
        daemon
            .wait_ready("token Secret for ServiceAccount default/default", CONTROLLER_MANAGER_TIMEOUT, async || {
                service_account_token(&client, "default", "default").await.ok().flatten()
            })
            .await?;
        self.controller_manager = Some(daemon);
        Ok(())
    }

    /// The admin kubeconfig (user `admin` in group `system:masters`).
    #[must_use]
    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig
    }

    /// `https://127.0.0.1:PORT`
    #[must_use]
    pub fn server_url(&self) -> &str {
        &self.server
    }

    /// The temporary directory holding the data, keys, kubeconfigs and logs
    /// (deleted on drop).
    #[must_use]
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// An admin client, bound to the current tokio runtime.
    pub async fn client(&self) -> kube::Client {
        // Building from a config that already worked at start cannot fail in
        // practice; the client made at start is the fallback all the same.
        kube::Client::try_from(self.config.clone()).unwrap_or_else(|_| self.client.clone())
    }

    /// Run `kubectl --kubeconfig ADMIN ARGS...` and return its output
    /// (whatever its exit status).
    ///
    /// # Errors
    /// kubectl could not be run.
    pub async fn kubectl(&self, args: &[&str]) -> anyhow::Result<Output> {
        self.kubectl_with_stdin(args, None).await
    }

    /// Like [`kubectl`](Self::kubectl), with `stdin` fed to the process.
    ///
    /// # Errors
    /// kubectl could not be run.
    pub async fn kubectl_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> anyhow::Result<Output> {
        let mut cmd = tokio::process::Command::new(&self.binaries.kubectl);
        cmd.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(self.dir.path().join("kubectl-cache"))
            .args(args)
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().with_context(|| format!("run kubectl {}", args.join(" ")))?;
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(text.as_bytes()).await.context("write kubectl stdin")?;
            drop(pipe);
        }
        child.wait_with_output().await.with_context(|| format!("wait for kubectl {}", args.join(" ")))
    }

    /// Run kubectl and return its stdout, failing unless it exits with 0.
    ///
    /// # Errors
    /// kubectl could not be run or failed (its stderr is in the message).
    pub async fn kubectl_ok(&self, args: &[&str]) -> anyhow::Result<String> {
        checked(args, self.kubectl(args).await?)
    }

    /// `kubectl apply -f PATH`; returns kubectl's stdout.
    ///
    /// # Errors
    /// kubectl failed (its stderr is in the message).
    pub async fn apply_file(&self, path: impl AsRef<Path>) -> anyhow::Result<String> {
        let path = path.as_ref().to_string_lossy().into_owned();
        self.kubectl_ok(&["apply", "-f", &path]).await
    }

    /// `kubectl apply -f -` with `manifest` (YAML or JSON) on stdin.
    ///
    /// # Errors
    /// kubectl failed (its stderr is in the message).
    pub async fn apply_yaml(&self, manifest: &str) -> anyhow::Result<String> {
        let args = ["apply", "-f", "-"];
        checked(&args, self.kubectl_with_stdin(&args, Some(manifest)).await?)
    }

    /// Apply CustomResourceDefinitions (YAML) and wait until the API server
    /// reports every one of them `Established` (serving its resources).
    ///
    /// # Errors
    /// kubectl failed, or a CRD was not established in time.
    pub async fn install_crds(&self, manifest: &str) -> anyhow::Result<()> {
        let applied = self.apply_yaml(manifest).await?;
        let names: Vec<String> = applied
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter_map(|n| n.strip_prefix("customresourcedefinition.apiextensions.k8s.io/"))
            .map(str::to_owned)
            .collect();
        if names.is_empty() {
            bail!("no CustomResourceDefinition in the manifest (kubectl said: {applied})");
        }
        let crds: Api<CustomResourceDefinition> = Api::all(self.client().await);
        for name in &names {
            crate::wait::eventually(&format!("CRD {name} established"), CRD_TIMEOUT, async || {
                let crd = crds.get(name).await?;
                let conditions = crd.status.and_then(|s| s.conditions).unwrap_or_default();
                Ok(conditions.iter().any(|c| c.type_ == "Established" && c.status == "True").then_some(()))
            })
            .await?;
        }
        Ok(())
    }

    /// Wait for ServiceAccount `namespace/name`'s token Secret and write a
    /// kubeconfig that authenticates with it (default namespace
    /// `namespace`), so a test can run the operator with exactly its RBAC.
    /// Needs the controller-manager (it creates the token Secrets).
    ///
    /// # Errors
    /// The controller-manager is not running, or no token appeared in time.
    pub async fn service_account_kubeconfig(&self, namespace: &str, name: &str) -> anyhow::Result<PathBuf> {
        let Some(controller_manager) = &self.controller_manager else {
            bail!("start_controller_manager() first: its serviceaccount-token controller creates the token Secrets");
        };
        let accounts = self.service_accounts();
        controller_manager
            .wait_ready(&format!("token Secret for ServiceAccount {namespace}/{name}"), SA_TOKEN_TIMEOUT, async || {
                accounts.kubeconfig(namespace, name).await.ok()
            })
            .await
    }

    /// Writes kubeconfigs that act as a ServiceAccount (for the test
    /// kubelet, which hands them to Pods as their mounted token).
    #[must_use]
    pub fn service_accounts(&self) -> ServiceAccounts {
        ServiceAccounts {
            server: self.server.clone(),
            ca_file: self.ca_file.clone(),
            dir: self.dir.path().to_path_buf(),
            config: self.config.clone(),
        }
    }

    /// The last log lines of every process (for failure messages).
    #[must_use]
    pub fn logs(&self) -> String {
        [self.controller_manager.as_ref(), Some(&self.apiserver), Some(&self.etcd)]
            .into_iter()
            .flatten()
            .map(Daemon::log_tail)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Whether every started process is still running.
    ///
    /// # Errors
    /// A process could not be polled.
    pub fn check_running(&self) -> anyhow::Result<()> {
        for daemon in [self.controller_manager.as_ref(), Some(&self.apiserver), Some(&self.etcd)].into_iter().flatten()
        {
            if let Some(status) = daemon.exit_status()? {
                bail!("{} exited ({status})\n{}", daemon.name(), daemon.log_tail());
            }
        }
        Ok(())
    }
}

/// Kubeconfigs for ServiceAccounts of a [`Cluster`] (see
/// [`Cluster::service_accounts`]).
#[derive(Debug, Clone)]
pub struct ServiceAccounts {
    server: String,
    ca_file: PathBuf,
    dir: PathBuf,
    config: kube::Config,
}

impl ServiceAccounts {
    /// A kubeconfig authenticating with ServiceAccount `namespace/name`'s
    /// token (default namespace `namespace`).
    ///
    /// # Errors
    /// Its token Secret does not exist (yet), or the file cannot be written.
    pub async fn kubeconfig(&self, namespace: &str, name: &str) -> anyhow::Result<PathBuf> {
        let client = kube::Client::try_from(self.config.clone()).context("build admin kube client")?;
        let Some(token) = service_account_token(&client, namespace, name).await? else {
            bail!("no token Secret for ServiceAccount {namespace}/{name} yet");
        };
        let path = self.dir.join(format!("sa-{namespace}-{name}.kubeconfig"));
        let user = format!("system:serviceaccount:{namespace}:{name}");
        kubeconfig::write(&path, &self.server, &self.ca_file, &user, &token, Some(namespace))?;
        Ok(path)
    }
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("server", &self.server)
            .field("dir", &self.dir.path())
            .field("controller_manager", &self.controller_manager.is_some())
            .finish_non_exhaustive()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(cm) = self.controller_manager.take() {
            cm.kill();
        }
        self.apiserver.kill();
        self.etcd.kill();
    }
}

/// Fail with kubectl's stderr unless it exited with 0; else its stdout.
fn checked(args: &[&str], output: Output) -> anyhow::Result<String> {
    if !output.status.success() {
        bail!(
            "kubectl {} failed ({}): {}{}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr),
            String::from_utf8_lossy(&output.stdout)
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Start etcd on free loopback ports (retrying when one was taken) and wait
/// for `/health`. Returns it and its client URL.
async fn start_etcd(binaries: &Binaries, root: &Path) -> anyhow::Result<(Daemon, String)> {
    let mut last_error = None;
    for attempt in 0..PORT_ATTEMPTS {
        let (client_port, peer_port) = (free_port()?, free_port()?);
        let client_url = format!("http://127.0.0.1:{client_port}");
        let peer_url = format!("http://127.0.0.1:{peer_port}");
        let args = vec![
            "--name=livematch".to_string(),
            format!("--data-dir={}", root.join(format!("etcd-{attempt}")).display()),
            format!("--listen-client-urls={client_url}"),
            format!("--advertise-client-urls={client_url}"),
            format!("--listen-peer-urls={peer_url}"),
            format!("--initial-advertise-peer-urls={peer_url}"),
            format!("--initial-cluster=livematch={peer_url}"),
            "--unsafe-no-fsync".to_string(),
        ];
        let etcd = Daemon::spawn("etcd", &binaries.etcd, &args, root, root.join(format!("etcd-{attempt}.log")))?;
        let addr = format!("127.0.0.1:{client_port}");
        let healthy = etcd
            .wait_ready("healthy /health", ETCD_TIMEOUT, async || {
                let probe = tokio::time::timeout(Duration::from_secs(2), crate::http::get(&addr, "/health")).await;
                match probe {
                    Ok(Ok((200, body))) if body.contains(r#""health":"true""#) => Some(()),
                    _ => None,
                }
            })
            .await;
        match healthy {
            // Healthy, and still ours (not another etcd that had the port).
            Ok(()) if etcd.exit_status()?.is_none() => return Ok((etcd, client_url)),
            Ok(()) => last_error = Some(anyhow::anyhow!("etcd exited after /health answered\n{}", etcd.log_tail())),
            Err(e) if etcd.lost_port_race() => last_error = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_error.unwrap_or_else(|| anyhow::anyhow!("etcd did not start")))
}

fn spawn_apiserver(
    binaries: &Binaries,
    root: &Path,
    etcd_url: &str,
    port: u16,
    attempt: usize,
) -> anyhow::Result<Daemon> {
    let sa_key = root.join("sa.key");
    let args = vec![
        format!("--etcd-servers={etcd_url}"),
        "--bind-address=127.0.0.1".to_string(),
        "--advertise-address=127.0.0.1".to_string(),
        format!("--secure-port={port}"),
        format!("--cert-dir={}", root.join("pki").display()),
        format!("--service-cluster-ip-range={SERVICE_CIDR}"),
        // The default (lease) reconciler logs an error every 10 s without nodes.
        "--endpoint-reconciler-type=none".to_string(),
        format!("--token-auth-file={}", root.join("tokens.csv").display()),
        "--authorization-mode=RBAC".to_string(),
        "--service-account-issuer=https://kubernetes.default.svc".to_string(),
        format!("--service-account-key-file={}", sa_key.display()),
        format!("--service-account-signing-key-file={}", sa_key.display()),
        "--profiling=false".to_string(),
    ];
    Daemon::spawn(
        "kube-apiserver",
        &binaries.apiserver,
        &args,
        root,
        root.join(format!("kube-apiserver-{attempt}.log")),
    )
}

/// Wait for the generated serving certificate, write the admin kubeconfig
/// trusting its CA, and poll `/readyz` until it answers `ok`.
async fn wait_apiserver(
    apiserver: &Daemon,
    root: &Path,
    port: u16,
    token: &str,
) -> anyhow::Result<(String, PathBuf, PathBuf, kube::Config, kube::Client)> {
    let cert_dir = root.join("pki");
    let ca = apiserver
        .wait_ready("serving certificate", APISERVER_TIMEOUT, async || kubeconfig::generated_ca(&cert_dir))
        .await?;
    let ca_file = root.join("ca.crt");
    std::fs::write(&ca_file, ca).context("write ca.crt")?;
    let server = format!("https://127.0.0.1:{port}");
    let kubeconfig = root.join("admin.kubeconfig");
    kubeconfig::write(&kubeconfig, &server, &ca_file, ADMIN_USER, token, None)?;
    let config = kubeconfig::config_for(&kubeconfig).await?;
    let client = kube::Client::try_from(config.clone()).context("build admin kube client")?;
    apiserver
        .wait_ready("ready /readyz", APISERVER_TIMEOUT, async || {
            // `kube::core::Request` with an empty base path builds `GET /readyz`.
            let readyz = kube::core::Request::new("").get("readyz", &GetParams::default()).ok()?;
            let probe = tokio::time::timeout(Duration::from_secs(5), client.request_text(readyz)).await;
            matches!(probe, Ok(Ok(body)) if body.trim() == "ok").then_some(())
        })
        .await?;
    Ok((server, kubeconfig, ca_file, config, client))
}

/// The token in ServiceAccount `namespace/name`'s token Secret, if any yet.
async fn service_account_token(client: &kube::Client, namespace: &str, name: &str) -> anyhow::Result<Option<String>> {
    let secrets: Api<Secret> = Api::namespaced(client.clone(), namespace);
    let list = secrets
        .list(&ListParams::default().fields(&format!("type={SA_TOKEN_TYPE}")))
        .await
        .with_context(|| format!("list token Secrets in {namespace}"))?;
    let token = list
        .items
        .into_iter()
        .filter(|s| s.metadata.annotations.as_ref().and_then(|a| a.get(SA_NAME_ANNOTATION)).is_some_and(|n| n == name))
        .find_map(|s| s.data.and_then(|mut data| data.remove("token")))
        .map(|bytes| String::from_utf8_lossy(&bytes.0).into_owned());
    Ok(token.filter(|t| !t.is_empty()))
}

/// A 2048-bit RSA private key (PEM) at `path`, for signing ServiceAccount
/// tokens.
async fn generate_rsa_key(openssl: &Path, path: &Path) -> anyhow::Result<()> {
    let output = tokio::process::Command::new(openssl)
        .arg("genrsa")
        .arg("-out")
        .arg(path)
        .arg("2048")
        .output()
        .await
        .with_context(|| format!("run {} genrsa", openssl.display()))?;
    if !output.status.success() {
        bail!("openssl genrsa failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr));
    }
    Ok(())
}

/// 128 random bits from the kernel, as hex.
fn random_token() -> anyhow::Result<String> {
    use std::io::Read;
    let mut bytes = [0_u8; 16];
    std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes)).context("read /dev/urandom")?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A free TCP port on 127.0.0.1 (bound and released; the race with other
/// processes is handled by the callers' retries).
fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("find a free port")?;
    Ok(listener.local_addr().context("read the free port")?.port())
}
