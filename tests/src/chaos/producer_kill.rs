//! `kill -9` of the producer mid-match, restarted after a random pause:
//! it reads the topic, finds the last seq it published and continues the
//! same match from the next one. The topic must hold every seq exactly
//! once (nothing repeated, nothing skipped) and the viewers must see the
//! match through without a gap.
//!
//! Recovery: from the kill until every viewer holds the first event the
//! restarted producer published.

use std::time::Duration;

use anyhow::bail;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::time::Instant;
use tracing::info;

use super::client::ClientSpec;
use super::lab::{Gateway, Lab, MatchSpec, Proc, metric};
use super::viewers::Viewers;
use super::{Row, Scenario, Settings, Trial, published, wait_published};

const VIEWERS: usize = 3;
const SPEED: f64 = 1000.0;
const LIMIT: Duration = Duration::from_secs(120);

pub(super) async fn run(settings: &Settings, row: &mut Row) -> anyhow::Result<()> {
    let lab = Lab::start().await?;
    let gateway = lab.gateway().await?;
    let rss = super::lab::RssWatch::start(gateway.pid().into_iter().collect());
    let trials = settings.pick(1, (settings.trials / 4).max(1), (settings.trials / 4).max(1));
    let lanes = settings.pick(1, 3, 3);
    let (lab, gateway_ref) = (&lab, &gateway);
    super::run_trials(row, trials, lanes, |i| async move { trial(lab, gateway_ref, settings, i).await }).await;
    row.peak_rss_kib = Some(rss.finish().await);
    Ok(())
}

async fn trial(lab: &Lab, gateway: &Gateway, settings: &Settings, i: usize) -> anyhow::Result<Trial> {
    let seed = settings.trial_seed(Scenario::ProducerKill, i);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let spec = MatchSpec::new(format!("pk-{seed}"), Settings::format_for(i), seed);
    let total = spec.events().await?.len() as u64;
    let kill_at = rng.random_range(total / 10..=total * 8 / 10);
    let jitter = Duration::from_millis(rng.random_range(0..30));
    let down = Duration::from_millis(rng.random_range(0..1000));

    let viewers = Viewers::spawn(
        (0..VIEWERS)
            .map(|v| ClientSpec { track_state: true, ..ClientSpec::new(&gateway.addr, &spec.id, seed + v as u64) }),
    );
    viewers.until("served", LIMIT, |p| p.served.load(std::sync::atomic::Ordering::Relaxed)).await?;
    let _consumer = lab.consumer(&spec.id, 1000)?;
    let mut producer = lab.producer(&spec, SPEED)?;
    wait_published(&producer, kill_at, LIMIT).await?;
    tokio::time::sleep(jitter).await;
    let before = published(&producer).await;
    producer.worker.kill9();
    let killed_at = Instant::now();
    info!(match_id = spec.id, seq = before, ?down, "producer killed");
    tokio::time::sleep(down).await;
    producer.worker.restart()?;
    let target = (before + 1).min(total);
    let resumed = resumed_from(&producer, total).await?;
    let recovery = viewers.recovery(killed_at, target, LIMIT, |_| true).await?;
    producer.worker.wait_exit(LIMIT).await?;
    viewers.reach(total, LIMIT).await?;
    let reports = viewers.finish().await?;

    let mut trial = Trial { recovery: recovery.into_iter().max().into_iter().collect(), ..Trial::default() };
    // The restarted producer found where the dead one stopped: the last seq
    // it got acknowledged, or one past it (a publish in flight at the kill
    // that the broker wrote).
    if resumed != before && resumed != before + 1 {
        trial.failures.push(format!("the producer was killed after seq {before} but resumed from {resumed}"));
    }
    super::check_match(lab, &gateway.addr, &spec, &reports, false, &mut trial).await?;
    Ok(trial)
}

/// Where a restarted producer resumed: its `livematch_events_resumed`
/// counter (events found already published), read once it published its
/// first event (or, when nothing was left to publish, once it is up).
async fn resumed_from(producer: &Proc, total: u64) -> anyhow::Result<u64> {
    let deadline = Instant::now() + LIMIT;
    loop {
        let resumed = metric(&producer.metrics, "livematch_events_resumed_total").await.ok().flatten();
        if let Some(resumed) = resumed
            && (resumed as u64 == total || published(producer).await > 0)
        {
            return Ok(resumed as u64);
        }
        if Instant::now() >= deadline {
            bail!("the restarted producer did not publish within {LIMIT:?}; log:\n{}", producer.worker.log_text());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
