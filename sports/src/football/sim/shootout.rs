//! The penalty shoot-out: alternate kicks, best players first, until the
//! laws' shoot-out (five each, then sudden death) is decided.

use super::play::Play;
use super::teams::Team;
use crate::football::event::{Event, Period, Position};
use crate::football::state::{Kick, Shootout};
use crate::sim::draw::chance;

impl Play {
    pub(super) fn shootout(&mut self) {
        self.events.push(Event::PeriodStart { period: Period::Shootout });
        let first = usize::from(chance(&mut self.rng, 0.5));
        let order: [Vec<usize>; 2] = [0, 1].map(|s| {
            let mut ks: Vec<usize> = (0..self.teams[s].squad.len()).filter(|&k| self.on[s][k]).collect();
            ks.sort_by(|&x, &y| kick_skill(&self.teams[s], y).total_cmp(&kick_skill(&self.teams[s], x)));
            ks
        });
        let mut so = Shootout { first: Some(first), ..Shootout::default() };
        while so.winner().is_none() {
            let s = so.next().unwrap_or(first);
            let k = order[s][so.kicks[s].len() % order[s].len()];
            let form = self.teams[s].squad[k].1;
            let scored = chance(&mut self.rng, 0.75 + (form - 1.0) * 0.1);
            let player = self.name(s, k);
            so.kicks[s].push(Kick { player: player.clone(), scored });
            self.events.push(Event::ShootoutKick { team: self.team(s), player, scored });
        }
    }
}

/// Penalty-taking order: forwards, then midfielders, defenders, the goalkeeper last.
fn kick_skill(t: &Team, k: usize) -> f64 {
    let (p, form) = &t.squad[k];
    let base = match p.position {
        Position::Fw => 4.0,
        Position::Mf => 3.0,
        Position::Df => 2.0,
        Position::Gk => 0.0,
    };
    base + form
}
