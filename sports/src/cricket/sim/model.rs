//! The ball-by-ball outcome model: probabilities by phase of the innings,
//! batter and bowler quality, how set the batter is and how hard the batting
//! side has to push; extras and dismissal kinds at realistic rates.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::squads::BowlingKind;
use crate::cricket::{DismissalKind, Format};

/// Phase of an innings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Fielding restrictions: T20 overs 1-6, ODI overs 1-10.
    Powerplay,
    /// Consolidation: T20 overs 7-15, ODI overs 11-40.
    Middle,
    /// Slog: T20 overs 16-20, ODI overs 41-50 (and super overs).
    Death,
}

impl Phase {
    /// The phase of 0-based `over`.
    pub(crate) fn of(format: Format, over: u32, super_over: bool) -> Phase {
        let (pp, death) = match format {
            Format::T20 => (6, 15),
            Format::Odi => (10, 40),
        };
        if super_over || over >= death {
            Phase::Death
        } else if over < pp {
            Phase::Powerplay
        } else {
            Phase::Middle
        }
    }
}

/// What the batter does with a legal delivery that is not a bye or leg-bye.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shot {
    Dot,
    Runs(u32),
    Four,
    Six,
    Wicket,
}

const SHOTS: [Shot; 7] = [Shot::Dot, Shot::Runs(1), Shot::Runs(2), Shot::Runs(3), Shot::Four, Shot::Six, Shot::Wicket];

/// Base probabilities of dot, 1, 2, 3, four, six, wicket for an average
/// batter against an average bowler.
fn base(format: Format, phase: Phase) -> [f64; 7] {
    match (format, phase) {
        (Format::T20, Phase::Powerplay) => [0.425, 0.290, 0.055, 0.005, 0.155, 0.052, 0.040],
        (Format::T20, Phase::Middle) => [0.335, 0.415, 0.070, 0.005, 0.088, 0.047, 0.045],
        (Format::T20, Phase::Death) => [0.275, 0.330, 0.080, 0.005, 0.135, 0.100, 0.075],
        (Format::Odi, Phase::Powerplay) => [0.600, 0.225, 0.040, 0.006, 0.097, 0.013, 0.021],
        (Format::Odi, Phase::Middle) => [0.490, 0.378, 0.056, 0.006, 0.048, 0.011, 0.021],
        (Format::Odi, Phase::Death) => [0.350, 0.350, 0.080, 0.006, 0.105, 0.055, 0.054],
    }
}

/// Everything about one delivery that shapes its outcome.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BallContext {
    pub format: Format,
    pub phase: Phase,
    /// Batting quality of the striker (about 0.4 .. 1.25).
    pub batting: f64,
    /// Bowling quality of the bowler (about 0.7 .. 1.2).
    pub bowling: f64,
    pub kind: BowlingKind,
    /// Balls the striker has faced so far.
    pub faced: u32,
    /// How hard the batting side pushes: 0 normal, negative cautious, positive all-out attack.
    pub aggression: f64,
    /// Pitch and ground: above 1 a batting paradise, below 1 a slow turner.
    pub pitch: f64,
    /// The delivery is a free hit (after a no-ball): only a run out can dismiss.
    pub free_hit: bool,
}

/// Probabilities of dot, 1, 2, 3, four, six, wicket for this context (sum 1).
pub(crate) fn shot_probs(ctx: &BallContext) -> [f64; 7] {
    let mut p = base(ctx.format, ctx.phase);
    let mut boundary = ctx.batting / ctx.bowling.powf(0.8) * ctx.pitch;
    let mut wicket = ctx.bowling.powf(1.5) / ctx.batting * (2.0 - ctx.pitch);
    if ctx.faced < 6 {
        boundary *= 0.75;
        wicket *= 1.2;
    } else if ctx.faced > 25 {
        boundary *= 1.15;
        wicket *= 0.85;
    }
    let a = ctx.aggression.clamp(-0.8, 1.8);
    boundary *= 1.0 + 0.45 * a;
    wicket *= (1.0 + 0.6 * a).max(0.4);
    p[0] *= (1.0 - 0.2 * a).max(0.5) / ctx.batting.sqrt();
    p[1] *= ctx.batting.sqrt();
    p[4] *= boundary;
    p[5] *= boundary * (1.0 + 0.3 * a.max(0.0));
    if ctx.free_hit {
        p[5] *= 1.6;
        p[4] *= 1.3;
        // Only the run-out share of dismissals survives a free hit.
        wicket *= 0.08;
    }
    p[6] *= wicket;
    let total: f64 = p.iter().sum();
    p.map(|x| x / total)
}

