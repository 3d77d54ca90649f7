//! Per-object failure counters and the exponential backoff they give.
//!
//! Kept in memory: after an operator restart every count starts at zero,
//! which only means a few more retries (every bounded loop stays bounded).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// Consecutive failures per key (an object's `namespace/name`).
#[derive(Debug, Default)]
pub struct Counters {
    inner: Mutex<HashMap<String, u32>>,
}

impl Counters {
    /// Count one more failure of `key`; returns the new count.
    pub fn bump(&self, key: &str) -> u32 {
        let mut map = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let count = map.entry(key.to_owned()).or_insert(0);
        *count = count.saturating_add(1);
        *count
    }

    /// The current count of `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> u32 {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).get(key).copied().unwrap_or(0)
    }

    /// Forget `key` (it succeeded, or the object is gone).
    pub fn reset(&self, key: &str) {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).remove(key);
    }

    /// How many keys have a count (for tests and metrics).
    #[must_use]
    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Whether no key has a count.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `base * 2^(failures-1)`, at most `max` (failures counts from 1).
#[must_use]
pub fn delay(failures: u32, base: Duration, max: Duration) -> Duration {
    let exponent = failures.saturating_sub(1).min(20);
    base.saturating_mul(1_u32 << exponent).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_key_and_resets() {
        let c = Counters::default();
        assert_eq!(c.bump("a"), 1);
        assert_eq!(c.bump("a"), 2);
        assert_eq!(c.bump("b"), 1);
        assert_eq!(c.get("a"), 2);
        c.reset("a");
        assert_eq!(c.get("a"), 0);
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn delay_doubles_up_to_the_cap() {
        let (base, max) = (Duration::from_secs(1), Duration::from_secs(60));
        let delays: Vec<u64> = (1..=8).map(|n| delay(n, base, max).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(delay(0, base, max), base);
        assert_eq!(delay(u32::MAX, base, max), max);
    }
}
