//! Validation: every event is checked before anything changes, so a
//! rejected event leaves the state as it was. Checked: the match has
//! started and is not over; the winner of a point is playing; an ace is won
//! by the server, a double fault by the receiver on the second serve; the
//! serve is 1 or 2; the format is best of 3 or 5.

use super::event::{Event, PointKind};
use super::state::State;

/// Why an event breaks the rules of tennis or does not fit the match so far.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("{event} before the match started (no match_start yet)")]
    NotStarted { event: &'static str },
    #[error("second match_start: the match has already started")]
    AlreadyStarted,
    #[error("match_start: {reason}")]
    BadMatchInfo { reason: String },
    #[error("{event} after the match ended")]
    MatchFinished { event: &'static str },
    #[error("{event}: {player:?} is not playing this match")]
    UnknownPlayer { event: &'static str, player: String },
    #[error("point: {reason}")]
    BadPoint { reason: String },
}

impl RuleError {
    /// Stable short category for metrics labels.
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            RuleError::NotStarted { .. } => "not_started",
            RuleError::AlreadyStarted => "already_started",
            RuleError::BadMatchInfo { .. } => "bad_match_info",
            RuleError::MatchFinished { .. } => "finished",
            RuleError::UnknownPlayer { .. } => "unknown_player",
            RuleError::BadPoint { .. } => "bad_point",
        }
    }
}

/// The `type` tag of an event.
#[must_use]
pub fn event_kind(ev: &Event) -> &'static str {
    match ev {
        Event::MatchStart(_) => "match_start",
        Event::Point { .. } => "point",
        Event::Retirement { .. } => "retirement",
        Event::Abandoned { .. } => "abandoned",
    }
}

impl State {
    fn player(&self, event: &'static str, name: &str) -> Result<usize, RuleError> {
        self.side(name).ok_or_else(|| RuleError::UnknownPlayer { event, player: name.to_string() })
    }

    /// Check `ev` against the rules and the match so far, without changing anything.
    pub(crate) fn validate(&self, ev: &Event) -> Result<(), RuleError> {
        let event = event_kind(ev);
        if let Event::MatchStart(info) = ev {
            if self.info.is_some() {
                return Err(RuleError::AlreadyStarted);
            }
            let bad = |reason: String| Err(RuleError::BadMatchInfo { reason });
            let names: Vec<&str> = info.players.iter().map(|p| p.name.as_str()).collect();
            if names.len() != 2 || names[0] == names[1] {
                return bad(format!("exactly two different players needed, got {names:?}"));
            }
            if !matches!(info.best_of, 3 | 5) {
                return bad(format!("best of {} sets: only 3 or 5", info.best_of));
            }
            if !names.contains(&info.first_server.as_str()) {
                return bad(format!("first server {:?} is not playing", info.first_server));
            }
            return Ok(());
        }
        let Some(score) = &self.score else { return Err(RuleError::NotStarted { event }) };
        if self.result.is_some() {
            return Err(RuleError::MatchFinished { event });
        }
        match ev {
            Event::MatchStart(_) | Event::Abandoned { .. } => Ok(()),
            Event::Retirement { player, .. } => self.player(event, player).map(|_| ()),
            Event::Point { winner, kind, serve } => {
                let w = self.player(event, winner)?;
                let server = score.point_server();
                let bad = |reason: &str| Err(RuleError::BadPoint { reason: reason.to_string() });
                match kind {
                    _ if !matches!(serve, 1 | 2) => bad("the serve is 1 or 2"),
                    PointKind::Ace if w != server => bad("an ace is won by the server"),
                    PointKind::DoubleFault if w == server => bad("a double fault is won by the receiver"),
                    PointKind::DoubleFault if *serve != 2 => bad("a double fault is a second-serve point"),
                    _ => Ok(()),
                }
            }
        }
    }
}
