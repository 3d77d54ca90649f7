//! The viewers' snapshot of a football match, and the one-line summary.
//!
//! Snapshot layout (a JSON object; `id`, `sport`, `seq` and `updated` are
//! added by [`crate::engine::MatchState`]). Pairs `[a, b]` are home, away.
//!
//! * static (set by `match_start`): `teams`, `codes`, `title`, `venue`,
//!   `date`, `knockout`, `half_minutes`, `extra_minutes`, `max_subs`;
//! * header: `status`, `summary`, `result` (text), `winner` (team name),
//!   `score` `[a, b]`,
//!   `clock` `{period, running, minute, added, stoppage, label, from, to,
//!   started_ts}` (`label`: `"67'"`, `"45+2'"`, `"HT"`, `"FT"`, `"AET"`,
//!   `"Pens"` …; a view may run the clock on from `started_ts` while
//!   `running`), `periods` `[{period, goals: [a, b], end}]`,
//!   `stats` `{shots, on_target, possession (null until measured), corners,
//!   fouls, yellow, red, offsides, saves, subs}` (each `[a, b]`),
//!   `shootout` (null, or `{first, next, score: [a, b], kicks: [[{player,
//!   scored}], [..]]}`);
//! * `lineups`: `[{team, code, formation, players: [{name, number,
//!   position, starter, on_pitch, on, off, goals, own_goals, assists, shots,
//!   yellow, red}]}]` (starters first; `on`/`off` are clock texts, `red` is
//!   null, `"red"` or `"second_yellow"`);
//! * `timeline`: key moments, append-only: `{seq, clock, minute, added,
//!   team, kind, player, other, score}`; `kind` is one of `goal`,
//!   `own_goal`, `penalty_goal`, `penalty_miss`, `yellow`, `second_yellow`,
//!   `red`, `substitution` (`player` on, `other` off), `period_end`;
//! * `commentary`: one entry per event, append-only: `{seq, ts, clock, team,
//!   kind, text}`.

use serde_json::{Map, Value, json};

use super::event::Period;
use super::state::{Comment, Dismissal, KeyEvent, Phase, PlayerRow, State, clock_text};
use crate::patch::PatchOp;

impl PlayerRow {
    pub(crate) fn to_json(&self) -> Value {
        let red = self.red.map(|d| match d {
            Dismissal::SecondYellow => "second_yellow",
            Dismissal::Red => "red",
        });
        json!({
            "name": self.name, "number": self.number, "position": self.position, "starter": self.starter,
            "on_pitch": self.on_pitch, "on": self.on, "off": self.off, "goals": self.goals,
            "own_goals": self.own_goals, "assists": self.assists, "shots": self.shots,
            "yellow": self.yellow, "red": red,
        })
    }
}

impl KeyEvent {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "seq": self.seq, "clock": self.clock, "minute": self.minute, "added": self.added, "team": self.team,
            "kind": self.kind, "player": self.player, "other": self.other, "score": self.score,
        })
    }
}

impl Comment {
    pub(crate) fn to_json(&self) -> Value {
        json!({"seq": self.seq, "ts": self.ts, "clock": self.clock, "team": self.team, "kind": self.kind, "text": self.text})
    }
}

impl State {
    /// `"67'"`, `"45+2'"`, `"HT"`, `"End 90'"`, `"ET HT"`, `"End ET"`,
    /// `"Pens"`, `"FT"`, `"AET"`, `"Abd"`; empty before kick-off.
    pub(crate) fn clock_label(&self) -> String {
        match self.phase {
            Phase::PreMatch => String::new(),
            Phase::Playing(Period::Shootout) => "Pens".into(),
            Phase::Playing(_) => clock_text(self.clock.0, self.clock.1),
            Phase::Break(Period::FirstHalf) => "HT".into(),
            Phase::Break(Period::SecondHalf) => "End 90'".into(),
            Phase::Break(Period::ExtraTimeFirst) => "ET HT".into(),
            Phase::Break(_) => "End ET".into(),
            Phase::Finished => match self.result.as_ref().map(|r| (r.status, r.last)) {
                Some((crate::engine::Status::Abandoned, _)) => "Abd".into(),
                Some((_, Some(Period::Shootout))) => "Pens".into(),
                Some((_, Some(Period::ExtraTimeSecond))) => "AET".into(),
                _ => "FT".into(),
            },
        }
    }

    /// `"ARS 2–1 CHE 67'"`, `"ARS 1–1 CHE Pens 4–3"`, `"ARS v CHE"` before kick-off.
    pub(crate) fn summary_line(&self) -> String {
        let Some(info) = &self.info else { return String::new() };
        let (a, b) = (&info.codes[0], &info.codes[1]);
        if self.phase == Phase::PreMatch {
            return format!("{a} v {b}");
        }
        let mut s = format!("{a} {}–{} {b} {}", self.score[0], self.score[1], self.clock_label());
        if let Some(so) = &self.shootout {
            let [x, y] = so.score();
            s.push_str(&format!(" {x}–{y}"));
        }
        s
    }

