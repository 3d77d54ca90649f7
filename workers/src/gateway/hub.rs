//! Per-match fan-out.
//!
//! A gateway process holds ONE live feed from the store ([`Store::live`])
//! and subscribes a match's channel on it only while the match has viewers
//! here, so store load grows with gateways × matches, never with viewers.
//! Each match with viewers has a [`MatchFeed`]: a bounded ring of the
//! frames as shared bytes (never copied or re-serialized per viewer),
//! written to the viewers' sockets by a few shard tasks.
//!
//! The hub keeps, per match, the last seq it broadcast and repairs what the
//! live channel delivers: duplicates are dropped, holes are filled from the
//! store's log before the frame after them is broadcast, and when the log
//! cannot fill a hole the match's viewers get a reset and a fresh snapshot.
//! When the feed is lost it reconnects with backoff, resubscribes every
//! match with viewers and repairs what was missed in the meantime.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::conn::{Conn, encode_text};
use super::fanout::{Feed, MatchFeed};
use super::metrics::GatewayMetrics;
use crate::protocol::{self, FrameMeta, FrameType, ResetReason};
use crate::store::{Live, LiveControl, Since, Store, StoreError};
use crate::telemetry::Ops;

/// What a match's (or the lobby's) viewers receive from the hub.
#[derive(Debug, Clone)]
pub(crate) enum HubMsg {
    /// An event frame, to forward verbatim; `wire` is its WebSocket frame,
    /// encoded once for every viewer.
    Frame { seq: u64, ts: Option<i64>, text: Utf8Bytes, wire: Bytes },
    /// The match restarts: send `reset` then `snapshot`; the stream goes on
    /// after `seq`.
    Reset { seq: u64, reset: Utf8Bytes, snapshot: Utf8Bytes },
    /// The hub lost track of the match (the store failed while repairing):
    /// each viewer reloads the snapshot itself.
    Resync { reason: ResetReason },
    /// The store holds the match up to `seq`: viewers behind it fetch the
    /// rest from the log.
    Catchup { seq: u64 },
    /// A lobby frame (`lobby` or `lobby_update`).
    Lobby { text: Utf8Bytes, kind: FrameType },
}

/// Hub settings (from [`super::GatewayConfig`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct HubConfig {
    /// Capacity of each match's message ring: how far a viewer may fall
    /// behind before it lags.
    pub capacity: usize,
    /// How long a first viewer waits for the match's live subscription.
    pub subscribe_wait: Duration,
    /// Largest hole filled from the log; beyond it viewers get a reset.
    pub max_repair: usize,
}

struct Slot {
    id: Arc<str>,
    feed: Arc<MatchFeed>,
    viewers: usize,
    /// Seq of the last frame broadcast (None: none yet since the slot was
    /// created, or lost track).
    last_seq: Option<u64>,
    /// True once the match is subscribed on the current live feed.
    ready: watch::Sender<bool>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.feed.close();
    }
}

/// Result of offering a frame to a match's viewers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Offer {
    Sent,
    Duplicate,
    NoViewers,
    /// Frames after `last` and before this one are missing.
    Gap {
        last: u64,
    },
}

/// The fan-out of one gateway process. Created with [`Hub::start`].
pub(crate) struct Hub {
    store: Arc<dyn Store>,
    slots: Mutex<HashMap<Arc<str>, Slot>>,
    /// Match ids whose store subscription must be brought in line with
    /// whether they have viewers; handled in order by the feed task.
    sync_tx: mpsc::UnboundedSender<Arc<str>>,
    lobby: broadcast::Sender<HubMsg>,
    connected: watch::Sender<bool>,
    ops: Arc<OnceLock<Ops>>,
    config: HubConfig,
    metrics: GatewayMetrics,
}

/// A viewer's membership of a match; leaving happens on drop (the store
/// subscription is dropped with the last viewer).
pub(crate) struct Membership {
    hub: Arc<Hub>,
    id: Arc<str>,
}

impl Membership {
    pub(crate) fn match_id(&self) -> &Arc<str> {
        &self.id
    }
}

