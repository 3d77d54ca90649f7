//! The envelope every match event travels in, whatever the sport.
//!
//! On the wire (Kafka record value, Redis event log) an envelope is one JSON
//! object:
//!
//! ```json
//! {"v":1,"match_id":"ind-pak","seq":42,"ts":1732540000000,
//!  "sport":"cricket","event":{"type":"delivery", ...}}
//! ```
//!
//! `sport` is `cricket`, `football`, `basketball` or `tennis`; `event` is
//! that sport's event, tagged by `type` (see each sport's `event` module).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::sport::Rules;
use crate::{basketball, cricket, football, tennis};

/// Version of the event schema written by this build. Readers accept
/// versions up to and including this one and reject newer ones.
pub const SCHEMA_VERSION: u32 = 1;

/// The sports livematch knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sport {
    Cricket,
    Football,
    Basketball,
    Tennis,
}

impl Sport {
    /// Every sport.
    pub const ALL: [Sport; 4] = [Sport::Cricket, Sport::Football, Sport::Basketball, Sport::Tennis];

    /// The name used on the wire, in manifests and in metrics.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Sport::Cricket => "cricket",
            Sport::Football => "football",
            Sport::Basketball => "basketball",
            Sport::Tennis => "tennis",
        }
    }
}

impl std::fmt::Display for Sport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a known sport.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown sport {0:?} (known: cricket, football, basketball, tennis)")]
pub struct UnknownSport(pub String);

impl std::str::FromStr for Sport {
    type Err = UnknownSport;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        Sport::ALL.into_iter().find(|x| x.as_str() == s).ok_or(UnknownSport(s))
    }
}

/// One event of one match, with its position in the match's stream.
/// (Read by a hand-written `Deserialize`, see `envelope_de.rs`: what the
/// derive with `#[serde(flatten)] event` would read, faster.)
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    Football(football::Event),
    Basketball(basketball::Event),
    Tennis(tennis::Event),
}

impl Event {
    #[must_use]
    pub fn sport(&self) -> Sport {
        match self {
            Event::Cricket(_) => Sport::Cricket,
            Event::Football(_) => Sport::Football,
            Event::Basketball(_) => Sport::Basketball,
            Event::Tennis(_) => Sport::Tennis,
        }
    }

    /// The `type` tag of the payload (`"delivery"`, `"goal"`, `"point"` …).
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Cricket(e) => <cricket::State as Rules>::event_kind(e),
            Event::Football(e) => <football::State as Rules>::event_kind(e),
            Event::Basketball(e) => <basketball::State as Rules>::event_kind(e),
            Event::Tennis(e) => <tennis::State as Rules>::event_kind(e),
        }
    }

    /// The payload alone, as JSON (what goes under `"event"` on the wire).
    #[must_use]
    pub fn payload_json(&self) -> serde_json::Value {
        let v = match self {
            Event::Cricket(e) => serde_json::to_value(e),
            Event::Football(e) => serde_json::to_value(e),
            Event::Basketball(e) => serde_json::to_value(e),
            Event::Tennis(e) => serde_json::to_value(e),
        };
        // Plain data with string keys always serializes.
        v.unwrap_or_default()
    }

    /// Real-life time between `prev` (None: this is the first event) and
    /// this event, for pacing a replay or simulation. An event of another
    /// sport as `prev` counts as none.
    #[must_use]
    pub fn nominal_gap(&self, prev: Option<&Event>) -> Duration {
        match (self, prev) {
            (Event::Cricket(e), Some(Event::Cricket(p))) => cricket::State::nominal_gap(Some(p), e),
            (Event::Cricket(e), _) => cricket::State::nominal_gap(None, e),
            (Event::Football(e), Some(Event::Football(p))) => football::State::nominal_gap(Some(p), e),
            (Event::Football(e), _) => football::State::nominal_gap(None, e),
            (Event::Basketball(e), Some(Event::Basketball(p))) => basketball::State::nominal_gap(Some(p), e),
            (Event::Basketball(e), _) => basketball::State::nominal_gap(None, e),
            (Event::Tennis(e), Some(Event::Tennis(p))) => tennis::State::nominal_gap(Some(p), e),
            (Event::Tennis(e), _) => tennis::State::nominal_gap(None, e),
        }
    }
}

/// Why bytes could not be read as an [`Envelope`].
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    #[error("malformed event JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A top-level field has the wrong type or value (`path` names it,
    /// e.g. `seq`).
    #[error("malformed event JSON at {path}: {source}")]
    Field { path: String, source: serde_json::Error },
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
            EnvelopeError::Json(_) | EnvelopeError::Field { .. } => "malformed",
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
        let env: Envelope = serde_json::from_slice(bytes).map_err(|e| locate(bytes, e))?;
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

/// The error of a record that failed to parse, naming the field at fault
/// when there is one (`seq`, `event.runs_batter`...). Parses again,
/// tracking the path, so good records pay nothing for it.
fn locate(bytes: &[u8], err: serde_json::Error) -> EnvelopeError {
    fn at(path: &serde_path_to_error::Path) -> Option<String> {
        let path = path.to_string();
        (path != ".").then_some(path)
    }
    if !err.is_data() {
        return EnvelopeError::Json(err);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    if let Err(e) = serde_path_to_error::deserialize::<_, Envelope>(&mut de)
        && let Some(path) = at(e.path())
    {
        return EnvelopeError::Field { path, source: e.into_inner() };
    }
    // `sport` and `event` are read through `#[serde(flatten)]`, which hides
    // the path: read the two on their own, sport first.
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return EnvelopeError::Json(err);
    };
    let (Some(sport), Some(event)) = (map.get("sport"), map.get("event")) else {
        return EnvelopeError::Json(err);
    };
    let pair = format!(r#"{{"sport":{sport},"event":{event}}}"#);
    let mut de = serde_json::Deserializer::from_str(&pair);
    match serde_path_to_error::deserialize::<_, Event>(&mut de) {
        Err(e) => match at(e.path()) {
            Some(path) => EnvelopeError::Field { path, source: e.into_inner() },
            None => EnvelopeError::Json(err),
        },
        Ok(_) => EnvelopeError::Json(err),
    }
}
