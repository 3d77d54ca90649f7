//! The send half of a connection: one task that owns the socket's sink and
//! writes, in order, what the receive half queues (replies, snapshots,
//! resumed frames) and the live frames of the matches it is attached to,
//! plus heartbeats.
//!
//! Live frames come straight from the hub's broadcast channels (shared
//! bytes, no copy per viewer); the per-match channel capacity bounds how
//! far a client may fall behind. A client that lags past it is caught up
//! from the store's log once (a burst, e.g. a big batch, outruns everyone);
//! lagging again within [`LAG_WINDOW`], or a socket that does not take a
//! write within the write timeout, disconnects it as a slow consumer:
//! memory never grows with a slow client.
//!
//! Per match it keeps the last seq sent and forwards only the next one; a
//! hole (which the hub normally prevents) is filled from the store's log,
//! or answered with a reset and a fresh snapshot.

use crate::clock::now_ms;
use std::collections::HashMap;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures::SinkExt;
use futures::stream::{SplitSink, StreamExt};
use tokio::sync::{broadcast, mpsc};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_stream::StreamMap;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info};

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
    Attach { match_id: Arc<str>, rx: broadcast::Receiver<HubMsg>, initial: Vec<(Utf8Bytes, FrameType)>, last_sent: u64 },
    /// Stop forwarding a match; confirm with `unsubscribed`.
    Detach { match_id: Arc<str> },
    /// Write the lobby, then forward its updates.
    AttachLobby { rx: broadcast::Receiver<HubMsg>, initial: Utf8Bytes },
    /// Write `error` (best effort), then close with `code`.
    Close { code: u16, reason: &'static str, error: Option<Utf8Bytes> },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Topic {
    Match(Arc<str>),
    Lobby,
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
}

pub(crate) struct SendHalf {
    sink: SplitSink<WebSocket, Message>,
    store: Arc<dyn Store>,
    metrics: GatewayMetrics,
    settings: SendSettings,
    topics: StreamMap<Topic, BroadcastStream<HubMsg>>,
    last_sent: HashMap<Arc<str>, u64>,
    /// When the client last fell behind a match's live frames.
    last_lag: Option<Instant>,
}

/// Falling behind twice within this window disconnects a client.
const LAG_WINDOW: Duration = Duration::from_secs(10);

