//! A chaos viewer: one WebSocket client of one match, run as a task, that
//! behaves like the web app (subscribe, apply events, on any disconnect
//! reconnect with jittered backoff and resume with `since`) and records
//! everything a scenario checks: every event seq against the one before
//! (gaps are lost events, repeats are duplicates), resets, snapshots,
//! close codes, and optionally the state built from the patches and each
//! event's end-to-end latency.
//!
//! Cheap enough for ten thousand at once: frames are not parsed as JSON
//! unless the client keeps the match's state (their layout is fixed by
//! `livematch_workers::protocol`: type, match, seq, ts come first).
//!
//! A *stalled* client subscribes, then stops reading its socket (a viewer
//! whose network died or whose tab froze) until released; it then drains
//! what the server left in the socket to see how it was cut off.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use futures::{SinkExt, StreamExt};
use livematch_sports::PatchOp;
use livematch_sports::patch::apply_patch;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

type Ws = WebSocketStream<TcpStream>;

/// Longest wait for a TCP connect plus the WebSocket handshake.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// First reconnect delay after a failed attempt (doubles up to the max).
const RETRY_MIN: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(2);
/// A released stalled client reads what was left in its socket until
/// nothing comes for this long.
const DRAIN_SILENCE: Duration = Duration::from_secs(3);

/// What one client does.
#[derive(Debug, Clone)]
pub struct ClientSpec {
    /// Gateways (`127.0.0.1:PORT`), used in turn: the first connection goes
    /// to the first, each reconnect to the next.
    pub addrs: Vec<String>,
    pub match_id: String,
    /// Apply every patch and keep the match's state (costs a JSON parse
    /// per frame).
    pub track_state: bool,
    /// Record each event's latency: receive time minus the event's `ts`.
    pub record_latency: bool,
    /// Stop reading after the first snapshot until released (no reconnect).
    pub stall: bool,
    /// `SO_RCVBUF` of the socket (a small one makes a stalled client's
    /// socket fill quickly, like a mobile link).
    pub recv_buffer: Option<u32>,
    /// Longest random delay before reconnecting after a disconnect (the
    /// web app's jitter, so a restart does not become a thundering herd).
    pub reconnect_jitter: Duration,
    /// Seed of this client's jitter.
    pub seed: u64,
}

impl ClientSpec {
    /// A viewer of `match_id` on `addr`, seqs checked, state not kept.
    #[must_use]
    pub fn new(addr: &str, match_id: &str, seed: u64) -> Self {
        ClientSpec {
            addrs: vec![addr.to_owned()],
            match_id: match_id.to_owned(),
            track_state: false,
            record_latency: false,
            stall: false,
            recv_buffer: None,
            reconnect_jitter: Duration::from_millis(500),
            seed,
        }
    }
}

/// What a scenario can watch while the client runs.
#[derive(Debug, Default)]
pub struct Progress {
    /// Seq of the client's state (0: nothing yet).
    pub seq: AtomicU64,
    /// Got its first snapshot.
    pub served: AtomicBool,
    /// Currently connected (hello received).
    pub connected: AtomicBool,
    /// Connections opened so far.
    pub connects: AtomicU64,
    /// Notified to drop the connection (no close frame, like a lost
    /// network); the client then reconnects and resumes.
    pub kick: tokio::sync::Notify,
}

/// How a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// The server sent a close frame.
    Close { code: u16, reason: String },
    /// The connection ended without a close frame (reset, EOF, error).
    Dropped(String),
    /// A released stalled client read nothing more for a while: the
    /// server's side is gone without a word.
    Silent,
    /// Still open when the client was stopped.
    Open,
}

