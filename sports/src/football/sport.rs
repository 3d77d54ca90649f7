//! Football under the sport-neutral [`Rules`] interface, and its real-life
//! pacing.
//!
//! Pacing ([`Rules::nominal_gap`]): timed events follow the match clock (a
//! minute of play is a minute), events in the same minute 15 s apart;
//! kick-off 10 s after the start, half time 15 min, the break before extra
//! time 5 min, the turnaround in extra time 1 min, the shoot-out 3 min after
//! extra time; shoot-out kicks 60 s apart; announcements 5 s.

use std::time::Duration;

use serde_json::Value;

use super::event::{Event, Period};
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
    const SPORT: Sport = Sport::Football;

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
        self.commentary.last().map(|c| c.text.clone())
    }

    fn event_kind(ev: &Event) -> &'static str {
        event_kind(ev)
    }

    fn nominal_gap(prev: Option<&Event>, next: &Event) -> Duration {
        const SAME_MINUTE: Duration = Duration::from_secs(15);
        const ANNOUNCEMENT: Duration = Duration::from_secs(5);
        let Some(prev) = prev else { return Duration::ZERO };
        match next {
            Event::MatchStart(_) => Duration::ZERO,
            Event::PeriodStart { period } => Duration::from_secs(match period {
                Period::FirstHalf => 10,
                Period::SecondHalf => 15 * 60,
                Period::ExtraTimeFirst => 5 * 60,
                Period::ExtraTimeSecond => 60,
                Period::Shootout => 3 * 60,
            }),
            Event::ShootoutKick { .. } => Duration::from_secs(60),
            Event::StoppageTime { .. } | Event::Abandoned { .. } => ANNOUNCEMENT,
            _ => {
                let (Some((m, a)), Some(from)) = (event_clock(next), minute_of(prev)) else { return SAME_MINUTE };
                let delta = (m + a).saturating_sub(from);
                if delta == 0 { SAME_MINUTE } else { Duration::from_secs(60 * u64::from(delta)) }
            }
        }
    }
}

/// The clock (minute + added) an event happened at, assuming standard
/// period lengths for a kick-off.
fn minute_of(ev: &Event) -> Option<u32> {
    match ev {
        Event::PeriodStart { period } => Some(match period {
            Period::FirstHalf => 1,
            Period::SecondHalf => 46,
            Period::ExtraTimeFirst => 91,
            Period::ExtraTimeSecond | Period::Shootout => 106,
        }),
        _ => event_clock(ev).map(|(m, a)| m + a),
    }
}
