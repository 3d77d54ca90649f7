//! The cricket state machine: folds [`Event`]s into a full scorecard.
//!
//! [`State::apply`] validates an event first (see [`super::rules`]), then
//! folds it and returns the JSON Patch that turns the previous
//! [`State::snapshot`] into the new one (see [`super::delta`]).
//!
//! Decisions worth knowing:
//! * Status: `scheduled` until the first `innings_start`, then `live`;
//!   `completed` after the result, except `abandoned` for
//!   [`Outcome::Abandoned`] and for a no-result with no ball bowled
//!   (a no-result after play is `completed`, result "No result").
//! * Strike: after a delivery the striker is the delivery's batter, swapped
//!   when an odd number of runs was run (runs off the bat unless a boundary,
//!   byes, leg-byes, wides beyond the first), then a batter out leaves the
//!   crease (their end is empty until the next delivery names the new
//!   batter), then the ends swap at the end of the over.
//! * A tie settled by a super over: `winner` is the team that won it.

use serde::{Deserialize, Serialize};

use super::commentary;
use super::delta::{Before, Touched};
use super::dismissal::dismissal_text;
use super::event::{
    Delivery, DismissalKind, Event, Format, InningsEndReason, MatchInfo, MatchResult, Outcome, RetirementKind, Target,
    TossDecision, Wicket,
};
use super::rules::RuleError;
use super::scorecard::{BatState, BatterRow, BowlerRow, Fow, Innings, OverSummary, Partnership};
use super::text::{overs_text, plural};
use crate::engine::Status;
use crate::patch_json::Patch;

/// How many recent ball chips `current.recent` keeps.
pub const RECENT_BALLS: usize = 12;

/// Static facts from `match_start`, plus replacements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Info {
    pub format: Format,
    pub teams: Vec<String>,
    pub squads: Vec<Vec<String>>,
    pub title: Option<String>,
    pub venue: Option<String>,
    pub date: Option<String>,
    pub balls_per_over: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Toss {
    pub winner: String,
    pub decision: TossDecision,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Revision {
    pub runs: u32,
    pub overs: u32,
    pub method: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Finished {
    pub outcome: Outcome,
    pub text: String,
    pub winner: Option<String>,
    pub status: Status,
}

/// Who is where right now, and the latest balls.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Crease {
    pub striker: Option<String>,
    pub non_striker: Option<String>,
    pub bowler: Option<String>,
    /// Chips of the last [`RECENT_BALLS`] deliveries of this innings, oldest first.
    pub recent: Vec<String>,
    /// Chips of the over in progress (or just completed).
    pub this_over: Vec<String>,
}

/// One commentary entry (deliveries and other events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Comment {
    pub seq: u64,
    pub ts: i64,
    pub innings: Option<usize>,
    pub over: Option<String>,
    pub text: String,
    pub chip: Option<String>,
    pub runs: u32,
    pub wicket: bool,
    pub kind: CommentKind,
}

/// What a commentary entry is about (its `kind` in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CommentKind {
    MatchStart,
    Toss,
    InningsStart,
    BowlerChange,
    Delivery,
    Retirement,
    Replacement,
    TargetRevision,
    InningsEnd,
    Result,
}

impl CommentKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CommentKind::MatchStart => "match_start",
            CommentKind::Toss => "toss",
            CommentKind::InningsStart => "innings_start",
            CommentKind::BowlerChange => "bowler_change",
            CommentKind::Delivery => "delivery",
            CommentKind::Retirement => "retirement",
            CommentKind::Replacement => "replacement",
            CommentKind::TargetRevision => "target_revision",
            CommentKind::InningsEnd => "innings_end",
            CommentKind::Result => "result",
        }
    }
}

/// The state of one cricket match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub(crate) info: Option<Info>,
    pub(crate) toss: Option<Toss>,
    pub(crate) innings: Vec<Innings>,
    /// A target revision waiting for the innings it applies to.
    pub(crate) pending_target: Option<Revision>,
    pub(crate) result: Option<Finished>,
    pub(crate) crease: Crease,
    pub(crate) commentary: Vec<Comment>,
}