/// Everything one client saw.
#[derive(Debug, Default)]
pub struct ClientReport {
    /// Event frames received.
    pub events: u64,
    /// Events skipped over: a frame whose seq was more than one past the
    /// state's (outside a reset).
    pub lost: u64,
    /// Event frames at or below the state's seq.
    pub duplicated: u64,
    /// The first few gaps and duplicates, `(state seq, frame seq)`.
    pub anomalies: Vec<(u64, u64)>,
    /// Seq of the final state.
    pub last_seq: u64,
    /// The final state, when kept and consistent.
    pub state: Option<Value>,
    /// Why the state is not kept (a patch failed, a gap).
    pub state_broken: Option<String>,
    /// Reasons of the reset frames received.
    pub resets: Vec<String>,
    pub snapshots: u64,
    /// Connections opened (1 + reconnects).
    pub connects: u64,
    /// Connection attempts that failed (refused, 503, timeout).
    pub connect_failures: u64,
    /// How each connection ended, in order.
    pub ends: Vec<End>,
    /// Codes of error frames.
    pub errors: Vec<String>,
    /// Protocol surprises (a snapshot nobody asked for, an event before
    /// the snapshot...).
    pub unexpected: Vec<String>,
    /// `(received at, ms since the event's ts)` of each event.
    pub latencies: Vec<(Instant, i64)>,
    /// When the first snapshot arrived.
    pub first_snapshot: Option<Instant>,
}

/// A running client.
pub struct Client {
    pub progress: Arc<Progress>,
    task: tokio::task::JoinHandle<ClientReport>,
}

impl Client {
    /// Start the client; it runs until `stop` (stalled ones: until
    /// `release`, then drain, then wait for `stop`).
    #[must_use]
    pub fn spawn(spec: ClientSpec, stop: CancellationToken, release: CancellationToken) -> Self {
        let progress = Arc::new(Progress::default());
        let task = tokio::spawn(run(spec, Arc::clone(&progress), stop, release));
        Client { progress, task }
    }

    /// Wait for the client to finish (after `stop`).
    ///
    /// # Errors
    /// The task panicked.
    pub async fn report(self) -> anyhow::Result<ClientReport> {
        self.task.await.context("chaos client task")
    }
}

/// The match as the client knows it.
struct Stream {
    seq: u64,
    doc: Option<Value>,
    /// A snapshot is due: after a subscribe without `since`, or a reset.
    want_snapshot: bool,
    /// The client has had a snapshot (so it resumes with `since`).
    have: bool,
}

/// Why a connection's read loop returned.
enum Exit {
    Stop,
    Ended(End),
}

async fn run(
    spec: ClientSpec,
    progress: Arc<Progress>,
    stop: CancellationToken,
    release: CancellationToken,
) -> ClientReport {
    let mut report = ClientReport::default();
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let mut stream = Stream { seq: 0, doc: None, want_snapshot: true, have: false };
    let mut attempt = 0usize;
    let mut retry = RETRY_MIN;
    while !stop.is_cancelled() {
        let addr = &spec.addrs[attempt % spec.addrs.len().max(1)];
        attempt += 1;
        let connected = tokio::select! {
            () = stop.cancelled() => break,
            c = tokio::time::timeout(CONNECT_TIMEOUT, connect(addr, spec.recv_buffer)) => {
                c.map_err(|_| anyhow!("no hello within {CONNECT_TIMEOUT:?}")).and_then(|c| c)
            }
        };
        let mut ws = match connected {
            Ok(ws) => ws,
            Err(_) => {
                report.connect_failures += 1;
                let wait = rng.random_range(retry / 2..=retry);
                retry = (retry * 2).min(RETRY_MAX);
                tokio::select! {
                    () = stop.cancelled() => break,
                    () = tokio::time::sleep(wait) => continue,
                }
            }
        };
        retry = RETRY_MIN;
        report.connects += 1;
        progress.connects.fetch_add(1, Ordering::Relaxed);
        progress.connected.store(true, Ordering::Relaxed);
        let exit = session(&spec, &mut ws, &mut stream, &mut report, &progress, &stop, &release).await;
        progress.connected.store(false, Ordering::Relaxed);
        match exit {
            Exit::Stop => {
                report.ends.push(End::Open);
                let _ = tokio::time::timeout(Duration::from_secs(1), ws.close(None)).await;
                break;
            }
            Exit::Ended(end) => report.ends.push(end),
        }
        if spec.stall {
            // A stalled viewer is gone for good once cut off.
            stop.cancelled().await;
            break;
        }
        let jitter = spec.reconnect_jitter.mul_f64(rng.random_range(0.0..1.0));
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(jitter) => {}
        }
    }
    report.last_seq = stream.seq;
    report.state = stream.doc.filter(|_| spec.track_state && report.state_broken.is_none());
    report
}

