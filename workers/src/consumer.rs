//! The consumer: folds one match's events into its state and writes state,
//! snapshot, event log and live notification to the store atomically,
//! committing the Kafka offset only afterwards.
//!
//! Idempotent by sequence number: an event at or below the stored seq is a
//! duplicate and changes nothing, so a crash between the store write and the
//! offset commit replays harmlessly. Several replicas may run: only the one
//! holding the partition consumes, and the store's compare-and-set on the
//! previous seq stops two writers from both counting an event.

use crate::clock::now_ms;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use livematch_sports::{ApplyError, Envelope, MatchState};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::bus::{BusError, EventBus, Record, Subscription, group_for, topic_for};
use crate::producer::ErrorLabel;
use crate::protocol;
use crate::store::{CommitBatch, CommitOutcome, Store, StoreError};

/// Most batches one process holds folded and not yet written, whatever
/// the number of consumers in it (the demo and the benchmark run hundreds).
/// A batch holds its frames (~2 KB an event), snapshot and state until it
/// is written; with no bound, every consumer folds its batch while the
/// first few are written, and all of them sit in memory at once, every
/// page of it touched for the first time (page faults were a fifth of the
/// benchmark's CPU). Bounded, the memory of written batches is reused. More
/// than the Redis store's commits in flight, so folding never waits for a
/// commit while Redis is idle. A process running one consumer never waits.
const BATCHES_IN_HAND: usize = 8;

static IN_HAND: Semaphore = Semaphore::const_new(BATCHES_IN_HAND);

/// What the consumer needs to know.
#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    pub match_id: String,
    /// Most records folded into one store write.
    pub batch_max: usize,
    /// Longest wait for the first record of a batch.
    pub poll_wait: Duration,
    /// A finished match's keys expire after this long.
    pub completed_ttl: Duration,
    /// How long an event after a gap is held, waiting for the missing ones,
    /// before the gap is declared lost and skipped.
    pub gap_timeout: Duration,
    /// Stop once the match is finished and written (demo, tests); a
    /// Deployment keeps running.
    pub exit_when_finished: bool,
    /// While no records come, check this often that the store still holds
    /// the match (a cache flushed or restarted empty between events, or
    /// after the last one, is otherwise noticed only at the next commit).
    pub cache_check_interval: Duration,
}

impl ConsumerConfig {
    #[must_use]
    pub fn new(match_id: impl Into<String>) -> Self {
        ConsumerConfig {
            match_id: match_id.into(),
            batch_max: 1000,
            poll_wait: Duration::from_millis(200),
            completed_ttl: Duration::from_secs(24 * 3600),
            gap_timeout: Duration::from_secs(5),
            exit_when_finished: false,
            cache_check_interval: Duration::from_secs(2),
        }
    }
}

/// Why the consumer stopped.
#[derive(Debug, thiserror::Error)]
pub enum ConsumeError {
    #[error(transparent)]
    Bus(#[from] BusError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ConsumeError {
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            ConsumeError::Bus(e) => e.metric_label(),
            ConsumeError::Store(e) => e.metric_label(),
        }
    }
}

/// Consumer metrics.
#[derive(Clone)]
pub struct ConsumerMetrics {
    pub events_applied: Counter,
    pub events_skipped: Family<ErrorLabel, Counter>,
    pub batches: Counter,
    pub commit_seconds: Histogram,
    pub event_age_seconds: Gauge<f64, std::sync::atomic::AtomicU64>,
    pub last_seq: Gauge,
    pub errors: Family<ErrorLabel, Counter>,
    pub rebuilds: Counter,
}

impl ConsumerMetrics {
    pub fn register(registry: &mut Registry) -> Self {
        let m = ConsumerMetrics {
            events_applied: Counter::default(),
            events_skipped: Family::default(),
            batches: Counter::default(),
            commit_seconds: Histogram::new(exponential_buckets(0.0001, 2.0, 16)),
            event_age_seconds: Gauge::default(),
            last_seq: Gauge::default(),
            errors: Family::default(),
            rebuilds: Counter::default(),
        };
        registry.register("livematch_events_applied", "Events folded into match state", m.events_applied.clone());
        registry.register(
            "livematch_events_skipped",
            "Records skipped or parked, by reason (duplicate, gap, malformed, rule, ...)",
            m.events_skipped.clone(),
        );
        registry.register("livematch_consumer_batches", "Batches written to the store", m.batches.clone());
        registry.register(
            "livematch_consumer_commit_seconds",
            "Time to write one batch to the store",
            m.commit_seconds.clone(),
        );
        registry.register(
            "livematch_consumer_lag_seconds",
            "Age of the last applied event when it was written (consumer lag in time)",
            m.event_age_seconds.clone(),
        );
        registry.register("livematch_consumer_last_seq", "Last sequence number written", m.last_seq.clone());
        registry.register("livematch_consumer_errors", "Consumer errors by kind", m.errors.clone());
        registry.register(
            "livematch_consumer_rebuilds",
            "Times the cache was found lost and rebuilt from the topic",
            m.rebuilds.clone(),
        );
        m
    }

