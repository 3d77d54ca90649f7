//! Basketball events: a play-by-play feed.
//!
//! Serialized with an internal `type` tag, e.g.
//! `{"type":"field_goal","team":"Boston Celtics","player":"…","points":3,"made":true,"clock":151}`.
//!
//! `clock` is the game clock: whole seconds left in the period. Teams are
//! named by their full name, players by name.

use serde::{Deserialize, Serialize};

/// One basketball event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// First event of every match: rosters, starters and the rules.
    MatchStart(MatchInfo),
    /// A period begins (1–4 are quarters, 5 on overtimes); `possession`
    /// is the team with the ball (jump ball or alternating possession).
    PeriodStart { period: u32, possession: String },
    /// The period's clock has run out.
    PeriodEnd { period: u32 },
    /// A field-goal attempt.
    FieldGoal {
        team: String,
        player: String,
        /// 2 or 3.
        points: u32,
        made: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assist: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        blocked_by: Option<String>,
        clock: u32,
    },
    /// A free throw, `attempt` of `of`.
    FreeThrow { team: String, player: String, made: bool, attempt: u32, of: u32, clock: u32 },
    /// A missed shot or free throw rebounded (`player` None: a team rebound).
    Rebound {
        team: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        player: Option<String>,
        clock: u32,
    },
    /// The team with the ball lost it.
    Turnover {
        team: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        player: Option<String>,
        kind: TurnoverKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stolen_by: Option<String>,
        clock: u32,
    },
    /// A foul committed by `player` of `team`.
    Foul { team: String, player: String, kind: FoulKind, clock: u32 },
    /// A timeout called by `team`.
    Timeout { team: String, clock: u32 },
    /// `player_in` replaces `player_out` (between periods too).
    Substitution { team: String, player_in: String, player_out: String, clock: u32 },
    /// The match was abandoned.
    Abandoned { reason: String },
}

/// How the ball was lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TurnoverKind {
    BadPass,
    LostBall,
    Traveling,
    OutOfBounds,
    ShotClock,
}

/// Kinds of foul.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FoulKind {
    /// A common foul (non-shooting).
    Personal,
    /// On a shooter: free throws follow.
    Shooting,
    /// By the team with the ball: also a turnover.
    Offensive,
    /// Unsportsmanlike conduct; two and the player is ejected.
    Technical,
    Flagrant,
}

/// The rule book.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ruleset {
    /// 12-minute quarters, foul out at 6, 7 timeouts (2 per overtime),
    /// technical fouls separate from personal fouls.
    #[default]
    Nba,
    /// 10-minute quarters, foul out at 5, timeouts 2 + 3 (1 per overtime),
    /// technical fouls count as personal fouls, team fouls carry into overtime.
    Fiba,
}

impl Ruleset {
    /// Length of a quarter in seconds.
    #[must_use]
    pub fn quarter_secs(self) -> u32 {
        match self {
            Ruleset::Nba => 12 * 60,
            Ruleset::Fiba => 10 * 60,
        }
    }

    /// Length of period `period` (overtimes are 5 minutes).
    #[must_use]
    pub fn period_secs(self, period: u32) -> u32 {
        if period > 4 { 5 * 60 } else { self.quarter_secs() }
    }

    /// Personal fouls that disqualify a player.
    #[must_use]
    pub fn foul_limit(self) -> u32 {
        match self {
            Ruleset::Nba => 6,
            Ruleset::Fiba => 5,
        }
    }

    /// Team fouls in a period after which every common foul gives free throws.
    #[must_use]
    pub fn bonus_after(self, period: u32) -> u32 {
        match self {
            Ruleset::Nba if period > 4 => 3,
            _ => 4,
        }
    }

    /// The name used in JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Ruleset::Nba => "nba",
            Ruleset::Fiba => "fiba",
        }
    }
}

/// Shot clock (seconds), reset on a change of possession.
pub const SHOT_CLOCK: u32 = 24;
/// Shot clock after an offensive rebound, or a defensive foul with less left.
pub const SHOT_CLOCK_RESET: u32 = 14;

/// Playing positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Position {
    /// Guard.
    G,
    /// Forward.
    F,
    /// Centre.
    C,
}

/// One player on a roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Player {
    pub name: String,
    pub number: u32,
    pub position: Position,
}

/// One side's roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    pub name: String,
    /// Three-letter code for scoreboards (derived from the name when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub players: Vec<Player>,
    /// The five who start (names from `players`).
    pub starters: Vec<String>,
}

/// The `match_start` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchInfo {
    /// Home side first.
    pub teams: Vec<Roster>,
    #[serde(default)]
    pub rules: Ruleset,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}
