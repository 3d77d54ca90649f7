//! Cricsheet replay: a Cricsheet JSON match file (data version 1.x, see
//! cricsheet.org/format/json) turned into the cricket [`Event`] sequence a
//! scorer would have produced live.
//!
//! The sequence is: [`Event::MatchStart`], [`Event::Toss`], then per innings
//! [`Event::InningsStart`] (target and overs allotted),
//! [`Event::TargetRevision`] for a rain-reduced chase, then per delivery any
//! [`Event::Replacement`]s recorded on it, a [`Event::BowlerChange`] at the
//! start of every over and whenever the bowler changes mid-over, and the
//! [`Event::Delivery`]; then [`Event::InningsEnd`] with a derived reason, and
//! finally [`Event::Result`].
//!
//! Mapping choices:
//! * `replacements.match` → `Replacement { team, player_in, player_out, reason }`
//!   with Cricsheet's reason (e.g. `concussion_substitute`, `impact_player`).
//! * `replacements.role` → `Replacement` for the fielding side (role
//!   `bowler`) or the batting side (any other role), reason `"<role>: <reason>"`
//!   (e.g. `bowler: injury`); when `out` is absent and the role is `bowler`,
//!   the player out is the bowler of the previous delivery of the over.
//! * A missing innings `target` is derived for a chase: the other side's
//!   total + 1, over the scheduled overs (1 for a super over).
//! * Retirements recorded as wickets on a delivery stay on the delivery.
//! * A tie settled by a super over or a bowl-out has `winner` and
//!   `eliminator` set to the side that went through.
//! * Innings-level `penalty_runs`, `miscounted_overs` and `absent_hurt`
//!   are not mapped (the event model has no place for them).
//!
//! Errors name the JSON path of the offending value, e.g.
//! `innings[1].overs[3].deliveries[2].runs.batter: invalid type: string "4", expected a non-negative integer`.

mod raw;

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;

use super::event::{
    Delivery, DismissalKind, Event, Extras, Fielder, Format, InningsEndReason, MatchInfo, MatchResult, Outcome, Target,
    TossDecision, Wicket,
};
use raw::{RawDelivery, RawInfo, RawInnings, RawMatch, RawOutcome, RawReplacements, VersionProbe};

/// Major data version this parser reads (1.0.0 and 1.1.0 are the published ones;
/// later 1.x versions only add fields, which are ignored).
pub const SUPPORTED_MAJOR_VERSION: &str = "1";

/// Outcome methods that are rain rules revising the chase target.
const RAIN_RULES: [&str; 4] = ["D/L", "DLS", "VJD", "DL"];

/// A parsed Cricsheet match.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    /// `meta.data_version` of the file.
    pub data_version: String,
    /// Cricsheet's `info.match_type`, e.g. `T20`, `IT20`, `ODI`.
    pub match_type: String,
    /// The static facts, as carried by the first event.
    pub info: MatchInfo,
    /// The result, as carried by the last event.
    pub result: MatchResult,
    /// Every event in order: `MatchStart` first, `Result` last.
    pub events: Vec<Event>,
}

impl Replay {
    /// The deliveries, in order.
    pub fn deliveries(&self) -> impl Iterator<Item = &Delivery> {
        self.events.iter().filter_map(|ev| match ev {
            Event::Delivery(d) => Some(d),
            _ => None,
        })
    }
}

/// Why a Cricsheet file could not be replayed. Every variant names where.
#[derive(Debug, thiserror::Error)]
pub enum CricsheetError {
    /// The file ends in the middle of the JSON document.
    #[error("truncated Cricsheet JSON: the file ends at line {line} column {column}, inside {path}")]
    Truncated { path: String, line: usize, column: usize },
    /// Not JSON at all at some point (bad token, trailing garbage).
    #[error("malformed Cricsheet JSON at line {line} column {column} (inside {path}): {message}")]
    Syntax { path: String, line: usize, column: usize, message: String },
    /// Valid JSON that does not have the Cricsheet shape: wrong type, missing field.
    #[error("{path}: {message} (line {line} column {column})")]
    Schema { path: String, message: String, line: usize, column: usize },
    /// Well-formed but inconsistent or unknown values.
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    /// `meta.data_version` is not one this parser reads.
    #[error("meta.data_version: unsupported Cricsheet data version {found:?} (supported: 1.x, i.e. 1.0.0 and 1.1.0)")]
    UnsupportedVersion { found: String },
    /// A match type with no limited-overs format here (Test, MDM...).
    #[error("info.match_type: unsupported match type {found:?} (supported: T20, IT20, ODI, ODM)")]
    UnsupportedMatchType { found: String },
}

