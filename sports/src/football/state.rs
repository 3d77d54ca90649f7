//! The football match state: what the laws need to check the next event,
//! and what the viewers' snapshot shows.
//!
//! Decisions worth knowing:
//! * Status: `scheduled` until the first kick-off, `live` until the match
//!   is decided, then `completed` (`abandoned` after an `abandoned` event).
//! * A match is decided by the whistle ending the second half (a league
//!   match, or a knockout match with a winner), the end of extra time with
//!   a winner, or the shoot-out kick that settles it: no result event.
//! * The clock is the latest event's; a view extrapolates from
//!   `clock.started_ts` while `clock.running`.

use serde::{Deserialize, Serialize};

use super::event::{Period, Position};
use crate::engine::Status;

/// Static facts from `match_start`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Info {
    pub teams: Vec<String>,
    pub codes: Vec<String>,
    pub formations: Vec<Option<String>>,
    pub knockout: bool,
    pub half: u32,
    pub extra: u32,
    pub max_subs: u32,
    pub title: Option<String>,
    pub venue: Option<String>,
    pub date: Option<String>,
}

/// How a player was sent off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Dismissal {
    SecondYellow,
    Red,
}

/// One player's line in the line-ups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PlayerRow {
    pub name: String,
    pub number: u32,
    pub position: Position,
    pub starter: bool,
    pub on_pitch: bool,
    /// Clock text when subbed on / off.
    pub on: Option<String>,
    pub off: Option<String>,
    pub goals: u32,
    pub own_goals: u32,
    pub assists: u32,
    pub shots: u32,
    pub yellow: u32,
    pub red: Option<Dismissal>,
}

/// Team statistics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TeamStats {
    pub shots: u32,
    pub on_target: u32,
    pub corners: u32,
    pub fouls: u32,
    pub yellow: u32,
    pub red: u32,
    pub offsides: u32,
    pub saves: u32,
    pub subs: u32,
}

/// Where the match is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Phase {
    #[default]
    PreMatch,
    Playing(Period),
    /// The period just ended; waiting for the next one.
    Break(Period),
    Finished,
}

/// One period as played.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PeriodRecord {
    pub period: Period,
    pub goals: [u32; 2],
    /// Clock text of the final whistle (None while in play).
    pub end: Option<String>,
}

/// One shoot-out kick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Kick {
    pub player: String,
    pub scored: bool,
}

/// The shoot-out so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Shootout {
    /// The side that kicked first (None before the first kick).
    pub first: Option<usize>,
    pub kicks: [Vec<Kick>; 2],
}

impl Shootout {
    pub fn score(&self) -> [u32; 2] {
        self.kicks.clone().map(|k| k.iter().filter(|k| k.scored).count() as u32)
    }

    /// The side to kick next.
    pub fn next(&self) -> Option<usize> {
        let first = self.first?;
        let [a, b] = [self.kicks[first].len(), self.kicks[1 - first].len()];
        Some(if a > b { 1 - first } else { first })
    }

    /// The winner, once the shoot-out is decided: after five kicks each the
    /// side ahead, or earlier when the other cannot catch up; then sudden
    /// death, decided only when both have taken the same number of kicks.
    pub fn winner(&self) -> Option<usize> {
        let taken = [self.kicks[0].len(), self.kicks[1].len()];
        let [sa, sb] = self.score();
        let rounds = taken[0].max(taken[1]).max(5);
        let left = [rounds - taken[0], rounds - taken[1]].map(|n| n as u32);
        if sa > sb + left[1] {
            Some(0)
        } else if sb > sa + left[0] {
            Some(1)
        } else {
            None
        }
    }
}

/// A key moment for the timeline (goals, cards, substitutions, whistles).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KeyEvent {
    pub seq: u64,
    pub clock: String,
    pub minute: u32,
    pub added: u32,
    pub team: Option<usize>,
    pub kind: String,
    pub player: Option<String>,
    /// The assist for a goal, the player going off for a substitution.
    pub other: Option<String>,
    pub score: [u32; 2],
}

