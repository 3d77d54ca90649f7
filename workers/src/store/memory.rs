//! The in-process stand-in for Redis, used by the demo and by tests.
//!
//! Same semantics as [`super::redis::RedisStore`], checked by the same
//! behavioural tests (`workers/tests/redis_store.rs`):
//! * commit checks `prev_seq` against the stored seq (missing = 0) and
//!   writes nothing on a conflict,
//! * the log is gap-free (frame of seq `s` at index `s-1`),
//! * a finished match (`expire_after`) disappears after that long, its
//!   lobby entry included,
//! * the lobby never goes back to an entry with a lower seq and announces
//!   only changed entries,
//! * each live feed gets the messages of the channels it subscribed to,
//!   through its own bounded queue of [`FEED_CAPACITY`] messages; a feed
//!   that falls that far behind is closed (its stream ends, as a Redis feed
//!   ends when its connection drops) rather than silently losing messages.
//!
//! State sits behind one `std::sync::Mutex`, held only in short sections
//! that never `.await`. Time is `tokio::time::Instant`, so tests can pause
//! the clock.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::BoxStream;
use livematch_sports::MatchState;
use livematch_sports::engine::LobbyEntry;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_stream::wrappers::ReceiverStream;

use super::{CommitBatch, CommitOutcome, Live, LiveControl, Since, Store, StoreError};

/// Messages a live feed may have queued before it is closed as too slow.
pub const FEED_CAPACITY: usize = 4096;

/// The match cache in process memory. Cheap to clone: clones share data.
#[derive(Clone, Default)]
pub struct MemoryStore {
    data: Arc<Mutex<Data>>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Data {
    matches: HashMap<String, Stored>,
    lobby: HashMap<String, LobbySlot>,
    feeds: HashMap<u64, Feed>,
    next_feed: u64,
}

struct Stored {
    state: MatchState,
    snapshot: String,
    log: Vec<String>,
    expires: Option<Instant>,
}

struct LobbySlot {
    entry: LobbyEntry,
    expires: Option<Instant>,
}

struct Feed {
    matches: HashSet<String>,
    lobby: bool,
    tx: mpsc::Sender<Live>,
}

/// Who a live message is for.
enum Audience<'a> {
    Match(&'a str),
    Lobby,
}

impl Feed {
    fn wants(&self, audience: &Audience<'_>) -> bool {
        match audience {
            Audience::Match(id) => self.matches.contains(*id),
            Audience::Lobby => self.lobby,
        }
    }
}

fn expired(expires: Option<Instant>, now: Instant) -> bool {
    expires.is_some_and(|at| at <= now)
}

impl Data {
    /// The match's data, unless absent or expired (then it is dropped).
    fn current(&mut self, match_id: &str, now: Instant) -> Option<&mut Stored> {
        if self.matches.get(match_id).is_some_and(|m| expired(m.expires, now)) {
            self.matches.remove(match_id);
        }
        self.matches.get_mut(match_id)
    }

    /// Queue a message on every feed that wants it; close feeds that are
    /// full or whose stream was dropped.
    fn publish(&mut self, audience: &Audience<'_>, message: &Live) {
        self.feeds.retain(|feed_id, feed| {
            if !feed.wants(audience) {
                return !feed.tx.is_closed();
            }
            match feed.tx.try_send(message.clone()) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    tracing::warn!(
                        feed = feed_id,
                        capacity = FEED_CAPACITY,
                        "in-memory live feed too slow: closing it"
                    );
                    false
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            }
        });
    }

    /// Write a lobby entry unless a newer one is stored; announce it if it
    /// changed.
    fn put_lobby(&mut self, entry: &LobbyEntry, expires: Option<Instant>, now: Instant) {
        let current = self.lobby.get(&entry.id).filter(|slot| !expired(slot.expires, now));
        if current.is_some_and(|slot| slot.entry.seq > entry.seq) {
            return;
        }
        let changed = current.is_none_or(|slot| slot.entry != *entry);
        self.lobby.insert(entry.id.clone(), LobbySlot { entry: entry.clone(), expires });
        if changed {
            match serde_json::to_string(entry) {
                Ok(json) => self.publish(&Audience::Lobby, &Live::Lobby(json)),
                Err(e) => tracing::error!(match_id = %entry.id, error = %e, "lobby entry does not serialize"),
            }
        }
    }
}

/// Check that a batch is internally consistent: one frame per new seq,
/// all for the batch's match, none containing a newline (frames are joined
/// by `\n` on the live channel). Both stores reject a bad batch before
/// writing anything.
pub(crate) fn check_batch(batch: &CommitBatch) -> Result<(), StoreError> {
    let bad = |message: String| StoreError::Command {
        command: "commit",
        match_id: batch.match_id.clone(),
        message: format!("invalid batch: {message}"),
    };
    if batch.state.match_id != batch.match_id {
        return Err(bad(format!("state is for match {}", batch.state.match_id)));
    }
    if batch.lobby.id != batch.match_id {
        return Err(bad(format!("lobby entry is for match {}", batch.lobby.id)));
    }
    let new = batch.state.seq.checked_sub(batch.prev_seq);
    if new != u64::try_from(batch.frames.len()).ok() {
        return Err(bad(format!(
            "{} frames for seqs {}..={}",
            batch.frames.len(),
            batch.prev_seq.saturating_add(1),
            batch.state.seq
        )));
    }
    if let Some(i) = batch.frames.iter().position(|f| f.contains('\n')) {
        return Err(bad(format!("frame for seq {} contains a newline", batch.prev_seq + 1 + i as u64)));
    }
    Ok(())
}

