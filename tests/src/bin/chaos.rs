//! `chaos`: inject faults into real livematch processes on loopback and
//! print a table (scenario, trials, events checked, lost, duplicated,
//! recovery time, peak gateway RSS, result). Exits with status 1 when a
//! scenario failed. Run it with `cargo xtask chaos [FLAGS]`, which builds
//! the release `livematch` binary first.

use std::process::ExitCode;

use clap::Parser;
use livematch_e2e::chaos::{self, Profile, Scenario, Settings};
use tracing_subscriber::EnvFilter;

/// Fault-injection suite over a real broker, Redis and livematch workers.
#[derive(Debug, Parser)]
#[command(name = "chaos", about)]
struct Args {
    /// Trials of the consumer kill -9 scenario (the others scale from it)
    /// [default: 20; 2 with --quick; 50 with --soak].
    #[arg(long, env = "LIVEMATCH_CHAOS_TRIALS")]
    trials: Option<usize>,
    /// Seed of every random choice: the same seed injects the same faults.
    #[arg(long, env = "LIVEMATCH_CHAOS_SEED", default_value_t = 7)]
    seed: u64,
    /// Longer run: more trials, one-day matches for slow viewers, more clients.
    #[arg(long, env = "LIVEMATCH_CHAOS_SOAK", conflicts_with = "quick")]
    soak: bool,
    /// The CI setting: few trials, short matches, hundreds of clients.
    #[arg(long, env = "LIVEMATCH_CHAOS_QUICK")]
    quick: bool,
    /// Run only these scenarios (comma-separated).
    #[arg(long, env = "LIVEMATCH_CHAOS_ONLY", value_enum, value_delimiter = ',')]
    only: Vec<Scenario>,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn,chaos=info,livematch_e2e=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    // Connection storms hold one descriptor per client: use the hard limit.
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::info!(limit, "open files limit"),
        Err(e) => tracing::warn!(error = %e, "cannot raise the open files limit"),
    }
    let profile = if args.soak {
        Profile::Soak
    } else if args.quick {
        Profile::Quick
    } else {
        Profile::Standard
    };
    let settings = Settings {
        trials: args.trials.unwrap_or_else(|| Settings::default_trials(profile)),
        seed: args.seed,
        profile,
        only: args.only,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("chaos: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let report = runtime.block_on(chaos::run(&settings));
    println!("{report}");
    if report.passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
