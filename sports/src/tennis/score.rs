//! The scoring of a tennis match as a pure state machine: points, games,
//! sets, tiebreaks and who serves.
//!
//! * A game goes to the first to four points with a lead of two (deuce,
//!   advantage).
//! * A set goes to the first to six games with a lead of two; at six all a
//!   tiebreak to 7 (by two) decides it, except in the deciding set when the
//!   format says otherwise ([`FinalSet`]): a tiebreak to 10, no tiebreak
//!   (advantage set), or a match tiebreak to 10 played instead of the set.
//! * The server changes every game. In a tiebreak the player whose turn it
//!   is serves the first point, then each serves two points in turn; the
//!   other player serves the first game of the next set.

use serde::{Deserialize, Serialize};

use super::event::FinalSet;

/// One set: games, and the tiebreak points if it had one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SetScore {
    pub games: [u32; 2],
    pub tiebreak: Option<[u32; 2]>,
    pub winner: Option<usize>,
}

/// What one point decided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Won {
    /// Who served the point.
    pub server: usize,
    /// Who served the game (the first point, for a tiebreak).
    pub game_server: usize,
    pub game: bool,
    pub set: bool,
    pub match_: bool,
    /// The game was a tiebreak.
    pub tiebreak: bool,
}

/// The score of a match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Score {
    pub best_of: u32,
    pub final_set: FinalSet,
    /// Finished sets and the set in play (the last).
    pub sets: Vec<SetScore>,
    /// Points in the current game or tiebreak.
    pub points: [u32; 2],
    /// Who serves the current game (who served first, in a tiebreak).
    pub server: usize,
    pub winner: Option<usize>,
}

impl Score {
    pub fn new(best_of: u32, final_set: FinalSet, server: usize) -> Self {
        Score { best_of, final_set, sets: vec![SetScore::default()], points: [0, 0], server, winner: None }
    }

    /// The set in play is the deciding set.
    pub fn deciding(&self) -> bool {
        self.sets.len() as u32 == self.best_of
    }

    /// In a tiebreak: the points it is played to.
    pub fn tiebreak_to(&self) -> Option<u32> {
        let games = self.sets.last().map_or([0, 0], |s| s.games);
        match (self.deciding(), self.final_set) {
            (true, FinalSet::MatchTiebreak) => Some(10),
            _ if games != [6, 6] => None,
            (true, FinalSet::LongTiebreak) => Some(10),
            (true, FinalSet::Advantage) => None,
            _ => Some(7),
        }
    }

    /// Who serves the next point.
    pub fn point_server(&self) -> usize {
        if self.tiebreak_to().is_some() {
            let n = self.points[0] + self.points[1];
            if n.div_ceil(2).is_multiple_of(2) { self.server } else { 1 - self.server }
        } else {
            self.server
        }
    }

    /// Sets won by each player.
    pub fn sets_won(&self) -> [u32; 2] {
        let won = |p: usize| self.sets.iter().filter(|s| s.winner == Some(p)).count() as u32;
        [won(0), won(1)]
    }

    /// Player `w` wins a point.
    pub fn point(&mut self, w: usize) -> Won {
        let server = self.point_server();
        let tb = self.tiebreak_to();
        self.points[w] += 1;
        let (pw, pl) = (self.points[w], self.points[1 - w]);
        let game = pw >= tb.unwrap_or(4) && pw >= pl + 2;
        let mut won = Won { server, game_server: self.server, game, tiebreak: tb.is_some(), ..Won::default() };
        if !game {
            return won;
        }
        let points = std::mem::take(&mut self.points);
        self.server = 1 - self.server;
        let Some(set) = self.sets.last_mut() else { return won };
        if tb.is_some() {
            set.tiebreak = Some(points);
        }
        set.games[w] += 1;
        let (gw, gl) = (set.games[w], set.games[1 - w]);
        won.set = tb.is_some() || (gw >= 6 && gw >= gl + 2);
        if won.set {
            set.winner = Some(w);
            if self.sets_won()[w] > self.best_of / 2 {
                self.winner = Some(w);
                won.match_ = true;
            } else {
                self.sets.push(SetScore::default());
            }
        }
        won
    }