impl State {
    /// Apply one event; returns the patch from the old snapshot to the new
    /// one, as JSON text.
    ///
    /// # Errors
    /// The event breaks the laws or does not fit the match so far; the state
    /// is unchanged.
    pub fn apply(&mut self, ev: &Event, seq: u64, ts: i64) -> Result<Patch, RuleError> {
        self.validate(ev)?;
        let before = Before::capture(self);
        let mut t = Touched::default();
        self.fold(ev, seq, ts, &mut t);
        Ok(self.patch(&before, &t))
    }

    /// Status of the match (see the module docs).
    #[must_use]
    pub fn status(&self) -> Status {
        match (&self.result, self.innings.is_empty()) {
            (Some(r), _) => r.status,
            (None, true) => Status::Scheduled,
            (None, false) => Status::Live,
        }
    }

    /// The two teams (empty before `match_start`).
    #[must_use]
    pub fn teams(&self) -> Vec<String> {
        self.info.as_ref().map(|i| i.teams.clone()).unwrap_or_default()
    }

    /// "Gujarat Titans won by 7 wickets (11 balls left)", once finished.
    #[must_use]
    pub fn result_text(&self) -> Option<String> {
        self.result.as_ref().map(|r| r.text.clone())
    }

    /// Every innings so far, super overs included.
    #[must_use]
    pub fn innings(&self) -> &[Innings] {
        &self.innings
    }

    /// Balls per over (6 unless the match said otherwise).
    #[must_use]
    pub fn balls_per_over(&self) -> u32 {
        self.info.as_ref().map_or(6, |i| i.balls_per_over.max(1))
    }

    /// The match format (None before `match_start`).
    #[must_use]
    pub fn format(&self) -> Option<Format> {
        self.info.as_ref().map(|i| i.format)
    }

    /// Batter expected on strike for the next ball (None after a wicket until the next ball names one).
    #[must_use]
    pub fn striker(&self) -> Option<&str> {
        self.crease.striker.as_deref()
    }

    /// Batter expected at the non-striker's end.
    #[must_use]
    pub fn non_striker(&self) -> Option<&str> {
        self.crease.non_striker.as_deref()
    }

    /// The bowler of the latest ball or bowler change.
    #[must_use]
    pub fn bowler(&self) -> Option<&str> {
        self.crease.bowler.as_deref()
    }

    /// A `match_start` was applied.
    #[must_use]
    pub fn started(&self) -> bool {
        self.info.is_some()
    }

    fn comment(&mut self, seq: u64, ts: i64, kind: CommentKind, text: String) {
        let innings = self.innings.len().checked_sub(1);
        self.commentary.push(Comment { seq, ts, innings, over: None, text, chip: None, runs: 0, wicket: false, kind });
    }

