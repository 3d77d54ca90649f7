//! The match cache in Redis (Redis >= 5; key layout in [`super::keys`]).
//!
//! * Commands go through one [`ConnectionManager`] (multiplexed, reconnects
//!   by itself), cloned per call.
//! * A commit is one pipelined transaction ([`super::redis_txn`]): `WATCH`
//!   the seq, a small script that checks it against the batch's previous
//!   seq, then one `MULTI`…`EXEC` that writes state, snapshot and seq,
//!   appends the frames to the log, publishes them (joined by `\n`) on the
//!   match's channel and sets the TTLs of a finished match; `EXEC` writes
//!   nothing when the check failed or the seq moved meanwhile. One round
//!   trip per batch, whatever its size, and the frames never pass through
//!   Lua. At most [`COMMIT_SLOTS`] commits of a store are in flight.
//! * Then the lobby entry is written by `lobby_put.lua` (a second round
//!   trip: the lobby is in another cluster slot, and it must be written only
//!   when the commit went through). That script never replaces an entry by
//!   one with a lower seq (two consumers racing cannot roll the lobby back),
//!   records the expiry of a finished match in `lm:{lobby}:expiry`, and
//!   publishes on `lm:lobby:live` only an entry that changed.
//! * A commit that finds the store already at the batch's own seq (a retry
//!   whose first reply was lost) reports [`CommitOutcome::Conflict`] but
//!   writes the lobby entry again, so the retry heals a lobby write that
//!   failed after the commit.
//! * [`Store::lobby`] runs `lobby_list.lua`: drop entries past their expiry,
//!   return the rest (sorted by match id here).
//! * [`Store::live`] opens one dedicated pub/sub connection per call; its
//!   stream ends when that connection drops.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::stream::BoxStream;
use futures::{StreamExt, future, stream};
use livematch_sports::MatchState;
use livematch_sports::engine::LobbyEntry;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, PubSubSink};
use redis::{Msg, RedisError, Script};
use tokio::sync::Semaphore;

use super::memory::{check_batch, expire_millis};
use super::redis_txn::{self, TxnError, TxnOutcome};
use super::{CommitBatch, CommitOutcome, Live, LiveControl, Since, Store, StoreError, keys};

/// How long to wait for a TCP connection to Redis.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long to wait for a reply (a commit of a thousand frames included).
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
/// Most commits of one store in flight at once. A commit's pipeline holds
/// its batch's frames twice (log and live channel); many consumers in one
/// process (the demo, the benchmark) committing big batches together would
/// otherwise hold them all at once, in memory first touched for each. A
/// few in flight keep Redis busy all the same: it runs one at a time.
const COMMIT_SLOTS: usize = 4;

/// Where Redis is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisConfig {
    /// `redis://[user:password@]host:port[/db]` (the password stays out of
    /// logs).
    pub url: String,
}

/// The match cache in Redis. Cheap to clone: clones share the connection.
#[derive(Clone)]
pub struct RedisStore {
    client: redis::Client,
    conn: ConnectionManager,
    /// Commits in flight (see [`COMMIT_SLOTS`]).
    commit_slots: Arc<Semaphore>,
    scripts: Arc<Scripts>,
    /// `host:port` for logs and errors (never the password).
    addr: String,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore").field("addr", &self.addr).finish_non_exhaustive()
    }
}

struct Scripts {
    lobby_put: Script,
    lobby_list: Script,
}

impl RedisStore {
    /// Connect to Redis (the connection is re-established by itself later).
    ///
    /// # Errors
    /// [`StoreError::Connection`] when the URL is invalid or Redis cannot be
    /// reached.
    pub async fn connect(config: &RedisConfig) -> Result<Self, StoreError> {
        let client = redis::Client::open(config.url.as_str())
            .map_err(|e| StoreError::Connection(format!("invalid redis url: {e}")))?;
        let addr = client.get_connection_info().addr().to_string();
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT));
        let conn = client.get_connection_manager_with_config(manager_config).await.map_err(|e| {
            tracing::warn!(%addr, error = %e, "cannot connect to redis");
            StoreError::Connection(format!("connect to redis at {addr}: {e}"))
        })?;
        tracing::info!(%addr, "connected to redis");
        let scripts = Scripts {
            lobby_put: Script::new(include_str!("lobby_put.lua")),
            lobby_list: Script::new(include_str!("lobby_list.lua")),
        };
        let commit_slots = Arc::new(Semaphore::new(COMMIT_SLOTS));
        Ok(RedisStore { client, conn, commit_slots, scripts: Arc::new(scripts), addr })
    }

    fn fail(&self, command: &'static str, match_id: &str, err: &RedisError) -> StoreError {
        tracing::warn!(addr = %self.addr, command, match_id, error = %err, "redis command failed");
        redis_error(command, match_id, err)
    }

    async fn put_lobby(&self, entry: &LobbyEntry, expire_ms: Option<u64>) -> Result<(), StoreError> {
        let json = serde_json::to_string(entry).map_err(|e| StoreError::Corrupt {
            what: "lobby entry",
            match_id: entry.id.clone(),
            message: e.to_string(),
        })?;
        let mut conn = self.conn.clone();
        let _changed: i64 = self
            .scripts
            .lobby_put
            .key(keys::LOBBY)
            .key(keys::LOBBY_EXPIRY)
            .arg(&entry.id)
            .arg(json)
            .arg(entry.seq)
            .arg(expire_ms.unwrap_or(0))
            .arg(keys::LOBBY_LIVE)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| self.fail("lobby put", &entry.id, &e))?;
        Ok(())
    }
}