/// TCP connect (with the requested receive buffer), WebSocket handshake,
/// and the `hello` frame.
async fn connect(addr: &str, recv_buffer: Option<u32>) -> anyhow::Result<Ws> {
    let socket_addr: std::net::SocketAddr = addr.parse().with_context(|| format!("address {addr}"))?;
    let socket = TcpSocket::new_v4().context("socket")?;
    if let Some(size) = recv_buffer {
        socket.set_recv_buffer_size(size).context("SO_RCVBUF")?;
    }
    let tcp = socket.connect(socket_addr).await.with_context(|| format!("connect {addr}"))?;
    tcp.set_nodelay(true).context("TCP_NODELAY")?;
    let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/ws"), tcp)
        .await
        .with_context(|| format!("WebSocket handshake with {addr}"))?;
    match ws.next().await {
        Some(Ok(Message::Text(text))) if text.as_str().starts_with(r#"{"type":"hello""#) => Ok(ws),
        other => bail!("expected hello from {addr}, got {other:?}"),
    }
}

/// One connection: subscribe (resuming when the client has a state), then
/// read until it ends or the client is stopped.
async fn session(
    spec: &ClientSpec,
    ws: &mut Ws,
    stream: &mut Stream,
    report: &mut ClientReport,
    progress: &Progress,
    stop: &CancellationToken,
    release: &CancellationToken,
) -> Exit {
    if let Err(e) = subscribe(ws, &spec.match_id, stream).await {
        return Exit::Ended(End::Dropped(format!("subscribe: {e}")));
    }
    if spec.stall {
        // Read up to the first snapshot, then stop reading.
        while !stream.have {
            let message = tokio::select! {
                () = stop.cancelled() => return Exit::Stop,
                m = ws.next() => m,
            };
            if let Some(end) = on_message(spec, ws, message, stream, report, progress).await {
                return Exit::Ended(end);
            }
        }
        tokio::select! {
            biased;
            () = release.cancelled() => {}
            () = stop.cancelled() => return Exit::Stop,
        }
        loop {
            match tokio::time::timeout(DRAIN_SILENCE, ws.next()).await {
                Err(_) => return Exit::Ended(End::Silent),
                Ok(message) => {
                    if let Some(end) = on_message(spec, ws, message, stream, report, progress).await {
                        return Exit::Ended(end);
                    }
                }
            }
        }
    }
    loop {
        let message = tokio::select! {
            () = stop.cancelled() => return Exit::Stop,
            () = progress.kick.notified() => return Exit::Ended(End::Dropped("dropped by the scenario".into())),
            m = ws.next() => m,
        };
        if let Some(end) = on_message(spec, ws, message, stream, report, progress).await {
            return Exit::Ended(end);
        }
    }
}

async fn subscribe(ws: &mut Ws, match_id: &str, stream: &mut Stream) -> anyhow::Result<()> {
    let mut msg = json!({"op": "subscribe", "match": match_id});
    if stream.have {
        msg["since"] = stream.seq.into();
    } else {
        stream.want_snapshot = true;
    }
    ws.send(Message::text(msg.to_string())).await.context("send subscribe")
}

/// Handle one message; `Some` when the connection is over.
async fn on_message(
    spec: &ClientSpec,
    ws: &mut Ws,
    message: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
    stream: &mut Stream,
    report: &mut ClientReport,
    progress: &Progress,
) -> Option<End> {
    let text = match message {
        None => return Some(End::Dropped("connection closed without a close frame".into())),
        Some(Err(e)) => return Some(End::Dropped(e.to_string())),
        Some(Ok(Message::Close(frame))) => {
            let (code, reason) = frame.map_or((1005, String::new()), |f| (u16::from(f.code), f.reason.to_string()));
            return Some(End::Close { code, reason });
        }
        Some(Ok(Message::Text(text))) => text,
        Some(Ok(_)) => return None,
    };
    let text = text.as_str();
    let Some(peek) = peek(text) else {
        report.unexpected.push(format!("unreadable frame: {}", clip(text)));
        return None;
    };
    match peek.kind {
        "event" => on_event(spec, text, &peek, stream, report, progress),
        "snapshot" => on_snapshot(spec, text, &peek, stream, report, progress),
        "reset" => {
            let frame: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            report.resets.push(frame["reason"].as_str().unwrap_or("?").to_owned());
            stream.want_snapshot = true;
            stream.doc = None;
        }
        "error" => {
            let frame: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            let code = frame["code"].as_str().unwrap_or("?").to_owned();
            if code == "server_busy" {
                // The store is down: ask again shortly, like the web app.
                tokio::time::sleep(Duration::from_millis(250)).await;
                if let Err(e) = subscribe(ws, &spec.match_id, stream).await {
                    return Some(End::Dropped(format!("resubscribe: {e}")));
                }
            }
            report.errors.push(code);
        }
        _ => {}
    }
    None
}

fn on_event(
    spec: &ClientSpec,
    text: &str,
    peek: &Peek<'_>,
    stream: &mut Stream,
    report: &mut ClientReport,
    progress: &Progress,
) {
    let Some(seq) = peek.seq else {
        report.unexpected.push(format!("event without seq: {}", clip(text)));
        return;
    };
    report.events += 1;
    if spec.record_latency
        && let Some(ts) = peek.ts
    {
        report.latencies.push((Instant::now(), livematch_workers::clock::now_ms() - ts));
    }
    if stream.want_snapshot {
        report.unexpected.push(format!("event {seq} before the snapshot"));
        return;
    }
    if seq <= stream.seq {
        report.duplicated += 1;
        note(report, stream.seq, seq);
        return;
    }
    if seq > stream.seq + 1 {
        report.lost += seq - stream.seq - 1;
        note(report, stream.seq, seq);
        report.state_broken.get_or_insert_with(|| format!("gap before seq {seq}"));
    } else if spec.track_state
        && report.state_broken.is_none()
        && let Err(e) = apply_event(text, stream)
    {
        report.state_broken = Some(format!("seq {seq}: {e}"));
    }
    stream.seq = seq;
    progress.seq.store(seq, Ordering::Relaxed);
}

fn on_snapshot(
    spec: &ClientSpec,
    text: &str,
    peek: &Peek<'_>,
    stream: &mut Stream,
    report: &mut ClientReport,
    progress: &Progress,
) {
    let seq = peek.seq.unwrap_or(0);
    report.snapshots += 1;
    if !stream.want_snapshot {
        report.unexpected.push(format!("snapshot at {seq} without a reset while at {}", stream.seq));
    }
    stream.want_snapshot = false;
    stream.have = true;
    stream.seq = seq;
    if spec.track_state {
        match serde_json::from_str::<Value>(text) {
            Ok(mut frame) => stream.doc = Some(frame["data"].take()).filter(|d| !d.is_null()),
            Err(e) => report.state_broken = Some(format!("snapshot is not JSON: {e}")),
        }
    }
    // A reset starts the state over: an earlier gap no longer matters.
    if report.state_broken.as_deref().is_some_and(|why| why.starts_with("gap")) {
        report.state_broken = None;
    }
    if report.first_snapshot.is_none() {
        report.first_snapshot = Some(Instant::now());
    }
    progress.seq.store(seq, Ordering::Relaxed);
    progress.served.store(true, Ordering::Relaxed);
}

fn note(report: &mut ClientReport, at: u64, got: u64) {
    if report.anomalies.len() < 8 {
        report.anomalies.push((at, got));
    }
}

fn apply_event(text: &str, stream: &mut Stream) -> anyhow::Result<()> {
    let mut frame: Value = serde_json::from_str(text).context("event is not JSON")?;
    let ops: Vec<PatchOp> = serde_json::from_value(frame["patch"].take()).context("patch is not JSON Patch")?;
    let doc = stream.doc.get_or_insert(Value::Null);
    apply_patch(doc, &ops).map_err(|e| anyhow!("patch does not apply: {e}"))
}

fn clip(text: &str) -> &str {
    let end = (0..=text.len().min(120)).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
    &text[..end]
}

/// The head of a server frame: its type, and the top-level `seq` and `ts`
/// when present.
#[derive(Debug, PartialEq, Eq)]
struct Peek<'a> {
    kind: &'a str,
    seq: Option<u64>,
    ts: Option<i64>,
}

