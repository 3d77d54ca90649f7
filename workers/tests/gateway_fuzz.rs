//! The gateway under hostile clients (issue 7, "Bad input" and "Security"),
//! against `gateway::app` served on 127.0.0.1:0 over the in-memory store:
//!
//! * a bounded, seeded fuzz loop: thousands of random and mutated frames
//!   (garbage, JSON that is not an object, unknown ops, mistyped fields,
//!   binary frames, oversized frames, subscribes and unsubscribes); every
//!   reply is what `docs/protocol.md` documents for that frame, the
//!   gateway stays up, serves a well-behaved client normally afterwards,
//!   and the match state it serves (REST) is unchanged;
//! * the limits: subscribe floods of thousands of match ids, the subscribe
//!   rate, the connection cap (503 with a JSON body and `Retry-After`);
//! * the Origin check on the upgrade (403 with a JSON body);
//! * no write path: every method but GET/HEAD on every route is refused
//!   and changes nothing; the ops endpoints can be served apart.
//!
//! `LIVEMATCH_FUZZ_FRAMES` (default 2000) and `LIVEMATCH_FUZZ_SEED` tune the
//! fuzz loop (a soak: `LIVEMATCH_FUZZ_FRAMES=100000`).

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use futures::{SinkExt, StreamExt};
use http_body_util::BodyExt;
use livematch_sports::cricket::{self, TossDecision};
use livematch_sports::engine::LobbyEntry;
use livematch_sports::{Envelope, Event, MatchState, Patch, PatchOp, Sport, Status};
use livematch_workers::gateway::{self, GatewayConfig, GatewayMetrics, GatewayState, app};
use livematch_workers::protocol::{self, ClientOp};
use livematch_workers::store::memory::MemoryStore;
use livematch_workers::store::{CommitBatch, CommitOutcome, Store};
use livematch_workers::telemetry::Ops;
use prometheus_client::registry::Registry;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

type Ws = WebSocketStream<TcpStream>;

const WAIT: Duration = Duration::from_secs(10);
const PROTOCOL_DOC: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/protocol.md"));

