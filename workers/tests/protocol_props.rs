//! The client-frame parser (`protocol::parse_client`) under arbitrary
//! input (issue 7, "Bad input"): it never panics, it agrees with a model of
//! `docs/protocol.md` on every JSON object, and every refusal is an
//! `error` frame with a documented code, a message, and a bounded size
//! (a client's garbage is never echoed back in full).
//!
//! `PROPTEST_CASES=N` raises the case counts for a soak.

use std::collections::BTreeSet;

use livematch_workers::protocol::{self, ClientOp, ErrorCode, MAX_MATCH_ID_LEN, RequestError};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const PROTOCOL_DOC: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/protocol.md"));

/// Longest error frame the server answers with, whatever the request.
const MAX_ERROR_FRAME: usize = 512;

fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(default);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// The codes of the error table in `docs/protocol.md` (rows "| `code` |").
fn documented_codes() -> BTreeSet<String> {
    let table = PROTOCOL_DOC
        .split("### error")
        .nth(1)
        .and_then(|rest| rest.split("## Close codes").next())
        .expect("docs/protocol.md has an error section before the close codes");
    table
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once('`').map(|(code, _)| code.to_owned()))
        .collect()
}

const ALL_CODES: [ErrorCode; 10] = [
    ErrorCode::BadJson,
    ErrorCode::UnknownOp,
    ErrorCode::BadRequest,
    ErrorCode::FrameTooLarge,
    ErrorCode::BinaryNotSupported,
    ErrorCode::TooManySubscriptions,
    ErrorCode::RateLimited,
    ErrorCode::NotSubscribed,
    ErrorCode::SlowConsumer,
    ErrorCode::ServerBusy,
];

#[test]
fn every_error_code_is_documented() {
    let documented = documented_codes();
    for code in ALL_CODES {
        assert!(documented.contains(code.as_str()), "{} is not in the error table of docs/protocol.md", code.as_str());
    }
    assert_eq!(documented.len(), ALL_CODES.len(), "documented codes {documented:?}");
}

/// The contract every refusal keeps.
fn check_refusal(err: &RequestError) {
    assert!(
        matches!(err.code, ErrorCode::BadJson | ErrorCode::UnknownOp | ErrorCode::BadRequest),
        "the parser only refuses with bad_json, unknown_op or bad_request: {err}"
    );
    assert!(documented_codes().contains(err.code.as_str()));
    assert!(err.message.len() >= 10, "message too short to help: {err}");
    let frame = err.frame();
    assert!(frame.len() <= MAX_ERROR_FRAME, "error frame of {} bytes echoes the request: {frame}", frame.len());
    let v: Value = serde_json::from_str(&frame).unwrap_or_else(|e| panic!("error frame is not JSON ({e}): {frame}"));
    assert_eq!(v["type"], "error");
    assert_eq!(v["code"], err.code.as_str());
    assert_eq!(v["message"], err.message.as_str());
    assert_eq!(v.get("match").and_then(Value::as_str), err.match_id.as_deref());
    if let Some(id) = &err.match_id {
        assert!(protocol::valid_match_id(id), "only valid match ids are named back: {id:?}");
    }
}

fn check(text: &str) -> Result<ClientOp, RequestError> {
    let parsed = protocol::parse_client(text);
    if let Err(e) = &parsed {
        check_refusal(e);
    }
    parsed
}

/// What `docs/protocol.md` says a JSON object means.
fn model(map: &Map<String, Value>) -> Result<ClientOp, (ErrorCode, Option<String>)> {
    let op = match map.get("op") {
        Some(Value::String(op)) => op.as_str(),
        _ => return Err((ErrorCode::BadRequest, None)),
    };
    let match_id = || match map.get("match") {
        Some(Value::String(id)) if protocol::valid_match_id(id) => Ok(id.clone()),
        _ => Err((ErrorCode::BadRequest, None)),
    };
    match op {
        "subscribe" => {
            let id = match_id()?;
            let since = match map.get("since") {
                None | Some(Value::Null) => None,
                Some(v) => Some(v.as_u64().ok_or((ErrorCode::BadRequest, Some(id.clone())))?),
            };
            Ok(ClientOp::Subscribe { match_id: id, since })
        }
        "unsubscribe" => Ok(ClientOp::Unsubscribe { match_id: match_id()? }),
        "lobby" => Ok(ClientOp::Lobby),
        "ping" => Ok(ClientOp::Ping { id: map.get("id").cloned().unwrap_or(Value::Null) }),
        _ => Err((ErrorCode::UnknownOp, None)),
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        // Floats that print and parse back exactly (serde_json's default
        // parser is not correctly rounded for all 17-digit floats).
        (-1_000_000_000i64..1_000_000_000).prop_map(|n| Value::from(n as f64 / 1000.0)),
        ".{0,40}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn match_id_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => "[a-zA-Z0-9:._-]{1,16}".prop_map(Value::from),
        1 => Just(json!("x".repeat(MAX_MATCH_ID_LEN))),
        1 => Just(json!("x".repeat(MAX_MATCH_ID_LEN + 1))),
        1 => ".{0,200}".prop_map(Value::from),
        1 => json_value(),
    ]
}

