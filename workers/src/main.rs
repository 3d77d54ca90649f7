use clap::Parser;
use livematch_workers::cli::Cli;
use livematch_workers::telemetry::init_tracing;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_tracing(cli.log_format, "info");
    livematch_workers::commands::run(cli.command).await?;
    Ok(())
}
