//! Leader election with a `coordination.k8s.io/v1` Lease, so that of
//! several operator replicas exactly one reconciles (client-go's
//! `leaderelection` algorithm, as in linkerd's `kubert` lease).
//!
//! * Every write is a create, or a replace carrying the `resourceVersion`
//!   that was read: two candidates racing for the Lease cannot both win,
//!   the loser gets 409 Conflict.
//! * A candidate takes over a Lease held by another only after seeing the
//!   same record unchanged for `leaseDurationSeconds` of its *own* clock
//!   (never comparing another host's `renewTime` with the local clock).
//! * The leader renews every `retry`; if it cannot renew for
//!   `renew_deadline` (< lease duration) it steps down, before any other
//!   candidate may take over. It also steps down at once when it finds
//!   another holder in the Lease.
//! * On shutdown the leader releases the Lease (empty holder, 1 s
//!   duration), so a standby takes over without waiting.
//!
//! `kube-lease-manager` 0.13 supports kube 5, but renews with a strategic
//! merge patch that carries no `resourceVersion` precondition; this module
//! is small and tested against a mocked API server instead.

use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::{Api, PostParams};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Where the Lease is and who this candidate is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseConfig {
    /// Namespace of the Lease.
    pub namespace: String,
    /// Name of the Lease.
    pub name: String,
    /// This candidate's identity (unique per replica).
    pub identity: String,
    /// How long a holder keeps the Lease without renewing.
    pub duration: Duration,
    /// A leader that could not renew for this long steps down.
    pub renew_deadline: Duration,
    /// How often the leader renews and a candidate retries.
    pub retry: Duration,
}

/// A Lease call that failed.
#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    /// The API server refused or failed the call.
    #[error("lease {namespace}/{name}: {what}: {source}")]
    Api {
        /// Namespace of the Lease.
        namespace: String,
        /// Name of the Lease.
        name: String,
        /// What was being done.
        what: &'static str,
        /// The client's error.
        #[source]
        source: kube::Error,
    },
    /// Another candidate wrote the Lease between our read and our write.
    #[error("lease {namespace}/{name}: changed by another candidate while {what}")]
    Conflict {
        /// Namespace of the Lease.
        namespace: String,
        /// Name of the Lease.
        name: String,
        /// What was being done.
        what: &'static str,
    },
    /// No answer in time.
    #[error("lease {namespace}/{name}: no answer within {after:?}")]
    Timeout {
        /// Namespace of the Lease.
        namespace: String,
        /// Name of the Lease.
        name: String,
        /// The timeout.
        after: Duration,
    },
}

impl LeaseError {
    /// Stable short category for metrics and logs.
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            LeaseError::Api { .. } => "lease_api",
            LeaseError::Conflict { .. } => "lease_conflict",
            LeaseError::Timeout { .. } => "lease_timeout",
        }
    }
}

/// Why [`Elector::hold`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Leadership was lost: stop reconciling at once.
    Lost,
    /// Shutdown was requested while leading.
    Shutdown,
}

/// The last Lease record seen and when (by the local clock).
#[derive(Debug, Clone)]
struct Observed {
    holder: Option<String>,
    resource_version: Option<String>,
    renew_time: Option<MicroTime>,
    at: Instant,
}

/// A candidate for the Lease.
#[derive(Debug)]
pub struct Elector {
    api: Api<Lease>,
    config: LeaseConfig,
    observed: tokio::sync::Mutex<Option<Observed>>,
}

fn whole_seconds(d: Duration) -> i32 {
    i32::try_from(d.as_secs().max(1)).unwrap_or(i32::MAX)
}

fn now() -> MicroTime {
    MicroTime(k8s_openapi::jiff::Timestamp::now())
}

impl Elector {
    /// A candidate using `client`.
    #[must_use]
    pub fn new(client: kube::Client, config: LeaseConfig) -> Self {
        let api = Api::namespaced(client, &config.namespace);
        Elector { api, config, observed: tokio::sync::Mutex::new(None) }
    }

    /// This candidate's identity.
    #[must_use]
    pub fn identity(&self) -> &str {
        &self.config.identity
    }

    fn api_error(&self, what: &'static str, source: kube::Error) -> LeaseError {
        match source {
            kube::Error::Api(status) if status.code == 409 => {
                LeaseError::Conflict { namespace: self.config.namespace.clone(), name: self.config.name.clone(), what }
            }
            source => LeaseError::Api {
                namespace: self.config.namespace.clone(),
                name: self.config.name.clone(),
                what,
                source,
            },
        }
    }

    fn spec_for_us(&self, acquire_time: Option<MicroTime>, transitions: i32) -> LeaseSpec {
        LeaseSpec {
            holder_identity: Some(self.config.identity.clone()),
            lease_duration_seconds: Some(whole_seconds(self.config.duration)),
            acquire_time: Some(acquire_time.unwrap_or_else(now)),
            renew_time: Some(now()),
            lease_transitions: Some(transitions),
            ..LeaseSpec::default()
        }
    }

