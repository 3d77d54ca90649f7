//! The viewers' gateway end to end: real WebSocket clients
//! (tokio-tungstenite) against `gateway::app` bound on 127.0.0.1:0, over
//! the in-memory store; commits are hand-built batches.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use futures::stream::BoxStream;
use futures::{SinkExt, StreamExt};
use http_body_util::BodyExt;
use livematch_sports::cricket::{self, TossDecision};
use livematch_sports::engine::LobbyEntry;
use livematch_sports::{Envelope, Event, MatchState, Patch, PatchOp, Sport, Status};
use livematch_workers::gateway::{self, GatewayConfig, GatewayMetrics, GatewayState, app};
use livematch_workers::protocol::{self, FrameType};
use livematch_workers::store::memory::MemoryStore;
use livematch_workers::store::{CommitBatch, CommitOutcome, Live, LiveControl, Since, Store, StoreError};
use livematch_workers::telemetry::Ops;
use prometheus_client::registry::Registry;
use serde_json::{Value, json};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

type Ws = WebSocketStream<TcpStream>;

const WAIT: Duration = Duration::from_secs(10);

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

// ---------------------------------------------------------------- commits

/// The event frame of seq `seq` (a toss; `pad` bytes of padding make it big).
fn event(id: &str, seq: u64, pad: usize) -> String {
    let winner = format!("team {seq} {}", "x".repeat(pad));
    let env =
        Envelope::new(id, seq, now_ms(), Event::Cricket(cricket::Event::Toss { winner, decision: TossDecision::Bat }));
    protocol::event_frame(&env, &Patch::from_ops(&[PatchOp::replace("/seq", seq)]))
}

fn lobby_entry(id: &str, seq: u64, status: Status, updated: i64) -> LobbyEntry {
    LobbyEntry {
        id: id.into(),
        sport: Sport::Cricket,
        status,
        teams: vec!["A".into(), "B".into()],
        summary: format!("seq {seq}"),
        result: None,
        seq,
        updated,
    }
}

fn batch(id: &str, prev: u64, n: u64, pad: usize) -> CommitBatch {
    let mut state = MatchState::new(id, Sport::Cricket);
    state.seq = prev + n;
    state.updated = now_ms();
    CommitBatch {
        match_id: id.into(),
        prev_seq: prev,
        snapshot: state.snapshot().to_string(),
        frames: (prev + 1..=prev + n).map(|s| event(id, s, pad)).collect(),
        lobby: lobby_entry(id, prev + n, Status::Live, now_ms()),
        state,
        expire_after: None,
    }
}

/// Commit events `prev+1 ..= prev+n` of a match; returns their frames.
async fn commit(store: &dyn Store, id: &str, prev: u64, n: u64) -> Vec<String> {
    commit_padded(store, id, prev, n, 0).await
}

async fn commit_padded(store: &dyn Store, id: &str, prev: u64, n: u64, pad: usize) -> Vec<String> {
    let b = batch(id, prev, n, pad);
    let outcome = store.commit(&b).await.expect("commit");
    assert_eq!(outcome, CommitOutcome::Committed, "commit {id} {prev}+{n}");
    b.frames
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

fn test_config(public: &std::path::Path) -> GatewayConfig {
    GatewayConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        public_dir: public.to_path_buf(),
        ..GatewayConfig::default()
    }
}

