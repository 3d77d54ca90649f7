//! Bad input (issue 7, "Bad input"): Kafka record values and Cricsheet
//! replay files that are truncated, mistyped, of a newer schema, for
//! another match, duplicated or out of order. Properties, over the real
//! matches in `shared/data/cricsheet`:
//!
//! * every byte string either parses as an [`Envelope`] or gives a typed
//!   [`EnvelopeError`] whose message names the problem; none panics;
//! * [`MatchState::apply`] refuses an event for another match or sport, a
//!   duplicate or a gap, and whatever it refuses leaves the state
//!   byte-identical (serialized state and viewers' snapshot);
//! * a truncated or type-mutated replay file gives a [`CricsheetError`]
//!   naming the JSON path at fault; unknown fields are ignored, as the
//!   parser documents.
//!
//! Case counts are small by default; `PROPTEST_CASES=N` raises them all
//! for a soak.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use livematch_sports::cricket::cricsheet::{self, CricsheetError};
use livematch_sports::{ApplyError, Envelope, EnvelopeError, Event, MatchState, SCHEMA_VERSION, Sport};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};

const DATA_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/cricsheet");

/// `PROPTEST_CASES` when set, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

fn config(default: u32) -> ProptestConfig {
    ProptestConfig { cases: cases(default), failure_persistence: None, ..ProptestConfig::default() }
}

// ---------------------------------------------------------------- corpus

/// One real match file: its bytes, its JSON, every JSON path in it (in the
/// parser's notation, e.g. `innings[1].overs[3].deliveries[2].runs.batter`,
/// with the pointer to reach it) and the events it replays to.
struct File {
    name: String,
    bytes: Vec<u8>,
    doc: Value,
    paths: Vec<(String, Vec<Seg>)>,
    path_set: BTreeSet<String>,
    events: Vec<livematch_sports::cricket::Event>,
}

#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

fn walk(v: &Value, path: &str, segs: &[Seg], out: &mut Vec<(String, Vec<Seg>)>) {
    out.push((path.to_owned(), segs.to_vec()));
    let mut child = |c: &Value, p: String, seg: Seg| {
        let mut s = segs.to_vec();
        s.push(seg);
        walk(c, &p, &s, out);
    };
    match v {
        Value::Object(map) => {
            for (k, c) in map {
                let p = if path == "." { k.clone() } else { format!("{path}.{k}") };
                child(c, p, Seg::Key(k.clone()));
            }
        }
        Value::Array(items) => {
            for (i, c) in items.iter().enumerate() {
                child(c, format!("{path}[{i}]"), Seg::Index(i));
            }
        }
        _ => {}
    }
}

fn at<'a>(mut v: &'a Value, segs: &[Seg]) -> &'a Value {
    for seg in segs {
        v = match seg {
            Seg::Key(k) => &v[k.as_str()],
            Seg::Index(i) => &v[*i],
        };
    }
    v
}

fn at_mut<'a>(mut v: &'a mut Value, segs: &[Seg]) -> &'a mut Value {
    for seg in segs {
        v = match seg {
            Seg::Key(k) => &mut v[k.as_str()],
            Seg::Index(i) => &mut v[*i],
        };
    }
    v
}

fn files() -> &'static [File] {
    static FILES: OnceLock<Vec<File>> = OnceLock::new();
    FILES.get_or_init(|| {
        let dir = Path::new(DATA_DIR);
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| {
            panic!(
                "the Cricsheet data directory {} cannot be read ({e}): these tests mutate the real matches",
                dir.display()
            )
        });
        let mut paths: Vec<PathBuf> = entries
            .map(|e| e.expect("read data directory entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        assert!(!paths.is_empty(), "no *.json match files in {}", dir.display());
        paths
            .into_iter()
            .map(|p| {
                let name = p.file_name().expect("file name").to_string_lossy().into_owned();
                let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
                let doc: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
                let events = cricsheet::parse(&bytes).unwrap_or_else(|e| panic!("{name} must replay: {e}")).events;
                let mut paths = Vec::new();
                walk(&doc, ".", &[], &mut paths);
                let path_set = paths.iter().map(|(p, _)| p.clone()).collect();
                File { name, bytes, doc, paths, path_set, events }
            })
            .collect()
    })
}

const MATCH: &str = "ind-pak";