impl SendHalf {
    pub(crate) fn new(
        sink: SplitSink<WebSocket, Message>,
        store: Arc<dyn Store>,
        metrics: GatewayMetrics,
        settings: SendSettings,
    ) -> Self {
        SendHalf { sink, store, metrics, settings, topics: StreamMap::new(), last_sent: HashMap::new(), last_lag: None }
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
        // fresh `cancelled()` per loop would lock its waiter list per frame.
        let shutdown = shutdown.cancelled();
        tokio::pin!(shutdown);
        loop {
            // Live frames first: a frame's wake-up then polls that one
            // branch before writing, and the other (cold) ones only once
            // all are idle again. With thousands of viewers per frame,
            // each poll of an idle queue or timer is a cache miss paid per
            // viewer. Nothing waits long behind live frames: they come in
            // bursts of at most a batch.
            let step = tokio::select! {
                biased;
                Some((topic, item)) = self.topics.next() => self.on_topic(topic, item).await,
                command = queue.recv() => match command {
                    Some(command) => self.handle(command).await,
                    None => break,
                },
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
        // Flushes a pending close (ours, or the reply to the client's).
        let _ = tokio::time::timeout(Duration::from_secs(1), self.sink.close()).await;
    }

    async fn handle(&mut self, command: Outbound) -> Step {
        match command {
            Outbound::Frame { text, kind } => self.write(text, kind, None).await,
            Outbound::Attach { match_id, rx, initial, last_sent } => {
                self.topics.insert(Topic::Match(Arc::clone(&match_id)), BroadcastStream::new(rx));
                self.last_sent.insert(match_id, last_sent);
                for (text, kind) in initial {
                    self.write(text, kind, None).await?;
                }
                Ok(())
            }
            Outbound::Detach { match_id } => {
                self.topics.remove(&Topic::Match(Arc::clone(&match_id)));
                self.last_sent.remove(&match_id);
                self.write(protocol::unsubscribed_frame(&match_id).into(), FrameType::Unsubscribed, None).await
            }
            Outbound::AttachLobby { rx, initial } => {
                self.topics.insert(Topic::Lobby, BroadcastStream::new(rx));
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

    async fn on_topic(&mut self, topic: Topic, item: Result<HubMsg, BroadcastStreamRecvError>) -> Step {
        let message = match item {
            Ok(message) => message,
            // The lobby is state, not a log: skip ahead to the whole list.
            Err(BroadcastStreamRecvError::Lagged(_)) if topic == Topic::Lobby => return self.reload_lobby().await,
            Err(BroadcastStreamRecvError::Lagged(missed)) => {
                let match_id = match &topic {
                    Topic::Match(id) => Some(Arc::clone(id)),
                    Topic::Lobby => None,
                };
                // A burst (a big batch) can outrun any client once: the
                // next frame's hole is then filled from the log. Falling
                // behind again soon after means the client is too slow.
                let now = Instant::now();
                if self.last_lag.is_some_and(|at| now.duration_since(at) < LAG_WINDOW) {
                    return self.slow_consumer(match_id.as_deref(), missed).await;
                }
                self.last_lag = Some(now);
                debug!(match_id = match_id.as_deref(), missed, "client fell behind a burst; catching up from the log");
                return Ok(());
            }
        };
        match (topic, message) {
            (Topic::Lobby, HubMsg::Lobby { text, kind }) => self.write(text, kind, None).await,
            (Topic::Match(id), message) => self.on_match(&id, message).await,
            (Topic::Lobby, _) => Ok(()),
        }
    }

    async fn on_match(&mut self, id: &Arc<str>, message: HubMsg) -> Step {
        let Some(&last) = self.last_sent.get(id) else { return Ok(()) };
        match message {
            HubMsg::Frame { seq, ts, text } => {
                if seq <= last {
                    return Ok(());
                }
                if seq > last + 1 {
                    self.fill(id, last, seq - 1).await?;
                }
                let last = self.last_sent.get(id).copied().unwrap_or(last);
                if seq > last {
                    // Normally `last + 1`; after an unfillable hole the
                    // client already got a reset and snapshot, and this
                    // frame continues from it.
                    self.write(text, FrameType::Event, ts).await?;
                    self.last_sent.insert(Arc::clone(id), seq);
                }
                Ok(())
            }
            HubMsg::Reset { seq, reset, snapshot } => {
                self.write(reset, FrameType::Reset, None).await?;
                self.write(snapshot, FrameType::Snapshot, None).await?;
                self.last_sent.insert(Arc::clone(id), seq);
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
        self.last_sent.insert(Arc::clone(id), last);
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
        self.last_sent.insert(Arc::clone(id), seq);
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

    async fn slow_consumer(&mut self, match_id: Option<&str>, missed: u64) -> Step {
        self.metrics.slow_consumer_disconnects.inc();
        info!(match_id, missed, "client too slow: closing it");
        let message = format!(
            "client fell {missed} frames behind (at most {} may be queued); reconnect and resume with since",
            self.settings.queue
        );
        let frame = protocol::error_frame(ErrorCode::SlowConsumer, &message, match_id);
        let quick = self.settings.write_timeout.min(Duration::from_secs(1));
        if tokio::time::timeout(quick, self.sink.send(Message::Text(frame.into()))).await.is_ok_and(|r| r.is_ok()) {
            self.metrics.sent(FrameType::Error);
        }
        self.close(close::SLOW_CONSUMER, "slow consumer").await;
        Err(Closed)
    }

    /// Write one frame; `ts` (an event's timestamp) feeds the latency
    /// histogram.
    ///
    /// The write timeout's timer is only armed when the socket does not
    /// take the frame at once: a write that completes on its first poll
    /// (nearly all of them) costs no timer registration, which would
    /// otherwise be paid per frame per viewer.
    async fn write(&mut self, text: Utf8Bytes, kind: FrameType, ts: Option<i64>) -> Step {
        let written = {
            let mut send = self.sink.send(Message::Text(text));
            match futures::poll!(&mut send) {
                Poll::Ready(result) => Some(result),
                Poll::Pending => tokio::time::timeout(self.settings.write_timeout, send).await.ok(),
            }
        };
        match written {
            Some(Ok(())) => {
                self.metrics.sent(kind);
                if let Some(ts) = ts {
                    #[allow(clippy::cast_precision_loss)]
                    let seconds = now_ms().saturating_sub(ts).max(0) as f64 / 1000.0;
                    self.metrics.publish_to_send_seconds.observe(seconds);
                }
                Ok(())
            }
            Some(Err(e)) => {
                debug!(error = %e, "client connection gone");
                Err(Closed)
            }
            None => {
                self.metrics.slow_consumer_disconnects.inc();
                info!(timeout = ?self.settings.write_timeout, "socket write timed out: dropping the client as too slow");
                Err(Closed)
            }
        }
    }

    /// Queue a close frame (best effort).
    async fn close(&mut self, code: u16, reason: &'static str) {
        let frame = CloseFrame { code, reason: Utf8Bytes::from_static(reason) };
        let quick = self.settings.write_timeout.min(Duration::from_secs(1));
        let _ = tokio::time::timeout(quick, self.sink.send(Message::Close(Some(frame)))).await;
    }
}