/// Classify a Redis error: lost or refused connections and timeouts are
/// [`StoreError::Connection`], anything else [`StoreError::Command`].
fn redis_error(command: &'static str, match_id: &str, err: &RedisError) -> StoreError {
    if err.is_io_error() || err.is_connection_dropped() || err.is_connection_refusal() || err.is_timeout() {
        StoreError::Connection(format!("{command} for match {match_id}: {err}"))
    } else {
        StoreError::Command { command, match_id: match_id.to_owned(), message: err.to_string() }
    }
}

fn corrupt(what: &'static str, match_id: &str, message: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt { what, match_id: match_id.to_owned(), message: message.to_string() }
}

fn parse_seq(match_id: &str, text: &str) -> Result<u64, StoreError> {
    text.parse().map_err(|e| corrupt("seq", match_id, format!("{text:?}: {e}")))
}

#[async_trait]
impl Store for RedisStore {
    async fn load_state(&self, match_id: &str) -> Result<Option<MatchState>, StoreError> {
        let mut conn = self.conn.clone();
        let json: Option<String> = redis::cmd("GET")
            .arg(keys::state(match_id))
            .query_async(&mut conn)
            .await
            .map_err(|e| self.fail("get state", match_id, &e))?;
        json.map(|json| serde_json::from_str(&json).map_err(|e| corrupt("state", match_id, e))).transpose()
    }

    async fn commit(&self, batch: &CommitBatch) -> Result<CommitOutcome, StoreError> {
        check_batch(batch)?;
        let id = batch.match_id.as_str();
        // Held until the reply: the commit's buffers (a batch's frames, twice
        // over) exist for at most COMMIT_SLOTS commits at a time.
        let _slot = self.commit_slots.acquire().await.map_err(|e| StoreError::Connection(e.to_string()))?;
        let state = serde_json::to_string(&batch.state).map_err(|e| corrupt("state", id, e))?;
        let expire_ms = expire_millis(batch.expire_after);
        let mut conn = self.conn.clone();
        let outcome = redis_txn::commit(&mut conn, batch, &state, expire_ms).await.map_err(|e| match e {
            TxnError::Redis(e) => self.fail("commit", id, &e),
            TxnError::Corrupt { what, message } => corrupt(what, id, message),
        })?;
        match outcome {
            TxnOutcome::Committed => {
                self.put_lobby(&batch.lobby, expire_ms).await?;
                Ok(CommitOutcome::Committed)
            }
            TxnOutcome::Conflict(seq) => {
                if seq == batch.state.seq {
                    self.put_lobby(&batch.lobby, expire_ms).await?;
                }
                tracing::debug!(match_id = id, prev_seq = batch.prev_seq, stored_seq = seq, "commit conflict");
                Ok(CommitOutcome::Conflict { stored_seq: seq })
            }
        }
    }

    async fn snapshot(&self, match_id: &str) -> Result<Option<String>, StoreError> {
        let mut conn = self.conn.clone();
        redis::cmd("GET")
            .arg(keys::snapshot(match_id))
            .query_async(&mut conn)
            .await
            .map_err(|e| self.fail("get snapshot", match_id, &e))
    }

