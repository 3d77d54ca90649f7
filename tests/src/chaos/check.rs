//! The checks every scenario ends with: the topic holds the match exactly
//! (each seq once, each event the simulator's), the store's snapshot and
//! every viewer's state equal an uninterrupted fold of the topic, and every
//! viewer received each seq once.

use std::time::Duration;

use anyhow::bail;
use livematch_sports::Envelope;
use serde_json::Value;

use super::client::ClientReport;

/// Counts of one check, added up into a table row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Events verified (topic records, and event frames at viewers).
    pub checked: u64,
    pub lost: u64,
    pub duplicated: u64,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, other: Tally) {
        self.checked += other.checked;
        self.lost += other.lost;
        self.duplicated += other.duplicated;
    }
}

/// Every envelope of a match as its topic holds it, in log order.
///
/// # Errors
/// The topic cannot be read.
pub async fn topic_events(brokers: &str, match_id: &str) -> anyhow::Result<Vec<Envelope>> {
    crate::topic::events(brokers, match_id).await
}

/// The snapshot an uninterrupted fold of `events` gives ([`crate::topic::fold`]),
/// a seq the topic holds twice folded once, as a consumer does.
///
/// # Errors
/// No events, or one does not apply.
pub fn fold(match_id: &str, events: &[Envelope]) -> anyhow::Result<Value> {
    let mut last = 0;
    let once: Vec<Envelope> = events
        .iter()
        .filter(|e| {
            let new = e.seq > last;
            last = last.max(e.seq);
            new
        })
        .cloned()
        .collect();
    Ok(crate::topic::fold(match_id, &once)?.snapshot())
}

/// Compare the topic with the match the producer plays: seqs `1..=N` each
/// exactly once, in order, each event equal to the simulator's. A seq
/// written twice is a duplicate, one never written is lost; a different
/// event is a problem.
#[must_use]
pub fn check_topic(events: &[Envelope], expected: &[Value]) -> (Tally, Vec<String>) {
    let mut tally = Tally { checked: events.len() as u64, ..Tally::default() };
    let mut problems = Vec::new();
    let mut seen = vec![false; expected.len() + 1];
    let mut last = 0;
    for env in events {
        let index = usize::try_from(env.seq).unwrap_or(usize::MAX);
        match seen.get_mut(index) {
            Some(slot) if index > 0 => {
                if *slot {
                    tally.duplicated += 1;
                } else {
                    *slot = true;
                }
            }
            _ => problems.push(format!("topic holds seq {} beyond the match's {} events", env.seq, expected.len())),
        }
        if env.seq < last {
            problems.push(format!("topic seq {} after {last}", env.seq));
        }
        last = env.seq;
        let same = expected
            .get(index.wrapping_sub(1))
            .is_some_and(|want| serde_json::to_value(&env.event).is_ok_and(|got| &got == want));
        if !same && problems.len() < 5 {
            problems.push(format!("topic seq {} is not the match's event {}", env.seq, env.seq));
        }
    }
    tally.lost = seen.iter().skip(1).filter(|s| !**s).count() as u64;
    (tally, problems)
}

/// Judge the viewers of a match that ended at `last_seq` with the state
/// `expected`: each must have reached `last_seq` through consecutive seqs
/// (what it misses at the end counts as lost), and those keeping state
/// must hold `expected`. `allow_resets`: whether a reset is acceptable in
/// this scenario (otherwise it is a problem: the viewer should have
/// resumed).
#[must_use]
pub fn check_viewers(
    reports: &[ClientReport],
    last_seq: u64,
    expected: &Value,
    allow_resets: bool,
) -> (Tally, Vec<String>) {
    let mut tally = Tally::default();
    let mut problems = Vec::new();
    for (i, r) in reports.iter().enumerate() {
        tally.checked += r.events;
        tally.duplicated += r.duplicated;
        tally.lost += r.lost + last_seq.saturating_sub(r.last_seq);
        let mut say = |what: String| {
            if problems.len() < 8 {
                problems.push(format!("viewer {i}: {what}"));
            }
        };
        if r.lost + r.duplicated > 0 {
            say(format!("{} lost, {} duplicated; first anomalies (at, got): {:?}", r.lost, r.duplicated, r.anomalies));
        }
        if r.last_seq != last_seq {
            say(format!("ended at seq {} instead of {last_seq}", r.last_seq));
        }
        if !allow_resets && !r.resets.is_empty() {
            say(format!("got resets {:?} where resuming was possible", r.resets));
        }
        if let Some(why) = &r.state_broken {
            say(format!("state not kept: {why}"));
        } else if let Some(state) = &r.state
            && state != expected
        {
            say("state differs from the fold of the topic".into());
        }
        if !r.unexpected.is_empty() {
            say(format!("protocol surprises: {:?}", &r.unexpected[..r.unexpected.len().min(3)]));
        }
    }
    (tally, problems)
}

