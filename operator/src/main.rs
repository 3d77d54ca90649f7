//! `livematch-operator`: parse the flags, set up logging, run until SIGTERM.

use clap::Parser;
use livematch_operator::config::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    livematch_workers::telemetry::init_tracing(config.log_format, "info,kube=warn,rdkafka=warn");
    let shutdown = livematch_workers::shutdown::on_signal();
    livematch_operator::run(config, shutdown).await?;
    Ok(())
}
