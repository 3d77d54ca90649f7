//! WebSocket connections: the upgrade (Origin and connection limits) and
//! the receive half, which parses client requests, talks to the store and
//! the hub, and queues everything to send for the send half
//! ([`super::sender`]). Two small tasks per connection, no big buffers.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use futures::StreamExt;
use futures::stream::SplitStream;
use serde_json::json;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use super::GatewayState;
use super::conn::{Conn, SocketHandle};
use super::hub::Membership;
use super::limits::{Permit, TokenBucket};
use super::origin::origin_allowed;
use super::sender::{Outbound, SendHalf, SendSettings};
use crate::protocol::{self, ClientOp, ErrorCode, FrameType, RequestError, ResetReason, close};
use crate::store::{Since, StoreError};

/// Requests queued from the receive half to the send half; when full the
/// receive half waits (and stops reading the client).
const QUEUE: usize = 32;

/// Initial read buffer of a connection (grows to a frame's size when needed).
const READ_BUFFER: usize = 4 * 1024;

/// `GET /ws`: check the Origin and the connection limit, then upgrade.
pub(crate) async fn upgrade(
    State(state): State<GatewayState>,
    headers: HeaderMap,
    socket: Option<Extension<ConnectInfo<SocketHandle>>>,
    ws: WebSocketUpgrade,
) -> Response {
    let shared = &state.shared;
    let origin = headers.get(header::ORIGIN).map(|v| v.to_str().unwrap_or("(not text)"));
    if !origin_allowed(&shared.config.allowed_origins, origin) {
        debug!(origin, "WebSocket upgrade from a foreign origin refused");
        shared.metrics.bad_frame("origin_not_allowed");
        let error = format!(
            "origin {} is not allowed to open a WebSocket here (allowed: {})",
            origin.unwrap_or_default(),
            shared.config.allowed_origins.join(", ")
        );
        return (StatusCode::FORBIDDEN, Json(json!({ "error": error, "code": "origin_not_allowed" }))).into_response();
    }
    if shared.shutdown.is_cancelled() {
        return busy("the gateway is shutting down; connect to another replica");
    }
    let Some(permit) = shared.limiter.try_acquire() else {
        return busy(&format!(
            "the gateway is at its limit of {} connections; retry shortly",
            shared.config.max_connections
        ));
    };
    // The socket, for the fan-out's pre-encoded frames.
    let raw = socket.and_then(|Extension(ConnectInfo(handle))| handle.socket());
    let limit = shared.config.max_frame_bytes;
    ws.max_frame_size(limit)
        .max_message_size(limit)
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .on_failed_upgrade(|e| debug!(error = %e, "WebSocket upgrade failed"))
        .on_upgrade(move |ws| connection(state, ws, raw, permit))
}

fn busy(message: &str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "5")],
        Json(json!({ "error": message, "code": ErrorCode::ServerBusy.as_str() })),
    )
        .into_response()
}

async fn connection(state: GatewayState, socket: WebSocket, raw: Option<Arc<TcpStream>>, permit: Permit) {
    let metrics = state.shared.metrics.clone();
    metrics.connections.inc();
    metrics.connections_total.inc();
    let (sink, stream) = socket.split();
    let (queue, queue_rx) = mpsc::channel(QUEUE);
    let done = CancellationToken::new();
    let config = &state.shared.config;
    let settings = SendSettings {
        heartbeat: config.heartbeat,
        write_timeout: config.write_timeout,
        close_linger: config.close_linger,
        max_lingering: config.max_connections,
        max_resume: config.max_resume_frames,
        queue: config.outbound_queue,
    };
    let conn = Conn::new(sink, raw);
    let send_half = SendHalf::new(Arc::clone(&conn), Arc::clone(&state.shared.store), metrics.clone(), settings);
    let writer = tokio::spawn({
        let hello = state.shared.hello.clone();
        let shutdown = state.shared.shutdown.clone();
        let done = done.clone();
        async move {
            send_half.run(queue_rx, hello, shutdown).await;
            done.cancel();
        }
    });
    let bucket = TokenBucket::new(config.subscribe_rate, config.subscribe_burst, Instant::now());
    let mut reader = ReadHalf { state: state.clone(), conn, queue, subs: HashMap::new(), bucket };
    reader.run(stream, &done).await;
    metrics.subscriptions.dec_by(i64::try_from(reader.subs.len()).unwrap_or(0));
    drop(reader);
    let _ = writer.await;
    metrics.connections.dec();
    drop(permit);
}

/// Keep reading, or stop (the connection is over).
type Flow = std::ops::ControlFlow<()>;
const GO_ON: Flow = Flow::Continue(());
const STOP: Flow = Flow::Break(());

/// Where a new subscription starts: frames to send first, and the seq the
/// client has after them.
struct Start {
    initial: Vec<(Utf8Bytes, FrameType)>,
    last_sent: u64,
}