async fn serve(store: Arc<dyn Store>, tune: impl FnOnce(&mut GatewayConfig)) -> Server {
    let public = tempfile::tempdir().expect("tempdir");
    std::fs::write(public.path().join("index.html"), "<!doctype html><title>livematch</title>").expect("index.html");
    std::fs::write(public.path().join("app.js"), "console.log('hi')").expect("app.js");
    let mut config = test_config(public.path());
    tune(&mut config);
    let shutdown = CancellationToken::new();
    let listener = gateway::listen(config.listen, config.socket_send_buffer).expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = GatewayState::start(config, store, GatewayMetrics::unregistered(), shutdown.clone());
    tokio::spawn(gateway::serve_on(listener, state.clone()));
    // The hub's live feed is up before tests start committing.
    tokio::time::timeout(WAIT, async {
        while !state.is_ready() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("gateway ready");
    Server { addr, state, shutdown, _public: public }
}

// ---------------------------------------------------------------- clients

async fn connect(addr: SocketAddr) -> Ws {
    connect_with(addr, None).await.expect("connect")
}

async fn connect_with(addr: SocketAddr, origin: Option<&str>) -> Result<Ws, tungstenite::Error> {
    let mut request = format!("ws://{addr}/ws").into_client_request()?;
    if let Some(origin) = origin {
        request.headers_mut().insert("origin", origin.parse().expect("header"));
    }
    let tcp = TcpStream::connect(addr).await.map_err(tungstenite::Error::Io)?;
    let (ws, _) = tokio_tungstenite::client_async(request, tcp).await?;
    Ok(ws)
}

/// Connect and consume the hello.
async fn client(addr: SocketAddr) -> Ws {
    let mut ws = connect(addr).await;
    let hello = next(&mut ws).await;
    assert_eq!(hello["type"], "hello");
    ws
}

async fn send(ws: &mut Ws, value: Value) {
    ws.send(Message::text(value.to_string())).await.expect("send");
}

/// What a client receives next.
#[derive(Debug)]
enum Got {
    Text(String),
    Closed(Option<(u16, String)>),
    Gone(#[allow(dead_code)] String),
}

async fn receive(ws: &mut Ws) -> Got {
    loop {
        match tokio::time::timeout(WAIT, ws.next()).await.expect("no frame within the wait") {
            Some(Ok(Message::Text(t))) => return Got::Text(t.as_str().to_owned()),
            Some(Ok(Message::Close(frame))) => {
                return Got::Closed(frame.map(|f| (u16::from(f.code), f.reason.as_str().to_owned())));
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Got::Gone(e.to_string()),
            None => return Got::Gone("stream ended".into()),
        }
    }
}

/// The next text frame that is not a heartbeat, as raw text.
async fn next_text(ws: &mut Ws) -> String {
    loop {
        match receive(ws).await {
            Got::Text(t) if t.starts_with(r#"{"type":"heartbeat""#) => {}
            Got::Text(t) => return t,
            other => panic!("expected a frame, got {other:?}"),
        }
    }
}

async fn next(ws: &mut Ws) -> Value {
    let text = next_text(ws).await;
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("server sent invalid JSON ({e}): {text}"))
}

/// Round-trip a ping: everything the server queued before it has arrived;
/// returns what came before the pong.
async fn drain(ws: &mut Ws) -> Vec<Value> {
    let id = now_ms();
    send(ws, json!({"op":"ping","id":id})).await;
    let mut before = Vec::new();
    loop {
        let v = next(ws).await;
        if v["type"] == "pong" && v["id"] == id {
            return before;
        }
        before.push(v);
    }
}

async fn expect_error(ws: &mut Ws, code: &str) -> Value {
    let v = next(ws).await;
    assert_eq!(v["type"], "error", "{v}");
    assert_eq!(v["code"], code, "{v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    v
}

/// Receive event frames until `last`, checking they are exactly
/// `from ..= last` in order; returns their texts.
async fn events_until(ws: &mut Ws, id: &str, from: u64, last: u64) -> Vec<String> {
    let mut texts = Vec::new();
    let mut want = from;
    while want <= last {
        let text = next_text(ws).await;
        let v: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(v["type"], "event", "expected event {want}, got {v}");
        assert_eq!(v["match"], id);
        assert_eq!(v["seq"], want, "gap or duplicate: expected seq {want}, got {v}");
        texts.push(text);
        want += 1;
    }
    texts
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

// ---------------------------------------------------------------- tests

#[tokio::test]
async fn hello_announces_protocol_and_limits() {
    let server = serve(Arc::new(MemoryStore::new()), |c| {
        c.heartbeat = Duration::from_secs(7);
        c.max_subscriptions = 9;
    })
    .await;
    let mut ws = connect(server.addr).await;
    let hello = next(&mut ws).await;
    assert_eq!(hello["type"], "hello");
    assert_eq!(hello["protocol"], 1);
    assert_eq!(hello["heartbeat_ms"], 7000);
    assert_eq!(hello["limits"]["max_subscriptions"], 9);
    assert_eq!(hello["limits"]["max_frame_bytes"], 16 * 1024);
    assert_eq!(hello["limits"]["subscribe_rate"], 20);
    assert_eq!(hello["limits"]["outbound_queue"], 512);
    // Application ping.
    send(&mut ws, json!({"op":"ping","id":{"n":[1,2]}})).await;
    assert_eq!(next(&mut ws).await, json!({"type":"pong","id":{"n":[1,2]}}));
    // WebSocket ping.
    ws.send(Message::Ping(b"hb".to_vec().into())).await.expect("ping");
    let pong = tokio::time::timeout(WAIT, async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Pong(p))) => return p.to_vec(),
                Some(Ok(_)) => {}
                other => panic!("no pong: {other:?}"),
            }
        }
    })
    .await
    .expect("pong");
    assert_eq!(pong, b"hb");
    assert_eq!(server.state.metrics().sent_count(FrameType::Hello), 1);
}

#[tokio::test]
async fn subscribe_gets_snapshot_then_live_events_verbatim() {
    let store = MemoryStore::new();
    let server = serve(Arc::new(store.clone()), |_| {}).await;
    commit(&store, "m1", 0, 3).await;
    let mut ws = client(server.addr).await;
    send(&mut ws, json!({"op":"subscribe","match":"m1"})).await;
    let snap = next(&mut ws).await;
    assert_eq!(snap["type"], "snapshot");
    assert_eq!(snap["match"], "m1");
    assert_eq!(snap["seq"], 3);
    assert_eq!(snap["data"]["seq"], 3);
    assert_eq!(snap["data"]["id"], "m1");
    let frames = commit(&store, "m1", 3, 2).await;
    let got = events_until(&mut ws, "m1", 4, 5).await;
    assert_eq!(got, frames, "event frames are forwarded byte for byte");
    let frames = commit(&store, "m1", 5, 1).await;
    assert_eq!(events_until(&mut ws, "m1", 6, 6).await, frames);
    assert!(drain(&mut ws).await.is_empty());
    // One live subscription for the match, whatever the number of viewers.
    let mut other = client(server.addr).await;
    send(&mut other, json!({"op":"subscribe","match":"m1"})).await;
    assert_eq!(next(&mut other).await["seq"], 6);
    assert_eq!(server.state.live_matches(), 1);
    let metrics = server.state.metrics();
    assert!(metrics.sent_count(FrameType::Event) >= 3);
    assert_eq!(metrics.subscriptions.get(), 2);
}

/// Hundreds of viewers of one match (several fan-out shards, written by
/// tasks on both worker threads): every viewer gets every event once, in
/// order, byte for byte, also while viewers join and leave between
/// events; the metrics count every frame written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_viewers_of_one_match_get_every_event_in_order() {
    let store = MemoryStore::new();
    let server = serve(Arc::new(store.clone()), |_| {}).await;
    commit(&store, "m1", 0, 1).await;
    let viewers = 600;
    let mut clients = Vec::with_capacity(viewers);
    for _ in 0..viewers {
        let mut ws = client(server.addr).await;
        send(&mut ws, json!({"op":"subscribe","match":"m1"})).await;
        assert_eq!(next(&mut ws).await["seq"], 1);
        clients.push(ws);
    }
    let sent_before = server.state.metrics().sent_count(FrameType::Event);
    // Events one at a time (bursts to every viewer), then a batch.
    let mut frames = Vec::new();
    for prev in 1..6 {
        frames.extend(commit(&store, "m1", prev, 1).await);
    }
    // Some viewers leave and others join while the stream goes on.
    let leaving: Vec<Ws> = clients.drain(..50).collect();
    drop(leaving);
    let mut late = client(server.addr).await;
    send(&mut late, json!({"op":"subscribe","match":"m1"})).await;
    let late_from = next(&mut late).await["seq"].as_u64().expect("seq");
    frames.extend(commit(&store, "m1", 6, 20).await);
    let readers: Vec<_> = clients
        .into_iter()
        .map(|mut ws| tokio::spawn(async move { events_until(&mut ws, "m1", 2, 26).await }))
        .collect();
    for reader in readers {
        assert_eq!(reader.await.expect("reader"), frames, "every event once, in order, verbatim");
    }
    events_until(&mut late, "m1", late_from + 1, 26).await;
    let written = server.state.metrics().sent_count(FrameType::Event) - sent_before;
    assert!(written >= (viewers as u64 - 50) * 25, "{written} event frames counted");
    assert_eq!(server.state.metrics().slow_consumer_disconnects.get(), 0);
}