    /// Metrics not registered anywhere (benchmarks, tests).
    #[must_use]
    pub fn unregistered() -> Self {
        ConsumerMetrics::register(&mut Registry::default())
    }

    fn error(&self, kind: &'static str) {
        self.errors.get_or_create(&ErrorLabel { kind }).inc();
    }

    fn skip(&self, reason: &'static str) {
        self.events_skipped.get_or_create(&ErrorLabel { kind: reason }).inc();
    }
}

/// The consumer's working state between batches.
struct Folder {
    match_id: String,
    /// Last state known to be in the store (None: nothing stored).
    stored: Option<MatchState>,
    /// Events past a gap, waiting for the missing ones, by seq.
    pending: BTreeMap<u64, Envelope>,
    pending_since: Option<Instant>,
    /// Set while the cache is rebuilt from the topic: the seq it held
    /// before it was lost. Once the rebuilt state reaches it, viewers are
    /// told to reload their snapshot.
    rebuild_to: Option<u64>,
    /// When the store last confirmed it holds `stored`.
    checked_at: Instant,
    /// When the stored state was first seen finished (its keys expire
    /// `completed_ttl` later, and are then not rebuilt).
    finished_at: Option<Instant>,
}

/// A batch folded in memory, not yet written.
struct Folded {
    state: MatchState,
    prev_seq: u64,
    frames: Vec<String>,
    applied: u64,
    last_ts: i64,
}

impl Folder {
    /// Forget the stored state and read the topic from the start: the
    /// cache was lost (or is behind) at `held`, the seq written before.
    fn rebuild_from_start(&mut self, held: u64) {
        self.pending.clear();
        self.pending_since = None;
        self.stored = None;
        self.rebuild_to = Some(self.rebuild_to.unwrap_or(0).max(held));
    }

    /// Fold records into a copy of the stored state.
    fn fold(&mut self, records: &[Record], metrics: &ConsumerMetrics, gap_timeout: Duration) -> Option<Folded> {
        for rec in records {
            let Some(payload) = rec.payload.as_deref() else {
                warn!(offset = rec.offset, "record without payload skipped");
                metrics.skip("empty");
                continue;
            };
            match Envelope::from_slice(payload) {
                Ok(env) if env.match_id != self.match_id => {
                    warn!(offset = rec.offset, other = %env.match_id, "record for another match skipped");
                    metrics.skip("wrong_match");
                }
                Ok(env) => {
                    // The same seq twice in one batch: counted like any duplicate.
                    if self.pending.insert(env.seq, env).is_some() {
                        metrics.skip("duplicate");
                    }
                }
                Err(e) => {
                    warn!(offset = rec.offset, error = %e, "malformed record skipped");
                    metrics.skip(e.metric_label());
                }
            }
        }
        let prev_seq = self.stored.as_ref().map_or(0, |s| s.seq);
        let mut folded: Option<Folded> = None;
        loop {
            let current = folded.as_ref().map_or(prev_seq, |f| f.state.seq);
            // Drop what is already applied.
            while let Some(entry) = self.pending.first_entry() {
                if *entry.key() > current {
                    break;
                }
                entry.remove();
                metrics.skip("duplicate");
            }
            let Some(entry) = self.pending.first_entry() else { break };
            let seq = *entry.key();
            if seq != current + 1 {
                // A gap: wait for the missing events a while, then give up on them.
                let since = *self.pending_since.get_or_insert_with(Instant::now);
                if since.elapsed() < gap_timeout {
                    debug!(expected = current + 1, got = seq, "waiting for events missing before a gap");
                    break;
                }
                warn!(missing_from = current + 1, missing_to = seq - 1, "events lost before a gap; skipping them");
                let sport = entry.get().event.sport();
                let f = folded.get_or_insert_with(|| self.start(prev_seq, sport));
                for missing in current + 1..seq {
                    metrics.skip("gap");
                    f.state.skip(missing);
                    f.frames.push(protocol::parked_frame(&self.match_id, missing, now_ms(), "missing"));
                }
                continue;
            }
            self.pending_since = None;
            let env = entry.remove();
            let Some(f) = self.start_for(&mut folded, prev_seq, &env) else {
                metrics.skip("wrong_sport");
                continue;
            };
            match f.state.apply(&env) {
                Ok(applied) => {
                    f.frames.push(protocol::event_frame(&env, &applied.patch));
                    f.applied += 1;
                    f.last_ts = env.ts;
                }
                Err(e @ (ApplyError::Rule { .. } | ApplyError::WrongSport { .. })) => {
                    warn!(seq = env.seq, error = %e, "event parked");
                    metrics.skip(e.metric_label());
                    f.state.skip(env.seq);
                    f.frames.push(protocol::parked_frame(&self.match_id, env.seq, env.ts, &e.to_string()));
                }
                Err(e) => {
                    // Duplicate / gap / wrong match cannot happen here: filtered above.
                    warn!(seq = env.seq, error = %e, "event skipped");
                    metrics.skip(e.metric_label());
                }
            }
        }
        if self.pending.is_empty() {
            self.pending_since = None;
        }
        folded
    }

