//! From a Pod to local command lines, the way a kubelet prepares
//! containers: program, arguments, environment, volumes, ports and probes.
//!
//! Pure: the caller fetches the ConfigMaps and Secrets the pod refers to
//! ([`Sources`]) and hands out free host ports. A pod here shares one
//! loopback "network namespace" with every other pod, so each declared
//! container port gets a free host port, and any argument or environment
//! value that binds it (`0.0.0.0:9090`, `:9090`, `--x=127.0.0.1:9090`) is
//! rewritten to `127.0.0.1:HOST_PORT`. Volume mount paths that appear at the
//! start of an argument or value (`/replay/match.json`) are rewritten to the
//! pod's directory, where the volume's files are written; so are paths of
//! the image's own files ([`Programs::image_paths`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use k8s_openapi::api::core::v1::{Container, EnvVar, Pod, Probe, Volume};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// Default `terminationGracePeriodSeconds`.
const DEFAULT_GRACE: Duration = Duration::from_secs(30);
/// Hosts that mean "listen here" in a bind address.
const BIND_HOSTS: [&str; 5] = ["", "0.0.0.0", "127.0.0.1", "localhost", "[::]"];

/// Why a pod's containers cannot be started (a kubelet reports these as
/// `CreateContainerConfigError`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LaunchError {
    #[error("configmap \"{0}\" not found")]
    MissingConfigMap(String),
    #[error("secret \"{0}\" not found")]
    MissingSecret(String),
    #[error("couldn't find key {key} in {kind} {name}")]
    MissingKey { kind: &'static str, name: String, key: String },
    #[error("container {container}: program {program:?} is not one this kubelet can run (known: {known})")]
    UnknownProgram { container: String, program: String, known: String },
    #[error("container {container}: no command and no default entrypoint")]
    NoCommand { container: String },
    #[error("{0} is not supported by the test kubelet")]
    Unsupported(String),
    #[error("probe of container {container} names port {port}, which it does not declare")]
    UnknownPort { container: String, port: String },
}

/// ConfigMap and Secret data the pod refers to (`name → key → value`).
#[derive(Debug, Default, Clone)]
pub struct Sources {
    pub config_maps: BTreeMap<String, BTreeMap<String, String>>,
    pub secrets: BTreeMap<String, BTreeMap<String, String>>,
}

/// What the kubelet knows how to run.
#[derive(Debug, Clone, Default)]
pub struct Programs {
    /// Program file name (`livematch`) → local binary.
    pub binaries: BTreeMap<String, PathBuf>,
    /// The image's entrypoint, for containers that set only `args`.
    pub entrypoint: Vec<String>,
    /// Paths inside the image (`/usr/share/livematch/public`) → local
    /// paths, rewritten in arguments and environment values like mounts.
    pub image_paths: BTreeMap<String, PathBuf>,
}

/// An HTTP or TCP probe against a host port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortProbe {
    /// `None`: a TCP connect probe.
    pub path: Option<String>,
    pub port: u16,
    pub period: Duration,
    pub initial_delay: Duration,
    pub failure_threshold: u32,
}

/// One container, ready to start.
#[derive(Debug, Clone, PartialEq)]
pub struct Launch {
    pub name: String,
    pub image: String,
    pub program: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub readiness: Option<PortProbe>,
    pub liveness: Option<PortProbe>,
}

/// A whole pod, ready to start.
#[derive(Debug, Clone, PartialEq)]
pub struct PodPlan {
    pub containers: Vec<Launch>,
    /// Files to write before starting (volume contents), with their paths.
    pub files: Vec<(PathBuf, Vec<u8>)>,
    /// Directories to create (volumes, including empty ones).
    pub dirs: Vec<PathBuf>,
    /// Declared container port → host port.
    pub ports: BTreeMap<i32, u16>,
    pub grace: Duration,
    /// `Always`, `OnFailure` or `Never`.
    pub restart_policy: String,
}

/// The ConfigMaps and Secrets `pod` refers to (volumes, `env`, `envFrom`),
/// as `(config_maps, secrets)`.
#[must_use]
pub fn referenced_sources(pod: &Pod) -> (Vec<String>, Vec<String>) {
    let (mut cms, mut secrets) = (Vec::new(), Vec::new());
    let Some(spec) = &pod.spec else { return (cms, secrets) };
    for v in spec.volumes.iter().flatten() {
        cms.extend(v.config_map.as_ref().map(|c| c.name.clone()));
        secrets.extend(v.secret.as_ref().and_then(|s| s.secret_name.clone()));
    }
    for c in &spec.containers {
        for e in c.env.iter().flatten().filter_map(|e| e.value_from.as_ref()) {
            cms.extend(e.config_map_key_ref.as_ref().map(|r| r.name.clone()));
            secrets.extend(e.secret_key_ref.as_ref().map(|r| r.name.clone()));
        }
        for f in c.env_from.iter().flatten() {
            cms.extend(f.config_map_ref.as_ref().map(|r| r.name.clone()));
            secrets.extend(f.secret_ref.as_ref().map(|r| r.name.clone()));
        }
    }
    cms.sort();
    cms.dedup();
    secrets.sort();
    secrets.dedup();
    (cms, secrets)
}

