//! The viewers' snapshot of a tennis match, and the one-line summary.
//!
//! Snapshot layout (a JSON object; `id`, `sport`, `seq` and `updated` are
//! added by [`crate::engine::MatchState`]). Pairs `[a, b]` follow `players`.
//!
//! * static (set by `match_start`): `teams` (the players' names, as every
//!   sport has), `players`, `short` (surnames), `countries`, `seeds`,
//!   `best_of`, `final_set` (`"tiebreak"`, `"long_tiebreak"`,
//!   `"match_tiebreak"`, `"advantage"`), `title`, `venue`, `surface`, `date`;
//! * header: `status`, `summary`, `result` (text), `winner` (name),
//!   `server` (who serves the next point; null once finished), `sets`
//!   (`[{games: [a, b], tiebreak: [a, b] or null, winner}]`, the set in play
//!   last), `sets_won`, `current` (`{set, game, points: [a, b] (raw),
//!   score: ["30", "15"] or tiebreak counts, tiebreak, tiebreak_to,
//!   break_point, set_point, match_point}`: the last three name the player
//!   who has one, or null), `stats` (per player `{points_won, aces,
//!   double_faults, service_points, first_serves_in, first_serve_won,
//!   second_serve_points, second_serve_won, return_points_won, winners,
//!   unforced_errors, forced_errors, break_points, break_points_won,
//!   break_points_faced, break_points_saved, service_games,
//!   service_games_won}`), `set_stats` (the same per set: `[[a, b], …]`);
//! * `games`: append-only `{set, game, server, winner, broken, tiebreak,
//!   games}` (1-based set and game; `games` after it);
//! * `commentary`: one entry per event, append-only: `{seq, ts, kind, text,
//!   point}`; `point` (null for other events) is `{set, game, server,
//!   winner, serve, break_point, set_point, match_point, points, games,
//!   sets}`: what the point was, and the score after it.

use serde_json::{Map, Value, json};

use super::fold::sets_text;
use super::state::{Comment, GameRecord, State, short};
use crate::patch::PatchOp;

impl GameRecord {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "set": self.set, "game": self.game, "server": self.server, "winner": self.winner,
            "broken": self.broken, "tiebreak": self.tiebreak, "games": self.games,
        })
    }
}

impl Comment {
    pub(crate) fn to_json(&self) -> Value {
        json!({"seq": self.seq, "ts": self.ts, "kind": self.kind, "text": self.text, "point": self.point})
    }
}

impl State {
    /// `"Alcaraz* 6-4 3-6 5-4 Sinner (30-15)"` (`*`: serving), `"… (TB 5-4)"`
    /// in a tiebreak, `"Alcaraz 6-4 3-6 7-6(5) Sinner"` once over,
    /// `"Alcaraz v Sinner"` before the first point.
    pub(crate) fn summary_line(&self) -> String {
        let (Some(info), Some(score)) = (&self.info, &self.score) else { return String::new() };
        let [a, b] = [short(&info.players[0]), short(&info.players[1])];
        if self.points_played() == 0 && self.result.is_none() {
            return format!("{a} v {b}");
        }
        let live = self.result.is_none();
        let star = |p: usize| if live && score.point_server() == p { "*" } else { "" };
        let mut s = format!("{a}{} {} {b}{}", star(0), sets_text(score, 0, live), star(1)).replace("  ", " ");
        if live && score.points != [0, 0] {
            let [x, y] = score.points_text();
            let tb = if score.tiebreak_to().is_some() { "TB " } else { "" };
            s.push_str(&format!(" ({tb}{x}-{y})"));
        }
        s
    }

    /// The keys that may change on any event (compared before and after it).
    pub(crate) fn header(&self) -> Map<String, Value> {
        let players = self.players();
        let mut m = Map::new();
        m.insert("status".into(), json!(self.status_now()));
        m.insert("summary".into(), self.summary_line().into());
        m.insert("result".into(), self.result.as_ref().map(|r| r.text.clone()).into());
        let winner = self.result.as_ref().and_then(|r| r.winner).and_then(|w| players.get(w).cloned());
        m.insert("winner".into(), winner.into());
        let live = self.result.is_none();
        let score = self.score.as_ref();
        m.insert("server".into(), json!(score.filter(|_| live).map(|s| s.point_server())));
        m.insert("sets".into(), json!(score.map(|s| s.sets.clone()).unwrap_or_default()));
        m.insert("sets_won".into(), json!(score.map_or([0, 0], |s| s.sets_won())));
        let current = score.filter(|_| live).map(|s| {
            let flag = |f: fn(&super::score::Won) -> bool| (0..2).find(|&p| f(&s.if_won_by(p)));
            let games = s.sets.last().map_or([0, 0], |x| x.games);
            json!({
                "set": s.sets.len(), "game": games[0] + games[1] + 1, "points": s.points, "score": s.points_text(),
                "tiebreak": s.tiebreak_to().is_some(), "tiebreak_to": s.tiebreak_to(),
                "break_point": s.break_point(), "set_point": flag(|x| x.set && !x.match_),
                "match_point": flag(|x| x.match_),
            })
        });
        m.insert("current".into(), current.into());
        m.insert("stats".into(), json!(self.stats));
        m.insert("set_stats".into(), json!(self.set_stats));
        m
    }

    /// The full snapshot (see the module docs).
    pub(crate) fn snapshot_json(&self) -> Value {
        let info = self.info.as_ref();
        let mut m = self.header();
        let players = self.players();
        m.insert("teams".into(), json!(players));
        m.insert("short".into(), json!(players.iter().map(|p| short(p)).collect::<Vec<_>>()));
        m.insert("players".into(), json!(players));
        m.insert("countries".into(), json!(info.map(|i| i.countries.clone()).unwrap_or_default()));
        m.insert("seeds".into(), json!(info.map(|i| i.seeds.clone()).unwrap_or_default()));
        m.insert("best_of".into(), json!(info.map(|i| i.best_of)));
        m.insert("final_set".into(), json!(info.map(|i| i.final_set)));
        m.insert("title".into(), json!(info.and_then(|i| i.title.clone())));
        m.insert("venue".into(), json!(info.and_then(|i| i.venue.clone())));
        m.insert("surface".into(), json!(info.and_then(|i| i.surface.clone())));
        m.insert("date".into(), json!(info.and_then(|i| i.date.clone())));
        m.insert("games".into(), self.games.iter().map(GameRecord::to_json).collect());
        m.insert("commentary".into(), self.commentary.iter().map(Comment::to_json).collect());
        Value::Object(m)
    }
}

/// The header and the lengths of the append-only logs, before an event.
pub(crate) struct Before {
    header: Map<String, Value>,
    games: usize,
    commentary: usize,
}

impl Before {
    pub(crate) fn capture(s: &State) -> Self {
        Before { header: s.header(), games: s.games.len(), commentary: s.commentary.len() }
    }
}

impl State {
    /// The ops turning the snapshot described by `b` into the current one.
    pub(crate) fn patch(&self, b: &Before, all: bool) -> Vec<PatchOp> {
        let mut ops = Vec::new();
        if all {
            crate::delta::replace_all(&mut ops, self.snapshot_json());
            return ops;
        }
        crate::delta::header_ops(&mut ops, &b.header, &self.header());
        crate::delta::appended(&mut ops, "/games", b.games, &self.games, GameRecord::to_json);
        crate::delta::appended(&mut ops, "/commentary", b.commentary, &self.commentary, Comment::to_json);
        ops
    }
}