/// Read the head of a frame without parsing it: frames start with
/// `{"type":"T"`, and event and snapshot frames continue with
/// `,"match":"ID","seq":N` (events then `,"ts":MS`); match ids never
/// contain a quote.
fn peek(text: &str) -> Option<Peek<'_>> {
    let rest = text.strip_prefix(r#"{"type":""#)?;
    let kind = &rest[..rest.find('"')?];
    if !matches!(kind, "event" | "snapshot") {
        return Some(Peek { kind, seq: None, ts: None });
    }
    let after_match = rest.strip_prefix(kind)?.strip_prefix(r#"","match":""#)?;
    let after_id = &after_match[after_match.find('"')? + 1..];
    let after_seq = after_id.strip_prefix(r#","seq":"#)?;
    let (seq, after) = number(after_seq)?;
    let ts = after.strip_prefix(r#","ts":"#).and_then(number).map(|(ts, _)| ts);
    Some(Peek { kind, seq: Some(seq), ts: ts.and_then(|t| i64::try_from(t).ok()) })
}

fn number(text: &str) -> Option<(u64, &str)> {
    let end = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    Some((text[..end].parse().ok()?, &text[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_heads_are_read_without_parsing() {
        let event = r#"{"type":"event","match":"m-1","seq":42,"ts":1700000000123,"sport":"cricket","event":{"seq":9},"patch":[]}"#;
        assert_eq!(peek(event), Some(Peek { kind: "event", seq: Some(42), ts: Some(1_700_000_000_123) }));
        let parked = r#"{"type":"event","match":"m","seq":7,"ts":5,"parked":"missing","patch":[]}"#;
        assert_eq!(peek(parked), Some(Peek { kind: "event", seq: Some(7), ts: Some(5) }));
        let snapshot = r#"{"type":"snapshot","match":"m","seq":0,"data":null}"#;
        assert_eq!(peek(snapshot), Some(Peek { kind: "snapshot", seq: Some(0), ts: None }));
        let reset = r#"{"type":"reset","match":"m","reason":"gap"}"#;
        assert_eq!(peek(reset), Some(Peek { kind: "reset", seq: None, ts: None }));
        assert_eq!(peek("not json"), None);
        assert_eq!(peek(r#"{"type":"event","match":"m","seq":"x"}"#), None);
    }

    #[test]
    fn gaps_and_repeats_are_counted() {
        let spec = ClientSpec::new("127.0.0.1:1", "m", 1);
        let progress = Progress::default();
        let mut report = ClientReport::default();
        let mut stream = Stream { seq: 0, doc: None, want_snapshot: true, have: false };
        let frame = |seq: u64| format!(r#"{{"type":"event","match":"m","seq":{seq},"ts":1,"patch":[]}}"#);
        let snapshot = r#"{"type":"snapshot","match":"m","seq":3,"data":null}"#;
        on_snapshot(&spec, snapshot, &peek(snapshot).expect("peek"), &mut stream, &mut report, &progress);
        for seq in [4, 5, 5, 8, 9, 2] {
            let text = frame(seq);
            on_event(&spec, &text, &peek(&text).expect("peek"), &mut stream, &mut report, &progress);
        }
        assert_eq!((report.events, report.lost, report.duplicated), (6, 2, 2));
        assert_eq!(report.anomalies, vec![(5, 5), (5, 8), (9, 2)]);
        assert_eq!(stream.seq, 9);
        assert_eq!(progress.seq.load(Ordering::Relaxed), 9);
        assert!(report.unexpected.is_empty(), "{:?}", report.unexpected);
    }
}
