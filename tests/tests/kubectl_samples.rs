//! The official sample manifests (k8s/samples) and the invalid examples
//! (crds/examples/invalid) sent through `kubectl` to a real kube-apiserver
//! 1.20 running the generated CRD (crds/livematch.yaml).
//!
//! Each sample is accepted and reads back with the schema's defaults
//! filled in by the server; `kubectl get lm` shows the printer columns;
//! `kubectl apply -k` applies the same set through the kustomization;
//! `kubectl scale` drives `spec.consumers.replicas`; `kubectl explain` prints
//! the field docs. Each invalid example is refused with the error text its
//! `# apiserver:` header records (or accepted when it says `accepted`).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail, ensure};
use livematch_e2e::cluster::Cluster;
use livematch_sports::cricket::cricsheet;
use livematch_sports::cricket::{Format, Outcome};
use serde_json::{Value, json};

const CRD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../crds/livematch.yaml");
const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../k8s/samples");
const INVALID: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../crds/examples/invalid");

/// Sample files, the LiveMatch each one defines and its sport.
const SAMPLE_MATCHES: [(&str, &str, &str); 7] = [
    ("simulated-t20.yaml", "ind-pak", "cricket"),
    ("simulated-odi.yaml", "aus-eng", "cricket"),
    ("replay-configmap.yaml", "hawks-vipers", "cricket"),
    ("paused.yaml", "paused-match", "cricket"),
    ("simulated-football.yaml", "cup-tie", "football"),
    ("simulated-basketball.yaml", "hoops", "basketball"),
    ("simulated-tennis.yaml", "centre-court", "tennis"),
];
/// The ConfigMap replay-configmap.yaml holds the recorded match in.
const RECORDING: &str = "hawks-vipers-recording";

#[tokio::test]
async fn samples_and_invalid_examples_through_kubectl() -> anyhow::Result<()> {
    let cluster = Cluster::start().await?;
    let steps = async {
        install_crd(&cluster).await.context("install the CRD")?;
        apply_each_sample(&cluster).await.context("kubectl apply -f each sample")?;
        defaults_are_applied(&cluster).await.context("server-side defaults")?;
        recording_reads_back_as_a_match(&cluster).await.context("the replay ConfigMap")?;
        get_shows_printer_columns(&cluster).await.context("kubectl get lm")?;
        kustomization_applies_the_same_objects(&cluster).await.context("kubectl apply -k")?;
        scale_sets_consumer_replicas(&cluster).await.context("kubectl scale")?;
        explain_prints_field_docs(&cluster).await.context("kubectl explain")?;
        invalid_examples_are_refused(&cluster).await.context("invalid examples")?;
        cluster.check_running()
    };
    steps.await.map_err(|e| anyhow::anyhow!("{e:#}\n\ncontrol-plane logs:\n{}", cluster.logs()))
}

async fn install_crd(cluster: &Cluster) -> anyhow::Result<()> {
    cluster.install_crds(&std::fs::read_to_string(CRD)?).await
}

async fn apply_each_sample(cluster: &Cluster) -> anyhow::Result<()> {
    for (file, name, _) in SAMPLE_MATCHES {
        let out = cluster.apply_file(Path::new(SAMPLES).join(file)).await?;
        let expected = format!("livematch.livematch.dev/{name} created");
        ensure!(out.contains(&expected), "{file}: kubectl printed {out:?}, not {expected:?}");
    }
    Ok(())
}

/// `kubectl get lm NAME -o json`, as JSON.
async fn get_match(cluster: &Cluster, name: &str) -> anyhow::Result<Value> {
    let out = cluster.kubectl_ok(&["get", "lm", name, "-o", "json"]).await?;
    serde_json::from_str(&out).with_context(|| format!("parse LiveMatch {name}: {out}"))
}

/// Compare one spec field read back from the server with what it should be.
fn expect_field(name: &str, spec: &Value, pointer: &str, expected: &Value) -> anyhow::Result<()> {
    let actual = spec.pointer(pointer).unwrap_or(&Value::Null);
    ensure!(actual == expected, "{name}: spec{pointer} is {actual}, expected {expected} (spec: {spec})");
    Ok(())
}