/// The envelopes of the first real match, seq 1..=n.
fn envelopes() -> &'static [Envelope] {
    static ENVS: OnceLock<Vec<Envelope>> = OnceLock::new();
    ENVS.get_or_init(|| {
        files()[0]
            .events
            .iter()
            .enumerate()
            .map(|(i, ev)| {
                let seq = i as u64 + 1;
                Envelope::new(MATCH, seq, 1_700_000_000_000 + 1_000 * i as i64, Event::Cricket(ev.clone()))
            })
            .collect()
    })
}

/// `states()[k]`: the match after its first `k` events, folded cleanly.
fn states() -> &'static [MatchState] {
    static STATES: OnceLock<Vec<MatchState>> = OnceLock::new();
    STATES.get_or_init(|| {
        let mut state = MatchState::new(MATCH, Sport::Cricket);
        let mut out = vec![state.clone()];
        for env in envelopes() {
            state.apply(env).unwrap_or_else(|e| panic!("clean fold, seq {}: {e}", env.seq));
            out.push(state.clone());
        }
        out
    })
}

/// The state as the store would keep it, and the viewers' snapshot.
fn fingerprint(state: &MatchState) -> (Vec<u8>, String) {
    (serde_json::to_vec(state).expect("state serializes"), state.snapshot().to_string())
}

// ---------------------------------------------------------------- envelopes

const ENVELOPE_LABELS: [&str; 3] = ["malformed", "schema_version", "invalid"];

/// JSON-looking text: the tokens an envelope is made of, shuffled.
fn jsonish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just(":".to_owned()),
        Just(",".to_owned()),
        Just("null".to_owned()),
        Just("\"v\"".to_owned()),
        Just("\"seq\"".to_owned()),
        Just("\"match_id\"".to_owned()),
        Just("\"sport\"".to_owned()),
        Just("\"cricket\"".to_owned()),
        Just("\"event\"".to_owned()),
        Just("\"type\"".to_owned()),
        Just("\"toss\"".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        "\"[a-z_]{0,8}\"",
    ];
    prop::collection::vec(token, 0..40).prop_map(|t| t.concat())
}

/// Arbitrary JSON values, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        "[a-z0-9 _-]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Check the contract of `Envelope::from_slice` on any input.
fn check_envelope(bytes: &[u8]) {
    match Envelope::from_slice(bytes) {
        Ok(env) => {
            // What parses is valid and survives a round trip unchanged.
            assert!(env.v <= SCHEMA_VERSION && env.seq >= 1 && !env.match_id.is_empty(), "{env:?}");
            let again = Envelope::from_slice(&env.to_vec()).expect("a parsed envelope re-parses");
            assert_eq!(again, env);
        }
        Err(e) => {
            assert!(ENVELOPE_LABELS.contains(&e.metric_label()), "unexpected label {}: {e}", e.metric_label());
            let text = e.to_string();
            assert!(text.len() > 20, "the message must say what is wrong: {text:?}");
        }
    }
}

