//! The send half of a connection: one task that writes, in order, what
//! the receive half queues (replies, snapshots, resumed frames), lobby
//! updates and heartbeats, and takes over a match's live frames whenever
//! the fan-out cannot write them itself.
//!
//! Live frames normally reach the socket without this task: the match's
//! fan-out ([`super::fanout`]) writes them straight into every caught-up
//! connection whose socket takes them at once. This task is woken only
//! when a connection is not caught up: just subscribed (after its
//! snapshot), its socket was full, a reset or a hole. It then reads the
//! match's ring from where the connection is, and hands the match back to
//! the fan-out once caught up. The ring's capacity bounds how far a client
//! may fall behind. A client that lags past it is caught up from the
//! store's log once (a burst, e.g. a big batch, outruns everyone); lagging
//! again within [`LAG_WINDOW`], or a socket that does not take a write
//! within the write timeout, disconnects it as a slow consumer: memory
//! never grows with a slow client.
//!
//! Per match it keeps the last seq sent and forwards only the next one; a
//! hole (which the hub normally prevents) is filled from the store's log,
//! or answered with a reset and a fresh snapshot.

use crate::clock::now_ms;
use std::collections::HashMap;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use futures::stream::StreamExt;
use tokio::sync::{broadcast, mpsc};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info};

use super::conn::{CUT_OFF_ROOM, Conn, linger, make_room};
use super::fanout::{Feed, Next};
use super::hub::HubMsg;
use super::metrics::GatewayMetrics;
use crate::protocol::{self, ErrorCode, FrameType, ResetReason, close};
use crate::store::{Since, Store, StoreError};

/// What the receive half asks the send half to do, in order.
pub(crate) enum Outbound {
    /// Write one frame.
    Frame { text: Utf8Bytes, kind: FrameType },
    /// Write `initial`, then forward the match's live frames after
    /// `last_sent`. Replaces an earlier attachment of the same match.
    Attach { match_id: Arc<str>, feed: Feed, initial: Vec<(Utf8Bytes, FrameType)>, last_sent: u64 },
    /// Stop forwarding a match; confirm with `unsubscribed`.
    Detach { match_id: Arc<str> },
    /// Write the lobby, then forward its updates.
    AttachLobby { rx: broadcast::Receiver<HubMsg>, initial: Utf8Bytes },
    /// Write `error` (best effort), then close with `code`.
    Close { code: u16, reason: &'static str, error: Option<Utf8Bytes> },
}

/// The connection is over: the peer is gone or the server closed it.
#[derive(Debug)]
struct Closed;

type Step = Result<(), Closed>;

/// Settings of the send half (from the gateway config).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SendSettings {
    pub heartbeat: Duration,
    pub write_timeout: Duration,
    pub max_resume: usize,
    /// Live frames a client may fall behind (for the error message).
    pub queue: usize,
    /// How long a cut-off client's socket stays open for it to read why.
    pub close_linger: Duration,
    /// Most cut-off sockets lingering at once (beyond, one is closed at
    /// once): cut-offs cannot pile up descriptors past the connection limit.
    pub max_lingering: usize,
}

pub(crate) struct SendHalf {
    conn: Arc<Conn>,
    store: Arc<dyn Store>,
    metrics: GatewayMetrics,
    settings: SendSettings,
    feeds: HashMap<Arc<str>, Feed>,
    lobby: Option<BroadcastStream<HubMsg>>,
    /// When the client last fell behind a match's live frames.
    last_lag: Option<Instant>,
    /// The client was cut off as too slow: its socket lingers.
    cut_off: bool,
}

impl SendSettings {
    /// How long the frames that end a connection (an `error`, the close)
    /// may take: the write timeout, at most a second.
    fn last_words(&self) -> Duration {
        self.write_timeout.min(Duration::from_secs(1))
    }
}

/// Falling behind twice within this window disconnects a client.
const LAG_WINDOW: Duration = Duration::from_secs(10);

impl SendHalf {
    pub(crate) fn new(conn: Arc<Conn>, store: Arc<dyn Store>, metrics: GatewayMetrics, settings: SendSettings) -> Self {
        SendHalf { conn, store, metrics, settings, feeds: HashMap::new(), lobby: None, last_lag: None, cut_off: false }
    }

