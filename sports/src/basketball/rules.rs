//! Validation: every event is checked against the rules and the game so
//! far before anything changes, so a rejected event leaves the state as it
//! was.
//!
//! Checked: periods in order (an overtime only after a tie); timed events
//! while a period runs, with the clock within the period and never going
//! back; players on the court for their side (substitutes from the bench);
//! nobody disqualified (fouled out or ejected) takes part again; field goals
//! and free throws by the side with the ball, within the shot clock, not
//! while the ball is loose; rebounds only of a miss; 2 or 3 points;
//! assists on made shots only, blocks on misses only; timeouts left.

use super::event::{Event, FoulKind};
use super::state::{State, clock_text};

/// Why an event breaks the rules of basketball or does not fit the game so far.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("{event} before the game started (no match_start yet)")]
    NotStarted { event: &'static str },
    #[error("second match_start: the game has already started")]
    AlreadyStarted,
    #[error("match_start: {reason}")]
    BadMatchInfo { reason: String },
    #[error("{event} after the final buzzer")]
    MatchFinished { event: &'static str },
    #[error("{event}: team {team:?} is not playing this game")]
    UnknownTeam { event: &'static str, team: String },
    #[error("{event}: {player:?} is not on the {team} roster")]
    UnknownPlayer { event: &'static str, team: String, player: String },
    #[error("{event}: {player:?} ({team}) is not on the court")]
    NotOnCourt { event: &'static str, team: String, player: String },
    #[error("{event}: {player:?} has fouled out or been ejected")]
    Disqualified { event: &'static str, player: String },
    #[error("period_start {got}: the next period is {expected:?}")]
    PeriodOutOfOrder { expected: Option<u32>, got: u32 },
    #[error("{event} while no period is running")]
    NotInPlay { event: &'static str },
    #[error("period_end {got}, but the period running is {running:?}")]
    PeriodEndMismatch { running: Option<u32>, got: u32 },
    #[error("{event} at {clock}: the clock already reads {last}")]
    ClockBackwards { event: &'static str, clock: String, last: String },
    #[error("{event} at {clock} left: longer than the {length}-second period")]
    ClockOutOfRange { event: &'static str, clock: u32, length: u32 },
    #[error("{event} by {team}, but {holder} have the ball")]
    NotInPossession { event: &'static str, team: String, holder: String },
    #[error("{event} while the ball is loose after a miss (rebound first)")]
    LooseBall { event: &'static str },
    #[error("rebound without a missed shot or free throw")]
    NothingToRebound,
    #[error("shot clock violation: field goal {elapsed} s after the {length}-second shot clock started")]
    ShotClock { elapsed: u32, length: u32 },
    #[error("field goal: {reason}")]
    BadShot { reason: String },
    #[error("free throw: {reason}")]
    BadFreeThrow { reason: String },
    #[error("timeout: {team} have none left")]
    NoTimeoutsLeft { team: String },
    #[error("substitution: {reason}")]
    BadSubstitution { reason: String },
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
            RuleError::UnknownTeam { .. } => "unknown_team",
            RuleError::UnknownPlayer { .. } => "unknown_player",
            RuleError::NotOnCourt { .. } => "not_on_court",
            RuleError::Disqualified { .. } => "disqualified",
            RuleError::PeriodOutOfOrder { .. } | RuleError::PeriodEndMismatch { .. } => "period_order",
            RuleError::NotInPlay { .. } => "not_in_play",
            RuleError::ClockBackwards { .. } | RuleError::ClockOutOfRange { .. } => "clock",
            RuleError::NotInPossession { .. } | RuleError::LooseBall { .. } | RuleError::NothingToRebound => {
                "possession"
            }
            RuleError::ShotClock { .. } => "shot_clock",
            RuleError::BadShot { .. } | RuleError::BadFreeThrow { .. } => "bad_shot",
            RuleError::NoTimeoutsLeft { .. } => "no_timeouts",
            RuleError::BadSubstitution { .. } => "bad_substitution",
        }
    }
}

/// The `type` tag of an event.
#[must_use]
pub fn event_kind(ev: &Event) -> &'static str {
    match ev {
        Event::MatchStart(_) => "match_start",
        Event::PeriodStart { .. } => "period_start",
        Event::PeriodEnd { .. } => "period_end",
        Event::FieldGoal { .. } => "field_goal",
        Event::FreeThrow { .. } => "free_throw",
        Event::Rebound { .. } => "rebound",
        Event::Turnover { .. } => "turnover",
        Event::Foul { .. } => "foul",
        Event::Timeout { .. } => "timeout",
        Event::Substitution { .. } => "substitution",
        Event::Abandoned { .. } => "abandoned",
    }
}

/// The game clock of a timed event.
pub(crate) fn event_clock(ev: &Event) -> Option<u32> {
    match ev {
        Event::FieldGoal { clock, .. }
        | Event::FreeThrow { clock, .. }
        | Event::Rebound { clock, .. }
        | Event::Turnover { clock, .. }
        | Event::Foul { clock, .. }
        | Event::Timeout { clock, .. }
        | Event::Substitution { clock, .. } => Some(*clock),
        _ => None,
    }
}

impl State {
    fn team(&self, event: &'static str, team: &str) -> Result<usize, RuleError> {
        self.side(team).ok_or_else(|| RuleError::UnknownTeam { event, team: team.to_string() })
    }

    /// `player` of side `s`: on the roster and not disqualified.
    fn eligible(&self, event: &'static str, s: usize, player: &str) -> Result<usize, RuleError> {
        let k = self.row(s, player).ok_or_else(|| RuleError::UnknownPlayer {
            event,
            team: self.teams_list()[s].clone(),
            player: player.to_string(),
        })?;
        if self.rows[s][k].out.is_some() {
            return Err(RuleError::Disqualified { event, player: player.to_string() });
        }
        Ok(k)
    }

    /// `player` of side `s`, eligible and on the court.
    fn on_court(&self, event: &'static str, s: usize, player: &str) -> Result<usize, RuleError> {
        let k = self.eligible(event, s, player)?;
        if !self.rows[s][k].on_court {
            return Err(RuleError::NotOnCourt { event, team: self.teams_list()[s].clone(), player: player.into() });
        }
        Ok(k)
    }

    /// Side `s` has the ball (and it is not loose).
    fn has_ball(&self, event: &'static str, s: usize) -> Result<(), RuleError> {
        if self.loose.is_some() {
            return Err(RuleError::LooseBall { event });
        }
        match self.possession {
            Some(p) if p == s => Ok(()),
            other => {
                let teams = self.teams_list();
                let holder = other.map_or_else(|| "nobody".to_string(), |p| teams[p].clone());
                Err(RuleError::NotInPossession { event, team: teams[s].clone(), holder })
            }
        }
    }

    /// Check `ev` against the rules and the game so far, without changing anything.
    pub(crate) fn validate(&self, ev: &Event) -> Result<(), RuleError> {
        let event = event_kind(ev);
        if let Event::MatchStart(info) = ev {
            return if self.info.is_some() { Err(RuleError::AlreadyStarted) } else { super::fold::check_info(info) };
        }
        if self.info.is_none() {
            return Err(RuleError::NotStarted { event });
        }
        if self.result.is_some() {
            return Err(RuleError::MatchFinished { event });
        }
        if let Some(clock) = event_clock(ev) {
            let sub = matches!(ev, Event::Substitution { .. });
            if !self.running && !sub {
                return Err(RuleError::NotInPlay { event });
            }
            let length = self.rules().period_secs(self.period.max(1));
            if clock > length {
                return Err(RuleError::ClockOutOfRange { event, clock, length });
            }
            if self.running && clock > self.clock {
                return Err(RuleError::ClockBackwards {
                    event,
                    clock: clock_text(clock),
                    last: clock_text(self.clock),
                });
            }
        }
        match ev {
            Event::MatchStart(_) | Event::Abandoned { .. } => Ok(()),
            Event::PeriodStart { period, possession } => {
                let expected = (!self.running).then_some(self.period + 1);
                if expected != Some(*period) {
                    return Err(RuleError::PeriodOutOfOrder { expected, got: *period });
                }
                self.team(event, possession).map(|_| ())
            }
            Event::PeriodEnd { period } => {
                let running = self.running.then_some(self.period);
                if running == Some(*period) {
                    Ok(())
                } else {
                    Err(RuleError::PeriodEndMismatch { running, got: *period })
                }
            }
            Event::FieldGoal { team, player, points, made, assist, blocked_by, clock } => {
                let s = self.team(event, team)?;
                self.on_court(event, s, player)?;
                self.has_ball(event, s)?;
                if let Some(sc) = self.shot {
                    let elapsed = sc.at.saturating_sub(*clock);
                    if elapsed > sc.length {
                        return Err(RuleError::ShotClock { elapsed, length: sc.length });
                    }
                }
                if !matches!(points, 2 | 3) {
                    return Err(RuleError::BadShot { reason: format!("a field goal is worth 2 or 3, not {points}") });
                }
                if let Some(a) = assist {
                    if !made || a == player {
                        return Err(RuleError::BadShot { reason: format!("{a:?} cannot be credited with an assist") });
                    }
                    self.on_court(event, s, a)?;
                }
                if let Some(b) = blocked_by {
                    if *made {
                        return Err(RuleError::BadShot { reason: "a made shot was not blocked".into() });
                    }
                    self.on_court(event, 1 - s, b)?;
                }
                Ok(())
            }
            Event::FreeThrow { team, player, attempt, of, .. } => {
                let s = self.team(event, team)?;
                self.on_court(event, s, player)?;
                self.has_ball(event, s)?;
                if !(1..=3).contains(of) || *attempt == 0 || attempt > of {
                    return Err(RuleError::BadFreeThrow { reason: format!("attempt {attempt} of {of}") });
                }
                Ok(())
            }
            Event::Rebound { team, player, .. } => {
                let s = self.team(event, team)?;
                if self.loose.is_none() {
                    return Err(RuleError::NothingToRebound);
                }
                player.as_ref().map_or(Ok(()), |p| self.on_court(event, s, p).map(|_| ()))
            }
            Event::Turnover { team, player, stolen_by, .. } => {
                let s = self.team(event, team)?;
                if let Some(p) = player {
                    self.on_court(event, s, p)?;
                }
                if let Some(p) = stolen_by {
                    self.on_court(event, 1 - s, p)?;
                }
                self.has_ball(event, s)
            }
            Event::Foul { team, player, kind, .. } => {
                let s = self.team(event, team)?;
                if *kind == FoulKind::Technical {
                    self.eligible(event, s, player)
                } else {
                    self.on_court(event, s, player)
                }
                .map(|_| ())
            }
            Event::Timeout { team, .. } => {
                let s = self.team(event, team)?;
                if self.timeouts[s] == 0 {
                    return Err(RuleError::NoTimeoutsLeft { team: team.clone() });
                }
                Ok(())
            }
            Event::Substitution { team, player_in, player_out, .. } => {
                let s = self.team(event, team)?;
                let k = self.row(s, player_out).ok_or_else(|| RuleError::UnknownPlayer {
                    event,
                    team: team.clone(),
                    player: player_out.clone(),
                })?;
                if !self.rows[s][k].on_court {
                    return Err(RuleError::BadSubstitution { reason: format!("{player_out:?} is not on the court") });
                }
                let k = self.eligible(event, s, player_in)?;
                if self.rows[s][k].on_court {
                    return Err(RuleError::BadSubstitution {
                        reason: format!("{player_in:?} is already on the court"),
                    });
                }
                Ok(())
            }
        }
    }
}
