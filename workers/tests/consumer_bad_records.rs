//! Bad Kafka records through the real consumer loop (issue 7, "Bad
//! input"): a real match (Cricsheet) is published with garbage mixed in:
//! truncated records, records of a newer schema version, events for another
//! match, duplicates, empty and non-JSON payloads, and events out of order.
//! The consumer skips and counts each bad record by kind
//! (`livematch_events_skipped{kind}`) and ends with exactly the state, event
//! log and lobby entry of a clean run. Seeded (`LIVEMATCH_FUZZ_SEED`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use livematch_sports::cricket::cricsheet;
use livematch_sports::{Envelope, Event};
use livematch_workers::bus::memory::MemoryBus;
use livematch_workers::bus::{EventBus, TopicSpec, topic_for};
use livematch_workers::consumer::{self, ConsumerConfig, ConsumerMetrics};
use livematch_workers::producer::ErrorLabel;
use livematch_workers::store::memory::MemoryStore;
use livematch_workers::store::{Since, Store};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use tokio_util::sync::CancellationToken;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/cricsheet/335982.json");
const MATCH: &str = "bad-records";

fn envelopes() -> Vec<Envelope> {
    let bytes = std::fs::read(DATA).unwrap_or_else(|e| panic!("read {DATA} ({e}): shared Cricsheet data missing?"));
    let replay = cricsheet::parse(&bytes).expect("a real match replays");
    replay
        .events
        .into_iter()
        .enumerate()
        .map(|(i, ev)| Envelope::new(MATCH, i as u64 + 1, 1_700_000_000_000 + 1_000 * i as i64, Event::Cricket(ev)))
        .collect()
}

/// What a run leaves in the store: snapshot, every event frame, lobby.
async fn outcome(records: Vec<Vec<u8>>) -> (String, Vec<String>, String, ConsumerMetrics) {
    let bus = MemoryBus::new();
    let topic = topic_for(MATCH);
    bus.ensure_topic(&topic, TopicSpec { partitions: 1, replication: 1, retention_ms: None }).await.expect("topic");
    for record in records {
        bus.publish(&topic, MATCH, record).await.expect("publish");
    }
    let store = MemoryStore::new();
    let mut config = ConsumerConfig::new(MATCH);
    config.batch_max = 64;
    config.poll_wait = Duration::from_millis(20);
    config.exit_when_finished = true;
    let metrics = ConsumerMetrics::unregistered();
    let run = consumer::run(Arc::new(bus), Arc::new(store.clone()), config, metrics.clone(), CancellationToken::new());
    tokio::time::timeout(Duration::from_secs(60), run).await.expect("the consumer finishes").expect("consume");
    let snapshot = store.snapshot(MATCH).await.expect("snapshot").expect("a snapshot");
    let Since::Frames(frames) = store.since(MATCH, 0, 100_000).await.expect("log") else { panic!("no event log") };
    let lobby = store.lobby().await.expect("lobby");
    let entry = lobby.iter().find(|e| e.id == MATCH).map(|e| serde_json::to_string(e).expect("json"));
    (snapshot, frames, entry.expect("a lobby entry"), metrics)
}

fn skipped(metrics: &ConsumerMetrics, kind: &'static str) -> u64 {
    metrics.events_skipped.get(&ErrorLabel { kind }).map_or(0, |c| c.get())
}

#[tokio::test]
async fn bad_records_are_skipped_counted_and_change_nothing() {
    let seed = std::env::var("LIVEMATCH_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(7u64);
    let mut rng = StdRng::seed_from_u64(seed);
    let envs = envelopes();
    let clean: Vec<Vec<u8>> = envs.iter().map(Envelope::to_vec).collect();
    let (snapshot, frames, lobby, metrics) = outcome(clean.clone()).await;
    assert_eq!(frames.len(), envs.len(), "one frame per event");
    assert_eq!(skipped(&metrics, "malformed"), 0);

    // The same match, shuffled within small windows, with garbage.
    let mut records = clean.clone();
    for window in records.chunks_mut(4) {
        window.shuffle(&mut rng);
    }
    let mut expected: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut mixed = Vec::new();
    for record in records {
        if rng.random_bool(0.3) {
            let env = &envs[rng.random_range(0..envs.len())];
            let (bad, kind) = match rng.random_range(0..6) {
                0 => {
                    let bytes = env.to_vec();
                    (bytes[..rng.random_range(0..bytes.len())].to_vec(), "malformed")
                }
                1 => {
                    let mut newer = env.clone();
                    newer.v += rng.random_range(1..100);
                    (newer.to_vec(), "schema_version")
                }
                2 => {
                    let mut other = env.clone();
                    other.match_id = "another-match".into();
                    (other.to_vec(), "wrong_match")
                }
                3 => (b"\x00\xffnot json at all".to_vec(), "malformed"),
                4 => (br#"{"v":1,"match_id":"bad-records","seq":"7","ts":0,"sport":"cricket"}"#.to_vec(), "malformed"),
                _ => {
                    let mut zero = env.clone();
                    zero.seq = 0;
                    (zero.to_vec(), "invalid")
                }
            };
            *expected.entry(kind).or_default() += 1;
            mixed.push(bad);
        }
        mixed.push(record.clone());
        if rng.random_bool(0.15) {
            // Delivered twice (a producer retry, a rewind).
            mixed.push(record);
            *expected.entry("duplicate").or_default() += 1;
        }
    }
    let (snapshot2, frames2, lobby2, metrics2) = outcome(mixed).await;
    assert!(snapshot2 == snapshot, "the garbage changed the final snapshot");
    assert_eq!(frames2.len(), frames.len());
    for (i, (a, b)) in frames.iter().zip(&frames2).enumerate() {
        assert_eq!(a, b, "event frame {} differs", i + 1);
    }
    assert_eq!(lobby2, lobby);
    for (kind, n) in &expected {
        assert_eq!(skipped(&metrics2, kind), *n, "records skipped as {kind} (seed {seed})");
    }
    assert_eq!(skipped(&metrics2, "gap"), 0, "reordering within a batch loses nothing");
    println!("seed {seed}: skipped {expected:?}");
}
