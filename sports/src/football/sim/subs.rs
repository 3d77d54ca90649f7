//! Substitutions: when each side makes them, and whom for whom (tired
//! and out-of-form players off, like for like on, a forward on when
//! chasing the game).

use rand::Rng;

use super::play::Play;
use crate::football::event::{Event, Position};
use crate::sim::draw::{chance, weighted};

impl Play {
    /// Substitution minutes: 3 to 5 in the second half (sometimes one at
    /// half time), or up to 2 in extra time with the extra allowance.
    pub(super) fn plan_subs(&mut self, extra_time: bool) {
        for s in 0..2 {
            let mut plan = Vec::new();
            if extra_time {
                for _ in 0..weighted(&mut self.rng, &[0.3, 0.45, 0.25]) {
                    plan.push(self.rng.random_range(91..=112));
                }
            } else {
                let n = 3 + weighted(&mut self.rng, &[0.25, 0.35, 0.4]);
                for i in 0..n {
                    let m = if i == 0 && chance(&mut self.rng, 0.15) { 46 } else { self.rng.random_range(56..=89) };
                    plan.push(m);
                }
            }
            self.sub_plan[s] = plan;
        }
    }

    pub(super) fn substitute(&mut self, s: usize) {
        let allowed = 5 + u32::from(self.clock.0 > 90);
        if self.subs[s] >= allowed {
            return;
        }
        let squad = &self.teams[s].squad;
        let trailing = self.score[s] < self.score[1 - s];
        let off_w: Vec<f64> = (0..squad.len())
            .map(|k| {
                let (p, form) = &squad[k];
                if !self.on[s][k] || p.position == Position::Gk {
                    return 0.0;
                }
                let tactical = if trailing && p.position == Position::Df { 2.0 } else { 1.0 };
                tactical * (2.0 - form)
            })
            .collect();
        if off_w.iter().sum::<f64>() <= 0.0 {
            return;
        }
        let off = weighted(&mut self.rng, &off_w);
        let want = if trailing { Position::Fw } else { squad[off].0.position };
        let on_w: Vec<f64> = (0..squad.len())
            .map(|k| {
                let p = &squad[k].0;
                if self.played[s][k] || p.position == Position::Gk {
                    0.0
                } else if p.position == want {
                    1.0
                } else {
                    0.1
                }
            })
            .collect();
        if on_w.iter().sum::<f64>() <= 0.0 {
            return;
        }
        let on = weighted(&mut self.rng, &on_w);
        self.on[s][off] = false;
        self.on[s][on] = true;
        self.played[s][on] = true;
        self.subs[s] += 1;
        self.stoppages += 1;
        let (team, (minute, added)) = (self.team(s), self.clock);
        self.events.push(Event::Substitution { team, off: self.name(s, off), on: self.name(s, on), minute, added });
    }
}