    /// A batch starting from the stored state, or from a new match of
    /// `sport` when nothing is stored yet.
    fn start(&self, prev_seq: u64, sport: livematch_sports::Sport) -> Folded {
        let state = self.stored.clone().unwrap_or_else(|| MatchState::new(self.match_id.clone(), sport));
        Folded { state, prev_seq, frames: Vec::new(), applied: 0, last_ts: 0 }
    }

    /// The batch being folded, started from the stored state, or a new
    /// match of the event's sport. None when the event's sport does not
    /// match the stored match's sport.
    fn start_for<'a>(&self, folded: &'a mut Option<Folded>, prev_seq: u64, env: &Envelope) -> Option<&'a mut Folded> {
        let f = folded.get_or_insert_with(|| self.start(prev_seq, env.event.sport()));
        (f.state.sport() == env.event.sport()).then_some(f)
    }
}

/// Consume the match until shutdown (or until it is finished, when
/// configured so).
///
/// # Errors
/// Joining the consumer group fails. Transient store and bus errors are
/// retried, never fatal.
pub async fn run(
    bus: Arc<dyn EventBus>,
    store: Arc<dyn Store>,
    config: ConsumerConfig,
    metrics: ConsumerMetrics,
    shutdown: CancellationToken,
) -> Result<(), ConsumeError> {
    let topic = topic_for(&config.match_id);
    let mut sub = bus.subscribe(&topic, &group_for(&config.match_id)).await?;
    let stored = load_with_retry(&*store, &config.match_id, &metrics, &shutdown).await;
    let mut folder = Folder {
        match_id: config.match_id.clone(),
        stored,
        pending: BTreeMap::new(),
        pending_since: None,
        rebuild_to: None,
        checked_at: Instant::now(),
        finished_at: None,
    };
    if folder.stored.as_ref().is_some_and(|s| s.status().is_finished()) {
        // Its TTL runs from its last commit, before this process started:
        // counting from now at worst rebuilds it once more after it expired.
        folder.finished_at = Some(Instant::now());
    }
    if folder.stored.is_none() {
        // Nothing cached: whatever offsets the group committed, the cache
        // must be built from the start of the topic.
        sub.rewind().await?;
    }
    info!(topic, seq = folder.stored.as_ref().map_or(0, |s| s.seq), "consumer started");
    let mut backoff = Backoff::new();
    while !shutdown.is_cancelled() {
        let records = tokio::select! {
            r = sub.next_batch(config.batch_max, config.poll_wait) => r,
            () = shutdown.cancelled() => break,
        };
        let records = match records {
            Ok(r) => {
                backoff.reset();
                r
            }
            Err(e) => {
                warn!(error = %e, "reading from the topic failed; retrying");
                metrics.error(e.metric_label());
                backoff.wait(&shutdown).await;
                continue;
            }
        };
        if records.is_empty() {
            check_cache(&*store, &mut folder, &mut *sub, &config, &metrics).await?;
            continue;
        }
        let commit_to: Vec<(i32, i64)> = max_offsets(&records);
        if let Some(f) = records.first().and_then(|r| r.payload.as_deref()).and_then(|p| Envelope::from_slice(p).ok()) {
            // A standby that just took over holds a stale state: reload it.
            if f.seq > folder.stored.as_ref().map_or(0, |s| s.seq) + 1 {
                folder.stored = load_with_retry(&*store, &config.match_id, &metrics, &shutdown).await;
                // Another replica already rebuilt what this one saw lost.
                if folder.rebuild_to.is_some_and(|to| folder.stored.as_ref().is_some_and(|s| s.seq >= to)) {
                    folder.rebuild_to = None;
                }
            }
        }
        // Fold and write holding a permit: see BATCHES_IN_HAND.
        let permit = tokio::select! {
            p = IN_HAND.acquire() => p.ok(),
            () = shutdown.cancelled() => break,
        };
        if let Some(batch) = folder.fold(&records, &metrics, config.gap_timeout)
            && !write_batch(&*store, &mut folder, &mut *sub, batch, &config, &metrics, &shutdown).await?
        {
            continue; // reloaded and rewound: the records come again
        }
        drop(permit);
        for (partition, offset) in commit_to {
            if let Err(e) = sub.commit(partition, offset + 1).await {
                // Not fatal: the records come again and are duplicates.
                warn!(error = %e, "offset commit failed");
                metrics.error(e.metric_label());
            }
        }
        if config.exit_when_finished
            && folder.pending.is_empty()
            && folder.stored.as_ref().is_some_and(|s| s.status().is_finished())
        {
            info!(topic, "match finished; consumer exiting");
            break;
        }
    }
    info!(topic, "consumer stopped");
    Ok(())
}

