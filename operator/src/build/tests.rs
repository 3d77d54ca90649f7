use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PodSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::*;
use crate::config::WorkerLogFormat;
use crate::testing::{live_match, spec, spec_from};

fn defaults() -> WorkerDefaults {
    WorkerDefaults {
        image: "registry.local/livematch:1.2".to_owned(),
        kafka: "kafka:9092".to_owned(),
        redis: "redis://redis:6379/".to_owned(),
        log_format: WorkerLogFormat::Json,
    }
}

const RUNNING: Replicas = Replicas { producer: 1, consumer: 2 };

fn pod(d: &Deployment) -> &PodSpec {
    d.spec.as_ref().and_then(|s| s.template.spec.as_ref()).expect("pod spec")
}

fn only_container(d: &Deployment) -> &Container {
    let containers = &pod(d).containers;
    assert_eq!(containers.len(), 1);
    &containers[0]
}

fn env_of(c: &Container) -> BTreeMap<String, String> {
    c.env.iter().flatten().map(|e| (e.name.clone(), e.value.clone().unwrap_or_default())).collect()
}

#[test]
fn producer_and_consumer_are_named_labelled_and_owned() {
    let lm = live_match("ind-pak", spec());
    let built = deployments(&lm, &defaults(), RUNNING).expect("build");
    let names: Vec<_> = built.iter().map(|d| d.metadata.name.clone().unwrap_or_default()).collect();
    assert_eq!(names, ["ind-pak-producer", "ind-pak-consumer"]);
    for (d, component) in built.iter().zip(["producer", "consumer"]) {
        assert_eq!(d.metadata.namespace.as_deref(), Some("default"));
        let labels = d.metadata.labels.as_ref().expect("labels");
        assert_eq!(labels["app.kubernetes.io/name"], "livematch");
        assert_eq!(labels["app.kubernetes.io/component"], component);
        assert_eq!(labels["app.kubernetes.io/instance"], "ind-pak");
        assert_eq!(labels["app.kubernetes.io/managed-by"], "livematch-operator");
        assert_eq!(labels["livematch.dev/match"], "default.ind-pak");
        let owners = d.metadata.owner_references.as_ref().expect("owner refs");
        assert_eq!(owners.len(), 1);
        let owner = &owners[0];
        assert_eq!(
            (owner.kind.as_str(), owner.name.as_str(), owner.uid.as_str()),
            ("LiveMatch", "ind-pak", "uid-ind-pak")
        );
        assert_eq!(owner.api_version, "livematch.dev/v1alpha1");
        assert_eq!(owner.controller, Some(true));
        // The selector is a subset of the pod labels, or the API server refuses the Deployment.
        let spec = d.spec.as_ref().expect("spec");
        let selector = spec.selector.match_labels.as_ref().expect("selector");
        let pod_labels = spec.template.metadata.as_ref().and_then(|m| m.labels.as_ref()).expect("pod labels");
        assert!(selector.iter().all(|(k, v)| pod_labels.get(k) == Some(v)), "{selector:?} vs {pod_labels:?}");
        assert_eq!(selector.len(), 3, "the selector leaves out the mutable labels");
    }
}

#[test]
fn replicas_follow_pause_and_completion() {
    let mut s = spec();
    s.consumers.replicas = 3;
    assert_eq!(Replicas::desired(&s, false, false), Replicas { producer: 1, consumer: 3 });
    assert_eq!(Replicas::desired(&s, true, false), Replicas { producer: 0, consumer: 0 });
    assert_eq!(Replicas::desired(&s, true, true), Replicas { producer: 0, consumer: 0 });
    assert_eq!(Replicas::desired(&s, false, true), Replicas { producer: 0, consumer: 3 });
    let lm = live_match("m", s.clone());
    let built = deployments(&lm, &defaults(), Replicas::desired(&s, false, false)).expect("build");
    let replicas: Vec<_> = built.iter().map(|d| d.spec.as_ref().and_then(|s| s.replicas)).collect();
    assert_eq!(replicas, [Some(1), Some(3)]);
}

