//! Teams and players for the simulator: a pool of named national sides with
//! fictional players, and a generator for sides not in the pool.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// What kind of bowler a player is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BowlingKind {
    /// Fast or medium pace.
    Pace,
    /// Finger or wrist spin.
    Spin,
}

/// A player's place in the side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Specialist batter.
    Batter,
    /// The wicket-keeper (a batter who keeps wicket).
    WicketKeeper,
    /// Bats and bowls.
    AllRounder,
    /// Specialist bowler.
    Bowler,
}

/// One player with the skills the simulator uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Player {
    /// Full name, as it appears in events.
    pub name: String,
    /// Batter, keeper, all-rounder or bowler.
    pub role: Role,
    /// Batting quality: about 1.2 for the best top-order batters, 0.4 for the tail.
    pub batting: f64,
    /// Bowling kind and quality (about 0.7 part-timer .. 1.2 strike bowler).
    pub bowling: Option<(BowlingKind, f64)>,
}

impl Player {
    /// The name used in commentary: the full name without the first name
    /// ("Pieter van Wyk" -> "van Wyk").
    #[must_use]
    pub fn short_name(&self) -> &str {
        match self.name.split_once(' ') {
            Some((_, rest)) if !rest.is_empty() => rest,
            _ => &self.name,
        }
    }

    /// Keeps wicket for the side.
    #[must_use]
    pub fn is_keeper(&self) -> bool {
        self.role == Role::WicketKeeper
    }
}

/// A side: its name, home ground and playing XI in batting order.
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    /// The side's name, as it appears in events.
    pub name: String,
    /// Home ground, used as the venue when this side is listed first.
    pub home: String,
    /// Exactly 11 players in batting order, one of them the wicket-keeper.
    pub players: Vec<Player>,
}

impl Team {
    /// The playing XI's names in batting order.
    #[must_use]
    pub fn squad(&self) -> Vec<String> {
        self.players.iter().map(|p| p.name.clone()).collect()
    }

    /// Index of the wicket-keeper (the first player if none is marked).
    #[must_use]
    pub fn keeper(&self) -> usize {
        self.players.iter().position(Player::is_keeper).unwrap_or(0)
    }

    /// Indexes of the players who bowl.
    #[must_use]
    pub fn bowlers(&self) -> Vec<usize> {
        (0..self.players.len()).filter(|&i| self.players[i].bowling.is_some()).collect()
    }
}

