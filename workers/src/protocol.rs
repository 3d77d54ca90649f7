//! The viewers' WebSocket protocol (see `docs/protocol.md`): what clients
//! may send, and builders for every frame the server sends. Pure: no I/O.
//!
//! Event frames are built once, by the consumer ([`event_frame`],
//! [`parked_frame`]), stored verbatim in the match's log and live channel,
//! and forwarded verbatim by every gateway; the gateway only reads their
//! `seq` and `ts` ([`frame_meta`]).

use std::fmt::Write as _;

use livematch_sports::engine::LobbyEntry;
use livematch_sports::json_text::WriteJson as _;
use livematch_sports::{Envelope, Event, Patch, PatchOp, Status};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Version announced in the `hello` frame. Bumped on incompatible changes.
pub const PROTOCOL_VERSION: u32 = 1;

/// Longest match id accepted from a client, in bytes.
pub const MAX_MATCH_ID_LEN: usize = 128;

/// WebSocket close codes the server uses.
pub mod close {
    /// The server is shutting down: reconnect (to another replica) and resume.
    pub const GOING_AWAY: u16 = 1001;
    /// A client frame exceeded the frame size limit.
    pub const TOO_BIG: u16 = 1009;
    /// The match store failed while the server was repairing the stream:
    /// reconnect and resume.
    pub const INTERNAL_ERROR: u16 = 1011;
    /// The client did not keep up with its matches' frames.
    pub const SLOW_CONSUMER: u16 = 4008;
}

/// A request from a client.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientOp {
    /// Start receiving a match: a snapshot, or only what was missed after
    /// `since`, then live events.
    Subscribe { match_id: String, since: Option<u64> },
    /// Stop receiving a match.
    Unsubscribe { match_id: String },
    /// Receive the lobby, then its updates.
    Lobby,
    /// Application-level ping; answered with a `pong` echoing `id`.
    Ping { id: Value },
}

/// The `code` of an `error` frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    BadJson,
    UnknownOp,
    BadRequest,
    FrameTooLarge,
    BinaryNotSupported,
    TooManySubscriptions,
    RateLimited,
    NotSubscribed,
    SlowConsumer,
    ServerBusy,
}

impl ErrorCode {
    /// The code as sent on the wire (also the metrics label).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadJson => "bad_json",
            ErrorCode::UnknownOp => "unknown_op",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::FrameTooLarge => "frame_too_large",
            ErrorCode::BinaryNotSupported => "binary_not_supported",
            ErrorCode::TooManySubscriptions => "too_many_subscriptions",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::NotSubscribed => "not_subscribed",
            ErrorCode::SlowConsumer => "slow_consumer",
            ErrorCode::ServerBusy => "server_busy",
        }
    }
}

/// A client message that cannot be served, with the error frame's fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", code.as_str())]
pub struct RequestError {
    pub code: ErrorCode,
    pub message: String,
    /// The match the request named, when it named one.
    pub match_id: Option<String>,
}

impl RequestError {
    #[must_use]
    pub fn new(code: ErrorCode, message: impl Into<String>, match_id: Option<&str>) -> Self {
        RequestError { code, message: message.into(), match_id: match_id.map(str::to_owned) }
    }

    /// Stable short category for metrics labels.
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        self.code.as_str()
    }

    /// The `error` frame telling the client.
    #[must_use]
    pub fn frame(&self) -> String {
        error_frame(self.code, &self.message, self.match_id.as_deref())
    }
}

/// Why a match's stream restarts from a snapshot (`reset` frame `reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResetReason {
    /// The log no longer holds the events after the client's `since`
    /// (trimmed, expired, or the match is unknown).
    LogUnavailable,
    /// The client's `since` is beyond the match's current seq (e.g. the
    /// cache was rebuilt and the match restarted).
    Ahead,
    /// More events were missed than are replayed; a snapshot is cheaper.
    TooFarBehind,
    /// The match's cache was rebuilt from the event log.
    CacheRebuilt,
    /// The match was deleted from the cache.
    MatchDeleted,
    /// Events went missing on the live channel and could not be recovered.
    Gap,
}