impl Drop for Membership {
    fn drop(&mut self) {
        self.hub.leave(&self.id);
    }
}

impl Hub {
    /// Create the hub and spawn its feed task (runs until `shutdown`).
    pub(crate) fn start(
        store: Arc<dyn Store>,
        config: HubConfig,
        metrics: GatewayMetrics,
        ops: Arc<OnceLock<Ops>>,
        shutdown: CancellationToken,
    ) -> Arc<Hub> {
        let (sync_tx, sync_rx) = mpsc::unbounded_channel();
        let hub = Arc::new(Hub {
            store,
            slots: Mutex::new(HashMap::new()),
            sync_tx,
            lobby: broadcast::channel(config.capacity.max(1)).0,
            connected: watch::channel(false).0,
            ops,
            config,
            metrics,
        });
        tokio::spawn(Arc::clone(&hub).run(sync_rx, shutdown));
        hub
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Arc<str>, Slot>> {
        // Every critical section leaves the map consistent.
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// True while the live feed is up and subscribed.
    pub(crate) fn is_connected(&self) -> bool {
        *self.connected.borrow()
    }

    /// Matches with viewers here.
    pub(crate) fn match_count(&self) -> usize {
        self.lock().len()
    }

    /// Join a match's viewers with connection `conn`. The feed is
    /// registered before this returns, and (unless the live feed is down
    /// for longer than `subscribe_wait`) so is the store subscription:
    /// everything committed after this returns reaches the feed.
    pub(crate) async fn join(self: &Arc<Self>, match_id: &str, conn: &Arc<Conn>) -> (Membership, Feed) {
        let (id, feed, mut ready) = {
            let mut slots = self.lock();
            match slots.get_mut(match_id) {
                Some(slot) => {
                    slot.viewers += 1;
                    (Arc::clone(&slot.id), slot.feed.join(conn), slot.ready.subscribe())
                }
                None => {
                    let id: Arc<str> = Arc::from(match_id);
                    let feed = MatchFeed::new(self.config.capacity, self.metrics.clone());
                    let joined = feed.join(conn);
                    let (ready, ready_rx) = watch::channel(false);
                    slots
                        .insert(Arc::clone(&id), Slot { id: Arc::clone(&id), feed, viewers: 1, last_seq: None, ready });
                    let _ = self.sync_tx.send(Arc::clone(&id));
                    (id, joined, ready_rx)
                }
            }
        };
        let membership = Membership { hub: Arc::clone(self), id };
        let waited = tokio::time::timeout(self.config.subscribe_wait, ready.wait_for(|ready| *ready)).await;
        if !matches!(waited, Ok(Ok(_))) {
            warn!(match_id, "live subscription not confirmed in time; the stream is repaired once it is");
        }
        (membership, feed)
    }

    /// A viewer starts at `seq`: when nothing was broadcast for the match
    /// yet, the hub continues from there, so it can repair holes after it.
    pub(crate) fn observe(&self, id: &str, seq: u64) {
        if let Some(slot) = self.lock().get_mut(id)
            && slot.last_seq.is_none()
        {
            slot.last_seq = Some(seq);
        }
    }

    fn leave(&self, id: &Arc<str>) {
        let mut slots = self.lock();
        if let Some(slot) = slots.get_mut(&**id) {
            slot.viewers = slot.viewers.saturating_sub(1);
            if slot.viewers == 0 {
                slots.remove(&**id);
                let _ = self.sync_tx.send(Arc::clone(id));
            }
        }
    }

    /// Receive lobby frames (`lobby_update`, and `lobby` after a feed loss).
    pub(crate) fn lobby_subscribe(&self) -> broadcast::Receiver<HubMsg> {
        self.lobby.subscribe()
    }

    async fn run(self: Arc<Self>, mut sync_rx: mpsc::UnboundedReceiver<Arc<str>>, shutdown: CancellationToken) {
        let mut backoff = new_backoff();
        let mut sessions = 0u64;
        loop {
            let feed = tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                feed = self.store.live() => feed,
            };
            match feed {
                Ok((control, stream)) => {
                    if sessions > 0 {
                        self.metrics.live_reconnects.inc();
                    }
                    sessions += 1;
                    let started = Instant::now();
                    tokio::select! {
                        biased;
                        () = shutdown.cancelled() => break,
                        () = self.session(&*control, stream, &mut sync_rx, sessions > 1) => {}
                    }
                    self.set_disconnected();
                    if started.elapsed() > Duration::from_secs(30) {
                        backoff = new_backoff();
                    }
                }
                Err(e) => {
                    self.metrics.store_error(&e);
                    warn!(error = %e, "cannot open the live feed");
                }
            }
            let delay = backoff.next().unwrap_or(Duration::from_secs(5));
            tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(delay) => {}
            }
        }
        self.set_disconnected();
        debug!("hub stopped");
    }

