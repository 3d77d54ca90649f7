//! The Kafka backend of the event log (rdkafka / librdkafka).
//!
//! * Producer: idempotent, `acks=all`; `publish` awaits the broker's
//!   acknowledgement. librdkafka retries transient failures itself for up to
//!   `message.timeout.ms` (120 s), so a short broker outage only delays
//!   publishing.
//! * Topics: created and deleted with the admin API.
//! * `read_all`: a throwaway consumer assigned every partition from the
//!   beginning, no group membership and no commits.
//! * `subscribe`: a consumer-group member with manual commits; the caller
//!   commits only what is durable downstream.
//!
//! librdkafka calls that block (commit, seek, metadata, consumer close) run
//! on tokio's blocking pool, never on an async worker.

use std::collections::HashSet;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use futures::FutureExt;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::ClientContext;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, StreamConsumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::util::Timeout;
use tokio::time::Instant;

use super::{BusError, EventBus, Record, Subscription, TopicSpec};

mod last_error;

use last_error::LastError;

/// How long `publish` may wait for room in the producer's local queue.
const QUEUE_TIMEOUT: Duration = Duration::from_secs(30);
/// Admin requests (create/delete topic).
const ADMIN_TIMEOUT: Duration = Duration::from_secs(30);
/// Metadata look-ups, seeks and commits.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// How often consumers refresh topic metadata (`topic.metadata.refresh.interval.ms`).
const TOPIC_REFRESH_MS: u32 = 5_000;
/// While a rewind is pending, how often to retry the seek.
const REWIND_RETRY: Duration = Duration::from_millis(100);
/// `read_all` waits at least this long for the first record, which needs a
/// connection, a metadata round trip, an offset look-up and a fetch.
const FIRST_FETCH_GRACE: Duration = Duration::from_secs(5);

/// Connection settings for [`KafkaBus`].
#[derive(Clone)]
pub struct KafkaConfig {
    /// `bootstrap.servers`, e.g. `kafka-0:9092,kafka-1:9092`.
    pub brokers: String,
    /// Consumer-group `session.timeout.ms`: how long a silent member keeps
    /// its partitions (and so how fast a hot standby takes over).
    pub session_timeout_ms: u32,
    /// `fetch.wait.max.ms`: the longest a fetch waits on the broker for new
    /// records (an upper bound on end-to-end latency for brokers that do not
    /// wake waiting fetches on produce, such as Tansu).
    pub fetch_wait_max_ms: u32,
    /// Any other librdkafka properties, applied last to every client (this
    /// is where `security.protocol`, `sasl.*` and `ssl.*` go).
    pub extra: Vec<(String, String)>,
}

impl KafkaConfig {
    /// Defaults for a broker list: 10 s session timeout, 50 ms fetch wait.
    #[must_use]
    pub fn new(brokers: impl Into<String>) -> Self {
        KafkaConfig { brokers: brokers.into(), session_timeout_ms: 10_000, fetch_wait_max_ms: 50, extra: Vec::new() }
    }

    /// Add the SASL user name and password (`sasl.username`,
    /// `sasl.password`) after the other options, so that they win over the
    /// same properties given as options.
    pub fn push_sasl_credentials(&mut self, user: Option<&str>, password: Option<&str>) {
        if let Some(user) = user {
            self.extra.push(("sasl.username".to_owned(), user.to_owned()));
        }
        if let Some(password) = password {
            self.extra.push(("sasl.password".to_owned(), password.to_owned()));
        }
    }

    /// Base client configuration, with `role` settings applied and then
    /// [`KafkaConfig::extra`].
    fn client_config(&self, role: &[(&str, String)]) -> ClientConfig {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &self.brokers);
        for (key, value) in role {
            config.set(*key, value);
        }
        for (key, value) in &self.extra {
            config.set(key, value);
        }
        config
    }

    fn consumer_config(&self, group: &str) -> ClientConfig {
        let heartbeat = (self.session_timeout_ms / 3).clamp(1, 3000);
        self.client_config(&[
            ("group.id", group.to_owned()),
            ("enable.auto.commit", "false".to_owned()),
            ("enable.auto.offset.store", "false".to_owned()),
            ("auto.offset.reset", "earliest".to_owned()),
            ("session.timeout.ms", self.session_timeout_ms.to_string()),
            ("heartbeat.interval.ms", heartbeat.to_string()),
            ("fetch.wait.max.ms", self.fetch_wait_max_ms.to_string()),
            // A consumer subscribed before its topic exists (started before
            // the producer or the operator created it) sees it at the next
            // metadata refresh: every 5 s instead of librdkafka's 5 min.
            ("topic.metadata.refresh.interval.ms", TOPIC_REFRESH_MS.to_string()),
        ])
    }
}