#[tokio::test]
async fn unknown_match_snapshot_is_null_then_events_flow() {
    let store = MemoryStore::new();
    let server = serve(Arc::new(store.clone()), |_| {}).await;
    let mut ws = client(server.addr).await;
    send(&mut ws, json!({"op":"subscribe","match":"later"})).await;
    assert_eq!(next(&mut ws).await, json!({"type":"snapshot","match":"later","seq":0,"data":null}));
    commit(&store, "later", 0, 2).await;
    events_until(&mut ws, "later", 1, 2).await;
}

#[tokio::test]
async fn resume_sends_exactly_the_missed_events_then_live() {
    let store = MemoryStore::new();
    let server = serve(Arc::new(store.clone()), |_| {}).await;
    let frames = commit(&store, "m1", 0, 10).await;
    let mut ws = client(server.addr).await;
    send(&mut ws, json!({"op":"subscribe","match":"m1","since":4})).await;
    assert_eq!(events_until(&mut ws, "m1", 5, 10).await, frames[4..]);
    commit(&store, "m1", 10, 1).await;
    events_until(&mut ws, "m1", 11, 11).await;
    assert!(drain(&mut ws).await.is_empty());

    // Up to date: nothing, then live.
    let mut ws = client(server.addr).await;
    send(&mut ws, json!({"op":"subscribe","match":"m1","since":11})).await;
    assert!(drain(&mut ws).await.is_empty(), "nothing was missed");
    commit(&store, "m1", 11, 1).await;
    events_until(&mut ws, "m1", 12, 12).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_is_gap_free_while_commits_race_the_subscribe() {
    let store = LossyStore::new();
    let server = serve(Arc::new(store.clone()), |_| {}).await;
    let mut overlaps = 0;
    for round in 0..40u64 {
        // Store reads take 0-3 ms: commits land between a subscriber's
        // registration for live frames and its snapshot or log read.
        *store.read_delay.lock().expect("lock") = Duration::from_millis(round % 4);
        let id = format!("race-{round}");
        commit(&store, &id, 0, 5).await;
        let total = 5 + 40;
        let mut ws = client(server.addr).await;
        // Commits keep landing (one every ~0.5 ms) while the subscribe
        // registers, reads the store and starts forwarding.
        let committer = {
            let store = store.clone();
            let id = id.clone();
            tokio::spawn(async move {
                for prev in 5..total {
                    commit(&store, &id, prev, 1).await;
                    if prev % 2 == 0 {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    } else {
                        tokio::task::yield_now().await;
                    }
                }
            })
        };
        tokio::time::sleep(Duration::from_millis(round % 7)).await;
        // Alternate: resume from a known seq, or start from a snapshot.
        let first = if round % 2 == 0 {
            let since = 2 + round % 3;
            send(&mut ws, json!({"op":"subscribe","match":id,"since":since})).await;
            since + 1
        } else {
            send(&mut ws, json!({"op":"subscribe","match":id})).await;
            let snap = next(&mut ws).await;
            assert_eq!(snap["type"], "snapshot", "{snap}");
            let seq = snap["seq"].as_u64().expect("seq");
            assert_eq!(snap["data"]["seq"], seq);
            if seq > 5 && seq < total {
                overlaps += 1;
            }
            seq + 1
        };
        events_until(&mut ws, &id, first, total).await;
        committer.await.expect("committer");
        assert!(drain(&mut ws).await.is_empty(), "round {round}: duplicate after the last event");
    }
    assert!(overlaps > 0, "no round subscribed while commits were landing: the test did not race");
}

#[tokio::test]
async fn impossible_resume_gets_reset_and_snapshot() {
    let store = MemoryStore::new();
    let server = serve(Arc::new(store.clone()), |c| c.max_resume_frames = 5).await;
    commit(&store, "m1", 0, 10).await;
    let mut ws = client(server.addr).await;

    // Ahead of the store (e.g. after a cache rebuild).
    send(&mut ws, json!({"op":"subscribe","match":"m1","since":50})).await;
    assert_eq!(next(&mut ws).await, json!({"type":"reset","match":"m1","reason":"ahead"}));
    let snap = next(&mut ws).await;
    assert_eq!((snap["type"].as_str(), snap["seq"].as_u64()), (Some("snapshot"), Some(10)));

    // Further behind than is replayed.
    send(&mut ws, json!({"op":"subscribe","match":"m1","since":2})).await;
    assert_eq!(next(&mut ws).await, json!({"type":"reset","match":"m1","reason":"too_far_behind"}));
    assert_eq!(next(&mut ws).await["seq"], 10);

    // Within reach: exactly the missed events.
    send(&mut ws, json!({"op":"subscribe","match":"m1","since":6})).await;
    events_until(&mut ws, "m1", 7, 10).await;

    // Unknown match: the log cannot resume it.
    send(&mut ws, json!({"op":"subscribe","match":"ghost","since":3})).await;
    assert_eq!(next(&mut ws).await, json!({"type":"reset","match":"ghost","reason":"log_unavailable"}));
    assert_eq!(next(&mut ws).await, json!({"type":"snapshot","match":"ghost","seq":0,"data":null}));

    // The live stream continues after the snapshot, without duplicates.
    commit(&store, "m1", 10, 2).await;
    events_until(&mut ws, "m1", 11, 12).await;
    assert!(drain(&mut ws).await.is_empty());
}

#[tokio::test]
async fn unsubscribe_stops_frames() {
    let store = MemoryStore::new();
    let server = serve(Arc::new(store.clone()), |_| {}).await;
    commit(&store, "m1", 0, 1).await;
    let mut ws = client(server.addr).await;
    send(&mut ws, json!({"op":"subscribe","match":"m1"})).await;
    assert_eq!(next(&mut ws).await["type"], "snapshot");
    send(&mut ws, json!({"op":"unsubscribe","match":"m1"})).await;
    assert_eq!(next(&mut ws).await, json!({"type":"unsubscribed","match":"m1"}));
    commit(&store, "m1", 1, 3).await;
    assert!(drain(&mut ws).await.is_empty(), "no frames after unsubscribing");
    send(&mut ws, json!({"op":"unsubscribe","match":"m1"})).await;
    let err = expect_error(&mut ws, "not_subscribed").await;
    assert_eq!(err["match"], "m1");
    // The last viewer left: the gateway drops the match's live subscription.
    wait_until("the match to be released", || server.state.live_matches() == 0).await;
    assert_eq!(server.state.metrics().subscriptions.get(), 0);
}

#[tokio::test]
async fn lobby_then_updates() {
    let store = MemoryStore::new();
    let server = serve(Arc::new(store.clone()), |_| {}).await;
    commit(&store, "a", 0, 1).await;
    commit(&store, "b", 0, 2).await;
    let mut ws = client(server.addr).await;
    send(&mut ws, json!({"op":"lobby"})).await;
    let lobby = next(&mut ws).await;
    assert_eq!(lobby["type"], "lobby");
    let mut ids: Vec<&str> =
        lobby["matches"].as_array().expect("array").iter().filter_map(|m| m["id"].as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["a", "b"]);
    commit(&store, "a", 1, 1).await;
    let update = next(&mut ws).await;
    assert_eq!(update["type"], "lobby_update", "{update}");
    assert_eq!(update["match"]["id"], "a");
    assert_eq!(update["match"]["seq"], 2);
    assert_eq!(update["match"]["status"], "live");
}

#[tokio::test]
async fn bad_frames_get_error_codes_and_the_connection_stays() {
    let server = serve(Arc::new(MemoryStore::new()), |_| {}).await;
    let mut ws = client(server.addr).await;
    ws.send(Message::text("{not json")).await.expect("send");
    expect_error(&mut ws, "bad_json").await;
    send(&mut ws, json!({"op":"dance"})).await;
    let err = expect_error(&mut ws, "unknown_op").await;
    assert!(err["message"].as_str().is_some_and(|m| m.contains("dance")));
    send(&mut ws, json!({"op":"subscribe"})).await;
    expect_error(&mut ws, "bad_request").await;
    send(&mut ws, json!({"op":"subscribe","match":"m1","since":-3})).await;
    let err = expect_error(&mut ws, "bad_request").await;
    assert_eq!(err["match"], "m1");
    ws.send(Message::binary(vec![1u8, 2, 3])).await.expect("send");
    expect_error(&mut ws, "binary_not_supported").await;
    assert!(drain(&mut ws).await.is_empty(), "still open and serving");
    let metrics = server.state.metrics();
    assert_eq!(metrics.bad_frame_count("bad_json"), 1);
    assert_eq!(metrics.bad_frame_count("bad_request"), 2);
    assert_eq!(metrics.bad_frame_count("binary_not_supported"), 1);
}

#[tokio::test]
async fn oversized_frame_closes_with_1009() {
    let server = serve(Arc::new(MemoryStore::new()), |c| c.max_frame_bytes = 1024).await;
    let mut ws = client(server.addr).await;
    let big = json!({"op":"ping","id":"x".repeat(2000)});
    ws.send(Message::text(big.to_string())).await.expect("send");
    expect_error(&mut ws, "frame_too_large").await;
    match receive(&mut ws).await {
        Got::Closed(Some((code, _))) => assert_eq!(code, 1009),
        other => panic!("expected close 1009, got {other:?}"),
    }
    assert_eq!(server.state.metrics().bad_frame_count("frame_too_large"), 1);
    // A frame just under the limit is fine on a new connection.
    let mut ws = client(server.addr).await;
    send(&mut ws, json!({"op":"ping","id":"y".repeat(900)})).await;
    assert_eq!(next(&mut ws).await["type"], "pong");
}

#[tokio::test]
async fn subscription_and_rate_limits() {
    let store = MemoryStore::new();
    let server = serve(Arc::new(store.clone()), |c| {
        c.max_subscriptions = 2;
        c.subscribe_rate = 1;
        c.subscribe_burst = 4;
    })
    .await;
    let mut ws = client(server.addr).await;
    for id in ["a", "b"] {
        send(&mut ws, json!({"op":"subscribe","match":id})).await;
        assert_eq!(next(&mut ws).await["type"], "snapshot");
    }
    send(&mut ws, json!({"op":"subscribe","match":"c"})).await;
    let err = expect_error(&mut ws, "too_many_subscriptions").await;
    assert_eq!(err["match"], "c");
    // Re-subscribing an existing match is allowed (a fresh snapshot).
    send(&mut ws, json!({"op":"subscribe","match":"a"})).await;
    assert_eq!(next(&mut ws).await["type"], "snapshot");
    // The burst of 4 is spent: the next one is rate limited.
    send(&mut ws, json!({"op":"subscribe","match":"a"})).await;
    let err = expect_error(&mut ws, "rate_limited").await;
    assert_eq!(err["match"], "a");
    // Still subscribed to both: events flow.
    commit(&store, "b", 0, 1).await;
    events_until(&mut ws, "b", 1, 1).await;
}

#[tokio::test]
async fn heartbeats_arrive() {
    let server = serve(Arc::new(MemoryStore::new()), |c| c.heartbeat = Duration::from_millis(50)).await;
    let mut ws = client(server.addr).await;
    let before = now_ms();
    let mut beats = 0;
    while beats < 3 {
        let Got::Text(t) = receive(&mut ws).await else { panic!("closed") };
        let v: Value = serde_json::from_str(&t).expect("json");
        assert_eq!(v["type"], "heartbeat", "{v}");
        let ts = v["ts"].as_i64().expect("ts");
        assert!(ts >= before - 1000 && ts <= now_ms() + 1000, "heartbeat ts {ts} is server time");
        beats += 1;
    }
}

#[tokio::test]
async fn origin_check_and_connection_limit() {
    let server = serve(Arc::new(MemoryStore::new()), |c| {
        c.allowed_origins = vec!["https://live.example".into()];
        c.max_connections = 2;
    })
    .await;
    match connect_with(server.addr, Some("https://evil.example")).await {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), StatusCode::FORBIDDEN),
        other => panic!("foreign origin must be refused, got {:?}", other.map(|_| ())),
    }
    let mut good = connect_with(server.addr, Some("https://live.example")).await.expect("allowed origin");
    assert_eq!(next(&mut good).await["type"], "hello");
    let _second = client(server.addr).await;
    match connect_with(server.addr, None).await {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE),
        other => panic!("over the connection limit must be refused, got {:?}", other.map(|_| ())),
    }
    drop(good);
    wait_until("a connection slot to free up", || server.state.connections() < 2).await;
    let _third = client(server.addr).await;
}