    fn set_disconnected(&self) {
        self.connected.send_replace(false);
        if let Some(ops) = self.ops.get() {
            ops.set_ready(false);
        }
        for slot in self.lock().values() {
            slot.ready.send_replace(false);
        }
        self.metrics.live_matches.set(0);
    }

    /// One live feed, until it ends or a subscription fails.
    async fn session(
        &self,
        control: &dyn LiveControl,
        mut stream: BoxStream<'static, Live>,
        sync_rx: &mut mpsc::UnboundedReceiver<Arc<str>>,
        reconnect: bool,
    ) {
        let feed = async {
            let mut unyielded = 0;
            while let Some(message) = stream.next().await {
                self.on_live(message, &mut unyielded).await;
            }
            warn!("live feed ended (store connection lost); reconnecting");
        };
        let control_loop = async {
            let mut subscribed = HashSet::new();
            let result = async {
                self.resubscribe(control, &mut subscribed, reconnect).await?;
                while let Some(id) = sync_rx.recv().await {
                    self.sync(control, &mut subscribed, id).await?;
                }
                Ok::<(), StoreError>(())
            }
            .await;
            if let Err(e) = result {
                self.metrics.store_error(&e);
                warn!(error = %e, "live subscription failed; reconnecting the feed");
            }
        };
        tokio::select! {
            () = feed => {}
            () = control_loop => {}
        }
    }

    async fn resubscribe(
        &self,
        control: &dyn LiveControl,
        subscribed: &mut HashSet<Arc<str>>,
        reconnect: bool,
    ) -> Result<(), StoreError> {
        control.subscribe_lobby().await?;
        let ids: Vec<Arc<str>> = self.lock().keys().cloned().collect();
        for id in ids {
            self.sync(control, subscribed, id).await?;
        }
        self.connected.send_replace(true);
        if let Some(ops) = self.ops.get() {
            ops.set_ready(true);
        }
        info!(matches = subscribed.len(), reconnect, "live feed subscribed");
        if reconnect {
            let ids: Vec<Arc<str>> = subscribed.iter().cloned().collect();
            for id in ids {
                self.catch_up(&id).await;
            }
            self.refresh_lobby().await;
        }
        Ok(())
    }

    /// Bring a match's store subscription in line with whether it has
    /// viewers; mark it ready for its viewers once subscribed.
    async fn sync(
        &self,
        control: &dyn LiveControl,
        subscribed: &mut HashSet<Arc<str>>,
        id: Arc<str>,
    ) -> Result<(), StoreError> {
        let wanted = self.lock().contains_key(&*id);
        let have = subscribed.contains(&id);
        if wanted && !have {
            control.subscribe(&id).await?;
            subscribed.insert(Arc::clone(&id));
            debug!(match_id = %id, "subscribed on the live feed");
        } else if !wanted && have {
            control.unsubscribe(&id).await?;
            subscribed.remove(&id);
            debug!(match_id = %id, "unsubscribed from the live feed");
        }
        self.metrics.live_matches.set(i64::try_from(subscribed.len()).unwrap_or(i64::MAX));
        if wanted && let Some(slot) = self.lock().get(&*id) {
            slot.ready.send_replace(true);
        }
        Ok(())
    }