async fn defaults_are_applied(cluster: &Cluster) -> anyhow::Result<()> {
    // (match, spec field, value): values the sample leaves out are the
    // CRD's defaults, filled in by the API server.
    let expectations = [
        ("ind-pak", "/consumers/replicas", json!(2)),
        ("ind-pak", "/kafka/partitions", json!(1)),
        ("ind-pak", "/kafka/replicationFactor", json!(1)),
        ("ind-pak", "/kafka/retention", json!("7d")),
        ("ind-pak", "/paused", json!(false)),
        ("ind-pak", "/source/simulate/seed", json!(42)),
        ("ind-pak", "/teams", json!({"home": "India", "away": "Pakistan"})),
        ("aus-eng", "/format", json!("odi")),
        ("aus-eng", "/consumers/replicas", json!(3)),
        ("aus-eng", "/kafka/partitions", json!(3)),
        ("aus-eng", "/paused", json!(false)),
        ("hawks-vipers", "/consumers/replicas", json!(1)),
        ("hawks-vipers", "/kafka", json!({"partitions": 1, "replicationFactor": 1})),
        ("hawks-vipers", "/paused", json!(false)),
        ("hawks-vipers", "/source", json!({"replay": {"configMap": {"name": RECORDING, "key": "match.json"}}})),
        ("paused-match", "/paused", json!(true)),
        ("paused-match", "/source/simulate/seed", json!(1)),
        ("paused-match", "/consumers", json!({"replicas": 2})),
        ("paused-match", "/kafka", json!({"partitions": 1, "replicationFactor": 1})),
        ("cup-tie", "/sport", json!("football")),
        ("cup-tie", "/format", json!("knockout")),
        ("cup-tie", "/teams", json!({"home": "Harbour Town", "away": "Valley Rovers"})),
        ("cup-tie", "/consumers/replicas", json!(2)),
        ("hoops", "/sport", json!("basketball")),
        ("hoops", "/format", json!("nba")),
        ("hoops", "/consumers/replicas", json!(1)),
        ("hoops", "/kafka", json!({"partitions": 1, "replicationFactor": 1})),
        ("centre-court", "/sport", json!("tennis")),
        ("centre-court", "/format", json!("best_of_5")),
        ("centre-court", "/source/simulate/seed", json!(3)),
        ("centre-court", "/consumers/replicas", json!(1)),
    ];
    for (name, pointer, expected) in &expectations {
        let lm = get_match(cluster, name).await?;
        expect_field(name, &lm["spec"], pointer, expected)?;
    }
    // Speed defaults to 1 when unset; every sample sets its own.
    for (name, speed) in [
        ("ind-pak", 60.0),
        ("aus-eng", 0.0),
        ("hawks-vipers", 10.0),
        ("paused-match", 10.0),
        ("cup-tie", 60.0),
        ("hoops", 30.0),
        ("centre-court", 60.0),
    ] {
        let lm = get_match(cluster, name).await?;
        let got = lm["spec"]["speed"].as_f64().with_context(|| format!("{name}: no spec.speed in {lm}"))?;
        ensure!((got - speed).abs() < f64::EPSILON, "{name}: spec.speed is {got}, expected {speed}");
    }
    Ok(())
}

/// The hand-written Cricsheet match survives the round trip through the API
/// server and parses as the replay the producer will play.
async fn recording_reads_back_as_a_match(cluster: &Cluster) -> anyhow::Result<()> {
    let text = cluster.kubectl_ok(&["get", "configmap", RECORDING, "-o", "jsonpath={.data.match\\.json}"]).await?;
    let replay = cricsheet::parse(text.as_bytes()).map_err(|e| anyhow::anyhow!("{RECORDING}: {e}"))?;
    ensure!(replay.data_version == "1.1.0", "data version {}", replay.data_version);
    ensure!(replay.info.format == Format::T20, "format {:?}", replay.info.format);
    ensure!(replay.info.teams == ["Harbour Hawks", "Valley Vipers"], "teams {:?}", replay.info.teams);
    ensure!(replay.result.outcome == Outcome::NoResult, "outcome {:?}", replay.result.outcome);
    let deliveries = replay.deliveries().count();
    ensure!(deliveries == 9, "{deliveries} deliveries, the recording has 9");
    Ok(())
}

