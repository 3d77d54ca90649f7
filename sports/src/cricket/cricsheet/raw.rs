//! Cricsheet JSON as it is on disk (data versions 1.x), typed for serde.
//!
//! Only the fields the replay needs are declared; every other field is
//! ignored, so files with fields added by later format revisions still parse.
//! Fields the format allows to be omitted carry `#[serde(default)]`.
//! Counts go through [`count`], whose error says "expected a non-negative
//! integer" rather than serde's "expected u32".

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// A whole match file.
#[derive(Debug, Deserialize)]
#[serde(expecting = "a Cricsheet match object")]
pub(crate) struct RawMatch {
    pub meta: RawMeta,
    pub info: RawInfo,
    #[serde(default)]
    pub innings: Vec<RawInnings>,
}

/// Only the version: read first, on its own, so that an unsupported
/// version is reported as such rather than as a schema mismatch.
#[derive(Debug, Deserialize)]
#[serde(expecting = "a Cricsheet match object")]
pub(crate) struct VersionProbe {
    pub meta: RawMeta,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawMeta {
    pub data_version: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawInfo {
    #[serde(default = "six", deserialize_with = "count")]
    pub balls_per_over: u32,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub dates: Vec<String>,
    #[serde(default)]
    pub event: Option<RawEventInfo>,
    pub match_type: String,
    #[serde(default, deserialize_with = "opt_count")]
    pub overs: Option<u32>,
    pub outcome: RawOutcome,
    /// Playing XI by team name.
    #[serde(default)]
    pub players: BTreeMap<String, Vec<String>>,
    pub teams: Vec<String>,
    #[serde(default)]
    pub toss: Option<RawToss>,
    #[serde(default)]
    pub venue: Option<String>,
}

fn six() -> u32 {
    6
}

/// The competition. `match_number` is an integer in most files and a
/// string in a few, so it is kept as raw JSON.
#[derive(Debug, Deserialize)]
pub(crate) struct RawEventInfo {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub stage: Option<String>,
    #[serde(default)]
    pub match_number: Option<serde_json::Value>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawOutcome {
    #[serde(default)]
    pub winner: Option<String>,
    #[serde(default)]
    pub by: Option<RawMargin>,
    #[serde(default)]
    pub method: Option<String>,
    /// "tie", "no result", "draw".
    #[serde(default)]
    pub result: Option<String>,
    /// Winner of the super over after a tie.
    #[serde(default)]
    pub eliminator: Option<String>,
    /// Winner of the bowl-out after a tie (2008-era matches).
    #[serde(default)]
    pub bowl_out: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawMargin {
    #[serde(default, deserialize_with = "opt_count")]
    pub runs: Option<u32>,
    #[serde(default, deserialize_with = "opt_count")]
    pub wickets: Option<u32>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawToss {
    pub winner: String,
    pub decision: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawInnings {
    pub team: String,
    #[serde(default)]
    pub overs: Vec<RawOver>,
    #[serde(default)]
    pub super_over: bool,
    #[serde(default)]
    pub declared: bool,
    #[serde(default)]
    pub target: Option<RawTarget>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawTarget {
    #[serde(deserialize_with = "count")]
    pub runs: u32,
    /// Overs available, possibly with a ball part ("12.4"): kept as
    /// `(whole overs, extra balls)`.
    #[serde(default, deserialize_with = "opt_overs")]
    pub overs: Option<(u32, u32)>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawOver {
    #[serde(deserialize_with = "count")]
    pub over: u32,
    #[serde(default)]
    pub deliveries: Vec<RawDelivery>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawDelivery {
    pub batter: String,
    pub bowler: String,
    pub non_striker: String,
    pub runs: RawRuns,
    #[serde(default)]
    pub extras: RawExtras,
    #[serde(default)]
    pub wickets: Vec<RawWicket>,
    #[serde(default)]
    pub replacements: Option<RawReplacements>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawRuns {
    #[serde(deserialize_with = "count")]
    pub batter: u32,
    #[serde(deserialize_with = "count")]
    pub extras: u32,
    #[serde(deserialize_with = "count")]
    pub total: u32,
    /// A 4 or 6 that was run, not hit to the boundary.
    #[serde(default)]
    pub non_boundary: bool,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawExtras {
    #[serde(default, deserialize_with = "count")]
    pub wides: u32,
    #[serde(default, deserialize_with = "count")]
    pub noballs: u32,
    #[serde(default, deserialize_with = "count")]
    pub byes: u32,
    #[serde(default, deserialize_with = "count")]
    pub legbyes: u32,
    #[serde(default, deserialize_with = "count")]
    pub penalty: u32,
}

impl RawExtras {
    /// Sum of all kinds (in `u64`: a hostile file cannot overflow it).
    pub fn total(&self) -> u64 {
        [self.wides, self.noballs, self.byes, self.legbyes, self.penalty].into_iter().map(u64::from).sum()
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawWicket {
    pub kind: String,
    pub player_out: String,
    #[serde(default)]
    pub fielders: Vec<RawFielder>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawFielder {
    /// Absent for an unidentified substitute.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub substitute: bool,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawReplacements {
    /// Whole-match replacements (concussion substitute, impact player...).
    #[serde(default, rename = "match")]
    pub whole_match: Vec<RawMatchReplacement>,
    /// A player taking over a role (a bowler finishing an injured bowler's over).
    #[serde(default)]
    pub role: Vec<RawRoleReplacement>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawMatchReplacement {
    #[serde(rename = "in")]
    pub player_in: String,
    #[serde(default, rename = "out")]
    pub player_out: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    pub team: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawRoleReplacement {
    #[serde(rename = "in")]
    pub player_in: String,
    #[serde(default, rename = "out")]
    pub player_out: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    /// "bowler" or "batter".
    pub role: String,
}

/// A JSON number that must be a non-negative integer fitting in `u32`.
fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    d.deserialize_any(CountVisitor)
}

fn opt_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    d.deserialize_any(CountVisitor).map(Some)
}

struct CountVisitor;

impl Visitor<'_> for CountVisitor {
    type Value = u32;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a non-negative integer")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u32, E> {
        u32::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u32, E> {
        u32::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }
}

/// Overs as Cricsheet writes them: `20`, or `12.4` for 12 overs and 4 balls.
fn opt_overs<'de, D: Deserializer<'de>>(d: D) -> Result<Option<(u32, u32)>, D::Error> {
    d.deserialize_any(OversVisitor).map(Some)
}

struct OversVisitor;

impl Visitor<'_> for OversVisitor {
    type Value = (u32, u32);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number of overs (e.g. 20 or 12.4)")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(u32, u32), E> {
        CountVisitor.visit_u64(v).map(|o| (o, 0))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(u32, u32), E> {
        CountVisitor.visit_i64(v).map(|o| (o, 0))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(u32, u32), E> {
        // "12.4" means 12 overs and 4 balls; the ball digit is a single digit.
        let text = format!("{v}");
        let (whole, balls) = text.split_once('.').unwrap_or((&text, "0"));
        match (whole.parse::<u32>(), balls.parse::<u32>()) {
            (Ok(o), Ok(b)) if v >= 0.0 && balls.len() == 1 => Ok((o, b)),
            _ => Err(E::invalid_value(de::Unexpected::Float(v), &self)),
        }
    }
}