#[tokio::test]
async fn slow_client_is_disconnected_while_others_keep_receiving() {
    let store = MemoryStore::new();
    let server = serve(Arc::new(store.clone()), |c| {
        c.outbound_queue = 16;
        c.write_timeout = Duration::from_millis(500);
        c.socket_send_buffer = Some(16 * 1024);
    })
    .await;
    commit(&store, "m1", 0, 1).await;

    // A client with a tiny receive buffer that stops reading.
    let mut slow = small_buffer_client(server.addr).await;
    send(&mut slow, json!({"op":"subscribe","match":"m1"})).await;
    assert_eq!(next(&mut slow).await["type"], "snapshot");

    let mut good = client(server.addr).await;
    send(&mut good, json!({"op":"subscribe","match":"m1"})).await;
    assert_eq!(next(&mut good).await["type"], "snapshot");

    // 8 KiB frames, in lockstep with the good client.
    let total = 600u64;
    for prev in 1..total {
        commit_padded(&store, "m1", prev, 1, 8 * 1024).await;
        events_until(&mut good, "m1", prev + 1, prev + 1).await;
    }
    wait_until("the slow client to be dropped", || server.state.metrics().slow_consumer_disconnects.get() == 1).await;
    // Its socket lingers (for it to read why) while it is not reading.
    wait_until("the cut-off socket to linger", || server.state.metrics().lingering.get() == 1).await;

    // Reading again (well after the cut-off), the slow client finds what
    // was buffered, with no gap, then why it was cut off: an `error` frame
    // `slow_consumer` and close 4008, not a reset connection.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut seq = 1u64;
    let mut told = None;
    let ending = loop {
        match receive(&mut slow).await {
            Got::Text(t) => {
                let v: Value = serde_json::from_str(&t).expect("json");
                assert!(told.is_none(), "nothing follows the error frame but the close: {v}");
                if v["type"] == "heartbeat" {
                    continue;
                }
                if v["type"] == "event" {
                    seq += 1;
                    assert_eq!(v["seq"], seq, "the slow client's stream has no gap");
                } else {
                    assert_eq!(v["type"], "error", "{v}");
                    told = Some(v);
                }
            }
            other => break other,
        }
    };
    assert!(seq < total, "the slow client cannot have received everything");
    let told = told.expect("an error frame before the close");
    assert_eq!(told["code"], "slow_consumer", "{told}");
    assert!(told["message"].as_str().is_some_and(|m| m.contains("took no data")), "{told}");
    match ending {
        Got::Closed(Some((code, reason))) => assert_eq!((code, reason.as_str()), (4008, "slow consumer")),
        other => panic!("expected close 4008, got {other:?}"),
    }
    // Once the client has read everything and gone, the socket is closed.
    drop(slow);
    wait_until("the lingering socket to close", || server.state.metrics().lingering.get() == 0).await;
    // The good client is unaffected.
    commit(&store, "m1", total, 1).await;
    events_until(&mut good, "m1", total + 1, total + 1).await;
}

