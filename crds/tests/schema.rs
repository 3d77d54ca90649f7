//! The generated CRD: names, subresources, printer columns, and an OpenAPI
//! schema that holds the validation the API server must apply and that is
//! structural (Kubernetes 1.20 refuses a CRD whose schema is not).

use serde_json::Value;

fn crd_json() -> Value {
    serde_json::to_value(livematch_crd::crd()).expect("CRD to JSON")
}

fn version(crd: &Value) -> &Value {
    let versions = crd["spec"]["versions"].as_array().expect("versions");
    assert_eq!(versions.len(), 1);
    &versions[0]
}

fn schema(crd: &Value) -> &Value {
    &version(crd)["schema"]["openAPIV3Schema"]
}

/// The schema node at a dotted path of property names (`spec.kafka.partitions`).
fn prop<'a>(root: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(root, |node, name| {
        let next = &node["properties"][name];
        assert!(!next.is_null(), "no property {name} on the way to {path}");
        next
    })
}

#[test]
fn names_and_scope() {
    let crd = crd_json();
    assert_eq!(crd["metadata"]["name"], "livematches.livematch.dev");
    let spec = &crd["spec"];
    assert_eq!(spec["group"], "livematch.dev");
    assert_eq!(spec["scope"], "Namespaced");
    assert_eq!(spec["names"]["kind"], "LiveMatch");
    assert_eq!(spec["names"]["plural"], "livematches");
    assert_eq!(spec["names"]["singular"], "livematch");
    assert_eq!(spec["names"]["shortNames"], serde_json::json!(["lm"]));
    let v = version(&crd);
    assert_eq!(
        (v["name"].as_str(), v["served"].as_bool(), v["storage"].as_bool()),
        (Some("v1alpha1"), Some(true), Some(true))
    );
}

#[test]
fn status_and_scale_subresources() {
    let crd = crd_json();
    let sub = &version(&crd)["subresources"];
    assert_eq!(sub["status"], serde_json::json!({}));
    assert_eq!(sub["scale"]["specReplicasPath"], ".spec.consumers.replicas");
    assert_eq!(sub["scale"]["statusReplicasPath"], ".status.replicas");
    assert_eq!(sub["scale"]["labelSelectorPath"], ".status.selector");
    // Each path points at an integer (or string selector) the schema defines.
    let root = schema(&crd);
    assert_eq!(prop(root, "spec.consumers.replicas")["type"], "integer");
    assert_eq!(prop(root, "status.replicas")["type"], "integer");
    assert_eq!(prop(root, "status.selector")["type"], "string");
}

#[test]
fn printer_columns_read_like_a_scoreboard() {
    let crd = crd_json();
    let columns = version(&crd)["additionalPrinterColumns"].as_array().expect("columns").clone();
    let shown: Vec<(&str, &str)> = columns
        .iter()
        .filter(|c| c["priority"].as_i64().unwrap_or(0) == 0)
        .map(|c| (c["name"].as_str().expect("name"), c["jsonPath"].as_str().expect("path")))
        .collect();
    assert_eq!(
        shown,
        [
            ("Sport", ".spec.sport"),
            ("Teams", ".status.teams"),
            ("Phase", ".status.phase"),
            ("Score", ".status.summary"),
            ("Ready", ".status.ready"),
            ("Age", ".metadata.creationTimestamp"),
        ]
    );
    // Every column's path exists in the schema.
    let root = schema(&crd);
    for column in &columns {
        let path = column["jsonPath"].as_str().expect("path");
        if path.starts_with(".metadata.") {
            continue;
        }
        prop(root, &path[1..]);
    }
}

