//! The match cache against a real `redis-server`, and the same behavioural
//! cases against the in-memory stand-in, so both provably agree.
//!
//! Every case in [`cases`] is written once, generic over [`Store`], and run
//! as `on_redis::<case>` (its own throwaway redis-server) and
//! `on_memory::<case>`. Redis-only checks (TTLs, connection loss) follow.

use std::time::Duration;

use anyhow::{Context, ensure};
use futures::StreamExt;
use futures::stream::BoxStream;
use livematch_e2e::redis::RedisServer;
use livematch_sports::engine::LobbyEntry;
use livematch_sports::{MatchState, Sport, Status};
use livematch_workers::store::memory::MemoryStore;
use livematch_workers::store::redis::{RedisConfig, RedisStore};
use livematch_workers::store::{CommitBatch, CommitOutcome, Live, Since, Store, keys};
use tokio::sync::mpsc;

/// How long to wait for something that should happen.
const PATIENCE: Duration = Duration::from_secs(10);

/// A batch for `match_id` taking it from `prev` to `prev + count`, with
/// distinct frames naming the match and their seq.
fn batch(match_id: &str, prev: u64, count: u64) -> CommitBatch {
    let mut state = MatchState::new(match_id, Sport::Cricket);
    state.seq = prev + count;
    state.updated = 1_700_000_000_000 + i64::try_from(state.seq).unwrap_or(0);
    let frames = (prev + 1..=prev + count).map(|seq| frame(match_id, seq)).collect();
    CommitBatch {
        match_id: match_id.to_owned(),
        prev_seq: prev,
        lobby: state.lobby_entry(),
        snapshot: state.snapshot().to_string(),
        state,
        frames,
        expire_after: None,
    }
}

fn frame(match_id: &str, seq: u64) -> String {
    serde_json::json!({ "type": "event", "match": match_id, "seq": seq, "text": format!("ball {seq}") }).to_string()
}

fn frames(match_id: &str, seqs: std::ops::RangeInclusive<u64>) -> Vec<String> {
    seqs.map(|seq| frame(match_id, seq)).collect()
}

/// The same batch, as the last of a finished match.
fn finished(mut b: CommitBatch, expire_after: Duration) -> CommitBatch {
    b.lobby.status = Status::Completed;
    b.lobby.result = Some("won by 3 runs".into());
    b.expire_after = Some(expire_after);
    b
}

async fn commit_ok(store: &impl Store, b: &CommitBatch) -> anyhow::Result<()> {
    let outcome = store.commit(b).await?;
    ensure!(outcome == CommitOutcome::Committed, "commit {} {}..: {outcome:?}", b.match_id, b.prev_seq);
    Ok(())
}

async fn lobby_ids(store: &impl Store) -> anyhow::Result<Vec<String>> {
    Ok(store.lobby().await?.into_iter().map(|e| e.id).collect())
}

/// Read a live stream from another task, so the test can subscribe and
/// unsubscribe while it is being polled.
struct Reader {
    rx: mpsc::UnboundedReceiver<Live>,
}

impl Reader {
    fn spawn(mut stream: BoxStream<'static, Live>) -> Reader {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(live) = stream.next().await {
                if tx.send(live).is_err() {
                    break;
                }
            }
        });
        Reader { rx }
    }

    async fn next(&mut self) -> anyhow::Result<Live> {
        tokio::time::timeout(PATIENCE, self.rx.recv())
            .await
            .context("no live message in time")?
            .context("live stream ended")
    }

    /// Whether the stream ends (within [`PATIENCE`]) without another message.
    async fn ends(&mut self) -> anyhow::Result<bool> {
        match tokio::time::timeout(PATIENCE, self.rx.recv()).await {
            Ok(None) => Ok(true),
            Ok(Some(live)) => anyhow::bail!("expected the end of the stream, got {live:?}"),
            Err(_) => Ok(false),
        }
    }
}

