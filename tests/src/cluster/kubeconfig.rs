//! Kubeconfig files for the test cluster, readable by `kubectl` and by
//! `kube::Config::from_custom_kubeconfig` (JSON is valid YAML).

use std::path::Path;

use anyhow::Context;

/// Name of the cluster and context entries.
const CLUSTER_NAME: &str = "livematch-test";

/// Write a kubeconfig at `path` for `server`, trusting the CA in `ca_file`
/// and authenticating `user` with a bearer `token`. `namespace` becomes the
/// context's default namespace (what `kube::Client::default_namespace` and
/// `kubectl` use when none is given).
pub(crate) fn write(
    path: &Path,
    server: &str,
    ca_file: &Path,
    user: &str,
    token: &str,
    namespace: Option<&str>,
) -> anyhow::Result<()> {
    let mut context = serde_json::json!({ "cluster": CLUSTER_NAME, "user": user });
    if let Some(ns) = namespace {
        context["namespace"] = ns.into();
    }
    let config = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{
            "name": CLUSTER_NAME,
            "cluster": { "server": server, "certificate-authority": ca_file },
        }],
        "users": [{ "name": user, "user": { "token": token } }],
        "contexts": [{ "name": CLUSTER_NAME, "context": context }],
        "current-context": CLUSTER_NAME,
    });
    let text = serde_json::to_string_pretty(&config).context("serialize kubeconfig")?;
    std::fs::write(path, text).with_context(|| format!("write kubeconfig {}", path.display()))
}

/// The CA certificate from the serving certificate the API server generated
/// in its `--cert-dir`: `apiserver.crt` holds the serving certificate
/// followed by the self-signed CA that issued it (the last PEM block).
/// `None` until the API server has written both the certificate and its key
/// (the key comes second, so the certificate is complete by then).
pub(crate) fn generated_ca(cert_dir: &Path) -> Option<String> {
    if !cert_dir.join("apiserver.key").is_file() {
        return None;
    }
    let pem = std::fs::read_to_string(cert_dir.join("apiserver.crt")).ok()?;
    let begin = pem.rfind("-----BEGIN CERTIFICATE-----")?;
    let end_marker = "-----END CERTIFICATE-----";
    let end = begin + pem[begin..].find(end_marker)? + end_marker.len();
    Some(format!("{}\n", &pem[begin..end]))
}

/// A kube client for an arbitrary kubeconfig file (e.g. one written by
/// [`Cluster::service_account_kubeconfig`](super::Cluster::service_account_kubeconfig)).
///
/// # Errors
/// The file cannot be read or does not describe a usable cluster.
pub async fn client_for(kubeconfig: &Path) -> anyhow::Result<kube::Client> {
    let config = config_for(kubeconfig).await?;
    kube::Client::try_from(config).with_context(|| format!("kube client for {}", kubeconfig.display()))
}

/// The `kube::Config` a kubeconfig file describes (its current context).
pub(crate) async fn config_for(kubeconfig: &Path) -> anyhow::Result<kube::Config> {
    let file = kube::config::Kubeconfig::read_from(kubeconfig)
        .with_context(|| format!("read kubeconfig {}", kubeconfig.display()))?;
    kube::Config::from_custom_kubeconfig(file, &kube::config::KubeConfigOptions::default())
        .await
        .with_context(|| format!("load kubeconfig {}", kubeconfig.display()))
}
