//! A seeded simulator of whole T20 and ODI matches, producing the same
//! event sequence a scorer (or a Cricsheet replay) would.
//!
//! ```
//! use livematch_sports::cricket::{Event, Format};
//! use livematch_sports::cricket::sim::{simulate, SimConfig};
//!
//! let events = simulate(&SimConfig::new(Format::T20, 42));
//! assert!(matches!(events.first(), Some(Event::MatchStart(_))));
//! assert!(matches!(events.last(), Some(Event::Result(_))));
//! ```
//!
//! * Deterministic: the same [`SimConfig`] always gives the same events
//!   (ChaCha8 seeded from [`SimConfig::seed`]; commentary wording draws from
//!   its own stream, so templates never change the cricket).
//! * Realistic: scoring and wicket rates by phase (powerplay, middle, death),
//!   batter and bowler quality, wickets in hand and the required rate; extras
//!   and dismissal kinds at real-world rates; bowling within the over limits.
//! * Laws: strike rotates on odd runs and at the end of each over; the new
//!   batter comes in at the dismissed batter's end, and after a catch takes
//!   strike (2022 law); a chase stops the moment the target is passed; a tie
//!   goes to super overs, the winner named as `eliminator` (as Cricsheet does).

mod bowlers;
mod commentary;
mod innings;
mod model;
mod squads;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use squads::{BowlingKind, Player, Role, Team, find_team, team_pool};

use self::innings::{InningsScore, InningsSpec};
use crate::cricket::{Event, Format, MatchInfo, MatchResult, Outcome, TossDecision};

/// Super overs played before a still-tied match is settled by boundary count.
pub const MAX_SUPER_OVERS: u32 = 3;

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// T20 or ODI.
    pub format: Format,
    /// Same seed and config: same match, event for event.
    pub seed: u64,
    /// The two sides (names from [`team_pool`] get their squads; other names
    /// get invented players). `None`: two pool sides chosen from the seed.
    pub teams: Option<(String, String)>,
}

impl SimConfig {
    /// A match between two pool sides chosen from the seed.
    #[must_use]
    pub fn new(format: Format, seed: u64) -> Self {
        SimConfig { format, seed, teams: None }
    }

    /// The same config between the named sides.
    #[must_use]
    pub fn with_teams(mut self, a: impl Into<String>, b: impl Into<String>) -> Self {
        self.teams = Some((a.into(), b.into()));
        self
    }

    /// Check the configured team names: not empty, not the same side twice.
    ///
    /// # Errors
    /// A team name is empty, or both name the same side.
    pub fn validate(&self) -> Result<(), SimError> {
        let Some((a, b)) = &self.teams else { return Ok(()) };
        if a.trim().is_empty() || b.trim().is_empty() {
            return Err(SimError::EmptyTeamName);
        }
        if a.trim().eq_ignore_ascii_case(b.trim()) {
            return Err(SimError::SameTeam { name: a.trim().to_string() });
        }
        Ok(())
    }
}

/// Why a simulator config is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// One of the two configured names is empty (or only spaces).
    #[error("a team name is empty")]
    EmptyTeamName,
    /// Both configured names are the same side (ignoring case).
    #[error("both sides are called {name:?}")]
    SameTeam { name: String },
}

impl SimError {
    /// Stable short category for metrics labels.
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            SimError::EmptyTeamName => "empty_team_name",
            SimError::SameTeam { .. } => "same_team",
        }
    }
}

/// Random streams and the events written so far.
pub(crate) struct Sim {
    /// The cricket.
    pub rng: ChaCha8Rng,
    /// Commentary wording only.
    pub talk: commentary::Talk,
    pub events: Vec<Event>,
}

/// Simulate a whole match: `MatchStart`, `Toss`, then each innings
/// (`InningsStart`, `BowlerChange` before every over, `Delivery`s,
/// `InningsEnd`), super overs after a tie, and the `Result` last.
///
/// Never fails: a configured team name that is empty, or the same as the
/// other one, is replaced by a pool side chosen from the seed (use
/// [`SimConfig::validate`] to reject such configs instead).
#[must_use]
pub fn simulate(config: &SimConfig) -> Vec<Event> {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut talk = ChaCha8Rng::seed_from_u64(config.seed);
    talk.set_stream(1);
    let (a, b) = pick_teams(config, &mut rng);
    let mut sim = Sim { rng, talk: commentary::Talk::new(talk), events: Vec::new() };
    play_match(&mut sim, config.format, &a, &b, MAX_SUPER_OVERS);
    sim.events
}