/// Draw an index from unnormalized weights.
pub(crate) fn pick_weighted(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return 0;
    }
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len().saturating_sub(1)
}

/// Sample the batter's outcome of a legal delivery.
pub(crate) fn sample_shot(rng: &mut ChaCha8Rng, ctx: &BallContext) -> Shot {
    SHOTS[pick_weighted(rng, &shot_probs(ctx))]
}

/// What kind of delivery this is, before the batter's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BallKind {
    /// A fair delivery the batter plays (the outcome is a [`Shot`]).
    Fair,
    /// Wide: total wide runs (1 penalty + runs run, 5 if it reaches the rope).
    Wide(u32),
    /// No-ball: the batter's outcome is sampled as for a fair ball (no dismissal but run out).
    NoBall,
    /// Byes run or to the boundary.
    Byes(u32),
    /// Leg-byes run or to the boundary.
    LegByes(u32),
    /// Five penalty runs to the batting side (ball hits a fielding helmet, ...), plus runs run.
    Penalty(u32),
}

/// Sample the kind of delivery: wides ~3.5%, no-balls ~0.5%, leg-byes ~1.3%,
/// byes ~0.4%, penalty runs about once in twenty matches.
pub(crate) fn sample_ball_kind(rng: &mut ChaCha8Rng, phase: Phase, kind: BowlingKind) -> BallKind {
    let (wide, noball) = match kind {
        BowlingKind::Pace => (0.038, 0.0075),
        BowlingKind::Spin => (0.026, 0.0015),
    };
    let wide = if phase == Phase::Death { wide * 1.25 } else { wide };
    let x = rng.random::<f64>();
    if x < wide {
        let runs = match rng.random::<f64>() {
            r if r < 0.88 => 1,
            r if r < 0.92 => 2,
            r if r < 0.935 => 3,
            _ => 5,
        };
        return BallKind::Wide(runs);
    }
    let x = x - wide;
    if x < noball {
        return BallKind::NoBall;
    }
    let x = x - noball;
    let (bye, legbye, penalty) = (0.004, 0.013, 0.00022);
    if x < bye {
        let runs = match rng.random::<f64>() {
            r if r < 0.6 => 1,
            r if r < 0.68 => 2,
            _ => 4,
        };
        return BallKind::Byes(runs);
    }
    let x = x - bye;
    if x < legbye {
        let runs = match rng.random::<f64>() {
            r if r < 0.74 => 1,
            r if r < 0.8 => 2,
            _ => 4,
        };
        return BallKind::LegByes(runs);
    }
    if x - legbye < penalty {
        return BallKind::Penalty(rng.random_range(0..=2));
    }
    BallKind::Fair
}

