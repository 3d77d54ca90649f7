//! The viewers' snapshot of a cricket match, and the one-line summary.
//!
//! Snapshot layout (a JSON object; `id`, `sport`, `seq` and `updated` are
//! added by [`crate::engine::MatchState`]):
//!
//! * top level: `status`, `teams`, `format`, `title`, `venue`, `date`,
//!   `balls_per_over`, `squads`, `toss` (text), `result` (text), `winner`,
//!   `summary`;
//! * `innings`: one object per innings ([`Innings::to_json`]): header fields
//!   (`number`, `team`, `bowling_team`, `super_over`, `runs`, `wickets`,
//!   `legal_balls`, `overs`, `extras`, `run_rate`, `target`, `target_overs`,
//!   `max_overs`, `required_rate`, `method`, `closed`, `end_reason`) and the
//!   arrays `batting`, `bowling`, `fow`, `partnerships`, `overs_detail`;
//! * `current`: null before the first innings, else the live view of the
//!   latest innings: `innings` (0-based index into `innings`), `number`,
//!   `batting_team`, `bowling_team`, `super_over`, `runs`, `wickets`,
//!   `overs`, `striker` / `non_striker` (`{name, runs, balls, fours, sixes,
//!   strike_rate}` or null when the end is empty after a wicket), `bowler`
//!   (`{name, overs, maidens, runs, wickets, economy}`), `partnership`
//!   (`{runs, balls}` of the open stand), `run_rate`, `required_rate`,
//!   `target`, `equation` ("needs 24 from 17 balls"), `recent` (last 12
//!   chips, see [`super::commentary`]) and `this_over` chips;
//! * `commentary`: append-only, oldest first; `innings` there is also a
//!   0-based index (null before the first innings).

use serde_json::{Map, Value, json};

use super::event::{Format, MatchResult, Outcome};
use super::scorecard::Innings;
use super::state::{Comment, State};
use super::text::{abbreviation, obj, plural, push_abbreviation, push_overs};
use crate::json_text::push_u64;

/// Top-level keys that only change on `match_start`, `toss` and `replacement`.
pub(crate) const STATIC_TOP: [&str; 8] =
    ["teams", "format", "title", "venue", "date", "balls_per_over", "squads", "toss"];
/// Top-level keys that may change on any event (the patch compares them
/// field by field in `delta.rs`).
pub(crate) const DYNAMIC_TOP: [&str; 4] = ["status", "result", "winner", "summary"];

fn format_str(f: Format) -> &'static str {
    match f {
        Format::T20 => "t20",
        Format::Odi => "odi",
    }
}

impl Comment {
    pub(crate) fn to_json(&self) -> Value {
        obj!(
            "seq" => self.seq,
            "ts" => self.ts,
            "innings" => self.innings,
            "over" => self.over.as_deref(),
            "text" => self.text.as_str(),
            "chip" => self.chip.as_deref(),
            "runs" => self.runs,
            "wicket" => self.wicket,
            "kind" => self.kind.as_str(),
        )
    }
}

impl State {
    /// The value of one top-level scalar key (see [`STATIC_TOP`], [`DYNAMIC_TOP`]).
    pub(crate) fn top_value(&self, key: &str) -> Value {
        let info = self.info.as_ref();
        match key {
            "status" => json!(self.status()),
            "result" => self.result_text().into(),
            "winner" => self.result.as_ref().and_then(|r| r.winner.clone()).into(),
            "summary" => self.summary().into(),
            "teams" => self.teams().into(),
            "format" => info.map(|i| format_str(i.format)).into(),
            "title" => info.and_then(|i| i.title.clone()).into(),
            "venue" => info.and_then(|i| i.venue.clone()).into(),
            "date" => info.and_then(|i| i.date.clone()).into(),
            "balls_per_over" => self.balls_per_over().into(),
            "squads" => info.map(|i| i.squads.clone()).unwrap_or_default().into(),
            "toss" => self.toss.as_ref().map(|t| super::state::toss_text(&t.winner, t.decision)).into(),
            _ => Value::Null,
        }
    }

