//! Scorecard rows of one innings and their JSON views.
//!
//! The JSON of each row is built by the functions here, both for the full
//! snapshot and for the patch ops, so the two can never disagree.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::event::{DismissalKind, Extras, InningsEndReason};
use super::text::{obj, overs_text, per_over, strike_rate};

/// Where a batter's innings stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BatState {
    /// At the crease (or was, and the innings ended): "not out".
    Batting,
    /// Dismissed (including retired out): the scorecard text, e.g. "c Smith b Lee".
    Out { kind: DismissalKind, dismissal: String },
    /// Retired hurt or retired not out: may come back later in the innings.
    Retired { kind: DismissalKind },
}

/// One batter's line, in order of coming in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatterRow {
    pub name: String,
    pub runs: u32,
    /// Balls faced: legal balls and no-balls, not wides.
    pub balls: u32,
    pub fours: u32,
    pub sixes: u32,
    pub state: BatState,
}

impl BatterRow {
    pub(crate) fn new(name: &str) -> Self {
        BatterRow { name: name.to_string(), runs: 0, balls: 0, fours: 0, sixes: 0, state: BatState::Batting }
    }

    /// Dismissed (a wicket for the batting side; retired hurt / not out are not).
    #[must_use]
    pub fn is_out(&self) -> bool {
        matches!(self.state, BatState::Out { .. })
    }

    /// The scorecard's dismissal column.
    #[must_use]
    pub fn dismissal(&self) -> &str {
        match &self.state {
            BatState::Batting => "not out",
            BatState::Out { dismissal, .. } => dismissal,
            BatState::Retired { kind: DismissalKind::RetiredHurt } => "retired hurt",
            BatState::Retired { .. } => "retired not out",
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        obj!(
            "name" => self.name.as_str(),
            "runs" => self.runs,
            "balls" => self.balls,
            "fours" => self.fours,
            "sixes" => self.sixes,
            "strike_rate" => strike_rate(self.runs, self.balls),
            "out" => self.is_out(),
            "dismissal" => self.dismissal(),
        )
    }
}

/// One bowler's figures, in order of first bowling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BowlerRow {
    pub name: String,
    pub legal_balls: u32,
    pub maidens: u32,
    /// Runs conceded: off the bat, wides and no-balls (not byes, leg-byes or penalties).
    pub runs: u32,
    /// Wickets credited to the bowler (bowled, caught, c&b, lbw, stumped, hit wicket).
    pub wickets: u32,
    /// Wide deliveries bowled (deliveries, not runs).
    pub wides: u32,
    /// No-balls bowled (deliveries, not runs).
    pub noballs: u32,
}

impl BowlerRow {
    pub(crate) fn new(name: &str) -> Self {
        BowlerRow { name: name.to_string(), legal_balls: 0, maidens: 0, runs: 0, wickets: 0, wides: 0, noballs: 0 }
    }

    pub(crate) fn to_json(&self, bpo: u32) -> Value {
        obj!(
            "name" => self.name.as_str(),
            "legal_balls" => self.legal_balls,
            "overs" => overs_text(self.legal_balls, bpo),
            "maidens" => self.maidens,
            "runs" => self.runs,
            "wickets" => self.wickets,
            "economy" => per_over(self.runs, self.legal_balls, bpo),
            "wides" => self.wides,
            "noballs" => self.noballs,
        )
    }
}

/// A fall of wicket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fow {
    /// Wicket number (1-based).
    pub wicket: u32,
    /// Team score when it fell.
    pub runs: u32,
    pub player: String,
    /// Over and ball, e.g. "14.3".
    pub over: String,
}

impl Fow {
    pub(crate) fn to_json(&self) -> Value {
        obj!("wicket" => self.wicket, "runs" => self.runs, "player" => self.player.as_str(), "over" => self.over.as_str())
    }
}

/// A partnership between two batters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partnership {
    /// For which wicket (1 = opening stand).
    pub wicket: u32,
    pub batter1: String,
    pub batter2: String,
    /// Team runs while together (extras included).
    pub runs: u32,
    /// Balls faced while together (no-balls count, wides do not).
    pub balls: u32,
    pub batter1_runs: u32,
    pub batter2_runs: u32,
    /// Still together.
    pub open: bool,
}

