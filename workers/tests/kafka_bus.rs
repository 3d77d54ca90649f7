//! `KafkaBus` against a real Kafka-compatible broker (Tansu, started by
//! `livematch_e2e::broker`). Each test starts its own broker so tests run
//! in parallel without sharing state; each consumer-group join costs about
//! 3 s on Tansu (`session.timeout.ms / 2`), so tests share subscriptions
//! where they can.

use std::time::Duration;

use livematch_e2e::broker::Broker;
use livematch_workers::bus::kafka::{KafkaBus, KafkaConfig};
use livematch_workers::bus::{EventBus, Record, Subscription, TopicSpec, group_for, topic_for};

/// Generous bound for anything that involves a group join.
const JOIN_WAIT: Duration = Duration::from_secs(20);
/// "Caught up" for read_all.
const IDLE: Duration = Duration::from_millis(500);

async fn start() -> (Broker, KafkaBus) {
    // Logs (including partition assignments) with RUST_LOG=info.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let broker = Broker::start().await.expect("start tansu broker");
    let mut config = KafkaConfig::new(broker.brokers());
    config.session_timeout_ms = 6000;
    config.fetch_wait_max_ms = 20;
    let bus = KafkaBus::new(config).expect("kafka bus");
    (broker, bus)
}

async fn publish_range(bus: &KafkaBus, topic: &str, range: std::ops::Range<usize>) {
    for i in range {
        bus.publish(topic, "m1", format!("event-{i}").into_bytes()).await.expect("publish");
    }
}

fn payloads(records: &[Record]) -> Vec<String> {
    records.iter().map(|r| String::from_utf8(r.payload.clone().expect("payload")).expect("utf8")).collect()
}

fn expected(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("event-{i}")).collect()
}

/// Read until `n` records arrived (or fail after [`JOIN_WAIT`]), in batches
/// of at most `max`.
async fn receive(sub: &mut Box<dyn Subscription>, n: usize, max: usize) -> Vec<Record> {
    let deadline = tokio::time::Instant::now() + JOIN_WAIT;
    let mut got = Vec::new();
    while got.len() < n {
        assert!(tokio::time::Instant::now() < deadline, "only {} of {n} records arrived", got.len());
        let batch = sub.next_batch(max, Duration::from_millis(500)).await.expect("next_batch");
        assert!(batch.len() <= max, "batch of {} exceeds max {max}", batch.len());
        got.extend(batch);
    }
    got
}

