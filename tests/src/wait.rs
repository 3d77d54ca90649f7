//! Waiting for something asynchronous to hold, with a useful error.

use std::time::Duration;

use anyhow::bail;

/// Poll `probe` every 250 ms until it yields a value, for at most `limit`;
/// the error names `what` and the probe's last error.
///
/// # Errors
/// The time ran out.
pub async fn eventually<T>(
    what: &str,
    limit: Duration,
    mut probe: impl AsyncFnMut() -> anyhow::Result<Option<T>>,
) -> anyhow::Result<T> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let last = match probe().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => String::new(),
            Err(e) => format!(": {e:#}"),
        };
        if tokio::time::Instant::now() >= deadline {
            bail!("timed out after {limit:?} waiting for {what}{last}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
