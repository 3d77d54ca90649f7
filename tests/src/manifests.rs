//! The deployment artefacts as data, for tests that check them against the
//! code: the Dockerfile's final image ([`dockerfile`]) and the
//! kustomizations under `k8s/`, rendered by `kubectl kustomize` (kubectl
//! from `PATH`, as in [`crate::cluster`]) into JSON objects.
//!
//! [`render_with`] wraps a kustomization with extra components in a
//! temporary kustomization (kustomize accepts only relative paths, so it
//! links them relatively), e.g. `k8s/components/kubernetes-1.20` to send a
//! kustomization to the 1.20 test API server.

pub mod dockerfile;

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail, ensure};
use serde_json::{Value, json};

pub use dockerfile::Dockerfile;

/// The workspace root (the parent of this crate).
#[must_use]
pub fn repo_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = here.parent().unwrap_or(here);
    root.canonicalize().unwrap_or_else(|_| root.to_path_buf())
}

/// `k8s/` of the workspace.
#[must_use]
pub fn k8s_dir() -> PathBuf {
    repo_root().join("k8s")
}

/// The `kubectl` on `PATH`.
///
/// # Errors
/// There is none.
pub fn kubectl() -> anyhow::Result<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("kubectl"))
        .find(|p| p.is_file())
        .context("kubectl not found on PATH (Debian package kubectl; `cargo xtask test` installs it)")
}

/// Every directory under `k8s/` holding a `kustomization.yaml` of kind
/// `Kustomization` (components cannot be built alone), sorted.
///
/// # Errors
/// A directory cannot be read.
pub fn kustomizations() -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![k8s_dir()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).with_context(|| format!("read {}", dir.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.file_name().is_some_and(|n| n == "kustomization.yaml") {
                let text = std::fs::read_to_string(&path).with_context(|| format!("read {}", path.display()))?;
                if !text.lines().any(|l| l.trim() == "kind: Component") {
                    found.push(dir.clone());
                }
            }
        }
    }
    found.sort();
    Ok(found)
}

/// `kubectl kustomize DIR`, as YAML.
///
/// # Errors
/// kubectl failed (its stderr is in the message).
pub fn kustomize(dir: &Path) -> anyhow::Result<String> {
    let output = Command::new(kubectl()?)
        .arg("kustomize")
        .arg(dir)
        .output()
        .with_context(|| format!("run kubectl kustomize {}", dir.display()))?;
    if !output.status.success() {
        bail!("kubectl kustomize {} failed: {}", dir.display(), String::from_utf8_lossy(&output.stderr));
    }
    String::from_utf8(output.stdout).context("kubectl kustomize printed non-UTF-8")
}

/// The objects `kubectl kustomize DIR` builds.
///
/// # Errors
/// kubectl failed, or its output is not YAML.
pub fn render(dir: &Path) -> anyhow::Result<Vec<Value>> {
    parse_yaml_stream(&kustomize(dir)?).with_context(|| format!("parse the build of {}", dir.display()))
}

/// The objects of `dir` built with `components` added, through a temporary
/// kustomization that refers to both (by relative paths).
///
/// # Errors
/// kubectl failed, or its output is not YAML.
pub fn render_with(dir: &Path, components: &[&Path]) -> anyhow::Result<Vec<Value>> {
    let wrapper = tempfile::Builder::new().prefix("livematch-kustomize-").tempdir().context("temp dir")?;
    let base = wrapper.path().canonicalize().context("canonicalize the temp dir")?;
    let relative = |p: &Path| -> anyhow::Result<String> {
        let target = p.canonicalize().with_context(|| format!("canonicalize {}", p.display()))?;
        Ok(relative_path(&base, &target).to_string_lossy().into_owned())
    };
    let mut text = String::from("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n");
    text.push_str(&format!("  - {}\ncomponents:\n", relative(dir)?));
    for component in components {
        text.push_str(&format!("  - {}\n", relative(component)?));
    }
    std::fs::write(base.join("kustomization.yaml"), text).context("write the wrapper kustomization")?;
    render(&base)
}

/// The path from directory `from` to `to`, both absolute.
#[must_use]
pub fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component<'_>> = from.components().collect();
    let to: Vec<Component<'_>> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for part in &to[common..] {
        out.push(part.as_os_str());
    }
    out
}

/// The documents of a YAML stream as JSON values (empty documents
/// dropped). Documents are split at `---` lines, as kubectl writes them.
///
/// # Errors
/// A document is not YAML.
pub fn parse_yaml_stream(text: &str) -> anyhow::Result<Vec<Value>> {
    let mut objects = Vec::new();
    let mut document = String::new();
    let mut flush = |document: &mut String| -> anyhow::Result<()> {
        let blank = document.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
        if !blank {
            let value: Value =
                serde_norway::from_str(document).with_context(|| format!("a YAML document:\n{document}"))?;
            if !value.is_null() {
                objects.push(value);
            }
        }
        document.clear();
        Ok(())
    };
    for line in text.lines() {
        if line.trim_end() == "---" {
            flush(&mut document)?;
        } else {
            document.push_str(line);
            document.push('\n');
        }
    }
    flush(&mut document)?;
    Ok(objects)
}

