//! `cargo xtask <task>`: the one entry point for building, testing and
//! benchmarking livematch.
//!
//! * `test`  — install what the tests need (idempotent), then clippy, every
//!   unit/integration/end-to-end test against a real broker and Redis, the
//!   web app's unit tests, and its browser tests in headless chromium.
//! * `bench` — release build, then `livematch bench` (prints a table).
//! * `demo`  — release build, then `livematch demo`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Install test dependencies, lint, and run the whole test suite.
    Test {
        /// Skip installing system packages (they are already there).
        #[arg(long)]
        no_install: bool,
        /// Skip clippy.
        #[arg(long)]
        no_lint: bool,
    },
    /// Run the benchmarks (release build) and print the table.
    Bench {
        /// Extra arguments for `livematch bench`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Inject faults into real processes (release build) and print the
    /// chaos table; flags: --quick, --soak, --trials N, --seed S, --only SCENARIO.
    Chaos {
        /// Extra arguments for the `chaos` runner.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Run the demo (release build).
    Demo {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

/// The workspace root: the parent of this crate's directory. `cargo run`
/// (the `cargo xtask` alias) sets `CARGO_MANIFEST_DIR` when it starts us;
/// the path compiled in is only the fallback, since a target directory
/// shared by clones at other paths may hold a binary built in another one.
fn root() -> PathBuf {
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn run(cmd: &mut Command) -> anyhow::Result<()> {
    eprintln!("xtask: running {cmd:?}");
    let status = cmd.current_dir(root()).status().with_context(|| format!("cannot start {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

/// The workspace's own packages (`xtask` itself excepted: it is running).
const PACKAGES: [&str; 5] =
    ["livematch-sports", "livematch-workers", "livematch-crd", "livematch-operator", "livematch-e2e"];

/// Names the checkout whose build a target directory holds.
const CHECKOUT_MARK: &str = ".livematch-checkout";

/// Make the target directory this checkout's. A directory shared by clones
/// at different paths (the cache `.ci/run` keeps outside the clone) may
/// hold the workspace's crates built in another clone whose files are
/// newer than this one's: cargo would take them as fresh, and every
/// `env!("CARGO_MANIFEST_DIR")` in them would point into the other clone.
/// When the directory was last built from elsewhere (or from an unknown
/// place), the workspace's own crates are cleaned; dependencies stay.
fn claim_target_dir() -> anyhow::Result<()> {
    let target = target_dir();
    let mark = target.join(CHECKOUT_MARK);
    let here = root();
    let here = here.canonicalize().unwrap_or(here);
    let last = std::fs::read_to_string(&mark).ok();
    let built = ["debug", "release"].iter().any(|p| target.join(p).exists());
    if last.as_deref().map(str::trim) != Some(here.to_string_lossy().as_ref()) && built {
        eprintln!(
            "xtask: {} was last built from {}: rebuilding the workspace's crates here",
            target.display(),
            last.as_deref().map_or("an unknown checkout", str::trim)
        );
        for profile in [None, Some("--release")] {
            let mut clean = cargo();
            clean.arg("clean").args(profile);
            for package in PACKAGES {
                clean.args(["-p", package]);
            }
            run(&mut clean)?;
        }
    }
    std::fs::create_dir_all(&target).with_context(|| format!("cannot create {}", target.display()))?;
    std::fs::write(&mark, format!("{}\n", here.display())).with_context(|| format!("cannot write {}", mark.display()))
}

fn test(no_install: bool, no_lint: bool) -> anyhow::Result<()> {
    if !no_install {
        run(Command::new("bash").arg("scripts/install-test-deps.sh"))?;
        // A real kube-apiserver for the operator's cluster tests (built once,
        // cached outside the clone).
        run(Command::new("bash").arg("scripts/install-k8s.sh"))?;
    }
    if !no_lint {
        run(cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    }
    // The binaries the end-to-end tests run as processes (and as pods).
    run(cargo().args(["build", "--workspace", "--bin", "livematch", "--bin", "livematch-operator"]))?;
    let bin = target_dir().join("debug").join("livematch");
    let operator = target_dir().join("debug").join("livematch-operator");
    run(cargo()
        .args(["test", "--workspace", "--no-fail-fast"])
        .env("LIVEMATCH_BIN", &bin)
        .env("LIVEMATCH_OPERATOR_BIN", &operator))?;
    // The web app's pure modules (patch applier, live connection logic, charts).
    run(Command::new("node").args(["--test", "tests/web/"]))?;
    // The web app in headless chromium against the real gateway and demo
    // (screenshots in tests/artifacts/).
    run(Command::new("node").args(["--test", "tests/browser/"]).env("LIVEMATCH_BIN", &bin))?;
    Ok(())
}

/// The chaos suite (`tests/src/chaos.rs`) against the release `livematch`
/// binary; the runner raises its own open-files limit for the storms.
fn chaos(args: &[String]) -> anyhow::Result<()> {
    run(cargo().args(["build", "--release", "--bin", "livematch"]))?;
    let bin = target_dir().join("release").join("livematch");
    run(cargo()
        .args(["run", "--release", "-p", "livematch-e2e", "--bin", "chaos", "--"])
        .args(args)
        .env("LIVEMATCH_BIN", &bin))
}

fn main() -> anyhow::Result<()> {
    let task = Cli::parse().task;
    claim_target_dir()?;
    match task {
        Task::Test { no_install, no_lint } => test(no_install, no_lint),
        Task::Bench { args } => run(cargo().args(["run", "--release", "--bin", "livematch", "--", "bench"]).args(args)),
        Task::Chaos { args } => chaos(&args),
        Task::Demo { args } => run(cargo().args(["run", "--release", "--bin", "livematch", "--", "demo"]).args(args)),
    }
}
