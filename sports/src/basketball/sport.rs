//! Basketball under the sport-neutral [`Rules`] interface, and its real-life
//! pacing.
//!
//! Pacing ([`Rules::nominal_gap`]): the game clock runs between timed
//! events of a period (seconds are seconds), plus dead-ball time: 75 s
//! after a timeout, 15 s after a foul, 8 s after a free throw, 5 s after a
//! substitution; tip-off 10 s after the start, 130 s between quarters and
//! before an overtime, 15 min at half time; the first play of a period
//! 15 s after its start; announcements 5 s.

use std::time::Duration;

use serde_json::Value;

use super::event::Event;
use super::rules::{RuleError, event_clock, event_kind};
use super::state::State;
use super::view::Before;
use crate::delta::Touched;
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
    const SPORT: Sport = Sport::Basketball;

    fn apply(&mut self, ev: &Event, seq: u64, ts: i64) -> Result<Patch, RuleError> {
        self.validate(ev)?;
        let before = Before::capture(self);
        let mut t = Touched::default();
        self.fold(ev, seq, ts, &mut t);
        Ok(Patch::from_ops(&self.patch(&before, &t)))
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
        self.teams_list()
    }

    fn result_text(&self) -> Option<String> {
        self.result.as_ref().map(|r| r.text.clone())
    }

    fn commentary(&self) -> Option<String> {
        self.plays.last().map(|p| p.text.clone())
    }

    fn event_kind(ev: &Event) -> &'static str {
        event_kind(ev)
    }

    fn nominal_gap(prev: Option<&Event>, next: &Event) -> Duration {
        let Some(prev) = prev else { return Duration::ZERO };
        let secs = match next {
            Event::MatchStart(_) => 0,
            Event::PeriodStart { period: 1, .. } => 10,
            Event::PeriodStart { period: 3, .. } => 15 * 60,
            Event::PeriodStart { .. } => 130,
            Event::Abandoned { .. } => 5,
            _ => {
                let dead = match prev {
                    Event::Timeout { .. } => 75,
                    Event::Foul { .. } => 15,
                    Event::FreeThrow { .. } => 8,
                    Event::Substitution { .. } => 5,
                    Event::PeriodStart { .. } => 15,
                    _ => 0,
                };
                let run = match (event_clock(prev), event_clock(next)) {
                    (Some(a), Some(b)) => u64::from(a.saturating_sub(b)),
                    (Some(a), None) => u64::from(a),
                    _ => 0,
                };
                (dead + run).max(2)
            }
        };
        Duration::from_secs(secs)
    }
}
