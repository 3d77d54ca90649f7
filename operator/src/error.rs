//! Why a reconcile failed, and how the controller reacts
//! ([`Error::is_invalid`]: wait for a change; anything else: retry with
//! backoff).

use kube::runtime::finalizer;

use crate::build::BuildError;
use crate::cache::CacheError;
use crate::topics::TopicError;

/// A failed reconcile of one LiveMatch.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec fails validation: recorded in the status and an Event; the
    /// object waits for a change.
    #[error("LiveMatch {name}: invalid spec: {problems}")]
    InvalidSpec {
        /// `namespace/name`.
        name: String,
        /// The problems, joined.
        problems: String,
    },
    /// The replay ConfigMap (or its key) is missing: recorded in the status
    /// and an Event; retried with backoff until it appears.
    #[error("LiveMatch {name}: {problem}")]
    SourceUnavailable {
        /// `namespace/name`.
        name: String,
        /// What is missing.
        problem: String,
    },
    /// The desired children could not be built.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The match topic could not be created or deleted.
    #[error(transparent)]
    Topic(#[from] TopicError),
    /// Redis could not be cleaned.
    #[error(transparent)]
    Cache(#[from] CacheError),
    /// A Kubernetes API call failed.
    #[error("{what}: {source}")]
    Kube {
        /// What the operator was doing (`apply Deployment ns/name`...).
        what: String,
        /// The client's error.
        #[source]
        source: kube::Error,
    },
    /// The object was deleted while its finalizer was being removed (an
    /// earlier cleanup already released it): nothing left to do.
    #[error("LiveMatch already gone")]
    Gone,
    /// The finalizer helper failed outside our code.
    #[error("finalizer: {0}")]
    Finalizer(String),
}

impl Error {
    /// A Kubernetes API error with what was being done.
    pub fn kube(what: impl Into<String>, source: kube::Error) -> Self {
        Error::Kube { what: what.into(), source }
    }

    /// Stable short category for metrics and Events.
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            Error::InvalidSpec { .. } => "invalid_spec",
            Error::SourceUnavailable { .. } => "source_unavailable",
            Error::Build(e) => e.metric_label(),
            Error::Topic(e) => e.metric_label(),
            Error::Cache(e) => e.metric_label(),
            Error::Kube { source: kube::Error::Api(status), .. } if status.code == 409 => "kube_conflict",
            Error::Kube { .. } => "kube_api",
            Error::Finalizer(_) => "finalizer",
            Error::Gone => "gone",
        }
    }

    /// An invalid object: no retry until it changes.
    #[must_use]
    pub fn is_invalid(&self) -> bool {
        matches!(self, Error::InvalidSpec { .. })
    }

    /// Unwrap the finalizer helper's error into ours.
    #[must_use]
    pub fn from_finalizer(error: finalizer::Error<Error>) -> Self {
        match error {
            finalizer::Error::ApplyFailed(e) | finalizer::Error::CleanupFailed(e) => e,
            finalizer::Error::AddFinalizer(e) => Error::kube("add finalizer", e),
            finalizer::Error::RemoveFinalizer(kube::Error::Api(status)) if status.code == 404 => Error::Gone,
            finalizer::Error::RemoveFinalizer(e) => Error::kube("remove finalizer", e),
            other => Error::Finalizer(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use kube::core::Status;

    use super::*;

    fn api_error(code: u16) -> kube::Error {
        kube::Error::Api(Box::new(Status::failure("boom", "Conflict").with_code(code)))
    }

    #[test]
    fn labels_and_policy() {
        let invalid = Error::InvalidSpec { name: "ns/m".into(), problems: "spec.speed".into() };
        assert!(invalid.is_invalid());
        assert_eq!(invalid.metric_label(), "invalid_spec");
        assert_eq!(Error::kube("apply", api_error(409)).metric_label(), "kube_conflict");
        let e = Error::kube("apply Deployment ns/m-producer", api_error(500));
        assert_eq!(e.metric_label(), "kube_api");
        assert!(!e.is_invalid());
        assert!(e.to_string().starts_with("apply Deployment ns/m-producer: "), "{e}");
    }

    #[test]
    fn finalizer_errors_unwrap() {
        let inner = Error::InvalidSpec { name: "ns/m".into(), problems: "p".into() };
        assert!(Error::from_finalizer(finalizer::Error::ApplyFailed(inner)).is_invalid());
        let e = Error::from_finalizer(finalizer::Error::AddFinalizer(api_error(409)));
        assert_eq!(e.metric_label(), "kube_conflict");
        assert_eq!(Error::from_finalizer(finalizer::Error::UnnamedObject).metric_label(), "finalizer");
        assert!(matches!(Error::from_finalizer(finalizer::Error::RemoveFinalizer(api_error(404))), Error::Gone));
        assert_eq!(Error::from_finalizer(finalizer::Error::RemoveFinalizer(api_error(500))).metric_label(), "kube_api");
    }
}