/// Nothing more arrives within `wait`.
async fn assert_quiet(sub: &mut Box<dyn Subscription>, wait: Duration) {
    let batch = sub.next_batch(100, wait).await.expect("next_batch");
    assert!(batch.is_empty(), "unexpected records: {:?}", payloads(&batch));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_publish_and_read_all() {
    let (_broker, bus) = start().await;
    let topic = topic_for("read-all/1");
    let spec = TopicSpec { partitions: 1, replication: 1, retention_ms: Some(86_400_000) };
    bus.ensure_topic(&topic, spec).await.expect("create topic");
    bus.ensure_topic(&topic, spec).await.expect("ensure_topic is idempotent");

    assert!(bus.read_all(&topic, IDLE).await.expect("read empty topic").is_empty());

    publish_range(&bus, &topic, 0..25).await;
    let all = bus.read_all(&topic, IDLE).await.expect("read_all");
    assert_eq!(payloads(&all), expected(0..25));
    assert_eq!(all.iter().map(|r| r.offset).collect::<Vec<_>>(), (0..25).collect::<Vec<i64>>());
    assert!(all.iter().all(|r| r.partition == 0 && r.key.as_deref() == Some(&b"m1"[..])));

    // A second read sees the same log plus what was added since.
    publish_range(&bus, &topic, 25..30).await;
    assert_eq!(payloads(&bus.read_all(&topic, IDLE).await.expect("read_all")), expected(0..30));

    assert!(bus.read_all("livematch.absent", IDLE).await.expect("read absent").is_empty());
}

/// A topic this client never produced to: deleting a topic that a live
/// producer still holds in its metadata cache can crash librdkafka 2.12 on
/// Tansu (a null topic name in the broker's metadata answer).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_are_deleted() {
    let (_broker, bus) = start().await;
    let topic = topic_for("delete-me");
    bus.ensure_topic(&topic, TopicSpec::default()).await.expect("create topic");
    bus.delete_topic(&topic).await.expect("delete");
    bus.delete_topic(&topic).await.expect("deleting an absent topic is fine");
    assert!(bus.read_all(&topic, IDLE).await.expect("read deleted").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_all_covers_every_partition_in_order() {
    let (_broker, bus) = start().await;
    let topic = topic_for("multi");
    let spec = TopicSpec { partitions: 3, ..TopicSpec::default() };
    bus.ensure_topic(&topic, spec).await.expect("create topic");
    for i in 0..30 {
        let key = format!("match-{}", i % 7);
        bus.publish(&topic, &key, i.to_string().into_bytes()).await.expect("publish");
    }
    let all = bus.read_all(&topic, IDLE).await.expect("read_all");
    assert_eq!(all.len(), 30);
    for pair in all.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!((a.partition, a.offset) < (b.partition, b.offset), "out of order: {a:?} {b:?}");
        if a.partition == b.partition {
            assert_eq!(b.offset, a.offset + 1, "gap in partition {}", a.partition);
        }
    }
    let mut values: Vec<i32> = payloads(&all).iter().map(|p| p.parse().expect("int")).collect();
    values.sort_unstable();
    assert_eq!(values, (0..30).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consume_commit_resume_and_rewind() {
    let (_broker, bus) = start().await;
    let topic = topic_for("consume");
    let group = group_for("consume");
    bus.ensure_topic(&topic, TopicSpec::default()).await.expect("create topic");
    publish_range(&bus, &topic, 0..10).await;

    let mut sub = bus.subscribe(&topic, &group).await.expect("subscribe");
    let first = receive(&mut sub, 10, 4).await;
    assert_eq!(payloads(&first), expected(0..10));
    assert_eq!(first.iter().map(|r| r.offset).collect::<Vec<_>>(), (0..10).collect::<Vec<i64>>());

    // Records published while subscribed arrive promptly.
    publish_range(&bus, &topic, 10..12).await;
    let started = std::time::Instant::now();
    let live = receive(&mut sub, 2, 100).await;
    assert_eq!(payloads(&live), expected(10..12));
    assert!(started.elapsed() < Duration::from_secs(2), "live records took {:?}", started.elapsed());

    // next_batch returns early when records are waiting.
    publish_range(&bus, &topic, 12..15).await;
    let started = std::time::Instant::now();
    let batch = sub.next_batch(100, Duration::from_secs(10)).await.expect("next_batch");
    assert!(!batch.is_empty());
    assert!(started.elapsed() < Duration::from_secs(5), "waited {:?}", started.elapsed());
    let mut rest = batch;
    rest.extend(receive(&mut sub, 3 - rest.len(), 100).await);
    assert_eq!(payloads(&rest), expected(12..15));

    // Rewind goes back to the first record.
    sub.rewind().await.expect("rewind");
    let replay = receive(&mut sub, 15, 100).await;
    assert_eq!(payloads(&replay), expected(0..15));

    // Commit up to (not including) offset 8, leave, come back: resume at 8.
    sub.commit(0, 8).await.expect("commit");
    drop(sub);
    let mut again = bus.subscribe(&topic, &group).await.expect("resubscribe");
    let resumed = receive(&mut again, 7, 100).await;
    assert_eq!(payloads(&resumed), expected(8..15), "no loss, no duplicates");
    assert_eq!(resumed[0].offset, 8);
    assert_quiet(&mut again, Duration::from_millis(500)).await;

    // Rewind right after joining (before any record) still replays all.
    again.commit(0, 15).await.expect("commit all");
    drop(again);
    let mut fresh = bus.subscribe(&topic, &group).await.expect("resubscribe");
    fresh.rewind().await.expect("early rewind");
    let replay = receive(&mut fresh, 15, 100).await;
    assert_eq!(payloads(&replay), expected(0..15));
}

/// A consumer started before its topic exists (the consumer came up before
/// the producer created it) picks the topic up once it is created and reads
/// it from the start. Created while the consumer's first group join is
/// under way (about 100 ms after the subscribe), librdkafka would only
/// notice it at its next periodic metadata refresh (5 min by default):
/// several creation delays cover that race.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_subscribed_before_its_topic_exists_reads_it_once_created() {
    let (_broker, bus) = start().await;
    for delay in [0u64, 100, 200, 400] {
        let topic = topic_for(&format!("late-{delay}"));
        let mut sub = bus.subscribe(&topic, &group_for(&format!("late-{delay}"))).await.expect("subscribe");
        // As a consumer with nothing stored does: read from the start.
        sub.rewind().await.expect("rewind");
        let creator = {
            let (bus, topic) = (bus.clone(), topic.clone());
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(delay)).await;
                bus.ensure_topic(&topic, TopicSpec::default()).await.expect("create");
                publish_range(&bus, &topic, 0..5).await;
            })
        };
        let deadline = tokio::time::Instant::now() + JOIN_WAIT;
        let mut got = Vec::new();
        while got.len() < 5 {
            assert!(tokio::time::Instant::now() < deadline, "created after {delay} ms: {} of 5 records", got.len());
            // Until the topic exists the broker answers "unknown topic":
            // an error or an empty batch.
            if let Ok(batch) = sub.next_batch(10, Duration::from_millis(500)).await {
                got.extend(batch);
            }
        }
        assert_eq!(payloads(&got), expected(0..5), "created after {delay} ms");
        creator.await.expect("creator");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hot_standby_takes_over_from_committed_offset() {
    let (_broker, bus) = start().await;
    let topic = topic_for("standby");
    let group = group_for("standby");
    bus.ensure_topic(&topic, TopicSpec::default()).await.expect("create topic");
    publish_range(&bus, &topic, 0..6).await;

    let mut a = bus.subscribe(&topic, &group).await.expect("subscribe a");
    let mut b = bus.subscribe(&topic, &group).await.expect("subscribe b");

    // Poll both (so both join) until one of them has all six records.
    let deadline = tokio::time::Instant::now() + JOIN_WAIT * 2;
    let (mut got_a, mut got_b) = (Vec::new(), Vec::new());
    while got_a.len() < 6 && got_b.len() < 6 {
        assert!(tokio::time::Instant::now() < deadline, "a={got_a:?} b={got_b:?}");
        let (ra, rb) =
            tokio::join!(a.next_batch(100, Duration::from_millis(300)), b.next_batch(100, Duration::from_millis(300)));
        got_a.extend(ra.expect("a next_batch"));
        got_b.extend(rb.expect("b next_batch"));
    }
    // A rebalance while both join may hand the partition over once; the
    // owner then reads from the committed offset (nothing committed yet).
    let (mut active, mut standby, got) = if got_a.len() >= 6 { (a, b, got_a) } else { (b, a, got_b) };
    assert_eq!(payloads(&got[got.len() - 6..]), expected(0..6));

    active.commit(0, 4).await.expect("commit");
    publish_range(&bus, &topic, 6..8).await;
    let live = receive(&mut active, 2, 100).await;
    assert_eq!(payloads(&live), expected(6..8));
    assert_quiet(&mut standby, Duration::from_millis(500)).await;

    drop(active);
    let taken_over = receive(&mut standby, 4, 100).await;
    assert_eq!(payloads(&taken_over), expected(4..8), "standby resumes at the committed offset");
    standby.commit(0, 8).await.expect("new owner commits");
}

// Ignored in the suite: with Tansu 0.6 restarted under a live client,
// librdkafka 2.12 sometimes segfaults in its metadata cache (the restarted
// broker describes the topic with a null name), killing the whole test
// binary. Run it alone with `--ignored`; the broker-outage scenario belongs to
// the fault-injection suite, which runs clients in child processes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "librdkafka may segfault when Tansu restarts under a live client"]
async fn publishing_recovers_after_a_broker_restart() {
    let mut broker = Broker::start().await.expect("start tansu broker");
    let mut config = KafkaConfig::new(broker.brokers());
    config.session_timeout_ms = 6000;
    config.fetch_wait_max_ms = 20;
    // Short delivery timeout so a publish stuck on the restarted broker
    // (which forgot this producer's id) fails fast and the producer is
    // replaced.
    config.extra = vec![("message.timeout.ms".to_owned(), "3000".to_owned())];
    let bus = KafkaBus::new(config).expect("kafka bus");
    let topic = topic_for("restart");
    bus.ensure_topic(&topic, TopicSpec::default()).await.expect("create topic");
    bus.publish(&topic, "m1", b"before".to_vec()).await.expect("publish");

    broker.stop().expect("stop broker");
    let during = {
        let (bus, topic) = (bus.clone(), topic.clone());
        tokio::spawn(async move { bus.publish(&topic, "m1", b"during".to_vec()).await })
    };
    broker.start_again().await.expect("start broker again");
    // Memory storage: the topic is gone and must be created again.
    bus.ensure_topic(&topic, TopicSpec::default()).await.expect("re-create topic");
    let during = during.await.expect("publish task");

    let mut published = false;
    for _ in 0..3 {
        if bus.publish(&topic, "m1", b"after".to_vec()).await.is_ok() {
            published = true;
            break;
        }
    }
    assert!(published, "publishing never recovered after the restart");
    let all = payloads(&bus.read_all(&topic, IDLE).await.expect("read_all"));
    let mut want = Vec::new();
    if during.is_ok() {
        want.push("during".to_owned());
    }
    want.push("after".to_owned());
    assert_eq!(all, want, "log after restart");
}