/// Objects as one `kind: List`, for `kubectl apply -f -`.
#[must_use]
pub fn as_list(objects: &[Value]) -> Value {
    json!({"apiVersion": "v1", "kind": "List", "items": objects})
}

/// `Kind namespace/name` (or `Kind name` for cluster objects), for messages.
#[must_use]
pub fn describe(object: &Value) -> String {
    let kind = object["kind"].as_str().unwrap_or("?");
    let name = object["metadata"]["name"].as_str().unwrap_or("?");
    match object["metadata"]["namespace"].as_str() {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    }
}

/// The object of `kind` named `name`.
#[must_use]
pub fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> Option<&'a Value> {
    objects.iter().find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
}

/// The objects of `kind`.
pub fn of_kind<'a>(objects: &'a [Value], kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    objects.iter().filter(move |o| o["kind"] == kind)
}

/// Kinds whose `spec.template` is a pod template.
pub const WORKLOAD_KINDS: [&str; 5] = ["Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"];

/// `(workload, pod spec)` of every workload's pod template.
#[must_use]
pub fn pod_specs(objects: &[Value]) -> Vec<(&Value, &Value)> {
    objects
        .iter()
        .filter(|o| o["kind"].as_str().is_some_and(|k| WORKLOAD_KINDS.contains(&k)))
        .map(|o| (o, &o["spec"]["template"]["spec"]))
        .collect()
}

/// The container `name` of a pod spec.
#[must_use]
pub fn container<'a>(pod_spec: &'a Value, name: &str) -> Option<&'a Value> {
    pod_spec["containers"].as_array()?.iter().find(|c| c["name"] == name)
}

/// The containers and init containers of a pod spec.
#[must_use]
pub fn containers(pod_spec: &Value) -> Vec<&Value> {
    ["initContainers", "containers"].iter().filter_map(|key| pod_spec[*key].as_array()).flatten().collect()
}

/// The kinds that make up RBAC and what it refers to.
pub const RBAC_KINDS: [&str; 6] =
    ["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"];

/// The Namespace, ServiceAccount, Role and binding objects of `objects`.
#[must_use]
pub fn rbac(objects: &[Value]) -> Vec<Value> {
    objects.iter().filter(|o| o["kind"].as_str().is_some_and(|k| RBAC_KINDS.contains(&k))).cloned().collect()
}

/// What one environment variable of a container gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    /// A literal (`value`, or a key of a ConfigMap or Secret in `objects`).
    Text(String),
    /// From the downward API (`fieldRef.fieldPath`).
    Field(String),
}

/// The environment of `container` in a pod of `namespace`, as a kubelet
/// builds it: `envFrom` sources in order (later ones win), then `env`
/// (which wins over them); ConfigMaps and Secrets looked up in `objects`.
/// A missing optional source is skipped.
///
/// # Errors
/// A required ConfigMap, Secret or key is not in `objects`, or a value
/// source this function does not know.
pub fn container_env(
    objects: &[Value],
    namespace: &str,
    container: &Value,
) -> anyhow::Result<BTreeMap<String, EnvValue>> {
    let lookup = |kind: &str, name: &str| -> Option<BTreeMap<String, String>> {
        let object = objects.iter().find(|o| {
            o["kind"] == kind && o["metadata"]["name"] == name && o["metadata"]["namespace"].as_str() == Some(namespace)
        })?;
        Some(string_data(object))
    };
    let mut env = BTreeMap::new();
    for source in container["envFrom"].as_array().into_iter().flatten() {
        let prefix = source["prefix"].as_str().unwrap_or_default();
        let (kind, reference) = if source["configMapRef"].is_object() {
            ("ConfigMap", &source["configMapRef"])
        } else if source["secretRef"].is_object() {
            ("Secret", &source["secretRef"])
        } else {
            bail!("envFrom source {source} is neither configMapRef nor secretRef");
        };
        let name = reference["name"].as_str().context("envFrom without a name")?;
        match lookup(kind, name) {
            Some(data) => {
                for (k, v) in data {
                    env.insert(format!("{prefix}{k}"), EnvValue::Text(v));
                }
            }
            None if reference["optional"] == true => {}
            None => bail!("envFrom {kind} {namespace}/{name} is not among the objects"),
        }
    }
    for var in container["env"].as_array().into_iter().flatten() {
        let name = var["name"].as_str().context("env without a name")?.to_owned();
        let value = if let Some(text) = var["value"].as_str() {
            Some(EnvValue::Text(text.to_owned()))
        } else if let Some(path) = var["valueFrom"]["fieldRef"]["fieldPath"].as_str() {
            Some(EnvValue::Field(path.to_owned()))
        } else {
            let (kind, reference) = if var["valueFrom"]["configMapKeyRef"].is_object() {
                ("ConfigMap", &var["valueFrom"]["configMapKeyRef"])
            } else if var["valueFrom"]["secretKeyRef"].is_object() {
                ("Secret", &var["valueFrom"]["secretKeyRef"])
            } else if var["valueFrom"].is_null() {
                // `value` left out: the empty string.
                ("", &Value::Null)
            } else {
                bail!("env {name}: value source {} is not supported here", var["valueFrom"]);
            };
            if kind.is_empty() {
                Some(EnvValue::Text(String::new()))
            } else {
                let source = reference["name"].as_str().unwrap_or_default();
                let key = reference["key"].as_str().unwrap_or_default();
                match lookup(kind, source).and_then(|d| d.get(key).cloned()) {
                    Some(v) => Some(EnvValue::Text(v)),
                    None if reference["optional"] == true => None,
                    None => bail!("env {name}: {kind} {namespace}/{source} key {key} is not among the objects"),
                }
            }
        };
        if let Some(value) = value {
            env.insert(name, value);
        }
    }
    Ok(env)
}

