//! The chaos suite in its quick setting (`livematch_e2e::chaos`): every
//! fault scenario against real processes, with few trials and short
//! matches, must lose nothing, duplicate nothing and recover. The full
//! run with its table is `cargo xtask chaos`.

use livematch_e2e::chaos::redis_loss::{self, Loss};
use livematch_e2e::chaos::{self, Row, Scenario, Settings};

/// Same seed, same faults: a failure here replays with
/// `cargo xtask chaos --quick --seed 7`.
const SEED: u64 = 7;

/// The storms hold a descriptor per client (1,000 here): use the hard limit.
fn raise_fd_limit() {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
}

fn assert_row(row: &Row) {
    assert!(row.trials > 0, "{}: no trial ran", row.scenario);
    assert!(row.tally.checked > 0, "{}: no event checked", row.scenario);
    assert_eq!(row.tally.lost, 0, "{}: events lost: {:?}", row.scenario, row.failures);
    assert_eq!(row.tally.duplicated, 0, "{}: events duplicated: {:?}", row.scenario, row.failures);
    assert!(!row.recovery.is_empty(), "{}: no recovery measured: {:?}", row.scenario, row.failures);
    assert!(row.failures.is_empty(), "{} failed: {:#?}", row.scenario, row.failures);
    assert!(row.peak_rss_kib.is_some_and(|k| k > 0), "{}: gateway memory not measured", row.scenario);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_loses_and_duplicates_nothing() {
    raise_fd_limit();
    let report = chaos::run(&Settings::quick(SEED)).await;
    println!("{report}");
    let ran: Vec<&str> = report.rows.iter().map(|r| r.scenario.as_str()).collect();
    assert_eq!(ran, Scenario::ALL.map(Scenario::name), "every scenario runs, in order");
    for row in &report.rows {
        assert_row(row);
    }
}

/// Redis flushed after a match's last event, its consumers and viewers
/// still running: the idle consumers notice (`--cache-check-interval`) and
/// rebuild the cache from the topic, and viewers that resubscribed while it
/// was missing get a `reset` (`cache_rebuilt`) and the rebuilt snapshot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_lost_after_the_last_event_is_rebuilt() {
    let mut row = Row::new(Scenario::RedisLoss);
    let result = redis_loss::run_kinds(&Settings::quick(SEED), &mut row, &[Loss::FlushIdle]).await;
    println!("{row:#?}");
    assert!(result.is_ok(), "{result:?}");
    assert_row(&row);
}
