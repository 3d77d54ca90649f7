//! Bad LiveMatch specs (issue 7, "Bad input"): properties over generated
//! specs. A spec reaches the operator as JSON; whatever it holds:
//!
//! * a value of the wrong type is refused when the spec is read, with the
//!   JSON path of the field;
//! * `validate()` never panics, and each problem it reports starts with
//!   the path of the field at fault (`spec.kafka.partitions: ...`), one
//!   problem per bad field;
//! * every spec within the documented bounds is valid;
//! * unknown fields are ignored (the API server prunes them anyway).
//!
//! `PROPTEST_CASES=N` raises the case counts for a soak.

use livematch_crd::{LiveMatchSpec, MatchFormat, Sport, describe};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};

fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(default);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

// ---------------------------------------------------------------- specs

/// A valid simulated spec with every optional field set.
fn simulated(sport: Sport, format: MatchFormat, home: &str, away: &str) -> Value {
    json!({
        "sport": sport.as_str(),
        "format": format.as_str(),
        "teams": {"home": home, "away": away},
        "source": {"simulate": {"seed": 42}},
        "speed": 2.5,
        "kafka": {"partitions": 3, "replicationFactor": 2, "retention": "7d"},
        "consumers": {"replicas": 2},
        "workers": {
            "image": "registry.example/livematch:0.1.0",
            "imagePullPolicy": "IfNotPresent",
            "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}},
            "env": [{"name": "RUST_LOG", "value": "debug"}],
            "podOverrides": {
                "labels": {"team": "blue"},
                "annotations": {"note": "x"},
                "nodeSelector": {"disk": "ssd"},
                "tolerations": [{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}],
                "serviceAccountName": "livematch-worker",
                "priorityClassName": "high",
                "imagePullSecrets": [{"name": "registry"}]
            }
        },
        "paused": false
    })
}

/// A valid replay spec (cricket; format and teams come from the file).
fn replay(url: bool) -> Value {
    let source = if url {
        json!({"replay": {"url": "https://data.example/match.json"}})
    } else {
        json!({"replay": {"configMap": {"name": "ind-pak", "key": "match.json"}}})
    };
    json!({"sport": "cricket", "source": source, "speed": 0, "kafka": {"partitions": 1}, "consumers": {"replicas": 0}})
}

fn read(v: &Value) -> Result<LiveMatchSpec, serde_path_to_error::Error<serde_json::Error>> {
    serde_path_to_error::deserialize(v.clone())
}

fn sport() -> impl Strategy<Value = Sport> {
    prop::sample::select(Sport::ALL.to_vec())
}

/// Two different, non-blank side names.
fn teams() -> impl Strategy<Value = (String, String)> {
    ("[A-Z][a-z]{2,10}( [A-Z][a-z]{1,8})?", "[A-Z][a-z]{2,10}( [A-Z][a-z]{1,8})?")
        .prop_filter("distinct sides", |(h, a)| !h.trim().eq_ignore_ascii_case(a.trim()))
}

/// A valid spec of any shape.
fn valid_spec() -> impl Strategy<Value = Value> {
    let simulated = (sport(), any::<Index>(), teams(), any::<u64>()).prop_map(|(sport, f, (home, away), seed)| {
        let formats = sport.formats();
        let mut v = simulated(sport, formats[f.index(formats.len())], &home, &away);
        v["source"]["simulate"]["seed"] = json!(seed);
        v
    });
    let ranges = (1i32..=64, 1i32..=5, 0i32..=16, 0f64..1e6, "[0-9]{1,9}(ms|s|m|h|d|w)");
    (prop_oneof![simulated, any::<bool>().prop_map(replay)], ranges).prop_map(
        |(mut v, (partitions, rf, replicas, speed, retention))| {
            v["kafka"] = json!({"partitions": partitions, "replicationFactor": rf, "retention": retention});
            v["consumers"] = json!({"replicas": replicas});
            v["speed"] = json!(speed);
            v
        },
    )
}

/// One bad field: the JSON change and the path every message about it
/// starts with.
#[derive(Debug, Clone)]
enum Bad {
    Partitions(i32),
    ReplicationFactor(i32),
    Replicas(i32),
    Speed(f64),
    Retention(String),
    BlankTeam(bool, String),
    SameTeams,
    ForeignFormat(Index),
    BlankImage(String),
    ReservedLabel(usize, String),
    BlankServiceAccount(String),
    BlankUrl(String),
}

fn outside(min: i32, max: i32) -> impl Strategy<Value = i32> {
    prop_oneof![i32::MIN..min, (max + 1)..=i32::MAX]
}