fn frames_of(match_id: &str, frames: Vec<String>) -> Live {
    Live::Frames { match_id: match_id.to_owned(), frames }
}

/// Poll `check` until it holds, within [`PATIENCE`].
async fn eventually<F, Fut>(what: &str, mut check: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<bool>>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !check().await? {
        ensure!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// The behaviour both stores must share.
mod cases {
    use super::*;

    pub async fn commit_round_trip(store: impl Store) -> anyhow::Result<()> {
        let first = batch("rt", 0, 3);
        commit_ok(&store, &first).await?;
        assert_eq!(store.load_state("rt").await?, Some(first.state.clone()));
        assert_eq!(store.snapshot("rt").await?, Some(first.snapshot.clone()));
        assert_eq!(store.since("rt", 0, 100).await?, Since::Frames(frames("rt", 1..=3)));

        let second = batch("rt", 3, 2);
        commit_ok(&store, &second).await?;
        assert_eq!(store.load_state("rt").await?.map(|s| s.seq), Some(5));
        assert_eq!(store.snapshot("rt").await?, Some(second.snapshot.clone()));
        assert_eq!(store.since("rt", 0, 100).await?, Since::Frames(frames("rt", 1..=5)));
        assert_eq!(store.lobby().await?, vec![second.lobby.clone()]);

        // A batch with no frames still moves state and snapshot.
        let mut empty = batch("rt", 5, 0);
        empty.snapshot = "{\"seq\":5,\"note\":\"touched\"}".into();
        commit_ok(&store, &empty).await?;
        assert_eq!(store.snapshot("rt").await?, Some(empty.snapshot.clone()));
        assert_eq!(store.since("rt", 0, 100).await?, Since::Frames(frames("rt", 1..=5)));

        // Unknown matches have nothing.
        assert_eq!(store.load_state("nope").await?, None);
        assert_eq!(store.snapshot("nope").await?, None);
        Ok(())
    }

    pub async fn conflict_writes_nothing(store: impl Store) -> anyhow::Result<()> {
        let (control, stream) = store.live().await?;
        let mut reader = Reader::spawn(stream);
        control.subscribe("cf").await?;
        control.subscribe_lobby().await?;

        let good = batch("cf", 0, 3);
        commit_ok(&store, &good).await?;
        assert_eq!(reader.next().await?, frames_of("cf", frames("cf", 1..=3)));
        assert_eq!(reader.next().await?, Live::Lobby(serde_json::to_string(&good.lobby)?));

        // Behind, ahead, and "fresh" while something is stored.
        // (None ends at the stored seq 3: that case is a retry, see
        // `retried_commit_heals_the_lobby`.)
        for (prev, count) in [(1, 1), (4, 2), (0, 2), (2, 5)] {
            let mut stale = batch("cf", prev, count);
            stale.snapshot = "{\"stale\":true}".into();
            stale.lobby.summary = "stale".into();
            assert_eq!(store.commit(&stale).await?, CommitOutcome::Conflict { stored_seq: 3 }, "prev {prev}");
        }
        // Unknown match: the store holds 0.
        assert_eq!(store.commit(&batch("cf-new", 2, 1)).await?, CommitOutcome::Conflict { stored_seq: 0 });

        assert_eq!(store.load_state("cf").await?, Some(good.state.clone()));
        assert_eq!(store.snapshot("cf").await?, Some(good.snapshot.clone()));
        assert_eq!(store.since("cf", 0, 100).await?, Since::Frames(frames("cf", 1..=3)));
        assert_eq!(store.lobby().await?, vec![good.lobby.clone()]);
        assert_eq!(store.load_state("cf-new").await?, None);

        // Nothing was published for the conflicts: the next message is the
        // next good commit's.
        commit_ok(&store, &batch("cf", 3, 1)).await?;
        assert_eq!(reader.next().await?, frames_of("cf", frames("cf", 4..=4)));
        Ok(())
    }

    pub async fn retried_commit_heals_the_lobby(store: impl Store) -> anyhow::Result<()> {
        let b = batch("heal", 0, 2);
        commit_ok(&store, &b).await?;
        store.delete_match("heal").await?;
        commit_ok(&store, &b).await?;
        // The same batch again (its reply was "lost"): a conflict at its own
        // seq, and the lobby entry is (still) there.
        assert_eq!(store.commit(&b).await?, CommitOutcome::Conflict { stored_seq: 2 });
        assert_eq!(store.lobby().await?, vec![b.lobby.clone()]);
        Ok(())
    }

    pub async fn invalid_batch_is_rejected(store: impl Store) -> anyhow::Result<()> {
        let mut holes = batch("bad", 0, 3);
        holes.frames.pop();
        let err = store.commit(&holes).await.err().context("a batch with a missing frame was accepted")?;
        assert_eq!(err.metric_label(), "command");

        let mut newline = batch("bad", 0, 2);
        newline.frames[1] = "{\"a\":1}\n{\"b\":2}".into();
        ensure!(store.commit(&newline).await.is_err(), "a frame with a newline was accepted");

        assert_eq!(store.load_state("bad").await?, None);
        assert_eq!(store.since("bad", 0, 10).await?, Since::Unavailable);
        assert_eq!(store.lobby().await?, Vec::<LobbyEntry>::new());
        Ok(())
    }

    pub async fn since_edges(store: impl Store) -> anyhow::Result<()> {
        commit_ok(&store, &batch("se", 0, 4)).await?;
        commit_ok(&store, &batch("se", 4, 6)).await?;
        let all = frames("se", 1..=10);
        assert_eq!(store.since("se", 0, 1000).await?, Since::Frames(all.clone()));
        assert_eq!(store.since("se", 0, 3).await?, Since::Frames(frames("se", 1..=3)));
        assert_eq!(store.since("se", 4, 2).await?, Since::Frames(frames("se", 5..=6)));
        assert_eq!(store.since("se", 3, 1000).await?, Since::Frames(frames("se", 4..=10)));
        assert_eq!(store.since("se", 9, 1000).await?, Since::Frames(frames("se", 10..=10)));
        assert_eq!(store.since("se", 10, 1000).await?, Since::Frames(vec![]));
        assert_eq!(store.since("se", 5, 0).await?, Since::Frames(vec![]));
        assert_eq!(store.since("se", 0, usize::MAX).await?, Since::Frames(all));
        assert_eq!(store.since("se", 11, 1000).await?, Since::Unavailable);
        assert_eq!(store.since("se", u64::MAX, 1).await?, Since::Unavailable);
        assert_eq!(store.since("se", 11, 0).await?, Since::Unavailable);
        assert_eq!(store.since("unknown", 0, 10).await?, Since::Unavailable);
        assert_eq!(store.since("unknown", 0, 0).await?, Since::Unavailable);
        Ok(())
    }

    pub async fn large_batches(store: impl Store) -> anyhow::Result<()> {
        // More frames than the script pushes per RPUSH chunk.
        commit_ok(&store, &batch("big", 0, 2500)).await?;
        commit_ok(&store, &batch("big", 2500, 1000)).await?;
        let Since::Frames(got) = store.since("big", 0, 10_000).await? else {
            anyhow::bail!("log unavailable");
        };
        assert_eq!(got, frames("big", 1..=3500));
        assert_eq!(store.since("big", 2499, 2).await?, Since::Frames(frames("big", 2500..=2501)));
        Ok(())
    }

    pub async fn live_feed(store: impl Store) -> anyhow::Result<()> {
        let (control, stream) = store.live().await?;
        let mut reader = Reader::spawn(stream);
        control.subscribe("lf-a").await?;
        control.subscribe("lf-b").await?;

        let a1 = batch("lf-a", 0, 3);
        commit_ok(&store, &a1).await?;
        commit_ok(&store, &batch("lf-other", 0, 1)).await?; // not subscribed
        let b1 = batch("lf-b", 0, 2);
        commit_ok(&store, &b1).await?;
        assert_eq!(reader.next().await?, frames_of("lf-a", a1.frames.clone()));
        assert_eq!(reader.next().await?, frames_of("lf-b", b1.frames.clone()));

        // Lobby announcements once subscribed.
        control.subscribe_lobby().await?;
        let a2 = batch("lf-a", 3, 1);
        commit_ok(&store, &a2).await?;
        assert_eq!(reader.next().await?, frames_of("lf-a", a2.frames.clone()));
        let Live::Lobby(json) = reader.next().await? else {
            anyhow::bail!("expected a lobby entry");
        };
        assert_eq!(serde_json::from_str::<LobbyEntry>(&json)?, a2.lobby);

        // Unsubscribed while the stream is being read: nothing more from a.
        control.unsubscribe("lf-a").await?;
        commit_ok(&store, &batch("lf-a", 4, 1)).await?;
        ensure!(matches!(reader.next().await?, Live::Lobby(json) if json.contains("\"lf-a\"")), "lobby entry of a");
        let b2 = batch("lf-b", 2, 2);
        commit_ok(&store, &b2).await?;
        assert_eq!(reader.next().await?, frames_of("lf-b", b2.frames.clone()));
        ensure!(matches!(reader.next().await?, Live::Lobby(json) if json.contains("\"lf-b\"")), "lobby entry of b");

        // A reset when b is deleted.
        store.delete_match("lf-b").await?;
        assert_eq!(reader.next().await?, Live::Reset { match_id: "lf-b".into() });

        // Two feeds are independent.
        let (other, other_stream) = store.live().await?;
        let mut other_reader = Reader::spawn(other_stream);
        other.subscribe("lf-c").await?;
        control.subscribe("lf-c").await?;
        let c1 = batch("lf-c", 0, 1);
        commit_ok(&store, &c1).await?;
        assert_eq!(other_reader.next().await?, frames_of("lf-c", c1.frames.clone()));
        assert_eq!(reader.next().await?, frames_of("lf-c", c1.frames.clone()));
        Ok(())
    }

    pub async fn lobby_drops_expired(store: impl Store) -> anyhow::Result<()> {
        commit_ok(&store, &batch("lb-live", 0, 2)).await?;
        let done = finished(batch("lb-done", 0, 3), Duration::from_millis(800));
        commit_ok(&store, &done).await?;
        let kept = finished(batch("lb-kept", 0, 1), Duration::from_secs(3600));
        commit_ok(&store, &kept).await?;

        let lobby = store.lobby().await?;
        assert_eq!(lobby.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["lb-done", "lb-kept", "lb-live"]);
        assert_eq!(lobby[0], done.lobby);

        let s = &store;
        eventually("lb-done to leave the lobby", || async move { Ok(lobby_ids(s).await? == ["lb-kept", "lb-live"]) })
            .await?;
        Ok(())
    }

    pub async fn lobby_never_goes_back(store: impl Store) -> anyhow::Result<()> {
        // A newer entry, then an older one for the same match (a lagging
        // writer): the lobby keeps the newer.
        commit_ok(&store, &batch("lb-mono", 0, 5)).await?;
        let newer = store.lobby().await?;
        let mut older = batch("lb-mono", 5, 1);
        older.lobby.seq = 2;
        older.lobby.summary = "older".into();
        commit_ok(&store, &older).await?;
        assert_eq!(store.lobby().await?, newer);
        Ok(())
    }

    pub async fn finished_match_expires(store: impl Store) -> anyhow::Result<()> {
        commit_ok(&store, &batch("fx", 0, 3)).await?;
        commit_ok(&store, &finished(batch("fx", 3, 2), Duration::from_millis(800))).await?;
        commit_ok(&store, &batch("fx-other", 0, 1)).await?;
        assert_eq!(store.since("fx", 0, 10).await?, Since::Frames(frames("fx", 1..=5)));
        let s = &store;
        eventually("fx to expire", || async move {
            Ok(s.load_state("fx").await?.is_none()
                && s.snapshot("fx").await?.is_none()
                && s.since("fx", 0, 10).await? == Since::Unavailable
                && !lobby_ids(s).await?.contains(&"fx".to_owned()))
        })
        .await?;
        assert!(store.load_state("fx-other").await?.is_some());
        assert_eq!(lobby_ids(&store).await?, ["fx-other"]);
        // The match can start over.
        commit_ok(&store, &batch("fx", 0, 1)).await?;
        Ok(())
    }

    pub async fn delete_removes_everything(store: impl Store) -> anyhow::Result<()> {
        commit_ok(&store, &batch("del", 0, 4)).await?;
        commit_ok(&store, &finished(batch("del-fin", 0, 2), Duration::from_secs(3600))).await?;
        commit_ok(&store, &batch("keep", 0, 1)).await?;
        let (control, stream) = store.live().await?;
        let mut reader = Reader::spawn(stream);
        control.subscribe("del").await?;

        store.delete_match("del").await?;
        store.delete_match("del-fin").await?;
        store.delete_match("never-existed").await?;
        assert_eq!(reader.next().await?, Live::Reset { match_id: "del".into() });

        for id in ["del", "del-fin"] {
            assert_eq!(store.load_state(id).await?, None, "{id}");
            assert_eq!(store.snapshot(id).await?, None, "{id}");
            assert_eq!(store.since(id, 0, 10).await?, Since::Unavailable, "{id}");
        }
        assert_eq!(lobby_ids(&store).await?, ["keep"]);
        assert!(store.load_state("keep").await?.is_some());

        // A rebuild starts from nothing.
        assert_eq!(store.commit(&batch("del", 4, 1)).await?, CommitOutcome::Conflict { stored_seq: 0 });
        commit_ok(&store, &batch("del", 0, 2)).await?;
        assert_eq!(store.since("del", 0, 10).await?, Since::Frames(frames("del", 1..=2)));
        assert_eq!(reader.next().await?, frames_of("del", frames("del", 1..=2)));
        Ok(())
    }
}

async fn redis() -> anyhow::Result<(RedisServer, RedisStore)> {
    let server = RedisServer::start().await?;
    let store = RedisStore::connect(&RedisConfig { url: server.url() }).await?;
    Ok((server, store))
}

macro_rules! on_both {
    ($($case:ident),* $(,)?) => {
        mod on_redis {
            $(
                #[tokio::test]
                async fn $case() -> anyhow::Result<()> {
                    let (_server, store) = super::redis().await?;
                    super::cases::$case(store).await
                }
            )*
        }
        mod on_memory {
            $(
                #[tokio::test]
                async fn $case() -> anyhow::Result<()> {
                    super::cases::$case(livematch_workers::store::memory::MemoryStore::new()).await
                }
            )*
        }
    };
}

on_both!(
    commit_round_trip,
    conflict_writes_nothing,
    retried_commit_heals_the_lobby,
    invalid_batch_is_rejected,
    since_edges,
    large_batches,
    live_feed,
    lobby_drops_expired,
    lobby_never_goes_back,
    finished_match_expires,
    delete_removes_everything,
);

/// Redis-only: the keys of a finished match carry a TTL, the others none.
#[tokio::test]
async fn finished_match_keys_get_a_ttl() -> anyhow::Result<()> {
    let (server, store) = redis().await?;
    commit_ok(&store, &batch("ttl", 0, 3)).await?;
    commit_ok(&store, &batch("ttl-open", 0, 3)).await?;
    for key in keys::all("ttl") {
        assert_eq!(server.raw_command(&["PTTL", &key]).await?, ":-1", "{key} before the end");
    }
    commit_ok(&store, &finished(batch("ttl", 3, 1), Duration::from_secs(600))).await?;
    for key in keys::all("ttl") {
        let reply = server.raw_command(&["PTTL", &key]).await?;
        let ms: i64 = reply.trim_start_matches(':').parse().with_context(|| format!("PTTL {key}: {reply}"))?;
        ensure!((590_000..=600_000).contains(&ms), "{key}: PTTL {ms}");
    }
    for key in keys::all("ttl-open") {
        assert_eq!(server.raw_command(&["PTTL", &key]).await?, ":-1", "{key} of an open match");
    }
    // The lobby entry's expiry: 10 minutes from now (server clock).
    let expiry = server.raw_command(&["ZSCORE", keys::LOBBY_EXPIRY, "ttl"]).await?;
    let expiry: f64 = expiry.parse().with_context(|| format!("no lobby expiry recorded: {expiry}"))?;
    let now_s: f64 = server.raw_command(&["EVAL", "return redis.call('TIME')[1]", "0"]).await?.parse()?;
    let in_s = expiry / 1000.0 - now_s;
    ensure!((590.0..=601.0).contains(&in_s), "lobby entry expires in {in_s}s");
    assert_eq!(server.raw_command(&["ZSCORE", keys::LOBBY_EXPIRY, "ttl-open"]).await?, "$-1");

    let held = store.stored_seq("ttl-open").await?;
    assert_eq!(Some(held), store.load_state("ttl-open").await?.map(|s| s.seq));
    assert!(held > 0, "a committed match holds its seq");

    // The harness wipes the server (for fault tests): the store sees nothing.
    server.flushall().await?;
    assert_eq!(store.stored_seq("ttl-open").await?, 0, "a lost cache holds seq 0");
    assert_eq!(store.load_state("ttl-open").await?, None);
    assert_eq!(store.since("ttl-open", 0, 10).await?, Since::Unavailable);
    assert_eq!(store.lobby().await?, Vec::<LobbyEntry>::new());
    Ok(())
}

/// Redis-only: writers racing to extend one match (two connections, two
/// tasks on each, batches of different sizes) never both get a batch in:
/// every seq is in the log once, in order, and the seq is the log's length.
#[tokio::test]
async fn racing_writers_commit_each_seq_once() -> anyhow::Result<()> {
    const END: u64 = 120;
    let (server, first) = redis().await?;
    let second = RedisStore::connect(&RedisConfig { url: server.url() }).await?;
    let mut writers = tokio::task::JoinSet::new();
    for (w, store) in [first.clone(), first.clone(), second.clone(), second].into_iter().enumerate() {
        writers.spawn(async move {
            let (mut committed, mut conflicts) = (0u64, 0u64);
            loop {
                let prev = store.load_state("race").await?.map_or(0, |s| s.seq);
                if prev >= END {
                    return anyhow::Ok((committed, conflicts));
                }
                let count = (w as u64 % 3 + 1).min(END - prev);
                match store.commit(&batch("race", prev, count)).await? {
                    CommitOutcome::Committed => committed += count,
                    CommitOutcome::Conflict { .. } => conflicts += 1,
                }
            }
        });
    }
    let (mut committed, mut conflicts) = (0, 0);
    while let Some(done) = writers.join_next().await {
        let (c, k) = done??;
        committed += c;
        conflicts += k;
    }
    println!("{committed} frames committed, {conflicts} conflicts");
    assert_eq!(committed, END, "frames committed in all");
    assert_eq!(first.load_state("race").await?.map(|s| s.seq), Some(END));
    assert_eq!(first.since("race", 0, 1000).await?, Since::Frames(frames("race", 1..=END)));
    Ok(())
}

/// Redis-only: a batch refused by the compare-and-set leaves a finished
/// match's keys as they were, TTLs included.
#[tokio::test]
async fn conflict_keeps_a_finished_match_as_it_was() -> anyhow::Result<()> {
    let (server, store) = redis().await?;
    let done = finished(batch("kept", 0, 3), Duration::from_secs(600));
    commit_ok(&store, &done).await?;
    assert_eq!(store.commit(&batch("kept", 1, 1)).await?, CommitOutcome::Conflict { stored_seq: 3 });
    for key in keys::all("kept") {
        let reply = server.raw_command(&["PTTL", &key]).await?;
        let ms: i64 = reply.trim_start_matches(':').parse().with_context(|| format!("PTTL {key}: {reply}"))?;
        ensure!((590_000..=600_000).contains(&ms), "{key}: PTTL {ms}");
    }
    assert_eq!(server.raw_command(&["GET", &keys::seq("kept")]).await?, "3");
    assert_eq!(store.since("kept", 0, 10).await?, Since::Frames(frames("kept", 1..=3)));
    Ok(())
}

/// Redis-only: the live stream ends when the connection is lost, and the
/// store's command connection comes back (scripts reloaded) after a restart.
#[tokio::test]
async fn survives_a_redis_restart() -> anyhow::Result<()> {
    let (mut server, store) = redis().await?;
    commit_ok(&store, &batch("rs", 0, 2)).await?;
    let (control, stream) = store.live().await?;
    let mut reader = Reader::spawn(stream);
    control.subscribe("rs").await?;

    server.stop()?;
    ensure!(reader.ends().await?, "live stream did not end after redis stopped");
    ensure!(control.subscribe("rs2").await.is_err(), "subscribe on a dead feed succeeded");
    let err = store.load_state("rs").await.err().context("read from a stopped redis succeeded")?;
    assert_eq!(err.metric_label(), "connection", "{err}");

    server.start_again().await?;
    // The restarted server is empty; the connection manager reconnects.
    let mut outcome = None;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while outcome.is_none() {
        match store.commit(&batch("rs", 0, 1)).await {
            Ok(o) => outcome = Some(o),
            Err(e) if tokio::time::Instant::now() < deadline => {
                assert_eq!(e.metric_label(), "connection", "{e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    assert_eq!(outcome, Some(CommitOutcome::Committed));
    assert_eq!(store.since("rs", 0, 10).await?, Since::Frames(frames("rs", 1..=1)));

    // A fresh feed works again.
    let (control, stream) = store.live().await?;
    let mut reader = Reader::spawn(stream);
    control.subscribe("rs").await?;
    commit_ok(&store, &batch("rs", 1, 1)).await?;
    assert_eq!(reader.next().await?, frames_of("rs", frames("rs", 2..=2)));
    Ok(())
}

/// Redis-only: a rough throughput figure for commits of 1000 frames (printed,
/// not asserted: the machine is shared), plus a floor far below the target
/// that only a per-frame round trip would break.
#[tokio::test]
async fn commit_throughput() -> anyhow::Result<()> {
    let (_server, store) = redis().await?;
    let per_batch = 1000;
    let batches = 50;
    let started = std::time::Instant::now();
    for i in 0..batches {
        commit_ok(&store, &batch("tp", i * per_batch, per_batch)).await?;
    }
    let elapsed = started.elapsed();
    let rate = (batches * per_batch) as f64 / elapsed.as_secs_f64();
    println!("committed {} frames in {elapsed:?}: {rate:.0} frames/s", batches * per_batch);
    ensure!(rate > 10_000.0, "only {rate:.0} frames/s");
    Ok(())
}

/// Clones of a memory store share their data.
#[tokio::test]
async fn memory_store_is_cheap_to_clone() -> anyhow::Result<()> {
    let store = MemoryStore::new();
    let clone = store.clone();
    commit_ok(&clone, &batch("cl", 0, 2)).await?;
    assert_eq!(store.since("cl", 0, 10).await?, Since::Frames(frames("cl", 1..=2)));
    Ok(())
}
