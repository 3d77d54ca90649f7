//! Folding a validated event into the tennis state, and the commentary.

use super::event::{Event, MatchInfo, PointKind};
use super::score::{Score, SetScore, Won};
use super::state::{Comment, Finish, GameRecord, Info, PointRecord, State, Stats, short};
use crate::engine::Status;

/// Count one point in a pair of statistics.
fn count(st: &mut [Stats; 2], server: usize, w: usize, kind: PointKind, serve: u32, bp: Option<usize>) {
    let l = 1 - w;
    st[w].points_won += 1;
    st[server].service_points += 1;
    if serve == 1 {
        st[server].first_serves_in += 1;
        st[server].first_serve_won += u32::from(w == server);
    } else {
        st[server].second_serve_points += 1;
        st[server].second_serve_won += u32::from(w == server);
    }
    if w != server {
        st[w].return_points_won += 1;
    }
    match kind {
        PointKind::Ace => st[w].aces += 1,
        PointKind::DoubleFault => st[server].double_faults += 1,
        PointKind::Winner => st[w].winners += 1,
        PointKind::ForcedError => st[l].forced_errors += 1,
        PointKind::UnforcedError => st[l].unforced_errors += 1,
    }
    if let Some(r) = bp {
        st[r].break_points += 1;
        st[server].break_points_faced += 1;
        if w == r {
            st[r].break_points_won += 1;
        } else {
            st[server].break_points_saved += 1;
        }
    }
}

/// A set as written from player `first`'s side: `"6-4"`, `"7-6(5)"`, `"[10-7]"`.
pub(crate) fn set_text(set: &SetScore, first: usize) -> String {
    let (a, b) = (set.games[first], set.games[1 - first]);
    match set.tiebreak {
        Some(tb) if a + b == 1 => format!("[{}-{}]", tb[first], tb[1 - first]),
        Some(tb) => format!("{a}-{b}({})", tb[0].min(tb[1])),
        None => format!("{a}-{b}"),
    }
}

/// The sets so far from player `first`'s side; a set in play at 0-0 only
/// when `current` (the scoreboard shows it, a result does not).
pub(crate) fn sets_text(score: &Score, first: usize, current: bool) -> String {
    let n = score.sets.len();
    let shown = |(i, s): &(usize, &SetScore)| s.winner.is_some() || s.games != [0, 0] || (current && *i == n - 1);
    let sets: Vec<String> = score.sets.iter().enumerate().filter(shown).map(|(_, s)| set_text(s, first)).collect();
    sets.join(" ")
}

impl State {
    fn comment(&mut self, seq: u64, ts: i64, kind: &str, text: String, point: Option<PointRecord>) {
        self.commentary.push(Comment { seq, ts, kind: kind.into(), text, point });
    }

    fn short_name(&self, p: usize) -> String {
        short(&self.players()[p])
    }

    pub(crate) fn fold(&mut self, ev: &Event, seq: u64, ts: i64) {
        match ev {
            Event::MatchStart(info) => self.start(info, seq, ts),
            Event::Point { winner, kind, serve } => {
                let w = self.side(winner).unwrap_or(0);
                self.point(w, *kind, *serve, seq, ts);
            }
            Event::Retirement { player, reason } => {
                let p = self.side(player).unwrap_or(0);
                let w = 1 - p;
                let sets = self.score.as_ref().map(|s| sets_text(s, w, false)).unwrap_or_default();
                let text = format!("{} won {sets} ret.", self.players()[w]).replace("  ", " ");
                self.result =
                    Some(Finish { status: Status::Completed, winner: Some(w), text: text.clone(), retired: true });
                let why = reason.as_ref().map(|r| format!(" ({r})")).unwrap_or_default();
                self.comment(seq, ts, "retirement", format!("{player} retires{why}. {text}"), None);
            }
            Event::Abandoned { reason } => {
                let text = format!("Match abandoned: {reason}");
                self.result =
                    Some(Finish { status: Status::Abandoned, winner: None, text: text.clone(), retired: false });
                self.comment(seq, ts, "abandoned", text, None);
            }
        }
    }

