//! Coaching: substitutions at dead balls (tired players out, the most
//! under-used fresh ones in; foul trouble; the starters close the game; a
//! fouled-out player replaced at once) and timeouts (to stop a run, late
//! in a close game, now and then to rest).

use super::action::pick_index;
use super::play::Game;
use crate::basketball::event::{Event, Position};
use crate::sim::draw::chance;

/// Longest stint before a player wants a rest, in seconds.
const STINT: u32 = 8 * 60;

impl Game {
    /// Seconds played by side `s`'s player `k`, the current stint included.
    fn secs(&self, s: usize, k: usize) -> u32 {
        let stint = if self.on[s][k] { self.since[s][k].saturating_sub(self.clock) } else { 0 };
        self.played[s][k] + stint
    }

    /// Seconds side `s`'s player `k` should have played by now.
    fn due(&self, s: usize, k: usize) -> f64 {
        let total = 4 * self.rules.quarter_secs();
        let gone = total.saturating_sub(self.regulation_left());
        self.teams[s].players[k].1.minutes * f64::from(gone)
    }

    fn sub(&mut self, s: usize, off: usize, on: usize) {
        let clock = self.clock;
        self.played[s][off] += self.since[s][off].saturating_sub(clock);
        self.on[s][off] = false;
        self.on[s][on] = true;
        self.since[s][on] = clock;
        let (team, player_in, player_out) = (self.team(s), self.name(s, on), self.name(s, off));
        self.events.push(Event::Substitution { team, player_in, player_out, clock });
    }

    /// Foul trouble: 2 fouls in the first quarter, 3 in the second, 4 in
    /// the third, one short of the limit after that.
    fn in_trouble(&self, s: usize, k: usize, limit: u32) -> bool {
        self.pf[s][k] >= (self.period + 1).min(limit - 1)
    }

    /// The best bench player to bring on for `off` (same position preferred).
    fn best_on(&mut self, s: usize, off: usize) -> Option<usize> {
        let pos = self.teams[s].players[off].0.position;
        let w: Vec<f64> = (0..self.on[s].len())
            .map(|k| {
                if self.on[s][k] || self.out[s][k] || self.in_trouble(s, k, self.rules.foul_limit()) {
                    return 0.0;
                }
                let need = (self.due(s, k) - f64::from(self.secs(s, k)) + 600.0).max(1.0);
                let fit = if self.teams[s].players[k].0.position == pos { 1.0 } else { 0.15 };
                need * fit * self.teams[s].players[k].1.minutes
            })
            .collect();
        if w.iter().sum::<f64>() > 0.0 {
            return Some(pick_index(&mut self.rng, &w));
        }
        // Everyone fresh is in foul trouble: anyone eligible will do.
        let any: Vec<f64> =
            (0..self.on[s].len()).map(|k| f64::from(u8::from(!self.on[s][k] && !self.out[s][k]))).collect();
        (any.iter().sum::<f64>() > 0.0).then(|| pick_index(&mut self.rng, &any))
    }

    /// Replace a disqualified player at once.
    pub(super) fn replace(&mut self, s: usize, k: usize) {
        if let Some(on) = self.best_on(s, k) {
            self.sub(s, k, on);
        }
    }

    /// Bring up to `n` eligible starters back on for non-starters.
    pub(super) fn starters_back(&mut self, s: usize, n: usize) {
        for _ in 0..n {
            let starter = (0..5).find(|&k| !self.on[s][k] && !self.out[s][k]);
            let sub = (5..self.on[s].len())
                .filter(|&k| self.on[s][k])
                .min_by(|&a, &b| self.teams[s].players[a].1.minutes.total_cmp(&self.teams[s].players[b].1.minutes));
            match (starter, sub) {
                (Some(st), Some(off)) => self.sub(s, off, st),
                _ => return,
            }
        }
    }

    /// Substitutions for side `s` at a dead ball.
    fn rotate(&mut self, s: usize) {
        let closing = self.period >= 4 && self.clock <= 300;
        if closing {
            self.starters_back(s, 2);
            return;
        }
        let limit = self.rules.foul_limit();
        let tired: Vec<usize> = (0..self.on[s].len())
            .filter(|&k| self.on[s][k])
            .filter(|&k| {
                let stint = self.since[s][k].saturating_sub(self.clock);
                let trouble = self.in_trouble(s, k, limit);
                let over = f64::from(self.secs(s, k)) > self.due(s, k) + 180.0;
                stint > STINT || trouble || (over && stint > 120)
            })
            .collect();
        for off in tired.into_iter().take(2) {
            if let Some(on) = self.best_on(s, off) {
                let need = self.due(s, on) - f64::from(self.secs(s, on));
                let pos_ok = self.teams[s].players[on].0.position == self.teams[s].players[off].0.position
                    || self.teams[s].players[off].0.position != Position::C;
                if need > -120.0 && pos_ok {
                    self.sub(s, off, on);
                }
            }
        }
    }

    /// A new possession for side `s` after a dead ball: timeouts, then substitutions.
    pub(super) fn dead_ball(&mut self, s: usize) {
        if !self.dead {
            return;
        }
        self.dead = false;
        let late = self.period >= 4 && self.clock <= 60 && self.score[0].abs_diff(self.score[1]) <= 3;
        let other = 1 - s;
        let caller = if self.run[s] >= 7 && self.timeouts[other] > 0 {
            Some(other)
        } else if (late && self.timeouts[s] > 0 && chance(&mut self.rng, 0.4))
            || (self.timeouts[s] > 1 && chance(&mut self.rng, 0.16))
        {
            Some(s)
        } else {
            None
        };
        if let Some(c) = caller {
            self.timeouts[c] -= 1;
            self.run = [0, 0];
            self.events.push(Event::Timeout { team: self.team(c), clock: self.clock });
        }
        for side in [s, other] {
            self.rotate(side);
        }
    }
}
