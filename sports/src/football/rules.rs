//! Validation: every event is checked against the laws and the match so
//! far before anything changes, so a rejected event leaves the state as it
//! was.
//!
//! Checked: periods in order (extra time only in a knockout match level
//! after 90 minutes, the shoot-out only when level after extra time); a
//! period ends at its nominal length and not before the announced stoppage
//! time; the clock stays within the period and never goes back; scorers,
//! shooters and foulers are on the pitch; a player sent off takes no further
//! part; substitutes come from the bench, once, within the limit (one more
//! in extra time); shoot-out kicks alternate, by players on the pitch at the
//! end of play, each taking one before anyone takes a second.

use super::event::{Event, GoalKind, Period};
use super::state::{Phase, State, clock_text};

/// Why an event breaks the laws of football or does not fit the match so far.
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
    #[error("{event}: team {team:?} is not playing this match")]
    UnknownTeam { event: &'static str, team: String },
    #[error("{event}: {player:?} is not in the {team} squad")]
    UnknownPlayer { event: &'static str, team: String, player: String },
    #[error("{event}: {player:?} ({team}) is not on the pitch")]
    NotOnPitch { event: &'static str, team: String, player: String },
    #[error("{event}: {player:?} has been sent off")]
    SentOff { event: &'static str, player: String },
    #[error("period_start {got:?}: the next period is {expected:?}")]
    PeriodOutOfOrder { expected: Option<Period>, got: Period },
    #[error("{event} while the ball is not in play (no period running)")]
    NotInPlay { event: &'static str },
    #[error("period_end {got:?}, but the period in play is {running:?}")]
    PeriodEndMismatch { running: Option<Period>, got: Period },
    #[error("period_end {period:?} at {clock}: {reason}")]
    EarlyWhistle { period: Period, clock: String, reason: String },
    #[error("{event} at {clock}: outside the {period:?} ({from}'–{to}' plus stoppage)")]
    ClockOutOfRange { event: &'static str, clock: String, period: Period, from: u32, to: u32 },
    #[error("{event} at {clock}: the clock already reads {last}")]
    ClockBackwards { event: &'static str, clock: String, last: String },
    #[error("goal: {reason}")]
    BadGoal { reason: String },
    #[error("substitution: {reason}")]
    BadSubstitution { reason: String },
    #[error("substitution: {team} have used all {allowed} substitutions")]
    NoSubstitutionsLeft { team: String, allowed: u32 },
    #[error("shoot-out kick: {reason}")]
    BadKick { reason: String },
    #[error("possession {home}% is not a percentage")]
    BadPossession { home: u32 },
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
            RuleError::NotOnPitch { .. } | RuleError::SentOff { .. } => "not_on_pitch",
            RuleError::PeriodOutOfOrder { .. } | RuleError::PeriodEndMismatch { .. } => "period_order",
            RuleError::NotInPlay { .. } => "not_in_play",
            RuleError::EarlyWhistle { .. } => "early_whistle",
            RuleError::ClockOutOfRange { .. } | RuleError::ClockBackwards { .. } => "clock",
            RuleError::BadGoal { .. } => "bad_goal",
            RuleError::BadSubstitution { .. } | RuleError::NoSubstitutionsLeft { .. } => "bad_substitution",
            RuleError::BadKick { .. } => "bad_kick",
            RuleError::BadPossession { .. } => "bad_possession",
        }
    }
}

/// The `type` tag of an event.
#[must_use]
pub fn event_kind(ev: &Event) -> &'static str {
    match ev {
        Event::MatchStart(_) => "match_start",
        Event::PeriodStart { .. } => "period_start",
        Event::StoppageTime { .. } => "stoppage_time",
        Event::PeriodEnd { .. } => "period_end",
        Event::Goal { .. } => "goal",
        Event::Shot { .. } => "shot",
        Event::Card { .. } => "card",
        Event::Substitution { .. } => "substitution",
        Event::Corner { .. } => "corner",
        Event::Foul { .. } => "foul",
        Event::Offside { .. } => "offside",
        Event::Possession { .. } => "possession",
        Event::ShootoutKick { .. } => "shootout_kick",
        Event::Abandoned { .. } => "abandoned",
    }
}

/// The clock of a timed event.
pub(crate) fn event_clock(ev: &Event) -> Option<(u32, u32)> {
    match ev {
        Event::PeriodEnd { minute, added, .. }
        | Event::Goal { minute, added, .. }
        | Event::Shot { minute, added, .. }
        | Event::Card { minute, added, .. }
        | Event::Substitution { minute, added, .. }
        | Event::Corner { minute, added, .. }
        | Event::Foul { minute, added, .. }
        | Event::Offside { minute, added, .. }
        | Event::Possession { minute, added, .. } => Some((*minute, *added)),
        _ => None,
    }
}

impl State {
    fn team(&self, event: &'static str, team: &str) -> Result<usize, RuleError> {
        self.side(team).ok_or_else(|| RuleError::UnknownTeam { event, team: team.to_string() })
    }

    /// `player` of side `s`, in the squad and not sent off.
    fn squad_player(&self, event: &'static str, s: usize, player: &str) -> Result<usize, RuleError> {
        let team = self.teams_list()[s].clone();
        let k = self.row(s, player).ok_or_else(|| RuleError::UnknownPlayer {
            event,
            team: team.clone(),
            player: player.to_string(),
        })?;
        if self.players[s][k].red.is_some() {
            return Err(RuleError::SentOff { event, player: player.to_string() });
        }
        Ok(k)
    }

    /// `player` of side `s`, on the pitch now.
    fn on_pitch(&self, event: &'static str, s: usize, player: &str) -> Result<usize, RuleError> {
        let k = self.squad_player(event, s, player)?;
        if !self.players[s][k].on_pitch {
            return Err(RuleError::NotOnPitch { event, team: self.teams_list()[s].clone(), player: player.into() });
        }
        Ok(k)
    }

    pub(crate) fn teams_list(&self) -> Vec<String> {
        self.info.as_ref().map(|i| i.teams.clone()).unwrap_or_default()
    }

    /// The clock of a timed event must be within the period in play, not before the last event.
    fn check_clock(&self, event: &'static str, (minute, added): (u32, u32)) -> Result<(), RuleError> {
        let Phase::Playing(period) = self.phase else { return Err(RuleError::NotInPlay { event }) };
        if period == Period::Shootout {
            return Err(RuleError::NotInPlay { event });
        }
        let (from, to) = self.bounds(period);
        let clock = clock_text(minute, added);
        if minute <= from || minute > to || (added > 0 && minute != to) {
            return Err(RuleError::ClockOutOfRange { event, clock, period, from: from + 1, to });
        }
        if (minute, added) < self.clock {
            return Err(RuleError::ClockBackwards { event, clock, last: clock_text(self.clock.0, self.clock.1) });
        }
        Ok(())
    }

    /// Check `ev` against the laws and the match so far, without changing anything.
    pub(crate) fn validate(&self, ev: &Event) -> Result<(), RuleError> {
        let event = event_kind(ev);
        if let Event::MatchStart(info) = ev {
            return if self.info.is_some() { Err(RuleError::AlreadyStarted) } else { super::sheet::check_info(info) };
        }
        if self.info.is_none() {
            return Err(RuleError::NotStarted { event });
        }
        if self.result.is_some() {
            return Err(RuleError::MatchFinished { event });
        }
        if let Some(c) = event_clock(ev) {
            self.check_clock(event, c)?;
        }
        match ev {
            Event::MatchStart(_) | Event::Abandoned { .. } => Ok(()),
            Event::PeriodStart { period } => {
                let expected = self.next_period();
                if expected == Some(*period) {
                    Ok(())
                } else {
                    Err(RuleError::PeriodOutOfOrder { expected, got: *period })
                }
            }
            Event::StoppageTime { .. } => match self.phase {
                Phase::Playing(p) if p != Period::Shootout => Ok(()),
                _ => Err(RuleError::NotInPlay { event }),
            },
            Event::PeriodEnd { period, minute, added } => {
                let running = match self.phase {
                    Phase::Playing(p) => Some(p),
                    _ => None,
                };
                if running != Some(*period) {
                    return Err(RuleError::PeriodEndMismatch { running, got: *period });
                }
                let (_, to) = self.bounds(*period);
                let clock = clock_text(*minute, *added);
                if *minute < to {
                    let reason = format!("the period lasts until {to}'");
                    return Err(RuleError::EarlyWhistle { period: *period, clock, reason });
                }
                match self.stoppage {
                    Some(s) if *added < s => {
                        let reason = format!("{s} minutes of stoppage time were announced");
                        Err(RuleError::EarlyWhistle { period: *period, clock, reason })
                    }
                    _ => Ok(()),
                }
            }
            Event::Goal { team, scorer, assist, kind, .. } => {
                let s = self.team(event, team)?;
                let scorer_side = if *kind == GoalKind::OwnGoal { 1 - s } else { s };
                self.on_pitch(event, scorer_side, scorer)?;
                if let Some(a) = assist {
                    if matches!(kind, GoalKind::OwnGoal | GoalKind::Penalty) {
                        return Err(RuleError::BadGoal { reason: format!("no assist for a {kind:?} goal") });
                    }
                    if a == scorer {
                        return Err(RuleError::BadGoal { reason: format!("{a:?} cannot assist their own goal") });
                    }
                    self.on_pitch(event, s, a)?;
                }
                Ok(())
            }
            Event::Shot { team, player, .. }
            | Event::Foul { team, player, .. }
            | Event::Offside { team, player, .. } => {
                let s = self.team(event, team)?;
                self.on_pitch(event, s, player).map(|_| ())
            }
            Event::Card { team, player, .. } => {
                let s = self.team(event, team)?;
                self.squad_player(event, s, player).map(|_| ())
            }
            Event::Substitution { team, off, on, .. } => self.check_sub(team, off, on),
            Event::Corner { team, .. } => self.team(event, team).map(|_| ()),
            Event::Possession { home, .. } => {
                if *home <= 100 {
                    Ok(())
                } else {
                    Err(RuleError::BadPossession { home: *home })
                }
            }
            Event::ShootoutKick { team, player, .. } => self.check_kick(team, player),
        }
    }

    fn check_sub(&self, team: &str, off: &str, on: &str) -> Result<(), RuleError> {
        let event = "substitution";
        let s = self.team(event, team)?;
        self.on_pitch(event, s, off)?;
        let k = self.squad_player(event, s, on)?;
        let row = &self.players[s][k];
        if row.on_pitch || row.starter || row.on.is_some() {
            return Err(RuleError::BadSubstitution { reason: format!("{on:?} has already played") });
        }
        let allowed = self.subs_allowed();
        if self.stats[s].subs >= allowed {
            return Err(RuleError::NoSubstitutionsLeft { team: team.to_string(), allowed });
        }
        Ok(())
    }

    fn check_kick(&self, team: &str, player: &str) -> Result<(), RuleError> {
        let event = "shootout_kick";
        let s = self.team(event, team)?;
        let Some(so) = self.shootout.as_ref().filter(|_| self.phase == Phase::Playing(Period::Shootout)) else {
            return Err(RuleError::BadKick { reason: "no shoot-out in progress".into() });
        };
        if let Some(next) = so.next()
            && next != s
        {
            return Err(RuleError::BadKick { reason: format!("{team} kicked last; it is the other side's turn") });
        }
        self.on_pitch(event, s, player)?;
        let taken = |name: &str| so.kicks[s].iter().filter(|k| k.player == name).count();
        let mine = taken(player);
        let least = self.players[s].iter().filter(|p| p.on_pitch).map(|p| taken(&p.name)).min().unwrap_or(0);
        if mine > least {
            return Err(RuleError::BadKick {
                reason: format!(
                    "{player:?} kicked already; every eligible {team} player kicks before anyone kicks again"
                ),
            });
        }
        Ok(())
    }
}