/// Plan `pod`'s containers in `pod_dir`, taking host ports from `next_port`.
///
/// # Errors
/// A referenced ConfigMap, Secret or key is missing, a program is unknown,
/// or the pod uses something this kubelet does not emulate.
pub fn plan(
    pod: &Pod,
    programs: &Programs,
    sources: &Sources,
    pod_dir: &Path,
    mut next_port: impl FnMut() -> u16,
) -> Result<PodPlan, LaunchError> {
    let spec = pod.spec.clone().unwrap_or_default();
    if spec.init_containers.as_ref().is_some_and(|c| !c.is_empty()) {
        return Err(LaunchError::Unsupported("initContainers".into()));
    }
    let mut ports = BTreeMap::new();
    for c in &spec.containers {
        for p in c.ports.iter().flatten() {
            ports.entry(p.container_port).or_insert_with(&mut next_port);
        }
    }
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    let mut volume_dirs = BTreeMap::new();
    for v in spec.volumes.iter().flatten() {
        let dir = pod_dir.join("volumes").join(&v.name);
        files.extend(volume_files(v, sources)?.into_iter().map(|(rel, data)| (dir.join(rel), data)));
        dirs.push(dir.clone());
        volume_dirs.insert(v.name.clone(), dir);
    }
    let containers = spec
        .containers
        .iter()
        .map(|c| container(pod, c, programs, sources, &ports, &volume_dirs))
        .collect::<Result<Vec<_>, _>>()?;
    let grace = spec
        .termination_grace_period_seconds
        .map_or(DEFAULT_GRACE, |s| Duration::from_secs(u64::try_from(s).unwrap_or(0)));
    let restart_policy = spec.restart_policy.unwrap_or_else(|| "Always".into());
    Ok(PodPlan { containers, files, dirs, ports, grace, restart_policy })
}

fn volume_files(v: &Volume, sources: &Sources) -> Result<Vec<(String, Vec<u8>)>, LaunchError> {
    if let Some(cm) = &v.config_map {
        let optional = cm.optional.unwrap_or(false);
        let Some(data) = sources.config_maps.get(&cm.name) else {
            return if optional { Ok(Vec::new()) } else { Err(LaunchError::MissingConfigMap(cm.name.clone())) };
        };
        return select_items(data, cm.items.as_deref(), "configmap", &cm.name);
    }
    if let Some(secret) = &v.secret {
        let name = secret.secret_name.clone().unwrap_or_default();
        let optional = secret.optional.unwrap_or(false);
        let Some(data) = sources.secrets.get(&name) else {
            return if optional { Ok(Vec::new()) } else { Err(LaunchError::MissingSecret(name)) };
        };
        return select_items(data, secret.items.as_deref(), "secret", &name);
    }
    if v.empty_dir.is_some() {
        return Ok(Vec::new());
    }
    Err(LaunchError::Unsupported(format!("volume {} (only configMap, secret and emptyDir)", v.name)))
}

fn select_items(
    data: &BTreeMap<String, String>,
    items: Option<&[k8s_openapi::api::core::v1::KeyToPath]>,
    kind: &'static str,
    name: &str,
) -> Result<Vec<(String, Vec<u8>)>, LaunchError> {
    match items {
        None => Ok(data.iter().map(|(k, v)| (k.clone(), v.clone().into_bytes())).collect()),
        Some(items) => items
            .iter()
            .map(|item| {
                data.get(&item.key)
                    .map(|v| (item.path.clone(), v.clone().into_bytes()))
                    .ok_or_else(|| LaunchError::MissingKey { kind, name: name.to_owned(), key: item.key.clone() })
            })
            .collect(),
    }
}