impl ResetReason {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ResetReason::LogUnavailable => "log_unavailable",
            ResetReason::Ahead => "ahead",
            ResetReason::TooFarBehind => "too_far_behind",
            ResetReason::CacheRebuilt => "cache_rebuilt",
            ResetReason::MatchDeleted => "match_deleted",
            ResetReason::Gap => "gap",
        }
    }
}

/// The `type` of a server frame (also the metrics label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameType {
    Hello,
    Snapshot,
    Event,
    Reset,
    Lobby,
    LobbyUpdate,
    Unsubscribed,
    Pong,
    Heartbeat,
    Error,
}

impl FrameType {
    /// Every frame type, for pre-registering metrics.
    pub const ALL: [FrameType; 10] = [
        FrameType::Hello,
        FrameType::Snapshot,
        FrameType::Event,
        FrameType::Reset,
        FrameType::Lobby,
        FrameType::LobbyUpdate,
        FrameType::Unsubscribed,
        FrameType::Pong,
        FrameType::Heartbeat,
        FrameType::Error,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FrameType::Hello => "hello",
            FrameType::Snapshot => "snapshot",
            FrameType::Event => "event",
            FrameType::Reset => "reset",
            FrameType::Lobby => "lobby",
            FrameType::LobbyUpdate => "lobby_update",
            FrameType::Unsubscribed => "unsubscribed",
            FrameType::Pong => "pong",
            FrameType::Heartbeat => "heartbeat",
            FrameType::Error => "error",
        }
    }

    /// Position in [`FrameType::ALL`].
    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A match id a client may name: 1 to [`MAX_MATCH_ID_LEN`] bytes of ASCII
/// letters, digits and `-_.:`.
#[must_use]
pub fn valid_match_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_MATCH_ID_LEN
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Parse one client text frame.
///
/// # Errors
/// `bad_json` (not a JSON object), `unknown_op`, or `bad_request` (a
/// missing or mistyped field), with a message naming what was wrong.
pub fn parse_client(text: &str) -> Result<ClientOp, RequestError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| RequestError::new(ErrorCode::BadJson, format!("message is not valid JSON: {e}"), None))?;
    let Value::Object(map) = value else {
        return Err(RequestError::new(
            ErrorCode::BadJson,
            "message must be a JSON object like {\"op\":\"ping\"}",
            None,
        ));
    };
    let op = match map.get("op") {
        Some(Value::String(op)) => op.as_str(),
        Some(_) => return Err(RequestError::new(ErrorCode::BadRequest, "\"op\" must be a string", None)),
        None => return Err(RequestError::new(ErrorCode::BadRequest, "message has no \"op\" field", None)),
    };
    match op {
        "subscribe" => {
            let match_id = match_field(&map, op)?;
            let since = match map.get("since") {
                None | Some(Value::Null) => None,
                Some(v) => Some(v.as_u64().ok_or_else(|| {
                    RequestError::new(
                        ErrorCode::BadRequest,
                        format!("\"since\" must be a non-negative integer seq, got {}", shown(v)),
                        Some(&match_id),
                    )
                })?),
            };
            Ok(ClientOp::Subscribe { match_id, since })
        }
        "unsubscribe" => Ok(ClientOp::Unsubscribe { match_id: match_field(&map, op)? }),
        "lobby" => Ok(ClientOp::Lobby),
        "ping" => Ok(ClientOp::Ping { id: map.get("id").cloned().unwrap_or(Value::Null) }),
        other => {
            let shown: String = other.chars().take(40).collect();
            Err(RequestError::new(
                ErrorCode::UnknownOp,
                format!("unknown op {shown:?}; expected subscribe, unsubscribe, lobby or ping"),
                None,
            ))
        }
    }
}

