//! The deployment manifests under k8s/ and the Dockerfile, checked against
//! a real API server and against the code rather than hoped right:
//!
//! * every kustomization builds (`kubectl kustomize`), and a real
//!   kube-apiserver 1.20 accepts all of it (`kubectl apply --dry-run=server`)
//!   in its 1.20 form (k8s/components/kubernetes-1.20), which differs from
//!   the shipped form only in the HPA and PDB API versions; the shipped base
//!   fails on 1.20 for exactly those two kinds;
//! * every pod meets the restricted Pod Security Standard and has resources,
//!   probes on declared ports and a termination grace period;
//! * the operator and gateway run binaries the image installs, the gateway's
//!   arguments parse, its ports agree with its probes and Service, its web
//!   app directory is in the image, and `LIVEMATCH_IMAGE` (the workers'
//!   image) follows the operator's image in every overlay;
//! * the real `livematch` binary, started with the gateway Deployment's
//!   arguments and configuration, answers its probes and stops on SIGTERM
//!   within the pod's grace period.
//!
//! The operator with exactly the RBAC of k8s/base is run through a match's
//! lifecycle by operator/tests/cluster_rbac.rs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use clap::Parser as _;
use livematch_e2e::cluster::Cluster;
use livematch_e2e::manifests::{
    self, Dockerfile, EnvValue, as_list, container, container_env, container_port, describe, find, k8s_dir, pod_specs,
    render, render_with, repo_root,
};
use livematch_e2e::process::{Worker, free_port};
use livematch_e2e::redis::RedisServer;
use livematch_workers::cli::{Cli, Command};
use serde_json::Value;

/// The component that makes a kustomization fit Kubernetes 1.20.
fn legacy_component() -> PathBuf {
    k8s_dir().join("components/kubernetes-1.20")
}

/// The API versions the 1.20 component changes: (kind, shipped, 1.20).
const LEGACY_VERSIONS: [(&str, &str, &str); 2] = [
    ("HorizontalPodAutoscaler", "autoscaling/v2", "autoscaling/v2beta2"),
    ("PodDisruptionBudget", "policy/v1", "policy/v1beta1"),
];

/// Every kustomization, with what it builds as shipped.
fn rendered() -> anyhow::Result<Vec<(String, Vec<Value>)>> {
    let dirs = manifests::kustomizations()?;
    let mut out = Vec::new();
    for dir in dirs {
        let name = dir.strip_prefix(repo_root()).unwrap_or(&dir).display().to_string();
        out.push((name, render(&dir)?));
    }
    Ok(out)
}

/// `value` with every number as a float, so `1` and `1.0` compare equal.
fn numbers_as_floats(value: Value) -> Value {
    match value {
        Value::Number(n) => n.as_f64().map_or(Value::Number(n), Value::from),
        Value::Array(items) => Value::Array(items.into_iter().map(numbers_as_floats).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, numbers_as_floats(v))).collect()),
        other => other,
    }
}

fn objects_by_id(objects: &[Value]) -> BTreeMap<String, Value> {
    objects.iter().map(|o| (describe(o), o.clone())).collect()
}