/// A ConfigMap's `data`, or a Secret's `stringData` and `data` (decoded).
fn string_data(object: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (k, v) in object["data"].as_object().into_iter().flatten() {
        let text = v.as_str().unwrap_or_default();
        let value = if object["kind"] == "Secret" { base64_decode(text).unwrap_or_default() } else { text.to_owned() };
        out.insert(k.clone(), value);
    }
    for (k, v) in object["stringData"].as_object().into_iter().flatten() {
        out.insert(k.clone(), v.as_str().unwrap_or_default().to_owned());
    }
    out
}

/// Standard base64 (Secret `data`), as UTF-8 text.
fn base64_decode(text: &str) -> Option<String> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0_u32;
    let mut count = 0;
    let mut out = Vec::new();
    for byte in text.bytes().filter(|b| !b.is_ascii_whitespace() && *b != b'=') {
        let index = ALPHABET.iter().position(|a| *a == byte)?;
        bits = (bits << 6) | u32::try_from(index).ok()?;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push(u8::try_from((bits >> count) & 0xff).ok()?);
        }
    }
    String::from_utf8(out).ok()
}

/// A container port by name or number (a probe's `port`): its number.
///
/// # Errors
/// The container declares no such port.
pub fn container_port(container: &Value, port: &Value) -> anyhow::Result<i64> {
    let ports = container["ports"].as_array().map(Vec::as_slice).unwrap_or_default();
    let found = match port {
        Value::String(name) => ports.iter().find(|p| p["name"] == name.as_str()),
        Value::Number(n) => ports.iter().find(|p| p["containerPort"].as_i64() == n.as_i64()),
        _ => None,
    };
    let number = found.and_then(|p| p["containerPort"].as_i64());
    ensure!(number.is_some(), "container {} declares no port {port}", container["name"]);
    number.context("port number")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_then_descend() {
        assert_eq!(
            relative_path(Path::new("/tmp/a/b"), Path::new("/work/k8s/base")),
            Path::new("../../../work/k8s/base")
        );
        assert_eq!(relative_path(Path::new("/work"), Path::new("/work/k8s")), Path::new("k8s"));
    }

    #[test]
    fn env_follows_kubelet_precedence() {
        let objects = vec![
            json!({"kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "ns"}, "data": {"A": "from-cm", "B": "from-cm"}}),
            json!({"kind": "Secret", "metadata": {"name": "sec", "namespace": "ns"}, "data": {"B": "ZnJvbS1zZWNyZXQ="}}),
        ];
        let container = json!({
            "name": "c",
            "envFrom": [{"configMapRef": {"name": "cfg"}}, {"secretRef": {"name": "sec"}}, {"secretRef": {"name": "gone", "optional": true}}],
            "env": [{"name": "A", "value": "explicit"}, {"name": "P", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]
        });
        let env = container_env(&objects, "ns", &container).expect("env");
        assert_eq!(env["A"], EnvValue::Text("explicit".into()));
        assert_eq!(env["B"], EnvValue::Text("from-secret".into()), "a later envFrom source wins");
        assert_eq!(env["P"], EnvValue::Field("metadata.name".into()));
        let missing = json!({"name": "c", "envFrom": [{"configMapRef": {"name": "nope"}}]});
        assert!(container_env(&objects, "ns", &missing).is_err(), "a required source must exist");
        assert!(container_env(&objects, "other", &container).is_err(), "sources are looked up in the pod's namespace");
    }

    #[test]
    fn yaml_streams_become_objects() {
        let objects = parse_yaml_stream("---\na: 1\n---\n---\nkind: X\n").expect("yaml");
        assert_eq!(objects, vec![json!({"a": 1}), json!({"kind": "X"})]);
    }
}