impl std::fmt::Debug for KafkaConfig {
    /// Values of secret-looking `extra` keys (passwords, keys, tokens) are
    /// redacted.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let extra: Vec<(&str, &str)> = self
            .extra
            .iter()
            .map(|(k, v)| (k.as_str(), if is_secret_key(k) { "<redacted>" } else { v.as_str() }))
            .collect();
        f.debug_struct("KafkaConfig")
            .field("brokers", &self.brokers)
            .field("session_timeout_ms", &self.session_timeout_ms)
            .field("fetch_wait_max_ms", &self.fetch_wait_max_ms)
            .field("extra", &extra)
            .finish()
    }
}

/// The event log on Kafka. Cheap to clone (clients are shared).
///
/// A publish that times out (`message.timeout.ms`, 120 s unless overridden
/// in [`KafkaConfig::extra`]) or hits a fatal producer error replaces the
/// producer, so the next publish starts with a fresh producer id. This
/// recovers from a broker that forgot the producer (e.g. Tansu restarted
/// with memory storage answers `UNKNOWN_PRODUCER_ID` forever).
#[derive(Clone)]
pub struct KafkaBus {
    config: Arc<KafkaConfig>,
    producer: Arc<RwLock<ProducerSlot>>,
    /// The last connection error of the producers (all generations).
    producer_errors: Arc<LastError>,
    admin: Arc<AdminClient<LogContext>>,
}

/// The current producer and how many times it was replaced.
struct ProducerSlot {
    generation: u64,
    producer: FutureProducer<LogContext>,
}

impl std::fmt::Debug for KafkaBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaBus").field("config", &self.config).finish_non_exhaustive()
    }
}

impl KafkaBus {
    /// Create the producer and admin clients (they connect lazily).
    ///
    /// # Errors
    /// [`BusError::Config`] if librdkafka rejects the configuration.
    pub fn new(config: KafkaConfig) -> Result<Self, BusError> {
        let producer_errors = Arc::new(LastError::default());
        let producer = new_producer(&config, &producer_errors)?;
        let admin = config
            .client_config(&[])
            .create_with_context(LogContext::new("admin"))
            .map_err(|e| config_error("admin client", &e))?;
        Ok(KafkaBus {
            config: Arc::new(config),
            producer: Arc::new(RwLock::new(ProducerSlot { generation: 0, producer })),
            producer_errors,
            admin: Arc::new(admin),
        })
    }

    /// The current producer (a cheap handle) and its generation.
    fn producer(&self) -> (u64, FutureProducer<LogContext>) {
        let slot = self.producer.read().unwrap_or_else(PoisonError::into_inner);
        (slot.generation, slot.producer.clone())
    }

    /// Replace the producer of `generation` after a failed delivery, unless
    /// another publish already did.
    fn replace_producer(&self, generation: u64, topic: &str, error: &KafkaError) {
        let mut slot = self.producer.write().unwrap_or_else(PoisonError::into_inner);
        if slot.generation != generation {
            return;
        }
        match new_producer(&self.config, &self.producer_errors) {
            Ok(producer) => {
                slot.producer = producer;
                slot.generation += 1;
                tracing::warn!(topic, %error, generation = slot.generation, "kafka producer replaced after a failed delivery");
            }
            Err(e) => tracing::warn!(topic, error = %e, "kafka producer could not be replaced"),
        }
    }

    /// The settings this bus was created with.
    #[must_use]
    pub fn config(&self) -> &KafkaConfig {
        &self.config
    }

    /// An admin failure (a timeout, typically), with the last connection
    /// error appended. rdkafka never polls the admin client's main queue,
    /// so its own errors are not delivered; the producer connects to the
    /// same brokers with the same settings as soon as it is created, so its
    /// last connection error tells why the admin client got no answer.
    fn explain_admin(&self, message: String) -> String {
        self.producer_errors.explain(message)
    }

    fn admin_options() -> AdminOptions {
        AdminOptions::new().operation_timeout(Some(ADMIN_TIMEOUT)).request_timeout(Some(ADMIN_TIMEOUT))
    }
}

