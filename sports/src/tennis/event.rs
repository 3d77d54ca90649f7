//! Tennis events: point by point.
//!
//! Serialized with an internal `type` tag, e.g.
//! `{"type":"point","winner":"Carlos Alcaraz","kind":"ace","serve":1}`.
//! Players are named by their full name.

use serde::{Deserialize, Serialize};

/// One tennis event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// First event of every match: the players, the format, who serves first.
    MatchStart(MatchInfo),
    /// One point.
    Point {
        winner: String,
        kind: PointKind,
        /// The serve the point was played on: 1 (first serve in) or 2 (first
        /// serve missed; a double fault is always 2).
        #[serde(default = "first_serve")]
        serve: u32,
    },
    /// A player retires: the other wins the match.
    Retirement {
        player: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// The match was abandoned.
    Abandoned { reason: String },
}

fn first_serve() -> u32 {
    1
}

/// How a point was won.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointKind {
    /// An unreturned serve that the receiver did not touch (the server wins).
    Ace,
    /// Both serves missed (the receiver wins).
    DoubleFault,
    /// A shot the loser could not reach.
    Winner,
    /// The loser's error under pressure.
    ForcedError,
    /// The loser's own error.
    UnforcedError,
}

/// What happens at six games all in the deciding set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinalSet {
    /// A tiebreak to 7, like every other set.
    #[default]
    Tiebreak,
    /// A tiebreak to 10 (Grand Slams since 2022).
    LongTiebreak,
    /// No set: the deciding set is a single match tiebreak to 10.
    MatchTiebreak,
    /// No tiebreak: play on until one player leads by two games.
    Advantage,
}

/// One player.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerInfo {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u32>,
}

/// The `match_start` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchInfo {
    pub players: Vec<PlayerInfo>,
    /// 3 or 5.
    pub best_of: u32,
    #[serde(default)]
    pub final_set: FinalSet,
    /// Who serves the first game (a player's name).
    pub first_server: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surface: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}