/// A pool side other than `other`, chosen with the rng.
fn pool_side(rng: &mut ChaCha8Rng, other: Option<&str>) -> Team {
    let mut pool: Vec<Team> =
        team_pool().into_iter().filter(|t| other.is_none_or(|o| !t.name.eq_ignore_ascii_case(o.trim()))).collect();
    pool.swap_remove(rng.random_range(0..pool.len()))
}

/// The named side: from the pool, else invented (avoiding `avoid`'s surnames).
fn named_side(rng: &mut ChaCha8Rng, name: &str, avoid: &[Player]) -> Team {
    find_team(name).unwrap_or_else(|| squads::generate_team(name, avoid, rng))
}

fn pick_teams(config: &SimConfig, rng: &mut ChaCha8Rng) -> (Team, Team) {
    let (a, b) = match &config.teams {
        Some((a, b)) => (a.trim(), b.trim()),
        None => ("", ""),
    };
    let ta = if a.is_empty() { pool_side(rng, (!b.is_empty()).then_some(b)) } else { named_side(rng, a, &[]) };
    let tb = if b.is_empty() || b.eq_ignore_ascii_case(&ta.name) {
        pool_side(rng, Some(&ta.name))
    } else {
        named_side(rng, b, &ta.players)
    };
    (ta, tb)
}

/// A normal-ish draw around 1.0 (sum of uniforms), for pitch and form.
fn spread(rng: &mut ChaCha8Rng, sd: f64) -> f64 {
    let z: f64 = (0..4).map(|_| rng.random::<f64>()).sum::<f64>() - 2.0;
    // The sum of 4 uniforms has variance 1/3.
    1.0 + z * sd * 3f64.sqrt()
}

fn play_match(sim: &mut Sim, format: Format, a: &Team, b: &Team, max_super_overs: u32) {
    let short = match format {
        Format::T20 => "T20",
        Format::Odi => "ODI",
    };
    sim.events.push(Event::MatchStart(MatchInfo {
        format,
        teams: vec![a.name.clone(), b.name.clone()],
        squads: vec![a.squad(), b.squad()],
        title: Some(format!("{} v {}, {short}", a.name, b.name)),
        venue: Some(a.home.clone()),
        date: None,
        balls_per_over: 6,
    }));
    let toss_a = sim.rng.random::<f64>() < 0.5;
    let p_bat = match format {
        Format::T20 => 0.3,
        Format::Odi => 0.55,
    };
    let decision = if sim.rng.random::<f64>() < p_bat { TossDecision::Bat } else { TossDecision::Field };
    let winner = if toss_a { a } else { b };
    sim.events.push(Event::Toss { winner: winner.name.clone(), decision });
    let (first, second) = match (toss_a, decision) {
        (true, TossDecision::Bat) | (false, TossDecision::Field) => (a, b),
        _ => (b, a),
    };
    let pitch = spread(&mut sim.rng, 0.06);
    let form = spread(&mut sim.rng, 0.05);
    let one = innings::play(sim, &main_innings(format, 1, first, second, None, pitch, form));
    let form = spread(&mut sim.rng, 0.05);
    let two = innings::play(sim, &main_innings(format, 2, second, first, Some(one.runs + 1), pitch, form));
    let result = if two.runs > one.runs {
        win(second, None, Some(10 - two.wickets.min(10)))
    } else if two.runs < one.runs {
        win(first, Some(one.runs - two.runs), None)
    } else {
        let eliminator = super_overs(sim, format, first, second, pitch, [&one, &two], max_super_overs);
        MatchResult {
            outcome: Outcome::Tie,
            winner: None,
            by_runs: None,
            by_wickets: None,
            method: None,
            eliminator: Some(eliminator.name.clone()),
        }
    };
    sim.events.push(Event::Result(result));
}