fn new_producer(config: &KafkaConfig, errors: &Arc<LastError>) -> Result<FutureProducer<LogContext>, BusError> {
    config
        .client_config(&[
            ("enable.idempotence", "true".to_owned()),
            ("acks", "all".to_owned()),
            ("message.timeout.ms", "120000".to_owned()),
        ])
        .create_with_context(LogContext { role: "producer", last_error: Arc::clone(errors) })
        .map_err(|e| config_error("producer", &e))
}

fn config_error(what: &str, e: &KafkaError) -> BusError {
    // rdkafka's message ends with the property's value: never show a secret.
    let message = match e {
        KafkaError::ClientConfig(_, desc, key, value) if is_secret_key(key) => {
            let desc = if value.is_empty() { desc.clone() } else { desc.replace(value.as_str(), "<redacted>") };
            format!("Client config error: {desc} {key} <redacted>")
        }
        other => other.to_string(),
    };
    tracing::warn!(error = %message, "kafka {what} configuration rejected");
    BusError::Config(format!("{what}: {message}"))
}

/// Whether a librdkafka property holds a secret (passwords, keys, tokens):
/// its value is never logged. Broad on purpose: a key *file*
/// (`ssl.key.location`) is redacted too.
fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["password", "secret", "key", "token", "jaas"].iter().any(|s| key.contains(s))
}

/// Whether the value of a librdkafka property is itself a secret (a
/// password, a private key in PEM, a token), as opposed to the name of a
/// file or endpoint holding one (`ssl.key.location`,
/// `sasl.oauthbearer.token.endpoint.url`). Such a value belongs in a
/// Kubernetes Secret, never in a plain environment value or argument.
#[must_use]
pub fn is_secret_option(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    let names_a_place = [".location", ".url", ".filename", ".keytab"].iter().any(|s| key.ends_with(s));
    is_secret_key(&key) && !names_a_place
}

fn topic_error(topic: &str, message: String) -> BusError {
    tracing::warn!(topic, %message, "kafka topic operation failed");
    BusError::Topic { topic: topic.to_owned(), message }
}

fn consume_error(topic: &str, message: String) -> BusError {
    tracing::warn!(topic, %message, "kafka consume failed");
    BusError::Consume { topic: topic.to_owned(), message }
}

/// Errors librdkafka reports but retries on its own.
fn is_transient(error: &KafkaError) -> bool {
    use RDKafkaErrorCode as C;
    !matches!(error, KafkaError::MessageConsumptionFatal(_))
        && matches!(
            error.rdkafka_error_code(),
            Some(
                C::BrokerTransportFailure
                    | C::Resolve
                    | C::AllBrokersDown
                    | C::LeaderNotAvailable
                    | C::NotLeaderForPartition
                    | C::RequestTimedOut
                    | C::NetworkException
                    | C::CoordinatorNotAvailable
                    | C::NotCoordinator
            )
        )
}

fn to_record(message: &BorrowedMessage<'_>) -> Record {
    Record {
        partition: message.partition(),
        offset: message.offset(),
        key: message.key().map(<[u8]>::to_vec),
        payload: message.payload().map(<[u8]>::to_vec),
    }
}

/// Run a blocking librdkafka call on the blocking pool.
async fn blocking<T: Send + 'static>(call: impl FnOnce() -> Result<T, String> + Send + 'static) -> Result<T, String> {
    match tokio::time::timeout(CALL_TIMEOUT, tokio::task::spawn_blocking(call)).await {
        Ok(Ok(result)) => result,
        Ok(Err(join)) => Err(format!("blocking kafka call failed: {join}")),
        Err(_) => Err(format!("no answer within {CALL_TIMEOUT:?}")),
    }
}

/// Drop a consumer (which leaves its group and closes, blocking) off the
/// async workers when a runtime is available.
fn close_in_background<C: Send + Sync + 'static>(consumer: Arc<C>) {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => {
            handle.spawn_blocking(move || drop(consumer));
        }
        Err(_) => drop(consumer),
    }
}