#[test]
fn spec_validation_is_in_the_schema() {
    let crd = crd_json();
    let root = schema(&crd);
    let spec = prop(root, "spec");
    assert_eq!(spec["required"], serde_json::json!(["source", "sport"]));
    assert_eq!(prop(root, "spec.sport")["enum"], serde_json::json!(["cricket", "football", "basketball", "tennis"]));
    let formats: Vec<&str> = livematch_crd::MatchFormat::ALL.iter().map(|f| f.as_str()).collect();
    assert_eq!(
        formats,
        ["t20", "odi", "league", "knockout", "nba", "fiba", "best_of_3", "best_of_5", "best_of_3_match_tiebreak"]
    );
    assert_eq!(prop(root, "spec.format")["enum"], serde_json::json!(formats));

    let partitions = prop(root, "spec.kafka.partitions");
    assert_eq!((partitions["minimum"].as_f64(), partitions["maximum"].as_f64()), (Some(1.0), Some(64.0)));
    assert_eq!(partitions["default"], 1);
    let rf = prop(root, "spec.kafka.replicationFactor");
    assert_eq!((rf["minimum"].as_f64(), rf["maximum"].as_f64()), (Some(1.0), Some(5.0)));
    let replicas = prop(root, "spec.consumers.replicas");
    assert_eq!((replicas["minimum"].as_f64(), replicas["maximum"].as_f64()), (Some(0.0), Some(16.0)));
    assert_eq!(replicas["default"], 2);
    let speed = prop(root, "spec.speed");
    assert_eq!((speed["minimum"].as_f64(), speed["default"].as_f64()), (Some(0.0), Some(1.0)));
    assert_eq!(prop(root, "spec.paused")["default"], false);
    assert_eq!(prop(root, "spec.source.simulate.seed")["default"], 1);
    assert_eq!(prop(root, "spec.kafka.retention")["pattern"], livematch_crd::kafka::RETENTION_PATTERN);
    assert_eq!(prop(root, "spec.teams")["required"], serde_json::json!(["away", "home"]));
    assert_eq!(prop(root, "spec.source.replay.configMap")["required"], serde_json::json!(["key", "name"]));
    assert_eq!(
        prop(root, "spec.workers.imagePullPolicy")["enum"],
        serde_json::json!(["Always", "IfNotPresent", "Never"])
    );
    // Parent objects default to {} so the API server fills their fields' defaults.
    assert_eq!(prop(root, "spec.kafka")["default"], serde_json::json!({"partitions": 1, "replicationFactor": 1}));
    assert_eq!(prop(root, "spec.consumers")["default"], serde_json::json!({"replicas": 2}));
}

#[test]
fn exactly_one_source_is_a_structural_one_of() {
    let crd = crd_json();
    let root = schema(&crd);
    let source = prop(root, "spec.source");
    assert_eq!(source["oneOf"], serde_json::json!([{"required": ["simulate"]}, {"required": ["replay"]}]));
    assert_eq!(prop(root, "spec.source.simulate")["type"], "object");
    let replay = prop(root, "spec.source.replay");
    assert_eq!(replay["oneOf"], serde_json::json!([{"required": ["configMap"]}, {"required": ["url"]}]));
    assert!(prop(root, "spec.source.replay.url")["pattern"].as_str().expect("pattern").starts_with("^https?://"));
}

#[test]
fn status_shape() {
    let crd = crd_json();
    let root = schema(&crd);
    assert_eq!(
        prop(root, "status.phase")["enum"],
        serde_json::json!(["Pending", "Starting", "Live", "Completed", "Failed", "Paused"])
    );
    let conditions = prop(root, "status.conditions");
    assert_eq!(conditions["x-kubernetes-list-type"], "map");
    assert_eq!(conditions["x-kubernetes-list-map-keys"], serde_json::json!(["type"]));
    let item = &conditions["items"];
    assert_eq!(item["required"], serde_json::json!(["lastTransitionTime", "reason", "status", "type"]));
    assert_eq!(item["properties"]["status"]["enum"], serde_json::json!(["True", "False", "Unknown"]));
    for field in ["observedGeneration", "topic", "readyReplicas", "summary", "lastSeq", "producer", "teams"] {
        prop(root, &format!("status.{field}"));
    }
}

/// Where a schema node breaks Kubernetes' structural-schema rules (or
/// would be refused by a 1.20 API server).
fn structural_problems(node: &Value, path: &str, problems: &mut Vec<String>) {
    let Some(map) = node.as_object() else {
        problems.push(format!("{path}: not an object"));
        return;
    };
    let flag = |key: &str| map.get(key).and_then(Value::as_bool).unwrap_or(false);
    if !map.contains_key("type") && !flag("x-kubernetes-int-or-string") && !flag("x-kubernetes-preserve-unknown-fields")
    {
        problems.push(format!("{path}: no type"));
    }
    for key in ["$ref", "anyOf", "allOf", "not", "definitions", "x-kubernetes-validations"] {
        if map.contains_key(key) {
            problems.push(format!("{path}: has {key}"));
        }
    }
    if map.get("uniqueItems") == Some(&Value::Bool(true)) {
        problems.push(format!("{path}: uniqueItems"));
    }
    if map.contains_key("properties") && map.contains_key("additionalProperties") {
        problems.push(format!("{path}: both properties and additionalProperties"));
    }
    if let Some(branches) = map.get("oneOf").and_then(Value::as_array) {
        // Value validations only: a branch may not declare types or properties.
        for branch in branches {
            let keys: Vec<&String> = branch.as_object().map(|b| b.keys().collect()).unwrap_or_default();
            if keys.iter().any(|k| k.as_str() != "required") {
                problems.push(format!("{path}: oneOf branch {branch}"));
            }
        }
    }
    if let Some(props) = map.get("properties").and_then(Value::as_object) {
        for (name, child) in props {
            structural_problems(child, &format!("{path}.{name}"), problems);
        }
    }
    if let Some(items) = map.get("items") {
        structural_problems(items, &format!("{path}[]"), problems);
    }
    if let Some(extra @ Value::Object(_)) = map.get("additionalProperties") {
        structural_problems(extra, &format!("{path}{{}}"), problems);
    }
}

