//! A seeded simulator of whole basketball games, producing a play-by-play
//! feed.
//!
//! ```
//! use livematch_sports::basketball::{Event, Ruleset};
//! use livematch_sports::basketball::sim::{simulate, SimConfig};
//!
//! let events = simulate(&SimConfig::new(7, Ruleset::Fiba));
//! assert!(matches!(events.first(), Some(Event::MatchStart(_))));
//! ```
//!
//! * Deterministic: the same [`SimConfig`] always gives the same events.
//! * Realistic: NBA rates (see [`play`]), FIBA games shorter and slower;
//!   rotations that give starters ~34 minutes; foul trouble and foul-outs;
//!   timeouts to stop runs; the starters close the game; a tie after
//!   regulation goes to overtime, as often as needed.

mod action;
mod bench;
mod play;
mod teams;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub use teams::{Skills, Team, invent, team_pool};

use super::event::{Event, Ruleset};
use crate::sim::draw::pick_sides;

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// Same seed and config: same game, event for event.
    pub seed: u64,
    /// Home side, away side (pool names get their ratings; other names an
    /// invented average side). `None`: two pool sides chosen from the seed.
    pub teams: Option<(String, String)>,
    /// NBA (12-minute quarters) or FIBA (10-minute quarters) rules; the
    /// pool is NBA franchises or national sides accordingly.
    pub rules: Ruleset,
}

impl SimConfig {
    /// A game between two pool sides chosen from the seed.
    #[must_use]
    pub fn new(seed: u64, rules: Ruleset) -> Self {
        SimConfig { seed, teams: None, rules }
    }

    /// The same config between the named sides.
    #[must_use]
    pub fn with_teams(mut self, home: impl Into<String>, away: impl Into<String>) -> Self {
        self.teams = Some((home.into(), away.into()));
        self
    }
}

/// Simulate a whole game: `match_start`, four quarters (and overtimes
/// until the tie is broken) with every play in them.
#[must_use]
pub fn simulate(config: &SimConfig) -> Vec<Event> {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut pool = team_pool(config.rules == Ruleset::Fiba);
    pool.extend(team_pool(config.rules != Ruleset::Fiba));
    let home_pool = &pool[..10];
    let configured = config.teams.as_ref();
    let (home, away) = match configured {
        Some(_) => pick_sides(&mut rng, &pool, |t| t.name.as_str(), configured, invent),
        None => pick_sides(&mut rng, home_pool, |t| t.name.as_str(), None, invent),
    };
    play::Game::new(rng, [home, away], config.rules).run()
}