#[async_trait]
impl EventBus for KafkaBus {
    #[tracing::instrument(level = "info", skip(self), fields(brokers = %self.config.brokers))]
    async fn ensure_topic(&self, topic: &str, spec: TopicSpec) -> Result<(), BusError> {
        let retention = spec.retention_ms.map(|ms| ms.to_string());
        let mut new_topic = NewTopic::new(topic, spec.partitions, TopicReplication::Fixed(spec.replication));
        if let Some(ms) = retention.as_deref() {
            new_topic = new_topic.set("retention.ms", ms);
        }
        let results = self
            .admin
            .create_topics([&new_topic], &Self::admin_options())
            .await
            .map_err(|e| topic_error(topic, self.explain_admin(format!("create: {e}"))))?;
        for result in results {
            match result {
                Ok(_) => tracing::info!(topic, ?spec, "kafka topic created"),
                Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {
                    tracing::debug!(topic, "kafka topic already exists");
                }
                Err((_, code)) => {
                    return Err(topic_error(topic, self.explain_admin(format!("create: {code}"))));
                }
            }
        }
        Ok(())
    }

    #[tracing::instrument(level = "info", skip(self), fields(brokers = %self.config.brokers))]
    async fn delete_topic(&self, topic: &str) -> Result<(), BusError> {
        let results = self
            .admin
            .delete_topics(&[topic], &Self::admin_options())
            .await
            .map_err(|e| topic_error(topic, self.explain_admin(format!("delete: {e}"))))?;
        for result in results {
            match result {
                Ok(_) => tracing::info!(topic, "kafka topic deleted"),
                Err((_, RDKafkaErrorCode::UnknownTopicOrPartition | RDKafkaErrorCode::UnknownTopic)) => {
                    tracing::debug!(topic, "kafka topic to delete does not exist");
                }
                Err((_, code)) => {
                    return Err(topic_error(topic, self.explain_admin(format!("delete: {code}"))));
                }
            }
        }
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip(self, payload), fields(bytes = payload.len()))]
    async fn publish(&self, topic: &str, key: &str, payload: Vec<u8>) -> Result<(), BusError> {
        let (generation, producer) = self.producer();
        let record = FutureRecord::to(topic).key(key).payload(&payload);
        match producer.send(record, Timeout::After(QUEUE_TIMEOUT)).await {
            Ok(delivery) => {
                tracing::trace!(partition = delivery.partition, offset = delivery.offset, "published");
                Ok(())
            }
            Err((e, _)) => {
                tracing::warn!(topic, error = %e, "kafka publish failed");
                let timed_out = e.rdkafka_error_code() == Some(RDKafkaErrorCode::MessageTimedOut);
                if timed_out || producer.client().fatal_error().is_some() {
                    self.replace_producer(generation, topic, &e);
                }
                let message = self.producer_errors.explain(e.to_string());
                Err(BusError::Publish { topic: topic.to_owned(), message })
            }
        }
    }

    #[tracing::instrument(level = "info", skip(self))]
    async fn read_all(&self, topic: &str, idle: Duration) -> Result<Vec<Record>, BusError> {
        let group = format!("livematch-read-all.{}", rand::random::<u64>());
        let consumer: StreamConsumer<LogContext> = self
            .config
            .consumer_config(&group)
            // End-of-partition events tell that the first fetch completed.
            .set("enable.partition.eof", "true")
            .create_with_context(LogContext::new("reader"))
            .map_err(|e| config_error("reader", &e))?;
        let consumer = Arc::new(consumer);
        let result = read_topic(&consumer, topic, idle).await;
        close_in_background(consumer);
        let records = result?;
        tracing::info!(topic, records = records.len(), "kafka topic read to the end");
        Ok(records)
    }

    #[tracing::instrument(level = "info", skip(self))]
    async fn subscribe(&self, topic: &str, group: &str) -> Result<Box<dyn Subscription>, BusError> {
        let context =
            GroupContext { topic: topic.to_owned(), group: group.to_owned(), last_error: LastError::default() };
        let consumer: StreamConsumer<GroupContext> = self
            .config
            .consumer_config(group)
            .create_with_context(context)
            .map_err(|e| config_error("consumer", &e))?;
        consumer.subscribe(&[topic]).map_err(|e| consume_error(topic, format!("subscribe (group {group}): {e}")))?;
        tracing::info!(topic, group, "kafka consumer subscribed");
        Ok(Box::new(KafkaSubscription {
            consumer: Some(Arc::new(consumer)),
            topic: topic.to_owned(),
            group: group.to_owned(),
            rewind_pending: false,
        }))
    }
}

