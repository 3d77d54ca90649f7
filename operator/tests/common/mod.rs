//! Helpers shared by the cluster tests.

use std::time::Duration;

/// How long a cluster condition may take to hold.
pub const WAIT: Duration = Duration::from_secs(40);

/// [`livematch_e2e::wait::eventually`] with [`WAIT`].
pub async fn eventually<T>(what: &str, probe: impl AsyncFnMut() -> anyhow::Result<Option<T>>) -> anyhow::Result<T> {
    livematch_e2e::wait::eventually(what, WAIT, probe).await
}
