//! Kubernetes Events on LiveMatch objects (`kubectl describe lm NAME`).
//!
//! The reconciler decides *what* to say ([`Notice`]s, mostly derived from
//! status transitions, see [`crate::status::transitions`]); an
//! [`EventSink`] says it. The real sink is kube's [`Recorder`]
//! (`events.k8s.io/v1`, repeated events folded into a series); unit tests
//! use a recording fake. Publishing is best effort: a failure is logged and
//! never fails a reconcile.

use async_trait::async_trait;
use kube::Resource;
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use livematch_crd::LiveMatch;

/// Why an Event was published (its `reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The producer and consumer Deployments were created.
    Created,
    /// The match's Kafka topic was created (or found).
    TopicCreated,
    /// Creating the topic failed; the operator retries with backoff.
    TopicFailed,
    /// The spec is invalid; nothing happens until it changes.
    Invalid,
    /// The replay source (ConfigMap or key) is missing; retried with backoff.
    SourceUnavailable,
    /// The match was paused: workers scaled to zero.
    Paused,
    /// The match was unpaused: workers scaled back.
    Resumed,
    /// The consumer replicas changed.
    Scaled,
    /// The match ended.
    Completed,
    /// Deleting the topic or Redis keys failed for good; the LiveMatch was
    /// released anyway.
    CleanupFailed,
    /// The topic and Redis keys were deleted.
    Cleaned,
}

impl Reason {
    /// The Event's `reason` field.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Created => "Created",
            Reason::TopicCreated => "TopicCreated",
            Reason::TopicFailed => "TopicFailed",
            Reason::Invalid => "Invalid",
            Reason::SourceUnavailable => "SourceUnavailable",
            Reason::Paused => "Paused",
            Reason::Resumed => "Resumed",
            Reason::Scaled => "Scaled",
            Reason::Completed => "Completed",
            Reason::CleanupFailed => "CleanupFailed",
            Reason::Cleaned => "Cleaned",
        }
    }

    /// Warnings are problems that need a person.
    #[must_use]
    pub fn is_warning(self) -> bool {
        matches!(self, Reason::TopicFailed | Reason::Invalid | Reason::SourceUnavailable | Reason::CleanupFailed)
    }

    /// The Event's `action` field: what the operator was doing.
    #[must_use]
    pub fn action(self) -> &'static str {
        match self {
            Reason::Created | Reason::Scaled | Reason::Paused | Reason::Resumed => "ApplyWorkers",
            Reason::TopicCreated | Reason::TopicFailed => "EnsureTopic",
            Reason::Invalid => "Validate",
            Reason::SourceUnavailable => "CheckSource",
            Reason::Completed => "ReadStatus",
            Reason::CleanupFailed | Reason::Cleaned => "Cleanup",
        }
    }
}

/// One Event to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The reason.
    pub reason: Reason,
    /// The human-readable note.
    pub note: String,
}

impl Notice {
    /// A notice with its note.
    #[must_use]
    pub fn new(reason: Reason, note: impl Into<String>) -> Self {
        Notice { reason, note: note.into() }
    }
}

/// Where Events go.
#[async_trait]
pub trait EventSink: Send + Sync + 'static {
    /// Publish `notice` about `lm`; failures are the sink's to log.
    async fn publish(&self, lm: &LiveMatch, notice: Notice);
}

/// Events through kube's [`Recorder`].
#[derive(Clone)]
pub struct KubeEvents {
    recorder: Recorder,
}

impl KubeEvents {
    /// A recorder reporting as controller `livematch-operator`, instance `identity`.
    #[must_use]
    pub fn new(client: kube::Client, identity: &str) -> Self {
        let reporter =
            Reporter { controller: crate::config::FIELD_MANAGER.to_owned(), instance: Some(identity.to_owned()) };
        KubeEvents { recorder: Recorder::new(client, reporter) }
    }
}

#[async_trait]
impl EventSink for KubeEvents {
    async fn publish(&self, lm: &LiveMatch, notice: Notice) {
        let event = Event {
            type_: if notice.reason.is_warning() { EventType::Warning } else { EventType::Normal },
            reason: notice.reason.as_str().to_owned(),
            note: Some(truncate(&notice.note, 1000)),
            action: notice.reason.action().to_owned(),
            secondary: None,
        };
        if let Err(error) = self.recorder.publish(&event, &lm.object_ref(&())).await {
            tracing::warn!(%error, reason = notice.reason.as_str(), "could not publish an Event");
        }
    }
}

/// `note` cut to at most `max` bytes (Events limit notes to 1 kB).
fn truncate(note: &str, max: usize) -> String {
    if note.len() <= max {
        return note.to_owned();
    }
    let mut end = max.saturating_sub(3);
    while !note.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &note[..end])
}

/// An [`EventSink`] that remembers what it was given (tests, benchmarks).
#[derive(Debug, Default)]
pub struct RecordingEvents {
    seen: std::sync::Mutex<Vec<(String, Notice)>>,
}

impl RecordingEvents {
    /// Everything published so far: (LiveMatch name, notice).
    #[must_use]
    pub fn seen(&self) -> Vec<(String, Notice)> {
        self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// The reasons published so far, in order.
    #[must_use]
    pub fn reasons(&self) -> Vec<Reason> {
        self.seen().into_iter().map(|(_, n)| n.reason).collect()
    }
}

#[async_trait]
impl EventSink for RecordingEvents {
    async fn publish(&self, lm: &LiveMatch, notice: Notice) {
        let name = kube::ResourceExt::name_any(lm);
        self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((name, notice));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_warnings() {
        assert!(Reason::Invalid.is_warning());
        assert!(Reason::TopicFailed.is_warning());
        assert!(Reason::CleanupFailed.is_warning());
        assert!(!Reason::Created.is_warning());
        assert!(!Reason::Cleaned.is_warning());
        assert_eq!(Reason::TopicCreated.as_str(), "TopicCreated");
    }

    #[test]
    fn long_notes_are_cut_on_a_char_boundary() {
        let note = "é".repeat(800);
        let cut = truncate(&note, 1000);
        assert!(cut.len() <= 1000 && cut.ends_with("..."), "{}", cut.len());
        assert_eq!(truncate("short", 1000), "short");
    }
}
