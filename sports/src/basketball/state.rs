//! The basketball match state: the box score, the clocks and who has the
//! ball.
//!
//! Decisions worth knowing:
//! * Status: `scheduled` until the first period starts, `live` until a
//!   period from the fourth on ends with the scores apart (`completed`);
//!   a tie after the fourth quarter or an overtime means another overtime.
//! * Possession: given at each period start; it changes on a made basket,
//!   a made last free throw, a defensive rebound, a turnover and any foul
//!   except a technical (the fouled side gets the ball). After a miss the
//!   ball is loose (no possession) until the rebound.
//! * Shot clock: 24 s on a change of possession, 14 s after an offensive
//!   rebound, at least 14 s after a foul by the defence. A field goal
//!   attempted more than the shot clock after its reset is a violation.
//! * Minutes played are credited when a player leaves the court and at the
//!   end of each period, as box scores at stoppages are.

use serde::{Deserialize, Serialize};

use super::event::{Position, Ruleset};
use crate::engine::Status;

/// Static facts from `match_start`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Info {
    pub teams: Vec<String>,
    pub codes: Vec<String>,
    pub rules: Ruleset,
    pub title: Option<String>,
    pub venue: Option<String>,
    pub date: Option<String>,
}

/// Why a player may no longer play.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Out {
    FouledOut,
    Ejected,
}

/// One player's line in the box score.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Row {
    pub name: String,
    pub number: u32,
    pub position: Option<Position>,
    pub starter: bool,
    pub on_court: bool,
    /// Game clock when the current stint began (this period).
    pub since: u32,
    pub secs: u32,
    pub pts: u32,
    pub fgm: u32,
    pub fga: u32,
    pub tpm: u32,
    pub tpa: u32,
    pub ftm: u32,
    pub fta: u32,
    pub oreb: u32,
    pub dreb: u32,
    pub ast: u32,
    pub stl: u32,
    pub blk: u32,
    pub tov: u32,
    pub pf: u32,
    pub tech: u32,
    pub out: Option<Out>,
    pub pm: i64,
}

/// The shot clock: reset at game clock `at` to `length` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ShotClock {
    pub at: u32,
    pub length: u32,
}

/// One point of the lead tracker (after each score).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LeadPoint {
    pub seq: u64,
    pub period: u32,
    pub clock: u32,
    /// Seconds of play since tip-off.
    pub elapsed: u32,
    pub score: [u32; 2],
}

/// One play-by-play entry (one per event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Play {
    pub seq: u64,
    pub ts: i64,
    pub period: u32,
    pub clock: Option<u32>,
    pub team: Option<usize>,
    pub kind: String,
    pub text: String,
    pub points: u32,
    pub score: [u32; 2],
}

/// How the match ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Finish {
    pub status: Status,
    pub winner: Option<usize>,
    pub text: String,
}

/// The state of one basketball match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub(crate) info: Option<Info>,
    /// Current (or last) period, 0 before tip-off.
    pub(crate) period: u32,
    pub(crate) running: bool,
    /// Game clock: seconds left in the period.
    pub(crate) clock: u32,
    /// Timestamp of the latest period start (ms).
    pub(crate) period_ts: i64,
    pub(crate) score: [u32; 2],
    /// Points per period.
    pub(crate) by_period: Vec<[u32; 2]>,
    pub(crate) rows: [Vec<Row>; 2],
    pub(crate) possession: Option<usize>,
    pub(crate) shot: Option<ShotClock>,
    /// The side whose missed shot or free throw awaits a rebound.
    pub(crate) loose: Option<usize>,
    pub(crate) team_fouls: [u32; 2],
    pub(crate) timeouts: [u32; 2],
    pub(crate) team_rebounds: [u32; 2],
    pub(crate) lead: Vec<LeadPoint>,
    pub(crate) plays: Vec<Play>,
    pub(crate) result: Option<Finish>,
}

impl State {
    pub(crate) fn rules(&self) -> Ruleset {
        self.info.as_ref().map_or(Ruleset::Nba, |i| i.rules)
    }

    pub(crate) fn teams_list(&self) -> Vec<String> {
        self.info.as_ref().map(|i| i.teams.clone()).unwrap_or_default()
    }

    /// Index of `team` among the two sides.
    pub(crate) fn side(&self, team: &str) -> Option<usize> {
        self.info.as_ref()?.teams.iter().position(|t| t == team)
    }

    /// Row of `player` in `side`'s box score.
    pub(crate) fn row(&self, side: usize, player: &str) -> Option<usize> {
        self.rows[side].iter().position(|p| p.name == player)
    }

    /// Seconds of play since tip-off.
    pub(crate) fn elapsed(&self) -> u32 {
        let rules = self.rules();
        let before: u32 = (1..self.period).map(|p| rules.period_secs(p)).sum();
        before + rules.period_secs(self.period.max(1)).saturating_sub(self.clock)
    }

    /// Seconds left on the shot clock (None: nobody has the ball, or the
    /// game clock will run out first).
    pub(crate) fn shot_clock(&self) -> Option<u32> {
        self.possession?;
        let sc = self.shot?;
        let left = sc.length.saturating_sub(sc.at.saturating_sub(self.clock));
        (left <= self.clock).then_some(left)
    }

    /// Status (see the module docs).
    pub(crate) fn status_now(&self) -> Status {
        match &self.result {
            Some(f) => f.status,
            None if self.period == 0 => Status::Scheduled,
            None => Status::Live,
        }
    }

    /// Timeouts each side gets at the start of `period` (None: they carry on).
    pub(crate) fn timeouts_for(&self, period: u32) -> Option<u32> {
        match (self.rules(), period) {
            (Ruleset::Nba, 1) => Some(7),
            (Ruleset::Nba, p) if p > 4 => Some(2),
            (Ruleset::Fiba, 1) => Some(2),
            (Ruleset::Fiba, 3) => Some(3),
            (Ruleset::Fiba, p) if p > 4 => Some(1),
            _ => None,
        }
    }
}

/// `"2:31"`, `"0:07"`.
pub(crate) fn clock_text(secs: u32) -> String {
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// `"Q1"` … `"Q4"`, `"OT"`, `"2OT"` …
pub(crate) fn period_label(period: u32) -> String {
    match period {
        0 => String::new(),
        1..=4 => format!("Q{period}"),
        5 => "OT".into(),
        p => format!("{}OT", p - 4),
    }
}
