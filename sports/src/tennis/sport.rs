//! Tennis under the sport-neutral [`Rules`] interface, and its real-life
//! pacing: 35 s from point to point (the 25-second serve clock plus the
//! rally; changeovers are not told apart), the first point 60 s after the
//! start (warm-up compressed), announcements 5 s.

use std::time::Duration;

use serde_json::Value;

use super::event::Event;
use super::rules::{RuleError, event_kind};
use super::state::State;
use super::view::Before;
use crate::engine::Status;
use crate::envelope::Sport;
use crate::patch_json::Patch;
use crate::sport::{RuleViolation, Rules};

impl RuleViolation for RuleError {
    fn metric_label(&self) -> &'static str {
        RuleError::metric_label(self)
    }
}

impl Rules for State {
    type Event = Event;
    type Error = RuleError;
    const SPORT: Sport = Sport::Tennis;

    fn apply(&mut self, ev: &Event, seq: u64, ts: i64) -> Result<Patch, RuleError> {
        self.validate(ev)?;
        let before = Before::capture(self);
        self.fold(ev, seq, ts);
        Ok(Patch::from_ops(&self.patch(&before, matches!(ev, Event::MatchStart(_)))))
    }

    fn snapshot(&self) -> Value {
        self.snapshot_json()
    }

    fn summary(&self) -> String {
        self.summary_line()
    }

    fn status(&self) -> Status {
        self.status_now()
    }

    fn teams(&self) -> Vec<String> {
        self.players()
    }

    fn result_text(&self) -> Option<String> {
        self.result.as_ref().map(|r| r.text.clone())
    }

    fn commentary(&self) -> Option<String> {
        self.commentary.last().map(|c| c.text.clone())
    }

    fn event_kind(ev: &Event) -> &'static str {
        event_kind(ev)
    }

    fn nominal_gap(prev: Option<&Event>, next: &Event) -> Duration {
        match (prev, next) {
            (None, _) | (_, Event::MatchStart(_)) => Duration::ZERO,
            (Some(Event::MatchStart(_)), Event::Point { .. }) => Duration::from_secs(60),
            (_, Event::Point { .. }) => Duration::from_secs(35),
            _ => Duration::from_secs(5),
        }
    }
}