    pub(crate) fn fold(&mut self, ev: &Event, seq: u64, ts: i64, t: &mut Touched) {
        match ev {
            Event::MatchStart(info) => self.fold_match_start(info, seq, ts, t),
            Event::Toss { winner, decision } => {
                self.toss = Some(Toss { winner: winner.clone(), decision: *decision });
                let text = toss_text(winner, *decision);
                self.comment(seq, ts, CommentKind::Toss, text);
            }
            Event::InningsStart { number, batting, bowling, super_over, target, max_overs, openers } => {
                let start = InningsStart {
                    number: *number,
                    batting,
                    bowling,
                    super_over: *super_over,
                    target: *target,
                    max_overs: *max_overs,
                    openers,
                };
                self.fold_innings_start(&start, seq, ts, t);
            }
            Event::BowlerChange { over, bowler } => {
                let mid_over = self
                    .innings
                    .last()
                    .and_then(|i| i.overs.last())
                    .is_some_and(|o| o.over == *over && o.legal_balls > 0 && o.legal_balls < self.balls_per_over());
                self.crease.bowler = Some(bowler.clone());
                let text = if mid_over {
                    format!("{bowler} to complete over {}", over + 1)
                } else {
                    format!("{bowler} to bowl over {}", over + 1)
                };
                self.comment(seq, ts, CommentKind::BowlerChange, text);
            }
            Event::Delivery(d) => self.fold_delivery(d, seq, ts, t),
            Event::Retirement { batter, kind } => self.fold_retirement(batter, *kind, seq, ts, t),
            Event::Replacement { team, player_in, player_out, reason } => {
                if let Some(info) = &mut self.info
                    && let Some(ti) = info.teams.iter().position(|x| x == team)
                    && let Some(squad) = info.squads.get_mut(ti)
                {
                    match player_out.as_ref().and_then(|o| squad.iter().position(|p| p == o)) {
                        Some(k) => squad[k].clone_from(player_in),
                        None => squad.push(player_in.clone()),
                    }
                    t.squads.push(ti);
                }
                let mut text = match player_out {
                    Some(out) => format!("{player_in} replaces {out} ({team})"),
                    None => format!("{player_in} comes into the {team} side"),
                };
                if let Some(r) = reason {
                    text.push_str(&format!(": {r}"));
                }
                self.comment(seq, ts, CommentKind::Replacement, text);
            }
            Event::TargetRevision { runs, overs, method } => {
                let rev = Revision { runs: *runs, overs: *overs, method: method.clone() };
                match self.innings.last_mut() {
                    Some(inn) if !inn.closed && inn.target.is_some() => {
                        apply_revision(inn, &rev);
                    }
                    _ => self.pending_target = Some(rev),
                }
                let text =
                    format!("Target revised ({method}): {} from {}", plural(*runs, "run"), plural(*overs, "over"));
                self.comment(seq, ts, CommentKind::TargetRevision, text);
            }
            Event::InningsEnd { reason, .. } => {
                let bpo = self.balls_per_over();
                if let Some(inn) = self.innings.last_mut() {
                    inn.closed = true;
                    inn.end_reason = Some(*reason);
                    if let Some(p) = inn.partnerships.last_mut().filter(|p| p.open) {
                        p.open = false;
                        t.partnerships.push(inn.partnerships.len() - 1);
                    }
                    let why = match reason {
                        InningsEndReason::AllOut => "all out",
                        InningsEndReason::OversComplete => "overs complete",
                        InningsEndReason::TargetReached => "target reached",
                        InningsEndReason::Declared => "declared",
                        InningsEndReason::Interrupted => "interrupted",
                    };
                    let text = format!(
                        "End of innings: {} {}/{} ({} ov), {why}",
                        inn.team,
                        inn.runs,
                        inn.wickets,
                        overs_text(inn.legal_balls, bpo)
                    );
                    self.comment(seq, ts, CommentKind::InningsEnd, text);
                }
            }
            Event::Result(r) => self.fold_result(r, seq, ts, t),
        }
    }

    fn fold_match_start(&mut self, info: &MatchInfo, seq: u64, ts: i64, t: &mut Touched) {
        let mut squads = info.squads.clone();
        squads.resize(2, Vec::new());
        squads.truncate(2);
        self.info = Some(Info {
            format: info.format,
            teams: info.teams.clone(),
            squads,
            title: info.title.clone(),
            venue: info.venue.clone(),
            date: info.date.clone(),
            balls_per_over: if info.balls_per_over == 0 { 6 } else { info.balls_per_over },
        });
        t.top_all = true;
        let mut text = info.title.clone().unwrap_or_else(|| format!("{} v {}", info.teams[0], info.teams[1]));
        if let Some(v) = &info.venue {
            text.push_str(&format!(" at {v}"));
        }
        self.comment(seq, ts, CommentKind::MatchStart, text);
    }