impl CricsheetError {
    /// Stable short category for metrics labels.
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            CricsheetError::Truncated { .. } => "truncated",
            CricsheetError::Syntax { .. } => "syntax",
            CricsheetError::Schema { .. } => "schema",
            CricsheetError::Invalid { .. } => "invalid",
            CricsheetError::UnsupportedVersion { .. } => "unsupported_version",
            CricsheetError::UnsupportedMatchType { .. } => "unsupported_match_type",
        }
    }

    /// JSON path of the offending value (`.` for the document itself).
    #[must_use]
    pub fn path(&self) -> &str {
        match self {
            CricsheetError::Truncated { path, .. }
            | CricsheetError::Syntax { path, .. }
            | CricsheetError::Schema { path, .. }
            | CricsheetError::Invalid { path, .. } => path,
            CricsheetError::UnsupportedVersion { .. } => "meta.data_version",
            CricsheetError::UnsupportedMatchType { .. } => "info.match_type",
        }
    }

    fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        CricsheetError::Invalid { path: path.into(), message: message.into() }
    }
}

/// Parse a Cricsheet JSON match file into a replay.
///
/// # Errors
/// Truncated or malformed JSON, a value of the wrong type or a missing
/// required field, an unsupported data version or match type, or values
/// that contradict each other (see [`CricsheetError`]).
pub fn parse(bytes: &[u8]) -> Result<Replay, CricsheetError> {
    let raw: RawMatch = match from_slice(bytes) {
        Ok(raw) => raw,
        Err(err) => {
            // A well-formed file of an unknown version may have any shape:
            // report the version, not the first mismatch.
            if let Ok(probe) = from_slice::<VersionProbe>(bytes) {
                check_version(&probe.meta.data_version)?;
            }
            return Err(err);
        }
    };
    check_version(&raw.meta.data_version)?;
    Converter::new(&raw)?.run()
}

fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CricsheetError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        json_error(path, e.inner())
    })?;
    de.end().map_err(|e| json_error(".".into(), &e))?;
    Ok(value)
}

fn json_error(path: String, err: &serde_json::Error) -> CricsheetError {
    let (line, column) = (err.line(), err.column());
    // serde_json appends " at line L column C"; keep the bare message.
    let full = err.to_string();
    let message = full.strip_suffix(&format!(" at line {line} column {column}")).unwrap_or(&full).to_string();
    match err.classify() {
        serde_json::error::Category::Eof => CricsheetError::Truncated { path: known_part(&path), line, column },
        serde_json::error::Category::Syntax | serde_json::error::Category::Io => {
            CricsheetError::Syntax { path: known_part(&path), line, column, message }
        }
        serde_json::error::Category::Data => {
            // "missing field `x`" is raised on the enclosing object: point at the field.
            let missing =
                message.strip_prefix("missing field `").and_then(|rest| rest.strip_suffix('`')).map(str::to_string);
            match missing {
                Some(field) => {
                    let path = if path == "." { field } else { format!("{path}.{field}") };
                    CricsheetError::Schema { path, message: "missing required field".into(), line, column }
                }
                None => CricsheetError::Schema { path, message, line, column },
            }
        }
    }
}

/// The part of a path that names something: serde marks a key it had not
/// read yet with `?` (`innings[0].?`: inside `innings[0]`, between two
/// fields), so drop those; `?` alone is the document, `.`.
fn known_part(path: &str) -> String {
    let mut known = path;
    while let Some(rest) = known.strip_suffix(".?").or_else(|| known.strip_suffix('?')) {
        known = rest;
    }
    if known.is_empty() { ".".to_owned() } else { known.to_owned() }
}