/// One row of the pool: name, role, batting, bowling.
type Row = (&'static str, Role, f64, Option<(BowlingKind, f64)>);

use BowlingKind::{Pace, Spin};
use Role::{AllRounder as A, Batter as B, Bowler as O, WicketKeeper as K};

const POOL: &[(&str, &str, [Row; 11])] = &[
    (
        "India",
        "Wankhede Stadium, Mumbai",
        [
            ("Aditya Kulkarni", B, 1.20, None),
            ("Rohan Desai", B, 1.15, None),
            ("Vikram Iyer", B, 1.25, None),
            ("Siddharth Menon", B, 1.10, Some((Spin, 0.72))),
            ("Karan Malhotra", K, 1.05, None),
            ("Nikhil Chauhan", A, 1.00, Some((Pace, 0.92))),
            ("Amit Rathore", A, 0.90, Some((Spin, 1.00))),
            ("Harsh Tiwari", O, 0.60, Some((Spin, 1.10))),
            ("Deepak Bhardwaj", O, 0.55, Some((Pace, 1.05))),
            ("Manish Sekhar", O, 0.45, Some((Pace, 1.10))),
            ("Ishaan Pathak", O, 0.40, Some((Pace, 1.15))),
        ],
    ),
    (
        "Australia",
        "Melbourne Cricket Ground",
        [
            ("Lachlan Whitford", B, 1.20, None),
            ("Cameron Doyle", B, 1.10, None),
            ("Mitchell Haines", B, 1.20, None),
            ("Jake Rennick", B, 1.10, Some((Spin, 0.70))),
            ("Tom Carraway", K, 1.05, None),
            ("Riley Stanton", A, 1.00, Some((Pace, 0.95))),
            ("Hayden Brooks", A, 0.90, Some((Spin, 0.95))),
            ("Connor Pelham", O, 0.60, Some((Pace, 1.10))),
            ("Nathan Ashcroft", O, 0.55, Some((Spin, 1.05))),
            ("Brody Kemp", O, 0.45, Some((Pace, 1.10))),
            ("Liam Falconer", O, 0.40, Some((Pace, 1.15))),
        ],
    ),
    (
        "England",
        "Lord's, London",
        [
            ("Oliver Hatcher", B, 1.15, None),
            ("James Pennington", B, 1.15, None),
            ("Harry Lowther", B, 1.25, None),
            ("George Ainsley", B, 1.10, None),
            ("Sam Whitlock", K, 1.05, None),
            ("Ben Marchant", A, 1.00, Some((Pace, 0.95))),
            ("Will Fenwick", A, 0.95, Some((Spin, 0.95))),
            ("Charlie Dunmore", O, 0.60, Some((Pace, 1.05))),
            ("Rehan Mirza", O, 0.50, Some((Spin, 1.05))),
            ("Tom Braddock", O, 0.45, Some((Pace, 1.10))),
            ("Jack Ellery", O, 0.40, Some((Pace, 1.10))),
        ],
    ),
    (
        "Pakistan",
        "Gaddafi Stadium, Lahore",
        [
            ("Imran Siddiqui", B, 1.15, None),
            ("Saad Farooqi", B, 1.15, None),
            ("Bilal Hameed", B, 1.25, None),
            ("Kamran Niazi", B, 1.05, Some((Spin, 0.72))),
            ("Haris Javed", K, 1.05, None),
            ("Faheem Anwar", A, 1.00, Some((Pace, 0.90))),
            ("Nauman Butt", A, 0.90, Some((Spin, 1.00))),
            ("Zubair Malik", O, 0.55, Some((Spin, 1.05))),
            ("Junaid Rana", O, 0.50, Some((Pace, 1.10))),
            ("Waqas Durrani", O, 0.45, Some((Pace, 1.15))),
            ("Sohail Abbasi", O, 0.40, Some((Pace, 1.10))),
        ],
    ),
    (
        "South Africa",
        "Newlands, Cape Town",
        [
            ("Pieter van Wyk", B, 1.15, None),
            ("Thabo Mokoena", B, 1.15, None),
            ("Ryan Joubert", B, 1.20, None),
            ("Dean Botha", B, 1.10, None),
            ("Kyle Naidoo", K, 1.05, None),
            ("Wian Coetzer", A, 1.00, Some((Pace, 0.95))),
            ("Sipho Dlamini", A, 0.90, Some((Spin, 0.95))),
            ("Andile Zulu", O, 0.55, Some((Pace, 1.10))),
            ("Imraan Parker", O, 0.50, Some((Spin, 1.05))),
            ("Marco Venter", O, 0.45, Some((Pace, 1.10))),
            ("Bongani Khumalo", O, 0.40, Some((Pace, 1.15))),
        ],
    ),
    (
        "New Zealand",
        "Eden Park, Auckland",
        [
            ("Finn Galloway", B, 1.15, None),
            ("Logan Rutherford", B, 1.10, None),
            ("Blair Henderson", B, 1.20, None),
            ("Callum Prestwick", B, 1.10, Some((Spin, 0.70))),
            ("Hamish McRae", K, 1.05, None),
            ("Josh Tane", A, 1.00, Some((Pace, 0.95))),
            ("Daryl Waititi", A, 0.95, Some((Spin, 0.95))),
            ("Matt Henwood", O, 0.60, Some((Pace, 1.05))),
            ("Arjun Pillay", O, 0.50, Some((Spin, 1.05))),
            ("Tim Barclay", O, 0.45, Some((Pace, 1.10))),
            ("Ben Lockie", O, 0.40, Some((Pace, 1.15))),
        ],
    ),
    (
        "Sri Lanka",
        "R. Premadasa Stadium, Colombo",
        [
            ("Kasun Perera", B, 1.15, None),
            ("Nuwan Wickramasinghe", B, 1.10, None),
            ("Dhananjaya Gunasekara", B, 1.20, None),
            ("Charith Jayawardene", B, 1.05, Some((Spin, 0.75))),
            ("Lahiru Mendis", K, 1.05, None),
            ("Dasun Ratnayake", A, 0.95, Some((Pace, 0.95))),
            ("Ramesh Senanayake", A, 0.90, Some((Spin, 1.00))),
            ("Akila Fernando", O, 0.55, Some((Spin, 1.05))),
            ("Pramod Herath", O, 0.50, Some((Spin, 1.05))),
            ("Chamika Liyanage", O, 0.45, Some((Pace, 1.10))),
            ("Isuru Samarakoon", O, 0.40, Some((Pace, 1.10))),
        ],
    ),
    (
        "West Indies",
        "Kensington Oval, Bridgetown",
        [
            ("Jermaine Baptiste", B, 1.15, None),
            ("Andre Greaves", B, 1.10, None),
            ("Nicholas Campbell", B, 1.20, None),
            ("Shamar Edwards", B, 1.10, None),
            ("Devon Boyce", K, 1.05, None),
            ("Kavem Hinds", A, 1.00, Some((Pace, 0.95))),
            ("Jomel Alleyne", A, 0.90, Some((Spin, 1.00))),
            ("Marquino Cummins", O, 0.55, Some((Pace, 1.10))),
            ("Dwayne Sealy", O, 0.50, Some((Spin, 1.05))),
            ("Tevin Forde", O, 0.45, Some((Pace, 1.10))),
            ("Ronsford Thomas", O, 0.40, Some((Pace, 1.15))),
        ],
    ),
    (
        "Bangladesh",
        "Shere Bangla National Stadium, Mirpur",
        [
            ("Rakibul Hasan", B, 1.10, None),
            ("Saif Rahman", B, 1.10, None),
            ("Arifur Islam", B, 1.20, None),
            ("Sabbir Hossain", B, 1.05, None),
            ("Nurul Alam", K, 1.05, None),
            ("Mehedi Kabir", A, 0.95, Some((Spin, 1.00))),
            ("Shamim Chowdhury", A, 0.90, Some((Pace, 0.90))),
            ("Tanvir Uddin", O, 0.55, Some((Spin, 1.05))),
            ("Rubel Mia", O, 0.50, Some((Pace, 1.05))),
            ("Khaled Sarkar", O, 0.45, Some((Pace, 1.05))),
            ("Nahid Akhtar", O, 0.40, Some((Pace, 1.10))),
        ],
    ),
    (
        "Afghanistan",
        "Sharjah Cricket Stadium",
        [
            ("Sediqullah Amiri", B, 1.10, None),
            ("Noorullah Safi", B, 1.10, None),
            ("Zubair Stanikzai", B, 1.15, None),
            ("Farid Zadran", B, 1.05, None),
            ("Shafiq Ahmadzai", K, 1.00, None),
            ("Sharifullah Wardak", A, 0.95, Some((Pace, 0.95))),
            ("Zahir Momand", A, 0.85, Some((Spin, 1.05))),
            ("Waheed Popal", O, 0.55, Some((Spin, 1.10))),
            ("Yama Shinwari", O, 0.50, Some((Pace, 1.05))),
            ("Hamid Kharoti", O, 0.45, Some((Pace, 1.05))),
            ("Samiullah Khogiani", O, 0.40, Some((Pace, 1.10))),
        ],
    ),
];

fn build(name: &str, home: &str, rows: &[Row]) -> Team {
    Team {
        name: name.to_string(),
        home: home.to_string(),
        players: rows
            .iter()
            .map(|&(n, role, batting, bowling)| Player { name: n.to_string(), role, batting, bowling })
            .collect(),
    }
}

/// The built-in sides: ten national teams with fictional players, each an XI
/// in batting order with a wicket-keeper and six or seven bowlers.
#[must_use]
pub fn team_pool() -> Vec<Team> {
    POOL.iter().map(|(name, home, rows)| build(name, home, rows)).collect()
}

/// The pool side called `name` (case-insensitive), if any.
#[must_use]
pub fn find_team(name: &str) -> Option<Team> {
    POOL.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(name.trim())).map(|(n, home, rows)| build(n, home, rows))
}