#[test]
fn producer_recreates_consumers_roll() {
    let lm = live_match("m", spec());
    let built = deployments(&lm, &defaults(), RUNNING).expect("build");
    let strategy = |d: &Deployment| d.spec.as_ref().and_then(|s| s.strategy.as_ref()).and_then(|s| s.type_.clone());
    assert_eq!(strategy(&built[0]).as_deref(), Some("Recreate"));
    assert_eq!(strategy(&built[1]), None, "consumers keep the default rolling update");
}

#[test]
fn container_runs_the_worker_with_args_and_env() {
    let lm = live_match(
        "ind-pak",
        spec_from(serde_json::json!({
            "sport": "cricket", "source": {"simulate": {"seed": 7}}, "speed": 30,
            "workers": {"env": [{"name": "RUST_LOG", "value": "debug"}, {"name": "LIVEMATCH_KAFKA", "value": "evil:1"}]}
        })),
    );
    let built = deployments(&lm, &defaults(), RUNNING).expect("build");
    let producer = only_container(&built[0]);
    assert_eq!(producer.name, "producer");
    assert_eq!(producer.image.as_deref(), Some("registry.local/livematch:1.2"));
    assert_eq!(producer.command.as_deref(), Some(&["livematch".to_owned()][..]));
    let args = producer.args.clone().unwrap_or_default();
    assert_eq!(args[..3], ["produce", "--match-id", "default.ind-pak"]);
    assert!(args.join(" ").contains("--seed 7 --speed 30"), "{args:?}");
    let env = env_of(producer);
    assert_eq!(env["LIVEMATCH_KAFKA"], "kafka:9092", "the operator's value wins over the spec's");
    assert_eq!(env["RUST_LOG"], "debug", "extra env from the spec is kept");
    assert_eq!(env["LIVEMATCH_LOG_FORMAT"], "json");
    assert!(!env.contains_key("LIVEMATCH_REDIS"), "the producer does not use Redis");
    assert_eq!(producer.env.as_ref().map(Vec::len), Some(3), "no duplicate names");

    let consumer = only_container(&built[1]);
    assert_eq!(consumer.args.clone().unwrap_or_default()[..3], ["consume", "--match-id", "default.ind-pak"]);
    let env = env_of(consumer);
    assert_eq!(env["LIVEMATCH_REDIS"], "redis://redis:6379/");
    assert_eq!(env["LIVEMATCH_KAFKA"], "kafka:9092");
}

#[test]
fn probes_hit_health_endpoints_on_the_metrics_port() {
    let lm = live_match("m", spec());
    for d in deployments(&lm, &defaults(), RUNNING).expect("build") {
        let c = only_container(&d);
        let port = c.ports.as_ref().and_then(|p| p.first()).expect("port");
        assert_eq!((port.name.as_deref(), port.container_port), (Some("metrics"), 9090));
        let path = |p: &Option<k8s_openapi::api::core::v1::Probe>| {
            let get = p.as_ref().and_then(|p| p.http_get.as_ref()).expect("http probe");
            assert_eq!(get.port, IntOrString::String("metrics".into()));
            get.path.clone()
        };
        assert_eq!(path(&c.liveness_probe).as_deref(), Some("/healthz"));
        assert_eq!(path(&c.readiness_probe).as_deref(), Some("/readyz"));
    }
}

