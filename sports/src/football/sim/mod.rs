//! A seeded simulator of whole football matches, producing the events a
//! match reporter would.
//!
//! ```
//! use livematch_sports::football::Event;
//! use livematch_sports::football::sim::{simulate, SimConfig};
//!
//! let events = simulate(&SimConfig::new(7).knockout(true));
//! assert!(matches!(events.first(), Some(Event::MatchStart(_))));
//! ```
//!
//! * Deterministic: the same [`SimConfig`] always gives the same events.
//! * Realistic: rates from top European leagues (see [`play`]); stoppage
//!   time grows with goals, cards and substitutions; 3–5 substitutions in
//!   the second half; red cards weaken a side; the side behind late on
//!   attacks more.
//! * Knockout: level after 90 minutes goes to extra time (one more
//!   substitution allowed), then a shoot-out with sudden death.

mod play;
mod shootout;
mod subs;
mod teams;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub use teams::{STARTERS, Team, invent, team_pool};

use crate::sim::draw::pick_sides;

use super::event::Event;

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// Same seed and config: same match, event for event.
    pub seed: u64,
    /// Home side, away side (pool names get their strengths; other names an
    /// invented average side). `None`: two pool sides chosen from the seed.
    pub teams: Option<(String, String)>,
    /// A cup tie: extra time and penalties when level after 90 minutes.
    pub knockout: bool,
}

impl SimConfig {
    /// A league match between two pool sides chosen from the seed.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        SimConfig { seed, teams: None, knockout: false }
    }

    /// The same config between the named sides.
    #[must_use]
    pub fn with_teams(mut self, home: impl Into<String>, away: impl Into<String>) -> Self {
        self.teams = Some((home.into(), away.into()));
        self
    }

    /// The same config as a knockout (or league) match.
    #[must_use]
    pub fn knockout(mut self, knockout: bool) -> Self {
        self.knockout = knockout;
        self
    }
}

/// Simulate a whole match: `match_start`, the periods with everything in
/// them, extra time and a shoot-out when a knockout match needs them.
#[must_use]
pub fn simulate(config: &SimConfig) -> Vec<Event> {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let (home, away) = pick_sides(&mut rng, &team_pool(), |t| t.name.as_str(), config.teams.as_ref(), invent);
    play::Play::new(rng, [home, away], config.knockout).run()
}
