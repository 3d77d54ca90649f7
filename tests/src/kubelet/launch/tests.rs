use super::*;
use serde_json::json;

fn pod(spec: serde_json::Value) -> Pod {
    serde_json::from_value(json!({"metadata": {"name": "p-1", "namespace": "ns", "uid": "u1"}, "spec": spec}))
        .expect("pod")
}

fn programs() -> Programs {
    Programs {
        binaries: BTreeMap::from([("livematch".to_owned(), PathBuf::from("/bin/livematch"))]),
        entrypoint: vec!["/usr/local/bin/livematch".to_owned()],
        image_paths: BTreeMap::from([("/usr/share/livematch/public".to_owned(), PathBuf::from("/repo/public"))]),
    }
}

fn ports_from(start: u16) -> impl FnMut() -> u16 {
    let mut next = start;
    move || {
        next += 1;
        next
    }
}

fn worker_pod() -> Pod {
    pod(json!({
        "terminationGracePeriodSeconds": 45,
        "volumes": [
            {"name": "replay", "configMap": {"name": "rec", "items": [{"key": "match.json", "path": "match.json"}]}},
            {"name": "tmp", "emptyDir": {}}
        ],
        "containers": [{
            "name": "producer", "image": "livematch:dev", "command": ["livematch"],
            "args": ["produce", "--replay", "/replay/match.json", "--metrics-listen", "0.0.0.0:9090",
                     "--other=$(POD_NAME)"],
            "env": [
                {"name": "LIVEMATCH_KAFKA", "value": "127.0.0.1:1234"},
                {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                {"name": "LISTEN", "value": "--listen=0.0.0.0:8080"},
                {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "pw"}}}
            ],
            "ports": [{"name": "metrics", "containerPort": 9090}, {"containerPort": 8080}],
            "readinessProbe": {"httpGet": {"path": "/readyz", "port": "metrics"}, "periodSeconds": 5},
            "livenessProbe": {"tcpSocket": {"port": 8080}, "failureThreshold": 2},
            "volumeMounts": [{"name": "replay", "mountPath": "/replay"}, {"name": "tmp", "mountPath": "/tmp"}]
        }]
    }))
}

fn sources() -> Sources {
    Sources {
        config_maps: BTreeMap::from([("rec".to_owned(), BTreeMap::from([("match.json".to_owned(), "{}".to_owned())]))]),
        secrets: BTreeMap::from([("creds".to_owned(), BTreeMap::from([("pw".to_owned(), "s3cret".to_owned())]))]),
    }
}

#[test]
fn a_worker_pod_becomes_a_local_command_line() {
    let dir = Path::new("/pods/p-1");
    let plan = plan(&worker_pod(), &programs(), &sources(), dir, ports_from(40_000)).expect("plan");
    assert_eq!(plan.ports, BTreeMap::from([(8080, 40_002), (9090, 40_001)]));
    assert_eq!(plan.grace, Duration::from_secs(45));
    assert_eq!(plan.restart_policy, "Always");
    assert_eq!(plan.files, vec![(dir.join("volumes/replay/match.json"), b"{}".to_vec())]);
    assert_eq!(plan.dirs, vec![dir.join("volumes/replay"), dir.join("volumes/tmp")]);
    let c = &plan.containers[0];
    assert_eq!(c.program, PathBuf::from("/bin/livematch"));
    assert_eq!(
        c.args,
        [
            "produce",
            "--replay",
            "/pods/p-1/volumes/replay/match.json",
            "--metrics-listen",
            "127.0.0.1:40001",
            "--other=p-1"
        ]
    );
    let env: BTreeMap<_, _> = c.env.iter().cloned().collect();
    assert_eq!(env["LIVEMATCH_KAFKA"], "127.0.0.1:1234", "a remote address is not a bind address");
    assert_eq!(env["LISTEN"], "--listen=127.0.0.1:40002");
    assert_eq!(env["PASSWORD"], "s3cret");
    assert_eq!(env["POD_NAME"], "p-1");
    let ready = c.readiness.as_ref().expect("readiness");
    assert_eq!((ready.path.as_deref(), ready.port, ready.period), (Some("/readyz"), 40_001, Duration::from_secs(5)));
    let live = c.liveness.as_ref().expect("liveness");
    assert_eq!((live.path.as_deref(), live.port, live.failure_threshold), (None, 40_002, 2));
}

#[test]
fn missing_sources_are_named_like_a_kubelet_names_them() {
    let dir = Path::new("/p");
    let no_cm = Sources { config_maps: BTreeMap::new(), ..sources() };
    let err = plan(&worker_pod(), &programs(), &no_cm, dir, ports_from(1)).expect_err("no configmap");
    assert_eq!(err.to_string(), "configmap \"rec\" not found");
    let wrong_key = Sources {
        config_maps: BTreeMap::from([("rec".to_owned(), BTreeMap::from([("other".to_owned(), String::new())]))]),
        ..sources()
    };
    let err = plan(&worker_pod(), &programs(), &wrong_key, dir, ports_from(1)).expect_err("no key");
    assert_eq!(err.to_string(), "couldn't find key match.json in configmap rec");
    let no_secret = Sources { secrets: BTreeMap::new(), ..sources() };
    let err = plan(&worker_pod(), &programs(), &no_secret, dir, ports_from(1)).expect_err("no secret");
    assert_eq!(err, LaunchError::MissingSecret("creds".into()));
}