struct ReadHalf {
    state: GatewayState,
    /// The connection's write side (the fan-out registers it per match).
    conn: Arc<Conn>,
    queue: mpsc::Sender<Outbound>,
    subs: HashMap<Arc<str>, Membership>,
    bucket: TokenBucket,
}

impl ReadHalf {
    async fn run(&mut self, mut stream: SplitStream<WebSocket>, done: &CancellationToken) {
        let done = done.cancelled();
        tokio::pin!(done);
        loop {
            let message = tokio::select! {
                biased;
                () = &mut done => return,
                message = std::future::poll_fn(|cx| self.conn.poll_read(cx, &mut stream)) => message,
            };
            let flow = match message {
                None | Some(Ok(Message::Close(_))) => STOP,
                Some(Ok(Message::Text(text))) => self.on_text(&text).await,
                Some(Ok(Message::Binary(_))) => {
                    self.reject(RequestError::new(
                        ErrorCode::BinaryNotSupported,
                        "binary frames are not supported; send JSON text frames",
                        None,
                    ))
                    .await
                }
                // Pings are answered by the WebSocket layer.
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => GO_ON,
                Some(Err(e)) => {
                    self.on_read_error(e).await;
                    STOP
                }
            };
            if flow.is_break() {
                return;
            }
        }
    }

    async fn on_read_error(&mut self, e: axum::Error) {
        let error = e.into_inner();
        let too_large = matches!(error.downcast_ref::<tungstenite::Error>(), Some(tungstenite::Error::Capacity(_)));
        if too_large {
            let limit = self.state.shared.config.max_frame_bytes;
            self.state.shared.metrics.bad_frame(ErrorCode::FrameTooLarge.as_str());
            let message = format!("frame exceeds the limit of {limit} bytes; closing");
            let frame = protocol::error_frame(ErrorCode::FrameTooLarge, &message, None);
            let _ = self
                .queue
                .send(Outbound::Close { code: close::TOO_BIG, reason: "frame too large", error: Some(frame.into()) })
                .await;
        } else {
            debug!(error = %error, "WebSocket read failed; closing the connection");
        }
    }

    async fn send(&self, command: Outbound) -> Flow {
        if self.queue.send(command).await.is_ok() { GO_ON } else { STOP }
    }

    async fn send_frame(&self, text: String, kind: FrameType) -> Flow {
        self.send(Outbound::Frame { text: text.into(), kind }).await
    }

    /// Answer a request that cannot be served with an `error` frame.
    async fn reject(&self, error: RequestError) -> Flow {
        self.state.shared.metrics.bad_frame(error.metric_label());
        debug!(code = error.code.as_str(), message = %error.message, "client request rejected");
        self.send_frame(error.frame(), FrameType::Error).await
    }

    async fn store_unavailable(&self, match_id: Option<&str>, e: &StoreError) -> Flow {
        self.state.shared.metrics.store_error(e);
        warn!(match_id, error = %e, "store failed serving a client request");
        let message = "the match store is unavailable; retry shortly";
        self.send_frame(protocol::error_frame(ErrorCode::ServerBusy, message, match_id), FrameType::Error).await
    }

    async fn on_text(&mut self, text: &str) -> Flow {
        match protocol::parse_client(text) {
            Err(error) => self.reject(error).await,
            Ok(ClientOp::Ping { id }) => self.send_frame(protocol::pong_frame(&id), FrameType::Pong).await,
            Ok(ClientOp::Subscribe { match_id, since }) => self.subscribe(&match_id, since).await,
            Ok(ClientOp::Unsubscribe { match_id }) => self.unsubscribe(&match_id).await,
            Ok(ClientOp::Lobby) => self.lobby().await,
        }
    }

    fn rate_limited(&mut self, match_id: Option<&str>) -> Option<RequestError> {
        if self.bucket.try_take(Instant::now()) {
            return None;
        }
        let config = &self.state.shared.config;
        Some(RequestError::new(
            ErrorCode::RateLimited,
            format!(
                "too many subscribe/lobby requests: at most {}/s in bursts of {}; retry later",
                config.subscribe_rate, config.subscribe_burst
            ),
            match_id,
        ))
    }

    async fn subscribe(&mut self, match_id: &str, since: Option<u64>) -> Flow {
        if let Some(error) = self.rate_limited(Some(match_id)) {
            return self.reject(error).await;
        }
        let max = self.state.shared.config.max_subscriptions;
        let existing = self.subs.contains_key(match_id);
        if !existing && self.subs.len() >= max {
            let message = format!("at most {max} subscriptions per connection; unsubscribe from one first");
            return self.reject(RequestError::new(ErrorCode::TooManySubscriptions, message, Some(match_id))).await;
        }
        // Register for live frames BEFORE reading the snapshot or the log:
        // anything committed after the read arrives live, anything before
        // it is in what was read; the send half drops the overlap by seq.
        let (membership, feed) = self.state.shared.hub.join(match_id, &self.conn).await;
        let start = match since {
            None => self.snapshot_start(match_id).await,
            Some(since) => self.resume_start(match_id, since).await,
        };
        match start {
            Ok(Start { initial, last_sent }) => {
                let id = Arc::clone(membership.match_id());
                self.state.shared.hub.observe(&id, last_sent);
                if self.send(Outbound::Attach { match_id: Arc::clone(&id), feed, initial, last_sent }).await.is_break()
                {
                    return STOP;
                }
                // A re-subscribe replaces (and so leaves) the old membership.
                if self.subs.insert(id, membership).is_none() {
                    self.state.shared.metrics.subscriptions.inc();
                }
                GO_ON
            }
            Err(e) => self.store_unavailable(Some(match_id), &e).await,
        }
    }