    async fn since(&self, match_id: &str, since: u64, limit: usize) -> Result<Since, StoreError> {
        let mut conn = self.conn.clone();
        let (seq, frames): (Option<String>, Vec<String>) = if limit == 0 {
            let seq = redis::cmd("GET")
                .arg(keys::seq(match_id))
                .query_async(&mut conn)
                .await
                .map_err(|e| self.fail("get seq", match_id, &e))?;
            (seq, Vec::new())
        } else {
            // The frame of seq s sits at index s-1.
            let start = i64::try_from(since).unwrap_or(i64::MAX);
            let stop = i64::try_from(limit).map_or(i64::MAX, |limit| start.saturating_add(limit - 1));
            redis::pipe()
                .atomic()
                .cmd("GET")
                .arg(keys::seq(match_id))
                .cmd("LRANGE")
                .arg(keys::log(match_id))
                .arg(start)
                .arg(stop)
                .query_async(&mut conn)
                .await
                .map_err(|e| self.fail("since", match_id, &e))?
        };
        let Some(seq) = seq else {
            return Ok(Since::Unavailable);
        };
        if since > parse_seq(match_id, &seq)? {
            return Ok(Since::Unavailable);
        }
        Ok(Since::Frames(frames))
    }

    async fn lobby(&self) -> Result<Vec<LobbyEntry>, StoreError> {
        let mut conn = self.conn.clone();
        let values: Vec<String> = self
            .scripts
            .lobby_list
            .key(keys::LOBBY)
            .key(keys::LOBBY_EXPIRY)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| self.fail("lobby list", "*", &e))?;
        let mut entries: Vec<LobbyEntry> = values
            .iter()
            .filter_map(|json| match serde_json::from_str(json) {
                Ok(entry) => Some(entry),
                Err(e) => {
                    // One bad entry must not hide the whole lobby.
                    tracing::warn!(error = %e, entry = %json, "skipping corrupt lobby entry");
                    None
                }
            })
            .collect();
        entries.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(entries)
    }

    async fn stored_seq(&self, match_id: &str) -> Result<u64, StoreError> {
        let mut conn = self.conn.clone();
        let seq: Option<String> = redis::cmd("GET")
            .arg(keys::seq(match_id))
            .query_async(&mut conn)
            .await
            .map_err(|e| self.fail("get seq", match_id, &e))?;
        seq.map_or(Ok(0), |text| parse_seq(match_id, &text))
    }

    async fn announce_rebuilt(&self, match_id: &str) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        redis::cmd("PUBLISH")
            .arg(keys::live(match_id))
            .arg(reset_frame(match_id, "rebuilt"))
            .exec_async(&mut conn)
            .await
            .map_err(|e| self.fail("announce rebuilt", match_id, &e))?;
        tracing::info!(addr = %self.addr, match_id, "announced the rebuilt cache to viewers");
        Ok(())
    }

    async fn delete_match(&self, match_id: &str) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        redis::pipe()
            .cmd("DEL")
            .arg(&keys::all(match_id)[..])
            .ignore()
            .cmd("HDEL")
            .arg(keys::LOBBY)
            .arg(match_id)
            .ignore()
            .cmd("ZREM")
            .arg(keys::LOBBY_EXPIRY)
            .arg(match_id)
            .ignore()
            .cmd("PUBLISH")
            .arg(keys::live(match_id))
            .arg(reset_frame(match_id, "deleted"))
            .ignore()
            .exec_async(&mut conn)
            .await
            .map_err(|e| self.fail("delete match", match_id, &e))?;
        tracing::info!(addr = %self.addr, match_id, "deleted match from redis");
        Ok(())
    }

    async fn live(&self) -> Result<(Box<dyn LiveControl>, BoxStream<'static, Live>), StoreError> {
        let pubsub = self.client.get_async_pubsub().await.map_err(|e| {
            tracing::warn!(addr = %self.addr, error = %e, "cannot open redis pub/sub connection");
            StoreError::Connection(format!("pub/sub connection to {}: {e}", self.addr))
        })?;
        let (sink, messages) = pubsub.split();
        tracing::info!(addr = %self.addr, "opened redis live feed");
        let addr = self.addr.clone();
        let closed = stream::once(async move {
            tracing::warn!(%addr, "redis live feed connection closed");
        })
        .filter_map(|()| future::ready(None));
        let live = messages.filter_map(|msg| future::ready(decode(&msg))).chain(closed).boxed();
        Ok((Box::new(RedisLive { sink, addr: self.addr.clone() }), live))
    }
}

/// Subscriptions of one Redis pub/sub connection.
struct RedisLive {
    /// Cloned per call: the sink is a handle to the connection's task.
    sink: PubSubSink,
    addr: String,
}

impl RedisLive {
    fn fail(&self, command: &'static str, match_id: &str, err: &RedisError) -> StoreError {
        tracing::warn!(addr = %self.addr, command, match_id, error = %err, "redis pub/sub command failed");
        redis_error(command, match_id, err)
    }
}