    fn fold_innings_start(&mut self, s: &InningsStart<'_>, seq: u64, ts: i64, t: &mut Touched) {
        let fmt_overs = self.format().map_or(20, Format::overs);
        if let Some(prev) = self.innings.last_mut().filter(|i| !i.closed) {
            prev.closed = true;
            if let Some(p) = prev.partnerships.last_mut().filter(|p| p.open) {
                p.open = false;
                t.partnerships.push(prev.partnerships.len() - 1);
            }
        }
        let max_overs = s.max_overs.unwrap_or(if s.super_over { 1 } else { fmt_overs });
        let mut target = s.target.or_else(|| self.derived_target(s.super_over, max_overs));
        if let Some(tg) = &mut target
            && tg.overs.is_none()
        {
            tg.overs = Some(max_overs);
        }
        let mut inn = Innings {
            number: s.number,
            team: s.batting.to_string(),
            bowling_team: s.bowling.to_string(),
            super_over: s.super_over,
            max_overs,
            target: target.map(|x| x.runs),
            target_overs: target.and_then(|x| x.overs),
            method: None,
            runs: 0,
            wickets: 0,
            legal_balls: 0,
            extras: super::event::Extras::default(),
            batting: s.openers.iter().map(|n| BatterRow::new(n)).collect(),
            bowling: Vec::new(),
            fow: Vec::new(),
            partnerships: Vec::new(),
            overs: Vec::new(),
            closed: false,
            end_reason: None,
        };
        if let Some(rev) = self.pending_target.take() {
            apply_revision(&mut inn, &rev);
        }
        let mut text = if s.super_over {
            format!("Super over: {} to bat", inn.team)
        } else {
            format!("{} innings begins", inn.team)
        };
        if let (Some(r), Some(o)) = (inn.target, inn.target_overs) {
            text.push_str(&format!(" (target {} from {})", plural(r, "run"), plural(o, "over")));
        }
        self.innings.push(inn);
        self.crease =
            Crease { striker: s.openers.first().cloned(), non_striker: s.openers.get(1).cloned(), ..Crease::default() };
        self.comment(seq, ts, CommentKind::InningsStart, text);
    }

    /// The usual target when the event gives none: the second innings of a
    /// limited-overs match, or the second innings of a super-over pair.
    fn derived_target(&self, super_over: bool, max_overs: u32) -> Option<Target> {
        let prev = self.innings.last()?;
        if super_over {
            let so_before = self.innings.iter().filter(|i| i.super_over).count();
            (prev.super_over && so_before % 2 == 1).then_some(Target { runs: prev.runs + 1, overs: Some(max_overs) })
        } else {
            (self.innings.len() == 1).then_some(Target { runs: prev.runs + 1, overs: Some(max_overs) })
        }
    }