fn check_version(version: &str) -> Result<(), CricsheetError> {
    let mut parts = version.split('.');
    let major = parts.next();
    let rest_numeric =
        parts.clone().count() >= 1 && parts.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if major == Some(SUPPORTED_MAJOR_VERSION) && rest_numeric {
        Ok(())
    } else {
        Err(CricsheetError::UnsupportedVersion { found: version.to_string() })
    }
}

/// Runs, wickets and balls of one innings as replayed so far.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    runs: u32,
    wickets: u32,
    legal_balls: u32,
}

/// Turns a typed file into events, checking consistency on the way.
struct Converter<'a> {
    raw: &'a RawMatch,
    format: Format,
    teams: [&'a str; 2],
    events: Vec<Event>,
    /// Totals of the innings replayed so far.
    tallies: Vec<Tally>,
}

impl<'a> Converter<'a> {
    fn new(raw: &'a RawMatch) -> Result<Self, CricsheetError> {
        let info = &raw.info;
        let format = match info.match_type.as_str() {
            "T20" | "IT20" => Format::T20,
            "ODI" | "ODM" => Format::Odi,
            other => return Err(CricsheetError::UnsupportedMatchType { found: other.to_string() }),
        };
        let teams = match info.teams.as_slice() {
            [a, b] if a != b => [a.as_str(), b.as_str()],
            [_, _] => return Err(CricsheetError::invalid("info.teams", "the two teams have the same name")),
            other => {
                return Err(CricsheetError::invalid("info.teams", format!("expected 2 teams, found {}", other.len())));
            }
        };
        if info.balls_per_over == 0 {
            return Err(CricsheetError::invalid("info.balls_per_over", "must be at least 1"));
        }
        if info.overs == Some(0) {
            return Err(CricsheetError::invalid("info.overs", "must be at least 1"));
        }
        Ok(Converter { raw, format, teams, events: Vec::new(), tallies: Vec::new() })
    }

