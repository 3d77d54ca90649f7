//! The sport-neutral interface every sport implements.
//!
//! A sport is a pure state machine: its state type implements [`Rules`],
//! naming its event type. Everything outside a sport's module (the
//! [`crate::engine`], the workers, the operator) talks to matches through
//! this trait and the enums that dispatch on [`Sport`]; nothing outside
//! knows a sport's laws.
//!
//! The contract, for every sport:
//! * [`Rules::apply`] validates the event against the laws and the match so
//!   far, then folds it; a rejected event leaves the state untouched.
//! * The returned ops turn the previous [`Rules::snapshot`] into the new
//!   one (targeted ops, never a whole-document replace), and never touch
//!   the engine-owned keys `id`, `sport`, `seq` and `updated`.
//! * The snapshot is a JSON object with at least `status`, `teams`,
//!   `summary`, `result`, `winner` and an append-only `commentary` array
//!   (one entry per applied event, each with `seq`, `ts`, `kind`, `text`).

use std::fmt::Debug;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::engine::Status;
use crate::envelope::Sport;
use crate::patch_json::Patch;

/// A sport's rule error: an event that breaks the laws or does not fit the
/// match so far.
pub trait RuleViolation: std::error::Error + Send + Sync + 'static {
    /// Stable short category for metrics labels (e.g. `"finished"`).
    fn metric_label(&self) -> &'static str;
}

/// The keys of the viewers' document owned by the engine, not the sport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotMeta<'a> {
    pub id: &'a str,
    pub sport: Sport,
    /// Sequence number of the last event applied.
    pub seq: u64,
    /// Timestamp of the last event applied (ms since the epoch).
    pub updated: i64,
}

impl SnapshotMeta<'_> {
    /// Insert `id`, `sport`, `seq` and `updated` into a snapshot object.
    pub fn insert_into(&self, snapshot: &mut Value) {
        if let Value::Object(map) = snapshot {
            map.insert("id".into(), self.id.into());
            map.insert("sport".into(), self.sport.as_str().into());
            map.insert("seq".into(), self.seq.into());
            map.insert("updated".into(), self.updated.into());
        }
    }
}

/// The laws of one sport, implemented by the sport's match state.
pub trait Rules: Default + Clone + Debug + PartialEq + Serialize + DeserializeOwned {
    /// What a scorer records (serialized with an internal `type` tag).
    type Event: Clone + Debug + PartialEq + Serialize + DeserializeOwned;
    /// Why an event was rejected.
    type Error: RuleViolation;
    /// The sport these rules are for.
    const SPORT: Sport;

    /// Validate and fold one event; returns the JSON Patch from the old
    /// snapshot to the new one, as JSON text.
    ///
    /// # Errors
    /// The event breaks the laws or does not fit the match so far; the state
    /// is unchanged.
    fn apply(&mut self, ev: &Self::Event, seq: u64, ts: i64) -> Result<Patch, Self::Error>;

    /// The viewers' document (see the module docs for the common keys).
    fn snapshot(&self) -> Value;

    /// The viewers' document with the engine's keys, as JSON text: exactly
    /// `snapshot()` with `meta`'s keys inserted, serialized. A sport may
    /// write it directly, without building the `Value` first.
    fn snapshot_text(&self, meta: &SnapshotMeta<'_>) -> String {
        let mut v = self.snapshot();
        meta.insert_into(&mut v);
        v.to_string()
    }

    /// One line for the lobby and `kubectl get lm` (empty before the match
    /// start event).
    fn summary(&self) -> String;

    /// Where the match is in its life.
    fn status(&self) -> Status;

    /// The two sides (teams, or players in tennis); empty before the start.
    fn teams(&self) -> Vec<String>;

    /// The result as a sentence, once finished.
    fn result_text(&self) -> Option<String>;

    /// The commentary line written for the latest event applied.
    fn commentary(&self) -> Option<String>;

    /// The `type` tag of an event, for messages and metrics.
    fn event_kind(ev: &Self::Event) -> &'static str;

    /// Real-life time between `prev` (None: `next` is the first event) and
    /// `next`; a producer divides it by its speed.
    fn nominal_gap(prev: Option<&Self::Event>, next: &Self::Event) -> Duration;
}
