//! The livematch Kubernetes operator: reconciles `LiveMatch` objects
//! (`livematch.dev/v1alpha1`, crate `livematch-crd`) into a Kafka topic, a
//! producer Deployment and consumer Deployments running the `livematch`
//! workers, and reports the match's phase, conditions and live score.
//!
//! * [`config`]: flags (every one also an env var).
//! * [`build`]: pure builders, LiveMatch → desired Deployments.
//! * [`status`]: pure status computation, Events from its transitions,
//!   and the status write (only when it changed).
//! * [`apply`]: server-side apply of the children, drift check, pruning.
//! * [`reconcile`]: the pipeline, the finalizer cleanup, the error policy.
//! * [`topics`], [`cache`]: Kafka and Redis behind small traits.
//! * [`leader`]: Lease-based leader election.
//! * [`controller`]: the `kube_runtime::Controller` of one leadership term.
//! * [`metrics`], [`events`]: Prometheus metrics and Kubernetes Events.
//!
//! [`run`] ties them together: ops endpoints (`/metrics`, `/healthz`,
//! `/readyz`), the shared lobby refresh, then leader election and the
//! controller, until the shutdown token is cancelled.

pub mod apply;
pub mod backoff;
pub mod build;
pub mod cache;
pub mod config;
pub mod context;
pub mod controller;
pub mod error;
pub mod events;
pub mod labels;
pub mod leader;
pub mod metrics;
pub mod pause;
pub mod reconcile;
pub mod source;
pub mod status;
pub mod topics;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod testing;

use std::sync::Arc;
use std::time::Duration;

use livematch_workers::telemetry::{Ops, serve_ops};
use prometheus_client::registry::Registry;
use tokio_util::sync::CancellationToken;

use crate::cache::{Lobby, RedisCache};
use crate::config::Config;
use crate::context::{Backends, Settings};
use crate::controller::ControllerConfig;
use crate::events::KubeEvents;
use crate::leader::{Elector, LeaseConfig, Outcome};
use crate::metrics::Metrics;
use crate::topics::KafkaTopics;

/// Why the operator could not run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Inconsistent flags.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// No usable Kubernetes client configuration (kubeconfig or in-cluster).
    #[error("kubernetes client: {0}")]
    Client(#[source] kube::Error),
    /// The ops endpoints could not be served.
    #[error("serve metrics on {addr}: {source}")]
    Ops {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The Kafka client could not be set up.
    #[error(transparent)]
    Kafka(#[from] topics::TopicError),
}

impl RunError {
    /// Stable short category for logs.
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            RunError::Config(e) => e.metric_label(),
            RunError::Client(_) => "client",
            RunError::Ops { .. } => "ops",
            RunError::Kafka(e) => e.metric_label(),
        }
    }
}

/// How long a graceful stop waits for in-flight reconciles.
const DRAIN: Duration = Duration::from_secs(5);

/// Run the operator with `config` until `shutdown` is cancelled, with a
/// client from the environment (kubeconfig or in-cluster).
///
/// # Errors
/// See [`RunError`].
pub async fn run(config: Config, shutdown: CancellationToken) -> Result<(), RunError> {
    config.check()?;
    let client = kube::Client::try_default().await.map_err(RunError::Client)?;
    run_with_client(config, client, shutdown).await
}

/// [`run`] with a given client (tests, benchmarks).
///
/// # Errors
/// See [`RunError`].
pub async fn run_with_client(
    config: Config,
    client: kube::Client,
    shutdown: CancellationToken,
) -> Result<(), RunError> {
    config.check()?;
    let topics = Arc::new(KafkaTopics::new(config.kafka_config(), config.backend_timeout)?);
    let cache = Arc::new(RedisCache::new(config.redis_config(), config.backend_timeout));
    let identity = config.identity();
    let mut registry = Registry::default();
    let metrics = Metrics::register(&mut registry);
    let backends = Backends {
        topics,
        cache,
        lobby: Lobby::default(),
        events: Arc::new(KubeEvents::new(client.clone(), &identity)),
        metrics,
    };
    run_with(config, client, backends, registry, shutdown).await
}

/// [`run`] with given backends and metrics registry (tests, benchmarks).
///
/// # Errors
/// See [`RunError`].
pub async fn run_with(
    config: Config,
    client: kube::Client,
    backends: Backends,
    registry: Registry,
    shutdown: CancellationToken,
) -> Result<(), RunError> {
    config.check()?;
    let ops = Ops::new(registry);
    serve_ops(config.metrics_listen, ops.clone(), shutdown.clone())
        .await
        .map_err(|source| RunError::Ops { addr: config.metrics_listen, source })?;

    let metrics = backends.metrics.clone();
    tokio::spawn(backends.lobby.clone().run(backends.cache.clone(), config.lobby_refresh, shutdown.clone(), {
        let metrics = metrics.clone();
        move |result| metrics.lobby_read(result.map_err(cache::CacheError::metric_label))
    }));

    let controller_config = ControllerConfig {
        namespace: config.watch_namespace().map(str::to_owned),
        defaults: config.worker_defaults(),
        settings: Settings::from_config(&config),
        concurrency: config.concurrency,
    };
    // Ready once running: a standby replica is ready too (it serves its
    // endpoints and takes over when the leader goes).
    ops.set_ready(true);

    if !config.leader_election {
        tracing::warn!("leader election is off: run exactly one replica");
        metrics.set_leader(true);
        controller::run(client, controller_config, backends, shutdown.clone()).await;
        return Ok(());
    }

    let elector = Elector::new(
        client.clone(),
        LeaseConfig {
            namespace: config.lease_namespace(),
            name: config.lease_name.clone(),
            identity: config.identity(),
            duration: config.lease_duration,
            renew_deadline: config.renew_deadline,
            retry: config.lease_retry,
        },
    );
    while elector.acquire(&shutdown).await {
        metrics.set_leader(true);
        let term = shutdown.child_token();
        let controller = controller::run(client.clone(), controller_config.clone(), backends.clone(), term.clone());
        tokio::pin!(controller);
        let mut controller_done = false;
        let outcome = tokio::select! {
            outcome = elector.hold(&shutdown) => outcome,
            () = &mut controller => {
                // The controller only ends when told to (the term token is a
                // child of `shutdown`); should it end otherwise, stop too.
                if !shutdown.is_cancelled() {
                    tracing::error!("the controller stopped by itself; shutting down");
                }
                controller_done = true;
                Outcome::Shutdown
            }
        };
        metrics.set_leader(false);
        metrics.clear_phases();
        match outcome {
            Outcome::Lost => {
                // Stop at once: another replica may lead within the lease
                // duration, so in-flight reconciles are aborted (dropped).
                tracing::warn!("leadership lost; controller stopped, standing by");
            }
            Outcome::Shutdown => {
                term.cancel();
                if !controller_done && tokio::time::timeout(DRAIN, &mut controller).await.is_err() {
                    tracing::warn!("in-flight reconciles did not finish in {DRAIN:?}; stopping anyway");
                }
                if let Err(error) = elector.release().await {
                    tracing::warn!(%error, "could not release the leader lease; it expires by itself");
                }
                break;
            }
        }
    }
    tracing::info!("operator stopped");
    Ok(())
}