#[test]
fn every_kustomization_builds() -> anyhow::Result<()> {
    let all = rendered()?;
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    for expected in ["k8s/base", "k8s/overlays/dev", "k8s/overlays/production", "k8s/samples"] {
        ensure!(names.contains(&expected), "{expected} is not among the kustomizations {names:?}");
    }
    for (name, objects) in &all {
        ensure!(!objects.is_empty(), "{name} builds nothing");
        let ids = objects_by_id(objects);
        ensure!(ids.len() == objects.len(), "{name} builds an object twice");
    }
    // What the base installs.
    let base = &all.iter().find(|(n, _)| n == "k8s/base").context("base")?.1;
    for (kind, name) in [
        ("CustomResourceDefinition", "livematches.livematch.dev"),
        ("Namespace", "livematch-system"),
        ("ServiceAccount", "livematch-operator"),
        ("ClusterRole", "livematch-operator"),
        ("Deployment", "livematch-operator"),
        ("Deployment", "livematch-gateway"),
        ("Service", "livematch-gateway"),
        ("HorizontalPodAutoscaler", "livematch-gateway"),
        ("PodDisruptionBudget", "livematch-gateway"),
        ("PodDisruptionBudget", "livematch-operator"),
    ] {
        ensure!(find(base, kind, name).is_some(), "k8s/base has no {kind} {name}");
    }
    let operator = find(base, "Deployment", "livematch-operator").context("operator")?;
    ensure!(operator["spec"]["replicas"] == 2, "two operator replicas (leader election)");
    // The CRD the base installs is the generated one (kustomize writes 1.0 as 1).
    let crd: Value = serde_norway::from_str(&livematch_crd::crd_yaml()?)?;
    let installed = find(base, "CustomResourceDefinition", "livematches.livematch.dev").context("CRD")?;
    ensure!(numbers_as_floats(installed.clone()) == numbers_as_floats(crd), "k8s/base installs a stale CRD");
    // The dev overlay brings Kafka and Redis at the addresses the base configures.
    let dev = &all.iter().find(|(n, _)| n == "k8s/overlays/dev").context("dev")?.1;
    for service in ["livematch-kafka", "livematch-redis"] {
        ensure!(find(dev, "Service", service).is_some(), "k8s/overlays/dev has no Service {service}");
    }
    Ok(())
}

#[test]
fn the_1_20_component_changes_only_api_versions() -> anyhow::Result<()> {
    for dir in manifests::kustomizations()? {
        let shipped = objects_by_id(&render(&dir)?);
        let legacy = objects_by_id(&render_with(&dir, &[&legacy_component()])?);
        ensure!(
            shipped.keys().collect::<Vec<_>>() == legacy.keys().collect::<Vec<_>>(),
            "{}: the 1.20 form has other objects",
            dir.display()
        );
        for (id, object) in &shipped {
            let mut old = legacy[id].clone();
            let kind = object["kind"].as_str().unwrap_or_default();
            if let Some((_, new_version, old_version)) = LEGACY_VERSIONS.iter().find(|(k, _, _)| *k == kind) {
                ensure!(object["apiVersion"] == *new_version, "{id}: shipped as {}", object["apiVersion"]);
                ensure!(old["apiVersion"] == *old_version, "{id}: 1.20 form is {}", old["apiVersion"]);
                old["apiVersion"] = Value::from(*new_version);
            }
            ensure!(&old == object, "{}: {id} differs beyond its apiVersion", dir.display());
        }
    }
    Ok(())
}