const FIRST: &[&str] = &[
    "Alex", "Ben", "Chris", "Daniel", "Ethan", "Felix", "Gavin", "Henry", "Isaac", "Jordan", "Kieran", "Lewis",
    "Marcus", "Noah", "Owen", "Patrick", "Quinn", "Reece", "Simon", "Tyler", "Victor", "Wes", "Zach", "Aaron",
];

const LAST: &[&str] = &[
    "Abbott",
    "Barker",
    "Carver",
    "Dawson",
    "Ellwood",
    "Fletcher",
    "Garnett",
    "Holloway",
    "Ingram",
    "Jessop",
    "Kendall",
    "Langley",
    "Mercer",
    "Norris",
    "Oakes",
    "Prescott",
    "Radley",
    "Sutton",
    "Thorne",
    "Upton",
    "Vickers",
    "Walsh",
    "Yardley",
    "Ashby",
    "Bramble",
    "Colley",
    "Drury",
    "Eastham",
    "Fordham",
    "Gilchrist",
    "Hartley",
    "Ibbotson",
];

/// Roles and skills of a generated XI, in batting order (skills get a little jitter).
const TEMPLATE: [Row; 11] = [
    ("", B, 1.15, None),
    ("", B, 1.10, None),
    ("", B, 1.20, None),
    ("", B, 1.05, Some((Spin, 0.72))),
    ("", K, 1.00, None),
    ("", A, 0.95, Some((Pace, 0.95))),
    ("", A, 0.90, Some((Spin, 1.00))),
    ("", O, 0.55, Some((Pace, 1.05))),
    ("", O, 0.50, Some((Spin, 1.05))),
    ("", O, 0.45, Some((Pace, 1.10))),
    ("", O, 0.40, Some((Pace, 1.10))),
];