impl Partnership {
    pub(crate) fn is_pair(&self, a: &str, b: &str) -> bool {
        (self.batter1 == a && self.batter2 == b) || (self.batter1 == b && self.batter2 == a)
    }

    pub(crate) fn to_json(&self) -> Value {
        obj!(
            "wicket" => self.wicket,
            "batter1" => self.batter1.as_str(),
            "batter2" => self.batter2.as_str(),
            "runs" => self.runs,
            "balls" => self.balls,
            "batter1_runs" => self.batter1_runs,
            "batter2_runs" => self.batter2_runs,
            "open" => self.open,
        )
    }
}

/// One over, for worm and Manhattan charts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverSummary {
    /// 0-based over number (shown 1-based in JSON).
    pub over: u32,
    /// First bowler of the over.
    pub bowler: String,
    /// More than one bowler bowled in this over.
    pub shared: bool,
    /// Team runs in the over (extras included).
    pub runs: u32,
    pub wickets: u32,
    /// Team total at the end of the over (so far).
    pub cumulative: u32,
    pub legal_balls: u32,
    /// Runs charged to the bowler(s) in this over (for maidens).
    pub bowler_runs: u32,
}

impl OverSummary {
    pub(crate) fn to_json(&self) -> Value {
        obj!(
            "over" => self.over + 1,
            "bowler" => self.bowler.as_str(),
            "runs" => self.runs,
            "wickets" => self.wickets,
            "cumulative" => self.cumulative,
            "legal_balls" => self.legal_balls,
        )
    }
}

/// One innings (super-over innings included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Innings {
    /// 1-based, counting super-over innings.
    pub number: u32,
    pub team: String,
    pub bowling_team: String,
    pub super_over: bool,
    /// Overs allotted.
    pub max_overs: u32,
    /// Runs needed to win, when chasing.
    pub target: Option<u32>,
    /// Overs available for the target.
    pub target_overs: Option<u32>,
    /// Rain rule that revised the target ("D/L").
    pub method: Option<String>,
    pub runs: u32,
    pub wickets: u32,
    pub legal_balls: u32,
    pub extras: Extras,
    pub batting: Vec<BatterRow>,
    pub bowling: Vec<BowlerRow>,
    pub fow: Vec<Fow>,
    pub partnerships: Vec<Partnership>,
    pub overs: Vec<OverSummary>,
    pub closed: bool,
    pub end_reason: Option<InningsEndReason>,
}

/// Names of the innings header fields that can change after the innings starts.
pub(crate) const HEADER_KEYS: [&str; 13] = [
    "runs",
    "wickets",
    "legal_balls",
    "overs",
    "extras",
    "run_rate",
    "target",
    "target_overs",
    "max_overs",
    "required_rate",
    "method",
    "closed",
    "end_reason",
];

impl Innings {
    pub(crate) fn batter_index(&self, name: &str) -> Option<usize> {
        self.batting.iter().position(|b| b.name == name)
    }

    pub(crate) fn bowler_index(&self, name: &str) -> Option<usize> {
        self.bowling.iter().position(|b| b.name == name)
    }

    /// Balls left for the target (None when not chasing).
    #[must_use]
    pub fn balls_left(&self, bpo: u32) -> Option<u32> {
        let overs = self.target_overs.or(self.target.map(|_| self.max_overs))?;
        Some((overs * bpo).saturating_sub(self.legal_balls))
    }

    /// Runs still needed (None when not chasing).
    #[must_use]
    pub fn runs_needed(&self) -> Option<u32> {
        self.target.map(|t| t.saturating_sub(self.runs))
    }

    pub(crate) fn required_rate(&self, bpo: u32) -> Option<f64> {
        let need = self.runs_needed()?;
        let left = self.balls_left(bpo)?;
        (left > 0).then(|| per_over(need, left, bpo))
    }