#[tokio::test]
async fn the_api_server_accepts_every_kustomization() -> anyhow::Result<()> {
    let cluster = Cluster::start().await?;
    let steps = async {
        // What a dry run cannot create for the objects after it: the CRD
        // (for the samples) and the namespace.
        let base = render(&k8s_dir().join("base"))?;
        cluster.install_crds(&std::fs::read_to_string(k8s_dir().join("base/crd.yaml"))?).await?;
        let namespace = find(&base, "Namespace", "livematch-system").context("namespace")?;
        cluster.apply_yaml(&serde_json::to_string(namespace)?).await?;
        for dir in manifests::kustomizations()? {
            let objects = render_with(&dir, &[&legacy_component()])?;
            let list = serde_json::to_string(&as_list(&objects))?;
            let args = ["apply", "--dry-run=server", "-f", "-"];
            let output = cluster.kubectl_with_stdin(&args, Some(&list)).await?;
            let stdout = String::from_utf8_lossy(&output.stdout);
            let stderr = String::from_utf8_lossy(&output.stderr);
            ensure!(output.status.success(), "{}: the API server refused:\n{stderr}\n{stdout}", dir.display());
            let accepted = stdout.lines().filter(|l| l.ends_with("(server dry run)")).count();
            ensure!(
                accepted == objects.len(),
                "{}: {accepted} of {} objects accepted:\n{stdout}",
                dir.display(),
                objects.len()
            );
        }
        // As shipped, the base needs a newer server for exactly two kinds.
        let list = serde_json::to_string(&as_list(&base))?;
        let output = cluster.kubectl_with_stdin(&["apply", "--dry-run=server", "-f", "-"], Some(&list)).await?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        ensure!(!output.status.success(), "kube-apiserver 1.20 accepted autoscaling/v2 and policy/v1?");
        let refused: BTreeSet<&str> = stderr
            .lines()
            .filter(|l| l.contains("no matches for kind"))
            .filter_map(|l| l.split("no matches for kind \"").nth(1)?.split('"').next())
            .collect();
        let expected: BTreeSet<&str> = LEGACY_VERSIONS.iter().map(|(kind, _, _)| *kind).collect();
        ensure!(refused == expected, "1.20 refused {refused:?}, expected {expected:?}:\n{stderr}");
        let other_errors: Vec<&str> = stderr
            .lines()
            .filter(|l| {
                !l.contains("no matches for kind") && !l.starts_with("ensure CRDs") && !l.starts_with("Warning")
            })
            .collect();
        ensure!(other_errors.is_empty(), "other errors on 1.20: {other_errors:?}");
        cluster.check_running()
    };
    steps.await.map_err(|e| anyhow::anyhow!("{e:#}\n\ncontrol-plane logs:\n{}", cluster.logs()))
}

/// Problems with one container's hardening, resources, probes.
fn container_problems(container: &Value, out: &mut Vec<String>) {
    let name = container["name"].as_str().unwrap_or("?");
    let sc = &container["securityContext"];
    let mut problem = |what: &str| out.push(format!("container {name}: {what}"));
    if sc["readOnlyRootFilesystem"] != true {
        problem("root filesystem not read-only");
    }
    if sc["allowPrivilegeEscalation"] != false {
        problem("allowPrivilegeEscalation not false");
    }
    if sc["capabilities"]["drop"] != serde_json::json!(["ALL"]) || sc["capabilities"]["add"].is_array() {
        problem("capabilities not exactly drop ALL");
    }
    if sc["privileged"] == true {
        problem("privileged");
    }
    if sc["runAsUser"] == 0 {
        problem("runs as root");
    }
    let resources = &container["resources"];
    for (section, key) in [("requests", "cpu"), ("requests", "memory"), ("limits", "memory")] {
        if resources[section][key].is_null() {
            problem(&format!("no {section}.{key}"));
        }
    }
    for probe in ["livenessProbe", "readinessProbe"] {
        let p = &container[probe];
        let port = [&p["httpGet"]["port"], &p["tcpSocket"]["port"]].into_iter().find(|v| !v.is_null());
        match port {
            Some(port) => {
                if let Err(e) = container_port(container, port) {
                    problem(&format!("{probe}: {e}"));
                }
            }
            None if p["exec"]["command"].is_array() => {}
            None => problem(&format!("no {probe}")),
        }
    }
}

