//! The game engine: possession by possession. Each action of the side with
//! the ball is a turnover, a foul, or a field-goal attempt (with blocks,
//! assists, offensive rebounds and and-ones), at NBA rates (per team and
//! game: ~100 possessions, ~88 field-goal attempts, 37 % of them threes,
//! ~14 turnovers, ~20 fouls, ~22 free throws, ~110 points); FIBA games are
//! slower and shorter. Time per action is drawn within the shot clock.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::teams::{Skills, Team};
use crate::basketball::event::{Event, FoulKind, MatchInfo, Ruleset, SHOT_CLOCK, SHOT_CLOCK_RESET, TurnoverKind};
use crate::sim::draw::{chance, gauss, weighted};

/// What happens after an action.
pub(super) enum Next {
    /// The ball goes to this side: a new possession (24-second shot clock).
    Ball(usize),
    /// The same side keeps the ball; the shot clock was reset at game
    /// clock `at` to `length` seconds.
    Keep { at: u32, length: u32 },
}

/// One simulated game in progress.
pub(super) struct Game {
    pub rng: ChaCha8Rng,
    pub teams: [Team; 2],
    pub rules: Ruleset,
    pub events: Vec<Event>,
    pub score: [u32; 2],
    pub period: u32,
    pub clock: u32,
    /// Per side and roster index.
    pub on: [Vec<bool>; 2],
    pub played: [Vec<u32>; 2],
    /// Game clock when the current stint began.
    pub since: [Vec<u32>; 2],
    pub pf: [Vec<u32>; 2],
    pub out: [Vec<bool>; 2],
    pub team_fouls: [u32; 2],
    pub timeouts: [u32; 2],
    /// Points scored by each side since the other last scored.
    pub run: [u32; 2],
    /// The ball is dead: substitutions and timeouts may happen.
    pub dead: bool,
}

impl Game {
    pub fn new(rng: ChaCha8Rng, teams: [Team; 2], rules: Ruleset) -> Self {
        let flags = |t: &Team, v: bool| (0..t.players.len()).map(|i| v && i < 5).collect::<Vec<bool>>();
        let zeros = |t: &Team| vec![0u32; t.players.len()];
        Game {
            rng,
            on: [flags(&teams[0], true), flags(&teams[1], true)],
            played: [zeros(&teams[0]), zeros(&teams[1])],
            since: [zeros(&teams[0]), zeros(&teams[1])],
            pf: [zeros(&teams[0]), zeros(&teams[1])],
            out: [flags(&teams[0], false), flags(&teams[1], false)],
            teams,
            rules,
            events: Vec::new(),
            score: [0, 0],
            period: 0,
            clock: 0,
            team_fouls: [0, 0],
            timeouts: [0, 0],
            run: [0, 0],
            dead: false,
        }
    }

    pub fn name(&self, s: usize, k: usize) -> String {
        self.teams[s].players[k].0.name.clone()
    }

    pub fn team(&self, s: usize) -> String {
        self.teams[s].name.clone()
    }

    /// An eligible player on the court for side `s`, drawn by `weight`.
    pub fn pick(&mut self, s: usize, weight: fn(&Skills) -> f64, except: Option<usize>) -> usize {
        let w: Vec<f64> = (0..self.teams[s].players.len())
            .map(|k| {
                if self.on[s][k] && !self.out[s][k] && Some(k) != except {
                    weight(&self.teams[s].players[k].1)
                } else {
                    0.0
                }
            })
            .collect();
        weighted(&mut self.rng, &w)
    }

    pub fn run(mut self) -> Vec<Event> {
        self.events.push(Event::MatchStart(MatchInfo {
            teams: vec![self.teams[0].roster(), self.teams[1].roster()],
            rules: self.rules,
            title: Some(format!("{} v {}", self.teams[0].name, self.teams[1].name)),
            venue: Some(self.teams[0].arena.clone()),
            date: None,
        }));
        let jump = usize::from(chance(&mut self.rng, 0.5));
        loop {
            self.period += 1;
            let first = match self.period {
                1 | 4 => jump,
                2 | 3 => 1 - jump,
                _ => usize::from(chance(&mut self.rng, 0.5)),
            };
            self.period_start(first);
            let (mut side, mut at, mut length) = (first, self.clock, SHOT_CLOCK);
            while self.clock > 0 {
                match self.action(side, at, length) {
                    Next::Ball(s) => {
                        (side, at, length) = (s, self.clock, SHOT_CLOCK);
                        self.dead_ball(side);
                    }
                    Next::Keep { at: a, length: l } => (at, length) = (a, l),
                }
            }
            self.period_end();
            if self.period >= 4 && self.score[0] != self.score[1] {
                return self.events;
            }
        }
    }