#[test]
fn workers_are_locked_down() {
    let lm = live_match("m", spec());
    for d in deployments(&lm, &defaults(), RUNNING).expect("build") {
        let sc = only_container(&d).security_context.clone().expect("container security context");
        assert_eq!(sc.run_as_non_root, Some(true));
        assert_eq!(sc.read_only_root_filesystem, Some(true));
        assert_eq!(sc.allow_privilege_escalation, Some(false));
        assert_eq!(sc.capabilities.and_then(|c| c.drop), Some(vec!["ALL".to_owned()]));
        assert_eq!(sc.seccomp_profile.map(|p| p.type_).as_deref(), Some("RuntimeDefault"));
        let psc = pod(&d).security_context.clone().expect("pod security context");
        assert_eq!(psc.run_as_non_root, Some(true));
        assert_eq!(psc.seccomp_profile.map(|p| p.type_).as_deref(), Some("RuntimeDefault"));
        assert_eq!(pod(&d).automount_service_account_token, Some(false));
        assert_eq!(
            pod(&d).termination_grace_period_seconds,
            Some(pod::TERMINATION_GRACE_SECONDS),
            "the drain on SIGTERM gets a stated deadline"
        );
        let resources = only_container(&d).resources.clone().expect("resources");
        assert!(resources.requests.is_some_and(|r| r.contains_key("cpu") && r.contains_key("memory")));
        assert!(resources.limits.is_some_and(|l| l.contains_key("memory")));
        // A writable /tmp, since the root filesystem is read-only.
        let mounts = only_container(&d).volume_mounts.clone().unwrap_or_default();
        assert!(mounts.iter().any(|m| m.mount_path == "/tmp" && m.name == "tmp"), "{mounts:?}");
    }
}

