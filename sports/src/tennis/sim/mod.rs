//! A seeded simulator of whole tennis matches, point by point.
//!
//! ```
//! use livematch_sports::tennis::{Event, FinalSet};
//! use livematch_sports::tennis::sim::{simulate, SimConfig};
//!
//! let events = simulate(&SimConfig::new(7, 5, FinalSet::LongTiebreak));
//! assert!(matches!(events.first(), Some(Event::MatchStart(_))));
//! ```
//!
//! * Deterministic: the same [`SimConfig`] always gives the same events.
//! * Realistic: the server wins a point with the server's serve strength
//!   less the returner's edge (tour average ~64 %), more on a first serve
//!   than a second; aces, double faults and first serves at each player's
//!   rates; rallies end in winners, forced and unforced errors in tour
//!   proportions; a little form variation from match to match.

mod players;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use players::{Player, everyone, invent, player_pool};

use super::event::{Event, FinalSet, MatchInfo, PointKind};
use super::score::Score;
use crate::sim::draw::{chance, gauss, pick_sides, weighted};

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// Same seed and config: same match, point for point.
    pub seed: u64,
    /// The two players (pool names get their strengths; other names an
    /// invented tour regular). `None`: two men from the pool.
    pub players: Option<(String, String)>,
    /// 3 or 5 (anything else is played as 3).
    pub best_of: u32,
    pub final_set: FinalSet,
}

impl SimConfig {
    /// A match between two pool players chosen from the seed.
    #[must_use]
    pub fn new(seed: u64, best_of: u32, final_set: FinalSet) -> Self {
        SimConfig { seed, players: None, best_of, final_set }
    }

    /// The same config between the named players.
    #[must_use]
    pub fn with_players(mut self, a: impl Into<String>, b: impl Into<String>) -> Self {
        self.players = Some((a.into(), b.into()));
        self
    }
}

const COURTS: [(&str, &str); 4] = [
    ("Rod Laver Arena", "hard"),
    ("Court Philippe-Chatrier", "clay"),
    ("Centre Court", "grass"),
    ("Arthur Ashe Stadium", "hard"),
];

/// Simulate a whole match: `match_start`, then every point until match point is won.
#[must_use]
pub fn simulate(config: &SimConfig) -> Vec<Event> {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let configured = config.players.as_ref();
    let pool = if configured.is_some() { everyone() } else { player_pool(false) };
    let (a, b) = pick_sides(&mut rng, &pool, |p| p.name.as_str(), configured, invent);
    let best_of = if config.best_of == 5 { 5 } else { 3 };
    let first = usize::from(chance(&mut rng, 0.5));
    let (venue, surface) = COURTS[rng.random_range(0..COURTS.len())];
    let players = [a, b];
    let mut events = vec![Event::MatchStart(MatchInfo {
        players: players.iter().map(Player::info).collect(),
        best_of,
        final_set: config.final_set,
        first_server: players[first].name.clone(),
        title: Some(format!("{} v {}", players[0].name, players[1].name)),
        venue: Some(venue.into()),
        surface: Some(surface.into()),
        date: None,
    })];
    let form = [gauss(&mut rng) * 0.015, gauss(&mut rng) * 0.015];
    let mut score = Score::new(best_of, config.final_set, first);
    while score.winner.is_none() {
        let s = score.point_server();
        let (srv, rec) = (&players[s], &players[1 - s]);
        let p = (srv.serve - (rec.ret - 0.36) + form[s] - form[1 - s]).clamp(0.4, 0.85);
        let (w, kind, serve) = if chance(&mut rng, srv.first_in) {
            if chance(&mut rng, srv.ace / srv.first_in) {
                (s, PointKind::Ace, 1)
            } else {
                let w = if chance(&mut rng, p + 0.05) { s } else { 1 - s };
                (w, rally(&mut rng), 1)
            }
        } else if chance(&mut rng, srv.double_fault / (1.0 - srv.first_in)) {
            (1 - s, PointKind::DoubleFault, 2)
        } else {
            let w = if chance(&mut rng, p - 0.1) { s } else { 1 - s };
            (w, rally(&mut rng), 2)
        };
        score.point(w);
        events.push(Event::Point { winner: players[w].name.clone(), kind, serve });
    }
    events
}

/// How a rally ended.
fn rally(rng: &mut ChaCha8Rng) -> PointKind {
    [PointKind::Winner, PointKind::ForcedError, PointKind::UnforcedError][weighted(rng, &[0.38, 0.3, 0.32])]
}
