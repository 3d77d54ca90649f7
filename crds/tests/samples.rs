//! The sample manifests under crds/examples: the good ones deserialize with
//! the expected values and defaults and pass `validate()`; each one under
//! examples/invalid fails locally (serde or `validate()`) with the message
//! its `# error:` header names. Their `# apiserver:` header is what a 1.20
//! API server answers to `kubectl apply` (checked by hand against
//! kube-apiserver 1.20.2; `accepted` when only the operator can tell), for
//! the cluster tests to assert.

use std::path::{Path, PathBuf};

use livematch_crd::{
    ConfigMapKeyRef, ImagePullPolicy, LiveMatch, MatchFormat, MatchSource, ReplaySource, SimulateSource, Sport, Teams,
    describe, match_id,
};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Parse a manifest the way it reaches the operator: YAML to JSON (as
/// kubectl sends it), then JSON to the type.
fn parse(text: &str) -> Result<LiveMatch, String> {
    let json: serde_json::Value = serde_norway::from_str(text).map_err(|e| e.to_string())?;
    serde_json::from_value(json).map_err(|e| e.to_string())
}

fn load(name: &str) -> LiveMatch {
    let path = examples().join(name);
    let lm = parse(&read(&path)).unwrap_or_else(|e| panic!("{name}: {e}"));
    lm.spec.validate().unwrap_or_else(|e| panic!("{name}: {}", describe(&e)));
    lm
}

#[test]
fn full_simulated_t20() {
    let lm = load("simulated-t20.yaml");
    let spec = &lm.spec;
    assert_eq!(lm.metadata.name.as_deref(), Some("ind-pak"));
    assert_eq!(spec.sport, Sport::Cricket);
    assert_eq!(spec.format, Some(MatchFormat::T20));
    assert_eq!(spec.teams, Some(Teams { home: "India".into(), away: "Pakistan".into() }));
    assert_eq!(spec.source, MatchSource::Simulate(SimulateSource { seed: 42 }));
    assert!((spec.speed - 60.0).abs() < f64::EPSILON);
    assert_eq!((spec.kafka.partitions, spec.kafka.replication_factor), (3, 1));
    assert_eq!(spec.kafka.retention_ms(), Ok(Some(7 * 86_400_000)));
    assert_eq!(spec.consumers.replicas, 2);
    assert!(!spec.paused);

    let workers = spec.workers.as_ref().expect("workers");
    assert_eq!(workers.image.as_deref(), Some("livematch:dev"));
    assert_eq!(workers.image_pull_policy, Some(ImagePullPolicy::IfNotPresent));
    let resources = workers.resources.as_ref().expect("resources");
    let requests = resources.requests.as_ref().expect("requests");
    assert_eq!(requests.get("cpu").map(|q| q.0.as_str()), Some("50m"));
    assert_eq!(resources.limits.as_ref().and_then(|l| l.get("memory")).map(|q| q.0.as_str()), Some("128Mi"));
    assert_eq!(workers.env.first().map(|e| (e.name.as_str(), e.value.as_deref())), Some(("RUST_LOG", Some("info"))));
    let pod = workers.pod_overrides.as_ref().expect("podOverrides");
    assert_eq!(pod.labels.get("team").map(String::as_str), Some("sports-desk"));
    assert_eq!(pod.node_selector.get("kubernetes.io/os").map(String::as_str), Some("linux"));
    let toleration = pod.tolerations.first().expect("toleration");
    assert_eq!((toleration.key.as_deref(), toleration.effect.as_deref()), (Some("dedicated"), Some("NoSchedule")));
    assert_eq!(match_id(&lm), "default.ind-pak");
}

#[test]
fn minimal_gets_every_default() {
    let lm = load("simulated-minimal.yaml");
    let spec = &lm.spec;
    assert_eq!(spec.source, MatchSource::Simulate(SimulateSource { seed: 1 }));
    assert_eq!(spec.format, None);
    assert_eq!(spec.effective_format(), Some(MatchFormat::T20));
    assert_eq!(spec.teams, None);
    assert!((spec.speed - 1.0).abs() < f64::EPSILON);
    assert_eq!((spec.kafka.partitions, spec.kafka.replication_factor, spec.kafka.retention.as_deref()), (1, 1, None));
    assert_eq!(spec.consumers.replicas, 2);
    assert_eq!(spec.workers, None);
    assert_eq!(spec.workers_or_default().image, None);
    assert!(!spec.paused);
    assert!(lm.status.is_none());
}

#[test]
fn replay_from_configmap() {
    let lm = load("replay-configmap.yaml");
    assert_eq!(
        lm.spec.source,
        MatchSource::Replay(ReplaySource::ConfigMap(ConfigMapKeyRef {
            name: "ipl-2008-final".into(),
            key: "match.json".into()
        }))
    );
    assert_eq!(lm.spec.effective_format(), None, "a replay's format comes from the file");
    assert_eq!(lm.spec.speed, 0.0);
    assert_eq!(lm.spec.consumers.replicas, 1);
}

#[test]
fn replay_from_url_paused() {
    let lm = load("replay-url.yaml");
    match &lm.spec.source {
        MatchSource::Replay(ReplaySource::Url(url)) => assert!(url.starts_with("https://"), "{url}"),
        other => panic!("expected a URL replay, got {other:?}"),
    }
    assert!(lm.spec.paused);
    assert_eq!(lm.spec.source.kind(), "replay");
}

#[test]
fn simulated_matches_of_the_other_sports() {
    let lm = load("simulated-football.yaml");
    assert_eq!((lm.spec.sport, lm.spec.effective_format()), (Sport::Football, Some(MatchFormat::Knockout)));
    assert_eq!(lm.spec.teams, Some(Teams { home: "Rovers".into(), away: "United".into() }));
    assert_eq!(lm.spec.source, MatchSource::Simulate(SimulateSource { seed: 9 }));

    let lm = load("simulated-basketball.yaml");
    assert_eq!((lm.spec.sport, lm.spec.effective_format()), (Sport::Basketball, Some(MatchFormat::Fiba)));
    assert_eq!(lm.spec.teams, None);

    let lm = load("simulated-tennis.yaml");
    assert_eq!((lm.spec.sport, lm.spec.format), (Sport::Tennis, None));
    assert_eq!(lm.spec.effective_format(), Some(MatchFormat::BestOf3), "tennis defaults to best of 3");
    assert_eq!(lm.spec.teams.as_ref().map(Teams::display).as_deref(), Some("Ana Ruiz v Mia Chen"));
}

#[test]
fn a_spec_survives_a_round_trip() {
    for name in [
        "simulated-t20.yaml",
        "simulated-minimal.yaml",
        "replay-configmap.yaml",
        "replay-url.yaml",
        "simulated-football.yaml",
        "simulated-basketball.yaml",
        "simulated-tennis.yaml",
    ] {
        let lm = load(name);
        let json = serde_json::to_string(&lm).expect("serialize");
        let back: LiveMatch = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, lm, "{name}");
    }
}