    /// Write `hello`, then serve until the receive half goes away, the
    /// client is closed, or `shutdown`.
    pub(crate) async fn run(
        mut self,
        mut queue: mpsc::Receiver<Outbound>,
        hello: Utf8Bytes,
        shutdown: CancellationToken,
    ) {
        if self.write(hello, FrameType::Hello, None).await.is_err() {
            return;
        }
        let period = self.settings.heartbeat.max(Duration::from_millis(1));
        let mut heartbeat = tokio::time::interval_at(Instant::now() + period, period);
        heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
        // Registered once: every connection waits on the same token, and a
        // fresh `cancelled()` per loop would lock its waiter list.
        let shutdown = shutdown.cancelled();
        tokio::pin!(shutdown);
        let conn = Arc::clone(&self.conn);
        let notified = conn.notified();
        tokio::pin!(notified);
        loop {
            let step = tokio::select! {
                biased;
                () = &mut notified => {
                    notified.set(conn.notified());
                    self.catch_up().await
                }
                command = queue.recv() => match command {
                    Some(command) => self.handle(command).await,
                    None => break,
                },
                Some(item) = next_lobby(&mut self.lobby) => self.on_lobby(item).await,
                _ = heartbeat.tick() => {
                    let text = protocol::heartbeat_frame(now_ms()).into();
                    self.write(text, FrameType::Heartbeat, None).await
                }
                () = &mut shutdown => {
                    self.close(close::GOING_AWAY, "server shutting down").await;
                    break;
                }
            };
            if step.is_err() {
                break;
            }
        }
        // Leave the fan-out before the final flush.
        self.feeds.clear();
        // Flushes a pending close (ours, or the reply to the client's).
        let _ = tokio::time::timeout(Duration::from_secs(1), std::future::poll_fn(|cx| conn.poll_close(cx))).await;
        if self.cut_off
            && usize::try_from(self.metrics.lingering.get()).unwrap_or(0) < self.settings.max_lingering
            && let Some(socket) = conn.socket()
        {
            let lingering = self.metrics.lingering.clone();
            let limit = self.settings.close_linger;
            lingering.inc();
            tokio::spawn(async move {
                linger(socket, limit).await;
                lingering.dec();
            });
        }
    }

    async fn handle(&mut self, command: Outbound) -> Step {
        match command {
            Outbound::Frame { text, kind } => self.write(text, kind, None).await,
            Outbound::Attach { match_id, feed, initial, last_sent } => {
                feed.set_last_sent(last_sent);
                self.feeds.insert(Arc::clone(&match_id), feed);
                for (text, kind) in initial {
                    self.write(text, kind, None).await?;
                }
                self.drain(&match_id).await
            }
            Outbound::Detach { match_id } => {
                self.feeds.remove(&match_id);
                self.write(protocol::unsubscribed_frame(&match_id).into(), FrameType::Unsubscribed, None).await
            }
            Outbound::AttachLobby { rx, initial } => {
                self.lobby = Some(BroadcastStream::new(rx));
                self.write(initial, FrameType::Lobby, None).await
            }
            Outbound::Close { code, reason, error } => {
                if let Some(error) = error {
                    let _ = self.write(error, FrameType::Error, None).await;
                }
                self.close(code, reason).await;
                Err(Closed)
            }
        }
    }

    /// Woken by the fan-out: finish a frame it left half written, then
    /// catch up every match it handed over.
    async fn catch_up(&mut self) -> Step {
        self.flush().await?;
        let ids: Vec<Arc<str>> = self.feeds.keys().cloned().collect();
        for id in ids {
            self.drain(&id).await?;
        }
        Ok(())
    }

    /// Handle a match's messages from where the connection is until it is
    /// caught up (the fan-out takes over from there).
    async fn drain(&mut self, id: &Arc<str>) -> Step {
        loop {
            let Some(feed) = self.feeds.get(id) else { return Ok(()) };
            match feed.next() {
                Next::CaughtUp => return Ok(()),
                Next::Message(message) => self.on_match(id, message).await?,
                Next::Lagged(missed) => {
                    // A burst (a big batch) can outrun any client once: the
                    // next frame's hole is then filled from the log. Falling
                    // behind again soon after means the client is too slow.
                    let now = Instant::now();
                    if self.last_lag.is_some_and(|at| now.duration_since(at) < LAG_WINDOW) {
                        return self.slow_consumer(Some(id), missed).await;
                    }
                    self.last_lag = Some(now);
                    debug!(match_id = %id, missed, "client fell behind a burst; catching up from the log");
                }
            }
        }
    }

