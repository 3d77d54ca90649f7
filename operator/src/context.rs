//! What every reconcile shares: the Kubernetes client, the worker defaults,
//! the backends (behind traits), the caches and the counters.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use kube::runtime::reflector::Store;

use crate::backoff::Counters;
use crate::cache::{Cache, Lobby};
use crate::config::{Config, WorkerDefaults};
use crate::events::EventSink;
use crate::metrics::Metrics;
use crate::topics::{EnsuredTopics, Topics};

/// Timings and bounds of the reconciler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Requeue of a Pending, Starting or Live match (summary refresh).
    pub requeue_live: Duration,
    /// Requeue of a Completed or Paused match (a periodic resync).
    pub requeue_idle: Duration,
    /// Cleanup attempts before a deleted LiveMatch is released anyway.
    pub cleanup_attempts: u32,
    /// Consecutive topic failures that make the phase `Failed`.
    pub topic_failures_to_fail: u32,
    /// First retry delay after a failed reconcile (doubles per failure).
    pub retry_base: Duration,
    /// Longest retry delay.
    pub retry_max: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            requeue_live: Duration::from_secs(10),
            requeue_idle: Duration::from_secs(600),
            cleanup_attempts: 5,
            topic_failures_to_fail: 5,
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_secs(300),
        }
    }
}

impl Settings {
    /// The settings the flags give.
    #[must_use]
    pub fn from_config(config: &Config) -> Self {
        Settings {
            requeue_live: config.requeue_live,
            cleanup_attempts: config.cleanup_attempts,
            topic_failures_to_fail: config.topic_failures_to_fail,
            ..Settings::default()
        }
    }
}

/// Shared by every reconcile of one leadership term.
pub struct Context {
    /// The Kubernetes client.
    pub client: kube::Client,
    /// Image and connection settings of the workers.
    pub defaults: WorkerDefaults,
    /// Timings and bounds.
    pub settings: Settings,
    /// Kafka topic administration.
    pub topics: Arc<dyn Topics>,
    /// Topics already ensured by this process.
    pub ensured: EnsuredTopics,
    /// Redis (cleanup).
    pub cache: Arc<dyn Cache>,
    /// The last lobby read (summaries).
    pub lobby: Lobby,
    /// Where Events go.
    pub events: Arc<dyn EventSink>,
    /// Metrics.
    pub metrics: Metrics,
    /// The cached child Deployments (the controller's reflector).
    pub deployments: Store<Deployment>,
    /// Consecutive failed reconciles per object (retry backoff).
    pub retries: Counters,
    /// Consecutive topic failures per object.
    pub topic_failures: Counters,
    /// Failed cleanup attempts per object.
    pub cleanup_failures: Counters,
    /// Uids of objects cleaned up and released (a reconcile of a stale copy
    /// skips the cleanup instead of repeating it).
    cleaned: Mutex<HashSet<String>>,
}

/// Most uids remembered in [`Context::mark_cleaned`] (then forgotten all
/// at once: a forgotten one only costs a repeated, idempotent cleanup).
const MAX_CLEANED: usize = 10_000;

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("defaults", &self.defaults)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// The parts of a [`Context`] that outlive a leadership term.
#[derive(Clone)]
pub struct Backends {
    /// Kafka topic administration.
    pub topics: Arc<dyn Topics>,
    /// Redis.
    pub cache: Arc<dyn Cache>,
    /// The last lobby read.
    pub lobby: Lobby,
    /// Where Events go.
    pub events: Arc<dyn EventSink>,
    /// Metrics.
    pub metrics: Metrics,
}

impl Context {
    /// A context over `backends` reading children from `deployments`.
    #[must_use]
    pub fn new(
        client: kube::Client,
        defaults: WorkerDefaults,
        settings: Settings,
        backends: Backends,
        deployments: Store<Deployment>,
    ) -> Self {
        Context {
            client,
            defaults,
            settings,
            topics: backends.topics,
            ensured: EnsuredTopics::default(),
            cache: backends.cache,
            lobby: backends.lobby,
            events: backends.events,
            metrics: backends.metrics,
            deployments,
            retries: Counters::default(),
            topic_failures: Counters::default(),
            cleanup_failures: Counters::default(),
            cleaned: Mutex::default(),
        }
    }

    /// Remember that the object `uid` was cleaned up and released.
    pub fn mark_cleaned(&self, uid: &str) {
        let mut cleaned = self.cleaned.lock().unwrap_or_else(PoisonError::into_inner);
        if cleaned.len() >= MAX_CLEANED {
            cleaned.clear();
        }
        cleaned.insert(uid.to_owned());
    }

    /// Whether the object `uid` was cleaned up and released already.
    #[must_use]
    pub fn was_cleaned(&self, uid: &str) -> bool {
        !uid.is_empty() && self.cleaned.lock().unwrap_or_else(PoisonError::into_inner).contains(uid)
    }
}
