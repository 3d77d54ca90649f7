//! The commit of one consumer batch to Redis as an optimistic transaction:
//! `WATCH seq` + `GET seq`, then (when the stored seq is the batch's
//! `prev_seq`) `MULTI` … `EXEC` writing state, snapshot, seq, the log
//! frames (one `RPUSH`), the live notification (one `PUBLISH` of the frames
//! joined by `\n`) and the TTLs. `EXEC` does nothing and answers nil when
//! the seq changed after the `WATCH`: another writer got there first.
//!
//! Why not a Lua script: Redis interns every string a script touches, and
//! its Lua hashes each one over all of its bytes, so a batch of frames
//! passed through a script is hashed once as arguments and again (several
//! times) while `table.concat` joins them. With ~2 KB frames that hashing
//! was ~60 % of Redis's time per event. A transaction moves the bytes
//! without looking at them. Two round trips per batch instead of one, on
//! a connection of its own.
//!
//! `WATCH` state belongs to a connection, so a transaction needs a
//! connection no other command uses meanwhile: [`CommitPool`] lends
//! dedicated connections, one commit at a time each, creating them on
//! demand up to [`COMMIT_CONNECTIONS`]; a connection that failed is
//! dropped, not returned.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, RedisError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::CommitBatch;
use super::keys;

/// Most dedicated commit connections per store (concurrent commits).
pub const COMMIT_CONNECTIONS: usize = 8;

/// Dedicated connections for commit transactions.
pub(crate) struct CommitPool {
    client: redis::Client,
    config: AsyncConnectionConfig,
    idle: Mutex<Vec<MultiplexedConnection>>,
    slots: std::sync::Arc<Semaphore>,
}

/// A connection lent for one commit; given back with [`Lent::give_back`]
/// once it is known to be clean (nothing watched, no error).
pub(crate) struct Lent<'a> {
    pool: &'a CommitPool,
    pub(crate) conn: MultiplexedConnection,
    _slot: OwnedSemaphorePermit,
}

impl Lent<'_> {
    /// Return the connection to the pool for the next commit.
    pub(crate) fn give_back(self) {
        let Lent { pool, conn, _slot } = self;
        pool.idle.lock().unwrap_or_else(PoisonError::into_inner).push(conn);
    }
}

impl CommitPool {
    pub(crate) fn new(client: redis::Client, connect_timeout: Duration, response_timeout: Duration) -> Self {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(connect_timeout))
            .set_response_timeout(Some(response_timeout));
        CommitPool {
            client,
            config,
            idle: Mutex::new(Vec::new()),
            slots: std::sync::Arc::new(Semaphore::new(COMMIT_CONNECTIONS)),
        }
    }

    /// A connection of its own (an idle one, or a new one).
    pub(crate) async fn lend(&self) -> Result<Lent<'_>, RedisError> {
        let slot = std::sync::Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .map_err(|_| RedisError::from((redis::ErrorKind::Client, "commit pool closed")))?;
        let idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.client.get_multiplexed_async_connection_with_config(&self.config).await?,
        };
        Ok(Lent { pool: self, conn, _slot: slot })
    }
}

/// What the transaction found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TxnOutcome {
    Committed,
    /// The store holds this seq, not the batch's `prev_seq` (nothing written).
    Conflict(u64),
}

/// Why the transaction failed: a Redis error, or a stored seq that is not
/// a number.
#[derive(Debug)]
pub(crate) enum TxnError {
    Redis(RedisError),
    BadSeq(String),
}

impl From<RedisError> for TxnError {
    fn from(e: RedisError) -> Self {
        TxnError::Redis(e)
    }
}

fn parse_stored(text: Option<String>) -> Result<u64, TxnError> {
    match text {
        None => Ok(0),
        Some(text) => text.parse().map_err(|e| TxnError::BadSeq(format!("{text:?}: {e}"))),
    }
}

/// The frames joined by `\n`: the live channel's message.
#[must_use]
pub(crate) fn joined(frames: &[String]) -> String {
    let mut out = String::with_capacity(frames.iter().map(|f| f.len() + 1).sum());
    for (i, frame) in frames.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(frame);
    }
    out
}

/// Commit `batch` (state already serialized as `state_json`) on a lent
/// connection. The connection is given back unless a command failed.
pub(crate) async fn commit(
    pool: &CommitPool,
    batch: &CommitBatch,
    state_json: &str,
    expire_ms: Option<u64>,
) -> Result<TxnOutcome, TxnError> {
    let id = batch.match_id.as_str();
    let seq_key = keys::seq(id);
    let mut lent = pool.lend().await?;
    let (stored,): (Option<String>,) =
        redis::pipe().cmd("WATCH").arg(&seq_key).ignore().cmd("GET").arg(&seq_key).query_async(&mut lent.conn).await?;
    let stored = parse_stored(stored)?;
    if stored != batch.prev_seq {
        redis::cmd("UNWATCH").exec_async(&mut lent.conn).await?;
        lent.give_back();
        return Ok(TxnOutcome::Conflict(stored));
    }
    let keys = [keys::state(id), keys::snapshot(id), seq_key, keys::log(id)];
    let mut pipe = redis::pipe();
    pipe.atomic()
        .cmd("SET")
        .arg(&keys[0])
        .arg(state_json)
        .ignore()
        .cmd("SET")
        .arg(&keys[1])
        .arg(&batch.snapshot)
        .ignore()
        .cmd("SET")
        .arg(&keys[2])
        .arg(batch.state.seq)
        .ignore();
    if !batch.frames.is_empty() {
        pipe.cmd("RPUSH").arg(&keys[3]).arg(&batch.frames).ignore();
        pipe.cmd("PUBLISH").arg(keys::live(id)).arg(joined(&batch.frames)).ignore();
    }
    match expire_ms {
        Some(ms) => {
            for key in &keys {
                pipe.cmd("PEXPIRE").arg(key).arg(ms).ignore();
            }
        }
        // SET already cleared any TTL on the strings; keep the log in step.
        None => {
            pipe.cmd("PERSIST").arg(&keys[3]).ignore();
        }
    }
    // EXEC answers nil (None) when the watched seq changed: nothing written.
    let done: Option<()> = pipe.query_async(&mut lent.conn).await?;
    if done.is_some() {
        lent.give_back();
        return Ok(TxnOutcome::Committed);
    }
    let now: Option<String> = redis::cmd("GET").arg(&keys[2]).query_async(&mut lent.conn).await?;
    lent.give_back();
    Ok(TxnOutcome::Conflict(parse_stored(now)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_join_with_newlines() {
        assert_eq!(joined(&[]), "");
        assert_eq!(joined(&["a".into()]), "a");
        assert_eq!(joined(&["{\"seq\":1}".into(), "{\"seq\":2}".into()]), "{\"seq\":1}\n{\"seq\":2}");
    }

    #[test]
    fn stored_seq_parses() {
        assert!(matches!(parse_stored(None), Ok(0)));
        assert!(matches!(parse_stored(Some("42".into())), Ok(42)));
        assert!(matches!(parse_stored(Some("x".into())), Err(TxnError::BadSeq(_))));
    }
}