/// Assign every partition of `topic` from the beginning and read until
/// nothing arrives for `idle`. Until the broker answered a first fetch (a
/// record or an end-of-partition event) the wait is at least
/// [`FIRST_FETCH_GRACE`]. An absent topic reads as empty.
async fn read_topic(
    consumer: &Arc<StreamConsumer<LogContext>>,
    topic: &str,
    idle: Duration,
) -> Result<Vec<Record>, BusError> {
    let partitions = {
        let client = Arc::clone(consumer);
        let name = topic.to_owned();
        blocking(move || {
            let metadata = client.fetch_metadata(Some(&name), CALL_TIMEOUT).map_err(|e| e.to_string())?;
            let Some(found) = metadata.topics().iter().find(|t| t.name() == name) else {
                return Ok(Vec::new());
            };
            match found.error() {
                None => Ok(found.partitions().iter().map(|p| p.id()).collect::<Vec<_>>()),
                Some(err) => match RDKafkaErrorCode::from(err) {
                    RDKafkaErrorCode::UnknownTopicOrPartition | RDKafkaErrorCode::UnknownTopic => Ok(Vec::new()),
                    code => Err(format!("metadata: {code}")),
                },
            }
        })
        .await
        .map_err(|e| consume_error(topic, consumer.context().last_error.explain(e)))?
    };
    if partitions.is_empty() {
        tracing::debug!(topic, "kafka topic absent or empty of partitions: nothing to read");
        return Ok(Vec::new());
    }
    let mut assignment = TopicPartitionList::new();
    for partition in &partitions {
        assignment
            .add_partition_offset(topic, *partition, Offset::Beginning)
            .map_err(|e| consume_error(topic, format!("assign partition {partition}: {e}")))?;
    }
    consumer.assign(&assignment).map_err(|e| consume_error(topic, format!("assign: {e}")))?;

    let mut records = Vec::new();
    let mut deadline = Instant::now() + idle.max(FIRST_FETCH_GRACE);
    loop {
        match tokio::time::timeout_at(deadline, consumer.recv()).await {
            Err(_) => break,
            Ok(Ok(message)) => {
                records.push(to_record(&message));
                deadline = Instant::now() + idle;
            }
            // The broker answered a fetch: from now on only `idle` counts.
            // (End of partition is not trusted as "caught up": Tansu's high
            // watermark can lag.)
            Ok(Err(KafkaError::PartitionEOF(_))) => {
                if records.is_empty() {
                    deadline = deadline.min(Instant::now() + idle);
                }
            }
            Ok(Err(e)) => {
                return Err(consume_error(topic, consumer.context().last_error.explain(format!("read: {e}"))));
            }
        }
    }
    // Messages arrive in order per partition; present partitions in order.
    records.sort_by_key(|r| (r.partition, r.offset));
    records.dedup_by_key(|r| (r.partition, r.offset));
    Ok(records)
}

/// A consumer-group member on one topic.
struct KafkaSubscription {
    /// Always Some until dropped (taken to close it off the async workers).
    consumer: Option<Arc<StreamConsumer<GroupContext>>>,
    topic: String,
    group: String,
    /// `rewind` could not seek every assigned partition yet (not assigned,
    /// or fetching not started): retry before and while reading, and drop
    /// records read from the old position meanwhile.
    rewind_pending: bool,
}

impl KafkaSubscription {
    fn consumer(&self) -> Result<&Arc<StreamConsumer<GroupContext>>, BusError> {
        self.consumer
            .as_ref()
            .ok_or_else(|| BusError::Consume { topic: self.topic.clone(), message: "subscription closed".to_owned() })
    }