fn container(
    pod: &Pod,
    c: &Container,
    programs: &Programs,
    sources: &Sources,
    ports: &BTreeMap<i32, u16>,
    volume_dirs: &BTreeMap<String, PathBuf>,
) -> Result<Launch, LaunchError> {
    let mut mounts: Vec<(String, PathBuf)> = Vec::new();
    for m in c.volume_mounts.iter().flatten() {
        let Some(dir) = volume_dirs.get(&m.name) else {
            return Err(LaunchError::Unsupported(format!("mount of undeclared volume {}", m.name)));
        };
        let host = m.sub_path.as_deref().filter(|s| !s.is_empty()).map_or_else(|| dir.clone(), |s| dir.join(s));
        mounts.push((m.mount_path.trim_end_matches('/').to_owned(), host));
    }
    // Longest mount path first, so `/a/b` wins over `/a`; then the image's own files.
    mounts.sort_by_key(|m| std::cmp::Reverse(m.0.len()));
    mounts.extend(
        programs.image_paths.iter().map(|(inside, local)| (inside.trim_end_matches('/').to_owned(), local.clone())),
    );
    let rewrite = |value: &str| rewrite_ports(&rewrite_paths(value, &mounts), ports);

    let env = environment(pod, c, sources)?;
    let expand = |s: &str| expand_vars(s, &env);
    let mut line: Vec<String> = match &c.command {
        Some(cmd) if !cmd.is_empty() => cmd.iter().map(|s| expand(s)).collect(),
        _ if !programs.entrypoint.is_empty() => programs.entrypoint.clone(),
        _ => return Err(LaunchError::NoCommand { container: c.name.clone() }),
    };
    line.extend(c.args.iter().flatten().map(|s| expand(s)));
    let program_name = Path::new(&line[0]).file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let program = programs.binaries.get(&program_name).cloned().ok_or_else(|| LaunchError::UnknownProgram {
        container: c.name.clone(),
        program: line[0].clone(),
        known: programs.binaries.keys().cloned().collect::<Vec<_>>().join(", "),
    })?;
    let named: BTreeMap<String, i32> =
        c.ports.iter().flatten().filter_map(|p| p.name.clone().map(|n| (n, p.container_port))).collect();
    let probe = |p: Option<&Probe>| p.map(|p| port_probe(&c.name, p, &named, ports)).transpose();
    Ok(Launch {
        name: c.name.clone(),
        image: c.image.clone().unwrap_or_default(),
        program,
        args: line[1..].iter().map(|a| rewrite(a)).collect(),
        env: env.into_iter().map(|(k, v)| (k, rewrite(&v))).collect(),
        readiness: probe(c.readiness_probe.as_ref())?,
        liveness: probe(c.liveness_probe.as_ref())?,
    })
}

/// The container's environment, in declaration order (`envFrom` first).
fn environment(pod: &Pod, c: &Container, sources: &Sources) -> Result<Vec<(String, String)>, LaunchError> {
    let mut env: Vec<(String, String)> = Vec::new();
    let set = |env: &mut Vec<(String, String)>, name: String, value: String| {
        env.retain(|(k, _)| *k != name);
        env.push((name, value));
    };
    for from in c.env_from.iter().flatten() {
        let prefix = from.prefix.clone().unwrap_or_default();
        let data = if let Some(r) = &from.config_map_ref {
            lookup_all(&sources.config_maps, &r.name, r.optional, LaunchError::MissingConfigMap(r.name.clone()))?
        } else if let Some(r) = &from.secret_ref {
            lookup_all(&sources.secrets, &r.name, r.optional, LaunchError::MissingSecret(r.name.clone()))?
        } else {
            BTreeMap::new()
        };
        for (k, v) in data {
            set(&mut env, format!("{prefix}{k}"), v);
        }
    }
    for e in c.env.iter().flatten() {
        if let Some(value) = env_value(pod, e, sources, &env)? {
            set(&mut env, e.name.clone(), value);
        }
    }
    Ok(env)
}

fn lookup_all(
    all: &BTreeMap<String, BTreeMap<String, String>>,
    name: &str,
    optional: Option<bool>,
    missing: LaunchError,
) -> Result<BTreeMap<String, String>, LaunchError> {
    match all.get(name) {
        Some(data) => Ok(data.clone()),
        None if optional.unwrap_or(false) => Ok(BTreeMap::new()),
        None => Err(missing),
    }
}

fn env_value(
    pod: &Pod,
    e: &EnvVar,
    sources: &Sources,
    earlier: &[(String, String)],
) -> Result<Option<String>, LaunchError> {
    let Some(from) = &e.value_from else {
        return Ok(Some(expand_vars(e.value.as_deref().unwrap_or(""), earlier)));
    };
    if let Some(f) = &from.field_ref {
        let meta = &pod.metadata;
        let spec = pod.spec.as_ref();
        let value = match f.field_path.as_str() {
            "metadata.name" => meta.name.clone(),
            "metadata.namespace" => meta.namespace.clone(),
            "metadata.uid" => meta.uid.clone(),
            "spec.nodeName" => Some("localhost".to_owned()),
            "spec.serviceAccountName" => spec.and_then(|s| s.service_account_name.clone()),
            "status.podIP" | "status.hostIP" => Some("127.0.0.1".to_owned()),
            other => return Err(LaunchError::Unsupported(format!("env fieldRef {other}"))),
        };
        return Ok(Some(value.unwrap_or_default()));
    }
    let (kind, all, r) = if let Some(r) = &from.config_map_key_ref {
        ("configmap", &sources.config_maps, (&r.name, &r.key, r.optional))
    } else if let Some(r) = &from.secret_key_ref {
        ("secret", &sources.secrets, (&r.name, &r.key, r.optional))
    } else {
        return Err(LaunchError::Unsupported(format!("env {} valueFrom resourceFieldRef", e.name)));
    };
    let (name, key, optional) = r;
    let optional = optional.unwrap_or(false);
    match all.get(name).map(|data| data.get(key)) {
        Some(Some(v)) => Ok(Some(v.clone())),
        _ if optional => Ok(None),
        None if kind == "configmap" => Err(LaunchError::MissingConfigMap(name.clone())),
        None => Err(LaunchError::MissingSecret(name.clone())),
        Some(None) => Err(LaunchError::MissingKey { kind, name: name.clone(), key: key.clone() }),
    }
}

