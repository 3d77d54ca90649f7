//! Where the control-plane programs are: kube-apiserver and
//! kube-controller-manager in the cache `scripts/install-k8s.sh` builds,
//! etcd, kubectl and openssl on `PATH` (Debian packages).

use std::path::{Path, PathBuf};

use anyhow::bail;

/// Environment variable overriding the cache directory (same as the script).
pub const CACHE_ENV: &str = "LIVEMATCH_K8S_CACHE";

/// How to get what is missing.
const INSTALL_HINT: &str = "run `sudo scripts/install-k8s.sh` (builds and caches Kubernetes 1.20 once, ~5 min; \
     `cargo xtask test` runs it for you)";

/// Paths of every program the test cluster runs.
#[derive(Debug, Clone)]
pub(crate) struct Binaries {
    pub(crate) etcd: PathBuf,
    pub(crate) apiserver: PathBuf,
    pub(crate) controller_manager: PathBuf,
    pub(crate) kubectl: PathBuf,
    pub(crate) openssl: PathBuf,
}

impl Binaries {
    /// Locate all of them; the error lists every missing one and how to
    /// install it.
    pub(crate) fn locate() -> anyhow::Result<Binaries> {
        let cache_bin = cache_dir().map(|dir| dir.join("bin"));
        let mut missing = Vec::new();
        let mut find = |name: &str| match find_program(name, cache_bin.as_deref()) {
            Some(path) => path,
            None => {
                missing.push(name.to_string());
                PathBuf::new()
            }
        };
        let found = Binaries {
            etcd: find("etcd"),
            apiserver: find("kube-apiserver"),
            controller_manager: find("kube-controller-manager"),
            kubectl: find("kubectl"),
            openssl: find("openssl"),
        };
        if !missing.is_empty() {
            let searched = cache_bin.map_or_else(|| "PATH".to_string(), |d| format!("{} and PATH", d.display()));
            bail!("not found in {searched}: {}; {INSTALL_HINT}", missing.join(", "));
        }
        Ok(found)
    }
}

/// `$LIVEMATCH_K8S_CACHE`, else `~/.cache/livematch/k8s-1.20`.
fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(CACHE_ENV) {
        return Some(PathBuf::from(dir));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/livematch/k8s-1.20"))
}

/// `name` in `first` (when given), else in a `PATH` directory.
fn find_program(name: &str, first: Option<&Path>) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    first
        .into_iter()
        .map(Path::to_path_buf)
        .chain(std::env::split_paths(&path))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}
