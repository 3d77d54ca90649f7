//! Consumer throughput: many simulated matches, one consumer task per match
//! (as production runs one consumer per match), all in this process, from
//! an in-memory event log into the store; plus the engine's ceiling (the
//! fold alone, one thread).

pub(super) use crate::clock::now_ms;
use std::sync::Arc;
use std::time::{Duration, Instant};

use livematch_sports::cricket::sim::{SimConfig, simulate};
use livematch_sports::cricket::{self, Format};
use livematch_sports::{Envelope, Event, MatchState, Sport};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::info;

use super::rss;
use super::table::{Row, Target, thousands};
use super::{BenchError, CONSUMER_TARGET};
use crate::bus::memory::MemoryBus;
use crate::bus::{EventBus, topic_for};
use crate::consumer::{self, ConsumerConfig, ConsumerMetrics};
use crate::protocol;
use crate::store::{CommitBatch, Store, StoreError};

/// The events of many simulated matches, generated once per run.
#[derive(Debug, Clone)]
pub struct Workload {
    /// Each match's events in order (seq = index + 1).
    pub matches: Arc<Vec<Vec<cricket::Event>>>,
    /// Events over all matches.
    pub total: u64,
    pub format: Format,
}

impl Workload {
    /// Simulate matches (seeds 1, 2, ...) until at least `events` events.
    #[must_use]
    pub fn generate(events: usize, format: Format) -> Workload {
        let mut matches = Vec::new();
        let mut total = 0usize;
        let mut seed = 1;
        while total < events.max(1) {
            let match_events = simulate(&SimConfig::new(format, seed));
            total += match_events.len();
            matches.push(match_events);
            seed += 1;
        }
        Workload { matches: Arc::new(matches), total: total as u64, format }
    }

    fn describe(&self) -> String {
        let format = match self.format {
            Format::T20 => "T20",
            Format::Odi => "ODI",
        };
        format!("{} {format} matches", self.matches.len())
    }
}

/// A match's events as envelopes of match `id`.
pub(super) fn envelopes(id: &str, events: &[cricket::Event], ts: i64) -> Vec<Envelope> {
    events.iter().zip(1u64..).map(|(e, seq)| Envelope::new(id, seq, ts, Event::Cricket(e.clone()))).collect()
}

#[allow(clippy::cast_precision_loss)]
fn per_second(count: u64, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64().max(1e-9)
}

/// The engine's ceiling: `MatchState::apply` over every event, one thread.
///
/// # Errors
/// The blocking task panicked.
pub async fn fold_row(workload: &Workload) -> Result<Row, BenchError> {
    let matches = Arc::clone(&workload.matches);
    let (elapsed, applied, rejected) = tokio::task::spawn_blocking(move || {
        let ts = now_ms();
        let inputs: Vec<(String, Vec<Envelope>)> = matches
            .iter()
            .enumerate()
            .map(|(i, events)| {
                let id = format!("fold-{i}");
                let envs = envelopes(&id, events, ts);
                (id, envs)
            })
            .collect();
        let started = Instant::now();
        let (mut applied, mut rejected) = (0u64, 0u64);
        for (id, envs) in &inputs {
            let mut state = MatchState::new(id.clone(), Sport::Cricket);
            for env in envs {
                if state.apply(env).is_ok() {
                    applied += 1;
                } else {
                    rejected += 1;
                    state.skip(env.seq);
                }
            }
        }
        (started.elapsed(), applied, rejected)
    })
    .await
    .map_err(|e| BenchError::Task(format!("fold benchmark: {e}")))?;
    let mut notes = format!("{}, single thread: the engine's ceiling", workload.describe());
    if rejected > 0 {
        notes.push_str(&format!("; {rejected} events rejected by the rules"));
    }
    Ok(Row {
        id: "fold".into(),
        scenario: "fold only (MatchState::apply)".into(),
        count: Some(applied + rejected),
        expected: Some(workload.total),
        rate: Some(per_second(applied + rejected, elapsed)),
        notes,
        ..Row::default()
    })
}

/// Commit (then delete) a one-event match, so the timed run starts as a
/// long-running consumer does: connected, with the store's scripts loaded.
/// Without it, hundreds of consumers committing at once all miss Redis's
/// script cache for the lobby script and send it twice (EVALSHA, NOSCRIPT,
/// EVAL).
async fn warm_up(store: &dyn Store, id: &str, events: &[cricket::Event]) -> Result<(), StoreError> {
    let mut state = MatchState::new(id, Sport::Cricket);
    let Some(first) = events.first() else { return Ok(()) };
    let env = Envelope::new(id, 1, now_ms(), Event::Cricket(first.clone()));
    let frame = match state.apply(&env) {
        Ok(applied) => protocol::event_frame(&env, &applied.patch),
        Err(e) => {
            state.skip(1);
            protocol::parked_frame(id, 1, env.ts, &e.to_string())
        }
    };
    let batch = CommitBatch {
        match_id: id.to_owned(),
        prev_seq: 0,
        snapshot: state.snapshot_text(),
        frames: vec![frame],
        lobby: state.lobby_entry(),
        expire_after: None,
        state,
    };
    store.commit(&batch).await?;
    store.delete_match(id).await
}

