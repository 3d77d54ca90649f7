//! `livematch gateway`: the gateway over Redis, with its own metrics.

use std::sync::Arc;

use prometheus_client::registry::Registry;
use tokio_util::sync::CancellationToken;

use super::{GatewayConfig, GatewayError, GatewayMetrics, serve};
use crate::store::Store;
use crate::store::redis::{RedisConfig, RedisStore};
use crate::telemetry::Ops;

/// Connect to Redis and serve viewers until `shutdown`.
///
/// # Errors
/// Redis cannot be reached, or an address cannot be bound.
pub async fn run(config: GatewayConfig, redis: RedisConfig, shutdown: CancellationToken) -> Result<(), GatewayError> {
    let store: Arc<dyn Store> = Arc::new(RedisStore::connect(&redis).await?);
    let mut registry = Registry::default();
    let metrics = GatewayMetrics::new(&mut registry);
    serve(config, store, Ops::new(registry), metrics, shutdown).await
}
