//! The match topics in Kafka, behind a small trait so reconcile tests use a
//! fake.
//!
//! [`KafkaTopics`] wraps the workers' [`KafkaBus`] admin calls with a
//! timeout. [`EnsuredTopics`] remembers which topics this operator process
//! already ensured (with which settings), so a periodic reconcile of a live
//! match costs no Kafka round trip; a topic deleted behind the operator's
//! back is recreated by the producer, which ensures it on start.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use livematch_workers::bus::kafka::{KafkaBus, KafkaConfig};
use livematch_workers::bus::{BusError, EventBus, TopicSpec};

/// What went wrong with a topic.
#[derive(Debug, thiserror::Error)]
pub enum TopicError {
    /// Kafka answered with an error.
    #[error("kafka topic {topic}: {source}")]
    Kafka {
        /// The topic.
        topic: String,
        /// Kafka's error.
        #[source]
        source: BusError,
    },
    /// Kafka did not answer in time.
    #[error("kafka topic {topic}: no answer within {after:?}")]
    Timeout {
        /// The topic.
        topic: String,
        /// The timeout.
        after: Duration,
    },
    /// The Kafka client could not be set up.
    #[error("kafka client: {0}")]
    Client(#[source] BusError),
}

impl TopicError {
    /// Stable short category for metrics and Events.
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            TopicError::Kafka { .. } => "kafka",
            TopicError::Timeout { .. } => "kafka_timeout",
            TopicError::Client(_) => "kafka_client",
        }
    }
}

/// Topic administration.
#[async_trait]
pub trait Topics: Send + Sync + 'static {
    /// Create `topic` with `spec` unless it exists.
    async fn ensure(&self, topic: &str, spec: TopicSpec) -> Result<(), TopicError>;
    /// Delete `topic` (absent is fine).
    async fn delete(&self, topic: &str) -> Result<(), TopicError>;
}

/// Topics in Kafka through the workers' [`KafkaBus`].
#[derive(Debug, Clone)]
pub struct KafkaTopics {
    bus: KafkaBus,
    timeout: Duration,
}

impl KafkaTopics {
    /// Set up the admin client (it connects lazily).
    ///
    /// # Errors
    /// librdkafka refused the configuration.
    pub fn new(config: KafkaConfig, timeout: Duration) -> Result<Self, TopicError> {
        Ok(KafkaTopics { bus: KafkaBus::new(config).map_err(TopicError::Client)?, timeout })
    }

    async fn timed(
        &self,
        topic: &str,
        call: impl Future<Output = Result<(), BusError>> + Send,
    ) -> Result<(), TopicError> {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(source)) => Err(TopicError::Kafka { topic: topic.to_owned(), source }),
            Err(_) => Err(TopicError::Timeout { topic: topic.to_owned(), after: self.timeout }),
        }
    }
}

#[async_trait]
impl Topics for KafkaTopics {
    async fn ensure(&self, topic: &str, spec: TopicSpec) -> Result<(), TopicError> {
        self.timed(topic, self.bus.ensure_topic(topic, spec)).await
    }

    async fn delete(&self, topic: &str) -> Result<(), TopicError> {
        self.timed(topic, self.bus.delete_topic(topic)).await
    }
}

/// Topics ensured by this process, with the settings they were ensured with.
#[derive(Debug, Default)]
pub struct EnsuredTopics {
    inner: Mutex<HashMap<String, TopicSpec>>,
}

impl EnsuredTopics {
    /// Ensure `topic` through `topics` unless it was already ensured with
    /// the same settings. Returns whether Kafka was asked.
    ///
    /// # Errors
    /// The topic could not be ensured.
    pub async fn ensure(&self, topics: &dyn Topics, topic: &str, spec: TopicSpec) -> Result<bool, TopicError> {
        if self.lock().get(topic) == Some(&spec) {
            return Ok(false);
        }
        topics.ensure(topic, spec).await?;
        self.lock().insert(topic.to_owned(), spec);
        Ok(true)
    }

    /// Forget `topic` (it was deleted).
    pub fn forget(&self, topic: &str) {
        self.lock().remove(topic);
    }

