//! A WebSocket viewer as a browser would be: subscribes to matches, keeps
//! each match's snapshot up to date by applying the event patches, and
//! records every sequence number it received so tests can prove there was
//! no gap and no duplicate.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use futures::{SinkExt, StreamExt};
use livematch_sports::PatchOp;
use livematch_sports::patch::apply_patch;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What the viewer knows of one match.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    /// Current snapshot (None before the first snapshot frame or while the
    /// match has no state).
    pub snapshot: Option<Value>,
    /// Last applied seq.
    pub seq: u64,
    /// Every event seq received, in arrival order.
    pub received: Vec<u64>,
    /// Reset frames received.
    pub resets: usize,
    /// Snapshot frames received.
    pub snapshots: usize,
}

/// A connected viewer.
pub struct Viewer {
    ws: Ws,
    pub matches: BTreeMap<String, Seen>,
    /// Error frames received.
    pub errors: Vec<Value>,
}

impl Viewer {
    /// Connect to `ws://ADDR/ws` and read the hello frame.
    ///
    /// # Errors
    /// The connection fails or the first frame is not a hello.
    pub async fn connect(addr: &str) -> anyhow::Result<Viewer> {
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
            .await
            .with_context(|| format!("connect to ws://{addr}/ws"))?;
        let mut v = Viewer { ws, matches: BTreeMap::new(), errors: Vec::new() };
        let hello = v.next_frame(Duration::from_secs(5)).await?.ok_or_else(|| anyhow!("no hello frame"))?;
        if hello["type"] != "hello" {
            bail!("first frame is not hello: {hello}");
        }
        Ok(v)
    }

    /// Send a raw text frame.
    ///
    /// # Errors
    /// The socket is closed.
    pub async fn send_text(&mut self, text: &str) -> anyhow::Result<()> {
        self.ws.send(Message::text(text.to_string())).await.context("send frame")
    }

    /// Subscribe to a match, resuming after `since` when given.
    ///
    /// # Errors
    /// The socket is closed.
    pub async fn subscribe(&mut self, match_id: &str, since: Option<u64>) -> anyhow::Result<()> {
        let mut msg = json!({"op": "subscribe", "match": match_id});
        if let Some(s) = since {
            msg["since"] = s.into();
        }
        self.matches.entry(match_id.to_string()).or_default();
        self.send_text(&msg.to_string()).await
    }

    /// Read one frame (None on timeout) and apply it.
    ///
    /// # Errors
    /// The socket closed or a frame is not valid JSON, or a patch does not apply.
    pub async fn next_frame(&mut self, wait: Duration) -> anyhow::Result<Option<Value>> {
        let msg = match tokio::time::timeout(wait, self.ws.next()).await {
            Err(_) => return Ok(None),
            Ok(None) => bail!("connection closed"),
            Ok(Some(m)) => m.context("read frame")?,
        };
        let text = match msg {
            Message::Text(t) => t.to_string(),
            Message::Close(c) => bail!("connection closed by server: {c:?}"),
            _ => return Ok(Some(Value::Null)),
        };
        let frame: Value = serde_json::from_str(&text).with_context(|| format!("frame is not JSON: {text}"))?;
        self.apply(&frame)?;
        Ok(Some(frame))
    }

    fn apply(&mut self, frame: &Value) -> anyhow::Result<()> {
        let id = frame["match"].as_str().unwrap_or_default().to_string();
        match frame["type"].as_str() {
            Some("snapshot") => {
                let seen = self.matches.entry(id).or_default();
                seen.snapshots += 1;
                seen.seq = frame["seq"].as_u64().unwrap_or(0);
                seen.snapshot = if frame["data"].is_null() { None } else { Some(frame["data"].clone()) };
            }
            Some("reset") => {
                let seen = self.matches.entry(id).or_default();
                seen.resets += 1;
                seen.snapshot = None;
            }
            Some("event") => {
                let seen = self.matches.entry(id.clone()).or_default();
                let seq = frame["seq"].as_u64().ok_or_else(|| anyhow!("event frame without seq: {frame}"))?;
                seen.received.push(seq);
                if seq == seen.seq + 1 {
                    let ops: Vec<PatchOp> =
                        serde_json::from_value(frame["patch"].clone()).context("event patch is not JSON Patch")?;
                    let doc = seen.snapshot.get_or_insert(Value::Null);
                    apply_patch(doc, &ops).map_err(|e| anyhow!("patch of {id} seq {seq} does not apply: {e}"))?;
                    seen.seq = seq;
                }
            }
            Some("error") => self.errors.push(frame.clone()),
            _ => {}
        }
        Ok(())
    }

    /// Read frames until `done` says so for the viewer's state, or `limit` passes.
    ///
    /// # Errors
    /// Time ran out, or reading failed.
    pub async fn until(&mut self, limit: Duration, mut done: impl FnMut(&Viewer) -> bool) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + limit;
        while !done(self) {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                bail!("condition not met within {limit:?}; state: {:?}", self.summary());
            }
            self.next_frame(left.min(Duration::from_millis(500))).await?;
        }
        Ok(())
    }

    fn summary(&self) -> Vec<(String, u64, usize)> {
        self.matches.iter().map(|(k, v)| (k.clone(), v.seq, v.received.len())).collect()
    }

    /// Close the connection (like a dropped network).
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

/// Check that `received` is exactly `from..=to` in order: no gap, no duplicate.
///
/// # Errors
/// Names the first missing, duplicated or out-of-order seq.
pub fn check_contiguous(received: &[u64], from: u64, to: u64) -> anyhow::Result<()> {
    let mut expected = from;
    for (i, &seq) in received.iter().enumerate() {
        if seq != expected {
            bail!("at position {i}: got seq {seq}, expected {expected} (from {from} to {to})");
        }
        expected += 1;
    }
    if expected != to + 1 {
        bail!("stream ended at seq {}, expected it to reach {to}", expected - 1);
    }
    Ok(())
}
