//! In-process event log for the demo and for tests: the same semantics as
//! the Kafka backend, without a broker.
//!
//! * A topic is a list of partitions, each a `Vec` of records with offsets
//!   from 0; the partition of a record is a stable hash of its key.
//! * A consumer group keeps a committed offset per (topic, partition).
//! * Only one member of a group consumes a topic at a time; the others are
//!   hot standbys. When the active subscription is dropped, a waiting one
//!   takes over from the committed offset (records consumed but not
//!   committed are delivered again, as with Kafka).
//! * `next_batch` wakes up as soon as a record is published.
//! * Publishing to a topic that does not exist creates it with one
//!   partition (Kafka's `auto.create.topics.enable` default).
//! * Deleting a topic also forgets the groups' committed offsets for it.
//!   Subscriptions that were reading it keep their positions.

use std::collections::HashMap;
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::{BusError, EventBus, Record, Subscription, TopicSpec};

/// The in-memory event log. Cheap to clone: clones share the same log.
#[derive(Clone, Default)]
pub struct MemoryBus {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for MemoryBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryBus").finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Inner {
    state: Mutex<State>,
    /// Woken on every publish and every change of group ownership.
    changed: Notify,
}

#[derive(Default)]
struct State {
    topics: HashMap<String, Vec<Vec<Record>>>,
    groups: HashMap<GroupKey, Group>,
    next_member: u64,
}

/// A consumer group's view of one topic.
type GroupKey = (String, String);

#[derive(Default)]
struct Group {
    /// Next offset to read per partition.
    committed: HashMap<i32, i64>,
    /// The member that currently owns every partition of the topic.
    owner: Option<u64>,
}

impl Inner {
    /// The state, even if a panicking thread poisoned the lock (every update
    /// leaves it consistent).
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl MemoryBus {
    /// An empty log.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The committed offset (next offset to read) of `group` on
    /// `topic`/`partition`, if any. For tests and diagnostics.
    #[must_use]
    pub fn committed(&self, group: &str, topic: &str, partition: i32) -> Option<i64> {
        let state = self.inner.lock();
        state.groups.get(&(group.to_owned(), topic.to_owned())).and_then(|g| g.committed.get(&partition).copied())
    }

    /// Number of records in every partition of `topic` (None if absent).
    #[must_use]
    pub fn topic_len(&self, topic: &str) -> Option<usize> {
        let state = self.inner.lock();
        state.topics.get(topic).map(|parts| parts.iter().map(Vec::len).sum())
    }
}

/// Stable partition for a key (FNV-1a), like Kafka's key partitioner.
fn partition_for(key: &str, partitions: usize) -> usize {
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    let n = u64::try_from(partitions.max(1)).unwrap_or(1);
    usize::try_from(hash % n).unwrap_or(0)
}

fn new_partitions(count: i32) -> Vec<Vec<Record>> {
    vec![Vec::new(); usize::try_from(count.max(1)).unwrap_or(1)]
}

#[async_trait]
impl EventBus for MemoryBus {
    async fn ensure_topic(&self, topic: &str, spec: TopicSpec) -> Result<(), BusError> {
        if spec.partitions < 1 {
            return Err(BusError::Topic {
                topic: topic.to_owned(),
                message: format!("invalid partition count {}", spec.partitions),
            });
        }
        let mut state = self.inner.lock();
        if !state.topics.contains_key(topic) {
            state.topics.insert(topic.to_owned(), new_partitions(spec.partitions));
            tracing::info!(topic, partitions = spec.partitions, "memory bus: topic created");
        }
        Ok(())
    }

    async fn delete_topic(&self, topic: &str) -> Result<(), BusError> {
        {
            let mut state = self.inner.lock();
            if state.topics.remove(topic).is_some() {
                tracing::info!(topic, "memory bus: topic deleted");
            }
            for ((_, group_topic), group) in &mut state.groups {
                if group_topic == topic {
                    group.committed.clear();
                }
            }
        }
        self.inner.changed.notify_waiters();
        Ok(())
    }

