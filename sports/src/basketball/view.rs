//! The viewers' snapshot of a basketball game, and the one-line summary.
//!
//! Snapshot layout (a JSON object; `id`, `sport`, `seq` and `updated` are
//! added by [`crate::engine::MatchState`]). Pairs `[a, b]` are home, away.
//!
//! * static (set by `match_start`): `teams`, `codes`, `rules` (`"nba"` or
//!   `"fiba"`), `quarter_minutes`, `foul_limit`, `title`, `venue`, `date`;
//! * header: `status`, `summary`, `result` (text), `winner` (team name),
//!   `score`, `period` `{number, label ("Q4", "OT", "2OT"), running, clock
//!   (seconds left), clock_text ("2:31"), length, started_ts, status_label
//!   ("Q4 2:31", "Half", "End Q3", "Final/OT")}`, `by_period` (points per
//!   period, `[[a, b], …]`), `possession` (side index or null while the
//!   ball is loose), `shot_clock` (seconds or null), `team_fouls`, `bonus`
//!   (`[a, b]`: the side shoots free throws on every common foul),
//!   `timeouts` (left), `team_rebounds`, `totals` (per side `{pts, fgm, fga,
//!   fg_pct, tpm, tpa, tp_pct, ftm, fta, ft_pct, oreb, dreb, reb, ast, stl,
//!   blk, tov, pf}`);
//! * `box`: `[{team, code, players: [{name, number, position, starter,
//!   on_court, out (null, "fouled_out", "ejected"), min ("34:12"), secs,
//!   pts, fgm, fga, tpm, tpa, ftm, fta, oreb, dreb, reb, ast, stl, blk, tov,
//!   pf, tech, pm}]}]`;
//! * `lead`: the lead tracker, one point per score, append-only: `{seq,
//!   period, clock, elapsed (seconds since tip-off), margin (a − b), score}`;
//! * `commentary`: the play-by-play, one entry per event, append-only:
//!   `{seq, ts, period, clock, team, kind, text, points, score}`.

use serde_json::{Map, Value, json};

use super::fold::Rows;
use super::state::{LeadPoint, Out, Play, Row, State, clock_text, period_label};
use super::text::status_label;
use crate::patch::PatchOp;

fn pct(made: u32, att: u32) -> f64 {
    if att == 0 { 0.0 } else { (f64::from(made) * 1000.0 / f64::from(att)).round() / 10.0 }
}

impl Row {
    pub(crate) fn to_json(&self) -> Value {
        let out = self.out.map(|o| match o {
            Out::FouledOut => "fouled_out",
            Out::Ejected => "ejected",
        });
        json!({
            "name": self.name, "number": self.number, "position": self.position, "starter": self.starter,
            "on_court": self.on_court, "out": out, "min": clock_text(self.secs), "secs": self.secs,
            "pts": self.pts, "fgm": self.fgm, "fga": self.fga, "tpm": self.tpm, "tpa": self.tpa,
            "ftm": self.ftm, "fta": self.fta, "oreb": self.oreb, "dreb": self.dreb, "reb": self.oreb + self.dreb,
            "ast": self.ast, "stl": self.stl, "blk": self.blk, "tov": self.tov, "pf": self.pf, "tech": self.tech,
            "pm": self.pm,
        })
    }
}

impl LeadPoint {
    pub(crate) fn to_json(&self) -> Value {
        let margin = i64::from(self.score[0]) - i64::from(self.score[1]);
        json!({"seq": self.seq, "period": self.period, "clock": self.clock, "elapsed": self.elapsed, "margin": margin, "score": self.score})
    }
}

impl Play {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "seq": self.seq, "ts": self.ts, "period": self.period, "clock": self.clock, "team": self.team,
            "kind": self.kind, "text": self.text, "points": self.points, "score": self.score,
        })
    }
}

impl State {
    /// `"LAL 98–95 BOS Q4 2:31"`, `"LAL 112–104 BOS Final"`, `"LAL v BOS"` before tip-off.
    pub(crate) fn summary_line(&self) -> String {
        let Some(info) = &self.info else { return String::new() };
        let (a, b) = (&info.codes[0], &info.codes[1]);
        if self.period == 0 {
            return format!("{a} v {b}");
        }
        format!("{a} {}–{} {b} {}", self.score[0], self.score[1], status_label(self))
    }

