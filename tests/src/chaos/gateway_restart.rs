//! A gateway replica killed (`kill -9`, even trials) or stopped for a
//! rolling update (SIGTERM: close 1001, odd trials) mid-match and started
//! again, beside a second replica. Its viewers reconnect with jitter, half
//! to the restarted replica and half to the other one, and resume with
//! `since`: each must continue exactly where it was (no gap, no duplicate,
//! no reset: the log holds what they missed). A quarter of the viewers sit
//! on the other replica all along, as a control.
//!
//! Recovery: per viewer of the stopped replica, from the fault until it
//! holds the first event published after it.

use std::sync::atomic::Ordering;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::time::Instant;
use tracing::info;

use super::client::{ClientSpec, End};
use super::lab::{Gateway, Lab, MatchSpec, RssWatch};
use super::viewers::Viewers;
use super::{Row, Scenario, Settings, Trial, published, wait_published};

const SPEED: f64 = 1000.0;
const LIMIT: Duration = Duration::from_secs(120);

pub(super) async fn run(settings: &Settings, row: &mut Row) -> anyhow::Result<()> {
    let lab = Lab::start().await?;
    let mut first = lab.gateway().await?;
    let second = lab.gateway().await?;
    let rss = RssWatch::start(first.pid().into_iter().chain(second.pid()).collect());
    let trials = settings.pick(1, 4, 8);
    let viewers = settings.pick(12, 40, 80);
    for i in 0..trials {
        row.trials += 1;
        match trial(&lab, &mut first, &second, &rss, settings, i, viewers).await {
            Ok(t) => {
                row.tally += t.tally;
                row.recovery.extend(t.recovery);
                row.failures.extend(t.failures.into_iter().map(|f| format!("trial {i}: {f}")));
                row.notes.extend(t.notes);
            }
            Err(e) => row.failures.push(format!("trial {i}: {e:#}")),
        }
    }
    let graceful = trials / 2;
    row.notes.push(format!(
        "{} kill -9 + {graceful} SIGTERM; {} viewers of the stopped replica resumed",
        trials - graceful,
        row.recovery.len()
    ));
    row.peak_rss_kib = Some(rss.finish().await);
    Ok(())
}

/// Which replicas a viewer uses: all start on the first, except every
/// fourth (the control, on the second all along); after the fault even
/// ones return to the restarted first, odd ones move to the second.
fn addrs(v: usize, first: &str, second: &str) -> Vec<String> {
    match v % 4 {
        3 => vec![second.to_owned()],
        v if v % 2 == 0 => vec![first.to_owned()],
        _ => vec![first.to_owned(), second.to_owned()],
    }
}

async fn trial(
    lab: &Lab,
    first: &mut Gateway,
    second: &Gateway,
    rss: &RssWatch,
    settings: &Settings,
    i: usize,
    count: usize,
) -> anyhow::Result<Trial> {
    let seed = settings.trial_seed(Scenario::GatewayRestart, i);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let spec = MatchSpec::new(format!("gr-{seed}"), Settings::format_for(i), seed);
    let total = spec.events().await?.len() as u64;
    let fault_at = rng.random_range(total / 5..=total * 6 / 10);
    let graceful = i % 2 == 1;

    let viewers = Viewers::spawn((0..count).map(|v| ClientSpec {
        addrs: addrs(v, &first.addr, &second.addr),
        track_state: true,
        ..ClientSpec::new(&first.addr, &spec.id, seed + v as u64)
    }));
    viewers.until("served", LIMIT, |p| p.served.load(Ordering::Relaxed)).await?;
    let _consumer = lab.consumer(&spec.id, 1000)?;
    let mut producer = lab.producer(&spec, SPEED)?;
    wait_published(&producer, fault_at, LIMIT).await?;
    let before = published(&producer).await.max(viewers.max_seq());
    let fault = Instant::now();
    if graceful {
        first.worker.terminate(Duration::from_secs(10)).await;
        first.kill_and_restart().await?;
    } else {
        first.kill_and_restart().await?;
    }
    rss.set(first.pid().into_iter().chain(second.pid()).collect());
    info!(match_id = spec.id, seq = before, graceful, restarted_in = ?fault.elapsed(), "gateway restarted");
    let target = (before + 1).min(total);
    let recovery = viewers.recovery(fault, target, LIMIT, |v| v % 4 != 3).await?;
    producer.worker.wait_exit(LIMIT).await?;
    viewers.reach(total, LIMIT).await?;
    let reports = viewers.finish().await?;

    let mut trial = Trial { recovery, ..Trial::default() };
    let moved: Vec<&End> =
        reports.iter().enumerate().filter(|(v, _)| v % 4 != 3).filter_map(|(_, r)| r.ends.first()).collect();
    let closed_1001 = moved.iter().filter(|e| matches!(e, End::Close { code: 1001, .. })).count();
    if graceful && closed_1001 != moved.len() {
        trial.failures.push(format!("a rolling restart closed {closed_1001} of {} viewers with 1001", moved.len()));
    }
    let control_reconnects = reports.iter().enumerate().filter(|(v, r)| v % 4 == 3 && r.connects != 1).count();
    if control_reconnects > 0 {
        trial.failures.push(format!("{control_reconnects} viewers of the other replica were disconnected"));
    }
    super::check_match(lab, &first.addr, &spec, &reports, false, &mut trial).await?;
    Ok(trial)
}