impl MemoryStore {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Data> {
        // A panic while holding the lock cannot leave `Data` half-updated in a
        // way later readers would misread more than the panic itself did.
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn load_state(&self, match_id: &str) -> Result<Option<MatchState>, StoreError> {
        let now = Instant::now();
        Ok(self.lock().current(match_id, now).map(|m| m.state.clone()))
    }

    async fn commit(&self, batch: &CommitBatch) -> Result<CommitOutcome, StoreError> {
        check_batch(batch)?;
        let now = Instant::now();
        let expires = expire_millis(batch.expire_after).and_then(|ms| now.checked_add(Duration::from_millis(ms)));
        let id = batch.match_id.as_str();
        let mut data = self.lock();
        let stored_seq = data.current(id, now).map_or(0, |m| m.state.seq);
        if stored_seq != batch.prev_seq {
            if stored_seq == batch.state.seq {
                // A retry of a batch that did commit: make sure its lobby
                // entry is there too (idempotent, as in Redis).
                data.put_lobby(&batch.lobby, expires, now);
            }
            return Ok(CommitOutcome::Conflict { stored_seq });
        }
        let stored = data.matches.entry(id.to_owned()).or_insert_with(|| Stored {
            state: batch.state.clone(),
            snapshot: String::new(),
            log: Vec::new(),
            expires: None,
        });
        stored.state.clone_from(&batch.state);
        stored.snapshot.clone_from(&batch.snapshot);
        stored.log.extend(batch.frames.iter().cloned());
        stored.expires = expires;
        if !batch.frames.is_empty() {
            let message = Live::Frames { match_id: id.to_owned(), frames: batch.frames.clone() };
            data.publish(&Audience::Match(id), &message);
        }
        data.put_lobby(&batch.lobby, expires, now);
        Ok(CommitOutcome::Committed)
    }

    async fn snapshot(&self, match_id: &str) -> Result<Option<String>, StoreError> {
        let now = Instant::now();
        Ok(self.lock().current(match_id, now).map(|m| m.snapshot.clone()))
    }

    async fn since(&self, match_id: &str, since: u64, limit: usize) -> Result<Since, StoreError> {
        let now = Instant::now();
        let mut data = self.lock();
        let Some(stored) = data.current(match_id, now) else {
            return Ok(Since::Unavailable);
        };
        if since > stored.state.seq {
            return Ok(Since::Unavailable);
        }
        let start = usize::try_from(since).unwrap_or(usize::MAX).min(stored.log.len());
        let end = start.saturating_add(limit).min(stored.log.len());
        Ok(Since::Frames(stored.log[start..end].to_vec()))
    }

    async fn lobby(&self) -> Result<Vec<LobbyEntry>, StoreError> {
        let now = Instant::now();
        let mut data = self.lock();
        data.lobby.retain(|_, slot| !expired(slot.expires, now));
        let mut entries: Vec<LobbyEntry> = data.lobby.values().map(|slot| slot.entry.clone()).collect();
        drop(data);
        entries.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(entries)
    }

    async fn announce_rebuilt(&self, match_id: &str) -> Result<(), StoreError> {
        self.lock().publish(&Audience::Match(match_id), &Live::Reset { match_id: match_id.to_owned() });
        Ok(())
    }

    async fn delete_match(&self, match_id: &str) -> Result<(), StoreError> {
        let mut data = self.lock();
        data.matches.remove(match_id);
        data.lobby.remove(match_id);
        data.publish(&Audience::Match(match_id), &Live::Reset { match_id: match_id.to_owned() });
        drop(data);
        tracing::info!(match_id, "deleted match from the in-memory store");
        Ok(())
    }

    async fn live(&self) -> Result<(Box<dyn LiveControl>, BoxStream<'static, Live>), StoreError> {
        let (tx, rx) = mpsc::channel(FEED_CAPACITY);
        let mut data = self.lock();
        let feed = data.next_feed;
        data.next_feed += 1;
        data.feeds.insert(feed, Feed { matches: HashSet::new(), lobby: false, tx });
        drop(data);
        let control = MemoryLive { store: self.clone(), feed };
        Ok((Box::new(control), ReceiverStream::new(rx).boxed()))
    }
}

/// Subscriptions of one in-memory live feed.
struct MemoryLive {
    store: MemoryStore,
    feed: u64,
}

impl MemoryLive {
    fn update(&self, match_id: &str, change: impl FnOnce(&mut Feed)) -> Result<(), StoreError> {
        let mut data = self.store.lock();
        match data.feeds.get_mut(&self.feed) {
            Some(feed) if !feed.tx.is_closed() => {
                change(feed);
                Ok(())
            }
            _ => Err(StoreError::Connection(format!(
                "in-memory live feed {} is closed (dropped or too slow), cannot change subscription to {match_id}",
                self.feed
            ))),
        }
    }
}

#[async_trait]
impl LiveControl for MemoryLive {
    async fn subscribe(&self, match_id: &str) -> Result<(), StoreError> {
        self.update(match_id, |feed| {
            feed.matches.insert(match_id.to_owned());
        })
    }

