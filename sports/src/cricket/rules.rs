//! Validation: every event is checked against the laws (and the state the
//! match is in) before anything is changed, so a rejected event leaves the
//! state exactly as it was.
//!
//! Leniency, because real scorers' data needs it: deliveries name their own
//! batters and are trusted over the engine's prediction of who is on strike;
//! fielders and bowlers need not be in a squad (substitutes); an
//! `innings_start` while the previous innings is still open closes it; a
//! `result` closes the open innings.

use super::event::{Delivery, DismissalKind, Event, Outcome};
use super::state::State;

/// Why an event breaks the laws of cricket or does not fit the match so far.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("{event} before the match started (no match_start yet)")]
    NotStarted { event: &'static str },
    #[error("second match_start: the match has already started")]
    AlreadyStarted,
    #[error("match_start must name exactly two different teams, got {teams:?}")]
    BadTeams { teams: Vec<String> },
    #[error("{event} after the match result")]
    MatchFinished { event: &'static str },
    #[error("{event}: team {team:?} is not playing this match (teams: {teams:?})")]
    UnknownTeam { event: &'static str, team: String, teams: Vec<String> },
    #[error("innings {number}: {team:?} cannot both bat and bowl")]
    SameTeam { number: u32, team: String },
    #[error("toss already decided ({winner:?} won it)")]
    DuplicateToss { winner: String },
    #[error("innings_start number {got}, expected the next innings {expected}")]
    InningsOutOfOrder { expected: u32, got: u32 },
    #[error("{event} while no innings is in progress")]
    NoInnings { event: &'static str },
    #[error("innings_end number {got}, but the innings in progress is {open:?}")]
    InningsEndMismatch { open: Option<u32>, got: u32 },
    #[error("delivery over {over} ball {ball}: {reason}")]
    IllegalDelivery { over: u32, ball: u32, reason: String },
    #[error("delivery over {over} ball {ball}: over {over} comes after over {current} was already bowled")]
    OverOutOfOrder { over: u32, ball: u32, current: u32 },
    #[error("{player:?} is already out in innings {innings}")]
    AlreadyOut { player: String, innings: u32 },
    #[error("{player:?} cannot be out or retire: not at the crease (batting: {at_crease:?})")]
    NotAtCrease { player: String, at_crease: Vec<String> },
    #[error("result: {reason}")]
    BadResult { reason: String },
    #[error("target revision: {reason}")]
    BadTarget { reason: String },
}

impl RuleError {
    /// Stable short category for metrics labels.
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            RuleError::NotStarted { .. } => "not_started",
            RuleError::AlreadyStarted => "already_started",
            RuleError::BadTeams { .. } => "bad_match_info",
            RuleError::MatchFinished { .. } => "finished",
            RuleError::UnknownTeam { .. } | RuleError::SameTeam { .. } => "unknown_team",
            RuleError::DuplicateToss { .. } => "duplicate_toss",
            RuleError::InningsOutOfOrder { .. } | RuleError::InningsEndMismatch { .. } => "innings_order",
            RuleError::NoInnings { .. } => "no_innings",
            RuleError::IllegalDelivery { .. } | RuleError::OverOutOfOrder { .. } => "illegal_delivery",
            RuleError::AlreadyOut { .. } => "already_out",
            RuleError::NotAtCrease { .. } => "not_at_crease",
            RuleError::BadResult { .. } => "bad_result",
            RuleError::BadTarget { .. } => "bad_target",
        }
    }
}

/// The `type` tag of an event, for messages.
#[must_use]
pub fn event_kind(ev: &Event) -> &'static str {
    match ev {
        Event::MatchStart(_) => "match_start",
        Event::Toss { .. } => "toss",
        Event::InningsStart { .. } => "innings_start",
        Event::BowlerChange { .. } => "bowler_change",
        Event::Delivery(_) => "delivery",
        Event::Retirement { .. } => "retirement",
        Event::Replacement { .. } => "replacement",
        Event::TargetRevision { .. } => "target_revision",
        Event::InningsEnd { .. } => "innings_end",
        Event::Result(_) => "result",
    }
}

impl State {
    fn check_team(&self, event: &'static str, team: &str) -> Result<(), RuleError> {
        let teams = self.teams();
        if teams.iter().any(|t| t == team) {
            Ok(())
        } else {
            Err(RuleError::UnknownTeam { event, team: team.to_string(), teams })
        }
    }

    fn open_innings_number(&self) -> Option<u32> {
        self.innings.last().filter(|i| !i.closed).map(|i| i.number)
    }