/// While idle: make sure the store still holds what was written last. A
/// cache flushed or restarted empty is rebuilt from the topic (the next
/// batches fold it again from seq 1); a finished match whose keys expired
/// as configured is left alone.
async fn check_cache(
    store: &dyn Store,
    folder: &mut Folder,
    sub: &mut dyn Subscription,
    config: &ConsumerConfig,
    metrics: &ConsumerMetrics,
) -> Result<(), ConsumeError> {
    let Some(ours) = folder.stored.as_ref().map(|s| s.seq) else { return Ok(()) };
    if folder.checked_at.elapsed() < config.cache_check_interval || !folder.pending.is_empty() {
        return Ok(());
    }
    if folder.finished_at.is_some_and(|at| at.elapsed() >= config.completed_ttl) {
        return Ok(());
    }
    folder.checked_at = Instant::now();
    match store.stored_seq(&config.match_id).await {
        Ok(held) if held < ours => {
            warn!(held, ours, "cache lost while the match was idle: rebuilding from the topic");
            metrics.rebuilds.inc();
            folder.rebuild_from_start(ours);
            sub.rewind().await?;
        }
        Ok(_) => {}
        // Checked again at the next interval; a commit would notice too.
        Err(e) => {
            warn!(error = %e, "checking the cache failed");
            metrics.error(e.metric_label());
        }
    }
    Ok(())
}

/// After a commit during a rebuild: once the cache is back at the seq it
/// held before it was lost, tell the viewers to reload the snapshot (those
/// that subscribed while it was missing hold an empty one).
async fn announce_if_rebuilt(store: &dyn Store, folder: &mut Folder, match_id: &str, metrics: &ConsumerMetrics) {
    let (Some(target), Some(seq)) = (folder.rebuild_to, folder.stored.as_ref().map(|s| s.seq)) else { return };
    if seq < target {
        return;
    }
    match store.announce_rebuilt(match_id).await {
        Ok(()) => {
            info!(seq, "cache rebuilt from the topic");
            folder.rebuild_to = None;
        }
        // Retried after the next commit or check.
        Err(e) => {
            warn!(error = %e, "announcing the rebuilt cache failed");
            metrics.error(e.metric_label());
        }
    }
}

fn max_offsets(records: &[Record]) -> Vec<(i32, i64)> {
    let mut out: BTreeMap<i32, i64> = BTreeMap::new();
    for r in records {
        let e = out.entry(r.partition).or_insert(r.offset);
        *e = (*e).max(r.offset);
    }
    out.into_iter().collect()
}

