//! The match cache and live channel (Redis, or the in-memory stand-in).
//!
//! Per match (all keys share the hash tag `{match-id}` so a Redis Cluster
//! works unchanged, see [`keys`]):
//! * the engine state (to continue folding) and the viewers' snapshot,
//! * the ordered event log: one frame per sequence number, for resuming,
//! * a live channel: each committed batch is published as its frames joined
//!   by `\n`,
//!
//! and one lobby index of all matches with a one-line summary, plus a lobby
//! channel announcing changed entries.

use std::time::Duration;

use async_trait::async_trait;
use futures::stream::BoxStream;
use livematch_sports::MatchState;
use livematch_sports::engine::LobbyEntry;

pub mod keys;
pub mod memory;
pub mod redis;
mod redis_txn;

/// What went wrong talking to the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("redis connection: {0}")]
    Connection(String),
    #[error("redis command {command} for match {match_id}: {message}")]
    Command { command: &'static str, match_id: String, message: String },
    #[error("stored {what} for match {match_id} is corrupt: {message}")]
    Corrupt { what: &'static str, match_id: String, message: String },
}

impl StoreError {
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            StoreError::Connection(_) => "connection",
            StoreError::Command { .. } => "command",
            StoreError::Corrupt { .. } => "corrupt",
        }
    }
}

/// Everything one consumer batch writes, atomically.
#[derive(Debug, Clone)]
pub struct CommitBatch {
    pub match_id: String,
    /// The seq the store must currently hold (0: nothing stored). If it
    /// holds another, nothing is written and [`CommitOutcome::Conflict`]
    /// is returned: another replica got there first.
    pub prev_seq: u64,
    /// The engine state after the batch (its `seq` is the new seq).
    pub state: MatchState,
    /// The viewers' snapshot JSON after the batch.
    pub snapshot: String,
    /// Event frames, one per sequence number `prev_seq+1 ..= state.seq`
    /// (a parked event still gets a frame, so the log has no holes).
    pub frames: Vec<String>,
    /// The lobby entry after the batch.
    pub lobby: LobbyEntry,
    /// Set when the match finished: its keys expire after this long.
    pub expire_after: Option<Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitOutcome {
    Committed,
    /// The store held `stored_seq`, not the batch's `prev_seq`.
    Conflict {
        stored_seq: u64,
    },
}

/// The events after a sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Since {
    /// Frames for `since+1 ..= latest`, in order (maybe empty).
    Frames(Vec<String>),
    /// The log no longer reaches back that far (or the match is unknown):
    /// the client must start over from a snapshot.
    Unavailable,
}

/// A message on a live channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Live {
    /// Frames of one committed batch of a match, in order.
    Frames { match_id: String, frames: Vec<String> },
    /// A changed lobby entry (JSON of [`LobbyEntry`]).
    Lobby(String),
    /// A match's cache was reset (rebuilt from the log): viewers must
    /// reload its snapshot.
    Reset { match_id: String },
}

/// The cache as the consumer and the gateway see it.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The engine state last committed for a match.
    async fn load_state(&self, match_id: &str) -> Result<Option<MatchState>, StoreError>;

    /// Write one batch atomically: state, snapshot, log frames, live
    /// notification (then the lobby entry).
    async fn commit(&self, batch: &CommitBatch) -> Result<CommitOutcome, StoreError>;

    /// The seq the store holds for a match (0: nothing stored, e.g. after
    /// the cache was flushed). The consumer compares it with the seq it
    /// wrote last to notice a lost cache while the match is idle.
    async fn stored_seq(&self, match_id: &str) -> Result<u64, StoreError> {
        Ok(self.load_state(match_id).await?.map_or(0, |s| s.seq))
    }

    /// Tell a match's viewers its cache was rebuilt from the topic: every
    /// gateway sends them a `reset` (`cache_rebuilt`) and the new snapshot.
    async fn announce_rebuilt(&self, match_id: &str) -> Result<(), StoreError>;

    /// The viewers' snapshot JSON (it carries its own `seq`).
    async fn snapshot(&self, match_id: &str) -> Result<Option<String>, StoreError>;

    /// Frames after `since`, at most `limit` of them counted from `since+1`.
    async fn since(&self, match_id: &str, since: u64, limit: usize) -> Result<Since, StoreError>;

    /// Every match in the lobby.
    async fn lobby(&self) -> Result<Vec<LobbyEntry>, StoreError>;

    /// Remove everything stored for a match (lobby entry included) and tell
    /// viewers with a [`Live::Reset`].
    async fn delete_match(&self, match_id: &str) -> Result<(), StoreError>;

    /// A live feed: one connection's subscriptions (Redis: one pub/sub
    /// connection), controlled through the handle while the stream yields
    /// messages. The stream ends when the connection is lost.
    async fn live(&self) -> Result<(Box<dyn LiveControl>, BoxStream<'static, Live>), StoreError>;
}

/// Subscribe to matches (and the lobby) as viewers come and go.
#[async_trait]
pub trait LiveControl: Send + Sync {
    async fn subscribe(&self, match_id: &str) -> Result<(), StoreError>;
    async fn unsubscribe(&self, match_id: &str) -> Result<(), StoreError>;
    async fn subscribe_lobby(&self) -> Result<(), StoreError>;
}