    /// Seek every assigned partition to the beginning. Ok(true) when done,
    /// Ok(false) when nothing is assigned or fetching has not started yet.
    async fn try_rewind(&self) -> Result<bool, BusError> {
        let consumer = Arc::clone(self.consumer()?);
        let topic = self.topic.clone();
        let outcome = blocking(move || {
            let assignment = consumer.assignment().map_err(|e| format!("assignment: {e}"))?;
            let partitions: Vec<i32> = assignment.elements_for_topic(&topic).iter().map(|e| e.partition()).collect();
            if partitions.is_empty() {
                return Ok(None);
            }
            for partition in &partitions {
                if let Err(e) = consumer.seek(&topic, *partition, Offset::Beginning, CALL_TIMEOUT) {
                    // Typically "Local: Erroneous state": the partition was
                    // just assigned and its committed offset is being fetched.
                    tracing::debug!(topic, partition, error = %e, "seek not possible yet");
                    return Ok(None);
                }
            }
            Ok(Some(partitions))
        })
        .await
        .map_err(|e| consume_error(&self.topic, format!("rewind: {e}")))?;
        match outcome {
            Some(partitions) => {
                tracing::info!(topic = self.topic, group = self.group, ?partitions, "kafka consumer rewound");
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// The next message as a record, waiting until `deadline`; `None` when
    /// nothing arrived in time.
    async fn recv_until(&self, deadline: Instant) -> Result<Option<Record>, KafkaError> {
        let Ok(consumer) = self.consumer() else {
            return Ok(None);
        };
        match tokio::time::timeout_at(deadline, consumer.recv()).await {
            Err(_) => Ok(None),
            Ok(result) => result.map(|m| Some(to_record(&m))),
        }
    }

    /// The next message if one is already waiting.
    fn recv_now(&self) -> Result<Option<Record>, KafkaError> {
        let Ok(consumer) = self.consumer() else {
            return Ok(None);
        };
        match consumer.recv().now_or_never() {
            None => Ok(None),
            Some(result) => result.map(|m| Some(to_record(&m))),
        }
    }
}

#[async_trait]
impl Subscription for KafkaSubscription {
    /// Connection trouble is not an error here (librdkafka reconnects by
    /// itself; the wait just ends empty). Other errors are returned when
    /// nothing was read yet; the subscription stays usable.
    async fn next_batch(&mut self, max: usize, wait: Duration) -> Result<Vec<Record>, BusError> {
        let deadline = Instant::now() + wait;
        let mut batch = Vec::new();
        if max == 0 {
            return Ok(batch);
        }
        loop {
            if self.rewind_pending && self.try_rewind().await? {
                self.rewind_pending = false;
            }
            let received = if batch.is_empty() {
                let until = if self.rewind_pending { deadline.min(Instant::now() + REWIND_RETRY) } else { deadline };
                match self.recv_until(until).await {
                    Ok(None) if Instant::now() < deadline => continue,
                    other => other,
                }
            } else {
                self.recv_now()
            };
            match received {
                Ok(None) => break,
                // Read from the position before the rewind: drop it, the
                // rewind is retried at the top of the loop.
                Ok(Some(_)) if self.rewind_pending => {}
                Ok(Some(record)) => {
                    batch.push(record);
                    if batch.len() >= max {
                        break;
                    }
                }
                Err(KafkaError::PartitionEOF(_)) => {}
                // Connection trouble librdkafka recovers from by itself (the
                // client context already logged it): keep waiting.
                Err(e) if is_transient(&e) => {
                    tracing::debug!(topic = self.topic, group = self.group, error = %e, "transient kafka consume error");
                }
                Err(e) if batch.is_empty() => {
                    let message = format!("group {}: {e}", self.group);
                    let message = match &self.consumer {
                        Some(consumer) => consumer.context().last_error.explain(message),
                        None => message,
                    };
                    return Err(consume_error(&self.topic, message));
                }
                Err(e) => {
                    tracing::warn!(topic = self.topic, group = self.group, error = %e, "kafka consume error after a partial batch");
                    break;
                }
            }
        }
        Ok(batch)
    }

    async fn commit(&mut self, partition: i32, offset: i64) -> Result<(), BusError> {
        let consumer = Arc::clone(self.consumer()?);
        let mut offsets = TopicPartitionList::new();
        offsets
            .add_partition_offset(&self.topic, partition, Offset::Offset(offset))
            .map_err(|e| BusError::Commit { topic: self.topic.clone(), message: e.to_string() })?;
        blocking(move || consumer.commit(&offsets, CommitMode::Sync).map_err(|e| e.to_string()))
            .await
            .map_err(|message| {
                tracing::warn!(topic = self.topic, group = self.group, partition, offset, %message, "kafka commit failed");
                BusError::Commit {
                    topic: self.topic.clone(),
                    message: format!("group {} partition {partition} offset {offset}: {message}", self.group),
                }
            })?;
        tracing::debug!(topic = self.topic, group = self.group, partition, offset, "kafka offset committed");
        Ok(())
    }

    async fn rewind(&mut self) -> Result<(), BusError> {
        self.rewind_pending = !self.try_rewind().await?;
        if self.rewind_pending {
            tracing::info!(
                topic = self.topic,
                group = self.group,
                "kafka rewind pending until partitions are assigned"
            );
        }
        Ok(())
    }
}

impl Drop for KafkaSubscription {
    fn drop(&mut self) {
        if let Some(consumer) = self.consumer.take() {
            tracing::info!(topic = self.topic, group = self.group, "kafka consumer leaving group");
            close_in_background(consumer);
        }
    }
}

/// Routes librdkafka logs and errors to `tracing`, and remembers the last
/// error to explain a timeout with.
struct LogContext {
    role: &'static str,
    last_error: Arc<LastError>,
}

impl LogContext {
    fn new(role: &'static str) -> Self {
        LogContext { role, last_error: Arc::new(LastError::default()) }
    }
}

fn log_librdkafka(role: &str, level: RDKafkaLogLevel, facility: &str, message: &str) {
    match level {
        RDKafkaLogLevel::Emerg | RDKafkaLogLevel::Alert | RDKafkaLogLevel::Critical => {
            tracing::error!(target: "librdkafka", role, facility, message);
        }
        // librdkafka reports connection failures as errors and retries them.
        RDKafkaLogLevel::Error | RDKafkaLogLevel::Warning => {
            tracing::warn!(target: "librdkafka", role, facility, message);
        }
        RDKafkaLogLevel::Notice => tracing::info!(target: "librdkafka", role, facility, message),
        RDKafkaLogLevel::Info | RDKafkaLogLevel::Debug => {
            tracing::debug!(target: "librdkafka", role, facility, message);
        }
    }
}

impl ClientContext for LogContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        log_librdkafka(self.role, level, fac, log_message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        if matches!(error, KafkaError::PartitionEOF(_))
            || error.rdkafka_error_code() == Some(RDKafkaErrorCode::PartitionEOF)
        {
            tracing::debug!(target: "librdkafka", role = self.role, reason, "end of partition");
        } else {
            tracing::warn!(target: "librdkafka", role = self.role, %error, reason, "kafka client error");
            self.last_error.record(&error, reason);
        }
    }
}

impl ConsumerContext for LogContext {}

/// Logs a group member's assignment changes and remembers its last error.
struct GroupContext {
    topic: String,
    group: String,
    last_error: LastError,
}

impl ClientContext for GroupContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        log_librdkafka("consumer", level, fac, log_message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        tracing::warn!(target: "librdkafka", topic = self.topic, group = self.group, %error, reason, "kafka consumer error");
        self.last_error.record(&error, reason);
    }
}

impl ConsumerContext for GroupContext {
    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let partitions =
            |list: &TopicPartitionList| -> HashSet<i32> { list.elements().iter().map(|e| e.partition()).collect() };
        match rebalance {
            Rebalance::Assign(list) => tracing::info!(
                topic = self.topic,
                group = self.group,
                partitions = ?partitions(list),
                "kafka partitions assigned"
            ),
            Rebalance::Revoke(list) => tracing::info!(
                topic = self.topic,
                group = self.group,
                partitions = ?partitions(list),
                "kafka partitions revoked"
            ),
            Rebalance::Error(e) => {
                tracing::warn!(topic = self.topic, group = self.group, error = %e, "kafka rebalance error");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_secrets() {
        let mut config = KafkaConfig::new("k:9092");
        config.extra = vec![
            ("sasl.password".to_owned(), "hunter2".to_owned()),
            ("ssl.key.pem".to_owned(), "PRIVATE".to_owned()),
            ("security.protocol".to_owned(), "sasl_ssl".to_owned()),
        ];
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("PRIVATE"), "{shown}");
        assert!(shown.contains("sasl_ssl"), "{shown}");
    }

    #[test]
    fn extra_properties_override_role_settings() {
        let mut config = KafkaConfig::new("k:9092");
        config.extra = vec![("fetch.wait.max.ms".to_owned(), "7".to_owned())];
        let built = config.consumer_config("g");
        assert_eq!(built.get("fetch.wait.max.ms"), Some("7"));
        assert_eq!(built.get("group.id"), Some("g"));
        assert_eq!(built.get("enable.auto.commit"), Some("false"));
        assert_eq!(built.get("heartbeat.interval.ms"), Some("3000"));
        assert_eq!(built.get("bootstrap.servers"), Some("k:9092"));
    }

    #[test]
    fn bad_config_is_a_config_error() {
        let mut config = KafkaConfig::new("k:9092");
        config.extra = vec![("no.such.property".to_owned(), "1".to_owned())];
        let err = KafkaBus::new(config).expect_err("unknown property accepted");
        assert_eq!(err.metric_label(), "config");
    }
}
