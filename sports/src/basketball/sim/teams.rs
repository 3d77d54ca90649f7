//! The simulator's teams: NBA franchises and FIBA national sides with
//! invented 13-man rosters (stable for each team name), each player with
//! shooting, rebounding, passing, defending and fouling skills.

use rand::Rng;
use rand::seq::SliceRandom;

use crate::basketball::event::{Player, Position, Roster};
use crate::football::code;
use crate::sim::draw::{gauss, people, rng_for};

/// What a player is good at (rates are per attempt; weights are relative).
#[derive(Debug, Clone, PartialEq)]
pub struct Skills {
    /// Share of his side's shots.
    pub usage: f64,
    /// Field-goal percentages.
    pub two: f64,
    pub three: f64,
    /// Share of his field-goal attempts that are threes.
    pub three_rate: f64,
    pub ft: f64,
    pub reb: f64,
    pub ast: f64,
    pub stl: f64,
    pub blk: f64,
    /// Fouls committed (relative).
    pub foul: f64,
    /// Share of the game he plays when fresh and out of foul trouble.
    pub minutes: f64,
}

/// One team as the simulator sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    pub name: String,
    pub code: String,
    pub arena: String,
    /// Offensive and defensive ratings around 1.0.
    pub offence: f64,
    pub defence: f64,
    /// The first five start.
    pub players: Vec<(Player, Skills)>,
}

const NBA: &[(&str, &str, &str, f64, f64)] = &[
    ("Boston Celtics", "BOS", "TD Garden", 1.06, 1.05),
    ("Denver Nuggets", "DEN", "Ball Arena", 1.05, 1.0),
    ("Oklahoma City Thunder", "OKC", "Paycom Center", 1.04, 1.07),
    ("Los Angeles Lakers", "LAL", "Crypto.com Arena", 1.02, 0.99),
    ("Golden State Warriors", "GSW", "Chase Center", 1.03, 0.98),
    ("Milwaukee Bucks", "MIL", "Fiserv Forum", 1.03, 0.99),
    ("Miami Heat", "MIA", "Kaseya Center", 0.98, 1.03),
    ("New York Knicks", "NYK", "Madison Square Garden", 1.02, 1.02),
    ("Phoenix Suns", "PHX", "Footprint Center", 1.02, 0.97),
    ("Dallas Mavericks", "DAL", "American Airlines Center", 1.04, 0.98),
];

const FIBA: &[(&str, &str, &str, f64, f64)] = &[
    ("Spain", "ESP", "WiZink Center", 1.03, 1.04),
    ("Serbia", "SRB", "Štark Arena", 1.05, 1.0),
    ("France", "FRA", "Accor Arena", 1.03, 1.03),
    ("Australia", "AUS", "John Cain Arena", 1.01, 1.01),
    ("Germany", "GER", "Uber Arena", 1.04, 1.01),
    ("Canada", "CAN", "Scotiabank Arena", 1.04, 0.99),
    ("Greece", "GRE", "OAKA Arena", 1.0, 1.02),
    ("Lithuania", "LTU", "Žalgirio Arena", 0.99, 1.02),
    ("Slovenia", "SLO", "Arena Stožice", 1.02, 0.97),
    ("Argentina", "ARG", "Estadio Obras", 0.98, 1.0),
];

const POSITIONS: [Position; 13] = [
    Position::G,
    Position::G,
    Position::F,
    Position::F,
    Position::C,
    Position::G,
    Position::F,
    Position::C,
    Position::G,
    Position::F,
    Position::C,
    Position::G,
    Position::F,
];

/// NBA franchises (`nba`) or national sides (`fiba`).
#[must_use]
pub fn team_pool(fiba: bool) -> Vec<Team> {
    let pool = if fiba { FIBA } else { NBA };
    pool.iter().map(|&(name, code, arena, o, d)| build(name, code, arena, o, d)).collect()
}

/// An invented average side for a name in neither pool.
#[must_use]
pub fn invent(name: &str) -> Team {
    let mut rng = rng_for(name);
    let (o, d) = (0.97 + rng.random::<f64>() * 0.06, 0.97 + rng.random::<f64>() * 0.06);
    build(name, &code(name), &format!("{name} Arena"), o, d)
}

