//! Cricket events: what a scorer records, ball by ball.
//!
//! Serialized with an internal `type` tag, e.g.
//! `{"type":"delivery","over":3,"ball":2,"batter":"...","runs_batter":4,...}`.

use serde::{Deserialize, Serialize};

/// One cricket event. (Read by a hand-written `Deserialize`, see
/// `event_de.rs`: what the derive reads, without buffering.)
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// First event of every match: who plays what.
    MatchStart(MatchInfo),
    /// The toss.
    Toss { winner: String, decision: TossDecision },
    /// An innings begins. `number` is 1-based and counts super-over innings too.
    InningsStart {
        number: u32,
        batting: String,
        bowling: String,
        #[serde(default, skip_serializing_if = "is_false")]
        super_over: bool,
        /// Runs needed to win (set for the side batting last in a result innings).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<Target>,
        /// Overs allotted to this innings (None: the match format's default).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_overs: Option<u32>,
        /// Openers: striker then non-striker (optional; deliveries name them anyway).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        openers: Vec<String>,
    },
    /// A new bowler takes the ball (start of an over, or mid-over replacement).
    BowlerChange { over: u32, bowler: String },
    /// One delivery.
    Delivery(Delivery),
    /// A batter retires without a delivery being bowled (hurt, not out, or out).
    Retirement { batter: String, kind: RetirementKind },
    /// A player replaced by another (concussion, injury, impact player).
    Replacement {
        team: String,
        player_in: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        player_out: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Target revised by a rain rule (D/L, DLS, VJD): replaces the original target.
    TargetRevision {
        runs: u32,
        overs: u32,
        #[serde(default = "default_method")]
        method: String,
    },
    /// An innings is over.
    InningsEnd { number: u32, reason: InningsEndReason },
    /// The match result. Always the last event of a match.
    Result(MatchResult),
}

pub(crate) fn default_method() -> String {
    "D/L".to_string()
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(b: &bool) -> bool {
    !*b
}

/// Match format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// 20 overs a side, 4 overs per bowler.
    T20,
    /// One-day international: 50 overs a side, 10 per bowler.
    Odi,
}

impl Format {
    /// Overs per innings.
    #[must_use]
    pub fn overs(self) -> u32 {
        match self {
            Format::T20 => 20,
            Format::Odi => 50,
        }
    }

    /// Most overs one bowler may bowl in an innings.
    #[must_use]
    pub fn bowler_overs(self) -> u32 {
        match self {
            Format::T20 => 4,
            Format::Odi => 10,
        }
    }
}

/// Static facts about a match, given once at the start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchInfo {
    pub format: Format,
    /// Exactly two team names.
    pub teams: Vec<String>,
    /// Playing XI of each team, in batting order where known; same order as `teams`.
    pub squads: Vec<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    /// Scheduled start, e.g. "2008-04-18".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default = "default_balls_per_over")]
    pub balls_per_over: u32,
}

fn default_balls_per_over() -> u32 {
    6
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TossDecision {
    Bat,
    Field,
}

/// Runs needed and overs available to get them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub runs: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overs: Option<u32>,
}

/// Extras on one delivery, by kind. A no-ball's penalty run is in `noballs`;
/// runs taken off a no-ball are `runs_batter` (hit) or `byes`/`legbyes`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extras {
    #[serde(default, skip_serializing_if = "is_zero")]
    pub wides: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub noballs: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub byes: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub legbyes: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub penalty: u32,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Extras {
    #[must_use]
    pub fn total(&self) -> u32 {
        self.wides + self.noballs + self.byes + self.legbyes + self.penalty
    }
}

