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
        kafka_options: Vec::new(),
        redis: "redis://redis:6379/".to_owned(),
        log_format: WorkerLogFormat::Json,
        secret: None,
    }
}

/// Workers on Kafka with SCRAM over TLS, their credentials and CA in the
/// Secret `livematch-worker`.
fn defaults_with_secret() -> WorkerDefaults {
    let option = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    WorkerDefaults {
        kafka_options: vec![
            option("security.protocol", "SASL_SSL"),
            option("sasl.mechanism", "SCRAM-SHA-512"),
            option("ssl.ca.location", &format!("{}/kafka-ca.crt", secret::SECRET_DIR)),
        ],
        secret: Some("livematch-worker".to_owned()),
        ..defaults()
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

#[test]
fn worker_credentials_are_secret_references() {
    let lm = live_match("m", spec());
    let built = deployments(&lm, &defaults_with_secret(), RUNNING).expect("build");
    for (d, component) in built.iter().zip(Component::ALL) {
        let c = only_container(d);
        let env = c.env.clone().unwrap_or_default();
        let refs: BTreeMap<&str, (&str, &str, Option<bool>)> = env
            .iter()
            .filter_map(|e| {
                let r = e.value_from.as_ref()?.secret_key_ref.as_ref()?;
                Some((e.name.as_str(), (r.name.as_str(), r.key.as_str(), r.optional)))
            })
            .collect();
        let mut expected = BTreeMap::from([
            ("LIVEMATCH_KAFKA_SASL_USERNAME", ("livematch-worker", "kafka-sasl-username", Some(true))),
            ("LIVEMATCH_KAFKA_SASL_PASSWORD", ("livematch-worker", "kafka-sasl-password", Some(true))),
        ]);
        if component == Component::Consumer {
            expected.insert("LIVEMATCH_REDIS_USERNAME", ("livematch-worker", "redis-username", Some(true)));
            expected.insert("LIVEMATCH_REDIS_PASSWORD", ("livematch-worker", "redis-password", Some(true)));
        }
        assert_eq!(refs, expected, "{component:?}");
        for e in &env {
            assert!(e.value.is_none() || e.value_from.is_none(), "{e:?}");
            if e.name.contains("PASSWORD") || e.name.contains("USERNAME") {
                assert!(e.value.is_none(), "{component:?}: {} is a plain value", e.name);
            }
        }
        assert_eq!(
            env_of(c)["LIVEMATCH_KAFKA_OPTIONS"],
            "security.protocol=SASL_SSL,sasl.mechanism=SCRAM-SHA-512,\
             ssl.ca.location=/etc/livematch/worker-secret/kafka-ca.crt"
        );
        // The Secret's files, read-only; a missing Secret stops the pod.
        let volume = pod(d).volumes.iter().flatten().find(|v| v.name == secret::VOLUME).expect("secret volume");
        let source = volume.secret.as_ref().expect("a secret volume");
        assert_eq!(source.secret_name.as_deref(), Some("livematch-worker"));
        assert_eq!((source.optional, source.default_mode), (Some(false), Some(0o440)));
        let mount = c.volume_mounts.iter().flatten().find(|m| m.name == secret::VOLUME).expect("secret mount");
        assert_eq!((mount.mount_path.as_str(), mount.read_only), (secret::SECRET_DIR, Some(true)));
        // Every variable is one the worker reads.
        let subcommand = if component == Component::Producer { "produce" } else { "consume" };
        let known = cli_env_names(subcommand);
        for var in env.iter().filter(|e| e.name.starts_with("LIVEMATCH_")) {
            assert!(known.contains(&var.name), "livematch {subcommand} does not read {}", var.name);
        }
    }

    // Without a worker Secret: no reference to one, no volume.
    for d in deployments(&lm, &defaults(), RUNNING).expect("build") {
        let c = only_container(&d);
        assert!(c.env.iter().flatten().all(|e| e.value_from.is_none()), "{:?}", c.env);
        assert!(!c.env.iter().flatten().any(|e| e.name == "LIVEMATCH_KAFKA_OPTIONS"), "no options, no variable");
        assert!(pod(&d).volumes.iter().flatten().all(|v| v.secret.is_none()));
    }
}

/// The operator's own credentials (flags, options, URL) and the workers'
/// never appear in what it applies; the Secret is only named.
#[test]
fn no_password_of_the_operator_reaches_a_deployment() {
    use clap::Parser;
    let secrets = ["op-kafka-secret", "op-key-secret", "op-sasl-secret", "op-redis-secret", "op-redis-flag-secret"];
    let config = crate::config::Config::try_parse_from([
        "livematch-operator",
        "--kafka",
        "kafka:9093",
        "--kafka-option",
        "security.protocol=SASL_SSL",
        "--kafka-option",
        "sasl.mechanism=SCRAM-SHA-512",
        "--kafka-option",
        "sasl.username=operator-user",
        "--kafka-option",
        "sasl.password=op-kafka-secret",
        "--kafka-option",
        "ssl.key.password=op-key-secret",
        "--kafka-sasl-password",
        "op-sasl-secret",
        "--redis",
        "rediss://op:op-redis-secret@redis:6380/0",
        "--redis-password",
        "op-redis-flag-secret",
        "--worker-secret",
        "livematch-worker",
    ])
    .expect("flags parse");
    config.check().expect("consistent");
    let workers = config.worker_defaults();
    assert_eq!(workers.redis, "rediss://op@redis:6380/0", "the address, without the password");
    let option = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    assert_eq!(
        workers.kafka_options,
        [option("security.protocol", "SASL_SSL"), option("sasl.mechanism", "SCRAM-SHA-512")],
        "the operator's options but its identity and secrets"
    );
    let lm = live_match("m", spec());
    let applied = serde_json::to_string(&deployments(&lm, &workers, RUNNING).expect("build")).expect("json");
    for secret in secrets {
        assert!(!applied.contains(secret), "{secret} in {applied}");
    }
    assert!(!applied.contains("operator-user") && applied.contains("livematch-worker"), "{applied}");
    let shown = format!("{config:?}");
    for secret in secrets {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    // The operator itself still uses its credentials.
    let kafka = config.kafka_config().extra;
    assert!(kafka.contains(&option("sasl.password", "op-sasl-secret")), "the flag wins, last: {kafka:?}");
    assert_eq!(config.redis_config().url, "rediss://op:op-redis-flag-secret@redis:6380/0");
}

/// What the test kubelet (and so a kubelet) makes of a worker pod with the
/// worker Secret: the credentials in the environment, the CA a file of the
/// pod that the Kafka options point at.
#[test]
fn the_test_kubelet_resolves_the_worker_secret() {
    use k8s_openapi::api::core::v1::Pod;
    use livematch_e2e::kubelet::launch::{LaunchError, Programs, Sources, plan};
    let lm = live_match("m", spec());
    let consumer = deployment(&lm, &defaults_with_secret(), Component::Consumer, RUNNING).expect("build");
    let template = consumer.spec.expect("spec").template;
    let pod = Pod {
        metadata: ObjectMeta {
            name: Some("m-consumer-1".into()),
            namespace: Some("default".into()),
            ..ObjectMeta::default()
        },
        spec: template.spec,
        status: None,
    };
    let programs = Programs {
        binaries: BTreeMap::from([("livematch".to_owned(), std::path::PathBuf::from("/bin/livematch"))]),
        ..Programs::default()
    };
    let worker_secret = BTreeMap::from([
        ("kafka-sasl-username".to_owned(), "livematch".to_owned()),
        ("kafka-sasl-password".to_owned(), "sasl-pw".to_owned()),
        ("redis-password".to_owned(), "redis-pw".to_owned()),
        ("kafka-ca.crt".to_owned(), "-----BEGIN CERTIFICATE-----".to_owned()),
    ]);
    let sources =
        Sources { secrets: BTreeMap::from([("livematch-worker".to_owned(), worker_secret)]), ..Sources::default() };
    let dir = std::path::Path::new("/pods/m-consumer-1");
    let mut port = 40_000;
    let planned = plan(&pod, &programs, &sources, dir, || {
        port += 1;
        port
    })
    .expect("the test kubelet runs it");
    let ca = dir.join("volumes").join(secret::VOLUME).join("kafka-ca.crt");
    assert!(planned.files.iter().any(|(path, _)| *path == ca), "{:?}", planned.files);
    let env: BTreeMap<_, _> = planned.containers[0].env.iter().cloned().collect();
    assert_eq!(env["LIVEMATCH_KAFKA_SASL_USERNAME"], "livematch");
    assert_eq!(env["LIVEMATCH_KAFKA_SASL_PASSWORD"], "sasl-pw");
    assert_eq!(env["LIVEMATCH_REDIS_PASSWORD"], "redis-pw");
    assert!(!env.contains_key("LIVEMATCH_REDIS_USERNAME"), "an absent key sets nothing");
    assert!(env["LIVEMATCH_KAFKA_OPTIONS"].ends_with(&format!("ssl.ca.location={}", ca.display())), "{env:?}");
    let err = plan(&pod, &programs, &Sources::default(), dir, || 1).expect_err("no Secret");
    assert_eq!(err, LaunchError::MissingSecret("livematch-worker".into()));
}