/// Write a folded batch, retrying store errors. Returns false when the
/// store disagreed (another writer, or the cache was lost) and the state
/// was reloaded instead.
async fn write_batch(
    store: &dyn Store,
    folder: &mut Folder,
    sub: &mut dyn Subscription,
    folded: Folded,
    config: &ConsumerConfig,
    metrics: &ConsumerMetrics,
    shutdown: &CancellationToken,
) -> Result<bool, ConsumeError> {
    let finished = folded.state.status().is_finished();
    let batch = CommitBatch {
        match_id: config.match_id.clone(),
        prev_seq: folded.prev_seq,
        snapshot: folded.state.snapshot_text(),
        lobby: folded.state.lobby_entry(),
        frames: folded.frames,
        expire_after: finished.then_some(config.completed_ttl),
        state: folded.state,
    };
    let mut backoff = Backoff::new();
    loop {
        let started = Instant::now();
        let outcome = match store.commit(&batch).await {
            // A retried write that had gone through (its reply was lost), or
            // a replica that wrote the very same events: already committed.
            Ok(CommitOutcome::Conflict { stored_seq }) if stored_seq == batch.state.seq => Ok(CommitOutcome::Committed),
            other => other,
        };
        match outcome {
            Ok(CommitOutcome::Committed) => {
                metrics.commit_seconds.observe(started.elapsed().as_secs_f64());
                metrics.batches.inc();
                metrics.events_applied.inc_by(folded.applied);
                metrics.last_seq.set(i64::try_from(batch.state.seq).unwrap_or(i64::MAX));
                if folded.last_ts > 0 {
                    #[allow(clippy::cast_precision_loss)]
                    metrics.event_age_seconds.set((now_ms() - folded.last_ts) as f64 / 1000.0);
                }
                if finished && folder.finished_at.is_none() {
                    folder.finished_at = Some(Instant::now());
                }
                folder.checked_at = Instant::now();
                folder.stored = Some(batch.state);
                announce_if_rebuilt(store, folder, &config.match_id, metrics).await;
                return Ok(true);
            }
            Ok(CommitOutcome::Conflict { stored_seq }) => {
                // Another replica wrote first, or the cache was lost or
                // restored from an older copy. Either way: take the stored
                // state and read the topic again from the start; everything
                // at or below the stored seq is a duplicate and skipped.
                let ours = folded.prev_seq;
                if stored_seq < ours {
                    warn!(stored_seq, ours, "cache lost or behind: rebuilding from the topic");
                    metrics.rebuilds.inc();
                    folder.rebuild_from_start(ours);
                } else {
                    info!(stored_seq, ours, "another replica wrote first; reloading state");
                    folder.pending.clear();
                    folder.pending_since = None;
                }
                folder.stored = load_with_retry(store, &config.match_id, metrics, shutdown).await;
                sub.rewind().await?;
                return Ok(false);
            }
            Err(e) => {
                warn!(error = %e, "store write failed; retrying");
                metrics.error(e.metric_label());
                if shutdown.is_cancelled() {
                    return Err(e.into());
                }
                backoff.wait(shutdown).await;
            }
        }
    }
}

async fn load_with_retry(
    store: &dyn Store,
    match_id: &str,
    metrics: &ConsumerMetrics,
    shutdown: &CancellationToken,
) -> Option<MatchState> {
    let mut backoff = Backoff::new();
    loop {
        match store.load_state(match_id).await {
            Ok(s) => return s,
            Err(e) => {
                warn!(error = %e, "loading match state failed; retrying");
                metrics.error(e.metric_label());
                if shutdown.is_cancelled() {
                    return None;
                }
                backoff.wait(shutdown).await;
            }
        }
    }
}

/// Exponential backoff with jitter for retry loops that never give up.
struct Backoff {
    inner: backon::ExponentialBackoff,
}

impl Backoff {
    fn new() -> Self {
        use backon::BackoffBuilder;
        Backoff {
            inner: backon::ExponentialBuilder::default()
                .with_min_delay(Duration::from_millis(50))
                .with_max_delay(Duration::from_secs(5))
                .with_jitter()
                .without_max_times()
                .build(),
        }
    }

    fn reset(&mut self) {
        *self = Backoff::new();
    }

    async fn wait(&mut self, shutdown: &CancellationToken) {
        let delay = self.inner.next().unwrap_or(Duration::from_secs(5));
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = shutdown.cancelled() => {}
        }
    }
}
