//! What a match's Kafka topic holds, and the state an uninterrupted fold
//! of it gives: the reference every end-to-end check compares against.

use std::time::Duration;

use anyhow::Context;
use livematch_sports::{Envelope, MatchState};
use livematch_workers::bus::kafka::{KafkaBus, KafkaConfig};
use livematch_workers::bus::{EventBus, topic_for};

/// Every envelope of `match_id` its topic holds, in order (records that
/// are not envelopes of this match are left out).
///
/// # Errors
/// The broker cannot be read.
pub async fn events(brokers: &str, match_id: &str) -> anyhow::Result<Vec<Envelope>> {
    let bus = KafkaBus::new(KafkaConfig::new(brokers.to_owned()))?;
    let records = bus.read_all(&topic_for(match_id), Duration::from_secs(1)).await?;
    Ok(records
        .iter()
        .filter_map(|r| r.payload.as_deref())
        .filter_map(|p| Envelope::from_slice(p).ok())
        .filter(|e| e.match_id == match_id)
        .collect())
}

/// The state after folding `events` in order, from an empty match.
///
/// # Errors
/// No events, or an event the rules refuse.
pub fn fold(match_id: &str, events: &[Envelope]) -> anyhow::Result<MatchState> {
    let first = events.first().context("topic is empty")?;
    let mut state = MatchState::new(match_id, first.event.sport());
    for env in events {
        state.apply(env).with_context(|| format!("fold seq {}", env.seq))?;
    }
    Ok(state)
}
