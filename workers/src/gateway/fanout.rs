//! One match's fan-out: a bounded ring of the match's messages and its
//! viewers' connections, in shards, each shard written by a task of its
//! own.
//!
//! A burst (one event to thousands of viewers) is written by the shard
//! tasks straight into the viewers' sockets, a few hundred connections
//! each, spread over the runtime's worker threads: no task wake-up per
//! viewer, and the metrics are counted per chunk, not per frame. Only a
//! connection that cannot take a frame at once (its socket is full), or
//! that is catching up (just subscribed, fell behind, a reset or a hole),
//! is handed to its own send task, which reads the ring from where that
//! connection is (see [`Feed::next`]) and goes back to direct delivery once
//! caught up.
//!
//! The ring keeps the last `capacity` messages: how far a connection may
//! fall behind before it lags (as a broadcast channel's capacity does), so
//! memory never grows with a slow client.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use super::conn::{Conn, FeedKey, Offered};
use super::hub::HubMsg;
use super::metrics::GatewayMetrics;
use crate::clock::now_ms;
use crate::protocol::FrameType;

/// Most connections per shard (one writer task each).
const SHARD_SIZE: usize = 256;
/// Connections written per hold of a shard's lock.
const CHUNK: usize = 64;
/// A shard writer yields after offering this many frames in a row.
const YIELD_AFTER: usize = 4 * SHARD_SIZE;

/// The fan-out of one match. Created by the hub per match with viewers.
pub(crate) struct MatchFeed {
    ring: Mutex<Ring>,
    capacity: usize,
    closed: AtomicBool,
    metrics: GatewayMetrics,
}

struct Ring {
    messages: VecDeque<HubMsg>,
    /// Position of `messages[0]`.
    first: u64,
    shards: Vec<Arc<Shard>>,
}

impl Ring {
    /// Position of the next message.
    fn end(&self) -> u64 {
        self.first + self.messages.len() as u64
    }

    fn get(&self, position: u64) -> Option<&HubMsg> {
        self.messages.get(usize::try_from(position.checked_sub(self.first)?).ok()?)
    }
}

struct Shard {
    members: Mutex<Members>,
    wake: Notify,
}

#[derive(Default)]
struct Members {
    /// Stable positions (a leaving member leaves a hole for the next one).
    slots: Vec<Option<Member>>,
    free: Vec<usize>,
    len: usize,
}

struct Member {
    conn: Arc<Conn>,
    key: FeedKey,
}

/// What a connection's send task reads next from its feed.
pub(crate) enum Next {
    /// A message to handle.
    Message(HubMsg),
    /// The ring moved on: this many messages were missed.
    Lagged(u64),
    /// Nothing left: the fan-out writes this feed's frames from now on.
    CaughtUp,
}

/// A connection's membership of a match's fan-out; leaves it on drop.
pub(crate) struct Feed {
    feed: Arc<MatchFeed>,
    shard: Arc<Shard>,
    position: usize,
    conn: Arc<Conn>,
    key: FeedKey,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section leaves its data consistent.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl MatchFeed {
    pub(crate) fn new(capacity: usize, metrics: GatewayMetrics) -> Arc<MatchFeed> {
        Arc::new(MatchFeed {
            ring: Mutex::new(Ring { messages: VecDeque::new(), first: 0, shards: Vec::new() }),
            capacity: capacity.max(1),
            closed: AtomicBool::new(false),
            metrics,
        })
    }

    /// Append a message and wake the shard writers.
    pub(crate) fn publish(&self, message: HubMsg) {
        let mut ring = lock(&self.ring);
        ring.messages.push_back(message);
        while ring.messages.len() > self.capacity {
            ring.messages.pop_front();
            ring.first += 1;
        }
        for shard in &ring.shards {
            shard.wake.notify_one();
        }
    }

    /// The match has no viewers here any more: stop the writers.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        for shard in &lock(&self.ring).shards {
            shard.wake.notify_one();
        }
    }

    /// Add a connection. It gets every message published after this
    /// returns; its send task attaches the feed (see [`Feed::next`]).
    pub(crate) fn join(self: &Arc<Self>, conn: &Arc<Conn>) -> Feed {
        let mut ring = lock(&self.ring);
        let key = conn.lock().add_feed(ring.end());
        let member = Member { conn: Arc::clone(conn), key };
        let open = ring.shards.iter().find(|s| lock(&s.members).len < SHARD_SIZE).cloned();
        let shard = open.unwrap_or_else(|| {
            let shard = Arc::new(Shard { members: Mutex::new(Members::default()), wake: Notify::new() });
            ring.shards.push(Arc::clone(&shard));
            // Unconstrained: the cooperative budget would make the socket
            // writes of a burst fail (as if full) after the first 128; the
            // writer yields by itself instead.
            tokio::spawn(tokio::task::unconstrained(write_shard(Arc::clone(self), Arc::clone(&shard), ring.end())));
            shard
        });
        let position = {
            let mut members = lock(&shard.members);
            members.len += 1;
            match members.free.pop() {
                Some(position) => {
                    members.slots[position] = Some(member);
                    position
                }
                None => {
                    members.slots.push(Some(member));
                    members.slots.len() - 1
                }
            }
        };
        drop(ring);
        Feed { feed: Arc::clone(self), shard, position, conn: Arc::clone(conn), key }
    }
}