    async fn snapshot_start(&self, match_id: &str) -> Result<Start, StoreError> {
        let snapshot = self.state.shared.store.snapshot(match_id).await?;
        let seq = snapshot_seq(match_id, snapshot.as_deref())?;
        let frame = protocol::snapshot_frame(match_id, seq, snapshot.as_deref());
        Ok(Start { initial: vec![(frame.into(), FrameType::Snapshot)], last_sent: seq })
    }

    async fn reset_start(
        &self,
        match_id: &str,
        reason: ResetReason,
        snapshot: Option<String>,
    ) -> Result<Start, StoreError> {
        let seq = snapshot_seq(match_id, snapshot.as_deref())?;
        let reset = protocol::reset_frame(match_id, reason);
        let frame = protocol::snapshot_frame(match_id, seq, snapshot.as_deref());
        Ok(Start {
            initial: vec![(reset.into(), FrameType::Reset), (frame.into(), FrameType::Snapshot)],
            last_sent: seq,
        })
    }

    /// The client has everything up to `since`: send exactly what it
    /// missed, or a reset and a snapshot when that is impossible.
    async fn resume_start(&self, match_id: &str, since: u64) -> Result<Start, StoreError> {
        let store = &self.state.shared.store;
        let max = self.state.shared.config.max_resume_frames;
        match store.since(match_id, since, max.saturating_add(1)).await? {
            Since::Frames(frames) if frames.is_empty() => {
                // Up to date, unless the client is ahead of the store.
                let snapshot = store.snapshot(match_id).await?;
                let seq = snapshot_seq(match_id, snapshot.as_deref())?;
                if since > seq {
                    return self.reset_start(match_id, ResetReason::Ahead, snapshot).await;
                }
                Ok(Start { initial: Vec::new(), last_sent: since })
            }
            Since::Frames(frames) if frames.len() > max => {
                let snapshot = store.snapshot(match_id).await?;
                self.reset_start(match_id, ResetReason::TooFarBehind, snapshot).await
            }
            Since::Frames(frames) => {
                let mut initial = Vec::with_capacity(frames.len());
                let mut last = since;
                for frame in frames {
                    if protocol::frame_seq(&frame) != Some(last + 1) {
                        let snapshot = store.snapshot(match_id).await?;
                        return self.reset_start(match_id, ResetReason::LogUnavailable, snapshot).await;
                    }
                    last += 1;
                    initial.push((frame.into(), FrameType::Event));
                }
                Ok(Start { initial, last_sent: last })
            }
            Since::Unavailable => {
                let snapshot = store.snapshot(match_id).await?;
                let seq = snapshot_seq(match_id, snapshot.as_deref())?;
                let reason =
                    if since > seq && snapshot.is_some() { ResetReason::Ahead } else { ResetReason::LogUnavailable };
                self.reset_start(match_id, reason, snapshot).await
            }
        }
    }

    async fn unsubscribe(&mut self, match_id: &str) -> Flow {
        let Some(membership) = self.subs.remove(match_id) else {
            let message = format!("not subscribed to match {match_id}");
            return self.reject(RequestError::new(ErrorCode::NotSubscribed, message, Some(match_id))).await;
        };
        self.state.shared.metrics.subscriptions.dec();
        let flow = self.send(Outbound::Detach { match_id: Arc::clone(membership.match_id()) }).await;
        drop(membership);
        flow
    }

    async fn lobby(&mut self) -> Flow {
        if let Some(error) = self.rate_limited(None) {
            return self.reject(error).await;
        }
        // Register for updates before reading: an update racing the read
        // arrives after the list (and supersedes its entry).
        let rx = self.state.shared.hub.lobby_subscribe();
        match self.state.shared.store.lobby().await {
            Ok(mut entries) => {
                protocol::sort_lobby(&mut entries);
                self.send(Outbound::AttachLobby { rx, initial: protocol::lobby_frame(&entries).into() }).await
            }
            Err(e) => self.store_unavailable(None, &e).await,
        }
    }
}

/// The seq a stored snapshot carries (0 without a snapshot).
fn snapshot_seq(match_id: &str, snapshot: Option<&str>) -> Result<u64, StoreError> {
    match snapshot {
        None => Ok(0),
        Some(json) => protocol::frame_seq(json).ok_or_else(|| StoreError::Corrupt {
            what: "snapshot",
            match_id: match_id.to_owned(),
            message: "no numeric seq".into(),
        }),
    }
}