    fn info(&self) -> &'a RawInfo {
        &self.raw.info
    }

    fn check_team(&self, path: &str, name: &str) -> Result<(), CricsheetError> {
        if self.teams.contains(&name) {
            Ok(())
        } else {
            Err(CricsheetError::invalid(
                path,
                format!("{name:?} is not one of info.teams ({:?}, {:?})", self.teams[0], self.teams[1]),
            ))
        }
    }

    fn other_team(&self, team: &str) -> &'a str {
        if team == self.teams[0] { self.teams[1] } else { self.teams[0] }
    }

    fn run(mut self) -> Result<Replay, CricsheetError> {
        let info = self.match_info()?;
        self.events.push(Event::MatchStart(info.clone()));
        if let Some(toss) = &self.info().toss {
            self.check_team("info.toss.winner", &toss.winner)?;
            let decision = match toss.decision.as_str() {
                "bat" => TossDecision::Bat,
                "field" => TossDecision::Field,
                other => {
                    return Err(CricsheetError::invalid(
                        "info.toss.decision",
                        format!("expected \"bat\" or \"field\", found {other:?}"),
                    ));
                }
            };
            self.events.push(Event::Toss { winner: toss.winner.clone(), decision });
        }
        let result = self.result()?;
        let raw = self.raw;
        for (i, innings) in raw.innings.iter().enumerate() {
            self.innings(i, innings, result.method.as_deref())?;
        }
        self.events.push(Event::Result(result.clone()));
        Ok(Replay {
            data_version: self.raw.meta.data_version.clone(),
            match_type: self.info().match_type.clone(),
            info,
            result,
            events: self.events,
        })
    }

    fn match_info(&self) -> Result<MatchInfo, CricsheetError> {
        let info = self.info();
        for name in info.players.keys() {
            self.check_team(&format!("info.players.{name}"), name)?;
        }
        let squads = self.teams.iter().map(|team| match info.players.get(*team) {
            Some(players) => players.clone(),
            None => self.squad_from_deliveries(team),
        });
        let title = info.event.as_ref().and_then(|ev| {
            let name = ev.name.as_deref()?;
            let detail = match (&ev.stage, &ev.match_number) {
                (Some(stage), _) => format!(", {stage}"),
                (None, Some(serde_json::Value::Number(n))) => format!(", match {n}"),
                (None, Some(serde_json::Value::String(s))) => format!(", match {s}"),
                _ => String::new(),
            };
            Some(format!("{name}{detail}: {} v {}", self.teams[0], self.teams[1]))
        });
        let venue = match (&info.venue, &info.city) {
            (Some(v), Some(c)) if !v.contains(c.as_str()) => Some(format!("{v}, {c}")),
            (Some(v), _) => Some(v.clone()),
            (None, c) => c.clone(),
        };
        Ok(MatchInfo {
            format: self.format,
            teams: self.teams.iter().map(|t| (*t).to_string()).collect(),
            squads: squads.collect(),
            title: title.or_else(|| Some(format!("{} v {}", self.teams[0], self.teams[1]))),
            venue,
            date: info.dates.first().cloned(),
            balls_per_over: info.balls_per_over,
        })
    }

    /// A squad for files without `info.players`: everyone seen playing for `team`.
    fn squad_from_deliveries(&self, team: &str) -> Vec<String> {
        let mut seen = BTreeSet::new();
        let mut squad = Vec::new();
        let mut add = |name: &str| {
            if seen.insert(name.to_string()) {
                squad.push(name.to_string());
            }
        };
        for innings in &self.raw.innings {
            let batting = innings.team == team;
            for d in innings.overs.iter().flat_map(|o| &o.deliveries) {
                if batting {
                    add(&d.batter);
                    add(&d.non_striker);
                } else {
                    add(&d.bowler);
                    for f in d.wickets.iter().flat_map(|w| &w.fielders) {
                        if let (Some(name), false) = (&f.name, f.substitute) {
                            add(name);
                        }
                    }
                }
            }
        }
        squad
    }

    fn result(&self) -> Result<MatchResult, CricsheetError> {
        let outcome: &RawOutcome = &self.info().outcome;
        let method = outcome.method.clone();
        let mut result = MatchResult {
            outcome: Outcome::Win,
            winner: None,
            by_runs: None,
            by_wickets: None,
            method,
            eliminator: None,
        };
        match (&outcome.result, &outcome.winner) {
            (Some(kind), _) => {
                result.outcome = match kind.as_str() {
                    "tie" => Outcome::Tie,
                    "no result" => Outcome::NoResult,
                    "draw" => Outcome::Draw,
                    "abandoned" => Outcome::Abandoned,
                    other => {
                        return Err(CricsheetError::invalid(
                            "info.outcome.result",
                            format!("unknown result {other:?} (expected \"tie\", \"no result\" or \"draw\")"),
                        ));
                    }
                };
                let through = match (&outcome.eliminator, &outcome.bowl_out) {
                    (Some(team), _) => Some(("info.outcome.eliminator", team)),
                    (None, Some(team)) => Some(("info.outcome.bowl_out", team)),
                    (None, None) => None,
                };
                if let Some((path, team)) = through {
                    self.check_team(path, team)?;
                    result.winner = Some(team.clone());
                    result.eliminator = Some(team.clone());
                }
            }
            (None, Some(winner)) => {
                self.check_team("info.outcome.winner", winner)?;
                result.winner = Some(winner.clone());
                if let Some(by) = &outcome.by {
                    result.by_runs = by.runs;
                    result.by_wickets = by.wickets;
                }
            }
            (None, None) => {
                return Err(CricsheetError::invalid("info.outcome", "expected a winner or a result"));
            }
        }
        Ok(result)
    }

    /// The target of innings `i` and the balls it may last.
    fn target(&self, i: usize, innings: &RawInnings) -> Option<(Target, Option<u32>)> {
        let bpo = self.info().balls_per_over;
        if let Some(t) = &innings.target {
            let (overs, balls) = t.overs.unwrap_or((0, 0));
            let limit = t.overs.map(|_| overs.saturating_mul(bpo).saturating_add(balls));
            let overs = t.overs.map(|_| overs + u32::from(balls > 0));
            return Some((Target { runs: t.runs, overs }, limit));
        }
        // Derive the chase target: second innings of the match, or second
        // innings of a super-over pair.
        let supers_before = self.raw.innings[..i].iter().filter(|inn| inn.super_over).count();
        let chase = if innings.super_over { supers_before % 2 == 1 } else { i == 1 };
        if !chase {
            return None;
        }
        let first = self.tallies.get(i - 1)?;
        let overs = if innings.super_over { Some(1) } else { self.info().overs };
        Some((Target { runs: first.runs.saturating_add(1), overs }, overs.map(|o| o.saturating_mul(bpo))))
    }

    fn innings(&mut self, i: usize, innings: &'a RawInnings, method: Option<&str>) -> Result<(), CricsheetError> {
        let path = format!("innings[{i}]");
        self.check_team(&format!("{path}.team"), &innings.team)?;
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let bpo = self.info().balls_per_over;
        let target = self.target(i, innings);
        let scheduled = if innings.super_over { Some(1) } else { self.info().overs };
        let max_balls = match &target {
            Some((_, Some(balls))) => Some(*balls),
            _ => scheduled.map(|o| o.saturating_mul(bpo)),
        };
        let max_overs = max_balls.map(|b| b.div_ceil(bpo));
        let first = innings.overs.iter().flat_map(|o| &o.deliveries).next();
        self.events.push(Event::InningsStart {
            number,
            batting: innings.team.clone(),
            bowling: self.other_team(&innings.team).to_string(),
            super_over: innings.super_over,
            target: target.map(|(t, _)| t),
            max_overs,
            openers: first.map(|d| vec![d.batter.clone(), d.non_striker.clone()]).unwrap_or_default(),
        });
        // A rain rule that cut the chase short: the target was revised.
        if let (Some((t, Some(balls))), Some(method)) = (&target, method) {
            let rain = RAIN_RULES.iter().any(|m| m.eq_ignore_ascii_case(method));
            let reduced = self.info().overs.is_some_and(|sched| *balls < sched.saturating_mul(bpo));
            if let (true, false, true, Some(overs)) = (rain, innings.super_over, reduced, t.overs) {
                self.events.push(Event::TargetRevision { runs: t.runs, overs, method: method.to_string() });
            }
        }

        let mut tally = Tally::default();
        let mut last_over = None;
        for (j, over) in innings.overs.iter().enumerate() {
            let over_path = format!("{path}.overs[{j}]");
            if let Some(prev) = last_over.filter(|prev| over.over <= *prev) {
                return Err(CricsheetError::invalid(
                    format!("{over_path}.over"),
                    format!("over {} does not follow over {prev}", over.over),
                ));
            }
            last_over = Some(over.over);
            let mut bowler: Option<&str> = None;
            for (k, d) in over.deliveries.iter().enumerate() {
                let dpath = format!("{over_path}.deliveries[{k}]");
                if let Some(reps) = &d.replacements {
                    self.replacements(&dpath, innings, d, bowler, reps)?;
                }
                if bowler != Some(d.bowler.as_str()) {
                    self.events.push(Event::BowlerChange { over: over.over, bowler: d.bowler.clone() });
                    bowler = Some(&d.bowler);
                }
                let ball = u32::try_from(k + 1).unwrap_or(u32::MAX);
                let delivery = delivery(&dpath, over.over, ball, d)?;
                tally.runs = tally.runs.saturating_add(delivery.total_runs());
                let fell = delivery.wickets.iter().filter(|w| w.kind.counts_as_wicket()).count();
                tally.wickets = tally.wickets.saturating_add(u32::try_from(fell).unwrap_or(u32::MAX));
                tally.legal_balls = tally.legal_balls.saturating_add(u32::from(delivery.is_legal()));
                self.events.push(Event::Delivery(delivery));
            }
        }

        let all_out = if innings.super_over { 2 } else { 10 };
        let reason = match (&target, max_balls) {
            (Some((t, _)), _) if tally.runs >= t.runs => InningsEndReason::TargetReached,
            _ if tally.wickets >= all_out => InningsEndReason::AllOut,
            _ if innings.declared => InningsEndReason::Declared,
            (_, Some(max)) if tally.legal_balls >= max => InningsEndReason::OversComplete,
            _ => InningsEndReason::Interrupted,
        };
        self.events.push(Event::InningsEnd { number, reason });
        self.tallies.push(tally);
        Ok(())
    }

    fn replacements(
        &mut self,
        path: &str,
        innings: &RawInnings,
        d: &RawDelivery,
        prev_bowler: Option<&str>,
        reps: &RawReplacements,
    ) -> Result<(), CricsheetError> {
        for (r, rep) in reps.whole_match.iter().enumerate() {
            self.check_team(&format!("{path}.replacements.match[{r}].team"), &rep.team)?;
            self.events.push(Event::Replacement {
                team: rep.team.clone(),
                player_in: rep.player_in.clone(),
                player_out: rep.player_out.clone(),
                reason: rep.reason.clone(),
            });
        }
        for rep in &reps.role {
            let bowling = rep.role == "bowler";
            let team = if bowling { self.other_team(&innings.team) } else { innings.team.as_str() };
            let player_out = rep.player_out.clone().or_else(|| {
                prev_bowler.filter(|b| bowling && *b != rep.player_in && d.bowler == rep.player_in).map(str::to_string)
            });
            let reason = match &rep.reason {
                Some(reason) => format!("{}: {reason}", rep.role),
                None => rep.role.clone(),
            };
            self.events.push(Event::Replacement {
                team: team.to_string(),
                player_in: rep.player_in.clone(),
                player_out,
                reason: Some(reason),
            });
        }
        Ok(())
    }
}