/// A client with a tiny receive buffer (its socket fills up fast).
async fn small_buffer_client(addr: SocketAddr) -> Ws {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("rcvbuf");
    let tcp = socket.connect(addr).await.expect("connect");
    let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/ws"), tcp).await.expect("handshake");
    assert_eq!(next(&mut ws).await["type"], "hello");
    ws
}

/// A client whose socket keeps filling up (small buffers, reads in
/// spurts, pings in between) but keeps up overall: its frames switch
/// between the fan-out's direct writes and its send task many times, and
/// it gets every event in order, answers to its pings, and is never taken
/// for a slow consumer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stalls_and_recovers_gets_everything() {
    let store = MemoryStore::new();
    let server = serve(Arc::new(store.clone()), |c| {
        c.write_timeout = Duration::from_secs(2);
        c.socket_send_buffer = Some(16 * 1024);
    })
    .await;
    commit(&store, "m1", 0, 1).await;
    let mut ws = small_buffer_client(server.addr).await;
    send(&mut ws, json!({"op":"subscribe","match":"m1"})).await;
    assert_eq!(next(&mut ws).await["seq"], 1);
    let total = 120u64;
    let publisher = {
        let store = store.clone();
        tokio::spawn(async move {
            for prev in 1..=total {
                commit_padded(&store, "m1", prev, 1, 6 * 1024).await;
                if prev.is_multiple_of(10) {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        })
    };
    let mut want = 2u64;
    let mut pings = 0u64;
    let mut pongs = 0u64;
    while want <= total + 1 {
        if want.is_multiple_of(15) && pings == pongs {
            send(&mut ws, json!({"op":"ping","id":want})).await;
            pings += 1;
        }
        let v = next(&mut ws).await;
        if v["type"] == "pong" {
            pongs += 1;
            continue;
        }
        assert_eq!(v["type"], "event", "{v}");
        assert_eq!(v["seq"], want, "in order, no gap, no duplicate");
        want += 1;
        if want.is_multiple_of(20) {
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }
    publisher.await.expect("publisher");
    while pongs < pings {
        assert_eq!(next(&mut ws).await["type"], "pong");
        pongs += 1;
    }
    assert!(drain(&mut ws).await.is_empty());
    assert_eq!(server.state.metrics().slow_consumer_disconnects.get(), 0);
}

#[tokio::test]
async fn bursts_reach_clients_whole() {
    let store = MemoryStore::new();
    let server = serve(Arc::new(store.clone()), |c| c.outbound_queue = 16).await;
    let mut ws = client(server.addr).await;
    send(&mut ws, json!({"op":"subscribe","match":"m1"})).await;
    assert_eq!(next(&mut ws).await["seq"], 0);
    // Two batches, each far bigger than the per-match channel.
    commit(&store, "m1", 0, 100).await;
    commit(&store, "m1", 100, 100).await;
    events_until(&mut ws, "m1", 1, 200).await;
    assert!(drain(&mut ws).await.is_empty());
    assert_eq!(server.state.metrics().slow_consumer_disconnects.get(), 0);
}

#[tokio::test]
async fn falling_behind_once_is_repaired_twice_is_disconnected() {
    let store = MemoryStore::new();
    let server = serve(Arc::new(store.clone()), |c| {
        c.outbound_queue = 16;
        c.socket_send_buffer = Some(16 * 1024);
    })
    .await;
    commit(&store, "m1", 0, 1).await;
    let mut ws = small_buffer_client(server.addr).await;
    send(&mut ws, json!({"op":"subscribe","match":"m1"})).await;
    assert_eq!(next(&mut ws).await["seq"], 1);

    // The client stops reading while 200 big frames are committed: its
    // socket fills, its send task blocks and falls behind the channel.
    for prev in 1..201 {
        commit_padded(&store, "m1", prev, 1, 8 * 1024).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Caught up from the log: every event, in order.
    events_until(&mut ws, "m1", 2, 201).await;
    assert!(drain(&mut ws).await.is_empty());
    assert_eq!(server.state.metrics().slow_consumer_disconnects.get(), 0);

    // Again, soon after: now it is too slow.
    for prev in 201..401 {
        commit_padded(&store, "m1", prev, 1, 8 * 1024).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut seq = 201;
    let ending = loop {
        match receive(&mut ws).await {
            Got::Text(t) => {
                let v: Value = serde_json::from_str(&t).expect("json");
                if v["type"] == "error" {
                    assert_eq!(v["code"], "slow_consumer", "{v}");
                    assert_eq!(v["match"], "m1");
                    continue;
                }
                seq += 1;
                assert_eq!(v["seq"], seq, "no gap before the end: {v}");
            }
            other => break other,
        }
    };
    assert!(seq < 401, "a dropped client does not get everything");
    match ending {
        Got::Closed(Some((code, _))) => assert_eq!(code, 4008),
        other => panic!("expected close 4008, got {other:?}"),
    }
    assert_eq!(server.state.metrics().slow_consumer_disconnects.get(), 1);
}

#[tokio::test]
async fn shutdown_closes_connections_with_going_away() {
    let server = serve(Arc::new(MemoryStore::new()), |_| {}).await;
    let mut ws = client(server.addr).await;
    server.shutdown.cancel();
    match receive(&mut ws).await {
        Got::Closed(Some((code, _))) => assert_eq!(code, u16::from(CloseCode::Away)),
        other => panic!("expected close 1001, got {other:?}"),
    }
    wait_until("connections to drain", || server.state.connections() == 0).await;
    assert!(!server.state.is_ready());
}

// ---------------------------------------------------------------- REST

async fn get(router: axum::Router, uri: &str) -> (StatusCode, String) {
    let response = router.oneshot(Request::get(uri).body(Body::empty()).expect("request")).await.expect("response");
    let status = response.status();
    let body = response.into_body().collect().await.expect("body").to_bytes();
    (status, String::from_utf8(body.to_vec()).expect("utf-8"))
}

#[tokio::test]
async fn rest_endpoints() {
    let store = MemoryStore::new();
    let server = serve(Arc::new(store.clone()), |_| {}).await;
    let router = app(server.state.clone());
    let frames = commit(&store, "m1", 0, 6).await;
    for (id, status, updated) in [
        ("done", Status::Completed, 500),
        ("sched", Status::Scheduled, 100),
        ("live-old", Status::Live, 10),
        ("live-new", Status::Live, 900),
        ("gone", Status::Abandoned, 50),
    ] {
        let mut b = batch(id, 0, 1, 0);
        b.lobby = lobby_entry(id, 1, status, updated);
        assert_eq!(store.commit(&b).await.expect("commit"), CommitOutcome::Committed);
    }

    let (status, body) = get(router.clone(), "/api/matches").await;
    assert_eq!(status, StatusCode::OK);
    let lobby: Vec<LobbyEntry> = serde_json::from_str(&body).expect("lobby JSON");
    let ids: Vec<&str> = lobby.iter().map(|e| e.id.as_str()).collect();
    let m1_first = lobby.iter().position(|e| e.id == "m1").expect("m1 listed");
    assert!(m1_first < 2, "m1 is live and just updated: {ids:?}");
    let ordered: Vec<&str> = ids.iter().copied().filter(|id| *id != "m1").collect();
    assert_eq!(ordered, ["live-new", "live-old", "sched", "done", "gone"]);

    let (status, body) = get(router.clone(), "/api/matches/m1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(Some(body), store.snapshot("m1").await.expect("snapshot"));

    let (status, body) = get(router.clone(), "/api/matches/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(serde_json::from_str::<Value>(&body).expect("json"), json!({"error":"match nope not found"}));

    let (status, body) = get(router.clone(), "/api/matches/m1/events?since=2&limit=3").await;
    assert_eq!(status, StatusCode::OK);
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["match"], "m1");
    assert_eq!(v["since"], 2);
    let events: Vec<Value> = frames[2..5].iter().map(|f| serde_json::from_str(f).expect("frame")).collect();
    assert_eq!(v["events"], Value::Array(events));

    let (status, body) = get(router.clone(), "/api/matches/m1/events?since=6").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(serde_json::from_str::<Value>(&body).expect("json")["events"], json!([]));

    for (uri, want) in [
        ("/api/matches/m1/events?since=abc", StatusCode::BAD_REQUEST),
        ("/api/matches/m1/events?since=-1", StatusCode::BAD_REQUEST),
        ("/api/matches/m1/events?since=1&limit=0", StatusCode::BAD_REQUEST),
        ("/api/matches/m1/events?since=1&limit=100000", StatusCode::BAD_REQUEST),
        ("/api/matches/m1/events?since=99", StatusCode::GONE),
        ("/api/matches/nope/events?since=0", StatusCode::GONE),
        ("/api/matches/a%20b", StatusCode::BAD_REQUEST),
    ] {
        let (status, body) = get(router.clone(), uri).await;
        assert_eq!(status, want, "{uri}: {body}");
        let v: Value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{uri}: error body is not JSON ({e}): {body}"));
        assert!(v["error"].as_str().is_some_and(|m| !m.is_empty()), "{uri}: {body}");
    }
}

#[tokio::test]
async fn static_files_deep_links_and_ops() {
    let server = serve(Arc::new(MemoryStore::new()), |_| {}).await;
    let router = app(server.state.clone());
    let (status, body) = get(router.clone(), "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<title>livematch</title>"));
    let (status, body) = get(router.clone(), "/match/ind-pak").await;
    assert_eq!(status, StatusCode::OK, "deep link serves the app");
    assert!(body.contains("<title>livematch</title>"));
    let (status, body) = get(router.clone(), "/app.js").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "console.log('hi')"));
    let (status, _) = get(router.clone(), "/missing.js").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    assert_eq!(get(router.clone(), "/healthz").await.0, StatusCode::OK);
    assert_eq!(get(router.clone(), "/readyz").await.0, StatusCode::OK);
    // Metrics appear once the registry is attached.
    assert_eq!(get(router.clone(), "/metrics").await.0, StatusCode::SERVICE_UNAVAILABLE);
    let mut registry = Registry::default();
    let metrics = GatewayMetrics::new(&mut registry);
    metrics.connections_total.inc();
    server.state.set_ops(Ops::new(registry));
    let (status, body) = get(router.clone(), "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("livematch_gateway_connections_total 1"), "{body}");
    assert!(body.contains("livematch_gateway_publish_to_send_seconds_bucket"), "{body}");
}

// ------------------------------------------------ hub repair (lossy store)

/// A store whose live feed loses chosen frames, or the whole connection.
#[derive(Clone)]
struct LossyStore {
    inner: MemoryStore,
    /// (match, seq) of live frames to drop.
    lose: Arc<Mutex<HashSet<(String, u64)>>>,
    /// Bumped to end every open feed (a lost Redis connection).
    cut: watch::Sender<u64>,
    feeds: Arc<AtomicUsize>,
    /// Delay before every snapshot and log read (a slow store, so commits
    /// land between a subscriber's registration and its read).
    read_delay: Arc<Mutex<Duration>>,
    /// Snapshot, log and lobby reads fail (Redis down).
    fail_reads: Arc<std::sync::atomic::AtomicBool>,
}

impl LossyStore {
    fn new() -> Self {
        LossyStore {
            inner: MemoryStore::new(),
            lose: Arc::default(),
            cut: watch::channel(0).0,
            feeds: Arc::default(),
            read_delay: Arc::default(),
            fail_reads: Arc::default(),
        }
    }

    fn lose(&self, id: &str, seqs: impl IntoIterator<Item = u64>) {
        let mut lose = self.lose.lock().expect("lock");
        lose.extend(seqs.into_iter().map(|s| (id.to_owned(), s)));
    }

    async fn delay_read(&self) -> Result<(), StoreError> {
        let delay = *self.read_delay.lock().expect("lock");
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        if self.fail_reads.load(Ordering::SeqCst) {
            return Err(StoreError::Connection("test: redis is down".into()));
        }
        Ok(())
    }

    fn cut_feeds(&self) {
        self.cut.send_modify(|n| *n += 1);
    }
}

#[async_trait]
impl Store for LossyStore {
    async fn load_state(&self, match_id: &str) -> Result<Option<MatchState>, StoreError> {
        self.inner.load_state(match_id).await
    }
    async fn commit(&self, batch: &CommitBatch) -> Result<CommitOutcome, StoreError> {
        self.inner.commit(batch).await
    }
    async fn snapshot(&self, match_id: &str) -> Result<Option<String>, StoreError> {
        self.delay_read().await?;
        self.inner.snapshot(match_id).await
    }
    async fn since(&self, match_id: &str, since: u64, limit: usize) -> Result<Since, StoreError> {
        self.delay_read().await?;
        self.inner.since(match_id, since, limit).await
    }
    async fn lobby(&self) -> Result<Vec<LobbyEntry>, StoreError> {
        self.delay_read().await?;
        self.inner.lobby().await
    }
    async fn announce_rebuilt(&self, match_id: &str) -> Result<(), StoreError> {
        self.inner.announce_rebuilt(match_id).await
    }
    async fn delete_match(&self, match_id: &str) -> Result<(), StoreError> {
        self.inner.delete_match(match_id).await
    }
    async fn live(&self) -> Result<(Box<dyn LiveControl>, BoxStream<'static, Live>), StoreError> {
        let (control, stream) = self.inner.live().await?;
        self.feeds.fetch_add(1, Ordering::SeqCst);
        let lose = Arc::clone(&self.lose);
        let mut cut = self.cut.subscribe();
        let stream = stream
            .filter_map(move |message| {
                let message = match message {
                    Live::Frames { match_id, frames } => {
                        let lose = lose.lock().expect("lock");
                        let frames: Vec<String> = frames
                            .into_iter()
                            .filter(|f| {
                                let seq = protocol::frame_seq(f).unwrap_or(0);
                                !lose.contains(&(match_id.clone(), seq))
                            })
                            .collect();
                        (!frames.is_empty()).then_some(Live::Frames { match_id, frames })
                    }
                    other => Some(other),
                };
                futures::future::ready(message)
            })
            .take_until(async move {
                let _ = cut.changed().await;
            });
        Ok((control, stream.boxed()))
    }
}

#[tokio::test]
async fn hub_fills_holes_in_the_live_channel_from_the_log() {
    let store = LossyStore::new();
    let server = serve(Arc::new(store.clone()), |_| {}).await;
    commit(&store, "m1", 0, 2).await;
    let mut ws = client(server.addr).await;
    send(&mut ws, json!({"op":"subscribe","match":"m1"})).await;
    assert_eq!(next(&mut ws).await["seq"], 2);
    store.lose("m1", [3, 4, 7]);
    let mut frames = Vec::new();
    for prev in 2..8 {
        frames.extend(commit(&store, "m1", prev, 1).await);
    }
    assert_eq!(events_until(&mut ws, "m1", 3, 8).await, frames);
    assert!(drain(&mut ws).await.is_empty());
    assert!(server.state.metrics().gap_repairs.get() >= 2);
}

#[tokio::test]
async fn hub_reconnects_and_repairs_after_losing_the_feed() {
    let store = LossyStore::new();
    let server = serve(Arc::new(store.clone()), |_| {}).await;
    commit(&store, "m1", 0, 1).await;
    let mut ws = client(server.addr).await;
    send(&mut ws, json!({"op":"subscribe","match":"m1"})).await;
    assert_eq!(next(&mut ws).await["seq"], 1);
    commit(&store, "m1", 1, 1).await;
    events_until(&mut ws, "m1", 2, 2).await;

    // Lose the feed; commits meanwhile are lost on the live channel.
    store.cut_feeds();
    commit(&store, "m1", 2, 3).await;
    wait_until("the feed to reconnect", || store.feeds.load(Ordering::SeqCst) >= 2).await;
    events_until(&mut ws, "m1", 3, 5).await;
    // And live again afterwards.
    commit(&store, "m1", 5, 1).await;
    events_until(&mut ws, "m1", 6, 6).await;
    assert!(drain(&mut ws).await.is_empty());
    assert!(server.state.metrics().live_reconnects.get() >= 1);
}

#[tokio::test]
async fn deleted_match_resets_its_viewers() {
    let store = MemoryStore::new();
    let server = serve(Arc::new(store.clone()), |_| {}).await;
    commit(&store, "m1", 0, 4).await;
    let mut ws = client(server.addr).await;
    send(&mut ws, json!({"op":"subscribe","match":"m1"})).await;
    assert_eq!(next(&mut ws).await["seq"], 4);
    store.delete_match("m1").await.expect("delete");
    assert_eq!(next(&mut ws).await, json!({"type":"reset","match":"m1","reason":"match_deleted"}));
    assert_eq!(next(&mut ws).await, json!({"type":"snapshot","match":"m1","seq":0,"data":null}));
    // The match starts over from seq 1.
    commit(&store, "m1", 0, 2).await;
    events_until(&mut ws, "m1", 1, 2).await;
}

#[tokio::test]
async fn store_outage_is_reported_not_fatal() {
    let store = LossyStore::new();
    let server = serve(Arc::new(store.clone()), |_| {}).await;
    let router = app(server.state.clone());
    commit(&store, "m1", 0, 2).await;
    let mut ws = client(server.addr).await;
    store.fail_reads.store(true, Ordering::SeqCst);
    send(&mut ws, json!({"op":"subscribe","match":"m1"})).await;
    let err = expect_error(&mut ws, "server_busy").await;
    assert_eq!(err["match"], "m1");
    send(&mut ws, json!({"op":"lobby"})).await;
    expect_error(&mut ws, "server_busy").await;
    for uri in ["/api/matches", "/api/matches/m1", "/api/matches/m1/events?since=0"] {
        let (status, body) = get(router.clone(), uri).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{uri}: {body}");
    }
    assert!(server.state.metrics().subscriptions.get() == 0);
    // The store is back: the same connection subscribes fine.
    store.fail_reads.store(false, Ordering::SeqCst);
    send(&mut ws, json!({"op":"subscribe","match":"m1","since":1})).await;
    events_until(&mut ws, "m1", 2, 2).await;
    commit(&store, "m1", 2, 1).await;
    events_until(&mut ws, "m1", 3, 3).await;
}