/// Sample how a batter got out (the shot was a wicket): caught ~55%,
/// bowled ~18%, lbw ~12%, run out ~8%, stumped ~3% (spinners), caught and
/// bowled ~2%, hit wicket ~0.5%.
pub(crate) fn sample_dismissal(rng: &mut ChaCha8Rng, kind: BowlingKind, phase: Phase, free_hit: bool) -> DismissalKind {
    if free_hit {
        return DismissalKind::RunOut;
    }
    let stumped = match kind {
        BowlingKind::Pace => 0.3,
        BowlingKind::Spin => 7.0,
    };
    let run_out = if phase == Phase::Death { 11.0 } else { 7.0 };
    let (bowled, lbw) = match kind {
        BowlingKind::Pace => (19.0, 11.0),
        BowlingKind::Spin => (16.0, 14.0),
    };
    let table = [
        (DismissalKind::Caught, 55.0),
        (DismissalKind::Bowled, bowled),
        (DismissalKind::Lbw, lbw),
        (DismissalKind::RunOut, run_out),
        (DismissalKind::Stumped, stumped),
        (DismissalKind::CaughtAndBowled, 2.0),
        (DismissalKind::HitWicket, 0.5),
    ];
    let weights: Vec<f64> = table.iter().map(|(_, w)| *w).collect();
    table[pick_weighted(rng, &weights)].0
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn ctx(batting: f64, phase: Phase) -> BallContext {
        BallContext {
            format: Format::T20,
            phase,
            batting,
            bowling: 1.0,
            kind: BowlingKind::Pace,
            faced: 10,
            aggression: 0.0,
            pitch: 1.0,
            free_hit: false,
        }
    }

    fn runs_per_ball(p: &[f64; 7]) -> f64 {
        p[1] + 2.0 * p[2] + 3.0 * p[3] + 4.0 * p[4] + 6.0 * p[5]
    }

    #[test]
    fn probabilities_are_normalized_and_ordered_by_skill_and_phase() {
        for phase in [Phase::Powerplay, Phase::Middle, Phase::Death] {
            let top = shot_probs(&ctx(1.2, phase));
            let tail = shot_probs(&ctx(0.45, phase));
            for p in [top, tail] {
                assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
                assert!(p.iter().all(|x| *x > 0.0));
            }
            assert!(runs_per_ball(&top) > runs_per_ball(&tail));
            assert!(top[6] * 2.0 < tail[6], "tail-enders get out far more often");
        }
        let middle = shot_probs(&ctx(1.0, Phase::Middle));
        let death = shot_probs(&ctx(1.0, Phase::Death));
        assert!(runs_per_ball(&death) > runs_per_ball(&middle) * 1.2);
        assert!(death[6] > middle[6]);
        let attack = shot_probs(&BallContext { aggression: 1.0, ..ctx(1.0, Phase::Middle) });
        assert!(runs_per_ball(&attack) > runs_per_ball(&middle));
        assert!(attack[6] > middle[6]);
        let free = shot_probs(&BallContext { free_hit: true, ..ctx(1.0, Phase::Middle) });
        assert!(free[6] < middle[6] * 0.2);
    }

    #[test]
    fn extras_and_dismissals_come_at_realistic_rates() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let n = 200_000;
        let mut wides = 0;
        let mut noballs = 0;
        let mut caught = 0;
        let mut stumped = 0;
        for i in 0..n {
            let kind = if i % 2 == 0 { BowlingKind::Pace } else { BowlingKind::Spin };
            match sample_ball_kind(&mut rng, Phase::Middle, kind) {
                BallKind::Wide(_) => wides += 1,
                BallKind::NoBall => noballs += 1,
                _ => {}
            }
            match sample_dismissal(&mut rng, kind, Phase::Middle, false) {
                DismissalKind::Caught => caught += 1,
                DismissalKind::Stumped => stumped += 1,
                _ => {}
            }
        }
        let rate = |k: u32| f64::from(k) / f64::from(n);
        assert!((0.025..0.045).contains(&rate(wides)), "wides {}", rate(wides));
        assert!((0.002..0.008).contains(&rate(noballs)), "no-balls {}", rate(noballs));
        assert!((0.5..0.6).contains(&rate(caught)), "caught {}", rate(caught));
        assert!((0.015..0.05).contains(&rate(stumped)), "stumped {}", rate(stumped));
        assert_eq!(sample_dismissal(&mut rng, BowlingKind::Spin, Phase::Death, true), DismissalKind::RunOut);
    }
}
