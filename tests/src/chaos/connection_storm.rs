//! Connection storms: ten thousand viewers connect to one gateway at once
//! during a live match (each: TCP connect, WebSocket handshake, `hello`,
//! `subscribe`, snapshot), then the gateway is killed and restarted and
//! every one of them reconnects (with the web app's jitter, up to 1 s) and
//! resumes with `since`. All must be served, and every viewer must see each
//! event of the match exactly once across the restart.
//!
//! The clients run in this process, so the machine's file descriptor limit
//! must allow them (the chaos binary raises its soft limit to the hard
//! one; 10,000 clients need about 10,100 descriptors here and as many in
//! the gateway, which inherits the limit).
//!
//! Once everyone has resumed, the rest of the match is published at full
//! speed (the producer is restarted with `--speed 0`, continuing the same
//! match) so the run ends quickly.
//!
//! The gateway's memory must stay under the bound the slow-viewers
//! scenario documents (64 MiB + 64 KiB per connection).
//!
//! Recovery: per viewer, from the kill until it holds the first event
//! published after it.

use std::sync::atomic::Ordering;
use std::time::Duration;

use livematch_sports::Format;
use tokio::time::Instant;
use tracing::info;

use super::check;
use super::client::ClientSpec;
use super::lab::{Lab, MatchSpec, RssWatch, metric};
use super::report::{quantile, seconds};
use super::slow_viewers::{RSS_BASE_KIB, RSS_PER_CONNECTION_KIB};
use super::viewers::Viewers;
use super::{Row, Scenario, Settings, Trial, published, wait_published};

/// Pace while the storm and the restart happen: a few events a second.
const SPEED: f64 = 120.0;
const LIMIT: Duration = Duration::from_secs(300);
/// Viewers that also keep the match's state.
const TRACKED: usize = 10;

pub(super) async fn run(settings: &Settings, row: &mut Row) -> anyhow::Result<()> {
    let clients = settings.pick(1_000, 10_000, 15_000);
    let seed = settings.trial_seed(Scenario::ConnectionStorm, 0);
    let lab = Lab::start().await?;
    let mut gateway = lab.gateway().await?;
    let rss = RssWatch::start(gateway.pid().into_iter().collect());
    let spec = MatchSpec::new(format!("cs-{seed}"), Format::T20, seed);
    let _consumer = lab.consumer(&spec.id, 1000)?;
    let mut producer = lab.producer(&spec, SPEED)?;
    // The match is under way: its consumer has joined and written it.
    wait_published(&producer, 3, LIMIT).await?;
    check::stored_snapshot_at_least(&gateway.addr, &spec.id, 3, LIMIT).await?;

    let storm = Instant::now();
    let viewers = Viewers::spawn((0..clients).map(|v| ClientSpec {
        track_state: v < TRACKED,
        reconnect_jitter: Duration::from_secs(1),
        ..ClientSpec::new(&gateway.addr, &spec.id, seed + v as u64)
    }));
    let served = viewers.times(storm, LIMIT, "get a snapshot", |_| true, |p| p.served.load(Ordering::Relaxed)).await?;
    let storm_time = quantile(&served, 1.0).unwrap_or_default();
    info!(clients, storm = ?storm_time, "connection storm served");
    let open = metric(&gateway.addr, "livematch_gateway_connections_open").await?.unwrap_or(0.0);
    let rss_served = rss.peak_kib();

    // Everyone reconnects after a restart.
    let before = published(&producer).await.max(viewers.max_seq());
    let killed = Instant::now();
    gateway.kill_and_restart().await?;
    rss.set(gateway.pid().into_iter().collect());
    let restart = killed.elapsed();
    let total = spec.events().await?.len() as u64;
    let target = (before + 1).min(total);
    let recovery = viewers.recovery(killed, target, LIMIT, |_| true).await?;
    info!(clients, max = ?quantile(&recovery, 1.0), "everyone resumed after the restart");

    // Publish the rest at full speed.
    producer.worker.kill9();
    let mut rest = lab.producer(&spec, 0.0)?;
    rest.worker.wait_exit(LIMIT).await?;
    viewers.reach(total, LIMIT).await?;
    let reports = viewers.finish().await?;
    drop(producer);
    let mut trial = Trial { recovery, ..Trial::default() };
    #[allow(clippy::cast_precision_loss)]
    if open < clients as f64 {
        trial.failures.push(format!("the gateway had {open} connections open after the storm, not {clients}"));
    }
    let failures: u64 = reports.iter().map(|r| r.connect_failures).sum();
    let resets = reports.iter().filter(|r| !r.resets.is_empty()).count();
    if resets > 0 {
        trial.failures.push(format!("{resets} viewers got a reset instead of resuming"));
    }
    let peak = rss.finish().await;
    let bound = RSS_BASE_KIB + RSS_PER_CONNECTION_KIB * clients as u64;
    if peak > bound {
        trial.failures.push(format!("gateway RSS peaked at {peak} KiB, over the bound of {bound} KiB"));
    }
    trial.notes.push(format!(
        "{clients} connects served in {} (p50 {}), {failures} refused attempts retried; \
         {} MiB with all connected (bound {} MiB); gateway back in {}",
        seconds(storm_time),
        seconds(quantile(&served, 0.5).unwrap_or_default()),
        rss_served / 1024,
        bound / 1024,
        seconds(restart)
    ));
    super::check_match(&lab, &gateway.addr, &spec, &reports, false, &mut trial).await?;
    row.trials = 1;
    row.tally += trial.tally;
    row.recovery.extend(trial.recovery);
    row.failures.extend(trial.failures);
    row.notes.extend(trial.notes);
    row.peak_rss_kib = Some(peak);
    Ok(())
}