#[test]
fn schema_is_structural() {
    let crd = crd_json();
    let mut problems = Vec::new();
    structural_problems(schema(&crd), "", &mut problems);
    assert!(problems.is_empty(), "not structural:\n{}", problems.join("\n"));
}

#[test]
fn structural_check_catches_problems() {
    // The checker itself must fail on the shapes it looks for.
    let bad = serde_json::json!({
        "type": "object",
        "properties": {
            "a": {"description": "no type"},
            "b": {"type": "object", "properties": {"x": {"type": "string"}}, "additionalProperties": {"type": "string"}},
            "c": {"type": "object", "oneOf": [{"required": ["x"], "properties": {"x": {"type": "string"}}}]},
            "d": {"anyOf": [{"type": "string"}, {"type": "null"}]}
        }
    });
    let mut problems = Vec::new();
    structural_problems(&bad, "", &mut problems);
    for expected in [".a: no type", ".b: both properties", ".c: oneOf branch", ".d: has anyOf"] {
        assert!(problems.iter().any(|p| p.starts_with(expected)), "{expected} not in {problems:?}");
    }
}

/// Paths of properties (ours and those of the embedded Kubernetes types)
/// without a description, which `kubectl explain` would show empty. Array
/// items are described by their array, so only their properties count.
fn undocumented(node: &Value, path: &str, out: &mut Vec<String>) {
    if node.get("description").and_then(Value::as_str).is_none_or(|d| d.trim().is_empty()) {
        out.push(path.to_owned());
    }
    let mut node = node;
    let mut path = path.to_owned();
    while let Some(items) = node.get("items") {
        node = items;
        path.push_str("[]");
    }
    if let Some(props) = node.get("properties").and_then(Value::as_object) {
        for (name, child) in props {
            if !matches!(name.as_str(), "metadata" | "apiVersion" | "kind") {
                undocumented(child, &format!("{path}.{name}"), out);
            }
        }
    }
}

#[test]
fn every_field_has_a_description() {
    let crd = crd_json();
    let mut missing = Vec::new();
    undocumented(schema(&crd), "", &mut missing);
    assert!(missing.is_empty(), "fields without a description: {missing:?}");
}

#[test]
fn no_field_is_nullable() {
    // A nullable field loses its type in the API server's OpenAPI v2, and
    // `kubectl explain` shows it as `<>`.
    let yaml = livematch_crd::crd_yaml().expect("yaml");
    assert!(!yaml.contains("nullable"), "a nullable field is left");
}

#[test]
fn descriptions_are_the_field_docs_unwrapped() {
    let crd = crd_json();
    let root = schema(&crd);
    // An Option<enum> field keeps its own doc, not the enum type's.
    let format = prop(root, "spec.format")["description"].as_str().expect("description");
    assert!(format.starts_with("Match format, one of the sport's"), "{format}");
    // It names every format, so `kubectl explain` tells which sport each is for.
    for f in livematch_crd::MatchFormat::ALL {
        assert!(format.contains(&format!("`{}`", f.as_str())), "{f} is not explained: {format}");
    }
    let phase = prop(root, "status.phase")["description"].as_str().expect("description");
    assert!(phase.starts_with("Lifecycle phase: Pending"), "{phase}");
    // Doc-comment line wrapping is gone.
    let speed = prop(root, "spec.speed")["description"].as_str().expect("description");
    assert!(!speed.contains('\n') && speed.contains("real pace of a match"), "{speed:?}");
}