#[test]
fn every_pod_is_locked_down() -> anyhow::Result<()> {
    let mut problems = Vec::new();
    let mut pods = 0;
    for (name, objects) in rendered()? {
        for (workload, pod) in pod_specs(&objects) {
            pods += 1;
            let mut found = Vec::new();
            let psc = &pod["securityContext"];
            if psc["runAsNonRoot"] != true {
                found.push("pod: runAsNonRoot not true".to_owned());
            }
            if psc["seccompProfile"]["type"] != "RuntimeDefault" {
                found.push("pod: seccomp profile not RuntimeDefault".to_owned());
            }
            if psc["runAsUser"].as_i64().is_none_or(|u| u == 0) {
                found.push("pod: no non-zero runAsUser".to_owned());
            }
            if pod["terminationGracePeriodSeconds"].as_i64().is_none_or(|s| s <= 0) {
                found.push("pod: no terminationGracePeriodSeconds".to_owned());
            }
            for field in ["hostNetwork", "hostPID", "hostIPC"] {
                if pod[field] == true {
                    found.push(format!("pod: {field}"));
                }
            }
            for volume in pod["volumes"].as_array().into_iter().flatten() {
                let allowed = ["emptyDir", "configMap", "secret", "projected", "downwardAPI", "persistentVolumeClaim"];
                if !allowed.iter().any(|k| volume.get(*k).is_some()) {
                    found.push(format!("volume {}: a type the restricted standard forbids", volume["name"]));
                }
            }
            for c in manifests::containers(pod) {
                container_problems(c, &mut found);
            }
            problems.extend(found.into_iter().map(|p| format!("{name}: {}: {p}", describe(workload))));
        }
    }
    ensure!(pods >= 4, "only {pods} pod templates found");
    ensure!(problems.is_empty(), "pods that are not locked down:\n{}", problems.join("\n"));
    // The namespace holding them enforces it where Pod Security Admission exists.
    let base = render(&k8s_dir().join("base"))?;
    let ns = find(&base, "Namespace", "livematch-system").context("namespace")?;
    ensure!(ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted", "{ns}");
    Ok(())
}

/// The image's final stage.
fn image() -> anyhow::Result<Dockerfile> {
    Dockerfile::read(&repo_root().join("Dockerfile"))
}

/// The pod spec of Deployment `name`.
fn deployment_pod<'a>(objects: &'a [Value], name: &str) -> anyhow::Result<&'a Value> {
    let d = find(objects, "Deployment", name).with_context(|| format!("no Deployment {name}"))?;
    Ok(&d["spec"]["template"]["spec"])
}

/// The operator and gateway containers of a kustomization's objects.
fn workloads(objects: &[Value]) -> anyhow::Result<(&Value, &Value)> {
    let operator =
        container(deployment_pod(objects, "livematch-operator")?, "operator").context("operator container")?;
    let gateway = container(deployment_pod(objects, "livematch-gateway")?, "gateway").context("gateway container")?;
    Ok((operator, gateway))
}

/// The gateway's argv and what it parses to.
fn gateway_cli(gateway: &Value) -> anyhow::Result<(Vec<String>, livematch_workers::cli::GatewayArgs)> {
    let mut argv: Vec<String> = serde_json::from_value(gateway["command"].clone()).context("command")?;
    let args: Vec<String> = serde_json::from_value(gateway["args"].clone()).context("args")?;
    argv.extend(args);
    let cli = Cli::try_parse_from(&argv).map_err(|e| anyhow::anyhow!("{argv:?} does not parse:\n{e}"))?;
    let Command::Gateway(parsed) = cli.command else { bail!("{argv:?} is not `livematch gateway`") };
    Ok((argv, parsed))
}