#[async_trait]
impl LiveControl for RedisLive {
    async fn subscribe(&self, match_id: &str) -> Result<(), StoreError> {
        let mut sink = self.sink.clone();
        sink.subscribe(keys::live(match_id)).await.map_err(|e| self.fail("subscribe", match_id, &e))
    }

    async fn unsubscribe(&self, match_id: &str) -> Result<(), StoreError> {
        let mut sink = self.sink.clone();
        sink.unsubscribe(keys::live(match_id)).await.map_err(|e| self.fail("unsubscribe", match_id, &e))
    }

    async fn subscribe_lobby(&self) -> Result<(), StoreError> {
        let mut sink = self.sink.clone();
        sink.subscribe(keys::LOBBY_LIVE).await.map_err(|e| self.fail("subscribe", "lobby", &e))
    }
}

/// The frame published on a match's channel when its cache is reset:
/// `{"type":"reset","match":"ID","reason":"..."}`.
#[must_use]
pub fn reset_frame(match_id: &str, reason: &str) -> String {
    serde_json::json!({ "type": "reset", "match": match_id, "reason": reason }).to_string()
}

fn decode(msg: &Msg) -> Option<Live> {
    let channel = msg.get_channel_name();
    match std::str::from_utf8(msg.get_payload_bytes()) {
        Ok(payload) => parse_live(channel, payload),
        Err(e) => {
            tracing::warn!(channel, error = %e, "dropping non-UTF-8 live message");
            None
        }
    }
}

/// Read a message from a live channel: the lobby channel carries one entry;
/// a match channel carries a reset frame or a batch of frames joined by
/// `\n`. `None` for a channel that is neither.
#[must_use]
pub fn parse_live(channel: &str, payload: &str) -> Option<Live> {
    if channel == keys::LOBBY_LIVE {
        return Some(Live::Lobby(payload.to_owned()));
    }
    let match_id = keys::match_of_live_channel(channel)?.to_owned();
    let mut frames = payload.split('\n');
    if frames.next().is_some_and(is_reset) {
        return Some(Live::Reset { match_id });
    }
    Some(Live::Frames { match_id, frames: payload.split('\n').map(str::to_owned).collect() })
}

/// Whether a frame is a reset: a JSON object with `"type":"reset"`. The
/// substring test spares parsing ordinary frames; the parse makes sure the
/// text is the object's own `type`, not part of some string inside it.
fn is_reset(frame: &str) -> bool {
    frame.contains(r#""type":"reset""#)
        && serde_json::from_str::<serde_json::Value>(frame)
            .is_ok_and(|v| v.get("type").and_then(serde_json::Value::as_str) == Some("reset"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_split_into_frames() {
        let live = parse_live(&keys::live("m1"), "{\"seq\":1}\n{\"seq\":2}");
        assert_eq!(
            live,
            Some(Live::Frames { match_id: "m1".into(), frames: vec!["{\"seq\":1}".into(), "{\"seq\":2}".into()] })
        );
    }

    #[test]
    fn reset_frames_are_resets() {
        let frame = reset_frame("ind-pak", "deleted");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&frame).ok(),
            Some(serde_json::json!({"type":"reset","match":"ind-pak","reason":"deleted"}))
        );
        assert_eq!(parse_live(&keys::live("ind-pak"), &frame), Some(Live::Reset { match_id: "ind-pak".into() }));
    }

    #[test]
    fn reset_text_inside_a_frame_is_not_a_reset() {
        let frame = r#"{"type":"event","text":"{\"type\":\"reset\"}","note":"\"type\":\"reset\""}"#;
        let nested = r#"{"type":"event","inner":{"type":"reset"}}"#;
        for payload in [frame, nested] {
            assert!(matches!(parse_live(&keys::live("m1"), payload), Some(Live::Frames { .. })), "{payload}");
        }
    }

    #[test]
    fn lobby_channel_carries_entries() {
        assert_eq!(parse_live(keys::LOBBY_LIVE, "{\"id\":\"m1\"}"), Some(Live::Lobby("{\"id\":\"m1\"}".into())));
        assert_eq!(parse_live("some:other:channel", "x"), None);
    }

    #[test]
    fn connection_errors_are_told_from_command_errors() {
        let io = RedisError::from(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset"));
        assert_eq!(redis_error("commit", "m1", &io).metric_label(), "connection");
        let parse = RedisError::from((redis::ErrorKind::Client, "bad reply"));
        let err = redis_error("commit", "m1", &parse);
        assert_eq!(err.metric_label(), "command");
        assert!(err.to_string().contains("commit for match m1"), "{err}");
    }
}