/// The local error for an invalid example: the deserialization error, or
/// the `validate()` messages.
fn local_error(text: &str) -> Option<String> {
    match parse(text) {
        Err(e) => Some(e),
        Ok(lm) => lm.spec.validate().err().map(|e| describe(&e)),
    }
}

#[test]
fn every_invalid_example_fails_with_its_message() {
    let dir = examples().join("invalid");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples/invalid")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 10, "expected the invalid samples, found {paths:?}");
    for path in paths {
        let text = read(&path);
        let expected = text
            .lines()
            .find_map(|l| l.strip_prefix("# error: "))
            .unwrap_or_else(|| panic!("{}: no `# error:` header", path.display()));
        assert!(text.lines().any(|l| l.starts_with("# apiserver: ")), "{}: no `# apiserver:` header", path.display());
        let error = local_error(&text).unwrap_or_else(|| panic!("{} was accepted", path.display()));
        assert!(error.contains(expected), "{}: expected {expected:?} in {error:?}", path.display());
    }
}

/// Walk a JSON value and collect the paths holding `null`.
fn nulls(value: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Null => out.push(path.to_owned()),
        serde_json::Value::Object(map) => map.iter().for_each(|(k, v)| nulls(v, &format!("{path}.{k}"), out)),
        serde_json::Value::Array(items) => items.iter().for_each(|v| nulls(v, &format!("{path}[]"), out)),
        _ => {}
    }
}

#[test]
fn unset_options_are_never_sent_as_null() {
    // The schema has no `nullable`, so the API server would refuse a null:
    // every `Option` must be skipped when `None`.
    let mut lm = load("simulated-minimal.yaml");
    lm.status = Some(livematch_crd::LiveMatchStatus::default());
    lm.spec.workers = Some(livematch_crd::WorkersSpec {
        pod_overrides: Some(livematch_crd::PodOverrides::default()),
        ..livematch_crd::WorkersSpec::default()
    });
    let mut status = livematch_crd::LiveMatchStatus::default();
    status.set_condition(livematch_crd::Condition::new("Ready", true, "WorkersReady", "", "2025-01-01T00:00:00Z"));
    for lm in [load("simulated-t20.yaml"), lm.clone(), LiveMatch { status: Some(status), ..lm }] {
        let json = serde_json::to_value(&lm).expect("serialize");
        let mut found = Vec::new();
        nulls(&json, "", &mut found);
        assert!(found.is_empty(), "nulls at {found:?} in {json}");
    }
}