#[test]
fn the_image_and_the_workloads_agree() -> anyhow::Result<()> {
    let dockerfile = image()?;
    let image = dockerfile.final_stage();
    let user = image.user().context("no USER")?;
    ensure!(user.split(':').all(|id| id.parse::<u32>().is_ok_and(|id| id != 0)), "USER {user}: numeric and not root");
    let entrypoint = image.exec_form("ENTRYPOINT")?.context("no ENTRYPOINT")?;
    ensure!(image.resolve_command(&entrypoint[0])?.is_some(), "ENTRYPOINT {entrypoint:?} is not in the image");
    // The build stage builds every binary the final stage copies.
    let build = dockerfile.stage("build").context("no build stage")?;
    let cargo = build.all("RUN").find(|r| r.contains("cargo build")).context("no cargo build")?;
    for binary in ["livematch", "livematch-operator"] {
        ensure!(image.resolve_command(binary)?.is_some(), "{binary} is not on the image's PATH");
        ensure!(cargo.contains(&format!("--bin {binary}")), "the build stage does not build {binary}: {cargo}");
    }
    for manifest in ["workers/Cargo.toml", "operator/Cargo.toml"] {
        let text = std::fs::read_to_string(repo_root().join(manifest))?;
        ensure!(text.contains("[[bin]]"), "{manifest} declares no binary");
    }

    for (name, objects) in rendered()? {
        let Ok((operator, gateway)) = workloads(&objects) else { continue };
        for c in [operator, gateway] {
            let command: Vec<String> = serde_json::from_value(c["command"].clone()).context("command")?;
            ensure!(command.len() == 1, "{name}: {}: command {command:?}", c["name"]);
            ensure!(image.resolve_command(&command[0])?.is_some(), "{name}: {} is not in the image", command[0]);
        }
        // The workers get the operator's own image.
        let env = container_env(&objects, "livematch-system", operator)?;
        ensure!(
            env.get("LIVEMATCH_IMAGE")
                == Some(&EnvValue::Text(operator["image"].as_str().unwrap_or_default().to_owned())),
            "{name}: LIVEMATCH_IMAGE {:?} is not the operator's image {}",
            env.get("LIVEMATCH_IMAGE"),
            operator["image"]
        );
        ensure!(gateway["image"] == operator["image"], "{name}: gateway and operator run different images");

        // The gateway: arguments, ports, probes, Service, web app.
        let (argv, parsed) = gateway_cli(gateway)?;
        let http = container_port(gateway, &Value::from("http"))?;
        ensure!(i64::from(parsed.listen.port()) == http, "{name}: --listen is not the http port: {argv:?}");
        let metrics = parsed.metrics_listen.context("--metrics-listen")?;
        ensure!(i64::from(metrics.port()) == container_port(gateway, &Value::from("metrics"))?, "{name}: {argv:?}");
        ensure!(parsed.listen.ip().is_unspecified() && metrics.ip().is_unspecified(), "{name}: {argv:?}");
        for probe in ["livenessProbe", "readinessProbe"] {
            let port = container_port(gateway, &gateway[probe]["httpGet"]["port"])?;
            ensure!(port == i64::from(metrics.port()), "{name}: the gateway's {probe} is not on --metrics-listen");
        }
        let public = parsed.public_dir.to_string_lossy().into_owned();
        let copy = image
            .copies()?
            .into_iter()
            .find(|c| c.from.is_none() && c.dest.trim_end_matches('/') == public.trim_end_matches('/'))
            .with_context(|| format!("{name}: the image has nothing at --public-dir {public}"))?;
        ensure!(repo_root().join(&copy.sources[0]).join("index.html").is_file(), "{copy:?} has no index.html");
        let service = find(&objects, "Service", "livematch-gateway").context("gateway Service")?;
        for port in service["spec"]["ports"].as_array().into_iter().flatten() {
            container_port(gateway, &port["targetPort"]).with_context(|| format!("{name}: Service port {port}"))?;
        }
        // The gateway reads the shared configuration: at least Redis.
        let env = container_env(&objects, "livematch-system", gateway)?;
        ensure!(matches!(env.get("LIVEMATCH_REDIS"), Some(EnvValue::Text(url)) if url.starts_with("redis")), "{env:?}");
    }
    // Cli is the parser of the binary the image runs.
    ensure!(Cli::try_parse_from(["livematch", "gateway", "--listen", "nonsense"]).is_err(), "the parser checks");
    Ok(())
}