/// One of the two main innings.
fn main_innings<'a>(
    format: Format,
    number: u32,
    batting: &'a Team,
    bowling: &'a Team,
    target: Option<u32>,
    pitch: f64,
    form: f64,
) -> InningsSpec<'a> {
    InningsSpec {
        number,
        format,
        batting,
        bowling,
        super_over: false,
        target,
        overs: format.overs(),
        max_wickets: 10,
        order: (0..batting.players.len()).collect(),
        bowlers: bowling.bowlers(),
        pitch,
        form,
    }
}

fn win(team: &Team, by_runs: Option<u32>, by_wickets: Option<u32>) -> MatchResult {
    MatchResult {
        outcome: Outcome::Win,
        winner: Some(team.name.clone()),
        by_runs,
        by_wickets,
        method: None,
        eliminator: None,
    }
}

/// Super overs until one side wins (at most `max` of them; then the side
/// with more boundaries in the whole match goes through, then more sixes,
/// then the side that batted second). Returns the side that goes through.
fn super_overs<'t>(
    sim: &mut Sim,
    format: Format,
    first: &'t Team,
    second: &'t Team,
    pitch: f64,
    main: [&InningsScore; 2],
    max: u32,
) -> &'t Team {
    // Boundaries (fours, sixes) of `first` and `second` over the whole match.
    let mut boundaries = [(main[0].fours, main[0].sixes), (main[1].fours, main[1].sixes)];
    let teams = [first, second];
    // Players no longer eligible: batters dismissed and bowlers used in earlier super overs.
    let mut dismissed: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
    let mut bowled: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
    // The side batting second in the match bats first in the first super over.
    let mut bat = 1;
    let mut number = 3;
    for _ in 0..max {
        let mut scores = Vec::new();
        for (k, side) in [bat, 1 - bat].into_iter().enumerate() {
            let (batting, bowling) = (teams[side], teams[1 - side]);
            let mut order: Vec<usize> = (0..batting.players.len()).filter(|i| !dismissed[side].contains(i)).collect();
            order.sort_by(|&x, &y| batting.players[y].batting.total_cmp(&batting.players[x].batting));
            order.truncate(3);
            let bowler = bowling
                .bowlers()
                .into_iter()
                .filter(|i| !bowled[1 - side].contains(i))
                .max_by(|&x, &y| so_bowler_rank(bowling, x).total_cmp(&so_bowler_rank(bowling, y)));
            let bowlers = bowler.map_or_else(|| bowling.bowlers(), |b| vec![b]);
            let target = (k == 1).then(|| scores.first().map_or(1, |s: &InningsScore| s.runs + 1));
            let spec = InningsSpec {
                number,
                format,
                batting,
                bowling,
                super_over: true,
                target,
                overs: 1,
                max_wickets: 2,
                order,
                bowlers,
                pitch,
                form: 1.0,
            };
            number += 1;
            let score = innings::play(sim, &spec);
            boundaries[side].0 += score.fours;
            boundaries[side].1 += score.sixes;
            dismissed[side].extend(score.dismissed.iter().copied());
            bowled[1 - side].extend(score.bowlers_used.iter().copied());
            scores.push(score);
        }
        let (runs_first, runs_second) = (scores[0].runs, scores[1].runs);
        if runs_second > runs_first {
            return teams[1 - bat];
        }
        if runs_second < runs_first {
            return teams[bat];
        }
        // Tied again: the side that batted second in this super over bats first in the next.
        bat = 1 - bat;
    }
    let total = |(f, s): (u32, u32)| (f + s, s);
    if total(boundaries[0]) > total(boundaries[1]) { first } else { second }
}

/// How good a super-over bowler is: pace preferred at the death.
fn so_bowler_rank(side: &Team, who: usize) -> f64 {
    match side.players[who].bowling {
        Some((BowlingKind::Pace, s)) => s,
        Some((BowlingKind::Spin, s)) => s * 0.92,
        None => 0.0,
    }
}

#[cfg(test)]
mod tests;