/// Poll the gateway's REST snapshot until it is at `seq` (the consumer
/// wrote the last event), then return it.
///
/// # Errors
/// Not there within `limit`.
pub async fn stored_snapshot(gateway: &str, match_id: &str, seq: u64, limit: Duration) -> anyhow::Result<Value> {
    stored_snapshot_where(gateway, match_id, seq, limit, |at| at == seq).await
}

/// Poll the gateway's REST snapshot until it is at `seq` or beyond.
///
/// # Errors
/// Not there within `limit`.
pub async fn stored_snapshot_at_least(
    gateway: &str,
    match_id: &str,
    seq: u64,
    limit: Duration,
) -> anyhow::Result<Value> {
    stored_snapshot_where(gateway, match_id, seq, limit, |at| at >= seq).await
}

async fn stored_snapshot_where(
    gateway: &str,
    match_id: &str,
    seq: u64,
    limit: Duration,
    done: impl Fn(u64) -> bool,
) -> anyhow::Result<Value> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let last = match crate::http::get_json(gateway, &format!("/api/matches/{match_id}")).await {
            Ok(snapshot) if snapshot["seq"].as_u64().is_some_and(&done) => return Ok(snapshot),
            Ok(snapshot) => format!("snapshot at seq {}", snapshot["seq"]),
            Err(e) => format!("{e:#}"),
        };
        if tokio::time::Instant::now() >= deadline {
            bail!("stored snapshot of {match_id} not at seq {seq} within {limit:?}: {last}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use livematch_sports::{Format, Sport};

    /// The simulated match as a producer would publish it, and as JSON.
    async fn simulated() -> (Vec<Envelope>, Vec<Value>) {
        let spec = super::super::lab::MatchSpec::new("m", Format::T20, 4);
        let expected = spec.events().await.expect("simulate");
        let events = livematch_workers::source::Source::simulate(Sport::Cricket, Some(Format::T20), 4, None)
            .expect("a T20 match")
            .events()
            .await
            .expect("simulate");
        let envelopes = events.into_iter().enumerate().map(|(i, e)| Envelope::new("m", i as u64 + 1, 0, e)).collect();
        (envelopes, expected)
    }

    #[tokio::test]
    async fn topic_check_counts_repeats_and_holes() {
        let (events, expected) = simulated().await;
        let (tally, problems) = check_topic(&events, &expected);
        assert_eq!((tally.checked, tally.lost, tally.duplicated), (events.len() as u64, 0, 0));
        assert!(problems.is_empty(), "{problems:?}");
        // seq 3 written twice, seq 5 never.
        let mut broken: Vec<Envelope> = events.clone();
        broken.insert(3, events[2].clone());
        broken.retain(|e| e.seq != 5);
        let (tally, _) = check_topic(&broken, &expected);
        assert_eq!((tally.lost, tally.duplicated), (1, 1));
        // A different event under a seq is named.
        let mut swapped = events.clone();
        swapped[0].event = events[5].event.clone();
        let (_, problems) = check_topic(&swapped, &expected);
        assert!(problems.iter().any(|p| p.contains("not the match's event")), "{problems:?}");
    }

    #[tokio::test]
    async fn fold_skips_repeats_like_a_consumer() {
        let (events, _) = simulated().await;
        let mut repeated = events[..20].to_vec();
        repeated.insert(7, events[3].clone());
        assert_eq!(fold("m", &repeated).expect("fold"), fold("m", &events[..20]).expect("fold"));
        assert_ne!(fold("m", &events[..19]).expect("fold"), fold("m", &events[..20]).expect("fold"));
    }
}
