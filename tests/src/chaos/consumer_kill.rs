//! `kill -9` of the active consumer at seeded random points of a match,
//! with a standby replica beside it (two consumers in the match's group, as
//! a Deployment with two replicas has). The standby takes over the
//! partition once the dead member's session expires, reloads the state
//! from Redis and continues; the killed one is restarted (as Kubernetes
//! would) and joins as the new standby.
//!
//! Per trial a new match (its own topic and group) on the scenario's broker,
//! Redis and gateway; the kill lands at a random seq, a random few ms into
//! a batch, with a random batch size. Recovery: from the kill until every
//! viewer holds the first event published after it.

use std::sync::Arc;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::time::Instant;
use tracing::info;

use super::client::ClientSpec;
use super::lab::{Gateway, Lab, MatchSpec, Proc, metric};
use super::viewers::Viewers;
use super::{Row, Scenario, Settings, Trial, published};

/// Batch sizes drawn per trial (one event per write up to the default).
const BATCHES: [usize; 4] = [1, 3, 50, 1000];
/// Viewers per trial (each keeps the match's state).
const VIEWERS: usize = 3;
/// Pace of the matches: a T20 takes ~10 s.
const SPEED: f64 = 1000.0;
const LIMIT: Duration = Duration::from_secs(120);

pub(super) async fn run(settings: &Settings, row: &mut Row) -> anyhow::Result<()> {
    let lab = Lab::start().await?;
    let gateway = Arc::new(lab.gateway().await?);
    let rss = super::lab::RssWatch::start(gateway.pid().into_iter().collect());
    let lanes = settings.pick(2, 4, 4);
    let lab = &lab;
    super::run_trials(row, settings.trials, lanes, |i| {
        let gateway = Arc::clone(&gateway);
        async move { trial(lab, &gateway, settings, i).await }
    })
    .await;
    row.peak_rss_kib = Some(rss.finish().await);
    Ok(())
}

async fn trial(lab: &Lab, gateway: &Gateway, settings: &Settings, i: usize) -> anyhow::Result<Trial> {
    let seed = settings.trial_seed(Scenario::ConsumerKill, i);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let spec = MatchSpec::new(format!("ck-{seed}"), Settings::format_for(i), seed);
    let total = spec.events().await?.len() as u64;
    let kill_at = rng.random_range(total / 10..=total * 6 / 10);
    let batch = BATCHES[rng.random_range(0..BATCHES.len())];
    let delay = Duration::from_millis(rng.random_range(0..40));

    let viewers = Viewers::spawn(
        (0..VIEWERS)
            .map(|v| ClientSpec { track_state: true, ..ClientSpec::new(&gateway.addr, &spec.id, seed + v as u64) }),
    );
    viewers.until("served", LIMIT, |p| p.served.load(std::sync::atomic::Ordering::Relaxed)).await?;
    let mut consumers = [lab.consumer(&spec.id, batch)?, lab.consumer(&spec.id, batch)?];
    let mut producer = lab.producer(&spec, SPEED)?;

    super::wait_published(&producer, kill_at, LIMIT).await?;
    viewers.reach(kill_at.min(total), LIMIT).await?;
    tokio::time::sleep(delay).await;
    let active = active_consumer(&consumers).await;
    let before = published(&producer).await.max(viewers.max_seq());
    consumers[active].worker.kill9();
    let killed_at = Instant::now();
    let target = (before + 1).min(total);
    info!(match_id = spec.id, seq = before, batch, active, "consumer killed");
    let recovery = viewers.recovery(killed_at, target, LIMIT, |_| true).await?;
    // Kubernetes restarts the killed pod: it joins as the new standby.
    consumers[active].worker.restart()?;
    producer.worker.wait_exit(LIMIT).await?;
    viewers.reach(total, LIMIT).await?;
    let reports = viewers.finish().await?;

    let mut trial = Trial { recovery: recovery.into_iter().max().into_iter().collect(), ..Trial::default() };
    super::check_match(lab, &gateway.addr, &spec, &reports, false, &mut trial).await?;
    Ok(trial)
}

/// The consumer currently writing: the one whose batch count moves (the
/// other waits for the partition), else the one that wrote the furthest.
async fn active_consumer(consumers: &[Proc; 2]) -> usize {
    async fn batches(p: &Proc) -> f64 {
        metric(&p.metrics, "livematch_consumer_batches_total").await.ok().flatten().unwrap_or(0.0)
    }
    async fn last_seq(p: &Proc) -> f64 {
        metric(&p.metrics, "livematch_consumer_last_seq").await.ok().flatten().unwrap_or(0.0)
    }
    let before = [batches(&consumers[0]).await, batches(&consumers[1]).await];
    tokio::time::sleep(Duration::from_millis(60)).await;
    let after = [batches(&consumers[0]).await, batches(&consumers[1]).await];
    match (after[0] > before[0], after[1] > before[1]) {
        (true, false) => 0,
        (false, true) => 1,
        _ => usize::from(last_seq(&consumers[1]).await > last_seq(&consumers[0]).await),
    }
}
