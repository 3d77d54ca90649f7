//! Slow viewers: a thousand clients subscribe to a live match and then
//! stop reading their sockets (a frozen tab, a dead mobile link), each with
//! a small receive buffer, beside twenty normal viewers. The gateway must
//! cut every slow one off (a socket write blocked past the write timeout,
//! or falling behind the match's live queue twice), keep its memory under
//! the documented bound meanwhile, and serve the normal viewers as fast as
//! before: their p99 latency (event `ts` to arrival) while the slow ones
//! hang on is compared with the same window before they came.
//!
//! Once the match is over the stalled viewers read again: each must find
//! why it was cut off (an `error` frame `slow_consumer`, then close 4008),
//! not a reset connection.
//!
//! Recovery: from the moment every slow viewer is subscribed and stalled
//! until the gateway has cut them all off.

use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;
use livematch_sports::Format;
use tokio::time::Instant;
use tracing::info;

use super::client::{ClientReport, ClientSpec, End};
use super::lab::{Lab, MatchSpec, RssWatch, metric};
use super::report::{quantile, seconds};
use super::viewers::Viewers;
use super::{Row, Scenario, Settings, Trial, wait_published};

/// Normal viewers measuring latency (the first few also keep the state).
const NORMAL: usize = 20;
/// The slow clients' `SO_RCVBUF` (the kernel doubles it).
const SLOW_RECV_BUFFER: u32 = 4096;
/// Latency beside the stalled viewers is sampled from this long after they
/// all subscribed (their thousand subscribes are a storm of their own).
const SETTLE: Duration = Duration::from_millis(500);
/// How long latency is sampled before the slow viewers arrive.
const BASELINE: Duration = Duration::from_secs(4);
/// Pace of the match (~15 events/s): a T20 (quick) or one-day match lasts
/// long enough for the stalled sockets to fill and be cut off meanwhile.
const SPEED: f64 = 1000.0;
const LIMIT: Duration = Duration::from_secs(180);
/// Documented bound of the gateway's resident memory: a base plus a
/// per-connection allowance (see docs/guarantees.md).
pub const RSS_BASE_KIB: u64 = 64 * 1024;
pub const RSS_PER_CONNECTION_KIB: u64 = 64;
/// The normal viewers' p99 beside the stalled viewers may exceed the one
/// without them by at most this factor plus [`P99_SLACK_MS`]: room for the
/// scheduling noise of two cores shared with a thousand clients, none for
/// the head-of-line blocking a stalled socket would cause (seconds: the
/// write timeout).
pub const P99_FACTOR: f64 = 2.0;
pub const P99_SLACK_MS: f64 = 100.0;

pub(super) async fn run(settings: &Settings, row: &mut Row) -> anyhow::Result<()> {
    let slow = settings.pick(200, 1000, 2000);
    let seed = settings.trial_seed(Scenario::SlowViewers, 0);
    let lab = Lab::start().await?;
    let gateway = lab.gateway().await?;
    let rss = RssWatch::start(gateway.pid().into_iter().collect());
    let spec = MatchSpec::new(format!("sv-{seed}"), settings.pick(Format::T20, Format::Odi, Format::Odi), seed);
    let total = spec.events().await?.len() as u64;

    let normal = Viewers::spawn((0..NORMAL).map(|v| ClientSpec {
        track_state: v < 4,
        record_latency: true,
        ..ClientSpec::new(&gateway.addr, &spec.id, seed + v as u64)
    }));
    normal.until("served", LIMIT, |p| p.served.load(Ordering::Relaxed)).await?;
    let _consumer = lab.consumer(&spec.id, 1000)?;
    let mut producer = lab.producer(&spec, SPEED)?;
    // Start measuring once the pipeline is steady (the consumer joined its
    // group and caught up).
    wait_published(&producer, 10, LIMIT).await?;
    normal.reach(20, LIMIT).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let baseline_start = Instant::now();
    tokio::time::sleep(BASELINE).await;
    let baseline_end = Instant::now();
    let rss_before = rss.peak_kib();

    let stalled = Viewers::spawn((0..slow).map(|v| ClientSpec {
        stall: true,
        recv_buffer: Some(SLOW_RECV_BUFFER),
        ..ClientSpec::new(&gateway.addr, &spec.id, seed + 1_000 + v as u64)
    }));
    stalled.until("subscribed", LIMIT, |p| p.served.load(Ordering::Relaxed)).await?;
    let stalled_at = Instant::now();
    info!(slow, "slow viewers subscribed and stalled");
    let cut = wait_cut_off(&gateway.addr, slow as f64, LIMIT).await;
    let cut_at = Instant::now();
    let closed = wait_closed(&gateway.addr, NORMAL as f64, Duration::from_secs(10)).await;
    producer.worker.wait_exit(LIMIT).await?;
    normal.reach(total, LIMIT).await?;
    let normal_reports = normal.finish().await?;
    // Only now let the stalled viewers look at their sockets (their drain
    // costs this process CPU the normal viewers' latency must not pay).
    stalled.release();
    let slow_reports = stalled.finish().await?;

    let mut trial = Trial::default();
    row.trials = 1;
    let peak = rss.finish().await;
    row.peak_rss_kib = Some(peak);
    let bound = RSS_BASE_KIB + RSS_PER_CONNECTION_KIB * (slow + NORMAL) as u64;
    if peak > bound {
        trial.failures.push(format!("gateway RSS peaked at {peak} KiB, over the bound of {bound} KiB"));
    }
    match cut {
        Ok(()) => trial.recovery.push(cut_at.saturating_duration_since(stalled_at)),
        Err(e) => trial.failures.push(format!("{e:#}")),
    }
    if let Err(e) = closed {
        trial.failures.push(format!("{e:#}"));
    }
    let before = latency_p99(&normal_reports, baseline_start, baseline_end);
    let during = latency_p99(&normal_reports, stalled_at + SETTLE, cut_at);
    match (before, during) {
        (Some(before), Some(during)) => {
            if during > before * P99_FACTOR + P99_SLACK_MS {
                trial
                    .failures
                    .push(format!("normal viewers' p99 went from {before:.1} ms to {during:.1} ms with slow viewers"));
            }
            trial.notes.push(format!("normal viewers' p99 {before:.0} ms alone, {during:.0} ms beside {slow} stalled"));
        }
        _ => trial.failures.push("no latency samples in a window".into()),
    }
    let untold = slow_reports.iter().filter(|r| !told_why(r)).count();
    if untold > 0 {
        trial.failures.push(format!(
            "{untold} of {slow} stalled viewers, reading again, did not find why they were cut off \
             (error slow_consumer, then close 4008)"
        ));
    }
    trial.notes.push(format!("stalled viewers saw: {}", describe_ends(&slow_reports)));
    trial.notes.push(format!("RSS {:.0} MiB before them, bound {:.0} MiB", kib_to_mib(rss_before), kib_to_mib(bound)));
    super::check_match(&lab, &gateway.addr, &spec, &normal_reports, false, &mut trial).await?;
    row.tally += trial.tally;
    row.recovery.extend(trial.recovery);
    row.failures.extend(trial.failures);
    row.notes.extend(trial.notes);
    Ok(())
}

