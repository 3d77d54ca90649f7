//! The chaos suite: faults injected into real processes on loopback, with
//! a table of figures (`cargo xtask chaos`, `src/bin/chaos.rs`; the quick
//! setting runs as `tests/chaos.rs`). What livematch promises under each
//! fault is in `docs/guarantees.md`.
//!
//! Every scenario plays seeded simulated matches (the trials of the first
//! five take the four sports in turn) through a real broker
//! (Tansu), a real `redis-server` and `livematch` producers, consumers and
//! gateways (child processes), with WebSocket viewers that behave like the
//! web app ([`client`]), injects its fault, and checks ([`check`]):
//! * the topic holds the match exactly: seqs `1..=N` once each, each event
//!   the simulator's (nothing skipped or repeated by a producer);
//! * the store's snapshot and every viewer's state equal an uninterrupted
//!   fold of the topic (nothing lost or double-counted by a consumer);
//! * every viewer received every seq once, in order (no gap, no
//!   duplicate), resets only where the scenario allows them.
//!
//! Scenarios, one module each:
//! * [`consumer_kill`]: `kill -9` of the active consumer at seeded random
//!   points; the standby takes over.
//! * [`producer_kill`]: `kill -9` of the producer mid-match, restarted.
//! * [`gateway_restart`]: a gateway killed (or stopped) and restarted
//!   beside a second replica; its viewers reconnect and resume.
//! * [`redis_loss`]: Redis flushed or restarted empty mid-match.
//! * [`broker_outage`]: the broker frozen (SIGSTOP) for 10 s mid-match.
//! * [`slow_viewers`]: 1,000 viewers that stop reading.
//! * [`connection_storm`]: 10,000 connects, then all reconnecting after a
//!   gateway restart.

use std::time::Duration;

use futures::StreamExt;
use livematch_sports::Format;
use tokio::time::Instant;
use tracing::{info, warn};

pub mod check;
pub mod client;
pub mod lab;
pub mod report;
pub mod viewers;

pub mod broker_outage;
pub mod connection_storm;
pub mod consumer_kill;
pub mod gateway_restart;
pub mod producer_kill;
pub mod redis_loss;
pub mod slow_viewers;

pub use report::{Report, Row};

use check::Tally;
use lab::Proc;

/// A fault scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Scenario {
    ConsumerKill,
    ProducerKill,
    GatewayRestart,
    RedisLoss,
    BrokerOutage,
    SlowViewers,
    ConnectionStorm,
}

impl Scenario {
    /// Every scenario, in the order they run.
    pub const ALL: [Scenario; 7] = [
        Scenario::ConsumerKill,
        Scenario::ProducerKill,
        Scenario::GatewayRestart,
        Scenario::RedisLoss,
        Scenario::BrokerOutage,
        Scenario::SlowViewers,
        Scenario::ConnectionStorm,
    ];

    /// The name in the table and on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Scenario::ConsumerKill => "consumer-kill",
            Scenario::ProducerKill => "producer-kill",
            Scenario::GatewayRestart => "gateway-restart",
            Scenario::RedisLoss => "redis-loss",
            Scenario::BrokerOutage => "broker-outage",
            Scenario::SlowViewers => "slow-viewers",
            Scenario::ConnectionStorm => "connection-storm",
        }
    }
}

/// How big a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    /// Few trials, short matches, hundreds of clients: the CI test.
    Quick,
    /// What the issue asks for: 20 consumer kills, 1,000 slow viewers,
    /// 10,000 connects.
    Standard,
    /// Longer: more trials, one-day matches, more clients.
    Soak,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Trials of the consumer `kill -9` scenario; the other scenarios run a
    /// number of trials scaled from it (see each module).
    pub trials: usize,
    /// Seed of every random choice (fault points, batch sizes, matches,
    /// reconnect jitter): the same seed makes the same faults.
    pub seed: u64,
    pub profile: Profile,
    /// Run only these scenarios (empty: all).
    pub only: Vec<Scenario>,
}

impl Settings {
    /// The quick setting used by the CI test.
    #[must_use]
    pub fn quick(seed: u64) -> Self {
        Settings { trials: 2, seed, profile: Profile::Quick, only: Vec::new() }
    }

    /// Default trials of a profile.
    #[must_use]
    pub fn default_trials(profile: Profile) -> usize {
        match profile {
            Profile::Quick => 2,
            Profile::Standard => 20,
            Profile::Soak => 50,
        }
    }

    /// A seed for trial `trial` of a scenario (distinct per scenario).
    #[must_use]
    pub fn trial_seed(&self, scenario: Scenario, trial: usize) -> u64 {
        let index = Scenario::ALL.iter().position(|s| *s == scenario).unwrap_or(0) as u64;
        self.seed.wrapping_mul(1_000_003).wrapping_add(index * 10_007).wrapping_add(trial as u64)
    }

    /// The format of trial `trial`'s match: the four sports in turn
    /// (cricket T20, football league, basketball FIBA, tennis best of 5).
    #[must_use]
    pub fn format_for(trial: usize) -> Format {
        const ROTATION: [Format; 4] = [Format::T20, Format::League, Format::Fiba, Format::BestOf5];
        ROTATION[trial % ROTATION.len()]
    }

