//! Football events: what a match reporter records.
//!
//! Serialized with an internal `type` tag, e.g.
//! `{"type":"goal","team":"Arsenal","scorer":"…","kind":"penalty","minute":67}`.
//!
//! The match clock of an event is `minute` (as shown: the first minute of
//! play is 1, the last of the first half 45) plus `added` for stoppage time
//! (`45+2'` is minute 45, added 2). Teams are named by their full name,
//! players by name.

use serde::{Deserialize, Serialize};

/// One football event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// First event of every match: the sides, their line-ups and the rules.
    MatchStart(MatchInfo),
    /// Kick-off of a period (or the start of the shoot-out).
    PeriodStart { period: Period },
    /// The fourth official's board: at least `minutes` of stoppage time.
    StoppageTime { minutes: u32 },
    /// The whistle at the end of a period (not the shoot-out: it ends when decided).
    PeriodEnd {
        period: Period,
        minute: u32,
        #[serde(default, skip_serializing_if = "is_zero")]
        added: u32,
    },
    /// A goal, credited to `team` (for an own goal, `scorer` plays for the other side).
    Goal {
        team: String,
        scorer: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assist: Option<String>,
        #[serde(default)]
        kind: GoalKind,
        minute: u32,
        #[serde(default, skip_serializing_if = "is_zero")]
        added: u32,
    },
    /// A shot that did not score (a scored shot is a `goal`).
    Shot {
        team: String,
        player: String,
        outcome: ShotOutcome,
        /// A penalty kick (a missed or saved penalty).
        #[serde(default, skip_serializing_if = "is_false")]
        penalty: bool,
        minute: u32,
        #[serde(default, skip_serializing_if = "is_zero")]
        added: u32,
    },
    /// A caution or sending-off. A second yellow is sent as `yellow`: the
    /// laws turn it into a red.
    Card {
        team: String,
        player: String,
        card: CardColor,
        minute: u32,
        #[serde(default, skip_serializing_if = "is_zero")]
        added: u32,
    },
    /// A substitution.
    Substitution {
        team: String,
        off: String,
        on: String,
        minute: u32,
        #[serde(default, skip_serializing_if = "is_zero")]
        added: u32,
    },
    /// A corner kick awarded to `team`.
    Corner {
        team: String,
        minute: u32,
        #[serde(default, skip_serializing_if = "is_zero")]
        added: u32,
    },
    /// A foul committed by `player` of `team`.
    Foul {
        team: String,
        player: String,
        minute: u32,
        #[serde(default, skip_serializing_if = "is_zero")]
        added: u32,
    },
    /// `player` of `team` caught offside.
    Offside {
        team: String,
        player: String,
        minute: u32,
        #[serde(default, skip_serializing_if = "is_zero")]
        added: u32,
    },
    /// Possession so far, as measured by the data provider: the first
    /// (home) team's share in percent.
    Possession {
        home: u32,
        minute: u32,
        #[serde(default, skip_serializing_if = "is_zero")]
        added: u32,
    },
    /// One kick of a penalty shoot-out.
    ShootoutKick { team: String, player: String, scored: bool },
    /// The match was abandoned (weather, crowd trouble …).
    Abandoned { reason: String },
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(b: &bool) -> bool {
    !*b
}

/// The periods of a match, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    FirstHalf,
    SecondHalf,
    ExtraTimeFirst,
    ExtraTimeSecond,
    Shootout,
}

impl Period {
    /// The name used in JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Period::FirstHalf => "first_half",
            Period::SecondHalf => "second_half",
            Period::ExtraTimeFirst => "extra_time_first",
            Period::ExtraTimeSecond => "extra_time_second",
            Period::Shootout => "shootout",
        }
    }
}

/// How a goal was scored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoalKind {
    #[default]
    OpenPlay,
    Header,
    FreeKick,
    Penalty,
    OwnGoal,
}

/// Where a shot that did not score went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShotOutcome {
    /// On target and saved (or cleared off the line).
    Saved,
    OffTarget,
    Blocked,
    /// Hit the post or the bar.
    Woodwork,
}

/// A card as shown by the referee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardColor {
    Yellow,
    Red,
}

/// Playing positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Position {
    /// Goalkeeper.
    Gk,
    /// Defender.
    Df,
    /// Midfielder.
    Mf,
    /// Forward.
    Fw,
}

/// One player on a team sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Player {
    pub name: String,
    pub number: u32,
    pub position: Position,
}

/// One side's team sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamSheet {
    pub name: String,
    /// Three-letter code for scoreboards (derived from the name when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formation: Option<String>,
    /// The starting eleven.
    pub starting: Vec<Player>,
    /// The substitutes.
    #[serde(default)]
    pub bench: Vec<Player>,
}

/// The `match_start` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchInfo {
    /// Home side first.
    pub teams: Vec<TeamSheet>,
    /// Level after 90 minutes: extra time, then a shoot-out.
    #[serde(default)]
    pub knockout: bool,
    /// Length of each half (45).
    #[serde(default = "default_half")]
    pub half_minutes: u32,
    /// Length of each half of extra time (15).
    #[serde(default = "default_extra")]
    pub extra_minutes: u32,
    /// Substitutions allowed in normal time (5); one more in extra time.
    #[serde(default = "default_subs")]
    pub max_subs: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

fn default_half() -> u32 {
    45
}

fn default_extra() -> u32 {
    15
}

fn default_subs() -> u32 {
    5
}