fn bad() -> impl Strategy<Value = Bad> {
    let blank = "[ \t]{0,4}";
    prop_oneof![
        outside(1, 64).prop_map(Bad::Partitions),
        outside(1, 5).prop_map(Bad::ReplicationFactor),
        outside(0, 16).prop_map(Bad::Replicas),
        (-1e12f64..-1e-9).prop_map(Bad::Speed),
        prop_oneof![
            "[0-9]{0,5}[a-z]{0,3}".prop_filter("not a duration", |s| !matches_duration(s)),
            "[0-9]{20,25}(ms|s|d)",
            Just("7 d".to_owned()),
            Just("-5m".to_owned()),
        ]
        .prop_map(Bad::Retention),
        (any::<bool>(), blank).prop_map(|(home, s)| Bad::BlankTeam(home, s)),
        Just(Bad::SameTeams),
        any::<Index>().prop_map(Bad::ForeignFormat),
        blank.prop_map(Bad::BlankImage),
        (0usize..2, "[a-z]{0,12}").prop_map(|(p, s)| Bad::ReservedLabel(p, s)),
        blank.prop_map(Bad::BlankServiceAccount),
        blank.prop_map(Bad::BlankUrl),
    ]
}

fn matches_duration(s: &str) -> bool {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && ["ms", "s", "m", "h", "d", "w"].contains(&&s[digits..])
}

/// Apply `bad` to a valid simulated spec; the field path it must be named by.
fn spoil(v: &mut Value, sport: Sport, bad: &Bad) -> &'static str {
    match bad {
        Bad::Partitions(n) => {
            v["kafka"]["partitions"] = json!(n);
            "spec.kafka.partitions"
        }
        Bad::ReplicationFactor(n) => {
            v["kafka"]["replicationFactor"] = json!(n);
            "spec.kafka.replicationFactor"
        }
        Bad::Replicas(n) => {
            v["consumers"]["replicas"] = json!(n);
            "spec.consumers.replicas"
        }
        Bad::Speed(s) => {
            v["speed"] = json!(s);
            "spec.speed"
        }
        Bad::Retention(r) => {
            v["kafka"]["retention"] = json!(r);
            "spec.kafka.retention"
        }
        Bad::BlankTeam(home, s) => {
            let side = if *home { "home" } else { "away" };
            v["teams"][side] = json!(s);
            if *home { "spec.teams.home" } else { "spec.teams.away" }
        }
        Bad::SameTeams => {
            let home = v["teams"]["home"].as_str().unwrap_or_default().to_owned();
            v["teams"]["away"] = json!(format!(" {} ", home.to_uppercase()));
            "spec.teams"
        }
        Bad::ForeignFormat(i) => {
            let foreign: Vec<MatchFormat> = Sport::ALL
                .into_iter()
                .filter(|s| *s != sport)
                .flat_map(|s| s.formats().iter().copied())
                .filter(|f| !sport.formats().contains(f))
                .collect();
            v["format"] = json!(foreign[i.index(foreign.len())].as_str());
            "spec.format"
        }
        Bad::BlankImage(s) => {
            v["workers"]["image"] = json!(s);
            "spec.workers.image"
        }
        Bad::ReservedLabel(p, s) => {
            let prefix = ["livematch.dev/", "app.kubernetes.io/"][*p];
            v["workers"]["podOverrides"]["labels"][format!("{prefix}{s}")] = json!("x");
            "spec.workers.podOverrides.labels"
        }
        Bad::BlankServiceAccount(s) => {
            v["workers"]["podOverrides"]["serviceAccountName"] = json!(s);
            "spec.workers.podOverrides.serviceAccountName"
        }
        Bad::BlankUrl(s) => {
            *v = replay(true);
            v["source"]["replay"]["url"] = json!(s);
            "spec.source.replay.url"
        }
    }
}

/// Every message names a field of the spec, and the label is a stable
/// snake_case word.
fn check_messages(spec: &LiveMatchSpec) {
    let Err(errors) = spec.validate() else { return };
    assert!(!errors.is_empty(), "Err with no errors");
    for e in &errors {
        let text = e.to_string();
        let field = text.split(':').next().unwrap_or_default();
        assert!(field.starts_with("spec.") && !field.contains(' '), "message does not start with a field: {text}");
        let label = e.metric_label();
        assert!(!label.is_empty() && label.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "label {label:?}");
    }
    assert_eq!(spec.validate(), Err(errors.clone()), "validate is deterministic");
    let all = describe(&errors);
    assert!(errors.iter().all(|e| all.contains(&e.to_string())));
}

// ---------------------------------------------------------------- JSON walking