async fn get_shows_printer_columns(cluster: &Cluster) -> anyhow::Result<()> {
    let out = cluster.kubectl_ok(&["get", "lm"]).await?;
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().context("no output")?.split_whitespace().collect();
    ensure!(
        header == ["NAME", "SPORT", "TEAMS", "PHASE", "SCORE", "READY", "AGE"],
        "kubectl get lm header is {header:?}"
    );
    let mut rows: Vec<(String, String)> = lines
        .map(|line| {
            let mut cells = line.split_whitespace();
            (cells.next().unwrap_or_default().to_string(), cells.next().unwrap_or_default().to_string())
        })
        .collect();
    rows.sort();
    let mut expected: Vec<(String, String)> =
        SAMPLE_MATCHES.iter().map(|(_, name, sport)| ((*name).to_string(), (*sport).to_string())).collect();
    expected.sort();
    ensure!(rows == expected, "kubectl get lm rows (name, sport) are {rows:?}\n{out}");

    // The priority-1 columns show with -o wide.
    let wide = cluster.kubectl_ok(&["get", "lm", "aus-eng", "-o", "wide"]).await?;
    let header: Vec<&str> = wide.lines().next().context("no output")?.split_whitespace().collect();
    ensure!(
        header == ["NAME", "SPORT", "FORMAT", "TEAMS", "PHASE", "SCORE", "READY", "SEQ", "AGE"],
        "kubectl get lm -o wide header is {header:?}"
    );
    let row: Vec<&str> = wide.lines().nth(1).context("no row")?.split_whitespace().collect();
    ensure!(row.get(..3) == Some(&["aus-eng", "cricket", "odi"][..]), "kubectl get lm -o wide row is {row:?}");
    let wide = cluster.kubectl_ok(&["get", "lm", "centre-court", "-o", "wide"]).await?;
    let row: Vec<&str> = wide.lines().nth(1).context("no row")?.split_whitespace().collect();
    ensure!(
        row.get(..3) == Some(&["centre-court", "tennis", "best_of_5"][..]),
        "kubectl get lm -o wide row is {row:?}"
    );
    Ok(())
}

async fn kustomization_applies_the_same_objects(cluster: &Cluster) -> anyhow::Result<()> {
    let built = cluster.kubectl_ok(&["kustomize", SAMPLES]).await?;
    let kinds: Vec<&str> = built.lines().filter_map(|l| l.strip_prefix("kind: ")).collect();
    let live_matches = kinds.iter().filter(|k| **k == "LiveMatch").count();
    let config_maps = kinds.iter().filter(|k| **k == "ConfigMap").count();
    ensure!((live_matches, config_maps) == (SAMPLE_MATCHES.len(), 1), "kubectl kustomize built kinds {kinds:?}");

    // Everything is already there, as applied file by file.
    let out = cluster.kubectl_ok(&["apply", "-k", SAMPLES]).await?;
    let lines: Vec<&str> = out.lines().collect();
    ensure!(
        lines.len() == SAMPLE_MATCHES.len() + 1 && lines.iter().all(|l| l.ends_with(" unchanged")),
        "kubectl apply -k printed {out:?}"
    );
    for (_, name, _) in SAMPLE_MATCHES {
        let line = format!("livematch.livematch.dev/{name} unchanged");
        ensure!(lines.contains(&line.as_str()), "kubectl apply -k printed {out:?}, without {line:?}");
    }
    Ok(())
}

async fn scale_sets_consumer_replicas(cluster: &Cluster) -> anyhow::Result<()> {
    let before = get_match(cluster, "ind-pak").await?;
    cluster.kubectl_ok(&["scale", "lm/ind-pak", "--replicas=3"]).await?;
    let after = get_match(cluster, "ind-pak").await?;
    expect_field("ind-pak", &after["spec"], "/consumers/replicas", &json!(3))?;
    let (g0, g1) = (&before["metadata"]["generation"], &after["metadata"]["generation"]);
    ensure!(g1.as_i64() > g0.as_i64(), "scaling did not bump metadata.generation ({g0} -> {g1})");
    // The rest of the spec is untouched.
    ensure!(
        before["spec"]["kafka"] == after["spec"]["kafka"] && before["spec"]["source"] == after["spec"]["source"],
        "kubectl scale changed more than replicas: {} -> {}",
        before["spec"],
        after["spec"]
    );
    Ok(())
}