impl Feed {
    /// The next message for the send task, while the feed is not direct;
    /// when there is none, the feed becomes direct.
    pub(crate) fn next(&self) -> Next {
        let ring = lock(&self.feed.ring);
        let mut conn = self.conn.lock();
        let Some(state) = conn.feed(self.key) else { return Next::CaughtUp };
        if self.feed.closed.load(Ordering::Acquire) {
            return Next::CaughtUp;
        }
        if state.cursor < ring.first {
            let missed = ring.first - state.cursor;
            state.cursor = ring.first;
            return Next::Lagged(missed);
        }
        match ring.get(state.cursor) {
            Some(message) => {
                state.cursor += 1;
                Next::Message(message.clone())
            }
            None => {
                state.direct = true;
                Next::CaughtUp
            }
        }
    }

    /// Seq of the last frame of the match written to the connection.
    pub(crate) fn last_sent(&self) -> u64 {
        self.conn.lock().feed(self.key).map_or(0, |f| f.last_sent)
    }

    pub(crate) fn set_last_sent(&self, seq: u64) {
        if let Some(state) = self.conn.lock().feed(self.key) {
            state.last_sent = seq;
        }
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        {
            let mut members = lock(&self.shard.members);
            if members.slots.get(self.position).is_some_and(Option::is_some) {
                members.slots[self.position] = None;
                members.free.push(self.position);
                members.len -= 1;
            }
        }
        // Only now: a writer holding the shard lock may still have used it.
        self.conn.lock().remove_feed(self.key);
    }
}

/// One shard's writer: every message of the ring, in order, to the
/// shard's direct connections.
async fn write_shard(feed: Arc<MatchFeed>, shard: Arc<Shard>, mut next: u64) {
    loop {
        shard.wake.notified().await;
        let mut offered = 0;
        loop {
            if feed.closed.load(Ordering::Acquire) {
                return;
            }
            let step = {
                let ring = lock(&feed.ring);
                if next < ring.first { Err(ring.first) } else { Ok(ring.get(next).cloned()) }
            };
            match step {
                Ok(None) => break,
                Ok(Some(message)) => {
                    offered += shard.deliver(next, &message, &feed.metrics);
                    next += 1;
                }
                Err(first) => {
                    shard.fell_behind(first);
                    next = first;
                }
            }
            // Everything published so far in one go (a batch's frames
            // back to back), but other tasks get a turn now and then.
            if offered >= YIELD_AFTER {
                offered = 0;
                tokio::task::yield_now().await;
            }
        }
    }
}

impl Shard {
    /// Offer message `index` to every member, a chunk at a time; count
    /// what was written once per chunk. Returns the members offered it.
    fn deliver(&self, index: u64, message: &HubMsg, metrics: &GatewayMetrics) -> usize {
        let ts = match message {
            HubMsg::Frame { ts, .. } => *ts,
            _ => None,
        };
        let mut start = 0;
        loop {
            let mut sent = 0u64;
            {
                let members = lock(&self.members);
                if start >= members.slots.len() {
                    return start;
                }
                let end = (start + CHUNK).min(members.slots.len());
                for member in members.slots[start..end].iter().flatten() {
                    let offered = member.conn.lock().offer(member.key, index, message);
                    match offered {
                        Offered::Sent => sent += 1,
                        Offered::SentPending => {
                            sent += 1;
                            member.conn.notify_task();
                        }
                        Offered::HandedOff => member.conn.notify_task(),
                        Offered::Skipped => {}
                    }
                }
                start = end;
            }
            if sent > 0 {
                metrics.sent_n(FrameType::Event, sent);
                if let Some(ts) = ts {
                    #[allow(clippy::cast_precision_loss)]
                    let seconds = now_ms().saturating_sub(ts).max(0) as f64 / 1000.0;
                    metrics.publish_to_send_seconds.observe_n(seconds, sent);
                }
            }
        }
    }

    /// The writer missed messages before `first`: their direct members go
    /// to their send tasks.
    fn fell_behind(&self, first: u64) {
        let members = lock(&self.members);
        for member in members.slots.iter().flatten() {
            if member.conn.lock().behind(member.key, first) {
                member.conn.notify_task();
            }
        }
    }
}
