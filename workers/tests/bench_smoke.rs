//! `livematch bench` at tiny sizes: every row is there and its numbers add
//! up (events counted == events generated, frames received == frames
//! published × viewers). Speed targets are the benchmark's business, never
//! asserted here.

use clap::Parser;
use livematch_workers::bench::table::thousands;
use livematch_workers::bench::{self, BenchArgs, BenchError, Report, Row};

#[derive(Debug, Parser)]
struct Wrapper {
    #[command(flatten)]
    args: BenchArgs,
}

fn args(flags: &[&str]) -> BenchArgs {
    let argv = std::iter::once("bench").chain(flags.iter().copied());
    Wrapper::try_parse_from(argv).unwrap_or_else(|e| panic!("bench flags do not parse: {e}")).args
}

fn row<'a>(report: &'a Report, id: &str) -> &'a Row {
    report.row(id).unwrap_or_else(|| panic!("no row {id} in\n{report}"))
}

fn redis_installed() -> bool {
    bench::redis_server::find_on_path().is_some()
}

/// A measured row: no error, count as expected, a positive rate.
fn assert_counted<'a>(report: &'a Report, id: &str) -> &'a Row {
    let r = row(report, id);
    assert_eq!(r.failed, None, "{id} failed:\n{report}");
    assert_eq!(r.skipped, None, "{id} skipped:\n{report}");
    assert!(r.expected.is_some_and(|e| e > 0), "{id} expects nothing:\n{report}");
    assert_eq!(r.count, r.expected, "{id}: counted != generated:\n{report}");
    assert!(r.rate.is_some_and(|rate| rate > 0.0 && rate.is_finite()), "{id} rate:\n{report}");
    r
}

