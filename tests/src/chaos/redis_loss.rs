//! Redis loses everything: `FLUSHALL`, or a restart with no persistence.
//! Kafka is the source of truth: the consumers must notice (their next
//! commit finds the stored seq gone) and rebuild state, snapshot, event log
//! and lobby entry from the topic; viewers must end with the right state,
//! through consecutive seqs or an explicit `reset` and a fresh snapshot —
//! never a silent gap.
//!
//! Each trial plays a match with two consumers, viewers connected all
//! along and viewers that drop their connection at the fault and resume
//! right after it (so they ask the emptied cache for the events after
//! their seq). Trial kinds, in turn:
//! * `flush`: `FLUSHALL` mid-match;
//! * `restart`: Redis killed and started again empty mid-match;
//! * `flush-idle`: `FLUSHALL` after the match's last event, consumers and
//!   viewers still running (a finished match stays on the site).
//!
//! Recovery: from the fault until the cache is back at (at least) the seq
//! it held and every viewer holds the first event published after the
//! fault (`flush-idle`: the last event).

use std::sync::atomic::Ordering;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::time::Instant;
use tracing::info;

use super::client::ClientSpec;
use super::lab::{Gateway, Lab, MatchSpec, Proc, RssWatch, metric};
use super::viewers::Viewers;
use super::{Row, Scenario, Settings, Trial, published, wait_published};

const SPEED: f64 = 1000.0;
const LIMIT: Duration = Duration::from_secs(120);
/// Viewers connected all along, then viewers that reconnect at the fault.
const STAYING: usize = 6;
const MOVING: usize = 4;
/// How long the cache may stay lost before it counts as not rebuilt.
const REBUILD_LIMIT: Duration = Duration::from_secs(30);

/// How the cache is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    Flush,
    Restart,
    FlushIdle,
}

impl Loss {
    fn name(self) -> &'static str {
        match self {
            Loss::Flush => "flush",
            Loss::Restart => "restart",
            Loss::FlushIdle => "flush-idle",
        }
    }
}

/// The kinds of the trials a profile runs.
fn kinds(settings: &Settings) -> Vec<Loss> {
    let cycle = [Loss::Flush, Loss::Restart, Loss::FlushIdle];
    let trials = settings.pick(2, 3, 6);
    (0..trials).map(|i| cycle[i % cycle.len()]).collect()
}

pub(super) async fn run(settings: &Settings, row: &mut Row) -> anyhow::Result<()> {
    run_kinds(settings, row, &kinds(settings)).await
}

/// Run trials of the given kinds (the CI test also runs them one by one).
pub async fn run_kinds(settings: &Settings, row: &mut Row, kinds: &[Loss]) -> anyhow::Result<()> {
    let mut lab = Lab::start().await?;
    let gateway = lab.gateway().await?;
    let rss = RssWatch::start(gateway.pid().into_iter().collect());
    let mut resets = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        row.trials += 1;
        match trial(&mut lab, &gateway, settings, i, *kind).await {
            Ok((t, reset)) => {
                row.tally += t.tally;
                row.recovery.extend(t.recovery);
                row.failures.extend(t.failures.into_iter().map(|f| format!("{} trial {i}: {f}", kind.name())));
                resets.push(format!("{} {reset}", kind.name()));
            }
            Err(e) => row.failures.push(format!("{} trial {i}: {e:#}", kind.name())),
        }
    }
    row.notes.push(format!("viewers reset: {}", resets.join(", ")));
    row.peak_rss_kib = Some(rss.finish().await);
    Ok(())
}

