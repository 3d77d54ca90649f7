//! End to end: producer → broker → consumer → Redis → gateway → a real
//! WebSocket viewer, every component a real process on loopback.

use std::time::Duration;

use anyhow::{Context, bail};
use livematch_e2e::http::get_json;
use livematch_e2e::stack::{Stack, cricsheet};
use livematch_e2e::topic;
use livematch_e2e::viewer::{Viewer, check_contiguous};
use livematch_sports::Envelope;
use livematch_workers::bus::kafka::{KafkaBus, KafkaConfig};
use livematch_workers::bus::{EventBus, topic_for};
use serde_json::Value;

const LONG: Duration = Duration::from_secs(90);

/// Every envelope of a match as the topic holds it, in order.
async fn topic_events(stack: &Stack, match_id: &str) -> anyhow::Result<Vec<Envelope>> {
    topic::events(&stack.broker.brokers(), match_id).await
}

/// The snapshot an uninterrupted fold of the topic's events gives.
fn fold(match_id: &str, events: &[Envelope]) -> anyhow::Result<Value> {
    Ok(topic::fold(match_id, events)?.snapshot())
}

async fn connect_viewer(addr: &str) -> anyhow::Result<Viewer> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match Viewer::connect(addr).await {
            Ok(v) => return Ok(v),
            Err(e) if tokio::time::Instant::now() >= deadline => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

fn finished(v: &Viewer, id: &str) -> bool {
    v.matches.get(id).and_then(|m| m.snapshot.as_ref()).is_some_and(|s| s["status"] == "completed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_match_reaches_a_viewer_exactly() -> anyhow::Result<()> {
    let mut stack = Stack::start().await?;
    let addr = stack.start_gateway().await?;
    let id = "335982";
    let file = cricsheet("335982.json");
    let mut viewer = connect_viewer(&addr).await?;
    viewer.subscribe(id, None).await?;

    let mut producer = stack.producer(id, &["--replay", file.to_str().context("path")?, "--speed", "0"])?;
    let (mut consumer, _) = stack.consumer(id, &["--exit-when-finished"])?;
    producer.wait_exit(LONG).await?;
    consumer.wait_exit(LONG).await.with_context(|| consumer.log_text())?;
    viewer.until(LONG, |v| finished(v, id)).await?;

    let events = topic_events(&stack, id).await?;
    let expected = fold(id, &events)?;
    let last = events.last().map_or(0, |e| e.seq);
    let seen = &viewer.matches[id];
    // The viewer's snapshot, built from deltas, equals the uninterrupted fold.
    assert_eq!(seen.snapshot.as_ref(), Some(&expected), "viewer state differs from the fold of the topic");
    // And so does the gateway's REST snapshot.
    let rest = get_json(&addr, &format!("/api/matches/{id}")).await?;
    assert_eq!(rest, expected);
    // Real figures of that match: KKR 222/3, RCB 82 all out, KKR won by 140 runs.
    assert_eq!(rest["innings"][0]["runs"], 222);
    assert_eq!(rest["innings"][0]["wickets"], 3);
    assert_eq!(rest["innings"][1]["runs"], 82);
    assert!(rest["result"].as_str().is_some_and(|r| r.contains("won by 140 runs")), "{}", rest["result"]);
    // The viewer subscribed before the first event: it got every seq once.
    let start = seen.received.first().copied().unwrap_or(1);
    check_contiguous(&seen.received, start, last)?;
    // The lobby lists it as completed.
    let lobby = get_json(&addr, "/api/matches").await?;
    let entry = lobby.as_array().and_then(|a| a.iter().find(|e| e["id"] == id)).context("match not in lobby")?;
    assert_eq!(entry["status"], "completed");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn football_basketball_and_tennis_reach_a_viewer_exactly() -> anyhow::Result<()> {
    let mut stack = Stack::start().await?;
    let addr = stack.start_gateway().await?;
    // (match id, sport, format, seed): the three play at once.
    let matches = [
        ("cup-tie", "football", "knockout", "21"),
        ("hoops", "basketball", "fiba", "5"),
        ("centre-court", "tennis", "best_of_5", "3"),
    ];
    let mut viewer = connect_viewer(&addr).await?;
    let mut workers = Vec::new();
    for (id, sport, format, seed) in matches {
        viewer.subscribe(id, None).await?;
        let args = ["--sport", sport, "--format", format, "--seed", seed, "--speed", "0"];
        let producer = stack.producer(id, &args)?;
        let (consumer, _) = stack.consumer(id, &["--exit-when-finished"])?;
        workers.push((producer, consumer));
    }
    for (producer, consumer) in &mut workers {
        producer.wait_exit(LONG).await.with_context(|| producer.log_text())?;
        consumer.wait_exit(LONG).await.with_context(|| consumer.log_text())?;
    }
    viewer.until(LONG, |v| matches.iter().all(|(id, ..)| finished(v, id))).await?;

    let lobby = get_json(&addr, "/api/matches").await?;
    for (id, sport, format, _) in matches {
        let events = topic_events(&stack, id).await?;
        assert!(events.iter().all(|e| e.event.sport().as_str() == sport), "{id}: events of another sport");
        let expected = fold(id, &events)?;
        assert_eq!(expected["sport"], sport, "{id}");
        assert_eq!(expected["status"], "completed", "{id}: the fold of the whole topic is a finished match");
        let seen = &viewer.matches[id];
        // The viewer's snapshot, built from deltas, equals the uninterrupted fold.
        assert_eq!(seen.snapshot.as_ref(), Some(&expected), "{id}: viewer state differs from the fold of the topic");
        assert_eq!(get_json(&addr, &format!("/api/matches/{id}")).await?, expected, "{id}: REST snapshot");
        let last = events.last().map_or(0, |e| e.seq);
        check_contiguous(&seen.received, seen.received.first().copied().unwrap_or(1), last)
            .with_context(|| format!("{id} ({sport} {format})"))?;
        let entry = lobby.as_array().and_then(|a| a.iter().find(|e| e["id"] == id)).context("match not in lobby")?;
        assert_eq!((&entry["sport"], &entry["status"]), (&Value::from(sport), &Value::from("completed")), "{entry}");
        assert!(entry["summary"].as_str().is_some_and(|s| !s.is_empty()), "{id}: no summary in {entry}");
        assert_eq!(entry["summary"], expected["summary"], "{id}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_killed_mid_match_loses_and_doubles_nothing() -> anyhow::Result<()> {
    let mut stack = Stack::start().await?;
    let addr = stack.start_gateway().await?;
    let id = "kill-consumer";
    let mut viewer = connect_viewer(&addr).await?;
    viewer.subscribe(id, None).await?;
    let mut producer = stack.producer(id, &["--format", "t20", "--seed", "11", "--speed", "2000"])?;
    // A hot standby beside the active consumer, small batches so the kill
    // lands mid-stream.
    let (mut active, _) = stack.consumer(id, &["--batch-max", "3"])?;
    let (mut standby, _) = stack.consumer(id, &["--batch-max", "3"])?;
    viewer.until(LONG, |v| v.matches.get(id).is_some_and(|m| m.seq >= 60)).await?;
    active.kill9();
    standby.kill9();
    // Restarted after a crash: picks up from Redis and the committed offset.
    active.restart()?;
    producer.wait_exit(LONG).await?;
    viewer.until(LONG, |v| finished(v, id)).await.with_context(|| active.log_text())?;

    let events = topic_events(&stack, id).await?;
    let expected = fold(id, &events)?;
    let rest = get_json(&addr, &format!("/api/matches/{id}")).await?;
    assert_eq!(rest, expected, "state after kill -9 differs from an uninterrupted run");
    let seen = &viewer.matches[id];
    assert_eq!(seen.snapshot.as_ref(), Some(&expected));
    check_contiguous(&seen.received, seen.received[0], events.last().map_or(0, |e| e.seq))?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standby_consumer_takes_over() -> anyhow::Result<()> {
    let mut stack = Stack::start().await?;
    let addr = stack.start_gateway().await?;
    let id = "standby";
    let mut viewer = connect_viewer(&addr).await?;
    viewer.subscribe(id, None).await?;
    let mut producer = stack.producer(id, &["--format", "t20", "--seed", "5", "--speed", "1500"])?;
    let (mut first, _) = stack.consumer(id, &["--batch-max", "5"])?;
    viewer.until(LONG, |v| v.matches.get(id).is_some_and(|m| m.seq >= 20)).await?;
    let (_second, _) = stack.consumer(id, &["--batch-max", "5"])?;
    // Let the standby join the group, then kill the active one.
    tokio::time::sleep(Duration::from_secs(4)).await;
    first.kill9();
    producer.wait_exit(LONG).await?;
    viewer.until(LONG, |v| finished(v, id)).await?;
    let events = topic_events(&stack, id).await?;
    assert_eq!(get_json(&addr, &format!("/api/matches/{id}")).await?, fold(id, &events)?);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn producer_restart_continues_the_sequence() -> anyhow::Result<()> {
    let stack = Stack::start().await?;
    let id = "kill-producer";
    let args = ["--format", "t20", "--seed", "3", "--speed", "3000"];
    let mut producer = stack.producer(id, &args)?;
    let deadline = tokio::time::Instant::now() + LONG;
    loop {
        let n = topic_events(&stack, id).await.map(|e| e.len()).unwrap_or(0);
        if n >= 40 {
            break;
        }
        if tokio::time::Instant::now() >= deadline {
            bail!("producer published only {n} events; log:\n{}", producer.log_text());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    producer.kill9();
    producer.restart()?;
    producer.wait_exit(LONG).await?;
    let seqs: Vec<u64> = topic_events(&stack, id).await?.iter().map(|e| e.seq).collect();
    check_contiguous(&seqs, 1, seqs.len() as u64)?;
    assert!(producer.log_text().contains("resumed_from"), "restart did not resume");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewer_resumes_after_disconnect_without_gap() -> anyhow::Result<()> {
    let mut stack = Stack::start().await?;
    let addr = stack.start_gateway().await?;
    let id = "resume";
    let mut first = connect_viewer(&addr).await?;
    first.subscribe(id, None).await?;
    let mut producer = stack.producer(id, &["--format", "t20", "--seed", "8", "--speed", "2000"])?;
    let (_consumer, _) = stack.consumer(id, &[])?;
    first.until(LONG, |v| v.matches.get(id).is_some_and(|m| m.seq >= 30)).await?;
    let kept = first.matches[id].clone();
    first.close().await;
    // Meanwhile the match goes on.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut again = connect_viewer(&addr).await?;
    again.matches.insert(id.into(), kept.clone());
    again.subscribe(id, Some(kept.seq)).await?;
    producer.wait_exit(LONG).await?;
    again.until(LONG, |v| finished(v, id)).await?;
    let seen = &again.matches[id];
    // Exactly the missed events and then live: no gap, no duplicate, no snapshot.
    let after: Vec<u64> = seen.received[kept.received.len()..].to_vec();
    check_contiguous(&after, kept.seq + 1, seen.seq)?;
    assert_eq!(seen.snapshots, kept.snapshots, "resume must not need a new snapshot");
    let rest = get_json(&addr, &format!("/api/matches/{id}")).await?;
    assert_eq!(seen.snapshot.as_ref(), Some(&rest));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_records_are_skipped_and_counted() -> anyhow::Result<()> {
    let mut stack = Stack::start().await?;
    let addr = stack.start_gateway().await?;
    let id = "garbage";
    let bus = KafkaBus::new(KafkaConfig::new(stack.broker.brokers()))?;
    let topic = topic_for(id);
    bus.ensure_topic(&topic, livematch_workers::bus::TopicSpec::default()).await?;
    bus.publish(&topic, id, b"this is not json".to_vec()).await?;
    bus.publish(&topic, id, br#"{"v":99,"match_id":"garbage","seq":1,"ts":0,"sport":"cricket","event":{}}"#.to_vec())
        .await?;
    bus.publish(&topic, id, br#"{"v":1,"match_id":"garbage","seq":1"#.to_vec()).await?;
    let mut producer = stack.producer(id, &["--format", "t20", "--seed", "2", "--speed", "0"])?;
    producer.wait_exit(LONG).await?;
    let (mut consumer, _metrics) = stack.consumer(id, &["--exit-when-finished"])?;
    consumer.wait_exit(LONG).await?;
    let events = topic_events(&stack, id).await?;
    assert_eq!(get_json(&addr, &format!("/api/matches/{id}")).await?, fold(id, &events)?);
    assert!(consumer.log_text().contains("malformed record skipped"), "{}", consumer.log_text());
    Ok(())
}