#[test]
fn unknown_programs_and_probe_ports_are_refused() {
    let p = pod(json!({"containers": [{"name": "c", "command": ["/bin/sh", "-c", "true"]}]}));
    let err = plan(&p, &programs(), &Sources::default(), Path::new("/p"), ports_from(1)).expect_err("sh");
    assert!(matches!(err, LaunchError::UnknownProgram { ref program, .. } if program == "/bin/sh"), "{err}");
    let p = pod(json!({"containers": [{"name": "c", "command": ["livematch"],
        "readinessProbe": {"httpGet": {"path": "/", "port": "web"}}}]}));
    let err = plan(&p, &programs(), &Sources::default(), Path::new("/p"), ports_from(1)).expect_err("port");
    assert_eq!(err, LaunchError::UnknownPort { container: "c".into(), port: "web".into() });
}

#[test]
fn containers_without_a_command_run_the_image_entrypoint() {
    let p = pod(json!({"containers": [{"name": "gw",
        "args": ["gateway", "--listen", ":8080", "--public-dir=/usr/share/livematch/public/"],
        "ports": [{"containerPort": 8080}]}]}));
    let plan = plan(&p, &programs(), &Sources::default(), Path::new("/p"), ports_from(7)).expect("plan");
    assert_eq!(plan.containers[0].program, PathBuf::from("/bin/livematch"));
    assert_eq!(plan.containers[0].args, ["gateway", "--listen", "127.0.0.1:8", "--public-dir=/repo/public/"]);
}

#[test]
fn variable_expansion_follows_kubernetes() {
    let env = vec![("A".to_owned(), "1".to_owned()), ("B".to_owned(), "two".to_owned())];
    assert_eq!(expand_vars("x$(A)-$(B)$(C)$$(A)$", &env), "x1-two$(C)$(A)$");
}

#[test]
fn referenced_sources_are_listed_once() {
    let (cms, secrets) = referenced_sources(&worker_pod());
    assert_eq!((cms, secrets), (vec!["rec".to_owned()], vec!["creds".to_owned()]));
}

#[test]
fn secrets_reach_the_environment_and_mounted_files() {
    let p = pod(json!({
        "volumes": [{"name": "creds", "secret": {"secretName": "worker", "defaultMode": 288}}],
        "containers": [{
            "name": "consumer", "command": ["livematch"], "args": ["consume"],
            "envFrom": [{"secretRef": {"name": "shared"}}],
            "env": [
                {"name": "LIVEMATCH_KAFKA_OPTIONS",
                 "value": "security.protocol=SSL,ssl.ca.location=/etc/livematch/worker-secret/kafka-ca.crt"},
                {"name": "LIVEMATCH_REDIS_PASSWORD",
                 "valueFrom": {"secretKeyRef": {"name": "worker", "key": "redis-password", "optional": true}}},
                {"name": "LIVEMATCH_KAFKA_SASL_PASSWORD",
                 "valueFrom": {"secretKeyRef": {"name": "worker", "key": "kafka-sasl-password", "optional": true}}},
                {"name": "FROM_SHARED", "value": "$(SHARED_KEY)"}
            ],
            "volumeMounts": [{"name": "creds", "mountPath": "/etc/livematch/worker-secret", "readOnly": true}]
        }]
    }));
    let worker = BTreeMap::from([
        ("redis-password".to_owned(), "redis-pw".to_owned()),
        ("kafka-ca.crt".to_owned(), "-----BEGIN CERTIFICATE-----".to_owned()),
    ]);
    let shared = BTreeMap::from([("SHARED_KEY".to_owned(), "shared-value".to_owned())]);
    let sources = Sources {
        config_maps: BTreeMap::new(),
        secrets: BTreeMap::from([("worker".to_owned(), worker), ("shared".to_owned(), shared)]),
    };
    let dir = Path::new("/pods/p-1");
    let planned = plan(&p, &programs(), &sources, dir, ports_from(1)).expect("plan");
    let ca = dir.join("volumes/creds/kafka-ca.crt");
    assert!(planned.files.contains(&(ca.clone(), b"-----BEGIN CERTIFICATE-----".to_vec())), "{:?}", planned.files);
    let env: BTreeMap<_, _> = planned.containers[0].env.iter().cloned().collect();
    assert_eq!(env["LIVEMATCH_REDIS_PASSWORD"], "redis-pw");
    assert!(!env.contains_key("LIVEMATCH_KAFKA_SASL_PASSWORD"), "an optional absent key sets nothing");
    assert_eq!(env["SHARED_KEY"], "shared-value");
    assert_eq!(env["FROM_SHARED"], "shared-value");
    assert_eq!(
        env["LIVEMATCH_KAFKA_OPTIONS"],
        format!("security.protocol=SSL,ssl.ca.location={}", ca.display()),
        "a mounted path inside a property list is the pod's file"
    );
    // Without the Secret the volume (not optional) keeps the pod from starting.
    let err = plan(&p, &programs(), &Sources::default(), dir, ports_from(1)).expect_err("no secret");
    assert_eq!(err, LaunchError::MissingSecret("worker".into()));
}