    async fn publish(&self, topic: &str, key: &str, payload: Vec<u8>) -> Result<(), BusError> {
        {
            let mut state = self.inner.lock();
            let parts = state.topics.entry(topic.to_owned()).or_insert_with(|| new_partitions(1));
            let index = partition_for(key, parts.len());
            let log = &mut parts[index];
            let offset = i64::try_from(log.len())
                .map_err(|_| BusError::Publish { topic: topic.to_owned(), message: "partition is full".to_owned() })?;
            log.push(Record {
                partition: i32::try_from(index).unwrap_or(0),
                offset,
                key: Some(key.as_bytes().to_vec()),
                payload: Some(payload),
            });
        }
        self.inner.changed.notify_waiters();
        Ok(())
    }

    async fn read_all(&self, topic: &str, _idle: Duration) -> Result<Vec<Record>, BusError> {
        let state = self.inner.lock();
        Ok(state.topics.get(topic).map(|parts| parts.concat()).unwrap_or_default())
    }

    async fn subscribe(&self, topic: &str, group: &str) -> Result<Box<dyn Subscription>, BusError> {
        let member = {
            let mut state = self.inner.lock();
            state.next_member += 1;
            state.next_member
        };
        tracing::info!(topic, group, member, "memory bus: subscribed");
        Ok(Box::new(MemorySubscription {
            inner: Arc::clone(&self.inner),
            topic: topic.to_owned(),
            group: group.to_owned(),
            member,
            positions: None,
            rewind_pending: false,
        }))
    }
}

/// A member of a consumer group on the in-memory log.
struct MemorySubscription {
    inner: Arc<Inner>,
    topic: String,
    group: String,
    member: u64,
    /// Next offset to read per partition; Some while this member owns the
    /// topic.
    positions: Option<HashMap<i32, i64>>,
    /// `rewind` was called before this member owned the topic.
    rewind_pending: bool,
}

impl MemorySubscription {
    fn key(&self) -> GroupKey {
        (self.group.clone(), self.topic.clone())
    }

    /// Take ownership if nobody holds it; return up to `max` records.
    fn poll(&mut self, max: usize) -> Vec<Record> {
        let key = self.key();
        let mut state = self.inner.lock();
        let State { topics, groups, .. } = &mut *state;
        let group = groups.entry(key).or_default();
        if self.positions.is_none() {
            if group.owner.is_some_and(|owner| owner != self.member) {
                return Vec::new();
            }
            group.owner = Some(self.member);
            let positions = if self.rewind_pending { HashMap::new() } else { group.committed.clone() };
            self.rewind_pending = false;
            tracing::info!(
                topic = self.topic,
                group = self.group,
                member = self.member,
                ?positions,
                "memory bus: partitions assigned"
            );
            self.positions = Some(positions);
        }
        let (Some(parts), Some(positions)) = (topics.get(&self.topic), self.positions.as_mut()) else {
            return Vec::new();
        };
        let mut batch = Vec::new();
        for (index, log) in parts.iter().enumerate() {
            let partition = i32::try_from(index).unwrap_or(0);
            let position = positions.entry(partition).or_insert(0);
            let start = usize::try_from(*position).unwrap_or(0);
            let take = max.saturating_sub(batch.len());
            let records = log.iter().skip(start).take(take);
            let before = batch.len();
            batch.extend(records.cloned());
            *position += i64::try_from(batch.len() - before).unwrap_or(0);
            if batch.len() >= max {
                break;
            }
        }
        batch
    }
}

#[async_trait]
impl Subscription for MemorySubscription {
    async fn next_batch(&mut self, max: usize, wait: Duration) -> Result<Vec<Record>, BusError> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let deadline = Instant::now() + wait;
        let inner = Arc::clone(&self.inner);
        loop {
            // Register for wake-ups before looking, so a publish between
            // the look and the wait is not missed.
            let mut changed = pin!(inner.changed.notified());
            changed.as_mut().enable();
            let batch = self.poll(max);
            if !batch.is_empty() {
                return Ok(batch);
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return Ok(Vec::new());
            }
        }
    }

    async fn commit(&mut self, partition: i32, offset: i64) -> Result<(), BusError> {
        let key = self.key();
        let mut state = self.inner.lock();
        let group = state.groups.entry(key).or_default();
        if group.owner != Some(self.member) {
            tracing::warn!(
                topic = self.topic,
                group = self.group,
                partition,
                offset,
                "memory bus: commit by a member that does not own the partition"
            );
            return Err(BusError::Commit {
                topic: self.topic.clone(),
                message: format!("group {}: member {} does not own partition {partition}", self.group, self.member),
            });
        }
        group.committed.insert(partition, offset);
        Ok(())
    }

