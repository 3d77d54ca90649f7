//! Helpers shared by the football, basketball and tennis simulators:
//! stable per-name randomness, invented player names, weighted draws and
//! choosing the two sides.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const FIRST: &[&str] = &[
    "Adam", "Adrien", "Ahmed", "Alex", "Andrea", "Antoine", "Arturo", "Bastian", "Ben", "Bruno", "Callum", "Carlos",
    "Cheick", "Cristian", "Dani", "David", "Declan", "Diego", "Dominik", "Dusan", "Emil", "Enzo", "Erling", "Federico",
    "Florian", "Gabriel", "Gonzalo", "Hakim", "Hugo", "Ismael", "Ivan", "Jack", "Jamal", "Jonas", "Jordan", "Jules",
    "Kai", "Kevin", "Kylian", "Lamine", "Leon", "Lorenzo", "Lucas", "Luka", "Marco", "Mason", "Mateo", "Matteo",
    "Mikel", "Moises", "Nico", "Noah", "Oliver", "Pablo", "Pedro", "Rafael", "Riccardo", "Ruben", "Sadio", "Sandro",
    "Sergio", "Stefan", "Thiago", "Theo", "Tomas", "Victor", "Vinicius", "Wilfried", "Youssef", "Zeki", "Darius",
    "Tyrese", "Jalen", "Marcus", "DeAndre", "Malik", "Trey", "Isaiah", "Caleb", "Andre", "Jaylen", "Rudy", "Nikola",
];

const LAST: &[&str] = &[
    "Almeida",
    "Andersen",
    "Bakker",
    "Barrett",
    "Becker",
    "Bellamy",
    "Benali",
    "Berg",
    "Bianchi",
    "Bruno",
    "Carter",
    "Castro",
    "Coleman",
    "Costa",
    "Dalton",
    "Diallo",
    "Dubois",
    "Eriksen",
    "Fernandes",
    "Fischer",
    "Fofana",
    "Garcia",
    "Greco",
    "Hansen",
    "Harper",
    "Hoffmann",
    "Ibrahim",
    "Jansen",
    "Jovic",
    "Kane",
    "Keller",
    "Koné",
    "Kovac",
    "Larsen",
    "Laurent",
    "Lopez",
    "Marino",
    "Martens",
    "Mendes",
    "Meyer",
    "Moreau",
    "Moreno",
    "Morris",
    "Nielsen",
    "Novak",
    "Okafor",
    "Olsen",
    "Ortega",
    "Pereira",
    "Petrovic",
    "Quinn",
    "Ramos",
    "Reyes",
    "Ricci",
    "Rossi",
    "Ruiz",
    "Santos",
    "Schmidt",
    "Silva",
    "Sousa",
    "Stone",
    "Suarez",
    "Tanaka",
    "Torres",
    "Traoré",
    "Vidal",
    "Vogel",
    "Walker",
    "Weber",
    "Wright",
    "Yilmaz",
    "Young",
    "Zielinski",
    "Brooks",
    "Jenkins",
    "Hayes",
    "Mitchell",
    "Bryant",
    "Holloway",
    "Price",
    "Simmons",
    "Warren",
    "Graham",
];

/// A stable 64-bit hash of a name (FNV-1a), for per-name randomness that
/// never changes between builds.
#[must_use]
pub(crate) fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// A random stream that depends only on `name` (an invented squad stays the
/// same in every match).
#[must_use]
pub(crate) fn rng_for(name: &str) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(hash(name))
}

/// `n` invented names, none of them in `taken` (which they are added to).
pub(crate) fn people(rng: &mut ChaCha8Rng, n: usize, taken: &mut Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let name = format!("{} {}", FIRST[rng.random_range(0..FIRST.len())], LAST[rng.random_range(0..LAST.len())]);
        if !taken.contains(&name) {
            taken.push(name.clone());
            out.push(name);
        }
    }
    out
}

/// A standard normal draw (sum of 12 uniforms, minus 6).
pub(crate) fn gauss(rng: &mut ChaCha8Rng) -> f64 {
    (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0
}

/// True with probability `p`.
pub(crate) fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// An index drawn with the given (non-negative) weights; 0 when all are 0.
pub(crate) fn weighted(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
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
    weights.len() - 1
}

/// The two sides of a match: the configured names (from `pool` when known,
/// else `invent`ed), or pool sides chosen with `rng`. An empty name, or a
/// second name equal to the first, gets a pool side instead.
pub(crate) fn pick_sides<T: Clone>(
    rng: &mut ChaCha8Rng,
    pool: &[T],
    name: impl Fn(&T) -> &str,
    configured: Option<&(String, String)>,
    mut invent: impl FnMut(&str) -> T,
) -> (T, T) {
    let (a, b) = configured.map_or(("", ""), |(a, b)| (a.trim(), b.trim()));
    let mut side = |wanted: &str, other: Option<&str>, rng: &mut ChaCha8Rng| -> T {
        let clash = other.is_some_and(|o| o.eq_ignore_ascii_case(wanted));
        if !wanted.is_empty() && !clash {
            return pool
                .iter()
                .find(|t| name(t).eq_ignore_ascii_case(wanted))
                .cloned()
                .unwrap_or_else(|| invent(wanted));
        }
        let free: Vec<&T> = pool.iter().filter(|t| other.is_none_or(|o| !name(t).eq_ignore_ascii_case(o))).collect();
        free[rng.random_range(0..free.len())].clone()
    };
    let first = side(a, (!b.is_empty()).then_some(b).filter(|_| a.is_empty()), rng);
    let second = side(b, Some(name(&first)), rng);
    (first, second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashing_and_names_are_stable_and_unique() {
        assert_eq!(hash("Arsenal"), hash("Arsenal"));
        assert_ne!(hash("Arsenal"), hash("Chelsea"));
        let mut taken = Vec::new();
        let a = people(&mut rng_for("X"), 30, &mut taken);
        let mut taken2 = Vec::new();
        assert_eq!(a, people(&mut rng_for("X"), 30, &mut taken2));
        let mut sorted = a.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 30);
    }

    #[test]
    fn sides_are_two_different_ones() {
        let pool = vec!["A".to_string(), "B".to_string(), "C".to_string()];
        for seed in 0..50 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let (a, b) = pick_sides(&mut rng, &pool, String::as_str, None, str::to_string);
            assert_ne!(a, b);
            let cfg = ("b".to_string(), "B".to_string());
            let (a, b) = pick_sides(&mut rng, &pool, String::as_str, Some(&cfg), str::to_string);
            assert_eq!(a, "B");
            assert_ne!(b, "B");
            let cfg = ("".to_string(), "Zed".to_string());
            let (a, b) = pick_sides(&mut rng, &pool, String::as_str, Some(&cfg), str::to_string);
            assert_eq!(b, "Zed");
            assert!(pool.contains(&a));
        }
        assert!(weighted(&mut ChaCha8Rng::seed_from_u64(1), &[0.0, 1.0]) == 1);
    }
}
