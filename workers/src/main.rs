use clap::Parser;
use livematch_workers::cli::Cli;
use livematch_workers::telemetry::init_tracing;

// The fold and frame building allocate many small JSON values: mimalloc
// serves them faster than the system allocator (see `livematch bench`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_tracing(cli.log_format, "info");
    livematch_workers::commands::run(cli.command).await?;
    Ok(())
}
