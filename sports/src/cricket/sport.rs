//! Cricket under the sport-neutral [`Rules`] interface: a thin layer over
//! [`State`]'s own methods (no behaviour of its own).

use std::time::Duration;

use serde_json::Value;

use super::rules::{RuleError, event_kind};
use super::{Event, State, cadence};
use crate::engine::Status;
use crate::envelope::Sport;
use crate::patch_json::Patch;
use crate::sport::{RuleViolation, Rules, SnapshotMeta};

impl RuleViolation for RuleError {
    fn metric_label(&self) -> &'static str {
        RuleError::metric_label(self)
    }
}

impl Rules for State {
    type Event = Event;
    type Error = RuleError;
    const SPORT: Sport = Sport::Cricket;

    fn apply(&mut self, ev: &Event, seq: u64, ts: i64) -> Result<Patch, RuleError> {
        State::apply(self, ev, seq, ts)
    }

    fn snapshot(&self) -> Value {
        State::snapshot(self)
    }

    fn snapshot_text(&self, meta: &SnapshotMeta<'_>) -> String {
        State::snapshot_text(self, Some(meta))
    }

    fn summary(&self) -> String {
        State::summary(self)
    }

    fn status(&self) -> Status {
        State::status(self)
    }

    fn teams(&self) -> Vec<String> {
        State::teams(self)
    }

    fn result_text(&self) -> Option<String> {
        State::result_text(self)
    }

    fn commentary(&self) -> Option<String> {
        self.commentary.last().map(|c| c.text.clone())
    }

    fn event_kind(ev: &Event) -> &'static str {
        event_kind(ev)
    }

    fn nominal_gap(prev: Option<&Event>, next: &Event) -> Duration {
        cadence::nominal_gap(prev, next)
    }
}