    fn fold_delivery(&mut self, d: &Delivery, seq: u64, ts: i64, t: &mut Touched) {
        let bpo = self.balls_per_over();
        let idx = self.innings.len() - 1;
        let inn = &mut self.innings[idx];
        let e = d.extras;
        let legal = d.is_legal();
        let total = d.total_runs();
        let bowler_charge = d.runs_batter + e.wides + e.noballs;

        // Batters: rows appear in order of coming in; a retired batter resumes.
        // Only the striker's row changes on every ball; the non-striker's
        // only when new (appended, so always in the patch) or back from
        // retirement.
        let striker = batter_row(inn, &d.batter, t);
        let non_striker = batter_row(inn, &d.non_striker, &mut Touched::default());
        for k in [striker, non_striker] {
            if matches!(inn.batting[k].state, BatState::Retired { .. }) {
                inn.batting[k].state = BatState::Batting;
                t.batting.push(k);
            }
        }
        let bowler = match inn.bowler_index(&d.bowler) {
            Some(k) => k,
            None => {
                inn.bowling.push(BowlerRow::new(&d.bowler));
                inn.bowling.len() - 1
            }
        };
        t.bowling.push(bowler);

        // The over.
        if inn.overs.last().is_none_or(|o| o.over != d.over) {
            inn.overs.push(OverSummary {
                over: d.over,
                bowler: d.bowler.clone(),
                shared: false,
                runs: 0,
                wickets: 0,
                cumulative: inn.runs,
                legal_balls: 0,
                bowler_runs: 0,
            });
            self.crease.this_over.clear();
        }
        let oi = inn.overs.len() - 1;
        t.overs.push(oi);
        let ball_no = inn.overs[oi].legal_balls + 1;
        let over_text = format!("{}.{}", d.over, ball_no);

        // The partnership: a new pair starts a new one.
        let open_pair =
            inn.partnerships.last().filter(|p| p.open).is_some_and(|p| p.is_pair(&d.batter, &d.non_striker));
        if !open_pair {
            if let Some(p) = inn.partnerships.last_mut().filter(|p| p.open) {
                p.open = false;
                t.partnerships.push(inn.partnerships.len() - 1);
            }
            inn.partnerships.push(Partnership {
                wicket: inn.wickets + 1,
                batter1: d.batter.clone(),
                batter2: d.non_striker.clone(),
                runs: 0,
                balls: 0,
                batter1_runs: 0,
                batter2_runs: 0,
                open: true,
            });
        }
        let pi = inn.partnerships.len() - 1;
        t.partnerships.push(pi);

        // Runs and balls.
        inn.runs += total;
        let x = &mut inn.extras;
        x.wides += e.wides;
        x.noballs += e.noballs;
        x.byes += e.byes;
        x.legbyes += e.legbyes;
        x.penalty += e.penalty;
        let b = &mut inn.batting[striker];
        b.runs += d.runs_batter;
        if e.wides == 0 {
            b.balls += 1;
        }
        if !d.non_boundary {
            b.fours += u32::from(d.runs_batter == 4);
            b.sixes += u32::from(d.runs_batter == 6);
        }
        let bw = &mut inn.bowling[bowler];
        bw.runs += bowler_charge;
        bw.wides += u32::from(e.wides > 0);
        bw.noballs += u32::from(e.noballs > 0);
        let p = &mut inn.partnerships[pi];
        p.runs += total;
        p.balls += u32::from(e.wides == 0);
        if p.batter1 == d.batter {
            p.batter1_runs += d.runs_batter;
        } else {
            p.batter2_runs += d.runs_batter;
        }
        let o = &mut inn.overs[oi];
        o.runs += total;
        o.bowler_runs += bowler_charge;
        o.shared |= o.bowler != d.bowler;
        if legal {
            inn.legal_balls += 1;
            o.legal_balls += 1;
            inn.bowling[bowler].legal_balls += 1;
        }

        // Wickets.
        let mut wicket_fell = false;
        for w in &d.wickets {
            wicket_fell |= dismiss(inn, w, &d.bowler, &over_text, Some(bowler), t);
        }
        if !d.wickets.is_empty()
            && let Some(p) = inn.partnerships.last_mut()
        {
            p.open = false;
        }
        let o = &mut inn.overs[oi];
        o.wickets += d.wickets.iter().filter(|w| w.kind.counts_as_wicket()).count() as u32;
        o.cumulative = inn.runs;
        let over_done = legal && o.legal_balls == bpo;
        if over_done && !o.shared && o.bowler_runs == 0 {
            inn.bowling[bowler].maidens += 1;
        }

        // Strike for the next ball.
        // Boundaries are even, so the parity of everything scored except
        // the one-run wide/no-ball penalty tells whether the batters crossed.
        let run = d.runs_batter + e.byes + e.legbyes + e.wides.saturating_sub(1) + e.noballs.saturating_sub(1);
        let (mut s, mut n) = (Some(d.batter.clone()), Some(d.non_striker.clone()));
        if run % 2 == 1 {
            std::mem::swap(&mut s, &mut n);
        }
        for w in &d.wickets {
            for slot in [&mut s, &mut n] {
                if slot.as_deref() == Some(w.player_out.as_str()) {
                    *slot = None;
                }
            }
        }
        if over_done {
            std::mem::swap(&mut s, &mut n);
        }
        let chip = commentary::chip(d);
        let text = d.commentary.clone().unwrap_or_else(|| commentary::line(d, &over_text));
        let c = &mut self.crease;
        c.striker = s;
        c.non_striker = n;
        c.bowler = Some(d.bowler.clone());
        if c.recent.len() >= RECENT_BALLS {
            c.recent.remove(0);
        }
        c.recent.push(chip.clone());
        c.this_over.push(chip.clone());
        t.chip = true;
        self.commentary.push(Comment {
            seq,
            ts,
            innings: Some(idx),
            over: Some(over_text),
            text,
            chip: Some(chip),
            runs: total,
            wicket: wicket_fell,
            kind: CommentKind::Delivery,
        });
    }