/// One commentary entry (one per event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Comment {
    pub seq: u64,
    pub ts: i64,
    pub clock: Option<String>,
    pub team: Option<usize>,
    pub kind: String,
    pub text: String,
}

/// How the match ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Finish {
    pub status: Status,
    pub winner: Option<usize>,
    pub text: String,
    /// The last period played (None: abandoned before kick-off).
    pub last: Option<Period>,
}

/// The state of one football match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub(crate) info: Option<Info>,
    pub(crate) phase: Phase,
    /// Latest clock: (minute, added).
    pub(crate) clock: (u32, u32),
    /// Announced stoppage time of the period in play.
    pub(crate) stoppage: Option<u32>,
    /// Timestamp of the latest kick-off (ms).
    pub(crate) period_ts: i64,
    pub(crate) score: [u32; 2],
    pub(crate) periods: Vec<PeriodRecord>,
    pub(crate) shootout: Option<Shootout>,
    pub(crate) stats: [TeamStats; 2],
    /// Home share of possession in percent (None before the first measure).
    pub(crate) possession: Option<u32>,
    /// Starters first, then the bench, per side.
    pub(crate) players: [Vec<PlayerRow>; 2],
    pub(crate) timeline: Vec<KeyEvent>,
    pub(crate) commentary: Vec<Comment>,
    pub(crate) result: Option<Finish>,
}

impl State {
    /// Index of `team` among the two sides.
    pub(crate) fn side(&self, team: &str) -> Option<usize> {
        self.info.as_ref()?.teams.iter().position(|t| t == team)
    }

    /// Row of `player` in `side`'s line-up.
    pub(crate) fn row(&self, side: usize, player: &str) -> Option<usize> {
        self.players[side].iter().position(|p| p.name == player)
    }

    /// First minute and last (nominal) minute of a period.
    pub(crate) fn bounds(&self, p: Period) -> (u32, u32) {
        let (h, e) = self.info.as_ref().map_or((45, 15), |i| (i.half, i.extra));
        match p {
            Period::FirstHalf => (0, h),
            Period::SecondHalf => (h, 2 * h),
            Period::ExtraTimeFirst => (2 * h, 2 * h + e),
            Period::ExtraTimeSecond | Period::Shootout => (2 * h + e, 2 * h + 2 * e),
        }
    }

    /// The period that may start next, if any.
    pub(crate) fn next_period(&self) -> Option<Period> {
        let level = self.score[0] == self.score[1];
        let knockout = self.info.as_ref().is_some_and(|i| i.knockout);
        match self.phase {
            Phase::PreMatch => Some(Period::FirstHalf),
            Phase::Break(Period::FirstHalf) => Some(Period::SecondHalf),
            Phase::Break(Period::SecondHalf) if knockout && level => Some(Period::ExtraTimeFirst),
            Phase::Break(Period::ExtraTimeFirst) => Some(Period::ExtraTimeSecond),
            Phase::Break(Period::ExtraTimeSecond) if level => Some(Period::Shootout),
            _ => None,
        }
    }

    /// Substitutions a side may make in all (one more once extra time began).
    pub(crate) fn subs_allowed(&self) -> u32 {
        let max = self.info.as_ref().map_or(5, |i| i.max_subs);
        let et = self.periods.iter().any(|p| p.period == Period::ExtraTimeFirst);
        max + u32::from(et)
    }

    /// Status (see the module docs).
    pub(crate) fn status_now(&self) -> Status {
        match (&self.result, self.phase) {
            (Some(f), _) => f.status,
            (None, Phase::PreMatch) => Status::Scheduled,
            (None, _) => Status::Live,
        }
    }
}

/// `"67'"`, `"45+2'"`.
pub(crate) fn clock_text(minute: u32, added: u32) -> String {
    if added > 0 { format!("{minute}+{added}'") } else { format!("{minute}'") }
}
