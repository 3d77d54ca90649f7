//! The envelope every match event travels in, whatever the sport.
//!
//! On the wire (Kafka record value, Redis event log) an envelope is one JSON
//! object:
//!
//! ```json
//! {"v":1,"match_id":"ind-pak","seq":42,"ts":1732540000000,
//!  "sport":"cricket","event":{"type":"delivery", ...}}
//! ```

use serde::{Deserialize, Serialize};

use crate::cricket;

/// Version of the event schema written by this build. Readers accept
/// versions up to and including this one and reject newer ones.
pub const SCHEMA_VERSION: u32 = 1;

/// The sports livematch knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sport {
    Cricket,
}

impl Sport {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Sport::Cricket => "cricket",
        }
    }
}

/// One event of one match, with its position in the match's stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Schema version ([`SCHEMA_VERSION`] when written by this build).
    pub v: u32,
    /// Match id (also the Kafka key and the Redis hash tag).
    pub match_id: String,
    /// Per-match sequence number: gap-free, starting at 1.
    pub seq: u64,
    /// Event time, milliseconds since the Unix epoch.
    pub ts: i64,
    /// The sport-specific payload.
    #[serde(flatten)]
    pub event: Event,
}

/// A sport-specific event payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "sport", content = "event", rename_all = "lowercase")]
pub enum Event {
    Cricket(cricket::Event),
}

impl Event {
    #[must_use]
    pub fn sport(&self) -> Sport {
        match self {
            Event::Cricket(_) => Sport::Cricket,
        }
    }
}

/// Why bytes could not be read as an [`Envelope`].
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    #[error("malformed event JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("event schema version {found} is newer than supported version {supported}")]
    UnsupportedVersion { found: u32, supported: u32 },
    #[error("event sequence number must start at 1, got 0")]
    ZeroSeq,
    #[error("event has an empty match id")]
    EmptyMatchId,
}

impl EnvelopeError {
    /// Stable short category for metrics labels.
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            EnvelopeError::Json(_) => "malformed",
            EnvelopeError::UnsupportedVersion { .. } => "schema_version",
            EnvelopeError::ZeroSeq | EnvelopeError::EmptyMatchId => "invalid",
        }
    }
}

impl Envelope {
    /// Wrap an event as schema version [`SCHEMA_VERSION`].
    #[must_use]
    pub fn new(match_id: impl Into<String>, seq: u64, ts: i64, event: Event) -> Self {
        Envelope { v: SCHEMA_VERSION, match_id: match_id.into(), seq, ts, event }
    }

    /// Parse and validate an envelope from JSON bytes.
    ///
    /// # Errors
    /// Malformed JSON, a newer schema version, seq 0 or an empty match id.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        let env: Envelope = serde_json::from_slice(bytes)?;
        if env.v > SCHEMA_VERSION {
            return Err(EnvelopeError::UnsupportedVersion { found: env.v, supported: SCHEMA_VERSION });
        }
        if env.seq == 0 {
            return Err(EnvelopeError::ZeroSeq);
        }
        if env.match_id.is_empty() {
            return Err(EnvelopeError::EmptyMatchId);
        }
        Ok(env)
    }

    /// Serialize to JSON bytes.
    #[must_use]
    pub fn to_vec(&self) -> Vec<u8> {
        // Serializing plain data structs with string keys cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}