/// What one consumer scenario writes into.
pub struct Sink {
    /// `redis` or `memory` (row ids and labels).
    pub name: &'static str,
    pub store: Arc<dyn Store>,
    /// The store's own process (a redis-server started for the run), whose
    /// CPU time is reported.
    pub server_pid: Option<u32>,
}

/// Consumers of every match of `workload` into `sink.store` with
/// `batch_max`, measured from their start until every match is written.
///
/// # Errors
/// Publishing into the memory bus fails, a consumer fails or panics, or
/// the matches are not all written within `limit`.
pub async fn consumer_row(
    workload: &Workload,
    sink: &Sink,
    batch_max: usize,
    prefix: &str,
    limit: Duration,
) -> Result<Row, BenchError> {
    let bus: Arc<dyn EventBus> = Arc::new(MemoryBus::new());
    let ts = now_ms();
    let ids: Vec<String> =
        (0..workload.matches.len()).map(|i| format!("{prefix}-{}-b{batch_max}-{i}", sink.name)).collect();
    for (id, events) in ids.iter().zip(workload.matches.iter()) {
        let topic = topic_for(id);
        for env in envelopes(id, events, ts) {
            bus.publish(&topic, id, env.to_vec())
                .await
                .map_err(|e| BenchError::Task(format!("publish to the memory bus: {e}")))?;
        }
    }
    warm_up(&*sink.store, &format!("{prefix}-{}-b{batch_max}-warmup", sink.name), &workload.matches[0])
        .await
        .map_err(|source| BenchError::Store { store: sink.name, source })?;
    info!(store = sink.name, batch_max, matches = ids.len(), events = workload.total, "bench: consumers starting");

    let metrics = ConsumerMetrics::unregistered();
    let shutdown = CancellationToken::new();
    let self_pid = std::process::id();
    let cpu_before = (rss::cpu_time(self_pid), sink.server_pid.and_then(rss::cpu_time));
    let started = Instant::now();
    let mut consumers = JoinSet::new();
    for id in &ids {
        let config = ConsumerConfig { batch_max, exit_when_finished: true, ..ConsumerConfig::new(id.clone()) };
        let run = consumer::run(Arc::clone(&bus), Arc::clone(&sink.store), config, metrics.clone(), shutdown.clone());
        let id = id.clone();
        consumers
            .spawn(async move { Box::pin(run).await.map_err(|source| BenchError::Consumer { match_id: id, source }) });
    }
    let joined = tokio::time::timeout(limit, async {
        while let Some(done) = consumers.join_next().await {
            done.map_err(|e| BenchError::Task(format!("consumer task: {e}")))??;
        }
        Ok::<(), BenchError>(())
    })
    .await;
    let elapsed = started.elapsed();
    let cpu_after = (rss::cpu_time(self_pid), sink.server_pid.and_then(rss::cpu_time));
    shutdown.cancel();
    consumers.abort_all();
    match joined {
        Err(_) => {
            return Err(BenchError::Timeout {
                what: format!("{} consumers into {} (batch {batch_max})", ids.len(), sink.name),
                after: limit,
            });
        }
        Ok(result) => result?,
    }
    let applied = metrics.events_applied.get();
    let commits = metrics.batches.get();

    // Every match must be stored at its last event (not timed).
    let mut behind = 0usize;
    for (id, events) in ids.iter().zip(workload.matches.iter()) {
        let state = sink.store.load_state(id).await.map_err(|source| BenchError::Store { store: sink.name, source })?;
        if state.map(|s| s.seq) != Some(events.len() as u64) {
            behind += 1;
        }
    }
    let rate = per_second(applied, elapsed);
    let mut notes = format!(
        "{}, {} consumers, {} commits, {:.2} s",
        workload.describe(),
        ids.len(),
        thousands(commits),
        elapsed.as_secs_f64()
    );
    // CPU per event: the figure that holds on a machine shared with other
    // work, where the rate does not.
    #[allow(clippy::cast_precision_loss)]
    let per_event = |before: Option<Duration>, after: Option<Duration>| {
        after.zip(before).and_then(|(a, b)| a.checked_sub(b)).map(|d| d.as_secs_f64() * 1e6 / applied.max(1) as f64)
    };
    if let Some(us) = per_event(cpu_before.0, cpu_after.0) {
        notes.push_str(&format!("; CPU per event: consumers {us:.1} µs"));
        if let Some(us) = per_event(cpu_before.1, cpu_after.1) {
            notes.push_str(&format!(", {} {us:.1} µs", sink.name));
        }
    }
    if behind > 0 {
        notes.push_str(&format!("; {behind} matches NOT at their last seq"));
    }
    let target = (sink.name == "redis" && batch_max >= 1000).then(|| Target {
        text: format!("≥ {}/s", thousands(CONSUMER_TARGET)),
        #[allow(clippy::cast_precision_loss)]
        pass: rate >= CONSUMER_TARGET as f64 && behind == 0 && applied == workload.total,
    });
    Ok(Row {
        id: format!("consumer/{}/{batch_max}", sink.name),
        scenario: format!("consumer → {}, batch max {batch_max}", sink.name),
        count: Some(applied),
        expected: Some(workload.total),
        rate: Some(rate),
        target,
        notes,
        ..Row::default()
    })
}