    /// Tip-off or the start of a later period: starters back for the first
    /// and third quarters and overtimes, timeouts and team fouls per the rules.
    fn period_start(&mut self, first: usize) {
        let len = self.rules.period_secs(self.period);
        if matches!(self.period, 3) || self.period > 4 {
            for s in 0..2 {
                self.clock = len;
                self.starters_back(s, 5);
            }
        }
        self.clock = len;
        self.events.push(Event::PeriodStart { period: self.period, possession: self.team(first) });
        if !(self.rules == Ruleset::Fiba && self.period > 4) {
            self.team_fouls = [0, 0];
        }
        let timeouts = match (self.rules, self.period) {
            (Ruleset::Nba, 1) => Some(7),
            (Ruleset::Nba, p) if p > 4 => Some(2),
            (Ruleset::Fiba, 1) => Some(2),
            (Ruleset::Fiba, 3) => Some(3),
            (Ruleset::Fiba, p) if p > 4 => Some(1),
            _ => None,
        };
        if let Some(n) = timeouts {
            self.timeouts = [n, n];
        }
        for s in 0..2 {
            for k in 0..self.on[s].len() {
                self.since[s][k] = len;
            }
        }
        self.run = [0, 0];
        self.dead = false;
    }

    fn period_end(&mut self) {
        for s in 0..2 {
            for k in 0..self.on[s].len() {
                if self.on[s][k] {
                    self.played[s][k] += self.since[s][k];
                    self.since[s][k] = 0;
                }
            }
        }
        self.events.push(Event::PeriodEnd { period: self.period });
    }

    /// Seconds of regulation play left in the game (0 in overtime).
    pub fn regulation_left(&self) -> u32 {
        let q = self.rules.quarter_secs();
        if self.period > 4 { 0 } else { (4 - self.period) * q + self.clock }
    }

    /// A common foul by side `s`'s player `k` (also shooting and offensive
    /// fouls): counts, foul-outs (replaced at once).
    pub fn foul(&mut self, s: usize, k: usize, kind: FoulKind) {
        self.events.push(Event::Foul { team: self.team(s), player: self.name(s, k), kind, clock: self.clock });
        self.pf[s][k] += 1;
        let team_foul = kind != FoulKind::Offensive || self.rules == Ruleset::Fiba;
        self.team_fouls[s] += u32::from(team_foul);
        self.dead = true;
        if self.pf[s][k] >= self.rules.foul_limit() {
            self.out[s][k] = true;
            self.replace(s, k);
        }
    }

    /// Points for side `s`.
    pub fn scored(&mut self, s: usize, points: u32) {
        self.score[s] += points;
        self.run[s] += points;
        self.run[1 - s] = 0;
    }

    /// Seconds the next action takes: around the pace, within the shot clock
    /// and the game clock (None: the period runs out first).
    pub fn take_time(&mut self, shot_left: u32, quick: bool) -> Option<u32> {
        let pace = match (self.rules, quick) {
            (_, true) => 5.0,
            (Ruleset::Nba, false) => 13.0,
            (Ruleset::Fiba, false) => 15.0,
        };
        let want = (pace + gauss(&mut self.rng) * 4.0).round().max(2.0) as u32;
        let dur = want.min(shot_left.max(1));
        if dur < self.clock {
            return Some(dur);
        }
        if self.clock <= 2 {
            return None;
        }
        Some(self.clock - self.rng.random_range(0..=1))
    }
}

/// Shot clock left at game clock `clock` for a reset at `at` to `length`.
pub(super) fn shot_left(at: u32, length: u32, clock: u32) -> u32 {
    length.saturating_sub(at.saturating_sub(clock))
}

/// After an offensive rebound.
pub(super) fn keep_after_rebound(clock: u32) -> Next {
    Next::Keep { at: clock, length: SHOT_CLOCK_RESET }
}

/// The kind of a turnover without a steal.
pub(super) fn dead_turnover(rng: &mut ChaCha8Rng) -> TurnoverKind {
    [TurnoverKind::BadPass, TurnoverKind::Traveling, TurnoverKind::OutOfBounds, TurnoverKind::LostBall]
        [weighted(rng, &[0.35, 0.25, 0.3, 0.1])]
}
