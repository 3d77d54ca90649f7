//! The broker unreachable mid-match: the Tansu process is frozen with
//! SIGSTOP for 10 s (its sockets stay open but nothing answers, as in a
//! network partition) and then continued with SIGCONT. Tansu keeps its
//! topics in memory, so a real stop and start would lose the match: a
//! freeze is the outage it survives, and the one this checks. The producer
//! must buffer and retry its publish (it waits for each acknowledgement;
//! librdkafka retries until `message.timeout.ms`, 120 s), the consumers
//! must resume (the group may rebalance), and nothing may be lost.
//!
//! Recovery: from the broker's return until every viewer holds the first
//! event published after the outage began.

use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::time::Instant;
use tracing::info;

use super::client::ClientSpec;
use super::lab::{Gateway, Lab, MatchSpec, RssWatch, broker_pid, signal};
use super::viewers::Viewers;
use super::{Row, Scenario, Settings, Trial, published, wait_published};

const SPEED: f64 = 1000.0;
const VIEWERS: usize = 4;
const LIMIT: Duration = Duration::from_secs(180);

pub(super) async fn run(settings: &Settings, row: &mut Row) -> anyhow::Result<()> {
    let lab = Lab::start().await?;
    let gateway = lab.gateway().await?;
    let rss = RssWatch::start(gateway.pid().into_iter().collect());
    let outage = settings.pick(Duration::from_secs(5), Duration::from_secs(10), Duration::from_secs(10));
    let trials = settings.pick(1, 2, 4);
    for i in 0..trials {
        row.trials += 1;
        match trial(&lab, &gateway, settings, i, outage).await {
            Ok(t) => {
                row.tally += t.tally;
                row.recovery.extend(t.recovery);
                row.failures.extend(t.failures.into_iter().map(|f| format!("trial {i}: {f}")));
            }
            Err(e) => row.failures.push(format!("trial {i}: {e:#}")),
        }
    }
    row.notes.push(format!("broker frozen {} s per trial", outage.as_secs()));
    row.peak_rss_kib = Some(rss.finish().await);
    Ok(())
}

async fn trial(lab: &Lab, gateway: &Gateway, settings: &Settings, i: usize, outage: Duration) -> anyhow::Result<Trial> {
    let seed = settings.trial_seed(Scenario::BrokerOutage, i);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let spec = MatchSpec::new(format!("bo-{seed}"), Settings::format_for(i), seed);
    let total = spec.events().await?.len() as u64;
    let fault_at = rng.random_range(total / 5..=total / 2);

    let viewers = Viewers::spawn(
        (0..VIEWERS)
            .map(|v| ClientSpec { track_state: true, ..ClientSpec::new(&gateway.addr, &spec.id, seed + v as u64) }),
    );
    viewers.until("served", LIMIT, |p| p.served.load(Ordering::Relaxed)).await?;
    let _consumers = [lab.consumer(&spec.id, 1000)?, lab.consumer(&spec.id, 1000)?];
    let mut producer = lab.producer(&spec, SPEED)?;
    wait_published(&producer, fault_at, LIMIT).await?;
    let pid = broker_pid(lab.broker.port()).context("find the broker's process")?;
    let before = published(&producer).await;
    signal(pid, "STOP")?;
    info!(match_id = spec.id, seq = before, pid, ?outage, "broker frozen");
    tokio::time::sleep(outage).await;
    signal(pid, "CONT")?;
    let back = Instant::now();
    let target = (before + 1).min(total);
    let recovery = viewers.recovery(back, target, LIMIT, |_| true).await?;
    producer.worker.wait_exit(LIMIT).await?;
    viewers.reach(total, LIMIT).await?;
    let reports = viewers.finish().await?;
    let mut trial = Trial { recovery: recovery.into_iter().max().into_iter().collect(), ..Trial::default() };
    super::check_match(lab, &gateway.addr, &spec, &reports, false, &mut trial).await?;
    Ok(trial)
}
