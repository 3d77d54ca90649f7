//! The commit of one consumer batch to Redis: one pipeline, so one round
//! trip whatever the batch's size, and atomic with a compare-and-set on the
//! stored seq:
//!
//! ```text
//! UNWATCH                          (a clean slate on the shared connection)
//! WATCH seq
//! EVAL cas.lua 1 seq prev_seq      → the stored seq; when it is not
//!                                    prev_seq, the script writes `seq`
//!                                    unchanged, which dooms the EXEC
//! MULTI
//!   SET state, SET snapshot, SET seq, RPUSH log <frames>,
//!   PUBLISH live <frames joined by \n>, PEXPIRE ×4 | PERSIST log
//! EXEC                             → nil (nothing written) when `seq` was
//!                                    written since the WATCH
//! ```
//!
//! The frames only travel as arguments of `RPUSH` and `PUBLISH`: Redis
//! stores and forwards them without looking at them. Passed through a Lua
//! script (the previous design), every one was copied into Lua and hashed
//! as it was interned, and again while `table.concat` joined them: most of
//! Redis's time per event. The script here sees two short strings.
//!
//! Why this is a compare-and-set: `EXEC` runs the writes only if nobody
//! wrote `seq` after the `WATCH`, and the script, which ran after the
//! `WATCH`, found `seq` equal to `prev_seq` (or else it wrote `seq` itself).
//! So when `EXEC` writes, `seq` still is `prev_seq`, and the writes are
//! atomic. When `EXEC` did nothing although the script found `prev_seq`,
//! another writer moved `seq` in between: the commit is tried again and
//! then sees that writer's seq.
//!
//! The script is sent with `EVAL`, never `EVALSHA`: a `NOSCRIPT` error
//! would skip the check and leave the `EXEC` unguarded.
//!
//! The pipeline goes out as one write on the store's shared multiplexed
//! connection, so no other command of this process comes between its
//! `WATCH` and its `EXEC` (which always ends the `WATCH`): no connection of
//! its own is needed.

use std::io::Write as _;

use redis::aio::ConnectionLike;
use redis::{Cmd, RedisError, RedisWrite, ToRedisArgs, Value};

use super::CommitBatch;
use super::keys;

/// The guard script.
const CAS_SCRIPT: &str = include_str!("cas.lua");

/// Attempts when `EXEC` did nothing although the seq matched (another
/// writer got in between the check and the `EXEC`).
const ATTEMPTS: usize = 3;

/// What the transaction found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TxnOutcome {
    Committed,
    /// The store holds this seq, not the batch's `prev_seq` (nothing written).
    Conflict(u64),
}

/// Why the transaction failed: a Redis error, or a reply that makes no
/// sense (a stored seq that is not a number, an `EXEC` reply that is not
/// a list of replies). Mapped to [`super::StoreError`] (and its metric
/// label) by the store.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TxnError {
    #[error(transparent)]
    Redis(#[from] RedisError),
    #[error("{what}: {message}")]
    Corrupt { what: &'static str, message: String },
}

fn parse_stored(text: &str) -> Result<u64, TxnError> {
    text.parse().map_err(|e| TxnError::Corrupt { what: "seq", message: format!("{text:?}: {e}") })
}

/// The frames joined by `\n` (the live channel's message), written straight
/// into the command's buffer: no joined copy is made first.
struct Joined<'a>(&'a [String]);

impl ToRedisArgs for Joined<'_> {
    fn write_redis_args<W>(&self, out: &mut W)
    where
        W: ?Sized + RedisWrite,
    {
        let mut arg = out.writer_for_next_arg();
        for (i, frame) in self.0.iter().enumerate() {
            // Writing into a Vec cannot fail.
            if i > 0 {
                let _ = arg.write_all(b"\n");
            }
            let _ = arg.write_all(frame.as_bytes());
        }
    }
}

/// A command whose buffer is sized for its arguments (`name`, then
/// `args_len` arguments of `data` bytes in all): big commands are then
/// written once, not regrown (and copied) as their arguments come.
fn sized_cmd(name: &str, args_len: usize, data: usize) -> Cmd {
    let mut cmd = Cmd::with_capacity(1 + args_len, name.len() + data);
    cmd.arg(name);
    cmd
}

