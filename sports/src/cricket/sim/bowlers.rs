//! Who bowls the next over: a captain's choice weighted by quality, phase
//! and spells, always within the laws (over limit per bowler, no two
//! consecutive overs) and never painting the side into a corner where the
//! remaining overs cannot be bowled.

use rand_chacha::ChaCha8Rng;

use super::model::{Phase, pick_weighted};
use super::squads::{BowlingKind, Team};
use crate::cricket::Format;

/// Whether `remaining` overs can still be bowled by bowlers with the given
/// quotas left, no bowler bowling two in a row and `prev` (who bowled the
/// over just before) not bowling the first of them.
///
/// A sequence with counts `n_j` exists iff `n_prev <= remaining / 2` and
/// every other `n_j <= ceil(remaining / 2)`, so it is enough that the capped
/// quotas add up to `remaining`.
pub(crate) fn feasible(remaining: u32, prev: Option<usize>, quotas: &[(usize, u32)]) -> bool {
    let capped: u32 = quotas
        .iter()
        .map(|&(who, q)| q.min(if Some(who) == prev { remaining / 2 } else { remaining.div_ceil(2) }))
        .sum();
    capped >= remaining
}

/// Spell bookkeeping of one innings.
#[derive(Debug, Clone)]
pub(crate) struct Rotation {
    format: Format,
    /// Max overs per bowler.
    limit: u32,
    /// Overs in the innings.
    overs: u32,
    /// Eligible bowlers (indexes into the bowling side).
    bowlers: Vec<usize>,
    /// Overs bowled by each player of the bowling side.
    bowled: Vec<u32>,
    /// Bowler of each over so far.
    history: Vec<usize>,
}

impl Rotation {
    pub(crate) fn new(format: Format, overs: u32, limit: u32, bowlers: Vec<usize>, squad_len: usize) -> Rotation {
        Rotation { format, limit, overs, bowlers, bowled: vec![0; squad_len], history: Vec::new() }
    }

    /// Overs bowled so far by player `who`.
    #[cfg(test)]
    pub(crate) fn bowled(&self, who: usize) -> u32 {
        self.bowled.get(who).copied().unwrap_or(0)
    }

    /// Length of `who`'s current spell (overs bowled in alternate overs up to now).
    fn spell(&self, who: usize) -> u32 {
        let mut n = 0;
        let mut i = self.history.len();
        while i >= 2 && self.history[i - 2] == who {
            n += 1;
            i -= 2;
        }
        n
    }

    /// Choose the bowler of the next over and record it.
    pub(crate) fn next(&mut self, side: &Team, rng: &mut ChaCha8Rng) -> usize {
        let over = u32::try_from(self.history.len()).unwrap_or(u32::MAX);
        let prev = self.history.last().copied();
        let phase = Phase::of(self.format, over, false);
        let remaining_after = self.overs.saturating_sub(over + 1);
        let quotas: Vec<(usize, u32)> =
            self.bowlers.iter().map(|&b| (b, self.limit.saturating_sub(self.bowled[b]))).collect();
        let mut candidates = Vec::new();
        let mut weights = Vec::new();
        for &(who, left) in &quotas {
            if left == 0 || Some(who) == prev {
                continue;
            }
            let after: Vec<(usize, u32)> =
                quotas.iter().map(|&(b, q)| if b == who { (b, q - 1) } else { (b, q) }).collect();
            if !feasible(remaining_after, Some(who), &after) {
                continue;
            }
            candidates.push(who);
            weights.push(self.weight(side, who, phase, left));
        }
        let who = if candidates.is_empty() {
            // Cannot happen while `feasible` holds at the start; fall back to
            // anyone who did not bowl the last over.
            self.bowlers.iter().copied().find(|&b| Some(b) != prev).unwrap_or(0)
        } else {
            candidates[pick_weighted(rng, &weights)]
        };
        if let Some(n) = self.bowled.get_mut(who) {
            *n += 1;
        }
        self.history.push(who);
        who
    }

    fn weight(&self, side: &Team, who: usize, phase: Phase, left: u32) -> f64 {
        let Some((kind, skill)) = side.players[who].bowling else {
            return 0.0;
        };
        let mut w = skill.powi(4) * f64::from(left).sqrt();
        w *= match (phase, kind) {
            (Phase::Powerplay, BowlingKind::Pace) => 1.6,
            (Phase::Powerplay, BowlingKind::Spin) => 0.45,
            (Phase::Middle, BowlingKind::Pace) => 0.8,
            (Phase::Middle, BowlingKind::Spin) => 1.8,
            (Phase::Death, BowlingKind::Pace) => 2.2,
            (Phase::Death, BowlingKind::Spin) => 0.4,
        };
        if skill < 0.85 {
            w *= 0.3;
        }
        let spell_len = match self.format {
            Format::T20 => 2,
            Format::Odi => 5,
        };
        let spell = self.spell(who);
        if spell > 0 {
            w *= if spell < spell_len { 5.0 } else { 0.15 };
        }
        // Keep the strike pacers' last overs for the death.
        if phase != Phase::Death && kind == BowlingKind::Pace && skill >= 1.08 && left <= 2 {
            w *= 0.25;
        }
        w
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::cricket::sim::squads::team_pool;

    /// Exhaustive search: can `remaining` overs be bowled?
    fn brute(remaining: u32, prev: Option<usize>, quotas: &mut Vec<(usize, u32)>) -> bool {
        if remaining == 0 {
            return true;
        }
        for i in 0..quotas.len() {
            let (who, q) = quotas[i];
            if q == 0 || Some(who) == prev {
                continue;
            }
            quotas[i].1 -= 1;
            let ok = brute(remaining - 1, Some(who), quotas);
            quotas[i].1 += 1;
            if ok {
                return true;
            }
        }
        false
    }

    #[test]
    fn feasibility_matches_exhaustive_search() {
        let mut checked = 0;
        for remaining in 0..=8u32 {
            for a in 0..=4u32 {
                for b in 0..=4u32 {
                    for c in 0..=3u32 {
                        for prev in [None, Some(0), Some(1), Some(2), Some(9)] {
                            let mut q = vec![(0, a), (1, b), (2, c)];
                            assert_eq!(
                                feasible(remaining, prev, &q),
                                brute(remaining, prev, &mut q),
                                "remaining {remaining} prev {prev:?} quotas {q:?}"
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 1000);
    }

    #[test]
    fn rotation_respects_limits_and_alternation() {
        for team in team_pool() {
            for (format, overs, limit) in [(Format::T20, 20, 4), (Format::Odi, 50, 10)] {
                for seed in 0..20 {
                    let mut rng = ChaCha8Rng::seed_from_u64(seed);
                    let mut rot = Rotation::new(format, overs, limit, team.bowlers(), team.players.len());
                    let seq: Vec<usize> = (0..overs).map(|_| rot.next(&team, &mut rng)).collect();
                    for w in seq.windows(2) {
                        assert_ne!(w[0], w[1], "{}: consecutive overs", team.name);
                    }
                    for &b in &team.bowlers() {
                        assert!(rot.bowled(b) <= limit);
                    }
                    assert!(seq.iter().all(|b| team.players[*b].bowling.is_some()));
                }
            }
        }
    }
}