/// One ball bowled (legal or not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// 0-based over number within the innings.
    pub over: u32,
    /// 1-based index of this delivery within the over, counting wides and no-balls.
    pub ball: u32,
    pub batter: String,
    pub non_striker: String,
    pub bowler: String,
    /// Runs scored off the bat.
    #[serde(default)]
    pub runs_batter: u32,
    #[serde(default, skip_serializing_if = "is_default_extras")]
    pub extras: Extras,
    /// True when `runs_batter` is 4 or 6 but was run, not a boundary.
    #[serde(default, skip_serializing_if = "is_false")]
    pub non_boundary: bool,
    /// Dismissals on this delivery (rarely more than one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wickets: Vec<Wicket>,
    /// Commentary text supplied by the source (simulator); the engine writes one otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commentary: Option<String>,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_default_extras(e: &Extras) -> bool {
    *e == Extras::default()
}

impl Delivery {
    /// Total runs this delivery adds to the batting side.
    #[must_use]
    pub fn total_runs(&self) -> u32 {
        self.runs_batter + self.extras.total()
    }

    /// A legal delivery counts toward the over (not a wide, not a no-ball).
    #[must_use]
    pub fn is_legal(&self) -> bool {
        self.extras.wides == 0 && self.extras.noballs == 0
    }
}

/// A batter out (or retired) on a delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wicket {
    pub kind: DismissalKind,
    pub player_out: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fielders: Vec<Fielder>,
}

/// A fielder involved in a dismissal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fielder {
    pub name: String,
    /// A substitute fielder ("c sub (Name)").
    #[serde(default, skip_serializing_if = "is_false")]
    pub substitute: bool,
}

/// How a batter was dismissed (or retired).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DismissalKind {
    Bowled,
    Caught,
    CaughtAndBowled,
    Lbw,
    Stumped,
    HitWicket,
    RunOut,
    RetiredHurt,
    RetiredNotOut,
    RetiredOut,
    ObstructingTheField,
    HandledTheBall,
    HitTheBallTwice,
    TimedOut,
}

impl DismissalKind {
    /// Credited to the bowler's wickets column.
    #[must_use]
    pub fn credited_to_bowler(self) -> bool {
        matches!(
            self,
            DismissalKind::Bowled
                | DismissalKind::Caught
                | DismissalKind::CaughtAndBowled
                | DismissalKind::Lbw
                | DismissalKind::Stumped
                | DismissalKind::HitWicket
        )
    }

    /// Counts as a wicket for the batting side (retired hurt / not out do not).
    #[must_use]
    pub fn counts_as_wicket(self) -> bool {
        !matches!(self, DismissalKind::RetiredHurt | DismissalKind::RetiredNotOut)
    }

    /// Parse Cricsheet's spelling ("caught and bowled", "run out", ...).
    #[must_use]
    pub fn from_cricsheet(s: &str) -> Option<Self> {
        Some(match s {
            "bowled" => DismissalKind::Bowled,
            "caught" => DismissalKind::Caught,
            "caught and bowled" => DismissalKind::CaughtAndBowled,
            "lbw" => DismissalKind::Lbw,
            "stumped" => DismissalKind::Stumped,
            "hit wicket" => DismissalKind::HitWicket,
            "run out" => DismissalKind::RunOut,
            "retired hurt" => DismissalKind::RetiredHurt,
            "retired not out" => DismissalKind::RetiredNotOut,
            "retired out" => DismissalKind::RetiredOut,
            "obstructing the field" => DismissalKind::ObstructingTheField,
            "handled the ball" => DismissalKind::HandledTheBall,
            "hit the ball twice" => DismissalKind::HitTheBallTwice,
            "timed out" => DismissalKind::TimedOut,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetirementKind {
    Hurt,
    NotOut,
    Out,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InningsEndReason {
    AllOut,
    OversComplete,
    TargetReached,
    Declared,
    /// Rain, bad light, or the match otherwise cut short.
    Interrupted,
}

/// How a match ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchResult {
    pub outcome: Outcome,
    /// Winning team (None for tie without eliminator, no result, abandoned, draw).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub winner: Option<String>,
    /// Margin: runs or wickets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_runs: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_wickets: Option<u32>,
    /// Rain-rule method, e.g. "D/L".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// For a tie settled by a super over (or other tie-break): who went through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eliminator: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Win,
    Tie,
    NoResult,
    Abandoned,
    Draw,
}