    /// The full snapshot for viewers (see the module docs for the layout).
    #[must_use]
    pub fn snapshot(&self) -> Value {
        let bpo = self.balls_per_over();
        let mut m = Map::new();
        for k in STATIC_TOP.iter().chain(DYNAMIC_TOP.iter()) {
            m.insert((*k).into(), self.top_value(k));
        }
        m.insert("innings".into(), self.innings.iter().map(|i| i.to_json(bpo)).collect());
        m.insert("current".into(), self.current_json());
        m.insert("commentary".into(), self.commentary.iter().map(Comment::to_json).collect());
        Value::Object(m)
    }

    /// One line for the lobby: `"RR 130/9 (20) · GT 133/3 (18.1)"`, super
    /// overs after `"SO:"` (`"… · SO: DC 10/1 (1), KKR 7/2 (0.5)"`), or
    /// `"KKR v RCB"` before the first ball. An innings is listed once a ball
    /// has been bowled in it. The result is not appended: see
    /// [`State::result_text`].
    #[must_use]
    pub fn summary(&self) -> String {
        let Some(info) = &self.info else { return String::new() };
        let bpo = self.balls_per_over();
        let mut s = String::with_capacity(64);
        let mut sep = "";
        let mut any_so = false;
        for super_over in [false, true] {
            for i in self.innings.iter().filter(|i| i.super_over == super_over && !i.overs.is_empty()) {
                s.push_str(sep);
                if super_over && !any_so {
                    s.push_str("SO: ");
                    any_so = true;
                }
                push_abbreviation(&mut s, &i.team);
                s.push(' ');
                push_u64(&mut s, u64::from(i.runs));
                s.push('/');
                push_u64(&mut s, u64::from(i.wickets));
                s.push_str(" (");
                push_overs(&mut s, i.legal_balls, bpo);
                s.push(')');
                sep = if super_over { ", " } else { " · " };
            }
            if !s.is_empty() {
                sep = " · ";
            }
        }
        if s.is_empty() {
            let t: Vec<String> = info.teams.iter().map(|t| abbreviation(t)).collect();
            return t.join(" v ");
        }
        s
    }
}

/// The result as written under a scorecard:
/// "Kolkata Knight Riders won by 140 runs",
/// "Gujarat Titans won by 7 wickets (11 balls left)",
/// "Match tied (Delhi Capitals won the Super Over)", "No result",
/// "Kolkata Knight Riders won by 7 wickets (D/L method)".
///
/// Balls left are shown for a win by wickets without a rain rule, when the
/// winner batted in the last (non-super-over) innings.
#[must_use]
pub fn result_text(r: &MatchResult, innings: &[Innings], bpo: u32) -> String {
    match r.outcome {
        Outcome::Win => {
            let winner = r.winner.clone().unwrap_or_default();
            let mut s = match (r.by_runs, r.by_wickets) {
                (Some(n), _) => format!("{winner} won by {}", plural(n, "run")),
                (None, Some(n)) => {
                    let mut s = format!("{winner} won by {}", plural(n, "wicket"));
                    let last = innings.iter().rev().find(|i| !i.super_over);
                    if r.method.is_none()
                        && let Some(left) = last.filter(|i| i.team == winner).and_then(|i| i.balls_left(bpo))
                        && left > 0
                    {
                        s.push_str(&format!(" ({} left)", plural(left, "ball")));
                    }
                    s
                }
                (None, None) => format!("{winner} won"),
            };
            if let Some(m) = &r.method {
                s.push_str(&format!(" ({m} method)"));
            }
            s
        }
        Outcome::Tie => match &r.eliminator {
            Some(e) if innings.iter().any(|i| i.super_over) => format!("Match tied ({e} won the Super Over)"),
            Some(e) => format!("Match tied ({e} won the tie-breaker)"),
            None => "Match tied".to_string(),
        },
        Outcome::NoResult => "No result".to_string(),
        Outcome::Abandoned => "Match abandoned".to_string(),
        Outcome::Draw => "Match drawn".to_string(),
    }
}