    fn clock_json(&self) -> Value {
        let period = match self.phase {
            Phase::Playing(p) | Phase::Break(p) => Some(p),
            Phase::Finished => self.result.as_ref().and_then(|r| r.last),
            Phase::PreMatch => None,
        };
        let running = matches!(self.phase, Phase::Playing(p) if p != Period::Shootout);
        let (from, to) = period.map_or((0, 0), |p| self.bounds(p));
        json!({
            "period": period.map(Period::as_str), "running": running, "minute": self.clock.0,
            "added": self.clock.1, "stoppage": self.stoppage, "label": self.clock_label(),
            "from": from, "to": to, "started_ts": self.period_ts,
        })
    }

    fn stats_json(&self) -> Value {
        let pair = |f: fn(&super::state::TeamStats) -> u32| json!([f(&self.stats[0]), f(&self.stats[1])]);
        json!({
            "shots": pair(|s| s.shots), "on_target": pair(|s| s.on_target),
            "possession": self.possession.map(|h| [h, 100u32.saturating_sub(h)]),
            "corners": pair(|s| s.corners), "fouls": pair(|s| s.fouls), "yellow": pair(|s| s.yellow),
            "red": pair(|s| s.red), "offsides": pair(|s| s.offsides), "saves": pair(|s| s.saves),
            "subs": pair(|s| s.subs),
        })
    }

    /// The keys that may change on any event (compared before and after it).
    pub(crate) fn header(&self) -> Map<String, Value> {
        let teams = self.teams_list();
        let mut m = Map::new();
        m.insert("status".into(), json!(self.status_now()));
        m.insert("summary".into(), self.summary_line().into());
        m.insert("result".into(), self.result.as_ref().map(|r| r.text.clone()).into());
        let winner = self.result.as_ref().and_then(|r| r.winner).and_then(|w| teams.get(w).cloned());
        m.insert("winner".into(), winner.into());
        m.insert("score".into(), json!(self.score));
        m.insert("clock".into(), self.clock_json());
        let periods: Vec<Value> =
            self.periods.iter().map(|p| json!({"period": p.period.as_str(), "goals": p.goals, "end": p.end})).collect();
        m.insert("periods".into(), periods.into());
        m.insert("stats".into(), self.stats_json());
        let so = self.shootout.as_ref().map(|so| {
            let kicks: Vec<Vec<Value>> = so
                .kicks
                .iter()
                .map(|ks| ks.iter().map(|k| json!({"player": k.player, "scored": k.scored})).collect())
                .collect();
            json!({"first": so.first, "next": so.next(), "score": so.score(), "kicks": kicks})
        });
        m.insert("shootout".into(), so.into());
        m
    }

    /// The full snapshot (see the module docs).
    pub(crate) fn snapshot_json(&self) -> Value {
        let info = self.info.as_ref();
        let mut m = self.header();
        m.insert("teams".into(), json!(self.teams_list()));
        m.insert("codes".into(), json!(info.map(|i| i.codes.clone()).unwrap_or_default()));
        m.insert("title".into(), json!(info.and_then(|i| i.title.clone())));
        m.insert("venue".into(), json!(info.and_then(|i| i.venue.clone())));
        m.insert("date".into(), json!(info.and_then(|i| i.date.clone())));
        m.insert("knockout".into(), json!(info.is_some_and(|i| i.knockout)));
        m.insert("half_minutes".into(), json!(info.map_or(45, |i| i.half)));
        m.insert("extra_minutes".into(), json!(info.map_or(15, |i| i.extra)));
        m.insert("max_subs".into(), json!(info.map_or(5, |i| i.max_subs)));
        let lineups: Vec<Value> = match info {
            Some(i) => (0..2)
                .map(|s| {
                    let players: Vec<Value> = self.players[s].iter().map(PlayerRow::to_json).collect();
                    json!({"team": i.teams[s], "code": i.codes[s], "formation": i.formations[s], "players": players})
                })
                .collect(),
            None => Vec::new(),
        };
        m.insert("lineups".into(), lineups.into());
        m.insert("timeline".into(), self.timeline.iter().map(KeyEvent::to_json).collect());
        m.insert("commentary".into(), self.commentary.iter().map(Comment::to_json).collect());
        Value::Object(m)
    }
}

/// Lengths of the append-only logs and the header, before an event.
pub(crate) struct Before {
    header: Map<String, Value>,
    timeline: usize,
    commentary: usize,
}

impl Before {
    pub(crate) fn capture(s: &State) -> Self {
        Before { header: s.header(), timeline: s.timeline.len(), commentary: s.commentary.len() }
    }
}

impl State {
    /// The ops turning the snapshot described by `b` into the current one.
    pub(crate) fn patch(&self, b: &Before, t: &super::fold::Rows) -> Vec<PatchOp> {
        let mut ops = Vec::new();
        if t.all {
            crate::delta::replace_all(&mut ops, self.snapshot_json());
            return ops;
        }
        crate::delta::header_ops(&mut ops, &b.header, &self.header());
        for ((s, k), old) in t.rows() {
            let new = self.players[s][k].to_json();
            crate::delta::diff_under(&mut ops, &format!("/lineups/{s}/players/{k}"), old, &new);
        }
        crate::delta::appended(&mut ops, "/timeline", b.timeline, &self.timeline, KeyEvent::to_json);
        crate::delta::appended(&mut ops, "/commentary", b.commentary, &self.commentary, Comment::to_json);
        ops
    }
}