fn assert_fanout(report: &Report, clients: u64, matches: u64, events: u64) {
    let idle = assert_counted(report, &format!("idle/{clients}x{matches}"));
    assert_eq!(idle.count, Some(clients), "{report}");
    let fanout = assert_counted(report, &format!("fanout/{clients}x{matches}"));
    assert_eq!(fanout.expected, Some(clients * events), "frames expected = events × clients:\n{report}");
    let (p50, p99, max) = (fanout.p50_ms, fanout.p99_ms, fanout.max_ms);
    assert!(p50.is_some_and(|p| p > 0.0), "p50 {p50:?}:\n{report}");
    assert!(p50 <= p99 && p99 <= max, "quantiles out of order {p50:?} {p99:?} {max:?}:\n{report}");
    assert!(fanout.notes.contains("lost 0"), "{report}");
    assert!(fanout.target.is_some(), "the fan-out row shows its target:\n{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiny_bench_rows_add_up() {
    let report = bench::measure(args(&[
        "--events",
        "1000",
        "--batch",
        "1000,1",
        "--clients",
        "24",
        "--matches",
        "2,1",
        "--rate",
        "20",
        "--duration",
        "500ms",
        "--drain",
        "20s",
        "--floor-bursts",
        "2",
        "--gateway-bin",
        env!("CARGO_BIN_EXE_livematch"),
    ]))
    .await
    .unwrap_or_else(|e| panic!("bench failed: {e}"));
    println!("{report}");
    assert!(report.machine.contains("cores"), "{report}");

    let fold = assert_counted(&report, "fold");
    assert!(fold.expected.is_some_and(|e| e >= 1000), "at least the events asked for:\n{report}");
    let generated = fold.expected;
    for id in ["consumer/memory/1000", "consumer/memory/1"] {
        assert_eq!(assert_counted(&report, id).expected, generated, "{report}");
    }
    // Batching: batch max 1 writes once per event, batch max 1000 once per match.
    assert!(
        row(&report, "consumer/memory/1").notes.contains(&format!("{} commits", thousands(generated.unwrap_or(0)))),
        "{report}"
    );

    if redis_installed() {
        for id in ["consumer/redis/1000", "consumer/redis/1"] {
            assert_eq!(assert_counted(&report, id).expected, generated, "{report}");
        }
        assert!(row(&report, "consumer/redis/1000").target.is_some(), "{report}");
        // 20 events/s for 0.5 s: 10 events per match, 12 (or 24) viewers each.
        assert_fanout(&report, 24, 2, 10);
        assert_fanout(&report, 24, 1, 10);
        // The kernel alone: 2 bursts to 24 sockets, before the fan-out rows.
        let floor = assert_counted(&report, "floor/24");
        assert_eq!((floor.count, floor.expected), (Some(48), Some(48)), "{report}");
        assert!(floor.p50_ms <= floor.p99_ms && floor.p99_ms <= floor.max_ms, "{report}");
        let position = |id: &str| report.rows.iter().position(|r| r.id == id);
        assert!(position("floor/24") < position("fanout/24x2"), "{report}");
        for id in ["fanout/24x2", "fanout/24x1"] {
            assert!(row(&report, id).notes.contains("the loopback floor's p99 for 24 sockets"), "{report}");
        }
        let idle = row(&report, "idle/24x2");
        assert!(idle.rss_kib.is_some_and(|k| k > 1024), "gateway RSS is measured apart:\n{report}");
        assert!(idle.per_conn_kib.is_some(), "{report}");
        assert!(row(&report, "fanout/24x2").rss_kib.is_some_and(|k| k > 1024), "peak RSS:\n{report}");
    } else {
        assert!(row(&report, "consumer/redis/1000").skipped.is_some(), "{report}");
        assert!(row(&report, "fanout/24x2").skipped.is_some(), "{report}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_gateway_fans_out_without_loss() {
    let report = bench::measure(args(&[
        "--skip-consumer",
        "--skip-floor",
        "--in-process-gateway",
        "--clients",
        "10,30",
        "--rate",
        "40",
        "--duration",
        "500ms",
        "--drain",
        "20s",
    ]))
    .await
    .unwrap_or_else(|e| panic!("bench failed: {e}"));
    println!("{report}");
    assert!(report.row("floor/10").is_none(), "--skip-floor:\n{report}");
    assert!(report.row("fold").is_none() && report.row("consumer/memory/1000").is_none(), "{report}");
    for clients in [10, 30] {
        for matches in [10, 1] {
            assert_fanout(&report, clients, matches, 20);
        }
    }
    assert_eq!(row(&report, "idle/30x1").per_conn_kib, None, "no memory figure in process:\n{report}");
}

/// `--sink` picks the consumer rows: here the in-memory store alone, one
/// batch size.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sink_flag_picks_the_consumer_rows() {
    let report = bench::measure(args(&["--skip-fanout", "--events", "600", "--batch", "1000", "--sink", "memory"]))
        .await
        .unwrap_or_else(|e| panic!("bench failed: {e}"));
    println!("{report}");
    let generated = assert_counted(&report, "fold").expected;
    assert_eq!(assert_counted(&report, "consumer/memory/1000").expected, generated, "{report}");
    for absent in ["consumer/memory/1", "consumer/redis/1000", "consumer/redis/1"] {
        assert!(report.row(absent).is_none(), "{absent} measured:\n{report}");
    }
    assert!(Wrapper::try_parse_from(["bench", "--sink", "postgres"]).is_err(), "unknown sink accepted");
}

#[tokio::test]
async fn bad_flags_are_refused_before_measuring() {
    for (flags, needle) in [
        (&["--rate", "0"][..], "--rate"),
        (&["--batch", "0"][..], "--batch"),
        (&["--clients", "100,0"][..], "--clients"),
        (&["--matches", "0"][..], "--matches"),
        (&["--matches", "10,0"][..], "--matches"),
    ] {
        match bench::measure(args(flags)).await {
            Err(e @ BenchError::Args(_)) => {
                assert!(e.to_string().contains(needle), "{e}");
                assert_eq!(e.metric_label(), "args");
            }
            other => panic!("{flags:?} accepted: {other:?}"),
        }
    }
    assert!(Wrapper::try_parse_from(["bench", "--format", "test-match"]).is_err());
    assert!(Wrapper::try_parse_from(["bench", "--client-nice", "25"]).is_err());
}