/// A client's value, quoted back in an error: at most 40 characters of its
/// JSON, so garbage is never echoed in full.
fn shown(v: &Value) -> String {
    let json = v.to_string();
    match json.char_indices().nth(40) {
        Some((cut, _)) => format!("{}...", &json[..cut]),
        None => json,
    }
}

fn match_field(map: &serde_json::Map<String, Value>, op: &str) -> Result<String, RequestError> {
    match map.get("match") {
        Some(Value::String(id)) if valid_match_id(id) => Ok(id.clone()),
        Some(Value::String(_)) => Err(RequestError::new(
            ErrorCode::BadRequest,
            format!("\"match\" must be 1-{MAX_MATCH_ID_LEN} characters of letters, digits and -_.:"),
            None,
        )),
        Some(_) => Err(RequestError::new(ErrorCode::BadRequest, "\"match\" must be a string", None)),
        None => Err(RequestError::new(ErrorCode::BadRequest, format!("{op} needs a \"match\" field"), None)),
    }
}

/// The limits announced in the `hello` frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest client frame accepted, in bytes.
    pub max_frame_bytes: usize,
    /// Most matches one connection may subscribe to.
    pub max_subscriptions: usize,
    /// Subscribe and lobby requests refilled per second.
    pub subscribe_rate: u32,
    /// Subscribe and lobby requests allowed in a burst.
    pub subscribe_burst: u32,
    /// Live frames a client may fall behind on one match (beyond it: caught
    /// up from the log once, disconnected as a slow consumer if it happens
    /// again soon).
    pub outbound_queue: usize,
}