    async fn unsubscribe(&self, match_id: &str) -> Result<(), StoreError> {
        self.update(match_id, |feed| {
            feed.matches.remove(match_id);
        })
    }

    async fn subscribe_lobby(&self) -> Result<(), StoreError> {
        self.update("the lobby", |feed| feed.lobby = true)
    }
}

/// The longest expiry honoured (100 years): Redis rejects `PEXPIRE` times
/// that overflow its clock.
const MAX_EXPIRE_MS: u64 = 100 * 365 * 24 * 3600 * 1000;

/// The `expire_after` of a batch in whole milliseconds (Redis `PEXPIRE`
/// units), at least 1 and at most [`MAX_EXPIRE_MS`]; `None` stays `None`.
pub(crate) fn expire_millis(after: Option<Duration>) -> Option<u64> {
    after.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX).clamp(1, MAX_EXPIRE_MS))
}

#[cfg(test)]
mod tests {
    use super::*;
    use livematch_sports::Sport;

    fn batch(prev: u64, frames: &[&str]) -> CommitBatch {
        let mut state = MatchState::new("m1", Sport::Cricket);
        state.seq = prev + frames.len() as u64;
        CommitBatch {
            match_id: "m1".into(),
            prev_seq: prev,
            lobby: state.lobby_entry(),
            snapshot: state.snapshot_text(),
            state,
            frames: frames.iter().map(|f| (*f).to_owned()).collect(),
            expire_after: None,
        }
    }

    #[test]
    fn consistent_batches_pass_the_check() {
        assert!(check_batch(&batch(0, &["a", "b"])).is_ok());
        assert!(check_batch(&batch(7, &[])).is_ok());
    }

    #[test]
    fn inconsistent_batches_are_rejected() {
        let mut b = batch(0, &["a", "b"]);
        b.state.seq = 3;
        assert!(matches!(check_batch(&b), Err(StoreError::Command { command: "commit", .. })));

        let mut b = batch(5, &["a"]);
        b.state.seq = 4;
        assert!(check_batch(&b).is_err());

        let mut b = batch(0, &["a"]);
        b.state.match_id = "m2".into();
        assert!(check_batch(&b).is_err());

        let mut b = batch(0, &["a"]);
        b.lobby.id = "m2".into();
        assert!(check_batch(&b).is_err());

        let err = check_batch(&batch(0, &["a", "b\nc"])).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("seq 2 contains a newline"), "{err}");
    }

    #[test]
    fn expiry_is_whole_milliseconds_never_zero() {
        assert_eq!(expire_millis(None), None);
        assert_eq!(expire_millis(Some(Duration::ZERO)), Some(1));
        assert_eq!(expire_millis(Some(Duration::from_micros(1500))), Some(1));
        assert_eq!(expire_millis(Some(Duration::from_secs(3600))), Some(3_600_000));
        assert_eq!(expire_millis(Some(Duration::MAX)), Some(MAX_EXPIRE_MS));
    }

    #[tokio::test(start_paused = true)]
    async fn finished_match_expires_with_the_clock() -> Result<(), StoreError> {
        let store = MemoryStore::new();
        let mut b = batch(0, &["a"]);
        b.expire_after = Some(Duration::from_secs(600));
        assert_eq!(store.commit(&b).await?, CommitOutcome::Committed);
        tokio::time::advance(Duration::from_secs(599)).await;
        assert!(store.load_state("m1").await?.is_some());
        assert_eq!(store.lobby().await?.len(), 1);
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(store.load_state("m1").await?.is_none());
        assert_eq!(store.since("m1", 0, 10).await?, Since::Unavailable);
        assert!(store.lobby().await?.is_empty());
        Ok(())
    }

    #[tokio::test]
    async fn a_slow_feed_is_closed_not_truncated() -> Result<(), StoreError> {
        let store = MemoryStore::new();
        let (control, mut stream) = store.live().await?;
        control.subscribe("m1").await?;
        for prev in 0..=FEED_CAPACITY as u64 {
            store.commit(&batch(prev, &["f"])).await?;
        }
        let mut received = 0;
        while stream.next().await.is_some() {
            received += 1;
        }
        assert_eq!(received, FEED_CAPACITY);
        assert!(control.subscribe("m2").await.is_err());
        Ok(())
    }
}