    fn start(&mut self, info: &MatchInfo, seq: u64, ts: i64) {
        let players: Vec<String> = info.players.iter().map(|p| p.name.clone()).collect();
        let server = players.iter().position(|p| *p == info.first_server).unwrap_or(0);
        self.score = Some(Score::new(info.best_of, info.final_set, server));
        self.info = Some(Info {
            players,
            countries: info.players.iter().map(|p| p.country.clone()).collect(),
            seeds: info.players.iter().map(|p| p.seed).collect(),
            best_of: info.best_of,
            final_set: info.final_set,
            title: info.title.clone(),
            venue: info.venue.clone(),
            surface: info.surface.clone(),
            date: info.date.clone(),
        });
        self.set_stats.push(Default::default());
        let mut text =
            info.title.clone().unwrap_or_else(|| format!("{} v {}", info.players[0].name, info.players[1].name));
        if let Some(v) = &info.venue {
            text.push_str(&format!(" at {v}"));
        }
        text.push_str(&format!(". {} to serve", info.first_server));
        self.comment(seq, ts, "match_start", text, None);
    }

    fn point(&mut self, w: usize, kind: PointKind, serve: u32, seq: u64, ts: i64) {
        let Some(score) = self.score.as_mut() else { return };
        let server = score.point_server();
        let bp = score.break_point();
        let flag = |s: &Score, f: fn(&Won) -> bool| (0..2).find(|&p| f(&s.if_won_by(p)));
        let set_point = flag(score, |x| x.set && !x.match_);
        let match_point = flag(score, |x| x.match_);
        let set_no = score.sets.len() as u32;
        let game_no = score.sets.last().map_or(0, |s| s.games[0] + s.games[1]) + 1;
        count(&mut self.stats, server, w, kind, serve, bp);
        if let Some(st) = self.set_stats.last_mut() {
            count(st, server, w, kind, serve, bp);
        }
        let won = score.point(w);
        let set_games = score.sets[set_no as usize - 1].games;
        let (points, sets) = (score.points_text(), score.sets_won());
        let score = score.clone();
        if won.game {
            let gs = won.game_server;
            let broken = w != gs && !won.tiebreak;
            if !won.tiebreak {
                for st in
                    [&mut self.stats, self.set_stats.last_mut().unwrap_or(&mut [Stats::default(), Stats::default()])]
                {
                    st[gs].service_games += 1;
                    st[gs].service_games_won += u32::from(w == gs);
                }
            }
            self.games.push(GameRecord {
                set: set_no,
                game: game_no,
                server: gs,
                winner: w,
                broken,
                tiebreak: won.tiebreak,
                games: set_games,
            });
        }
        if won.set && !won.match_ {
            self.set_stats.push(Default::default());
        }
        let text = self.point_text(&score, w, server, kind, &won);
        if won.match_ {
            let text = format!("{} won {}", self.players()[w], sets_text(&score, w, false));
            self.result = Some(Finish { status: Status::Completed, winner: Some(w), text, retired: false });
        }
        let record = PointRecord {
            set: set_no,
            game: game_no,
            server,
            winner: w,
            serve,
            break_point: bp,
            set_point,
            match_point,
            points,
            games: set_games,
            sets,
        };
        self.comment(seq, ts, "point", text, Some(record));
    }

    /// "Sinner ace. 30-15", "Break! Game Alcaraz (4-3)", "Set Sinner 7-6(5)",
    /// "Game, set and match Alcaraz: 6-4 3-6 7-6(5)", with BREAK / SET /
    /// MATCH POINT when the next point is one.
    fn point_text(&self, score: &Score, w: usize, server: usize, kind: PointKind, won: &Won) -> String {
        let (wn, ln, sn) = (self.short_name(w), self.short_name(1 - w), self.short_name(server));
        let how = match kind {
            PointKind::Ace => format!("{wn} ace"),
            PointKind::DoubleFault => format!("Double fault by {sn}"),
            PointKind::Winner => format!("{wn} winner"),
            PointKind::ForcedError => format!("Forced error by {ln}"),
            PointKind::UnforcedError => format!("Unforced error by {ln}"),
        };
        if won.match_ {
            return format!("{how}. Game, set and match {wn}: {}", sets_text(score, w, false));
        }
        if won.set {
            let set = &score.sets[score.sets.len() - 2];
            return format!("{how}. Set {wn} {}", set_text(set, w));
        }
        if won.game {
            let games = score.sets.last().map_or([0, 0], |s| s.games);
            let brk = if w != won.game_server && !won.tiebreak { "Break! " } else { "" };
            return format!("{how}. {brk}Game {wn} ({}-{})", games[0], games[1]);
        }
        let [a, b] = score.points_text();
        let mut text = format!("{how}. {a}-{b}");
        let next = |f: fn(&Won) -> bool| (0..2).any(|p| f(&score.if_won_by(p)));
        if next(|x| x.match_) {
            text.push_str(", MATCH POINT");
        } else if next(|x| x.set) {
            text.push_str(", SET POINT");
        } else if score.break_point().is_some() {
            text.push_str(", BREAK POINT");
        }
        text
    }
}