async fn trial(
    lab: &mut Lab,
    gateway: &Gateway,
    settings: &Settings,
    i: usize,
    kind: Loss,
) -> anyhow::Result<(Trial, String)> {
    let seed = settings.trial_seed(Scenario::RedisLoss, i);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let spec = MatchSpec::new(format!("rl-{seed}"), Settings::format_for(i), seed);
    let total = spec.events().await?.len() as u64;
    let fault_at = rng.random_range(total / 5..=total * 6 / 10);
    let batch = [1, 50, 1000][rng.random_range(0..3)];

    let viewers = Viewers::spawn(
        (0..STAYING + MOVING)
            .map(|v| ClientSpec { track_state: true, ..ClientSpec::new(&gateway.addr, &spec.id, seed + v as u64) }),
    );
    viewers.until("served", LIMIT, |p| p.served.load(Ordering::Relaxed)).await?;
    let consumers = [lab.consumer(&spec.id, batch)?, lab.consumer(&spec.id, batch)?];
    let mut producer = lab.producer(&spec, SPEED)?;
    let before = if kind == Loss::FlushIdle {
        producer.worker.wait_exit(LIMIT).await?;
        viewers.reach(total, LIMIT).await?;
        total
    } else {
        wait_published(&producer, fault_at, LIMIT).await?;
        published(&producer).await.max(viewers.max_seq())
    };
    // The moving viewers drop their connections; they reconnect (after up
    // to 500 ms of jitter) and resume while the cache is being lost.
    viewers.kick(|v| v >= STAYING);
    match kind {
        Loss::Flush | Loss::FlushIdle => lab.redis.flushall().await?,
        Loss::Restart => {
            lab.redis.stop()?;
            lab.redis.start_again().await?;
        }
    }
    let fault = Instant::now();
    info!(match_id = spec.id, seq = before, kind = kind.name(), batch, "redis lost its data");
    let target = (before + 1).min(total);
    let rebuilt = cache_back(gateway, &spec.id, before, REBUILD_LIMIT).await;
    let recovery = viewers.recovery(fault, target, REBUILD_LIMIT, |_| true).await;
    let mut trial = Trial::default();
    match (&rebuilt, &recovery) {
        (Ok(cache), Ok(viewers)) => {
            trial.recovery.push(
                viewers.iter().copied().chain([cache.saturating_duration_since(fault)]).max().unwrap_or_default(),
            );
        }
        (Err(e), _) => trial.failures.push(format!("{e:#}")),
        (_, Err(e)) => trial.failures.push(format!("{e:#}")),
    }
    if kind != Loss::FlushIdle {
        producer.worker.wait_exit(LIMIT).await?;
    }
    let reached = viewers.reach(total, Duration::from_secs(10)).await;
    let rebuilds = rebuilds(&consumers).await;
    let reports = viewers.finish().await?;
    if let Err(e) = reached {
        trial.failures.push(format!("{e:#}"));
    }
    if rebuilds == 0 {
        trial.failures.push("no consumer counted a rebuild (livematch_consumer_rebuilds_total)".into());
    }
    let reset_viewers = reports.iter().filter(|r| !r.resets.is_empty()).count();
    let reasons: std::collections::BTreeSet<&str> =
        reports.iter().flat_map(|r| r.resets.iter().map(String::as_str)).collect();
    let resets = if reasons.is_empty() {
        format!("0/{}", reports.len())
    } else {
        format!("{reset_viewers}/{} ({})", reports.len(), reasons.into_iter().collect::<Vec<_>>().join(", "))
    };
    if rebuilt.is_ok() {
        super::check_match(lab, &gateway.addr, &spec, &reports, true, &mut trial).await?;
    }
    Ok((trial, resets))
}

/// Wait until the gateway's REST snapshot of the match is at `seq` or
/// beyond again; the instant it was.
async fn cache_back(gateway: &Gateway, match_id: &str, seq: u64, limit: Duration) -> anyhow::Result<Instant> {
    let deadline = Instant::now() + limit;
    loop {
        let now = Instant::now();
        let at = crate::http::get_json(&gateway.addr, &format!("/api/matches/{match_id}"))
            .await
            .ok()
            .and_then(|s| s["seq"].as_u64());
        if at.is_some_and(|at| at >= seq) {
            return Ok(now);
        }
        if now >= deadline {
            anyhow::bail!(
                "the cache of {match_id} was not rebuilt to seq {seq} within {limit:?} (the gateway serves {})",
                at.map_or_else(|| "no snapshot".to_owned(), |s| format!("seq {s}"))
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Rebuilds counted by the consumers.
async fn rebuilds(consumers: &[Proc]) -> u64 {
    let mut total = 0.0;
    for c in consumers {
        total += metric(&c.metrics, "livematch_consumer_rebuilds_total").await.ok().flatten().unwrap_or(0.0);
    }
    total as u64
}