/// Matches in the store, with their last seq.
const MATCHES: [(&str, u64); 2] = [("m1", 5), ("m2", 3)];

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The error codes of the table in `docs/protocol.md`.
fn documented_codes() -> BTreeSet<String> {
    let table = PROTOCOL_DOC.split("### error").nth(1).and_then(|s| s.split("## Close codes").next());
    table
        .expect("docs/protocol.md has an error table")
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`').map(|(c, _)| c.to_owned()))
        .collect()
}

/// The close codes of the table in `docs/protocol.md`.
fn documented_close_codes() -> BTreeSet<u16> {
    let table = PROTOCOL_DOC.split("## Close codes").nth(1).and_then(|s| s.split("\n## ").next());
    table
        .expect("docs/protocol.md has a close code table")
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect()
}

const SERVER_FRAME_TYPES: [&str; 10] =
    ["hello", "snapshot", "event", "reset", "lobby", "lobby_update", "unsubscribed", "pong", "heartbeat", "error"];

// ---------------------------------------------------------------- store

fn batch(id: &str, prev: u64, n: u64) -> CommitBatch {
    let mut state = MatchState::new(id, Sport::Cricket);
    state.seq = prev + n;
    state.updated = now_ms();
    let frames = (prev + 1..=prev + n)
        .map(|seq| {
            let toss = cricket::Event::Toss { winner: format!("team {seq}"), decision: TossDecision::Bat };
            let env = Envelope::new(id, seq, now_ms(), Event::Cricket(toss));
            protocol::event_frame(&env, &Patch::from_ops(&[PatchOp::replace("/seq", seq)]))
        })
        .collect();
    CommitBatch {
        match_id: id.into(),
        prev_seq: prev,
        snapshot: state.snapshot().to_string(),
        frames,
        lobby: LobbyEntry {
            id: id.into(),
            sport: Sport::Cricket,
            status: Status::Live,
            teams: vec!["A".into(), "B".into()],
            summary: format!("seq {}", prev + n),
            result: None,
            seq: prev + n,
            updated: now_ms(),
        },
        state,
        expire_after: None,
    }
}

async fn commit(store: &dyn Store, id: &str, prev: u64, n: u64) {
    let outcome = store.commit(&batch(id, prev, n)).await.expect("commit");
    assert_eq!(outcome, CommitOutcome::Committed, "commit {id} {prev}+{n}");
}

async fn seeded_store() -> MemoryStore {
    let store = MemoryStore::new();
    for (id, seq) in MATCHES {
        commit(&store, id, 0, seq).await;
    }
    store
}

// ---------------------------------------------------------------- server

struct Server {
    addr: SocketAddr,
    state: GatewayState,
    shutdown: CancellationToken,
    _public: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

fn public_dir() -> tempfile::TempDir {
    let public = tempfile::tempdir().expect("tempdir");
    std::fs::write(public.path().join("index.html"), "<!doctype html><title>livematch</title>").expect("index.html");
    std::fs::write(public.path().join("app.js"), "console.log('hi')").expect("app.js");
    public
}

fn test_config(public: &std::path::Path) -> GatewayConfig {
    GatewayConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        public_dir: public.to_path_buf(),
        heartbeat: Duration::from_secs(60),
        ..GatewayConfig::default()
    }
}

async fn serve(store: Arc<dyn Store>, tune: impl FnOnce(&mut GatewayConfig)) -> Server {
    let public = public_dir();
    let mut config = test_config(public.path());
    tune(&mut config);
    let shutdown = CancellationToken::new();
    let listener = gateway::listen(config.listen, config.socket_send_buffer).expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = GatewayState::start(config, store, GatewayMetrics::unregistered(), shutdown.clone());
    tokio::spawn(gateway::serve_on(listener, state.clone()));
    wait_until("the gateway is ready", || state.is_ready()).await;
    Server { addr, state, shutdown, _public: public }
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    tokio::time::timeout(WAIT, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
}

async fn call(router: axum::Router, method: Method, uri: &str, body: &str) -> (StatusCode, String) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .expect("request");
    let response = router.oneshot(request).await.expect("response");
    let status = response.status();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// Everything the REST API says about the matches.
async fn rest_view(state: &GatewayState) -> BTreeMap<String, (StatusCode, String)> {
    let mut uris = vec!["/api/matches".to_owned()];
    for (id, _) in MATCHES {
        uris.push(format!("/api/matches/{id}"));
        uris.push(format!("/api/matches/{id}/events?since=0&limit=1000"));
    }
    let mut view = BTreeMap::new();
    for uri in uris {
        let answer = call(app(state.clone()), Method::GET, &uri, "").await;
        assert_eq!(answer.0, StatusCode::OK, "{uri}: {}", answer.1);
        view.insert(uri, answer);
    }
    view
}

// ---------------------------------------------------------------- clients

async fn connect(addr: SocketAddr, origin: Option<&str>) -> Result<Ws, tungstenite::Error> {
    let mut request = format!("ws://{addr}/ws").into_client_request()?;
    if let Some(origin) = origin {
        request.headers_mut().insert("origin", origin.parse().expect("header"));
    }
    let tcp = TcpStream::connect(addr).await.map_err(tungstenite::Error::Io)?;
    let (ws, _) = tokio_tungstenite::client_async(request, tcp).await?;
    Ok(ws)
}

/// Connect and read the hello.
async fn client(addr: SocketAddr) -> Ws {
    let mut ws = connect(addr, None).await.expect("connect");
    let hello = next_frame(&mut ws).await.expect("hello");
    assert_eq!(hello["type"], "hello", "{hello}");
    ws
}

/// The next JSON frame (heartbeats skipped); `Err` with the close code
/// (0: no close frame) when the connection ends.
async fn next_frame(ws: &mut Ws) -> Result<Value, (u16, String)> {
    loop {
        let message = tokio::time::timeout(WAIT, ws.next()).await.expect("the gateway answers within the wait");
        match message {
            Some(Ok(Message::Text(text))) => {
                let v: Value = serde_json::from_str(text.as_str())
                    .unwrap_or_else(|e| panic!("the gateway sent invalid JSON ({e}): {}", text.as_str()));
                let kind = v["type"].as_str().unwrap_or_default();
                assert!(SERVER_FRAME_TYPES.contains(&kind), "undocumented frame type: {v}");
                if kind != "heartbeat" {
                    return Ok(v);
                }
            }
            Some(Ok(Message::Close(frame))) => {
                return Err(frame.map_or((0, String::new()), |f| (u16::from(f.code), f.reason.as_str().to_owned())));
            }
            Some(Ok(Message::Binary(b))) => panic!("the gateway sent a binary frame of {} bytes", b.len()),
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return Err((0, String::new())),
        }
    }
}

/// What came back for one client message.
#[derive(Debug, Default)]
struct Reply {
    frames: Vec<Value>,
    closed: Option<(u16, String)>,
}

/// Send `message`, then a ping; collect what arrives before its pong.
async fn exchange(ws: &mut Ws, message: Message, n: u64) -> Reply {
    // A send may fail: the server may have closed already (after an
    // oversized frame); what it sent before is still read below.
    let _ = ws.send(message).await;
    probe(ws, n).await
}

/// Send a ping; collect what arrives before its pong (everything the
/// server answered to the messages sent before it).
async fn probe(ws: &mut Ws, n: u64) -> Reply {
    let mut reply = Reply::default();
    let id = format!("probe-{n}");
    let _ = ws.send(Message::text(json!({"op": "ping", "id": id}).to_string())).await;
    loop {
        match next_frame(ws).await {
            Ok(v) if v["type"] == "pong" && v["id"] == id.as_str() => return reply,
            Ok(v) => reply.frames.push(v),
            Err(closed) => {
                reply.closed = Some(closed);
                return reply;
            }
        }
    }
}

fn error_code(v: &Value) -> Option<&str> {
    (v["type"] == "error").then(|| v["code"].as_str()).flatten()
}

// ---------------------------------------------------------------- fuzzing

/// A random JSON value.
fn random_json(rng: &mut StdRng, depth: u32) -> Value {
    match rng.random_range(0..if depth == 0 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.random()),
        2 => json!(rng.random::<i64>()),
        3 => json!(rng.random_range(-1e6..1e6)),
        4 => json!(random_text(rng, 12)),
        5 => json!(rng.random::<u64>()),
        6 => Value::Array((0..rng.random_range(0..4)).map(|_| random_json(rng, depth - 1)).collect()),
        _ => {
            let n = rng.random_range(0..4);
            Value::Object((0..n).map(|_| (random_text(rng, 6), random_json(rng, depth - 1))).collect())
        }
    }
}

/// Random text: printable ASCII, JSON punctuation, escapes and some
/// non-ASCII characters.
fn random_text(rng: &mut StdRng, max: usize) -> String {
    const EXTRA: [char; 10] = ['{', '}', '"', '\\', ':', ',', 'é', '😀', '\u{0}', '\u{202e}'];
    (0..rng.random_range(0..=max))
        .map(|_| {
            if rng.random_bool(0.2) {
                EXTRA[rng.random_range(0..EXTRA.len())]
            } else {
                char::from(rng.random_range(0x20u8..0x7f))
            }
        })
        .collect()
}

fn match_id(rng: &mut StdRng) -> Value {
    match rng.random_range(0..10) {
        0..=2 => json!(MATCHES[rng.random_range(0..MATCHES.len())].0),
        3..=6 => json!(format!("x{}", rng.random_range(0..40))),
        7 => json!("a b"),
        8 => json!("y".repeat(protocol::MAX_MATCH_ID_LEN + rng.random_range(0..3))),
        _ => random_json(rng, 1),
    }
}

/// One client message, and what kind it is (for the tally).
fn random_message(rng: &mut StdRng, max_frame: usize) -> (Message, &'static str) {
    match rng.random_range(0..100) {
        0..=4 => {
            let bytes: Vec<u8> = (0..rng.random_range(0..64)).map(|_| rng.random()).collect();
            (Message::binary(bytes), "binary")
        }
        5..=6 => {
            let size = max_frame + 1 + rng.random_range(0..max_frame);
            (Message::text(json!({"op": "ping", "id": "z".repeat(size)}).to_string()), "oversized")
        }
        7..=16 => (Message::text(random_text(rng, 64)), "garbage"),
        17..=22 => {
            let v = loop {
                let v = random_json(rng, 2);
                if !v.is_object() {
                    break v;
                }
            };
            (Message::text(v.to_string()), "not_object")
        }
        23..=27 => (Message::text(json!({"op": random_text(rng, 10), "match": "m1"}).to_string()), "unknown_op"),
        28..=32 => (Message::Ping(vec![1, 2, 3].into()), "ws_ping"),
        33..=37 => {
            // A valid request cut short.
            let text = json!({"op": "subscribe", "match": "m1", "since": 2}).to_string();
            let cut = rng.random_range(0..text.len());
            (Message::text(&text[..cut]), "truncated")
        }
        38..=42 => (Message::text(json!({"op": "lobby"}).to_string()), "lobby"),
        43..=47 => (Message::text(json!({"op": "ping", "id": random_json(rng, 2)}).to_string()), "ping"),
        48..=62 => {
            let id = match_id(rng);
            (Message::text(json!({"op": "unsubscribe", "match": id}).to_string()), "unsubscribe")
        }
        _ => {
            let mut request = json!({"op": "subscribe", "match": match_id(rng)});
            match rng.random_range(0..6) {
                0 => request["since"] = json!(rng.random_range(0..8)),
                1 => request["since"] = random_json(rng, 1),
                2 => request["extra"] = random_json(rng, 2),
                3 => {
                    request.as_object_mut().map(|m| m.remove("match"));
                }
                4 => request["op"] = random_json(rng, 1),
                _ => {}
            }
            (Message::text(request.to_string()), "subscribe")
        }
    }
}

/// A client as the test models it: what it is subscribed to.
struct Model {
    subs: BTreeSet<String>,
    max_subs: usize,
    /// Seq of each match in the store.
    seqs: BTreeMap<String, u64>,
    snapshots: BTreeMap<String, Value>,
}

impl Model {
    /// Check `reply` against the protocol for `message`. Returns whether
    /// the connection is still open.
    fn check(&mut self, message: &Message, reply: &Reply, codes: &BTreeSet<String>) -> bool {
        for v in &reply.frames {
            if let Some(code) = error_code(v) {
                assert!(codes.contains(code), "undocumented error code: {v}");
                assert!(v["message"].as_str().is_some_and(|m| m.len() >= 10), "error without a message: {v}");
                assert!(v.to_string().len() <= 1024, "error frame echoes the request: {v}");
            }
        }
        let only_error = |code: &str| {
            assert_eq!(reply.frames.len(), 1, "expected one {code} error for {message:?}, got {:?}", reply.frames);
            assert_eq!(error_code(&reply.frames[0]), Some(code), "for {message:?}: {:?}", reply.frames);
        };
        match message {
            Message::Binary(_) => only_error("binary_not_supported"),
            Message::Ping(_) | Message::Pong(_) => assert!(reply.frames.is_empty(), "{:?}", reply.frames),
            Message::Text(text) if text.len() > self.max_frame_bytes() => {
                only_error("frame_too_large");
                let (code, reason) = reply.closed.clone().expect("an oversized frame closes the connection");
                assert_eq!(code, 1009, "close code for an oversized frame: {reason}");
                return false;
            }
            Message::Text(text) => match protocol::parse_client(text.as_str()) {
                Err(e) => {
                    only_error(e.code.as_str());
                    assert_eq!(reply.frames[0].get("match").and_then(Value::as_str), e.match_id.as_deref());
                }
                Ok(ClientOp::Ping { .. }) => {
                    assert_eq!(reply.frames.len(), 1, "{:?}", reply.frames);
                    assert_eq!(reply.frames[0]["type"], "pong");
                }
                Ok(ClientOp::Lobby) => {
                    assert_eq!(reply.frames.len(), 1, "{:?}", reply.frames);
                    let v = &reply.frames[0];
                    assert!(v["type"] == "lobby" || error_code(v) == Some("rate_limited"), "{v}");
                    if v["type"] == "lobby" {
                        assert_eq!(v["matches"].as_array().map(Vec::len), Some(MATCHES.len()), "{v}");
                    }
                }
                Ok(ClientOp::Unsubscribe { match_id }) => {
                    if self.subs.remove(&match_id) {
                        assert_eq!(reply.frames, [json!({"type": "unsubscribed", "match": match_id})]);
                    } else {
                        only_error("not_subscribed");
                    }
                }
                Ok(ClientOp::Subscribe { match_id, since }) => self.subscribed(&match_id, since, reply),
            },
            Message::Close(_) | Message::Frame(_) => {}
        }
        assert!(reply.closed.is_none(), "closed after {message:?}: {:?}", reply.closed);
        true
    }

    fn max_frame_bytes(&self) -> usize {
        FUZZ_MAX_FRAME
    }

    fn subscribed(&mut self, id: &str, since: Option<u64>, reply: &Reply) {
        let first = reply.frames.first();
        if first.and_then(error_code) == Some("rate_limited") {
            assert_eq!(reply.frames.len(), 1);
            return;
        }
        if !self.subs.contains(id) && self.subs.len() >= self.max_subs {
            assert_eq!(reply.frames.len(), 1, "{:?}", reply.frames);
            assert_eq!(first.and_then(error_code), Some("too_many_subscriptions"), "{:?}", reply.frames);
            return;
        }
        let seq = self.seqs.get(id).copied().unwrap_or(0);
        for v in &reply.frames {
            assert!(matches!(v["type"].as_str(), Some("snapshot" | "reset" | "event")), "{v}");
            assert_eq!(v["match"], id, "{v}");
        }
        match since {
            None => {
                assert_eq!(reply.frames.len(), 1, "a subscribe gets one snapshot: {:?}", reply.frames);
                let snap = &reply.frames[0];
                assert_eq!(snap["seq"], seq, "{snap}");
                assert_eq!(snap["data"], self.snapshots.get(id).cloned().unwrap_or(Value::Null), "{snap}");
            }
            Some(since) if since <= seq && self.seqs.contains_key(id) => {
                let got: Vec<u64> = reply.frames.iter().filter_map(|v| v["seq"].as_u64()).collect();
                assert_eq!(got, (since + 1..=seq).collect::<Vec<_>>(), "resume from {since}: {:?}", reply.frames);
            }
            Some(since) => {
                // Ahead of the match, or a match with no log: a reset and
                // a snapshot (a client at 0 of an unknown match may also
                // simply be up to date).
                let kinds: Vec<&str> = reply.frames.iter().filter_map(|v| v["type"].as_str()).collect();
                let up_to_date = since == 0 && kinds.is_empty();
                assert!(up_to_date || kinds == ["reset", "snapshot"], "since {since}: {:?}", reply.frames);
            }
        }
        self.subs.insert(id.to_owned());
    }
}

const FUZZ_MAX_FRAME: usize = 2048;
const FUZZ_MAX_SUBS: usize = 8;

/// Fuzzing clients at once.
const FUZZ_CLIENTS: u64 = 4;

/// One hostile client (reconnecting after each oversized frame): `frames`
/// random messages, each reply checked. Returns the tally of message kinds
/// and the connections used.
async fn fuzz_client(
    server: &Server,
    seed: u64,
    frames: u64,
    new_model: impl Fn() -> Model,
) -> (BTreeMap<&'static str, usize>, usize) {
    let codes = documented_codes();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut tally: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut ws = client(server.addr).await;
    let mut model = new_model();
    let mut connections = 1;
    for n in 0..frames {
        let (message, kind) = random_message(&mut rng, FUZZ_MAX_FRAME);
        *tally.entry(kind).or_default() += 1;
        let reply = exchange(&mut ws, message.clone(), n).await;
        if !model.check(&message, &reply, &codes) {
            ws = client(server.addr).await;
            model = new_model();
            connections += 1;
        }
        assert!(server.state.is_ready(), "the gateway stopped serving after frame {n} of client {seed}");
    }
    (tally, connections)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzzed_clients_get_documented_answers_and_change_nothing() {
    let frames = env_or("LIVEMATCH_FUZZ_FRAMES", 2000u64);
    let seed = env_or("LIVEMATCH_FUZZ_SEED", 7u64);
    let store = seeded_store().await;
    let server = serve(Arc::new(store.clone()), |c| {
        c.max_frame_bytes = FUZZ_MAX_FRAME;
        c.max_subscriptions = FUZZ_MAX_SUBS;
        c.subscribe_rate = 2000;
        c.subscribe_burst = 400;
    })
    .await;
    let before = rest_view(&server.state).await;
    let mut snapshots = BTreeMap::new();
    for (id, _) in MATCHES {
        let body = &before[&format!("/api/matches/{id}")].1;
        snapshots.insert(id.to_owned(), serde_json::from_str::<Value>(body).expect("snapshot JSON"));
    }
    let seqs: BTreeMap<String, u64> = MATCHES.iter().map(|(id, s)| ((*id).to_owned(), *s)).collect();
    let new_model =
        || Model { subs: BTreeSet::new(), max_subs: FUZZ_MAX_SUBS, seqs: seqs.clone(), snapshots: snapshots.clone() };

    let started = Instant::now();
    let clients = (0..FUZZ_CLIENTS).map(|i| fuzz_client(&server, seed + i, frames / FUZZ_CLIENTS, new_model));
    let mut tally: BTreeMap<&str, usize> = BTreeMap::new();
    let mut connections = 0;
    for (t, c) in futures::future::join_all(clients).await {
        for (kind, n) in t {
            *tally.entry(kind).or_default() += n;
        }
        connections += c;
    }
    let elapsed = started.elapsed();
    println!(
        "fuzz: seed {seed}, {frames} frames from {FUZZ_CLIENTS} clients on {connections} connections in {elapsed:?}: {tally:?}"
    );

    // Every kind of refusal was exercised and counted.
    let metrics = server.state.metrics();
    for reason in ["bad_json", "unknown_op", "bad_request", "binary_not_supported", "frame_too_large"] {
        assert!(metrics.bad_frame_count(reason) > 0, "no {reason} in {frames} frames (seed {seed})");
    }
    // Nothing changed, nothing leaked.
    assert_eq!(rest_view(&server.state).await, before, "the fuzzed frames changed what the gateway serves");
    wait_until("fuzz connections to close", || server.state.connections() == 0).await;
    wait_until("their subscriptions to be released", || server.state.live_matches() == 0).await;

    // A well-behaved client is served normally.
    let mut ws = client(server.addr).await;
    ws.send(Message::text(json!({"op": "subscribe", "match": "m1"}).to_string())).await.expect("send");
    let snap = next_frame(&mut ws).await.expect("snapshot");
    assert_eq!((snap["type"].as_str(), snap["seq"].as_u64()), (Some("snapshot"), Some(5)), "{snap}");
    assert_eq!(snap["data"], snapshots["m1"]);
    commit(&store, "m1", 5, 2).await;
    for want in [6, 7] {
        let v = next_frame(&mut ws).await.expect("event");
        assert_eq!((v["type"].as_str(), v["seq"].as_u64()), (Some("event"), Some(want)), "{v}");
    }
}

// ---------------------------------------------------------------- limits

/// Send every message without waiting, then a ping; everything before
/// the pong.
async fn pipeline(ws: &mut Ws, messages: Vec<String>) -> Reply {
    let n = messages.len() as u64;
    let mut batch = futures::stream::iter(messages.into_iter().map(|m| Ok::<_, tungstenite::Error>(Message::text(m))));
    ws.send_all(&mut batch).await.expect("send");
    probe(ws, n).await
}

fn count(reply: &Reply, kind: &str) -> usize {
    reply.frames.iter().filter(|v| v["type"] == kind || error_code(v) == Some(kind)).count()
}

#[tokio::test]
async fn subscribe_floods_are_capped_per_connection() {
    let store = seeded_store().await;
    let server = serve(Arc::new(store.clone()), |c| {
        c.max_subscriptions = 16;
        c.subscribe_rate = 1_000_000;
        c.subscribe_burst = 1_000_000;
    })
    .await;
    let mut ws = client(server.addr).await;
    let ids: Vec<String> = (0..5_000).map(|i| format!("flood-{i}")).collect();
    let flood = ids.iter().map(|id| json!({"op": "subscribe", "match": id}).to_string()).collect();
    let reply = pipeline(&mut ws, flood).await;
    assert!(reply.closed.is_none(), "{:?}", reply.closed);
    assert_eq!(reply.frames.len(), 5_000, "one answer per subscribe");
    assert_eq!(count(&reply, "snapshot"), 16);
    assert_eq!(count(&reply, "too_many_subscriptions"), 5_000 - 16);
    // The first 16 got in, in order.
    let got: Vec<&str> =
        reply.frames.iter().filter(|v| v["type"] == "snapshot").filter_map(|v| v["match"].as_str()).collect();
    assert_eq!(got, ids[..16].iter().map(String::as_str).collect::<Vec<_>>());
    assert!(server.state.live_matches() <= 16, "the hub holds {} matches", server.state.live_matches());
    // The connection still works: events of a subscribed match arrive.
    commit(&store, "flood-3", 0, 1).await;
    let v = next_frame(&mut ws).await.expect("event");
    assert_eq!((v["type"].as_str(), v["match"].as_str()), (Some("event"), Some("flood-3")), "{v}");
    drop(ws);
    wait_until("the flood's subscriptions to be released", || server.state.live_matches() == 0).await;
}

#[tokio::test]
async fn subscribe_rate_is_limited_per_connection() {
    let (rate, burst) = (20u32, 10u32);
    let server = serve(Arc::new(seeded_store().await), |c| {
        c.max_subscriptions = 10_000;
        c.subscribe_rate = rate;
        c.subscribe_burst = burst;
    })
    .await;
    let mut ws = client(server.addr).await;
    let started = Instant::now();
    let flood: Vec<String> =
        (0..300).map(|i| json!({"op": "subscribe", "match": format!("r{i}")}).to_string()).collect();
    let reply = pipeline(&mut ws, flood).await;
    let elapsed = started.elapsed().as_secs_f64();
    let (ok, limited) = (count(&reply, "snapshot"), count(&reply, "rate_limited"));
    assert_eq!(
        ok + limited,
        300,
        "{:?}",
        reply.frames.iter().find(|v| v["type"] != "snapshot" && error_code(v) != Some("rate_limited"))
    );
    let allowed = f64::from(burst) + f64::from(rate) * elapsed;
    assert!(
        ok >= burst as usize && (ok as f64) <= allowed + 1.0,
        "{ok} subscribes served in {elapsed:.2}s (burst {burst}, {rate}/s)"
    );
    // Lobby requests share the bucket; pings do not.
    let limited_lobby = exchange(&mut ws, Message::text(r#"{"op":"lobby"}"#), 1).await;
    assert_eq!(limited_lobby.frames.len(), 1);
    // Tokens come back at the rate.
    tokio::time::sleep(Duration::from_millis(1_100 / u64::from(rate) * 3)).await;
    let again = exchange(&mut ws, Message::text(json!({"op": "subscribe", "match": "m1"}).to_string()), 2).await;
    assert_eq!(again.frames.first().map(|v| v["type"].clone()), Some(json!("snapshot")), "{:?}", again.frames);
    assert!(server.state.metrics().bad_frame_count("rate_limited") >= limited as u64);
}

/// A raw WebSocket upgrade: status, lowercase head, body.
async fn raw_upgrade(addr: SocketAddr, origin: Option<&str>) -> (u16, String, String) {
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    let origin = origin.map(|o| format!("Origin: {o}\r\n")).unwrap_or_default();
    let request = format!(
        "GET /ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{origin}\r\n"
    );
    tcp.write_all(request.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = tokio::time::timeout(WAIT, tcp.read(&mut chunk)).await.expect("answer").expect("read");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        assert!(n > 0, "connection closed before the head: {}", String::from_utf8_lossy(&buf));
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status");
    let length: usize =
        head.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|l| l.trim().parse().ok()).unwrap_or(0);
    while buf.len() < head_end + length {
        let n = tokio::time::timeout(WAIT, tcp.read(&mut chunk)).await.expect("body").expect("read");
        assert!(n > 0, "connection closed inside the body");
        buf.extend_from_slice(&chunk[..n]);
    }
    (status, head, String::from_utf8_lossy(&buf[head_end..head_end + length]).into_owned())
}

#[tokio::test]
async fn connection_cap_refuses_with_503_and_retry_after() {
    let server = serve(Arc::new(MemoryStore::new()), |c| c.max_connections = 3).await;
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(client(server.addr).await);
    }
    for _ in 0..5 {
        let (status, head, body) = raw_upgrade(server.addr, None).await;
        assert_eq!(status, 503, "{head}{body}");
        assert!(head.contains("retry-after: 5"), "{head}");
        let body: Value = serde_json::from_str(&body).expect("JSON body");
        assert_eq!(body["code"], "server_busy");
        assert!(body["error"].as_str().is_some_and(|e| e.contains("limit of 3 connections")), "{body}");
    }
    assert_eq!(server.state.connections(), 3);
    // The open ones are still served.
    let reply = exchange(&mut open[0], Message::text(r#"{"op":"lobby"}"#), 0).await;
    assert_eq!(reply.frames.first().map(|v| v["type"].clone()), Some(json!("lobby")));
    open.pop();
    wait_until("a slot to free up", || server.state.connections() < 3).await;
    let (status, _, _) = raw_upgrade(server.addr, None).await;
    assert_eq!(status, 101);
}

// ---------------------------------------------------------------- origin

#[tokio::test]
async fn origin_is_checked_on_the_upgrade() {
    let server = serve(Arc::new(seeded_store().await), |c| {
        c.allowed_origins = vec!["https://live.example.com".into(), "https://*.preview.example.com".into()];
    })
    .await;
    for good in [
        Some("https://live.example.com"),
        Some("https://LIVE.example.com:443"),
        Some("https://pr-7.preview.example.com"),
        None,
    ] {
        let (status, head, _) = raw_upgrade(server.addr, good).await;
        assert_eq!(status, 101, "{good:?}: {head}");
        let mut ws = connect(server.addr, good).await.expect("allowed origin");
        assert_eq!(next_frame(&mut ws).await.expect("hello")["type"], "hello");
    }
    for bad in [
        "https://evil.example",
        "http://live.example.com",
        "https://live.example.com.evil.example",
        "null",
        "https://preview.example.com",
    ] {
        let (status, head, body) = raw_upgrade(server.addr, Some(bad)).await;
        assert_eq!(status, 403, "{bad}: {head}");
        let body: Value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{bad}: body is not JSON ({e}): {body}"));
        assert_eq!(body["code"], "origin_not_allowed", "{body}");
        let error = body["error"].as_str().unwrap_or_default();
        assert!(error.contains(bad) && error.contains("https://live.example.com"), "{error}");
        match connect(server.addr, Some(bad)).await {
            Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), StatusCode::FORBIDDEN),
            other => panic!("{bad} must be refused, got {:?}", other.map(|_| ())),
        }
    }
    assert_eq!(server.state.metrics().bad_frame_count("origin_not_allowed"), 10);
    wait_until("connections to close", || server.state.connections() == 0).await;
}

// ---------------------------------------------------------------- write paths

/// Every route the gateway serves, with what a GET gives.
const ROUTES: [&str; 13] = [
    "/ws",
    "/api/matches",
    "/api/matches/m1",
    "/api/matches/m1/events",
    "/api/matches/m1/events?since=0",
    "/api/matches/nope",
    "/match/m1",
    "/",
    "/index.html",
    "/app.js",
    "/metrics",
    "/healthz",
    "/readyz",
];

#[tokio::test]
async fn no_route_accepts_a_write() {
    let store = seeded_store().await;
    let server = serve(Arc::new(store.clone()), |_| {}).await;
    let ops = Ops::new(Registry::default());
    server.state.set_ops(ops.clone());
    let before = rest_view(&server.state).await;
    let lobby_before = store.lobby().await.expect("lobby");
    let body = json!({"seq": 99, "match_id": "m1", "event": {"type": "toss"}, "data": {"seq": 99}}).to_string();
    let methods = [
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::TRACE,
        Method::from_bytes(b"PURGE").expect("method"),
    ];
    let mut refused = 0;
    for (name, router) in [("viewer", app(server.state.clone())), ("ops", ops.router())] {
        for route in ROUTES.iter().copied().chain(["/api/matches/m1/snapshot", "/api/events", "/admin", "/.env"]) {
            for method in &methods {
                let (status, answer) = call(router.clone(), method.clone(), route, &body).await;
                assert!(
                    status == StatusCode::METHOD_NOT_ALLOWED || status == StatusCode::NOT_FOUND,
                    "{name} {method} {route}: {status} {answer}"
                );
                refused += 1;
            }
        }
    }
    assert_eq!(refused, 2 * 17 * methods.len());
    assert_eq!(rest_view(&server.state).await, before, "a write method changed the matches");
    assert_eq!(store.lobby().await.expect("lobby"), lobby_before);
    // The WebSocket protocol has no write op either: a client cannot
    // publish (see the fuzz test), and a frame shaped like an event is
    // refused as an unknown op.
    let mut ws = client(server.addr).await;
    let frame = json!({"op": "publish", "match": "m1", "event": {"type": "toss"}}).to_string();
    let reply = exchange(&mut ws, Message::text(frame), 0).await;
    assert_eq!(reply.frames.first().and_then(error_code), Some("unknown_op"));
    assert_eq!(rest_view(&server.state).await, before);
}

#[tokio::test]
async fn ops_endpoints_can_be_bound_apart_from_viewers() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    // Default: ops on the viewers' address.
    let together = serve(Arc::clone(&store), |_| {}).await;
    together.state.set_ops(Ops::new(Registry::default()));
    assert_eq!(call(app(together.state.clone()), Method::GET, "/healthz", "").await.0, StatusCode::OK);
    assert_eq!(call(app(together.state.clone()), Method::GET, "/metrics", "").await.0, StatusCode::OK);
    // With a metrics address they are only there.
    let apart = serve(store, |c| c.metrics_listen = Some(SocketAddr::from(([127, 0, 0, 1], 0)))).await;
    let ops = Ops::new(Registry::default());
    apart.state.set_ops(ops.clone());
    for path in ["/metrics", "/healthz", "/readyz"] {
        let (status, _) = call(app(apart.state.clone()), Method::GET, path, "").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path} must not be served to viewers");
        let (status, body) = call(ops.router(), Method::GET, path, "").await;
        assert!(
            status == StatusCode::OK || (path == "/readyz" && status == StatusCode::SERVICE_UNAVAILABLE),
            "{path}: {status} {body}"
        );
    }
    // The viewers' routes are not on the ops router.
    for path in ["/ws", "/api/matches", "/"] {
        assert_eq!(call(ops.router(), Method::GET, path, "").await.0, StatusCode::NOT_FOUND, "{path}");
    }
    assert!(documented_close_codes().contains(&1009), "close 1009 is documented");
}