    /// One round: create the Lease, renew it, or take over an expired one.
    /// Returns whether this candidate holds the Lease afterwards.
    ///
    /// # Errors
    /// The Lease could not be read or written (a lost race is
    /// [`LeaseError::Conflict`]).
    pub async fn try_acquire_or_renew(&self) -> Result<bool, LeaseError> {
        let current = self.api.get_opt(&self.config.name).await.map_err(|e| self.api_error("read", e))?;
        let Some(mut lease) = current else {
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(self.config.name.clone()),
                    namespace: Some(self.config.namespace.clone()),
                    ..ObjectMeta::default()
                },
                spec: Some(self.spec_for_us(None, 0)),
            };
            let created =
                self.api.create(&PostParams::default(), &lease).await.map_err(|e| self.api_error("create", e))?;
            self.observe(&created).await;
            return Ok(true);
        };
        let spec = lease.spec.clone().unwrap_or_default();
        let holder = spec.holder_identity.clone().filter(|h| !h.is_empty());
        let ours = holder.as_deref() == Some(self.config.identity.as_str());
        let observed_at = self.observe(&lease).await;
        if !ours && holder.is_some() {
            let duration =
                Duration::from_secs(u64::try_from(spec.lease_duration_seconds.unwrap_or(0).max(1)).unwrap_or(1));
            if observed_at.elapsed() < duration {
                return Ok(false);
            }
            tracing::info!(previous = holder.as_deref().unwrap_or(""), "leader lease expired; taking over");
        }
        let transitions = spec.lease_transitions.unwrap_or(0);
        lease.spec = Some(if ours {
            self.spec_for_us(spec.acquire_time.clone(), transitions)
        } else {
            self.spec_for_us(None, transitions.saturating_add(1))
        });
        // `lease.metadata.resourceVersion` is the one read: a concurrent
        // write makes this replace fail with 409.
        let replaced = self
            .api
            .replace(&self.config.name, &PostParams::default(), &lease)
            .await
            .map_err(|e| self.api_error(if ours { "renew" } else { "acquire" }, e))?;
        self.observe(&replaced).await;
        Ok(true)
    }

    /// Record the Lease as seen now, unless it is the record already seen;
    /// returns when the current record was first seen.
    async fn observe(&self, lease: &Lease) -> Instant {
        let spec = lease.spec.clone().unwrap_or_default();
        let mut observed = self.observed.lock().await;
        let same = observed.as_ref().is_some_and(|o| {
            o.holder == spec.holder_identity
                && o.renew_time == spec.renew_time
                && o.resource_version == lease.metadata.resource_version
        });
        if !same {
            *observed = Some(Observed {
                holder: spec.holder_identity,
                resource_version: lease.metadata.resource_version.clone(),
                renew_time: spec.renew_time,
                at: Instant::now(),
            });
        }
        observed.as_ref().map_or_else(Instant::now, |o| o.at)
    }

    /// Try every `retry` until this candidate leads (`true`) or `shutdown`
    /// is cancelled (`false`).
    pub async fn acquire(&self, shutdown: &CancellationToken) -> bool {
        loop {
            match self.try_acquire_or_renew().await {
                Ok(true) => {
                    tracing::info!(identity = self.config.identity, lease = self.config.name, "became the leader");
                    return true;
                }
                Ok(false) => tracing::debug!("another replica leads; standing by"),
                Err(error) => tracing::warn!(%error, kind = error.metric_label(), "leader election attempt failed"),
            }
            tokio::select! {
                () = shutdown.cancelled() => return false,
                () = tokio::time::sleep(self.config.retry) => {}
            }
        }
    }

    /// While leading: renew every `retry`; return [`Outcome::Lost`] when
    /// another holder shows up or no renewal succeeded for
    /// `renew_deadline`, [`Outcome::Shutdown`] when `shutdown` is cancelled.
    pub async fn hold(&self, shutdown: &CancellationToken) -> Outcome {
        let mut renewed = Instant::now();
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return Outcome::Shutdown,
                () = tokio::time::sleep(self.config.retry) => {}
            }
            let left = self.config.renew_deadline.saturating_sub(renewed.elapsed());
            let attempt = tokio::time::timeout(left, self.try_acquire_or_renew()).await;
            match attempt {
                Ok(Ok(true)) => renewed = Instant::now(),
                Ok(Ok(false)) => {
                    tracing::warn!("another replica holds the leader lease; stepping down");
                    return Outcome::Lost;
                }
                Ok(Err(error)) => tracing::warn!(%error, kind = error.metric_label(), "leader lease renewal failed"),
                Err(_) => tracing::warn!(after = ?left, "leader lease renewal timed out"),
            }
            if renewed.elapsed() >= self.config.renew_deadline {
                tracing::error!(deadline = ?self.config.renew_deadline, "could not renew the leader lease in time; stepping down");
                return Outcome::Lost;
            }
        }
    }

    /// Give the Lease up if this candidate holds it (on shutdown).
    ///
    /// # Errors
    /// The Lease could not be read or written.
    pub async fn release(&self) -> Result<(), LeaseError> {
        let Some(mut lease) = self.api.get_opt(&self.config.name).await.map_err(|e| self.api_error("read", e))? else {
            return Ok(());
        };
        let mut spec = lease.spec.clone().unwrap_or_default();
        if spec.holder_identity.as_deref() != Some(self.config.identity.as_str()) {
            return Ok(());
        }
        spec.holder_identity = None;
        spec.lease_duration_seconds = Some(1);
        spec.renew_time = Some(now());
        lease.spec = Some(spec);
        self.api
            .replace(&self.config.name, &PostParams::default(), &lease)
            .await
            .map_err(|e| self.api_error("release", e))?;
        tracing::info!(identity = self.config.identity, "released the leader lease");
        Ok(())
    }
}

#[cfg(test)]
mod tests;