    async fn on_lobby(&mut self, item: Result<HubMsg, BroadcastStreamRecvError>) -> Step {
        match item {
            Ok(HubMsg::Lobby { text, kind }) => self.write(text, kind, None).await,
            Ok(_) => Ok(()),
            // The lobby is state, not a log: skip ahead to the whole list.
            Err(BroadcastStreamRecvError::Lagged(_)) => self.reload_lobby().await,
        }
    }

    fn last_sent(&self, id: &str) -> Option<u64> {
        self.feeds.get(id).map(Feed::last_sent)
    }

    fn set_last_sent(&self, id: &str, seq: u64) {
        if let Some(feed) = self.feeds.get(id) {
            feed.set_last_sent(seq);
        }
    }

    async fn on_match(&mut self, id: &Arc<str>, message: HubMsg) -> Step {
        let Some(last) = self.last_sent(id) else { return Ok(()) };
        match message {
            HubMsg::Frame { seq, ts, text, .. } => {
                if seq <= last {
                    return Ok(());
                }
                if seq > last + 1 {
                    self.fill(id, last, seq - 1).await?;
                }
                let last = self.last_sent(id).unwrap_or(last);
                if seq > last {
                    // Normally `last + 1`; after an unfillable hole the
                    // client already got a reset and snapshot, and this
                    // frame continues from it.
                    self.write(text, FrameType::Event, ts).await?;
                    self.set_last_sent(id, seq);
                }
                Ok(())
            }
            HubMsg::Reset { seq, reset, snapshot } => {
                self.write(reset, FrameType::Reset, None).await?;
                self.write(snapshot, FrameType::Snapshot, None).await?;
                self.set_last_sent(id, seq);
                Ok(())
            }
            HubMsg::Resync { reason } => self.resync(id, reason).await,
            HubMsg::Catchup { seq } if seq > last => self.fill(id, last, seq).await,
            HubMsg::Catchup { .. } | HubMsg::Lobby { .. } => Ok(()),
        }
    }

    /// Send the match's frames `from+1 ..= to` from the log, or a reset and
    /// snapshot when the log cannot.
    async fn fill(&mut self, id: &Arc<str>, from: u64, to: u64) -> Step {
        let wanted = to.saturating_sub(from);
        if wanted > self.settings.max_resume as u64 {
            return self.resync(id, ResetReason::TooFarBehind).await;
        }
        debug!(match_id = %id, from, to, "filling a hole for one client");
        let frames = match self.store.since(id, from, usize::try_from(wanted).unwrap_or(usize::MAX)).await {
            Ok(Since::Frames(frames)) => frames,
            Ok(Since::Unavailable) => return self.resync(id, ResetReason::LogUnavailable).await,
            Err(e) => return self.store_failed(id, &e).await,
        };
        let mut last = from;
        for frame in frames {
            if protocol::frame_seq(&frame) != Some(last + 1) {
                break;
            }
            self.write(frame.into(), FrameType::Event, None).await?;
            last += 1;
        }
        self.set_last_sent(id, last);
        if last < to { self.resync(id, ResetReason::Gap).await } else { Ok(()) }
    }

    /// Reset the client's state of a match: `reset`, then a fresh snapshot.
    async fn resync(&mut self, id: &Arc<str>, reason: ResetReason) -> Step {
        let snapshot = match self.store.snapshot(id).await {
            Ok(snapshot) => snapshot,
            Err(e) => return self.store_failed(id, &e).await,
        };
        let Some(seq) = snapshot.as_deref().map_or(Some(0), protocol::frame_seq) else {
            let e =
                StoreError::Corrupt { what: "snapshot", match_id: id.to_string(), message: "no numeric seq".into() };
            return self.store_failed(id, &e).await;
        };
        self.write(protocol::reset_frame(id, reason).into(), FrameType::Reset, None).await?;
        let frame = protocol::snapshot_frame(id, seq, snapshot.as_deref());
        self.write(frame.into(), FrameType::Snapshot, None).await?;
        self.set_last_sent(id, seq);
        Ok(())
    }

    /// Send the whole lobby again (after falling behind on its updates).
    async fn reload_lobby(&mut self) -> Step {
        match self.store.lobby().await {
            Ok(mut entries) => {
                protocol::sort_lobby(&mut entries);
                self.write(protocol::lobby_frame(&entries).into(), FrameType::Lobby, None).await
            }
            Err(e) => self.store_failed("lobby", &e).await,
        }
    }