/// One way to spoil a valid envelope's JSON.
#[derive(Debug, Clone)]
enum Spoil {
    NewerVersion(u32),
    ZeroSeq,
    EmptyMatchId,
    /// A top-level field set to a value of the wrong type.
    WrongType(&'static str, Value),
    Missing(&'static str),
    UnknownSport(String),
    /// An unknown top-level field: ignored (forward compatibility).
    Extra(String, Value),
}

fn spoil() -> impl Strategy<Value = Spoil> {
    let wrong_type = prop_oneof![
        (Just("v"), prop_oneof![Just(json!("1")), Just(json!(-1)), Just(json!(1.5)), Just(json!([1]))]),
        (Just("seq"), prop_oneof![Just(json!("3")), Just(json!(-3)), Just(json!(2.5)), Just(json!({"n": 3}))]),
        (Just("ts"), prop_oneof![Just(json!("now")), Just(json!(1.5)), Just(json!(true))]),
        (Just("match_id"), prop_oneof![Just(json!(7)), Just(json!(["m"])), Just(json!(false))]),
        (Just("sport"), prop_oneof![Just(json!(1)), Just(json!(["cricket"]))]),
        (Just("event"), prop_oneof![Just(json!("toss")), Just(json!(4)), Just(json!({"type": "no_such_event"}))]),
    ];
    prop_oneof![
        (SCHEMA_VERSION + 1..=u32::MAX).prop_map(Spoil::NewerVersion),
        Just(Spoil::ZeroSeq),
        Just(Spoil::EmptyMatchId),
        wrong_type.prop_map(|(f, v)| Spoil::WrongType(f, v)),
        prop::sample::select(vec!["v", "match_id", "seq", "ts", "sport", "event"]).prop_map(Spoil::Missing),
        "[a-z]{3,10}".prop_filter("not a sport", |s| s.parse::<Sport>().is_err()).prop_map(Spoil::UnknownSport),
        ("x_[a-z]{1,8}", json_value()).prop_map(|(k, v)| Spoil::Extra(k, v)),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check_envelope(&bytes);
    }

    #[test]
    fn jsonish_text_never_panics(text in jsonish()) {
        check_envelope(text.as_bytes());
    }

    #[test]
    fn arbitrary_objects_with_envelope_keys_never_panic(
        v in json_value(),
        seq in json_value(),
        event in json_value(),
        sport in prop::sample::select(vec!["cricket", "football", "basketball", "tennis", "curling"]),
    ) {
        let doc = json!({"v": 1, "match_id": v, "seq": seq, "ts": 0, "sport": sport, "event": event});
        check_envelope(&serde_json::to_vec(&doc).expect("json"));
    }

    /// A record cut anywhere is malformed JSON ending early (EOF), never a
    /// half-read event.
    #[test]
    fn truncated_envelopes_are_eof_errors(i in any::<Index>(), cut in any::<Index>()) {
        let bytes = envelopes()[i.index(envelopes().len())].to_vec();
        let cut = cut.index(bytes.len());
        match Envelope::from_slice(&bytes[..cut]) {
            Err(EnvelopeError::Json(e)) => {
                prop_assert!(e.is_eof(), "cut at {cut} of {}: {e}", String::from_utf8_lossy(&bytes));
                prop_assert!(e.to_string().contains("EOF"), "{e}");
            }
            other => prop_assert!(false, "cut at {cut}: expected an EOF error, got {other:?}"),
        }
    }

    /// Each way of spoiling a valid record gives its own typed error, and
    /// the message names the field or value at fault.
    #[test]
    fn spoiled_envelopes_give_the_named_error(i in any::<Index>(), spoil in spoil()) {
        let env = &envelopes()[i.index(envelopes().len())];
        let mut doc: Value = serde_json::from_slice(&env.to_vec()).expect("json");
        match &spoil {
            Spoil::NewerVersion(v) => doc["v"] = json!(v),
            Spoil::ZeroSeq => doc["seq"] = json!(0),
            Spoil::EmptyMatchId => doc["match_id"] = json!(""),
            Spoil::WrongType(field, value) => doc[*field] = value.clone(),
            Spoil::Missing(field) => {
                doc.as_object_mut().expect("object").remove(*field);
            }
            Spoil::UnknownSport(name) => doc["sport"] = json!(name),
            Spoil::Extra(key, value) => doc[key.as_str()] = value.clone(),
        }
        let result = Envelope::from_slice(&serde_json::to_vec(&doc).expect("json"));
        let text = result.as_ref().err().map(ToString::to_string).unwrap_or_default();
        match (&spoil, result) {
            (Spoil::NewerVersion(v), Err(EnvelopeError::UnsupportedVersion { found, supported })) => {
                prop_assert_eq!((found, supported), (*v, SCHEMA_VERSION));
                prop_assert!(text.contains(&v.to_string()), "{}", text);
            }
            (Spoil::ZeroSeq, Err(EnvelopeError::ZeroSeq))
            | (Spoil::EmptyMatchId, Err(EnvelopeError::EmptyMatchId)) => {}
            (Spoil::WrongType(field, _), Err(e)) => {
                prop_assert_eq!(e.metric_label(), "malformed");
                prop_assert!(text.contains(&format!("at {field}")), "{field} not named: {}", text);
                let EnvelopeError::Field { path, .. } = e else { unreachable!("named above") };
                prop_assert!(path.starts_with(field), "{}", path);
            }
            (Spoil::Missing(field), Err(e)) => {
                prop_assert_eq!(e.metric_label(), "malformed");
                prop_assert!(text.contains(&format!("missing field `{field}`")), "{}", text);
            }
            (Spoil::UnknownSport(name), Err(e)) => {
                prop_assert_eq!(e.metric_label(), "malformed");
                prop_assert!(text.contains(name.as_str()) && text.contains("cricket"), "{}", text);
            }
            (Spoil::Extra(..), Ok(parsed)) => prop_assert_eq!(&parsed, env),
            (spoil, other) => prop_assert!(false, "{spoil:?}: unexpected {other:?}"),
        }
    }
}

// ---------------------------------------------------------------- apply

/// An envelope the consumer must not apply to the match after `k` events.
#[derive(Debug, Clone)]
enum Misfit {
    /// The right next event, for another match.
    OtherMatch(String),
    /// An event already applied (seq 1..=k).
    Duplicate(Index),
    /// An event from after a gap (seq k+2 ..).
    Gap(u64),
    /// A record of a newer schema version, as the bytes arrive.
    NewerVersion(u32),
    /// The record cut short, as the bytes arrive.
    Truncated(Index),
}

fn misfit() -> impl Strategy<Value = Misfit> {
    prop_oneof![
        "[a-z0-9-]{1,12}".prop_filter("another match", |id| id != MATCH).prop_map(Misfit::OtherMatch),
        any::<Index>().prop_map(Misfit::Duplicate),
        (2u64..10_000).prop_map(Misfit::Gap),
        (SCHEMA_VERSION + 1..=u32::MAX).prop_map(Misfit::NewerVersion),
        any::<Index>().prop_map(Misfit::Truncated),
    ]
}

/// What the consumer does with a record: parse it, then apply it.
fn ingest(state: &mut MatchState, bytes: &[u8]) -> Result<u64, String> {
    let env = Envelope::from_slice(bytes).map_err(|e| format!("{}: {e}", e.metric_label()))?;
    state.apply(&env).map(|a| a.seq).map_err(|e| format!("{}: {e}", e.metric_label()))
}

proptest! {
    #![proptest_config(config(256))]

    /// Whatever is refused leaves the state byte-identical, with the error
    /// naming why; the right next event still applies afterwards and gives
    /// exactly the clean fold's state.
    #[test]
    fn refused_records_leave_the_state_byte_identical(k in any::<Index>(), misfit in misfit()) {
        let envs = envelopes();
        let k = k.index(envs.len()); // events applied so far; envs[k] is next
        let mut state = states()[k].clone();
        let before = fingerprint(&state);
        let next = &envs[k];
        let bytes = match &misfit {
            Misfit::OtherMatch(id) => {
                let mut env = next.clone();
                env.match_id = id.clone();
                env.to_vec()
            }
            Misfit::Duplicate(i) if k > 0 => {
                let mut env = envs[i.index(k)].clone();
                // Sometimes the duplicate carries another event's payload.
                if i.index(2) == 1 { env.event = next.event.clone(); }
                env.to_vec()
            }
            Misfit::Duplicate(_) => {
                let mut env = next.clone();
                env.seq = 0; // seq 0 is never valid: refused as bytes
                env.to_vec()
            }
            Misfit::Gap(ahead) => {
                let mut env = next.clone();
                env.seq = k as u64 + 1 + ahead;
                env.to_vec()
            }
            Misfit::NewerVersion(v) => {
                let mut env = next.clone();
                env.v = *v;
                env.to_vec()
            }
            Misfit::Truncated(cut) => {
                let bytes = next.to_vec();
                bytes[..cut.index(bytes.len())].to_vec()
            }
        };
        let refused = ingest(&mut state, &bytes);
        let Err(why) = refused else {
            return Err(TestCaseError::fail(format!("{misfit:?} after {k} events was applied")));
        };
        let label = why.split(':').next().unwrap_or_default();
        let expected = match &misfit {
            Misfit::OtherMatch(_) => "wrong_match",
            Misfit::Duplicate(_) if k > 0 => "duplicate",
            Misfit::Duplicate(_) => "invalid",
            Misfit::Gap(_) => "gap",
            Misfit::NewerVersion(_) => "schema_version",
            Misfit::Truncated(_) => "malformed",
        };
        prop_assert_eq!(label, expected, "{}", why);
        prop_assert!(fingerprint(&state) == before, "{:?} changed the state: {}", misfit, why);
        prop_assert_eq!(&state, &states()[k]);
        // The stream goes on exactly as if the record had never come.
        prop_assert_eq!(ingest(&mut state, &next.to_vec()), Ok(k as u64 + 1));
        prop_assert!(fingerprint(&state) == fingerprint(&states()[k + 1]), "state differs from the clean fold");
    }

    /// An event of the match played at the wrong moment (a later or earlier
    /// delivery, a second toss...) with the right seq is applied or refused
    /// by the laws; refused, it leaves no trace.
    #[test]
    fn events_out_of_place_are_refused_without_a_trace(k in any::<Index>(), j in any::<Index>()) {
        let envs = envelopes();
        let k = k.index(envs.len());
        let mut state = states()[k].clone();
        let before = fingerprint(&state);
        let mut env = envs[j.index(envs.len())].clone();
        env.seq = k as u64 + 1;
        match state.apply(&env) {
            Ok(applied) => prop_assert_eq!(applied.seq, k as u64 + 1),
            Err(e) => {
                prop_assert_eq!(e.metric_label(), "rule", "{}", e);
                prop_assert!(e.to_string().contains(&format!("seq {}", k + 1)), "{}", e);
                prop_assert!(fingerprint(&state) == before, "refused {} changed the state", env.event.kind());
                prop_assert_eq!(state.apply(&envs[k]).map(|a| a.seq).ok(), Some(k as u64 + 1));
                prop_assert!(fingerprint(&state) == fingerprint(&states()[k + 1]));
            }
        }
    }

    /// Records delivered with duplicates and out of order: applying what
    /// comes in order and refusing the rest always leaves exactly a clean
    /// prefix of the match, never a mixture.
    #[test]
    fn duplicates_and_reordering_leave_a_clean_prefix(order in prop::collection::vec(any::<Index>(), 1..120)) {
        let envs = envelopes();
        let mut state = states()[0].clone();
        for i in &order {
            // Mostly near the head of the stream, sometimes anywhere.
            let head = state.seq as usize;
            let pick = i.index(envs.len());
            let n = if pick % 3 == 0 { pick } else { (head + pick % 4).min(envs.len() - 1).saturating_sub(pick % 2) };
            let env = &envs[n];
            let before = state.seq;
            match state.apply(env) {
                Ok(a) => prop_assert_eq!(a.seq, before + 1),
                Err(ApplyError::Duplicate { seq, applied }) => {
                    prop_assert!(seq <= applied && applied == before)
                }
                Err(ApplyError::Gap { expected, got }) => prop_assert!(expected == before + 1 && got > expected),
                Err(e) => prop_assert!(false, "unexpected refusal of seq {}: {}", env.seq, e),
            }
            prop_assert!(state == states()[state.seq as usize], "not the clean fold at seq {}", state.seq);
        }
        prop_assert!(fingerprint(&state) == fingerprint(&states()[state.seq as usize]));
    }
}

/// A cricket event sent to a match of another sport is refused, naming
/// both sports, and changes nothing.
#[test]
fn events_of_another_sport_are_refused() {
    let env = &envelopes()[0];
    for sport in Sport::ALL.into_iter().filter(|s| *s != Sport::Cricket) {
        let mut state = MatchState::new(MATCH, sport);
        let before = fingerprint(&state);
        let err = state.apply(env).expect_err("a cricket event for a non-cricket match");
        assert_eq!(err.metric_label(), "wrong_sport", "{err}");
        let text = err.to_string();
        assert!(text.contains("cricket") && text.contains(sport.as_str()), "{text}");
        assert!(fingerprint(&state) == before, "{sport}: state changed");
    }
}

// ---------------------------------------------------------------- replay files

/// A JSON value of another kind than `v` (never `null`, which optional
/// fields accept; never an array for an object, which serde reads as the
/// struct's fields in order).
fn other_kind(v: &Value, pick: usize) -> Value {
    let candidates = [json!("x7"), json!(7), json!(true), json!([1, "a"]), json!({"k": 1})];
    let kind = |v: &Value| match v {
        Value::String(_) => 0,
        Value::Number(_) => 1,
        Value::Bool(_) => 2,
        Value::Array(_) => 3,
        Value::Object(_) => 4,
        Value::Null => 5,
    };
    let own = kind(v);
    let allowed: Vec<&Value> = candidates.iter().filter(|c| kind(c) != own && !(own == 4 && kind(c) == 3)).collect();
    allowed[pick % allowed.len()].clone()
}

/// Fields the parser reads whatever their JSON type (documented in
/// `cricsheet/raw.rs`: `match_number` is an integer or a string).
const ANY_TYPE_FIELDS: [&str; 1] = ["info.event.match_number"];

proptest! {
    #![proptest_config(config(128))]

    /// A file cut anywhere is reported as truncated, with a message naming
    /// the JSON path the file ends in: a path that exists in the whole file.
    #[test]
    fn truncated_files_name_where_they_end(f in any::<Index>(), cut in any::<Index>()) {
        let file = &files()[f.index(files().len())];
        let body = file.bytes.trim_ascii_end();
        let cut = cut.index(body.len());
        let err = match cricsheet::parse(&body[..cut]) {
            Err(e) => e,
            Ok(_) => return Err(TestCaseError::fail(format!("{} cut at {cut} parsed", file.name))),
        };
        prop_assert_eq!(err.metric_label(), "truncated", "{} cut at {}: {}", file.name, cut, err);
        let CricsheetError::Truncated { path, .. } = &err else { unreachable!("label checked") };
        let text = err.to_string();
        prop_assert!(text.contains("truncated") && text.contains(path.as_str()), "{}", text);
        prop_assert!(
            path == "." || file.path_set.contains(path.as_str()),
            "{} cut at {}: path {} is not in the file", file.name, cut, path
        );
    }

    /// A value of the wrong type anywhere gives a schema error at exactly
    /// its JSON path, unless the parser does not read that field (then the
    /// replay is unchanged).
    #[test]
    fn mistyped_values_are_named_by_path(f in any::<Index>(), p in any::<Index>(), pick in any::<usize>()) {
        let file = &files()[f.index(files().len())];
        let (path, segs) = &file.paths[1 + p.index(file.paths.len() - 1)]; // not the root
        let mut doc = file.doc.clone();
        let target = at_mut(&mut doc, segs);
        let old = target.clone();
        *target = other_kind(&old, pick);
        let bytes = serde_json::to_vec(&doc).expect("json");
        match cricsheet::parse(&bytes) {
            Err(err) => {
                prop_assert_eq!(err.path(), path.as_str(), "{}: {} -> {}: {}", file.name, old, at(&doc, segs), err);
                prop_assert!(err.to_string().starts_with(path.as_str()), "{}", err);
                prop_assert!(matches!(err.metric_label(), "schema" | "invalid"), "{}", err);
            }
            Ok(replay) => prop_assert!(
                replay.events == file.events || ANY_TYPE_FIELDS.contains(&path.as_str()),
                "{}: {} became {} and was accepted with different events", file.name, path, at(&doc, segs)
            ),
        }
    }

    /// Unknown fields are ignored wherever they appear (the parser reads
    /// only what it needs, so later format revisions still replay).
    #[test]
    fn unknown_fields_are_ignored(f in any::<Index>(), p in any::<Index>(), key in "x_[a-z]{1,10}", value in json_value()) {
        let file = &files()[f.index(files().len())];
        // Objects that are records (not maps keyed by team or person).
        let objects: Vec<&(String, Vec<Seg>)> = file
            .paths
            .iter()
            .filter(|(path, segs)| {
                at(&file.doc, segs).is_object()
                    && !path.starts_with("info.players")
                    && !path.starts_with("info.registry")
            })
            .collect();
        let (_, segs) = objects[p.index(objects.len())];
        let mut doc = file.doc.clone();
        at_mut(&mut doc, segs)[key.as_str()] = value;
        let replay = cricsheet::parse(&serde_json::to_vec(&doc).expect("json"));
        prop_assert!(replay.is_ok(), "{}: {:?}", file.name, replay.err().map(|e| e.to_string()));
        prop_assert!(replay.is_ok_and(|r| r.events == file.events), "{}: an unknown field changed the replay", file.name);
    }
}

/// Errors inside the event payload are located at `event` and say what
/// was expected. (The payload is an internally tagged enum: serde buffers
/// it, so the field within it cannot be named.)
#[test]
fn payload_errors_are_located_at_the_event() {
    let mut doc: Value = serde_json::from_slice(&envelopes()[1].to_vec()).expect("json");
    let kind = doc["event"]["type"].clone();
    let fields: Vec<String> = doc["event"].as_object().expect("event object").keys().cloned().collect();
    for field in fields.iter().filter(|k| *k != "type") {
        let mut doc = doc.clone();
        doc["event"][field.as_str()] = json!({"not": "this"});
        let err = Envelope::from_slice(&serde_json::to_vec(&doc).expect("json")).expect_err("mistyped payload");
        let text = err.to_string();
        assert!(text.contains("at event") && text.contains("expected"), "{kind} payload field {field}: {text}");
    }
    doc["event"]["type"] = json!("no_such_event");
    let err = Envelope::from_slice(&serde_json::to_vec(&doc).expect("json")).expect_err("unknown event type");
    let text = err.to_string();
    assert!(text.contains("at event") && text.contains("no_such_event"), "{text}");
}
