//! One action of the side with the ball, and the free throws and rebounds
//! that follow.

use rand::Rng;

use super::play::{Game, Next, dead_turnover, keep_after_rebound, shot_left};
use super::teams::Skills;
use crate::basketball::event::{Event, FoulKind, SHOT_CLOCK_RESET, TurnoverKind};
use crate::sim::draw::{chance, weighted};

fn usage(s: &Skills) -> f64 {
    s.usage
}

fn fouls(s: &Skills) -> f64 {
    s.foul
}

impl Game {
    /// Side `s` has the ball; its shot clock was reset at game clock `at` to `length`.
    pub(super) fn action(&mut self, s: usize, at: u32, length: u32) -> Next {
        let left = shot_left(at, length, self.clock);
        let quick = length == SHOT_CLOCK_RESET && at == self.clock;
        let Some(dur) = self.take_time(left, quick) else {
            self.clock = 0;
            return Next::Ball(1 - s);
        };
        self.clock -= dur;
        let (team, clock) = (self.team(s), self.clock);
        let roll = self.rng.random::<f64>();
        if dur >= left && left > 0 && roll < 0.3 {
            self.dead = true;
            self.events.push(Event::Turnover {
                team,
                player: None,
                kind: TurnoverKind::ShotClock,
                stolen_by: None,
                clock,
            });
            return Next::Ball(1 - s);
        }
        match roll {
            r if r < 0.11 => {
                let k = self.pick(s, usage, None);
                let steal = chance(&mut self.rng, 0.5).then(|| self.pick(1 - s, |x| x.stl, None));
                let kind = if steal.is_some() {
                    if chance(&mut self.rng, 0.6) { TurnoverKind::BadPass } else { TurnoverKind::LostBall }
                } else {
                    self.dead = true;
                    dead_turnover(&mut self.rng)
                };
                let (player, stolen_by) = (Some(self.name(s, k)), steal.map(|d| self.name(1 - s, d)));
                self.events.push(Event::Turnover { team, player, kind, stolen_by, clock });
                Next::Ball(1 - s)
            }
            r if r < 0.13 => {
                let k = self.pick(s, fouls, None);
                self.foul(s, k, FoulKind::Offensive);
                Next::Ball(1 - s)
            }
            r if r < 0.19 => {
                let d = self.pick(1 - s, fouls, None);
                self.foul(1 - s, d, FoulKind::Personal);
                if self.team_fouls[1 - s] > self.rules.bonus_after(self.period) {
                    let k = self.pick(s, usage, None);
                    return self.free_throws(s, k, 2);
                }
                let left = shot_left(at, length, self.clock);
                if left < SHOT_CLOCK_RESET && left <= self.clock {
                    Next::Keep { at: self.clock, length: SHOT_CLOCK_RESET }
                } else {
                    Next::Keep { at, length }
                }
            }
            r if r < 0.26 => {
                let k = self.pick(s, usage, None);
                let three = chance(&mut self.rng, self.teams[s].players[k].1.three_rate * 0.3);
                let d = self.pick(1 - s, fouls, None);
                self.foul(1 - s, d, FoulKind::Shooting);
                self.free_throws(s, k, if three { 3 } else { 2 })
            }
            _ => self.field_goal(s),
        }
    }

    fn field_goal(&mut self, s: usize) -> Next {
        let k = self.pick(s, usage, None);
        let sk = self.teams[s].players[k].1.clone();
        let three = chance(&mut self.rng, sk.three_rate);
        let adj = 1.0 + 0.6 * (self.teams[s].offence - self.teams[1 - s].defence);
        let p = if three { sk.three } else { sk.two } * adj;
        let made = chance(&mut self.rng, p);
        let points = if three { 3 } else { 2 };
        let (team, player, clock) = (self.team(s), self.name(s, k), self.clock);
        if made {
            let assist = chance(&mut self.rng, if three { 0.8 } else { 0.55 })
                .then(|| self.pick(s, |x| x.ast, Some(k)))
                .filter(|&a| a != k)
                .map(|a| self.name(s, a));
            self.events.push(Event::FieldGoal { team, player, points, made, assist, blocked_by: None, clock });
            self.scored(s, points);
            if !three && chance(&mut self.rng, 0.03) {
                let d = self.pick(1 - s, fouls, None);
                self.foul(1 - s, d, FoulKind::Shooting);
                return self.free_throws(s, k, 1);
            }
            return Next::Ball(1 - s);
        }
        let blocked = chance(&mut self.rng, if three { 0.015 } else { 0.1 });
        let blocked_by = blocked.then(|| self.pick(1 - s, |x| x.blk, None)).map(|d| self.name(1 - s, d));
        self.events.push(Event::FieldGoal { team, player, points, made, assist: None, blocked_by, clock });
        self.rebound(s, 0.26)
    }

    /// `n` free throws by side `s`'s player `k`.
    pub(super) fn free_throws(&mut self, s: usize, k: usize, n: u32) -> Next {
        let ft = self.teams[s].players[k].1.ft;
        let mut made = false;
        for attempt in 1..=n {
            made = chance(&mut self.rng, ft);
            let (team, player, clock) = (self.team(s), self.name(s, k), self.clock);
            self.events.push(Event::FreeThrow { team, player, made, attempt, of: n, clock });
            if made {
                self.scored(s, 1);
            }
        }
        if made {
            self.dead = true;
            Next::Ball(1 - s)
        } else {
            self.rebound(s, 0.13)
        }
    }

    /// A rebound of side `s`'s miss; `offensive` is the chance side `s` gets it.
    fn rebound(&mut self, s: usize, offensive: f64) -> Next {
        let side = if chance(&mut self.rng, offensive) { s } else { 1 - s };
        let player =
            (!chance(&mut self.rng, 0.06)).then(|| self.pick(side, |x| x.reb, None)).map(|k| self.name(side, k));
        self.events.push(Event::Rebound { team: self.team(side), player, clock: self.clock });
        if side == s { keep_after_rebound(self.clock) } else { Next::Ball(side) }
    }
}

/// A weighted pick among `weights` (re-exported for the bench logic).
pub(super) fn pick_index(rng: &mut rand_chacha::ChaCha8Rng, weights: &[f64]) -> usize {
    weighted(rng, weights)
}