    /// Handle one live message. `unyielded` counts frames broadcast since
    /// the hub last yielded: a burst (a big batch, or many batches back to
    /// back) is broadcast in chunks of an eighth of the channel capacity,
    /// yielding in between so viewers' send tasks can drain it instead of
    /// lagging.
    async fn on_live(&self, message: Live, unyielded: &mut usize) {
        match message {
            Live::Frames { match_id, frames } => {
                let chunk = (self.config.capacity / 8).max(1);
                for frame in frames {
                    self.forward(&match_id, frame).await;
                    *unyielded += 1;
                    if *unyielded >= chunk {
                        *unyielded = 0;
                        tokio::task::yield_now().await;
                    }
                }
            }
            Live::Lobby(entry) => {
                if self.lobby.receiver_count() > 0 {
                    let text = protocol::lobby_update_frame(&entry).into();
                    let _ = self.lobby.send(HubMsg::Lobby { text, kind: FrameType::LobbyUpdate });
                }
            }
            Live::Reset { match_id } => self.reset(&match_id, ResetReason::CacheRebuilt).await,
        }
    }

    /// Broadcast one live frame, in order, without holes or duplicates.
    async fn forward(&self, match_id: &str, frame: String) {
        let Some(meta) = protocol::frame_meta(&frame) else {
            self.metrics.store_error(&StoreError::Corrupt {
                what: "live frame",
                match_id: match_id.to_owned(),
                message: "no numeric seq".into(),
            });
            warn!(match_id, "live frame without a seq dropped");
            return;
        };
        let text = Utf8Bytes::from(frame);
        let Offer::Gap { last } = self.offer(match_id, meta, &text, false) else { return };
        if !self.fill(match_id, last, meta.seq).await {
            self.reset(match_id, ResetReason::Gap).await;
        }
        let _ = self.offer(match_id, meta, &text, true);
    }

    /// Broadcast a frame if it is the next one (or `force`, or the first).
    fn offer(&self, match_id: &str, meta: FrameMeta, text: &Utf8Bytes, force: bool) -> Offer {
        let mut slots = self.lock();
        let Some(slot) = slots.get_mut(match_id) else { return Offer::NoViewers };
        match slot.last_seq {
            Some(last) if meta.seq <= last => Offer::Duplicate,
            Some(last) if meta.seq > last + 1 && !force => Offer::Gap { last },
            _ => {
                slot.last_seq = Some(meta.seq);
                let wire = encode_text(text);
                slot.feed.publish(HubMsg::Frame { seq: meta.seq, ts: meta.ts, text: text.clone(), wire });
                Offer::Sent
            }
        }
    }

    /// Broadcast the frames after `last` and before `upto` from the log.
    /// True when the hole is filled.
    async fn fill(&self, match_id: &str, last: u64, upto: u64) -> bool {
        let missing = upto.saturating_sub(last + 1);
        if missing > self.config.max_repair as u64 {
            return false;
        }
        debug!(match_id, last, upto, "filling a hole in the live stream from the log");
        let frames = match self.store.since(match_id, last, usize::try_from(missing).unwrap_or(usize::MAX)).await {
            Ok(Since::Frames(frames)) => frames,
            Ok(Since::Unavailable) => return false,
            Err(e) => {
                self.metrics.store_error(&e);
                warn!(match_id, error = %e, "cannot fill a hole in the live stream");
                return false;
            }
        };
        self.metrics.gap_repairs.inc();
        self.offer_all(match_id, frames);
        self.lock().get(match_id).is_some_and(|slot| slot.last_seq.is_some_and(|s| s + 1 >= upto))
    }

    /// Offer log frames in order; stop at the first one out of place.
    fn offer_all(&self, match_id: &str, frames: Vec<String>) -> bool {
        for frame in frames {
            let Some(meta) = protocol::frame_meta(&frame) else { return false };
            if let Offer::Gap { .. } = self.offer(match_id, meta, &Utf8Bytes::from(frame), false) {
                return false;
            }
        }
        true
    }