/// Objects shaped like requests, with every field sometimes wrong.
fn request_object() -> impl Strategy<Value = Map<String, Value>> {
    let op = prop_oneof![
        4 => prop::sample::select(vec!["subscribe", "unsubscribe", "lobby", "ping"]).prop_map(Value::from),
        1 => ".{0,300}".prop_map(Value::from),
        1 => json_value(),
    ];
    let since = prop_oneof![
        any::<u64>().prop_map(Value::from),
        Just(Value::Null),
        any::<i64>().prop_map(Value::from),
        ".{0,3000}".prop_map(Value::from),
        json_value(),
    ];
    (
        prop::option::weighted(0.9, op),
        prop::option::weighted(0.8, match_id_value()),
        prop::option::of(since),
        prop::option::of(json_value()),
        prop::collection::btree_map("[a-z]{1,6}", json_value(), 0..3),
    )
        .prop_map(|(op, id, since, ping_id, extra)| {
            let mut map: Map<String, Value> = extra.into_iter().collect();
            for (k, v) in [("op", op), ("match", id), ("since", since), ("id", ping_id)] {
                match v {
                    Some(v) => map.insert(k.to_owned(), v),
                    None => map.remove(k),
                };
            }
            map
        })
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,2000}") {
        let _ = check(&text);
    }

    #[test]
    fn arbitrary_bytes_as_text_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        // What a client can put in a text frame is valid UTF-8; lossy
        // decoding covers the rest of the byte space.
        let _ = check(&String::from_utf8_lossy(&bytes));
    }

    /// Anything that is JSON but not an object is `bad_json`.
    #[test]
    fn json_that_is_not_an_object_is_bad_json(v in json_value().prop_filter("not an object", |v| !v.is_object())) {
        let err = check(&v.to_string()).expect_err("not an object");
        prop_assert_eq!(err.code, ErrorCode::BadJson);
        prop_assert_eq!(err.match_id, None);
    }

    /// On every object the parser does what the protocol says.
    #[test]
    fn objects_are_parsed_as_documented(map in request_object()) {
        let text = Value::Object(map).to_string();
        // The model reads what the text says (floats may not round-trip
        // bit for bit through serde_json's fast parser).
        let reread: Map<String, Value> = serde_json::from_str(&text).expect("an object");
        let got = check(&text).map_err(|e| (e.code, e.match_id));
        prop_assert_eq!(got, model(&reread), "{}", text);
    }

    /// Valid requests survive any whitespace and key order.
    #[test]
    fn valid_requests_parse_whatever_the_layout(map in request_object(), pad in "[ \t\r\n]{0,4}") {
        let map: Map<String, Value> = serde_json::from_str(&Value::Object(map).to_string()).expect("an object");
        let Ok(expected) = model(&map) else { return Ok(()) };
        let mut entries: Vec<(String, Value)> = map.into_iter().collect();
        entries.reverse();
        let body: Vec<String> = entries
            .iter()
            .map(|(k, v)| format!("{pad}{}{pad}:{pad}{v}{pad}", Value::from(k.as_str())))
            .collect();
        let text = format!("{pad}{{{}}}{pad}", body.join(","));
        prop_assert_eq!(check(&text).ok(), Some(expected), "{}", text);
    }

    /// A valid frame cut short is `bad_json`, whatever the cut.
    #[test]
    fn truncated_frames_are_bad_json(map in request_object(), cut in any::<prop::sample::Index>()) {
        let text = Value::Object(map).to_string();
        let cut = cut.index(text.len());
        let Some(prefix) = text.get(..cut) else { return Ok(()) }; // inside a UTF-8 sequence
        let err = check(prefix).expect_err("a cut object is never complete");
        prop_assert_eq!(err.code, ErrorCode::BadJson, "{}", prefix);
    }
}

/// Huge values in a request are not echoed back.
#[test]
fn huge_fields_are_not_echoed() {
    let big = "y".repeat(10_000);
    for text in [
        json!({"op": big}).to_string(),
        json!({"op": "subscribe", "match": "m1", "since": big}).to_string(),
        json!({"op": "subscribe", "match": big}).to_string(),
        format!("{{\"op\":\"ping\",{big}"),
        format!("[{big}]"),
    ] {
        let err = check(&text).expect_err("refused");
        assert!(err.frame().len() <= MAX_ERROR_FRAME, "{}", err.frame());
    }
}