    fn fold_retirement(&mut self, batter: &str, kind: RetirementKind, seq: u64, ts: i64, t: &mut Touched) {
        let bpo = self.balls_per_over();
        let Some(inn) = self.innings.last_mut() else { return };
        let kind = match kind {
            RetirementKind::Hurt => DismissalKind::RetiredHurt,
            RetirementKind::NotOut => DismissalKind::RetiredNotOut,
            RetirementKind::Out => DismissalKind::RetiredOut,
        };
        let w = Wicket { kind, player_out: batter.to_string(), fielders: Vec::new() };
        let over = overs_text(inn.legal_balls, bpo);
        let over = if over.contains('.') { over } else { format!("{over}.0") };
        dismiss(inn, &w, "", &over, None, t);
        if let Some(p) = inn.partnerships.last_mut().filter(|p| p.open) {
            p.open = false;
            t.partnerships.push(inn.partnerships.len() - 1);
        }
        let (runs, wickets) = (inn.runs, inn.wickets);
        for slot in [&mut self.crease.striker, &mut self.crease.non_striker] {
            if slot.as_deref() == Some(batter) {
                *slot = None;
            }
        }
        let text = format!("{batter} {} ({runs}/{wickets})", dismissal_text(&w, ""));
        self.comment(seq, ts, CommentKind::Retirement, text);
    }

    fn fold_result(&mut self, r: &MatchResult, seq: u64, ts: i64, t: &mut Touched) {
        if let Some(inn) = self.innings.last_mut().filter(|i| !i.closed) {
            inn.closed = true;
            if let Some(p) = inn.partnerships.last_mut().filter(|p| p.open) {
                p.open = false;
                t.partnerships.push(inn.partnerships.len() - 1);
            }
        }
        let text = super::view::result_text(r, &self.innings, self.balls_per_over());
        let no_ball_bowled = self.innings.iter().all(|i| i.overs.is_empty());
        let status = match r.outcome {
            Outcome::Abandoned => Status::Abandoned,
            Outcome::NoResult if no_ball_bowled => Status::Abandoned,
            _ => Status::Completed,
        };
        let winner = match r.outcome {
            Outcome::Win => r.winner.clone(),
            Outcome::Tie => r.eliminator.clone().or_else(|| r.winner.clone()),
            _ => None,
        };
        self.result = Some(Finished { outcome: r.outcome, text: text.clone(), winner, status });
        self.comment(seq, ts, CommentKind::Result, text);
    }
}

/// The fields of an `innings_start` event.
struct InningsStart<'a> {
    number: u32,
    batting: &'a str,
    bowling: &'a str,
    super_over: bool,
    target: Option<Target>,
    max_overs: Option<u32>,
    openers: &'a [String],
}

fn apply_revision(inn: &mut Innings, rev: &Revision) {
    inn.target = Some(rev.runs);
    inn.target_overs = Some(rev.overs);
    inn.max_overs = rev.overs;
    inn.method = Some(rev.method.clone());
}

/// Row index of `name` in the batting card, appending a row when new.
fn batter_row(inn: &mut Innings, name: &str, t: &mut Touched) -> usize {
    let k = inn.batter_index(name).unwrap_or_else(|| {
        inn.batting.push(BatterRow::new(name));
        inn.batting.len() - 1
    });
    t.batting.push(k);
    k
}

/// Record one dismissal (or retirement); true when it counts as a wicket.
fn dismiss(
    inn: &mut Innings,
    w: &Wicket,
    bowler: &str,
    over: &str,
    bowler_row: Option<usize>,
    t: &mut Touched,
) -> bool {
    let k = batter_row(inn, &w.player_out, t);
    let row = &mut inn.batting[k];
    if w.kind.counts_as_wicket() {
        row.state = BatState::Out { kind: w.kind, dismissal: dismissal_text(w, bowler) };
        inn.wickets += 1;
        inn.fow.push(Fow { wicket: inn.wickets, runs: inn.runs, player: w.player_out.clone(), over: over.to_string() });
        if w.kind.credited_to_bowler()
            && let Some(b) = bowler_row
        {
            inn.bowling[b].wickets += 1;
            t.bowling.push(b);
        }
        true
    } else {
        row.state = BatState::Retired { kind: w.kind };
        false
    }
}

/// "Kolkata Knight Riders won the toss and chose to field".
#[must_use]
pub(crate) fn toss_text(winner: &str, decision: TossDecision) -> String {
    let what = match decision {
        TossDecision::Bat => "bat",
        TossDecision::Field => "field",
    };
    format!("{winner} won the toss and chose to {what}")
}