#[test]
fn resources_default_or_from_spec() {
    let lm = live_match("m", spec());
    let built = deployments(&lm, &defaults(), RUNNING).expect("build");
    assert_eq!(only_container(&built[1]).resources, Some(pod::default_resources()));

    let lm = live_match(
        "m",
        spec_from(serde_json::json!({
            "sport": "cricket", "source": {"simulate": {}},
            "workers": {"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}
        })),
    );
    let built = deployments(&lm, &defaults(), RUNNING).expect("build");
    for d in &built {
        let r = only_container(d).resources.clone().expect("resources");
        let limits = r.limits.expect("limits");
        assert_eq!(limits["memory"].0, "1Gi");
        assert_eq!(limits["cpu"].0, "1");
        assert!(r.requests.is_none(), "the spec's resources replace the defaults whole");
    }
}

#[test]
fn pod_overrides_and_image_settings_are_applied() {
    let lm = live_match(
        "m",
        spec_from(serde_json::json!({
            "sport": "cricket", "source": {"simulate": {}},
            "workers": {
                "image": "other/livematch:dev", "imagePullPolicy": "Never",
                "podOverrides": {
                    "labels": {"team": "data"}, "annotations": {"prometheus.io/scrape": "true"},
                    "nodeSelector": {"disk": "ssd"},
                    "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "live", "effect": "NoSchedule"}],
                    "serviceAccountName": "workers", "priorityClassName": "high",
                    "imagePullSecrets": [{"name": "regcred"}]
                }
            }
        })),
    );
    for d in deployments(&lm, &defaults(), RUNNING).expect("build") {
        let c = only_container(&d);
        assert_eq!(c.image.as_deref(), Some("other/livematch:dev"));
        assert_eq!(c.image_pull_policy.as_deref(), Some("Never"));
        let template = &d.spec.as_ref().expect("spec").template;
        let meta = template.metadata.as_ref().expect("pod metadata");
        let labels = meta.labels.as_ref().expect("labels");
        assert_eq!(labels["team"], "data");
        assert_eq!(labels["app.kubernetes.io/name"], "livematch", "operator labels stay");
        assert_eq!(meta.annotations.as_ref().expect("annotations")["prometheus.io/scrape"], "true");
        let p = pod(&d);
        assert_eq!(p.node_selector.as_ref().expect("node selector")["disk"], "ssd");
        assert_eq!(p.tolerations.as_ref().map(Vec::len), Some(1));
        assert_eq!(p.service_account_name.as_deref(), Some("workers"));
        assert_eq!(p.priority_class_name.as_deref(), Some("high"));
        assert_eq!(p.image_pull_secrets.as_ref().map(|s| s[0].name.clone()), Some("regcred".to_owned()));
        assert!(!d.metadata.labels.as_ref().expect("labels").contains_key("team"), "pod labels only");
    }
}

#[test]
fn configmap_replay_is_mounted_in_the_producer_only() {
    let lm = live_match(
        "final",
        spec_from(serde_json::json!({
            "sport": "cricket", "source": {"replay": {"configMap": {"name": "wc-final", "key": "1384439.json"}}}
        })),
    );
    let built = deployments(&lm, &defaults(), RUNNING).expect("build");
    let volume = pod(&built[0]).volumes.iter().flatten().find(|v| v.name == "replay").expect("replay volume");
    let cm = volume.config_map.as_ref().expect("configMap volume");
    assert_eq!(cm.name, "wc-final");
    let items = cm.items.clone().unwrap_or_default();
    assert_eq!((items[0].key.as_str(), items[0].path.as_str()), ("1384439.json", "1384439.json"));
    let mount =
        only_container(&built[0]).volume_mounts.iter().flatten().find(|m| m.name == "replay").cloned().expect("mount");
    assert_eq!((mount.mount_path.as_str(), mount.read_only), ("/replay", Some(true)));
    let args = only_container(&built[0]).args.clone().unwrap_or_default();
    assert!(args.join(" ").contains("--replay /replay/1384439.json"), "{args:?}");
    assert!(!pod(&built[1]).volumes.iter().flatten().any(|v| v.name == "replay"));
}

#[test]
fn missing_uid_or_namespace_is_an_error() {
    let mut lm = live_match("m", spec());
    lm.metadata.uid = None;
    assert_eq!(deployments(&lm, &defaults(), RUNNING).expect_err("no uid").metric_label(), "missing_uid");
    let mut lm = live_match("m", spec());
    lm.metadata.namespace = None;
    assert_eq!(deployments(&lm, &defaults(), RUNNING).expect_err("no ns").metric_label(), "missing_namespace");
}

#[test]
fn builders_are_deterministic_and_serialize_for_apply() {
    let lm = live_match("m", spec());
    let a = serde_json::to_value(deployments(&lm, &defaults(), RUNNING).expect("build")).expect("json");
    let b = serde_json::to_value(deployments(&lm, &defaults(), RUNNING).expect("build")).expect("json");
    assert_eq!(a, b);
    // Server-side apply needs apiVersion and kind in the body.
    assert_eq!(a[0]["apiVersion"], "apps/v1");
    assert_eq!(a[0]["kind"], "Deployment");
    assert!(a[0].get("status").is_none());
    assert_eq!(
        consumer_selector(&lm),
        "app.kubernetes.io/component=consumer,app.kubernetes.io/instance=m,app.kubernetes.io/name=livematch"
    );
}

/// Every valid LiveMatch of the committed examples (crds/examples and
/// k8s/samples), as read from the API server.
fn example_matches() -> Vec<(String, LiveMatch)> {
    let root = livematch_e2e::manifests::repo_root();
    let mut found = Vec::new();
    for dir in [root.join("crds/examples"), root.join("k8s/samples")] {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read example");
            let objects = livematch_e2e::manifests::parse_yaml_stream(&text).expect("example YAML");
            for object in objects.into_iter().filter(|o| o["kind"] == "LiveMatch") {
                let parsed: LiveMatch = serde_json::from_value(object).expect("a LiveMatch");
                parsed.spec.validate().unwrap_or_else(|e| panic!("{}: {e:?}", file.display()));
                let name = format!("{}:{}", file.display(), parsed.name_any());
                found.push((name, live_match(&parsed.name_any(), parsed.spec)));
            }
        }
    }
    assert!(found.len() >= 6, "expected the examples and samples, found {}", found.len());
    found
}