#[tokio::test]
async fn the_gateway_as_deployed_answers_its_probes_and_drains() -> anyhow::Result<()> {
    let objects = render(&k8s_dir().join("overlays/dev"))?;
    let (_, gateway) = workloads(&objects)?;
    let pod = deployment_pod(&objects, "livematch-gateway")?;
    let grace = pod["terminationGracePeriodSeconds"].as_u64().context("grace period")?;
    let redis = RedisServer::start().await?;
    let (argv, parsed) = gateway_cli(gateway)?;

    // The Deployment's arguments, with each port moved to a free one on
    // loopback and the image's web app directory to the repository's.
    let mut ports = BTreeMap::new();
    for port in gateway["ports"].as_array().into_iter().flatten() {
        ports.insert(port["containerPort"].as_i64().context("containerPort")?, free_port()?);
    }
    let image = image()?;
    let public = parsed.public_dir.to_string_lossy().into_owned();
    let copy = image.final_stage().copies()?.into_iter().find(|c| c.dest.trim_end_matches('/') == public);
    let local_public = repo_root().join(&copy.context("web app COPY")?.sources[0]);
    let args: Vec<String> = argv[1..]
        .iter()
        .map(|arg| {
            for (container, host) in &ports {
                let bind = format!("0.0.0.0:{container}");
                if arg.ends_with(&bind) {
                    return arg.replace(&bind, &format!("127.0.0.1:{host}"));
                }
            }
            arg.replace(&public, &local_public.to_string_lossy())
        })
        .collect();
    // Its configuration, with Redis pointed at the test's.
    let mut env: Vec<(String, String)> = container_env(&objects, "livematch-system", gateway)?
        .into_iter()
        .filter_map(|(k, v)| match v {
            EnvValue::Text(text) => Some((k, text)),
            EnvValue::Field(_) => None,
        })
        .collect();
    for (k, v) in &mut env {
        if k == "LIVEMATCH_REDIS" {
            *v = redis.url();
        }
    }
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut process = Worker::start("gateway", &arg_refs, &env_refs)?;

    let steps = async {
        for probe in ["readinessProbe", "livenessProbe"] {
            let get = &gateway[probe]["httpGet"];
            let port = container_port(gateway, &get["port"])?;
            let host = ports.get(&port).context("mapped port")?;
            let path = get["path"].as_str().context("probe path")?;
            let addr = format!("127.0.0.1:{host}");
            livematch_e2e::stack::wait_http_ok(&addr, path, Duration::from_secs(20))
                .await
                .with_context(|| format!("{probe} GET {path} on the metrics port"))?;
        }
        let http = ports.get(&container_port(gateway, &Value::from("http"))?).context("http port")?;
        let (status, body) = livematch_e2e::http::get(&format!("127.0.0.1:{http}"), "/").await?;
        ensure!(status == 200 && body.contains("<html"), "the web app from --public-dir: {status}");
        Ok::<(), anyhow::Error>(())
    };
    let result = steps.await;
    let started = Instant::now();
    let clean = process.terminate(Duration::from_secs(grace)).await;
    result.with_context(|| format!("gateway log:\n{}", process.log_text()))?;
    ensure!(clean, "the gateway did not exit cleanly within {grace} s of SIGTERM:\n{}", process.log_text());
    ensure!(started.elapsed() < Duration::from_secs(grace), "drain took {:?}", started.elapsed());
    Ok(())
}

#[test]
fn the_admin_guide_names_real_paths() -> anyhow::Result<()> {
    // The admin guide's install commands point at kustomizations that exist.
    let guide = std::fs::read_to_string(repo_root().join("docs/admin-guide.md"))?;
    let mut named = BTreeSet::new();
    for word in guide.split(|c: char| c.is_whitespace() || c == '`' || c == '(' || c == ')') {
        if let Some(path) = word.strip_prefix("k8s/") {
            named.insert(format!("k8s/{}", path.trim_end_matches(['.', ',', ':', '/'])));
        }
    }
    ensure!(named.contains("k8s/overlays/dev"), "the guide does not name k8s/overlays/dev: {named:?}");
    for path in &named {
        ensure!(Path::new(&repo_root().join(path)).exists(), "docs/admin-guide.md names {path}, which does not exist");
    }
    Ok(())
}