/// A side not in the pool: eleven invented players with distinct surnames,
/// none of them shared with `avoid` (the other side).
pub(crate) fn generate_team(name: &str, avoid: &[Player], rng: &mut ChaCha8Rng) -> Team {
    let mut surnames: Vec<&str> =
        LAST.iter().copied().filter(|s| !avoid.iter().any(|p| p.short_name() == *s)).collect();
    let players = TEMPLATE
        .iter()
        .map(|&(_, role, batting, bowling)| {
            let last = surnames.swap_remove(rng.random_range(0..surnames.len()));
            let first = FIRST[rng.random_range(0..FIRST.len())];
            let jitter = |x: f64, r: &mut ChaCha8Rng| x * r.random_range(0.93..1.07);
            let batting = jitter(batting, rng);
            let bowling = bowling.map(|(k, s)| (k, jitter(s, rng)));
            Player { name: format!("{first} {last}"), role, batting, bowling }
        })
        .collect();
    Team { name: name.trim().to_string(), home: format!("{} Cricket Ground", name.trim()), players }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use rand::SeedableRng;

    use super::*;

    fn check_side(t: &Team) {
        assert_eq!(t.players.len(), 11, "{}", t.name);
        assert_eq!(t.players.iter().filter(|p| p.is_keeper()).count(), 1, "{}", t.name);
        let bowlers = t.bowlers();
        assert!((5..=7).contains(&bowlers.len()), "{}: {} bowlers", t.name, bowlers.len());
        let full: Vec<_> = bowlers.iter().filter(|&&i| t.players[i].bowling.is_some_and(|(_, s)| s >= 0.85)).collect();
        assert!(full.len() >= 5, "{}: needs five front-line bowlers", t.name);
        let shorts: HashSet<_> = t.players.iter().map(Player::short_name).collect();
        assert_eq!(shorts.len(), 11, "{}: commentary names must be distinct", t.name);
        // Batting order: the top four bat better than the last four.
        let top: f64 = t.players[..4].iter().map(|p| p.batting).sum();
        let tail: f64 = t.players[7..].iter().map(|p| p.batting).sum();
        assert!(top > 2.0 * tail, "{}", t.name);
    }

    #[test]
    fn pool_sides_are_valid_and_distinct() {
        let pool = team_pool();
        assert!(pool.len() >= 8);
        for t in &pool {
            check_side(t);
        }
        let names: HashSet<_> = pool.iter().flat_map(|t| t.squad()).collect();
        assert_eq!(names.len(), pool.len() * 11, "player names are unique across the pool");
        assert_eq!(find_team(" india ").map(|t| t.name), Some("India".to_string()));
        assert!(find_team("Narnia").is_none());
    }

    #[test]
    fn generated_sides_are_valid_and_avoid_the_opponent() {
        let india = find_team("India").map(|t| t.players).unwrap_or_default();
        for seed in 0..50 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let a = generate_team("Narnia", &india, &mut rng);
            check_side(&a);
            let b = generate_team("Gondor", &a.players, &mut rng);
            check_side(&b);
            for p in &b.players {
                assert!(a.players.iter().all(|q| q.short_name() != p.short_name()));
            }
        }
    }
}