/// Environment variable names the `livematch` CLI reads for `subcommand`
/// (its own flags and the global ones).
fn cli_env_names(subcommand: &str) -> Vec<String> {
    use clap::CommandFactory;
    let mut cli = livematch_workers::cli::Cli::command();
    cli.build();
    let sub = cli.find_subcommand(subcommand).unwrap_or_else(|| panic!("no subcommand {subcommand}"));
    cli.get_arguments()
        .chain(sub.get_arguments())
        .filter_map(|a| a.get_env())
        .map(|e| e.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn the_image_runs_the_command_lines_the_builder_writes() {
    use clap::Parser as _;
    use livematch_workers::cli::{Cli, Command};
    let dockerfile = livematch_e2e::manifests::repo_root().join("Dockerfile");
    let image = livematch_e2e::manifests::Dockerfile::read(&dockerfile).expect("Dockerfile");
    let image = image.final_stage();
    let entrypoint = image.exec_form("ENTRYPOINT").expect("exec form").expect("an ENTRYPOINT");
    for (example, lm) in example_matches() {
        for (d, component) in deployments(&lm, &defaults(), RUNNING).expect("build").iter().zip(Component::ALL) {
            let c = only_container(d);
            let command = c.command.clone().expect("command");
            assert_eq!(command.len(), 1, "{example}: one binary, arguments in args: {command:?}");
            let binary = image
                .resolve_command(&command[0])
                .expect("read the image")
                .unwrap_or_else(|| panic!("{example}: {:?} is not installed on the image's PATH", command[0]));
            assert_eq!(binary, entrypoint[0], "{example}: the worker command is the image's entrypoint binary");

            let mut argv = command.clone();
            argv.extend(c.args.clone().unwrap_or_default());
            let cli = Cli::try_parse_from(&argv).unwrap_or_else(|e| panic!("{example}: {argv:?} does not parse:\n{e}"));
            let listen = match (component, cli.command) {
                (Component::Producer, Command::Produce(p)) => {
                    assert_eq!(p.match_id, livematch_crd::match_id(&lm), "{example}");
                    assert!(p.linger, "{example}: a Deployment's producer must not exit when the match ends");
                    p.ops.metrics_listen
                }
                (Component::Consumer, Command::Consume(consume)) => {
                    assert_eq!(consume.match_id, livematch_crd::match_id(&lm), "{example}");
                    assert!(!consume.exit_when_finished, "{example}: a Deployment's consumer keeps running");
                    consume.ops.metrics_listen
                }
                (component, command) => panic!("{example}: {component:?} container runs {command:?}"),
            };
            let port = c.ports.as_ref().and_then(|p| p.first()).expect("port");
            assert_eq!(i32::from(listen.port()), port.container_port, "{example}: probes reach --metrics-listen");
            assert!(listen.ip().is_unspecified(), "{example}: {listen} is not reachable by the kubelet");

            let subcommand = match component {
                Component::Producer => "produce",
                Component::Consumer => "consume",
            };
            let known = cli_env_names(subcommand);
            for var in c.env.iter().flatten().filter(|e| e.name.starts_with("LIVEMATCH_")) {
                assert!(known.contains(&var.name), "{example}: livematch {component:?} does not read {}", var.name);
            }
        }
    }
}

#[tokio::test]
async fn probes_hit_what_the_workers_serve() {
    use livematch_workers::telemetry::{Ops, serve_ops};
    // The produce and consume commands serve exactly this (workers/src/commands.rs).
    let ops = Ops::new(prometheus_client::registry::Registry::default());
    let stop = tokio_util::sync::CancellationToken::new();
    let addr = serve_ops("127.0.0.1:0".parse().expect("addr"), ops.clone(), stop.clone()).await.expect("serve");
    let addr = addr.to_string();
    let (liveness, readiness) = pod::probes();
    let path = |p: &k8s_openapi::api::core::v1::Probe| p.http_get.as_ref().and_then(|g| g.path.clone()).expect("path");
    let get = |path: String| {
        let addr = addr.clone();
        async move { livematch_e2e::http::get(&addr, &path).await.expect("GET").0 }
    };
    assert_eq!(get(path(&liveness)).await, 200, "liveness answers as soon as the worker serves");
    assert_eq!(get(path(&readiness)).await, 503, "not ready before the worker says so");
    ops.set_ready(true);
    assert_eq!(get(path(&readiness)).await, 200);
    stop.cancel();
}