/// The pipeline of one attempt (see the module docs). Its replies, ignored
/// ones left out: the script's (the stored seq), then `EXEC`'s.
fn pipeline(batch: &CommitBatch, state_json: &str, expire_ms: Option<u64>) -> redis::Pipeline {
    let id = batch.match_id.as_str();
    let keys = [keys::state(id), keys::snapshot(id), keys::seq(id), keys::log(id)];
    let seq_key = &keys[2];
    let frames = &batch.frames;
    let frame_bytes: usize = frames.iter().map(String::len).sum();
    let mut pipe = redis::pipe();
    pipe.cmd("UNWATCH").ignore();
    pipe.cmd("WATCH").arg(seq_key).ignore();
    pipe.cmd("EVAL").arg(CAS_SCRIPT).arg(1).arg(seq_key).arg(batch.prev_seq);
    pipe.cmd("MULTI").ignore();
    let mut set_state = sized_cmd("SET", 2, keys[0].len() + state_json.len());
    set_state.arg(&keys[0]).arg(state_json);
    pipe.add_command(set_state).ignore();
    let mut set_snapshot = sized_cmd("SET", 2, keys[1].len() + batch.snapshot.len());
    set_snapshot.arg(&keys[1]).arg(&batch.snapshot);
    pipe.add_command(set_snapshot).ignore();
    pipe.cmd("SET").arg(seq_key).arg(batch.state.seq).ignore();
    if !frames.is_empty() {
        let mut rpush = sized_cmd("RPUSH", 1 + frames.len(), keys[3].len() + frame_bytes);
        rpush.arg(&keys[3]).arg(frames);
        pipe.add_command(rpush).ignore();
        let live = keys::live(id);
        let mut publish = sized_cmd("PUBLISH", 2, live.len() + frame_bytes + frames.len());
        publish.arg(&live).arg(Joined(frames));
        pipe.add_command(publish).ignore();
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
    pipe.cmd("EXEC");
    pipe
}

/// Commit `batch` (state already serialized as `state_json`) in one round
/// trip (more only when another writer interferes).
pub(crate) async fn commit(
    conn: &mut impl ConnectionLike,
    batch: &CommitBatch,
    state_json: &str,
    expire_ms: Option<u64>,
) -> Result<TxnOutcome, TxnError> {
    let pipe = pipeline(batch, state_json, expire_ms);
    let mut stored = batch.prev_seq;
    for _ in 0..ATTEMPTS {
        let (found, exec): (String, Value) = pipe.query_async(conn).await?;
        stored = parse_stored(&found)?;
        match exec {
            Value::Array(replies) => {
                if let Some(Value::ServerError(e)) = replies.iter().find(|r| matches!(r, Value::ServerError(_))) {
                    return Err(TxnError::Redis(e.clone().into()));
                }
                return Ok(TxnOutcome::Committed);
            }
            Value::Nil if stored != batch.prev_seq => return Ok(TxnOutcome::Conflict(stored)),
            // The seq matched, yet EXEC did nothing: another writer moved it
            // in between. Look again.
            Value::Nil => tracing::debug!(match_id = %batch.match_id, "commit raced another writer; retrying"),
            other => {
                return Err(TxnError::Corrupt { what: "EXEC reply", message: format!("{other:?}") });
            }
        }
    }
    // Still racing: report what was last seen; the consumer reloads.
    Ok(TxnOutcome::Conflict(stored))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_published_joined_by_newlines() {
        for frames in [vec![], vec!["a".to_string()], vec!["{\"seq\":1}".into(), "{\"seq\":2}".into(), "é".into()]] {
            let ours = sized_cmd("PUBLISH", 2, 4).arg("ch").arg(Joined(&frames)).get_packed_command();
            let plain = redis::cmd("PUBLISH").arg("ch").arg(frames.join("\n")).get_packed_command();
            assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&plain));
        }
    }

    #[test]
    fn one_pipeline_holds_the_whole_transaction() {
        let frames: Vec<String> =
            (0..300).map(|i| format!("{{\"seq\":{i},\"pad\":\"{}\"}}", "x".repeat(2000))).collect();
        let pipe = pipeline(&batch_of(frames), "{}", None);
        let packed = pipe.get_packed_pipeline();
        let text = String::from_utf8_lossy(&packed);
        for command in ["UNWATCH", "WATCH", "EVAL", "MULTI", "RPUSH", "PUBLISH", "PERSIST", "EXEC"] {
            assert!(text.contains(&format!("\r\n{command}\r\n")), "{command} missing");
        }
        assert!(text.contains("{\"seq\":0,") && text.contains("{\"seq\":299,"));
    }

    fn batch_of(frames: Vec<String>) -> CommitBatch {
        let mut state = livematch_sports::MatchState::new("m1", livematch_sports::Sport::Cricket);
        state.seq = frames.len() as u64;
        CommitBatch {
            match_id: "m1".into(),
            prev_seq: 0,
            snapshot: "{}".into(),
            lobby: state.lobby_entry(),
            state,
            frames,
            expire_after: None,
        }
    }

    #[test]
    fn stored_seq_parses() {
        assert!(matches!(parse_stored("0"), Ok(0)));
        assert!(matches!(parse_stored("42"), Ok(42)));
        assert!(matches!(parse_stored("x"), Err(TxnError::Corrupt { what: "seq", .. })));
    }
}