/// `{"type":"hello",...}`, the first frame of every connection.
#[must_use]
pub fn hello_frame(heartbeat_ms: u64, limits: &Limits) -> String {
    let mut out = String::with_capacity(192);
    let _ = write!(out, r#"{{"type":"hello","protocol":{PROTOCOL_VERSION},"heartbeat_ms":{heartbeat_ms},"limits":"#);
    push_json(&mut out, limits);
    out.push('}');
    out
}

/// `{"type":"snapshot",...}`. `data` is the stored snapshot JSON, embedded
/// verbatim (`null` when the match has no state yet).
#[must_use]
pub fn snapshot_frame(match_id: &str, seq: u64, data: Option<&str>) -> String {
    let data = data.unwrap_or("null");
    let mut out = String::with_capacity(64 + match_id.len() + data.len());
    out.push_str(r#"{"type":"snapshot","match":"#);
    push_json(&mut out, match_id);
    let _ = write!(out, r#","seq":{seq},"data":"#);
    out.push_str(data);
    out.push('}');
    out
}

/// The event frame of one applied event: `{"type":"event","match":..,
/// "seq":..,"ts":..,"sport":..,"event":{..},"patch":[..]}`. Built once by
/// the consumer; gateways forward it verbatim. Never contains a newline.
#[must_use]
pub fn event_frame(env: &Envelope, patch: &Patch) -> String {
    // Built in one buffer sized for the frame, as text throughout (nothing
    // to validate as UTF-8 afterwards): the patch is already JSON text,
    // copied in once. This runs once per event.
    let patch = patch.as_str();
    let mut out = String::with_capacity(EVENT_FRAME_BASE + env.match_id.len() + patch.len());
    out.push_str(r#"{"type":"event","match":"#);
    env.match_id.write_json(&mut out);
    out.push_str(r#","seq":"#);
    env.seq.write_json(&mut out);
    out.push_str(r#","ts":"#);
    env.ts.write_json(&mut out);
    out.push_str(r#","sport":""#);
    out.push_str(env.event.sport().as_str());
    out.push_str(r#"","event":"#);
    let serialized = match &env.event {
        // Written by hand, as the derive writes it (the events of every ball).
        Event::Cricket(event) => {
            event.write_json(&mut out);
            Ok(())
        }
        Event::Football(event) => serde_json::to_string(event).map(|json| out.push_str(&json)),
        Event::Basketball(event) => serde_json::to_string(event).map(|json| out.push_str(&json)),
        Event::Tennis(event) => serde_json::to_string(event).map(|json| out.push_str(&json)),
    };
    if serialized.is_err() {
        // Plain data with string keys always serializes.
        out.push_str("null");
    }
    out.push_str(r#","patch":"#);
    out.push_str(patch);
    out.push('}');
    out
}

/// The frame of an event the consumer had to skip (rejected or missing):
/// `{"type":"event",...,"parked":"reason","patch":[replace /seq]}`, so the
/// log and the viewers' seq stay gap-free.
#[must_use]
pub fn parked_frame(match_id: &str, seq: u64, ts: i64, reason: &str) -> String {
    let mut out = String::with_capacity(128 + reason.len());
    out.push_str(r#"{"type":"event","match":"#);
    push_json(&mut out, match_id);
    let _ = write!(out, r#","seq":{seq},"ts":{ts},"parked":"#);
    push_json(&mut out, reason);
    out.push_str(r#","patch":"#);
    push_json(&mut out, &[PatchOp::replace("/seq", seq)]);
    out.push('}');
    out
}

/// `{"type":"reset","match":..,"reason":..}`: the client must drop its state
/// of the match; a `snapshot` follows.
#[must_use]
pub fn reset_frame(match_id: &str, reason: ResetReason) -> String {
    let mut out = String::with_capacity(64 + match_id.len());
    out.push_str(r#"{"type":"reset","match":"#);
    push_json(&mut out, match_id);
    let _ = write!(out, r#","reason":"{}"}}"#, reason.as_str());
    out
}

/// Lobby order: live, then scheduled, then finished; most recently updated
/// first within a group; then by id.
pub fn sort_lobby(entries: &mut [LobbyEntry]) {
    fn group(status: Status) -> u8 {
        match status {
            Status::Live => 0,
            Status::Scheduled => 1,
            Status::Completed | Status::Abandoned => 2,
        }
    }
    entries.sort_by(|a, b| {
        group(a.status).cmp(&group(b.status)).then(b.updated.cmp(&a.updated)).then_with(|| a.id.cmp(&b.id))
    });
}

/// `{"type":"lobby","matches":[..]}`, entries in the order given.
#[must_use]
pub fn lobby_frame(entries: &[LobbyEntry]) -> String {
    let mut out = String::with_capacity(32 + 160 * entries.len());
    out.push_str(r#"{"type":"lobby","matches":"#);
    push_json(&mut out, entries);
    out.push('}');
    out
}

/// `{"type":"lobby_update","match":{..}}` around a stored [`LobbyEntry`]
/// JSON, embedded verbatim.
#[must_use]
pub fn lobby_update_frame(entry_json: &str) -> String {
    format!(r#"{{"type":"lobby_update","match":{entry_json}}}"#)
}

/// `{"type":"unsubscribed","match":..}`.
#[must_use]
pub fn unsubscribed_frame(match_id: &str) -> String {
    let mut out = String::with_capacity(40 + match_id.len());
    out.push_str(r#"{"type":"unsubscribed","match":"#);
    push_json(&mut out, match_id);
    out.push('}');
    out
}

/// `{"type":"pong","id":..}` echoing the ping's id.
#[must_use]
pub fn pong_frame(id: &Value) -> String {
    let mut out = String::from(r#"{"type":"pong","id":"#);
    push_json(&mut out, id);
    out.push('}');
    out
}

/// `{"type":"heartbeat","ts":..}` (server time, ms since the epoch).
#[must_use]
pub fn heartbeat_frame(ts: i64) -> String {
    format!(r#"{{"type":"heartbeat","ts":{ts}}}"#)
}

/// `{"type":"error","code":..,"message":..}` plus `"match"` when the error
/// concerns one.
#[must_use]
pub fn error_frame(code: ErrorCode, message: &str, match_id: Option<&str>) -> String {
    let mut out = String::with_capacity(64 + message.len());
    let _ = write!(out, r#"{{"type":"error","code":"{}","message":"#, code.as_str());
    push_json(&mut out, message);
    if let Some(id) = match_id {
        out.push_str(r#","match":"#);
        push_json(&mut out, id);
    }
    out.push('}');
    out
}

/// What the gateway reads of a stored frame (or snapshot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameMeta {
    pub seq: u64,
    /// Event time (ms since the epoch); absent in snapshots.
    pub ts: Option<i64>,
}

#[derive(Deserialize)]
struct MetaFields {
    seq: Option<u64>,
    ts: Option<i64>,
}

/// The top-level `seq` and `ts` of a frame or snapshot, without building
/// the rest of it. `None` when it is not a JSON object with a numeric `seq`.
#[must_use]
pub fn frame_meta(frame: &str) -> Option<FrameMeta> {
    let fields: MetaFields = serde_json::from_str(frame).ok()?;
    Some(FrameMeta { seq: fields.seq?, ts: fields.ts })
}

/// The top-level `seq` of a frame or snapshot.
#[must_use]
pub fn frame_seq(frame: &str) -> Option<u64> {
    #[derive(Deserialize)]
    struct SeqOnly {
        seq: Option<u64>,
    }
    serde_json::from_str::<SeqOnly>(frame).ok()?.seq
}

/// Append `value` as compact JSON.
fn push_json<T: Serialize + ?Sized>(out: &mut String, value: &T) {
    // Serializing plain data (string keys, no maps with non-string keys)
    // cannot fail; on the impossible error the frame gets `null`.
    match serde_json::to_string(value) {
        Ok(json) => out.push_str(&json),
        Err(_) => out.push_str("null"),
    }
}

/// Bytes reserved for an event frame besides its match id and patch (the
/// event: a cricket delivery is ~200 bytes).
const EVENT_FRAME_BASE: usize = 384;

#[cfg(test)]
mod tests {
    use super::*;
    use livematch_sports::cricket::{self, TossDecision};
    use livematch_sports::{MatchState, Sport};
    use serde_json::json;

    fn parse(frame: &str) -> Value {
        serde_json::from_str(frame).unwrap_or_else(|e| panic!("frame is not JSON ({e}): {frame}"))
    }

    fn toss(id: &str, seq: u64) -> Envelope {
        Envelope::new(
            id,
            seq,
            1_700_000_000_123,
            Event::Cricket(cricket::Event::Toss { winner: "India \"A\"".into(), decision: TossDecision::Bat }),
        )
    }

    #[test]
    fn client_ops_parse() {
        assert_eq!(
            parse_client(r#"{"op":"subscribe","match":"ind-pak"}"#),
            Ok(ClientOp::Subscribe { match_id: "ind-pak".into(), since: None })
        );
        assert_eq!(
            parse_client(r#"{"op":"subscribe","match":"m1","since":42,"extra":true}"#),
            Ok(ClientOp::Subscribe { match_id: "m1".into(), since: Some(42) })
        );
        assert_eq!(
            parse_client(r#"{"op":"subscribe","match":"m1","since":null}"#),
            Ok(ClientOp::Subscribe { match_id: "m1".into(), since: None })
        );
        assert_eq!(
            parse_client(r#"{"op":"unsubscribe","match":"m1"}"#),
            Ok(ClientOp::Unsubscribe { match_id: "m1".into() })
        );
        assert_eq!(parse_client(r#"{"op":"lobby"}"#), Ok(ClientOp::Lobby));
        assert_eq!(parse_client(r#"{"op":"ping","id":{"n":7}}"#), Ok(ClientOp::Ping { id: json!({"n":7}) }));
        assert_eq!(parse_client(r#"{"op":"ping"}"#), Ok(ClientOp::Ping { id: Value::Null }));
    }

    #[test]
    fn bad_client_frames_get_the_right_code() {
        let code = |text: &str| parse_client(text).map_err(|e| e.code);
        assert_eq!(code("{nope"), Err(ErrorCode::BadJson));
        assert_eq!(code("[1,2]"), Err(ErrorCode::BadJson));
        assert_eq!(code(r#""subscribe""#), Err(ErrorCode::BadJson));
        assert_eq!(code(r#"{"op":"dance"}"#), Err(ErrorCode::UnknownOp));
        assert_eq!(code(r#"{"match":"m1"}"#), Err(ErrorCode::BadRequest));
        assert_eq!(code(r#"{"op":7}"#), Err(ErrorCode::BadRequest));
        assert_eq!(code(r#"{"op":"subscribe"}"#), Err(ErrorCode::BadRequest));
        assert_eq!(code(r#"{"op":"subscribe","match":5}"#), Err(ErrorCode::BadRequest));
        assert_eq!(code(r#"{"op":"subscribe","match":""}"#), Err(ErrorCode::BadRequest));
        assert_eq!(code(r#"{"op":"subscribe","match":"a b"}"#), Err(ErrorCode::BadRequest));
        assert_eq!(code(r#"{"op":"subscribe","match":"m1","since":-1}"#), Err(ErrorCode::BadRequest));
        assert_eq!(code(r#"{"op":"subscribe","match":"m1","since":"3"}"#), Err(ErrorCode::BadRequest));
        assert_eq!(code(r#"{"op":"subscribe","match":"m1","since":1.5}"#), Err(ErrorCode::BadRequest));
        assert_eq!(code(r#"{"op":"unsubscribe"}"#), Err(ErrorCode::BadRequest));
        let long = "x".repeat(MAX_MATCH_ID_LEN + 1);
        assert_eq!(code(&format!(r#"{{"op":"subscribe","match":"{long}"}}"#)), Err(ErrorCode::BadRequest));
    }

    #[test]
    fn errors_name_what_was_wrong() {
        let err = parse_client(r#"{"op":"subscribe","match":"m1","since":"3"}"#).err();
        let err = err.unwrap_or_else(|| RequestError::new(ErrorCode::ServerBusy, "", None));
        assert!(err.message.contains("since"), "{err}");
        assert_eq!(err.match_id.as_deref(), Some("m1"));
        let frame = parse(&err.frame());
        assert_eq!(frame["type"], "error");
        assert_eq!(frame["code"], "bad_request");
        assert_eq!(frame["match"], "m1");
        let err = parse_client(r#"{"op":"dance"}"#).err().map(|e| e.message).unwrap_or_default();
        assert!(err.contains("dance"), "{err}");
    }

    #[test]
    fn match_ids_are_restricted() {
        for ok in ["m1", "ind-pak", "ipl_2024.final", "335982", "a:b"] {
            assert!(valid_match_id(ok), "{ok}");
        }
        for bad in ["", "a b", "a{b}", "a\"b", "é", "a/b", "a\nb"] {
            assert!(!valid_match_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn event_frame_carries_everything_and_parses_back() {
        let env = toss("ind-pak", 42);
        let patch = vec![PatchOp::replace("/seq", 42), PatchOp::add("/balls/-", json!({"r": 4}))];
        let frame = event_frame(&env, &Patch::from_ops(&patch));
        assert!(!frame.contains('\n'));
        let v = parse(&frame);
        assert_eq!(v["type"], "event");
        assert_eq!(v["match"], "ind-pak");
        assert_eq!(v["seq"], 42);
        assert_eq!(v["ts"], 1_700_000_000_123_i64);
        assert_eq!(v["sport"], "cricket");
        assert_eq!(v["event"], json!({"type":"toss","winner":"India \"A\"","decision":"bat"}));
        assert_eq!(
            v["patch"],
            json!([{"op":"replace","path":"/seq","value":42},{"op":"add","path":"/balls/-","value":{"r":4}}])
        );
        assert_eq!(frame_meta(&frame), Some(FrameMeta { seq: 42, ts: Some(1_700_000_000_123) }));
        assert_eq!(frame_seq(&frame), Some(42));
    }

    #[test]
    fn event_frames_are_byte_for_byte_serde_json() {
        let tricky = "Jadeja — “Jaddu” c \"Smith\" b Ångström\n\\ \u{1F3CF} \u{7}";
        let event = cricket::Event::Toss { winner: tricky.into(), decision: TossDecision::Field };
        let env = Envelope::new("m.1", 7, -5, Event::Cricket(event.clone()));
        let patch: Vec<PatchOp> = (0..40)
            .map(|i| PatchOp::add(format!("/commentary/{i}"), json!({"text": tricky, "n": i, "rate": 7.25})))
            .collect();
        let event_json = serde_json::to_string(&event).unwrap_or_default();
        for ops in [&patch[..0], &patch[..1], &patch[..]] {
            let expected = format!(
                r#"{{"type":"event","match":"m.1","seq":7,"ts":-5,"sport":"cricket","event":{event_json},"patch":{}}}"#,
                serde_json::to_string(ops).unwrap_or_default()
            );
            assert_eq!(event_frame(&env, &Patch::from_ops(ops)), expected);
        }
    }

    /// The frames of whole simulated matches, every sport, are what the
    /// old encoding (every part through serde_json, the patch as
    /// `[PatchOp]`) wrote, byte for byte.
    #[test]
    fn event_frames_of_simulated_matches_match_the_serde_encoding() {
        use livematch_sports::sim::{SimSpec, simulate};
        let mut frames = 0;
        for sport in Sport::ALL {
            for seed in 1..=4 {
                let id = format!("{sport}-{seed}");
                let mut state = MatchState::new(id.clone(), sport);
                let events = simulate(&SimSpec::new(sport, seed)).unwrap_or_default();
                for (i, ev) in events.into_iter().enumerate() {
                    let env = Envelope::new(id.clone(), i as u64 + 1, 1_700_000_000_000 + i as i64, ev);
                    let Ok(applied) = state.apply(&env) else { continue };
                    let event_json = match &env.event {
                        Event::Cricket(e) => serde_json::to_string(e),
                        Event::Football(e) => serde_json::to_string(e),
                        Event::Basketball(e) => serde_json::to_string(e),
                        Event::Tennis(e) => serde_json::to_string(e),
                    };
                    let expected = format!(
                        r#"{{"type":"event","match":{},"seq":{},"ts":{},"sport":"{}","event":{},"patch":{}}}"#,
                        serde_json::to_string(&env.match_id).unwrap_or_default(),
                        env.seq,
                        env.ts,
                        sport.as_str(),
                        event_json.unwrap_or_default(),
                        serde_json::to_string(&applied.patch.ops()).unwrap_or_default(),
                    );
                    assert_eq!(event_frame(&env, &applied.patch), expected, "{id} seq {}", env.seq);
                    frames += 1;
                }
            }
        }
        assert!(frames > 3_000, "{frames} frames compared");
    }

    #[test]
    fn parked_frame_only_moves_seq() {
        let frame = parked_frame("m1", 7, 99, "rule: \"no\" ball\nafter the end");
        assert!(!frame.contains('\n'));
        let v = parse(&frame);
        assert_eq!(v["type"], "event");
        assert_eq!(v["seq"], 7);
        assert_eq!(v["ts"], 99);
        assert_eq!(v["parked"], "rule: \"no\" ball\nafter the end");
        assert_eq!(v["patch"], json!([{"op":"replace","path":"/seq","value":7}]));
        assert!(v.get("event").is_none());
        assert_eq!(frame_meta(&frame), Some(FrameMeta { seq: 7, ts: Some(99) }));
    }

    #[test]
    fn frame_meta_reads_only_the_top_level() {
        assert_eq!(frame_seq(r#"{"event":{"seq":9},"seq":3}"#), Some(3));
        assert_eq!(frame_seq(r#"{"event":{"seq":9}}"#), None);
        assert_eq!(frame_seq(r#"{"seq":"3"}"#), None);
        assert_eq!(frame_seq("not json"), None);
        assert_eq!(frame_meta(r#"{"seq":5,"data":[1,2,{"ts":1}]}"#), Some(FrameMeta { seq: 5, ts: None }));
        let snapshot = MatchState::new("m1", Sport::Cricket).snapshot().to_string();
        assert_eq!(frame_seq(&snapshot), Some(0));
    }

    #[test]
    fn server_frames_are_well_formed() {
        let limits = Limits {
            max_frame_bytes: 16384,
            max_subscriptions: 64,
            subscribe_rate: 20,
            subscribe_burst: 40,
            outbound_queue: 512,
        };
        let hello = parse(&hello_frame(15_000, &limits));
        assert_eq!(
            hello,
            json!({"type":"hello","protocol":1,"heartbeat_ms":15000,"limits":{
            "max_frame_bytes":16384,"max_subscriptions":64,"subscribe_rate":20,"subscribe_burst":40,"outbound_queue":512}})
        );

        let snap = parse(&snapshot_frame("m\"1", 12, Some(r#"{"seq":12,"x":[1]}"#)));
        assert_eq!(snap, json!({"type":"snapshot","match":"m\"1","seq":12,"data":{"seq":12,"x":[1]}}));
        assert_eq!(parse(&snapshot_frame("m1", 0, None)), json!({"type":"snapshot","match":"m1","seq":0,"data":null}));

        assert_eq!(
            parse(&reset_frame("m1", ResetReason::Ahead)),
            json!({"type":"reset","match":"m1","reason":"ahead"})
        );
        assert_eq!(parse(&unsubscribed_frame("m1")), json!({"type":"unsubscribed","match":"m1"}));
        assert_eq!(parse(&pong_frame(&json!("abc"))), json!({"type":"pong","id":"abc"}));
        assert_eq!(parse(&heartbeat_frame(5)), json!({"type":"heartbeat","ts":5}));
        assert_eq!(
            parse(&error_frame(ErrorCode::RateLimited, "slow \"down\"", Some("m1"))),
            json!({"type":"error","code":"rate_limited","message":"slow \"down\"","match":"m1"})
        );
        assert_eq!(
            parse(&error_frame(ErrorCode::BadJson, "x", None)),
            json!({"type":"error","code":"bad_json","message":"x"})
        );
        let entry = MatchState::new("m1", Sport::Cricket).lobby_entry();
        let entry_json = serde_json::to_string(&entry).unwrap_or_default();
        let update = parse(&lobby_update_frame(&entry_json));
        assert_eq!(update["type"], "lobby_update");
        assert_eq!(update["match"]["id"], "m1");
        let lobby = parse(&lobby_frame(std::slice::from_ref(&entry)));
        assert_eq!(lobby["type"], "lobby");
        assert_eq!(lobby["matches"][0], serde_json::to_value(&entry).unwrap_or_default());
    }

    #[test]
    fn lobby_sorts_live_then_scheduled_then_finished_newest_first() {
        let entry = |id: &str, status: Status, updated: i64| {
            let mut e = MatchState::new(id, Sport::Cricket).lobby_entry();
            e.status = status;
            e.updated = updated;
            e
        };
        let mut entries = vec![
            entry("done-old", Status::Completed, 1),
            entry("sched", Status::Scheduled, 5),
            entry("live-old", Status::Live, 10),
            entry("abandoned-new", Status::Abandoned, 50),
            entry("live-new", Status::Live, 20),
            entry("sched-b", Status::Scheduled, 5),
        ];
        sort_lobby(&mut entries);
        let ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["live-new", "live-old", "sched", "sched-b", "abandoned-new", "done-old"]);
    }

    #[test]
    fn frame_types_index_their_table() {
        for (i, t) in FrameType::ALL.iter().enumerate() {
            assert_eq!(t.index(), i, "{}", t.as_str());
        }
    }
}
