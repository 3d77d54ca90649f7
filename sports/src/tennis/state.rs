//! The tennis match state: the score, per-player statistics for the match
//! and each set, and the game and point logs.
//!
//! Decisions worth knowing:
//! * Status: `scheduled` until the first point, `live` until match point
//!   is won or a player retires (`completed`), `abandoned` on `abandoned`.
//! * Serve statistics: a point played on serve 1 counts as a first serve
//!   in; on serve 2 as a first serve missed (a double fault is a serve-2
//!   point lost).
//! * A break point is a point the receiver would win the game with; it is
//!   counted for the receiver (`break_points`, `break_points_won`) and the
//!   server (`break_points_faced`, `break_points_saved`).

use serde::{Deserialize, Serialize};

use super::event::FinalSet;
use super::score::Score;
use crate::engine::Status;

/// Static facts from `match_start`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Info {
    pub players: Vec<String>,
    pub countries: Vec<Option<String>>,
    pub seeds: Vec<Option<u32>>,
    pub best_of: u32,
    pub final_set: FinalSet,
    pub title: Option<String>,
    pub venue: Option<String>,
    pub surface: Option<String>,
    pub date: Option<String>,
}

/// One player's statistics (for the match, or one set).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Stats {
    pub points_won: u32,
    pub aces: u32,
    pub double_faults: u32,
    /// Points served, and those on which the first serve went in.
    pub service_points: u32,
    pub first_serves_in: u32,
    pub first_serve_won: u32,
    pub second_serve_points: u32,
    pub second_serve_won: u32,
    pub return_points_won: u32,
    pub winners: u32,
    pub unforced_errors: u32,
    pub forced_errors: u32,
    /// As receiver: break points had and converted.
    pub break_points: u32,
    pub break_points_won: u32,
    /// As server: break points faced and saved.
    pub break_points_faced: u32,
    pub break_points_saved: u32,
    pub service_games: u32,
    pub service_games_won: u32,
}

/// One game as played.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct GameRecord {
    /// 1-based set and game number in it.
    pub set: u32,
    pub game: u32,
    pub server: usize,
    pub winner: usize,
    pub broken: bool,
    pub tiebreak: bool,
    /// Games in the set after this one.
    pub games: [u32; 2],
}

/// One commentary entry: a point, or another event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Comment {
    pub seq: u64,
    pub ts: i64,
    pub kind: String,
    pub text: String,
    /// Set about the point (None for other events).
    pub point: Option<PointRecord>,
}

/// The facts of one point, for the point-by-point view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PointRecord {
    pub set: u32,
    pub game: u32,
    pub server: usize,
    pub winner: usize,
    pub serve: u32,
    /// The point was a break point / set point / match point (for whom).
    pub break_point: Option<usize>,
    pub set_point: Option<usize>,
    pub match_point: Option<usize>,
    /// The score after the point: game points (or "game"), games, sets.
    pub points: [String; 2],
    pub games: [u32; 2],
    pub sets: [u32; 2],
}

/// How the match ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Finish {
    pub status: Status,
    pub winner: Option<usize>,
    pub text: String,
    pub retired: bool,
}

/// The state of one tennis match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub(crate) info: Option<Info>,
    pub(crate) score: Option<Score>,
    pub(crate) stats: [Stats; 2],
    /// Per set, per player.
    pub(crate) set_stats: Vec<[Stats; 2]>,
    pub(crate) games: Vec<GameRecord>,
    pub(crate) commentary: Vec<Comment>,
    pub(crate) result: Option<Finish>,
}

impl State {
    pub(crate) fn players(&self) -> Vec<String> {
        self.info.as_ref().map(|i| i.players.clone()).unwrap_or_default()
    }

    /// Index of `name` among the two players.
    pub(crate) fn side(&self, name: &str) -> Option<usize> {
        self.info.as_ref()?.players.iter().position(|p| p == name)
    }

    /// Points played so far.
    pub(crate) fn points_played(&self) -> u32 {
        self.stats[0].points_won + self.stats[1].points_won
    }

    /// Status (see the module docs).
    pub(crate) fn status_now(&self) -> Status {
        match &self.result {
            Some(f) => f.status,
            None if self.points_played() == 0 => Status::Scheduled,
            None => Status::Live,
        }
    }
}

/// The surname, for scoreboards: the last word of the name.
pub(crate) fn short(name: &str) -> String {
    name.split_whitespace().last().unwrap_or(name).to_string()
}