fn paths(v: &Value, path: &str, out: &mut Vec<String>) {
    out.push(path.to_owned());
    match v {
        Value::Object(map) => {
            for (k, c) in map {
                paths(c, &if path.is_empty() { k.clone() } else { format!("{path}.{k}") }, out);
            }
        }
        Value::Array(items) => {
            for (i, c) in items.iter().enumerate() {
                paths(c, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// The value at a path made by [`paths`] (keys here hold no `.` or `[`).
fn at_mut<'a>(mut v: &'a mut Value, path: &str) -> &'a mut Value {
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, indexes) = part.split_once('[').map_or((part, ""), |(k, rest)| (k, rest));
        v = &mut v[key];
        for i in indexes.split('[').filter(|s| !s.is_empty()) {
            v = &mut v[i.trim_end_matches(']').parse::<usize>().unwrap_or(usize::MAX)];
        }
    }
    v
}

/// Objects whose keys are data (labels, quantities...), not field names.
const MAPS: [&str; 4] = [
    "workers.podOverrides.labels",
    "workers.podOverrides.annotations",
    "workers.podOverrides.nodeSelector",
    "workers.resources",
];

/// Objects whose one key names a variant (`simulate`/`replay`,
/// `configMap`/`url`): a second key is refused, not ignored.
const ENUMS: [&str; 2] = ["source", "source.replay"];

fn kind(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// Within the documented bounds every spec is valid.
    #[test]
    fn specs_within_bounds_are_valid(v in valid_spec()) {
        let spec = read(&v).map_err(|e| TestCaseError::fail(format!("{e}: {v}")))?;
        prop_assert_eq!(spec.validate(), Ok(()), "{}", v);
    }

    /// One bad field gives exactly one problem, naming that field.
    #[test]
    fn each_bad_field_is_named(sport in sport(), f in any::<Index>(), (home, away) in teams(), bad in bad()) {
        let formats = sport.formats();
        let mut v = simulated(sport, formats[f.index(formats.len())], &home, &away);
        let field = spoil(&mut v, sport, &bad);
        let spec = read(&v).map_err(|e| TestCaseError::fail(format!("{bad:?} must still read: {e}")))?;
        let errors = spec.validate().err().unwrap_or_default();
        let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
        prop_assert_eq!(texts.len(), 1, "{:?}: {:?}", bad, texts);
        prop_assert!(texts[0].starts_with(&format!("{field}:")), "{:?} should be named {}: {}", bad, field, texts[0]);
        check_messages(&spec);
    }

    /// A value of another JSON type anywhere is refused when the spec is
    /// read, naming its path; or, where any value is accepted, the spec
    /// still validates without panicking and names fields.
    #[test]
    fn mistyped_values_are_refused_with_their_path(v in valid_spec(), p in any::<Index>(), new in json_leaf()) {
        let mut all = Vec::new();
        paths(&v, "", &mut all);
        let path = &all[1 + p.index(all.len() - 1)];
        let mut doc = v.clone();
        let target = at_mut(&mut doc, path);
        let same_kind = kind(target) == kind(&new) || (kind(target) == 5 && kind(&new) == 4);
        prop_assume!(!same_kind);
        *target = new.clone();
        match read(&doc) {
            Err(e) => {
                let at = e.path().to_string();
                prop_assert!(
                    at == *path || path.starts_with(&format!("{at}.")) || at.starts_with(path.as_str()),
                    "{} = {} refused at {}: {}", path, new, at, e
                );
                prop_assert!(!e.inner().to_string().is_empty());
            }
            Ok(spec) => {
                // Only optional fields accept null, and free-form maps any string.
                prop_assert!(new.is_null() || MAPS.iter().any(|m| path.starts_with(m)),
                    "{} = {} was accepted", path, new);
                check_messages(&spec);
            }
        }
    }

    /// Arbitrary JSON in place of the whole spec, or of any part of it,
    /// never panics: it is refused when read, or validated.
    #[test]
    fn arbitrary_json_never_panics(v in valid_spec(), p in any::<Index>(), new in json_value()) {
        let mut all = Vec::new();
        paths(&v, "", &mut all);
        let mut doc = v.clone();
        *at_mut(&mut doc, &all[p.index(all.len())]) = new;
        if let Ok(spec) = read(&doc) {
            check_messages(&spec);
        }
    }

    /// Unknown fields in any record are ignored: the spec reads the same.
    #[test]
    fn unknown_fields_are_ignored(v in valid_spec(), p in any::<Index>(), key in "x[A-Z][a-z]{1,8}", value in json_value()) {
        let mut all = Vec::new();
        paths(&v, "", &mut all);
        let mut d = v.clone();
        let records: Vec<&String> = all
            .iter()
            .filter(|p| {
                at_mut(&mut d, p).is_object() && !MAPS.iter().any(|m| p.starts_with(m)) && !ENUMS.contains(&p.as_str())
            })
            .collect();
        let mut doc = v.clone();
        at_mut(&mut doc, records[p.index(records.len())])[key.as_str()] = value;
        let with = read(&doc).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let without = read(&v).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(with, without);
    }
}

/// A JSON value of any kind but a container of fields.
fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "[a-z0-9 ]{0,10}".prop_map(Value::from),
        Just(json!([1, "a"])),
        Just(json!({"k": 1})),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z]{1,8}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// NaN and infinite speeds cannot be written in JSON, but a spec built in
/// code can hold them: refused all the same.
#[test]
fn non_finite_speeds_are_named() {
    for speed in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut spec = read(&replay(false)).expect("valid replay");
        spec.speed = speed;
        let errors = spec.validate().expect_err("non-finite speed");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].to_string().starts_with("spec.speed:"), "{}", errors[0]);
    }
}