    /// How many topics are remembered.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is remembered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, TopicSpec>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An in-memory [`Topics`] for tests and benchmarks: records calls and
/// fails the next `fail_next` of them.
#[derive(Debug, Default)]
pub struct FakeTopics {
    state: Mutex<FakeTopicsState>,
}

#[derive(Debug, Default)]
struct FakeTopicsState {
    topics: HashMap<String, TopicSpec>,
    calls: Vec<String>,
    fail_next: u32,
    fail_always: bool,
}

impl FakeTopics {
    /// Fail the next `n` calls.
    pub fn fail_next(&self, n: u32) {
        self.lock().fail_next = n;
    }

    /// Fail every call from now on (or stop failing).
    pub fn fail_always(&self, fail: bool) {
        self.lock().fail_always = fail;
    }

    /// The topics that exist, with their settings.
    #[must_use]
    pub fn topics(&self) -> HashMap<String, TopicSpec> {
        self.lock().topics.clone()
    }

    /// Calls so far, as `ensure TOPIC` / `delete TOPIC`.
    #[must_use]
    pub fn calls(&self) -> Vec<String> {
        self.lock().calls.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FakeTopicsState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn call(&self, what: &str, topic: &str) -> Result<std::sync::MutexGuard<'_, FakeTopicsState>, TopicError> {
        let mut state = self.lock();
        state.calls.push(format!("{what} {topic}"));
        if state.fail_always || state.fail_next > 0 {
            state.fail_next = state.fail_next.saturating_sub(1);
            let message = "broker unavailable (fake)".to_owned();
            return Err(TopicError::Kafka {
                topic: topic.to_owned(),
                source: BusError::Topic { topic: topic.to_owned(), message },
            });
        }
        Ok(state)
    }
}

#[async_trait]
impl Topics for FakeTopics {
    async fn ensure(&self, topic: &str, spec: TopicSpec) -> Result<(), TopicError> {
        self.call("ensure", topic)?.topics.entry(topic.to_owned()).or_insert(spec);
        Ok(())
    }

    async fn delete(&self, topic: &str) -> Result<(), TopicError> {
        self.call("delete", topic)?.topics.remove(topic);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: TopicSpec = TopicSpec { partitions: 1, replication: 1, retention_ms: None };

    #[tokio::test]
    async fn ensured_topics_skip_kafka_until_settings_change() {
        let fake = FakeTopics::default();
        let ensured = EnsuredTopics::default();
        assert!(ensured.ensure(&fake, "t", SPEC).await.expect("ensure"));
        assert!(!ensured.ensure(&fake, "t", SPEC).await.expect("ensure"), "second time is free");
        let wider = TopicSpec { partitions: 3, ..SPEC };
        assert!(ensured.ensure(&fake, "t", wider).await.expect("ensure"), "new settings ask again");
        assert_eq!(fake.calls(), ["ensure t", "ensure t"]);
        ensured.forget("t");
        assert!(ensured.is_empty());
    }

    #[tokio::test]
    async fn failures_are_not_remembered() {
        let fake = FakeTopics::default();
        fake.fail_next(1);
        let ensured = EnsuredTopics::default();
        let err = ensured.ensure(&fake, "t", SPEC).await.expect_err("fails once");
        assert_eq!(err.metric_label(), "kafka");
        assert!(err.to_string().contains("kafka topic t"), "{err}");
        assert!(ensured.ensure(&fake, "t", SPEC).await.expect("then works"));
        assert_eq!(fake.topics().get("t"), Some(&SPEC));
    }

    #[tokio::test]
    async fn unreachable_kafka_times_out() {
        // Port 9 on loopback: nothing listens, librdkafka keeps retrying.
        let topics = KafkaTopics::new(KafkaConfig::new("127.0.0.1:9"), Duration::from_millis(300)).expect("client");
        let started = std::time::Instant::now();
        let err = topics.ensure("livematch.t", SPEC).await.expect_err("no broker");
        assert!(started.elapsed() < Duration::from_secs(5), "bounded by the timeout");
        assert!(matches!(err, TopicError::Timeout { .. } | TopicError::Kafka { .. }), "{err}");
    }
}
