//! Helpers shared by the cluster tests.

use std::time::Duration;

use anyhow::bail;

/// How long a cluster condition may take to hold.
pub const WAIT: Duration = Duration::from_secs(40);

/// Poll `probe` every 250 ms until it yields a value, for at most [`WAIT`];
/// the error names `what` and the probe's last error.
pub async fn eventually<T>(what: &str, mut probe: impl AsyncFnMut() -> anyhow::Result<Option<T>>) -> anyhow::Result<T> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let last = match probe().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => String::new(),
            Err(e) => format!(": {e:#}"),
        };
        if tokio::time::Instant::now() >= deadline {
            bail!("timed out waiting for {what}{last}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