/// Kubernetes' `$(VAR)` expansion; `$$` escapes, unknown names stay as is.
#[must_use]
pub fn expand_vars(s: &str, env: &[(String, String)]) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('(')
            && let Some(end) = body.find(')')
            && let Some((_, v)) = env.iter().rev().find(|(k, _)| *k == body[..end])
        {
            out.push_str(v);
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// `/replay/match.json` → `<volume dir>/match.json` for a mount at `/replay`;
/// also in `--flag=/path`, and in the `key=/path` items of a comma-separated
/// list of properties (`LIVEMATCH_KAFKA_OPTIONS=ssl.ca.location=/etc/...`).
fn rewrite_paths(value: &str, mounts: &[(String, PathBuf)]) -> String {
    if value.contains(',') && !value.starts_with('/') {
        return value.split(',').map(|item| rewrite_path(item, mounts)).collect::<Vec<_>>().join(",");
    }
    rewrite_path(value, mounts)
}

fn rewrite_path(value: &str, mounts: &[(String, PathBuf)]) -> String {
    // `--flag=/path` or `key=/path` as well as `/path`.
    let (head, path) = match value.split_once('=') {
        Some((key, p)) if p.starts_with('/') => (format!("{key}="), p),
        _ => (String::new(), value),
    };
    for (mount, host) in mounts {
        if path == mount.as_str() {
            return format!("{head}{}", host.display());
        }
        if let Some(rest) = path.strip_prefix(mount.as_str()).and_then(|r| r.strip_prefix('/')) {
            return format!("{head}{}", host.join(rest).display());
        }
    }
    value.to_owned()
}

/// `0.0.0.0:9090` → `127.0.0.1:HOST_PORT` for a declared port 9090.
fn rewrite_ports(value: &str, ports: &BTreeMap<i32, u16>) -> String {
    let Some((before, port)) = value.rsplit_once(':') else { return value.to_owned() };
    let Some(host_port) = port.parse::<i32>().ok().and_then(|p| ports.get(&p)) else { return value.to_owned() };
    let (head, host) = match before.rsplit_once('=') {
        Some((flag, host)) => (format!("{flag}="), host),
        None => (String::new(), before),
    };
    if BIND_HOSTS.contains(&host) { format!("{head}127.0.0.1:{host_port}") } else { value.to_owned() }
}

fn port_probe(
    container: &str,
    p: &Probe,
    named: &BTreeMap<String, i32>,
    ports: &BTreeMap<i32, u16>,
) -> Result<PortProbe, LaunchError> {
    let (path, port) = if let Some(http) = &p.http_get {
        (Some(http.path.clone().unwrap_or_else(|| "/".into())), &http.port)
    } else if let Some(tcp) = &p.tcp_socket {
        (None, &tcp.port)
    } else {
        return Err(LaunchError::Unsupported(format!("container {container}: exec or gRPC probes")));
    };
    let unknown = || LaunchError::UnknownPort { container: container.to_owned(), port: port_text(port) };
    let container_port = match port {
        IntOrString::Int(n) => *n,
        IntOrString::String(name) => *named.get(name).ok_or_else(unknown)?,
    };
    let host = *ports.get(&container_port).ok_or_else(unknown)?;
    let secs =
        |v: Option<i32>, default: u64| Duration::from_secs(v.and_then(|v| u64::try_from(v).ok()).unwrap_or(default));
    Ok(PortProbe {
        path,
        port: host,
        period: secs(p.period_seconds, 10),
        initial_delay: secs(p.initial_delay_seconds, 0),
        failure_threshold: p.failure_threshold.and_then(|v| u32::try_from(v).ok()).unwrap_or(3).max(1),
    })
}

fn port_text(port: &IntOrString) -> String {
    match port {
        IntOrString::Int(n) => n.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

#[cfg(test)]
mod tests;