    /// What player `p` winning the next point would decide.
    pub fn if_won_by(&self, p: usize) -> Won {
        self.clone().point(p)
    }

    /// The receiver, if winning the next point would break serve.
    pub fn break_point(&self) -> Option<usize> {
        let r = 1 - self.server;
        (self.tiebreak_to().is_none() && self.if_won_by(r).game).then_some(r)
    }

    /// The points as called: `["30", "15"]`, `["40", "AD"]`, tiebreak counts.
    pub fn points_text(&self) -> [String; 2] {
        if self.tiebreak_to().is_some() {
            return self.points.map(|p| p.to_string());
        }
        let [a, b] = self.points;
        if a >= 3 && b >= 3 {
            return match a.cmp(&b) {
                std::cmp::Ordering::Equal => ["40".into(), "40".into()],
                std::cmp::Ordering::Greater => ["AD".into(), "40".into()],
                std::cmp::Ordering::Less => ["40".into(), "AD".into()],
            };
        }
        self.points.map(|p| ["0", "15", "30", "40"][p.min(3) as usize].to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn play(s: &mut Score, winners: &[usize]) -> Vec<Won> {
        winners.iter().map(|&w| s.point(w)).collect()
    }

    /// Player `w` wins a game of four straight points.
    fn game(s: &mut Score, w: usize) {
        let won = play(s, &[w, w, w, w]);
        assert!(won[3].game && !won[2].game);
    }

    #[test]
    fn deuce_and_advantage_until_two_clear() {
        let mut s = Score::new(3, FinalSet::Tiebreak, 0);
        play(&mut s, &[0, 0, 0, 1, 1, 1]);
        assert_eq!(s.points_text(), ["40", "40"]);
        assert!(!s.point(0).game);
        assert_eq!(s.points_text(), ["AD", "40"]);
        assert!(!s.point(1).game, "back to deuce");
        assert!(!s.point(1).game);
        assert_eq!(s.points_text(), ["40", "AD"]);
        assert_eq!(s.break_point(), Some(1));
        let w = s.point(1);
        assert!(w.game && !w.set);
        assert_eq!(s.sets[0].games, [0, 1]);
        assert_eq!((s.server, s.points), (1, [0, 0]), "the server changes every game");
    }

    #[test]
    fn a_set_needs_two_games_clear_then_a_tiebreak_to_seven_by_two() {
        let mut s = Score::new(3, FinalSet::Tiebreak, 0);
        for _ in 0..5 {
            game(&mut s, 0);
            game(&mut s, 1);
        }
        game(&mut s, 0);
        assert_eq!(s.sets[0].games, [6, 5], "6-5 is not a set");
        assert_eq!(s.sets.len(), 1);
        game(&mut s, 1);
        assert_eq!(s.tiebreak_to(), Some(7));
        // Player 0 served the first game, so at 6-6 it is player 0's turn.
        assert_eq!(s.server, 0);
        let mut servers = Vec::new();
        for w in [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1] {
            servers.push(s.point_server());
            assert!(!s.point(w).game);
        }
        assert_eq!(servers, [0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0], "one point, then two each");
        assert_eq!(s.points_text(), ["6", "6"]);
        assert!(!s.point(1).game, "7-6 is not enough");
        let w = s.point(1);
        assert!(w.game && w.set && w.tiebreak);
        assert_eq!(s.sets[0], SetScore { games: [6, 7], tiebreak: Some([6, 8]), winner: Some(1) });
        assert_eq!(s.server, 1, "who received first in the tiebreak serves first in the next set");
    }

    #[test]
    fn seven_five_wins_a_set() {
        let mut s = Score::new(3, FinalSet::Tiebreak, 1);
        for _ in 0..5 {
            game(&mut s, 0);
            game(&mut s, 1);
        }
        game(&mut s, 0);
        game(&mut s, 0);
        assert_eq!(s.sets[0].winner, Some(0));
        assert_eq!(s.sets[0].games, [7, 5]);
        assert_eq!(s.sets[0].tiebreak, None);
    }

    fn win_set(s: &mut Score, w: usize) -> Won {
        let mut last = Won::default();
        for _ in 0..6 {
            for _ in 0..4 {
                last = s.point(w);
            }
        }
        last
    }

    #[test]
    fn best_of_three_ends_at_two_sets_best_of_five_at_three() {
        let mut s = Score::new(3, FinalSet::Tiebreak, 0);
        assert!(!win_set(&mut s, 1).match_);
        let w = win_set(&mut s, 1);
        assert!(w.match_ && w.set);
        assert_eq!((s.winner, s.sets_won(), s.sets.len()), (Some(1), [0, 2], 2));
        let mut s = Score::new(5, FinalSet::LongTiebreak, 0);
        win_set(&mut s, 0);
        win_set(&mut s, 1);
        win_set(&mut s, 0);
        assert_eq!(s.winner, None);
        win_set(&mut s, 1);
        assert!(s.deciding());
        assert!(win_set(&mut s, 0).match_);
        assert_eq!(s.sets_won(), [3, 2]);
    }

    /// Both players level at one set all in a best of 3.
    fn one_set_all(final_set: FinalSet) -> Score {
        let mut s = Score::new(3, final_set, 0);
        win_set(&mut s, 0);
        win_set(&mut s, 1);
        s
    }

    #[test]
    fn a_match_tiebreak_to_ten_replaces_the_deciding_set() {
        let mut s = one_set_all(FinalSet::MatchTiebreak);
        assert_eq!(s.tiebreak_to(), Some(10));
        for _ in 0..9 {
            s.point(0);
            s.point(1);
        }
        assert_eq!(s.points_text(), ["9", "9"]);
        assert!(!s.point(0).game);
        assert!(s.if_won_by(0).match_, "match point at 10-9");
        assert!(!s.point(1).game, "10-10: two clear needed");
        s.point(0);
        let w = s.point(0);
        assert!(w.match_ && w.tiebreak);
        assert_eq!(s.sets[2], SetScore { games: [1, 0], tiebreak: Some([12, 10]), winner: Some(0) });
    }

    #[test]
    fn deciding_set_rules_at_six_all() {
        let at_six_all = |final_set| {
            let mut s = one_set_all(final_set);
            for _ in 0..6 {
                game(&mut s, 0);
                game(&mut s, 1);
            }
            s
        };
        assert_eq!(at_six_all(FinalSet::Tiebreak).tiebreak_to(), Some(7));
        assert_eq!(at_six_all(FinalSet::LongTiebreak).tiebreak_to(), Some(10));
        let mut adv = at_six_all(FinalSet::Advantage);
        assert_eq!(adv.tiebreak_to(), None);
        game(&mut adv, 0);
        game(&mut adv, 1);
        game(&mut adv, 1);
        assert_eq!(adv.winner, None);
        game(&mut adv, 1);
        assert_eq!((adv.winner, adv.sets[2].games), (Some(1), [7, 9]));
    }

    #[test]
    fn break_points_are_the_receivers_game_points() {
        let mut s = Score::new(3, FinalSet::Tiebreak, 0);
        play(&mut s, &[1, 1, 1]);
        assert_eq!(s.break_point(), Some(1), "0-40");
        play(&mut s, &[0, 0, 0]);
        assert_eq!(s.break_point(), None, "deuce");
        s.point(0);
        assert_eq!(s.break_point(), None, "server's advantage");
    }
}