    /// The header fields that can change, as plain values (cheap to compare).
    pub(crate) fn header(&self, bpo: u32) -> Header {
        Header {
            runs: self.runs,
            wickets: self.wickets,
            legal_balls: self.legal_balls,
            extras: self.extras,
            run_rate: per_over(self.runs, self.legal_balls, bpo),
            target: self.target,
            target_overs: self.target_overs,
            max_overs: self.max_overs,
            required_rate: self.required_rate(bpo),
            method: self.method.clone(),
            closed: self.closed,
            end_reason: self.end_reason,
        }
    }

    pub(crate) fn to_json(&self, bpo: u32) -> Value {
        let mut m = serde_json::Map::new();
        m.insert("number".into(), self.number.into());
        m.insert("team".into(), self.team.clone().into());
        m.insert("bowling_team".into(), self.bowling_team.clone().into());
        m.insert("super_over".into(), self.super_over.into());
        let h = self.header(bpo);
        for (k, key) in HEADER_KEYS.iter().enumerate() {
            m.insert((*key).into(), h.value(k, bpo));
        }
        m.insert("batting".into(), self.batting.iter().map(BatterRow::to_json).collect());
        m.insert("bowling".into(), self.bowling.iter().map(|b| b.to_json(bpo)).collect());
        m.insert("fow".into(), self.fow.iter().map(Fow::to_json).collect());
        m.insert("partnerships".into(), self.partnerships.iter().map(Partnership::to_json).collect());
        m.insert("overs_detail".into(), self.overs.iter().map(OverSummary::to_json).collect());
        Value::Object(m)
    }
}

/// The changing header fields of an innings, in plain values: compared
/// before and after each event so only changed fields become patch ops.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Header {
    pub(crate) runs: u32,
    pub(crate) wickets: u32,
    pub(crate) legal_balls: u32,
    pub(crate) extras: Extras,
    pub(crate) run_rate: f64,
    pub(crate) target: Option<u32>,
    pub(crate) target_overs: Option<u32>,
    pub(crate) max_overs: u32,
    pub(crate) required_rate: Option<f64>,
    pub(crate) method: Option<String>,
    pub(crate) closed: bool,
    pub(crate) end_reason: Option<InningsEndReason>,
}

impl Header {
    /// Whether field `k` (index into [`HEADER_KEYS`]) is the same in both.
    pub(crate) fn same(&self, o: &Header, k: usize) -> bool {
        match k {
            0 => self.runs == o.runs,
            1 => self.wickets == o.wickets,
            2 | 3 => self.legal_balls == o.legal_balls,
            4 => self.extras == o.extras,
            5 => self.run_rate.to_bits() == o.run_rate.to_bits(),
            6 => self.target == o.target,
            7 => self.target_overs == o.target_overs,
            8 => self.max_overs == o.max_overs,
            9 => self.required_rate.map(f64::to_bits) == o.required_rate.map(f64::to_bits),
            10 => self.method == o.method,
            11 => self.closed == o.closed,
            _ => self.end_reason == o.end_reason,
        }
    }

    /// The JSON of field `k` (index into [`HEADER_KEYS`]).
    pub(crate) fn value(&self, k: usize, bpo: u32) -> Value {
        match k {
            0 => self.runs.into(),
            1 => self.wickets.into(),
            2 => self.legal_balls.into(),
            3 => overs_text(self.legal_balls, bpo).into(),
            4 => {
                let e = &self.extras;
                obj!(
                    "wides" => e.wides, "noballs" => e.noballs, "byes" => e.byes,
                    "legbyes" => e.legbyes, "penalty" => e.penalty, "total" => e.total(),
                )
            }
            5 => self.run_rate.into(),
            6 => self.target.into(),
            7 => self.target_overs.into(),
            8 => self.max_overs.into(),
            9 => self.required_rate.into(),
            10 => self.method.clone().into(),
            11 => self.closed.into(),
            _ => self.end_reason.map(end_reason_str).into(),
        }
    }
}

/// JSON spelling of an innings end reason.
#[must_use]
pub fn end_reason_str(r: InningsEndReason) -> &'static str {
    match r {
        InningsEndReason::AllOut => "all_out",
        InningsEndReason::OversComplete => "overs_complete",
        InningsEndReason::TargetReached => "target_reached",
        InningsEndReason::Declared => "declared",
        InningsEndReason::Interrupted => "interrupted",
    }
}