    async fn rewind(&mut self) -> Result<(), BusError> {
        match self.positions.as_mut() {
            Some(positions) => positions.values_mut().for_each(|p| *p = 0),
            None => self.rewind_pending = true,
        }
        tracing::info!(topic = self.topic, group = self.group, "memory bus: rewound");
        Ok(())
    }
}

impl Drop for MemorySubscription {
    fn drop(&mut self) {
        if self.positions.is_none() {
            return;
        }
        let key = self.key();
        {
            let mut state = self.inner.lock();
            if let Some(group) = state.groups.get_mut(&key)
                && group.owner == Some(self.member)
            {
                group.owner = None;
            }
        }
        tracing::info!(
            topic = self.topic,
            group = self.group,
            member = self.member,
            "memory bus: member left, partitions released"
        );
        self.inner.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOPIC: &str = "livematch.test";
    const GROUP: &str = "g";
    const SHORT: Duration = Duration::from_millis(20);

    async fn bus_with(n: usize) -> MemoryBus {
        let bus = MemoryBus::new();
        bus.ensure_topic(TOPIC, TopicSpec::default()).await.expect("ensure");
        for i in 0..n {
            bus.publish(TOPIC, "m1", format!("r{i}").into_bytes()).await.expect("publish");
        }
        bus
    }

    fn payloads(records: &[Record]) -> Vec<String> {
        records.iter().map(|r| String::from_utf8(r.payload.clone().unwrap_or_default()).expect("utf8")).collect()
    }

    #[tokio::test]
    async fn publish_then_consume_in_order_with_offsets() {
        let bus = bus_with(5).await;
        let mut sub = bus.subscribe(TOPIC, GROUP).await.expect("subscribe");
        let first = sub.next_batch(3, SHORT).await.expect("batch");
        assert_eq!(payloads(&first), ["r0", "r1", "r2"]);
        assert_eq!(first.iter().map(|r| r.offset).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(first[0].key.as_deref(), Some(&b"m1"[..]));
        let rest = sub.next_batch(10, SHORT).await.expect("batch");
        assert_eq!(rest.iter().map(|r| r.offset).collect::<Vec<_>>(), [3, 4]);
        assert!(sub.next_batch(10, SHORT).await.expect("batch").is_empty());
    }

    #[tokio::test]
    async fn next_batch_wakes_on_publish() {
        let bus = bus_with(0).await;
        let mut sub = bus.subscribe(TOPIC, GROUP).await.expect("subscribe");
        let publisher = bus.clone();
        let started = std::time::Instant::now();
        let task = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            publisher.publish(TOPIC, "m1", b"late".to_vec()).await.expect("publish");
        });
        let batch = sub.next_batch(10, Duration::from_secs(10)).await.expect("batch");
        task.await.expect("publisher");
        assert_eq!(payloads(&batch), ["late"]);
        assert!(started.elapsed() < Duration::from_secs(5), "did not wake on publish");
    }

    #[tokio::test]
    async fn commit_then_new_member_resumes_after_committed_offset() {
        let bus = bus_with(4).await;
        let mut sub = bus.subscribe(TOPIC, GROUP).await.expect("subscribe");
        let batch = sub.next_batch(10, SHORT).await.expect("batch");
        assert_eq!(batch.len(), 4);
        sub.commit(0, 2).await.expect("commit");
        assert_eq!(bus.committed(GROUP, TOPIC, 0), Some(2));
        drop(sub);

        let mut again = bus.subscribe(TOPIC, GROUP).await.expect("subscribe");
        let batch = again.next_batch(10, SHORT).await.expect("batch");
        assert_eq!(payloads(&batch), ["r2", "r3"], "uncommitted records are redelivered");

        let mut other_group = bus.subscribe(TOPIC, "other").await.expect("subscribe");
        assert_eq!(other_group.next_batch(10, SHORT).await.expect("batch").len(), 4);
    }