    /// `quick`, `standard` or `soak` value.
    #[must_use]
    pub fn pick<T>(&self, quick: T, standard: T, soak: T) -> T {
        match self.profile {
            Profile::Quick => quick,
            Profile::Standard => standard,
            Profile::Soak => soak,
        }
    }
}

/// Run the selected scenarios one after the other and report each.
pub async fn run(settings: &Settings) -> Report {
    let header = format!(
        "{}\nchaos: profile {:?}, seed {}, {} consumer-kill trials",
        livematch_workers::bench::rss::machine_line(),
        settings.profile,
        settings.seed,
        settings.trials
    );
    let mut report = Report { header, rows: Vec::new() };
    for scenario in Scenario::ALL {
        if !settings.only.is_empty() && !settings.only.contains(&scenario) {
            continue;
        }
        info!(scenario = scenario.name(), "chaos scenario starting");
        let started = Instant::now();
        let mut row = Row::new(scenario);
        let result = match scenario {
            Scenario::ConsumerKill => consumer_kill::run(settings, &mut row).await,
            Scenario::ProducerKill => producer_kill::run(settings, &mut row).await,
            Scenario::GatewayRestart => gateway_restart::run(settings, &mut row).await,
            Scenario::RedisLoss => redis_loss::run(settings, &mut row).await,
            Scenario::BrokerOutage => broker_outage::run(settings, &mut row).await,
            Scenario::SlowViewers => slow_viewers::run(settings, &mut row).await,
            Scenario::ConnectionStorm => connection_storm::run(settings, &mut row).await,
        };
        if let Err(e) = result {
            warn!(scenario = scenario.name(), error = %format!("{e:#}"), "chaos scenario failed");
            row.failures.push(format!("{e:#}"));
        }
        row.elapsed = started.elapsed();
        info!(scenario = scenario.name(), passed = row.passed(), elapsed = ?row.elapsed, "chaos scenario done");
        report.rows.push(row);
    }
    report
}

/// What one trial found, merged into the scenario's row.
#[derive(Debug, Default)]
struct Trial {
    tally: Tally,
    recovery: Vec<Duration>,
    failures: Vec<String>,
    notes: Vec<String>,
}

impl Trial {
    fn problems(&mut self, label: &str, problems: Vec<String>) {
        self.failures.extend(problems.into_iter().map(|p| format!("{label}: {p}")));
    }
}

/// Run `trials` trials, `lanes` at a time, and add them to `row`.
async fn run_trials<F, Fut>(row: &mut Row, trials: usize, lanes: usize, trial: F)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = anyhow::Result<Trial>>,
{
    let results: Vec<(usize, anyhow::Result<Trial>)> = futures::stream::iter(0..trials)
        .map(|i| {
            let fut = trial(i);
            async move { (i, fut.await) }
        })
        .buffer_unordered(lanes.max(1))
        .collect()
        .await;
    let mut results = results;
    results.sort_by_key(|(i, _)| *i);
    for (i, result) in results {
        row.trials += 1;
        match result {
            Ok(t) => {
                row.tally += t.tally;
                row.recovery.extend(t.recovery);
                row.failures.extend(t.failures.into_iter().map(|f| format!("trial {i}: {f}")));
                row.notes.extend(t.notes);
            }
            Err(e) => row.failures.push(format!("trial {i}: {e:#}")),
        }
    }
}

/// The last seq a producer published (its `livematch_producer_last_seq`
/// gauge), 0 before the first or when it cannot be read.
async fn published(producer: &Proc) -> u64 {
    lab::metric(&producer.metrics, "livematch_producer_last_seq").await.ok().flatten().map_or(0, |v| v as u64)
}

/// Wait until the producer published at least `seq` events.
async fn wait_published(producer: &Proc, seq: u64, limit: Duration) -> anyhow::Result<u64> {
    let deadline = Instant::now() + limit;
    loop {
        let now = published(producer).await;
        if now >= seq {
            return Ok(now);
        }
        if Instant::now() >= deadline {
            anyhow::bail!(
                "producer published {now} of the {seq} events awaited within {limit:?}; log:\n{}",
                producer.worker.log_text()
            );
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A match's uninterrupted fold, compared with the topic, the store and
/// the viewers: everything a trial checks once the match is over.
async fn check_match(
    lab: &lab::Lab,
    gateway: &str,
    spec: &lab::MatchSpec,
    reports: &[client::ClientReport],
    allow_resets: bool,
    trial: &mut Trial,
) -> anyhow::Result<()> {
    let expected = spec.events().await?;
    let total = expected.len() as u64;
    let stored = check::stored_snapshot(gateway, &spec.id, total, Duration::from_secs(60)).await?;
    let events = check::topic_events(&lab.broker.brokers(), &spec.id).await?;
    let (topic_tally, problems) = check::check_topic(&events, &expected);
    trial.tally += topic_tally;
    trial.problems("topic", problems);
    let fold = check::fold(&spec.id, &events)?;
    if stored != fold {
        trial.failures.push(format!("stored snapshot of {} differs from the fold of its topic", spec.id));
    }
    let (viewer_tally, problems) = check::check_viewers(reports, total, &fold, allow_resets);
    trial.tally += viewer_tally;
    trial.problems(&spec.id, problems);
    Ok(())
}