async fn explain_prints_field_docs(cluster: &Cluster) -> anyhow::Result<()> {
    let out = cluster.kubectl_ok(&["explain", "livematch.spec.source"]).await?;
    for text in ["Where the match comes from", "simulate", "replay", "seeded simulator"] {
        ensure!(out.contains(text), "kubectl explain livematch.spec.source lacks {text:?}:\n{out}");
    }
    let out = cluster.kubectl_ok(&["explain", "livematch.spec.consumers.replicas"]).await?;
    ensure!(out.contains("kubectl scale lm/NAME --replicas=N"), "kubectl explain consumers.replicas:\n{out}");
    // Which formats each sport has, and that replays are cricket only
    // (kubectl wraps the text: compare with the lines joined).
    let flat = |out: String| out.split_whitespace().collect::<Vec<_>>().join(" ");
    let out = flat(cluster.kubectl_ok(&["explain", "livematch.spec.format"]).await?);
    for text in ["football `league`", "`knockout`", "basketball `nba`", "`fiba`", "`best_of_3_match_tiebreak`"] {
        ensure!(out.contains(text), "kubectl explain livematch.spec.format lacks {text:?}:\n{out}");
    }
    let out = flat(cluster.kubectl_ok(&["explain", "livematch.spec.sport"]).await?);
    for text in ["football", "basketball", "tennis", "Only cricket matches can be replayed"] {
        ensure!(out.contains(text), "kubectl explain livematch.spec.sport lacks {text:?}:\n{out}");
    }
    Ok(())
}

/// The invalid examples, with the `# apiserver:` text each one records.
fn invalid_examples() -> anyhow::Result<Vec<(PathBuf, String)>> {
    let mut examples = Vec::new();
    for entry in std::fs::read_dir(INVALID).with_context(|| format!("read {INVALID}"))? {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).with_context(|| format!("read {}", path.display()))?;
        let expected = text
            .lines()
            .find_map(|l| l.strip_prefix("# apiserver:"))
            .map(|s| s.trim().to_string())
            .with_context(|| format!("{}: no `# apiserver:` header", path.display()))?;
        examples.push((path, expected));
    }
    examples.sort();
    ensure!(examples.len() >= 10, "expected the invalid examples in {INVALID}, found {examples:?}");
    Ok(examples)
}

/// `metadata.name` of a one-object manifest.
fn manifest_name(path: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .find_map(|l| l.strip_prefix("  name: "))
        .map(|s| s.trim().to_string())
        .with_context(|| format!("{}: no metadata.name", path.display()))
}

async fn invalid_examples_are_refused(cluster: &Cluster) -> anyhow::Result<()> {
    for (path, expected) in invalid_examples()? {
        let file = path.display().to_string();
        let name = manifest_name(&path)?;
        let out = cluster.kubectl(&["apply", "-f", &file]).await?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if expected == "accepted" {
            ensure!(out.status.success(), "{file}: the header says accepted, kubectl failed: {stderr}");
            ensure!(lm_exists(cluster, &name).await?, "{file}: accepted, but LiveMatch {name} does not exist");
            continue;
        }
        if out.status.success() {
            bail!("{file}: kubectl apply succeeded, expected an error containing {expected:?}");
        }
        // kubectl's own schema check (from the server's OpenAPI) may refuse
        // first, with its own words (e.g. a missing required field); without
        // it the API server must refuse with the recorded text.
        let out = cluster.kubectl(&["apply", "--validate=false", "-f", &file]).await?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            bail!("{file}: the API server accepted it, expected an error containing {expected:?}");
        }
        ensure!(stderr.contains(&expected), "{file}: stderr lacks {expected:?}:\n{stderr}");
        ensure!(!lm_exists(cluster, &name).await?, "{file}: refused, yet LiveMatch {name} exists");
    }
    Ok(())
}

/// Whether LiveMatch `name` exists (in the default namespace).
async fn lm_exists(cluster: &Cluster, name: &str) -> anyhow::Result<bool> {
    Ok(cluster.kubectl(&["get", "lm", name, "-o", "name"]).await?.status.success())
}