    /// Send the match's viewers a reset and the current snapshot.
    async fn reset(&self, match_id: &str, hint: ResetReason) {
        if !self.lock().contains_key(match_id) {
            return;
        }
        let snapshot = self.store.snapshot(match_id).await.and_then(|snapshot| {
            let seq = match snapshot.as_deref() {
                None => 0,
                Some(json) => protocol::frame_seq(json).ok_or_else(|| StoreError::Corrupt {
                    what: "snapshot",
                    match_id: match_id.to_owned(),
                    message: "no numeric seq".into(),
                })?,
            };
            Ok((seq, snapshot))
        });
        let message = match snapshot {
            Ok((seq, snapshot)) => {
                let reason = if snapshot.is_none() && hint == ResetReason::CacheRebuilt {
                    ResetReason::MatchDeleted
                } else {
                    hint
                };
                info!(match_id, seq, reason = reason.as_str(), "resetting the match's viewers");
                HubMsg::Reset {
                    seq,
                    reset: protocol::reset_frame(match_id, reason).into(),
                    snapshot: protocol::snapshot_frame(match_id, seq, snapshot.as_deref()).into(),
                }
            }
            Err(e) => {
                self.metrics.store_error(&e);
                warn!(match_id, error = %e, "cannot read the snapshot for a reset; viewers reload it themselves");
                HubMsg::Resync { reason: hint }
            }
        };
        let mut slots = self.lock();
        if let Some(slot) = slots.get_mut(match_id) {
            slot.last_seq = match &message {
                HubMsg::Reset { seq, .. } => Some(*seq),
                _ => None,
            };
            slot.feed.publish(message);
        }
    }

    /// After the feed was lost: broadcast what was committed meanwhile.
    async fn catch_up(&self, id: &str) {
        let Some(last) = self.lock().get(id).map(|slot| slot.last_seq) else { return };
        match last {
            Some(last) => match self.store.since(id, last, self.config.max_repair + 1).await {
                Ok(Since::Frames(frames)) if frames.len() <= self.config.max_repair => {
                    if !frames.is_empty() {
                        self.metrics.gap_repairs.inc();
                    }
                    if !self.offer_all(id, frames) {
                        self.reset(id, ResetReason::Gap).await;
                    }
                }
                Ok(Since::Frames(_)) => self.reset(id, ResetReason::TooFarBehind).await,
                Ok(Since::Unavailable) => self.reset(id, ResetReason::LogUnavailable).await,
                Err(e) => {
                    self.metrics.store_error(&e);
                    self.resync(id, ResetReason::Gap);
                }
            },
            // Nothing broadcast yet: viewers know where they are, tell them
            // where the store is.
            None => match self.store.snapshot(id).await {
                Ok(snapshot) => {
                    if let Some(seq) = snapshot.as_deref().and_then(protocol::frame_seq)
                        && let Some(slot) = self.lock().get(id)
                    {
                        slot.feed.publish(HubMsg::Catchup { seq });
                    }
                }
                Err(e) => {
                    self.metrics.store_error(&e);
                    self.resync(id, ResetReason::Gap);
                }
            },
        }
    }

    fn resync(&self, id: &str, reason: ResetReason) {
        if let Some(slot) = self.lock().get_mut(id) {
            slot.last_seq = None;
            slot.feed.publish(HubMsg::Resync { reason });
        }
    }

    /// Send the whole lobby to lobby viewers (after a feed loss, updates
    /// may have been missed).
    async fn refresh_lobby(&self) {
        if self.lobby.receiver_count() == 0 {
            return;
        }
        match self.store.lobby().await {
            Ok(mut entries) => {
                protocol::sort_lobby(&mut entries);
                let text = protocol::lobby_frame(&entries).into();
                let _ = self.lobby.send(HubMsg::Lobby { text, kind: FrameType::Lobby });
            }
            Err(e) => {
                self.metrics.store_error(&e);
                warn!(error = %e, "cannot refresh the lobby after a feed loss");
            }
        }
    }
}

fn new_backoff() -> ExponentialBackoff {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(100))
        .with_max_delay(Duration::from_secs(5))
        .with_jitter()
        .without_max_times()
        .build()
}