/// One delivery, checked: the runs must add up and the dismissal kinds be known.
fn delivery(path: &str, over: u32, ball: u32, d: &RawDelivery) -> Result<Delivery, CricsheetError> {
    let extras_sum = d.extras.total();
    if extras_sum != u64::from(d.runs.extras) {
        return Err(CricsheetError::invalid(
            format!("{path}.runs.extras"),
            format!("{} does not match the extras by kind, which add up to {extras_sum}", d.runs.extras),
        ));
    }
    if u64::from(d.runs.batter) + u64::from(d.runs.extras) != u64::from(d.runs.total) {
        return Err(CricsheetError::invalid(
            format!("{path}.runs.total"),
            format!("{} is not batter {} + extras {}", d.runs.total, d.runs.batter, d.runs.extras),
        ));
    }
    let wickets = d
        .wickets
        .iter()
        .enumerate()
        .map(|(w, wk)| {
            let kind = DismissalKind::from_cricsheet(&wk.kind).ok_or_else(|| {
                CricsheetError::invalid(
                    format!("{path}.wickets[{w}].kind"),
                    format!("unknown dismissal kind {:?}", wk.kind),
                )
            })?;
            let fielders = wk
                .fielders
                .iter()
                .map(|f| Fielder {
                    name: f.name.clone().unwrap_or_else(|| "unknown".to_string()),
                    substitute: f.substitute,
                })
                .collect();
            Ok(Wicket { kind, player_out: wk.player_out.clone(), fielders })
        })
        .collect::<Result<Vec<_>, CricsheetError>>()?;
    Ok(Delivery {
        over,
        ball,
        batter: d.batter.clone(),
        non_striker: d.non_striker.clone(),
        bowler: d.bowler.clone(),
        runs_batter: d.runs.batter,
        extras: Extras {
            wides: d.extras.wides,
            noballs: d.extras.noballs,
            byes: d.extras.byes,
            legbyes: d.extras.legbyes,
            penalty: d.extras.penalty,
        },
        non_boundary: d.runs.non_boundary,
        wickets,
        commentary: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(check_version("1.0.0").is_ok());
        assert!(check_version("1.1.0").is_ok());
        for bad in ["2.0.0", "0.9", "1", "1.", "one", "", "1.x.0"] {
            assert!(check_version(bad).is_err(), "{bad:?} accepted");
        }
    }
}