    fn totals(&self, s: usize) -> Value {
        let sum = |f: fn(&Row) -> u32| self.rows[s].iter().map(f).sum::<u32>();
        let (fgm, fga, tpm, tpa, ftm, fta) =
            (sum(|r| r.fgm), sum(|r| r.fga), sum(|r| r.tpm), sum(|r| r.tpa), sum(|r| r.ftm), sum(|r| r.fta));
        let (oreb, dreb) = (sum(|r| r.oreb), sum(|r| r.dreb));
        json!({
            "pts": sum(|r| r.pts), "fgm": fgm, "fga": fga, "fg_pct": pct(fgm, fga), "tpm": tpm, "tpa": tpa,
            "tp_pct": pct(tpm, tpa), "ftm": ftm, "fta": fta, "ft_pct": pct(ftm, fta), "oreb": oreb, "dreb": dreb,
            "reb": oreb + dreb + self.team_rebounds[s], "ast": sum(|r| r.ast), "stl": sum(|r| r.stl),
            "blk": sum(|r| r.blk), "tov": sum(|r| r.tov), "pf": sum(|r| r.pf),
        })
    }

    /// The keys that may change on any event (compared before and after it).
    pub(crate) fn header(&self) -> Map<String, Value> {
        let teams = self.teams_list();
        let rules = self.rules();
        let mut m = Map::new();
        m.insert("status".into(), json!(self.status_now()));
        m.insert("summary".into(), self.summary_line().into());
        m.insert("result".into(), self.result.as_ref().map(|r| r.text.clone()).into());
        let winner = self.result.as_ref().and_then(|r| r.winner).and_then(|w| teams.get(w).cloned());
        m.insert("winner".into(), winner.into());
        m.insert("score".into(), json!(self.score));
        let period = json!({
            "number": self.period, "label": period_label(self.period), "running": self.running,
            "clock": self.clock, "clock_text": clock_text(self.clock), "length": rules.period_secs(self.period.max(1)),
            "started_ts": self.period_ts, "status_label": status_label(self),
        });
        m.insert("period".into(), period);
        m.insert("by_period".into(), json!(self.by_period));
        m.insert("possession".into(), json!(self.possession));
        m.insert("shot_clock".into(), json!(self.shot_clock()));
        m.insert("team_fouls".into(), json!(self.team_fouls));
        let bonus = [1, 0].map(|other| self.team_fouls[other] >= rules.bonus_after(self.period));
        m.insert("bonus".into(), json!(bonus));
        m.insert("timeouts".into(), json!(self.timeouts));
        m.insert("team_rebounds".into(), json!(self.team_rebounds));
        let totals: Vec<Value> =
            if self.info.is_some() { (0..2).map(|s| self.totals(s)).collect() } else { Vec::new() };
        m.insert("totals".into(), totals.into());
        m
    }

    /// The full snapshot (see the module docs).
    pub(crate) fn snapshot_json(&self) -> Value {
        let info = self.info.as_ref();
        let rules = self.rules();
        let mut m = self.header();
        m.insert("teams".into(), json!(self.teams_list()));
        m.insert("codes".into(), json!(info.map(|i| i.codes.clone()).unwrap_or_default()));
        m.insert("rules".into(), rules.as_str().into());
        m.insert("quarter_minutes".into(), (rules.quarter_secs() / 60).into());
        m.insert("foul_limit".into(), rules.foul_limit().into());
        m.insert("title".into(), json!(info.and_then(|i| i.title.clone())));
        m.insert("venue".into(), json!(info.and_then(|i| i.venue.clone())));
        m.insert("date".into(), json!(info.and_then(|i| i.date.clone())));
        let boxes: Vec<Value> = match info {
            Some(i) => (0..2)
                .map(|s| {
                    let players: Vec<Value> = self.rows[s].iter().map(Row::to_json).collect();
                    json!({"team": i.teams[s], "code": i.codes[s], "players": players})
                })
                .collect(),
            None => Vec::new(),
        };
        m.insert("box".into(), boxes.into());
        m.insert("lead".into(), self.lead.iter().map(LeadPoint::to_json).collect());
        m.insert("commentary".into(), self.plays.iter().map(Play::to_json).collect());
        Value::Object(m)
    }
}

/// The header and the lengths of the append-only logs, before an event.
pub(crate) struct Before {
    header: Map<String, Value>,
    lead: usize,
    plays: usize,
}

impl Before {
    pub(crate) fn capture(s: &State) -> Self {
        Before { header: s.header(), lead: s.lead.len(), plays: s.plays.len() }
    }
}

impl State {
    /// The ops turning the snapshot described by `b` into the current one.
    pub(crate) fn patch(&self, b: &Before, t: &Rows) -> Vec<PatchOp> {
        let mut ops = Vec::new();
        if t.all {
            crate::delta::replace_all(&mut ops, self.snapshot_json());
            return ops;
        }
        crate::delta::header_ops(&mut ops, &b.header, &self.header());
        for ((s, k), old) in t.rows() {
            crate::delta::diff_under(&mut ops, &format!("/box/{s}/players/{k}"), old, &self.rows[s][k].to_json());
        }
        crate::delta::appended(&mut ops, "/lead", b.lead, &self.lead, LeadPoint::to_json);
        crate::delta::appended(&mut ops, "/commentary", b.plays, &self.plays, Play::to_json);
        ops
    }
}