    /// Check `ev` against the laws and the match so far, without changing anything.
    pub(crate) fn validate(&self, ev: &Event) -> Result<(), RuleError> {
        let event = event_kind(ev);
        if let Event::MatchStart(info) = ev {
            if self.info.is_some() {
                return Err(RuleError::AlreadyStarted);
            }
            let ok = info.teams.len() == 2 && info.teams[0] != info.teams[1];
            return if ok { Ok(()) } else { Err(RuleError::BadTeams { teams: info.teams.clone() }) };
        }
        if self.info.is_none() {
            return Err(RuleError::NotStarted { event });
        }
        if self.result.is_some() {
            return Err(RuleError::MatchFinished { event });
        }
        match ev {
            Event::MatchStart(_) => Ok(()),
            Event::Toss { winner, .. } => {
                if let Some(t) = &self.toss {
                    return Err(RuleError::DuplicateToss { winner: t.winner.clone() });
                }
                self.check_team(event, winner)
            }
            Event::InningsStart { number, batting, bowling, .. } => {
                let expected = u32::try_from(self.innings.len()).unwrap_or(u32::MAX).saturating_add(1);
                if *number != expected {
                    return Err(RuleError::InningsOutOfOrder { expected, got: *number });
                }
                self.check_team(event, batting)?;
                self.check_team(event, bowling)?;
                if batting == bowling {
                    return Err(RuleError::SameTeam { number: *number, team: batting.clone() });
                }
                Ok(())
            }
            Event::BowlerChange { .. } => self.open_innings_number().map(|_| ()).ok_or(RuleError::NoInnings { event }),
            Event::Delivery(d) => self.validate_delivery(d),
            Event::Retirement { batter, .. } => {
                let number = self.open_innings_number().ok_or(RuleError::NoInnings { event })?;
                let at_crease: Vec<String> =
                    [&self.crease.striker, &self.crease.non_striker].into_iter().flatten().cloned().collect();
                if !at_crease.contains(batter) {
                    return Err(RuleError::NotAtCrease { player: batter.clone(), at_crease });
                }
                self.check_not_out(number, batter)
            }
            Event::Replacement { team, .. } => self.check_team(event, team),
            Event::TargetRevision { runs, overs, .. } => {
                if *runs == 0 || *overs == 0 {
                    return Err(RuleError::BadTarget {
                        reason: format!("{runs} runs from {overs} overs is not a target"),
                    });
                }
                Ok(())
            }
            Event::InningsEnd { number, .. } => {
                let open = self.open_innings_number();
                if open == Some(*number) { Ok(()) } else { Err(RuleError::InningsEndMismatch { open, got: *number }) }
            }
            Event::Result(r) => {
                for team in [&r.winner, &r.eliminator].into_iter().flatten() {
                    self.check_team(event, team)?;
                }
                if r.by_runs.is_some() && r.by_wickets.is_some() {
                    return Err(RuleError::BadResult { reason: "won both by runs and by wickets".into() });
                }
                if r.outcome == Outcome::Win && r.winner.is_none() {
                    return Err(RuleError::BadResult { reason: "a win needs a winner".into() });
                }
                Ok(())
            }
        }
    }

    fn check_not_out(&self, number: u32, player: &str) -> Result<(), RuleError> {
        let out = self.innings.last().and_then(|i| i.batter_index(player).map(|k| i.batting[k].is_out()));
        if out == Some(true) {
            return Err(RuleError::AlreadyOut { player: player.to_string(), innings: number });
        }
        Ok(())
    }

    fn validate_delivery(&self, d: &Delivery) -> Result<(), RuleError> {
        let number = self.open_innings_number().ok_or(RuleError::NoInnings { event: "delivery" })?;
        let illegal = |reason: String| RuleError::IllegalDelivery { over: d.over, ball: d.ball, reason };
        if d.batter == d.non_striker {
            return Err(illegal(format!("batter and non-striker are both {:?}", d.batter)));
        }
        let e = &d.extras;
        if e.wides > 0 && e.noballs > 0 {
            return Err(illegal("a ball cannot be both a wide and a no-ball".into()));
        }
        if e.wides > 0 && (d.runs_batter > 0 || e.byes > 0 || e.legbyes > 0) {
            return Err(illegal("runs off a wide are all wides, not runs off the bat, byes or leg-byes".into()));
        }
        if e.byes > 0 && e.legbyes > 0 {
            return Err(illegal("a ball cannot give both byes and leg-byes".into()));
        }
        if let Some(last) = self.innings.last().and_then(|i| i.overs.last())
            && d.over < last.over
        {
            return Err(RuleError::OverOutOfOrder { over: d.over, ball: d.ball, current: last.over });
        }
        self.check_not_out(number, &d.batter)?;
        self.check_not_out(number, &d.non_striker)?;
        if d.wickets.len() > 2 {
            return Err(illegal(format!("{} dismissals on one ball", d.wickets.len())));
        }
        for (i, w) in d.wickets.iter().enumerate() {
            if d.wickets[..i].iter().any(|p| p.player_out == w.player_out) {
                return Err(illegal(format!("{:?} dismissed twice", w.player_out)));
            }
            if w.kind == DismissalKind::TimedOut {
                self.check_not_out(number, &w.player_out)?;
                continue;
            }
            if w.player_out != d.batter && w.player_out != d.non_striker {
                return Err(RuleError::NotAtCrease {
                    player: w.player_out.clone(),
                    at_crease: vec![d.batter.clone(), d.non_striker.clone()],
                });
            }
            let by_ball = matches!(
                w.kind,
                DismissalKind::Bowled | DismissalKind::Lbw | DismissalKind::Caught | DismissalKind::CaughtAndBowled
            );
            if by_ball && w.player_out != d.batter {
                return Err(illegal(format!("the non-striker {:?} cannot be {:?}", w.player_out, w.kind)));
            }
            if e.noballs > 0 && (by_ball || matches!(w.kind, DismissalKind::Stumped | DismissalKind::HitWicket)) {
                return Err(illegal(format!("{:?} is not a dismissal off a no-ball", w.kind)));
            }
            if e.wides > 0 && by_ball {
                return Err(illegal(format!("{:?} is not a dismissal off a wide", w.kind)));
            }
        }
        Ok(())
    }
}
