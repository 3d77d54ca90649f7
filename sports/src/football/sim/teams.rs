//! The simulator's clubs: a pool of well-known sides with strengths and a
//! formation, and squads of invented players (stable for each club name).

use rand::Rng;
use rand::seq::SliceRandom;

use crate::football::event::{Player, Position, TeamSheet};
use crate::football::text::code;
use crate::sim::draw::{people, rng_for};

/// One club as the simulator sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    pub name: String,
    pub code: String,
    pub venue: String,
    /// Goal threat relative to an average side (1.0).
    pub attack: f64,
    /// Resistance relative to an average side (1.0).
    pub defence: f64,
    pub formation: String,
    /// Starting eleven then the bench, with a per-player form factor.
    pub squad: Vec<(Player, f64)>,
}

/// Players in the starting eleven (the rest of the squad is the bench).
pub const STARTERS: usize = 11;

const POOL: &[(&str, &str, &str, f64, f64, &str)] = &[
    ("Arsenal", "ARS", "Emirates Stadium", 1.15, 1.15, "4-3-3"),
    ("Chelsea", "CHE", "Stamford Bridge", 1.05, 1.0, "4-2-3-1"),
    ("Liverpool", "LIV", "Anfield", 1.2, 1.1, "4-3-3"),
    ("Manchester City", "MCI", "Etihad Stadium", 1.25, 1.15, "4-3-3"),
    ("Manchester United", "MUN", "Old Trafford", 1.0, 0.95, "4-2-3-1"),
    ("Tottenham Hotspur", "TOT", "Tottenham Hotspur Stadium", 1.05, 0.9, "4-3-3"),
    ("Real Madrid", "RMA", "Santiago Bernabéu", 1.25, 1.1, "4-3-3"),
    ("Barcelona", "BAR", "Estadi Olímpic Lluís Companys", 1.2, 1.0, "4-3-3"),
    ("Atlético Madrid", "ATM", "Riyadh Air Metropolitano", 1.0, 1.2, "4-4-2"),
    ("Bayern Munich", "BAY", "Allianz Arena", 1.25, 1.05, "4-2-3-1"),
    ("Borussia Dortmund", "BVB", "Signal Iduna Park", 1.1, 0.95, "4-2-3-1"),
    ("Juventus", "JUV", "Allianz Stadium", 1.0, 1.15, "3-5-2"),
    ("Inter Milan", "INT", "San Siro", 1.1, 1.2, "3-5-2"),
    ("Paris Saint-Germain", "PSG", "Parc des Princes", 1.2, 1.0, "4-3-3"),
];

/// Every pool club, with its squad.
#[must_use]
pub fn team_pool() -> Vec<Team> {
    POOL.iter()
        .map(|&(name, code, venue, attack, defence, formation)| build(name, code, venue, attack, defence, formation))
        .collect()
}

/// An invented club for a name not in the pool: average strength, 4-4-2.
#[must_use]
pub fn invent(name: &str) -> Team {
    let mut rng = rng_for(name);
    let attack = 0.9 + rng.random::<f64>() * 0.2;
    let defence = 0.9 + rng.random::<f64>() * 0.2;
    build(name, &code(name), &format!("{name} Stadium"), attack, defence, "4-4-2")
}

/// Defenders, midfielders and forwards of a formation such as "4-2-3-1".
fn lines(formation: &str) -> (usize, usize, usize) {
    let n: Vec<usize> = formation.split('-').filter_map(|x| x.parse().ok()).collect();
    match n.as_slice() {
        [df, mid @ .., fw] if !mid.is_empty() && df + mid.iter().sum::<usize>() + fw == 10 => {
            (*df, mid.iter().sum(), *fw)
        }
        _ => (4, 4, 2),
    }
}

fn build(name: &str, code: &str, venue: &str, attack: f64, defence: f64, formation: &str) -> Team {
    let mut rng = rng_for(name);
    let (df, mf, fw) = lines(formation);
    let mut positions = vec![Position::Gk];
    positions.extend(std::iter::repeat_n(Position::Df, df));
    positions.extend(std::iter::repeat_n(Position::Mf, mf));
    positions.extend(std::iter::repeat_n(Position::Fw, fw));
    positions.extend([Position::Gk, Position::Df, Position::Df, Position::Df, Position::Mf, Position::Mf]);
    positions.extend([Position::Mf, Position::Fw, Position::Fw]);
    let names = people(&mut rng, positions.len(), &mut Vec::new());
    let mut numbers: Vec<u32> = (2..=45).filter(|n| *n != 13).collect();
    numbers.shuffle(&mut rng);
    let squad = positions
        .into_iter()
        .zip(names)
        .enumerate()
        .map(|(i, (position, name))| {
            let number = match i {
                0 => 1,
                STARTERS => 13,
                _ => numbers[i],
            };
            let form = 0.7 + rng.random::<f64>() * 0.6;
            (Player { name, number, position }, form)
        })
        .collect();
    Team {
        name: name.to_string(),
        code: code.to_string(),
        venue: venue.to_string(),
        attack,
        defence,
        formation: formation.to_string(),
        squad,
    }
}

impl Team {
    /// The team sheet for `match_start`.
    #[must_use]
    pub fn sheet(&self) -> TeamSheet {
        let players: Vec<Player> = self.squad.iter().map(|(p, _)| p.clone()).collect();
        TeamSheet {
            name: self.name.clone(),
            code: Some(self.code.clone()),
            formation: Some(self.formation.clone()),
            starting: players[..STARTERS].to_vec(),
            bench: players[STARTERS..].to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squads_follow_the_formation_with_unique_names_and_numbers() {
        for t in team_pool().into_iter().chain([invent("Dorking Wanderers")]) {
            let sheet = t.sheet();
            assert_eq!(sheet.starting.len(), 11, "{}", t.name);
            assert_eq!(sheet.starting.iter().filter(|p| p.position == Position::Gk).count(), 1);
            assert!(sheet.bench.iter().any(|p| p.position == Position::Gk));
            let (df, mf, fw) = lines(&t.formation);
            let count = |pos| sheet.starting.iter().filter(|p| p.position == pos).count();
            assert_eq!((count(Position::Df), count(Position::Mf), count(Position::Fw)), (df, mf, fw), "{}", t.name);
            let mut nums: Vec<u32> = t.squad.iter().map(|(p, _)| p.number).collect();
            nums.sort_unstable();
            nums.dedup();
            assert_eq!(nums.len(), t.squad.len());
        }
        assert_eq!(invent("Dorking Wanderers"), invent("Dorking Wanderers"));
        assert_eq!(lines("3-5-2"), (3, 5, 2));
        assert_eq!(lines("4-2-3-1"), (4, 5, 1));
    }
}
