//! The simulator's players: a pool of leading men and women with serve and
//! return strengths (share of points won against an average opponent),
//! ace, double-fault and first-serve rates.

use rand::Rng;

use crate::sim::draw::rng_for;
use crate::tennis::event::PlayerInfo;

/// One player as the simulator sees him or her.
#[derive(Debug, Clone, PartialEq)]
pub struct Player {
    pub name: String,
    pub country: String,
    /// Share of service points won against an average returner.
    pub serve: f64,
    /// Share of return points won against an average server.
    pub ret: f64,
    /// Aces and double faults per service point.
    pub ace: f64,
    pub double_fault: f64,
    /// Share of first serves in.
    pub first_in: f64,
}

type Row = (&'static str, &'static str, f64, f64, f64, f64, f64);

const MEN: &[Row] = &[
    ("Jannik Sinner", "ITA", 0.69, 0.42, 0.09, 0.025, 0.62),
    ("Carlos Alcaraz", "ESP", 0.68, 0.43, 0.06, 0.03, 0.66),
    ("Alexander Zverev", "GER", 0.69, 0.38, 0.11, 0.04, 0.66),
    ("Novak Djokovic", "SRB", 0.68, 0.42, 0.08, 0.025, 0.65),
    ("Taylor Fritz", "USA", 0.70, 0.36, 0.14, 0.035, 0.64),
    ("Jack Draper", "GBR", 0.68, 0.38, 0.10, 0.035, 0.60),
    ("Alex de Minaur", "AUS", 0.64, 0.41, 0.05, 0.02, 0.63),
    ("Casper Ruud", "NOR", 0.65, 0.38, 0.06, 0.025, 0.66),
    ("Holger Rune", "DEN", 0.66, 0.39, 0.09, 0.04, 0.62),
    ("Ben Shelton", "USA", 0.71, 0.34, 0.16, 0.05, 0.60),
];

const WOMEN: &[Row] = &[
    ("Aryna Sabalenka", "BLR", 0.63, 0.46, 0.06, 0.05, 0.62),
    ("Iga Swiatek", "POL", 0.61, 0.48, 0.03, 0.03, 0.64),
    ("Coco Gauff", "USA", 0.58, 0.47, 0.05, 0.07, 0.60),
    ("Elena Rybakina", "KAZ", 0.64, 0.43, 0.09, 0.04, 0.61),
    ("Jessica Pegula", "USA", 0.59, 0.45, 0.03, 0.03, 0.65),
    ("Jasmine Paolini", "ITA", 0.58, 0.45, 0.02, 0.03, 0.68),
];

fn player(&(name, country, serve, ret, ace, double_fault, first_in): &Row) -> Player {
    Player { name: name.into(), country: country.into(), serve, ret, ace, double_fault, first_in }
}

/// The men's pool (the default), or the women's.
#[must_use]
pub fn player_pool(women: bool) -> Vec<Player> {
    if women { WOMEN.iter().map(player).collect() } else { MEN.iter().map(player).collect() }
}

/// Every pool player, men first.
#[must_use]
pub fn everyone() -> Vec<Player> {
    MEN.iter().chain(WOMEN).map(player).collect()
}

/// An invented tour regular for a name in neither pool.
#[must_use]
pub fn invent(name: &str) -> Player {
    let mut rng = rng_for(name);
    Player {
        name: name.to_string(),
        country: String::new(),
        serve: 0.62 + rng.random::<f64>() * 0.04,
        ret: 0.35 + rng.random::<f64>() * 0.04,
        ace: 0.05 + rng.random::<f64>() * 0.05,
        double_fault: 0.03 + rng.random::<f64>() * 0.02,
        first_in: 0.6 + rng.random::<f64>() * 0.06,
    }
}

impl Player {
    /// The `match_start` entry (seeded by pool order).
    #[must_use]
    pub fn info(&self) -> PlayerInfo {
        let pool = everyone();
        let seed = pool.iter().position(|p| p.name == self.name).map(|i| {
            let women = i >= MEN.len();
            (if women { i - MEN.len() } else { i }) as u32 + 1
        });
        PlayerInfo { name: self.name.clone(), country: (!self.country.is_empty()).then(|| self.country.clone()), seed }
    }
}