    /// The store failed while repairing a stream: the client cannot be
    /// served correctly now; close so it reconnects and resumes.
    async fn store_failed(&mut self, id: &str, e: &StoreError) -> Step {
        self.metrics.store_error(e);
        info!(match_id = id, error = %e, "store failed while repairing a client's stream; closing it");
        self.close(close::INTERNAL_ERROR, "match store unavailable, reconnect and resume").await;
        Err(Closed)
    }

    /// The client fell behind a match's live frames twice.
    async fn slow_consumer(&mut self, match_id: Option<&str>, missed: u64) -> Step {
        info!(match_id, missed, "client too slow: cutting it off");
        let message = format!(
            "client fell {missed} frames behind (at most {} may be queued); reconnect and resume with since",
            self.settings.queue
        );
        self.cut_off(match_id, &message).await
    }

    /// Cut a slow client off with a clear reason: an `error` frame
    /// `slow_consumer`, then close 4008. Its socket is usually full (it
    /// stopped reading), so room is made in it first for the rest of the
    /// frame being written and those two; the socket then lingers so that
    /// a client that reads again finds them.
    async fn cut_off(&mut self, match_id: Option<&str>, message: &str) -> Step {
        self.metrics.slow_consumer_disconnects.inc();
        self.cut_off = true;
        if let Some(socket) = self.conn.socket() {
            make_room(&socket, CUT_OFF_ROOM);
        }
        let frame = protocol::error_frame(ErrorCode::SlowConsumer, message, match_id);
        let sent =
            tokio::time::timeout(self.settings.last_words(), send(&self.conn, Some(Message::Text(frame.into())))).await;
        if sent.is_ok_and(|r| r.is_ok()) {
            self.metrics.sent(FrameType::Error);
        }
        self.close(close::SLOW_CONSUMER, "slow consumer").await;
        Err(Closed)
    }

    /// Write one frame; `ts` (an event's timestamp) feeds the latency
    /// histogram.
    async fn write(&mut self, text: Utf8Bytes, kind: FrameType, ts: Option<i64>) -> Step {
        self.send_timed(Some(Message::Text(text))).await?;
        self.metrics.sent(kind);
        if let Some(ts) = ts {
            #[allow(clippy::cast_precision_loss)]
            let seconds = now_ms().saturating_sub(ts).max(0) as f64 / 1000.0;
            self.metrics.publish_to_send_seconds.observe(seconds);
        }
        Ok(())
    }

    /// Finish writing what is queued (a frame the fan-out started).
    async fn flush(&mut self) -> Step {
        self.send_timed(None).await
    }

    /// Send (or, with `None`, flush) within the write timeout.
    ///
    /// The timer is only armed when the socket does not take the frame at
    /// once: a write that completes on its first poll (nearly all of them)
    /// costs no timer registration.
    async fn send_timed(&mut self, message: Option<Message>) -> Step {
        let written = {
            let mut sending = std::pin::pin!(send(&self.conn, message));
            match futures::poll!(&mut sending) {
                Poll::Ready(result) => Some(result),
                Poll::Pending => tokio::time::timeout(self.settings.write_timeout, sending).await.ok(),
            }
        };
        match written {
            Some(Ok(())) => Ok(()),
            Some(Err(e)) => {
                debug!(error = %e, "client connection gone");
                Err(Closed)
            }
            None => {
                let timeout = self.settings.write_timeout;
                info!(?timeout, "socket write timed out: cutting the client off as too slow");
                let message = format!(
                    "the connection took no data for {}; reconnect and resume with since",
                    humantime::format_duration(timeout)
                );
                self.cut_off(None, &message).await
            }
        }
    }

    /// Queue a close frame (best effort).
    async fn close(&mut self, code: u16, reason: &'static str) {
        let frame = CloseFrame { code, reason: Utf8Bytes::from_static(reason) };
        let _ =
            tokio::time::timeout(self.settings.last_words(), send(&self.conn, Some(Message::Close(Some(frame))))).await;
    }
}

/// Write `message` (or only flush, with `None`) through the connection's
/// shared sink.
async fn send(conn: &Conn, message: Option<Message>) -> Result<(), axum::Error> {
    let mut message = message;
    std::future::poll_fn(|cx| conn.poll_send(cx, &mut message)).await
}

/// The next lobby update (never, without a lobby subscription).
async fn next_lobby(lobby: &mut Option<BroadcastStream<HubMsg>>) -> Option<Result<HubMsg, BroadcastStreamRecvError>> {
    match lobby {
        Some(stream) => stream.next().await,
        None => std::future::pending().await,
    }
}