    #[tokio::test]
    async fn hot_standby_takes_over_from_committed_offset() {
        let bus = bus_with(3).await;
        let mut active = bus.subscribe(TOPIC, GROUP).await.expect("subscribe");
        let mut standby = bus.subscribe(TOPIC, GROUP).await.expect("subscribe");
        assert_eq!(active.next_batch(10, SHORT).await.expect("batch").len(), 3);
        assert!(standby.next_batch(10, SHORT).await.expect("batch").is_empty());
        assert!(standby.commit(0, 3).await.is_err(), "standby must not commit");
        active.commit(0, 3).await.expect("commit");
        bus.publish(TOPIC, "m1", b"r3".to_vec()).await.expect("publish");
        assert!(standby.next_batch(10, SHORT).await.expect("batch").is_empty());

        // The standby is waiting when the active member goes away.
        let waiter = tokio::spawn(async move {
            let batch = standby.next_batch(10, Duration::from_secs(10)).await.expect("batch");
            (batch, standby)
        });
        tokio::time::sleep(SHORT).await;
        drop(active);
        let (batch, mut standby) = waiter.await.expect("standby task");
        assert_eq!(payloads(&batch), ["r3"]);
        assert_eq!(batch[0].offset, 3);
        standby.commit(0, 4).await.expect("new owner commits");
        assert_eq!(bus.committed(GROUP, TOPIC, 0), Some(4));
    }

    #[tokio::test]
    async fn rewind_replays_from_the_start() {
        let bus = bus_with(3).await;
        let mut sub = bus.subscribe(TOPIC, GROUP).await.expect("subscribe");
        assert_eq!(sub.next_batch(10, SHORT).await.expect("batch").len(), 3);
        sub.commit(0, 3).await.expect("commit");
        sub.rewind().await.expect("rewind");
        let again = sub.next_batch(10, SHORT).await.expect("batch");
        assert_eq!(payloads(&again), ["r0", "r1", "r2"]);

        // Rewind before owning: the committed offset is ignored once.
        drop(sub);
        let mut fresh = bus.subscribe(TOPIC, GROUP).await.expect("subscribe");
        fresh.rewind().await.expect("rewind");
        assert_eq!(fresh.next_batch(10, SHORT).await.expect("batch").len(), 3);
    }

    #[tokio::test]
    async fn read_all_topics_and_delete() {
        let bus = bus_with(3).await;
        let all = bus.read_all(TOPIC, SHORT).await.expect("read_all");
        assert_eq!(payloads(&all), ["r0", "r1", "r2"]);
        assert!(bus.read_all("absent", SHORT).await.expect("read_all").is_empty());

        let mut sub = bus.subscribe(TOPIC, GROUP).await.expect("subscribe");
        sub.next_batch(10, SHORT).await.expect("batch");
        sub.commit(0, 3).await.expect("commit");
        bus.delete_topic(TOPIC).await.expect("delete");
        bus.delete_topic(TOPIC).await.expect("delete absent");
        assert_eq!(bus.topic_len(TOPIC), None);
        assert_eq!(bus.committed(GROUP, TOPIC, 0), None);
        assert!(bus.read_all(TOPIC, SHORT).await.expect("read_all").is_empty());
    }

    #[tokio::test]
    async fn keys_spread_over_partitions_stably() {
        let bus = MemoryBus::new();
        let spec = TopicSpec { partitions: 4, ..TopicSpec::default() };
        bus.ensure_topic(TOPIC, spec).await.expect("ensure");
        bus.ensure_topic(TOPIC, TopicSpec::default()).await.expect("ensure again is fine");
        for key in ["a", "b", "c", "d", "e", "a"] {
            bus.publish(TOPIC, key, key.as_bytes().to_vec()).await.expect("publish");
        }
        let all = bus.read_all(TOPIC, SHORT).await.expect("read_all");
        assert_eq!(all.len(), 6);
        let a: Vec<_> = all.iter().filter(|r| r.key.as_deref() == Some(&b"a"[..])).collect();
        assert_eq!(a[0].partition, a[1].partition, "same key, same partition");
        assert!(a[1].offset > a[0].offset);
        for partition in 0..4 {
            let offsets: Vec<i64> = all.iter().filter(|r| r.partition == partition).map(|r| r.offset).collect();
            let expected: Vec<i64> = (0..i64::try_from(offsets.len()).expect("len")).collect();
            assert_eq!(offsets, expected, "partition {partition} offsets");
        }
        let used: std::collections::HashSet<i32> = all.iter().map(|r| r.partition).collect();
        assert!(used.len() > 1, "five keys all hashed to one partition");
        assert!(bus.ensure_topic("bad", TopicSpec { partitions: 0, ..spec }).await.is_err());
    }
}