/// Wait until the gateway counted `slow` slow-consumer disconnects.
async fn wait_cut_off(addr: &str, slow: f64, limit: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        let cut = metric(addr, "livematch_gateway_slow_consumer_disconnects_total")
            .await
            .context("read the gateway's metrics")?
            .unwrap_or(0.0);
        if cut >= slow {
            return Ok(());
        }
        if Instant::now() >= deadline {
            anyhow::bail!("the gateway cut off {cut} of {slow} slow viewers within {}", seconds(limit));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Wait until the gateway has at most `open` connections open.
async fn wait_closed(addr: &str, open: f64, limit: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        let now = metric(addr, "livematch_gateway_connections_open").await?.unwrap_or(0.0);
        if now <= open {
            return Ok(());
        }
        if Instant::now() >= deadline {
            anyhow::bail!("{now} connections still open {} after the cut-off (normal viewers: {open})", seconds(limit));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A cut-off viewer that reads again finds an `error` frame
/// `slow_consumer`, then close 4008.
fn told_why(report: &ClientReport) -> bool {
    matches!(report.ends.last(), Some(End::Close { code: 4008, .. })) && got_slow_consumer_error(report)
}

fn got_slow_consumer_error(report: &ClientReport) -> bool {
    report.errors.iter().any(|e| e == "slow_consumer")
}

/// How the stalled viewers found their connection once they read again,
/// counted by kind: a close frame (4008 is the slow-consumer code), an
/// `error` frame `slow_consumer`, a reset or EOF without a close frame, or
/// silence (the gateway's side of the socket is gone without a word).
fn describe_ends(reports: &[ClientReport]) -> String {
    let mut counts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for r in reports {
        let kind = match r.ends.last() {
            Some(End::Close { code, .. }) => format!("close {code}"),
            Some(End::Dropped(_)) => "reset without close frame".to_owned(),
            Some(End::Silent) => "silence".to_owned(),
            Some(End::Open) | None => "still open".to_owned(),
        };
        let told = if got_slow_consumer_error(r) { " after error slow_consumer" } else { "" };
        *counts.entry(format!("{kind}{told}")).or_default() += 1;
    }
    counts.into_iter().map(|(k, n)| format!("{n} {k}")).collect::<Vec<_>>().join(", ")
}

#[allow(clippy::cast_precision_loss)]
fn kib_to_mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// p99 of the latencies (ms) recorded between `from` and `to`.
fn latency_p99(reports: &[ClientReport], from: Instant, to: Instant) -> Option<f64> {
    let samples: Vec<Duration> = reports
        .iter()
        .flat_map(|r| r.latencies.iter())
        .filter(|(at, _)| *at >= from && *at <= to)
        .map(|(_, ms)| Duration::from_millis(u64::try_from(*ms).unwrap_or(0)))
        .collect();
    quantile(&samples, 0.99).map(|d| d.as_secs_f64() * 1000.0)
}
