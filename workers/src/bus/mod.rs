//! The event log: one topic per match, keyed by match id. Kafka is the
//! source of truth; everything else can be rebuilt from it.

use std::time::Duration;

use async_trait::async_trait;

pub mod kafka;
pub mod memory;

/// Topic name for a match id: `livematch.<id>` with characters Kafka does
/// not allow replaced by `_`.
#[must_use]
pub fn topic_for(match_id: &str) -> String {
    let clean: String = match_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' })
        .collect();
    format!("livematch.{clean}")
}

/// Consumer group for a match's consumers.
#[must_use]
pub fn group_for(match_id: &str) -> String {
    format!("livematch-consumer.{match_id}")
}

/// One record read from a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub payload: Option<Vec<u8>>,
}

/// What went wrong talking to the event log.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("kafka client setup: {0}")]
    Config(String),
    #[error("topic {topic}: {message}")]
    Topic { topic: String, message: String },
    #[error("publish to {topic}: {message}")]
    Publish { topic: String, message: String },
    #[error("consume from {topic}: {message}")]
    Consume { topic: String, message: String },
    #[error("commit on {topic}: {message}")]
    Commit { topic: String, message: String },
}

impl BusError {
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            BusError::Config(_) => "config",
            BusError::Topic { .. } => "topic",
            BusError::Publish { .. } => "publish",
            BusError::Consume { .. } => "consume",
            BusError::Commit { .. } => "commit",
        }
    }
}

/// Topic settings used when a topic is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicSpec {
    pub partitions: i32,
    pub replication: i32,
    /// `retention.ms`; None keeps the broker default.
    pub retention_ms: Option<i64>,
}

impl Default for TopicSpec {
    fn default() -> Self {
        TopicSpec { partitions: 1, replication: 1, retention_ms: None }
    }
}

/// The event log, as the producer and the consumer see it.
#[async_trait]
pub trait EventBus: Send + Sync + 'static {
    /// Create the topic if it does not exist (an existing one is fine).
    async fn ensure_topic(&self, topic: &str, spec: TopicSpec) -> Result<(), BusError>;

    /// Delete a topic (absent is fine).
    async fn delete_topic(&self, topic: &str) -> Result<(), BusError>;

    /// Publish one record and wait until the log acknowledged it
    /// (`acks=all`, idempotent producer on Kafka).
    async fn publish(&self, topic: &str, key: &str, payload: Vec<u8>) -> Result<(), BusError>;

    /// Read the whole topic from the beginning and return every record's
    /// payload in log order, stopping once caught up (no record for
    /// `idle`). The producer uses it to find where a match stopped.
    async fn read_all(&self, topic: &str, idle: Duration) -> Result<Vec<Record>, BusError>;

    /// Join the consumer group `group` on `topic`.
    async fn subscribe(&self, topic: &str, group: &str) -> Result<Box<dyn Subscription>, BusError>;
}

/// A consumer-group member's view of one topic.
#[async_trait]
pub trait Subscription: Send {
    /// Up to `max` records, waiting at most `wait` for the first one. An
    /// empty batch means nothing arrived in time.
    async fn next_batch(&mut self, max: usize, wait: Duration) -> Result<Vec<Record>, BusError>;

    /// Commit: `offset` is the next offset to read on `partition`. Called
    /// only after the records before it are durable downstream.
    async fn commit(&mut self, partition: i32, offset: i64) -> Result<(), BusError>;

    /// Go back to the start of every assigned partition (used to rebuild a
    /// cache that was lost).
    async fn rewind(&mut self) -> Result<(), BusError>;
}