fn skills(pos: Position, quality: f64, rng: &mut rand_chacha::ChaCha8Rng) -> Skills {
    let (three_rate, three, two, ft, reb, ast, stl, blk, foul, usage) = match pos {
        Position::G => (0.45, 0.355, 0.49, 0.84, 0.55, 1.6, 1.2, 0.3, 0.85, 1.1),
        Position::F => (0.36, 0.345, 0.51, 0.78, 1.0, 0.8, 1.0, 0.8, 1.0, 1.0),
        Position::C => (0.08, 0.30, 0.58, 0.68, 1.9, 0.6, 0.6, 2.0, 1.3, 0.9),
    };
    let q = quality - 1.0;
    let jitter = |rng: &mut rand_chacha::ChaCha8Rng, sd: f64| 1.0 + gauss(rng) * sd;
    Skills {
        usage: usage * quality.powi(3) * jitter(rng, 0.1),
        two: (two + q * 0.08 + gauss(rng) * 0.02).clamp(0.38, 0.7),
        three: (three + q * 0.06 + gauss(rng) * 0.02).clamp(0.22, 0.45),
        three_rate: (three_rate * jitter(rng, 0.2)).clamp(0.0, 0.7),
        ft: (ft + q * 0.05 + gauss(rng) * 0.05).clamp(0.5, 0.95),
        reb: reb * jitter(rng, 0.15),
        ast: ast * quality * jitter(rng, 0.15),
        stl: stl * jitter(rng, 0.2),
        blk: blk * jitter(rng, 0.2),
        foul: foul * (0.8 + rng.random::<f64>() * 0.45),
        minutes: 0.0,
    }
}

fn build(name: &str, code: &str, arena: &str, offence: f64, defence: f64) -> Team {
    let mut rng = rng_for(name);
    let names = people(&mut rng, POSITIONS.len(), &mut Vec::new());
    let mut numbers: Vec<u32> = (0..=55).collect();
    numbers.shuffle(&mut rng);
    // Minutes (of 48) by rotation slot before scaling: starters, sixth to
    // eighth men, the end of the bench.
    const MINUTES: [f64; 13] = [34.0, 33.0, 33.0, 31.0, 30.0, 24.0, 22.0, 18.0, 8.0, 4.0, 2.0, 1.0, 0.0];
    let mut players: Vec<(Player, Skills)> = POSITIONS
        .iter()
        .zip(names)
        .enumerate()
        .map(|(i, (&position, name))| {
            let quality = if i < 5 { 1.1 + rng.random::<f64>() * 0.2 } else { 0.98 - i as f64 * 0.025 };
            let mut s = skills(position, quality, &mut rng);
            s.minutes = MINUTES[i];
            (Player { name, number: numbers[i], position }, s)
        })
        .collect();
    let total: f64 = players.iter().map(|(_, s)| s.minutes).sum();
    for (_, s) in &mut players {
        s.minutes /= total / 5.0;
    }
    Team { name: name.to_string(), code: code.to_string(), arena: arena.to_string(), offence, defence, players }
}

impl Team {
    /// The roster for `match_start`.
    #[must_use]
    pub fn roster(&self) -> Roster {
        Roster {
            name: self.name.clone(),
            code: Some(self.code.clone()),
            players: self.players.iter().map(|(p, _)| p.clone()).collect(),
            starters: self.players[..5].iter().map(|(p, _)| p.name.clone()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rosters_have_thirteen_unique_players_and_share_the_minutes() {
        for t in team_pool(false).into_iter().chain(team_pool(true)).chain([invent("Harlem Globetrotters")]) {
            assert_eq!(t.players.len(), 13, "{}", t.name);
            let total: f64 = t.players.iter().map(|(_, s)| s.minutes).sum();
            assert!((total - 5.0).abs() < 1e-9, "{}: five on court all game, got {total}", t.name);
            let mut nums: Vec<u32> = t.players.iter().map(|(p, _)| p.number).collect();
            nums.sort_unstable();
            nums.dedup();
            assert_eq!(nums.len(), 13);
            assert_eq!(t.roster().starters.len(), 5);
        }
    }
}
