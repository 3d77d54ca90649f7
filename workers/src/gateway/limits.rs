//! Per-connection and per-process limits: the subscribe rate (a token
//! bucket) and the connection cap. (The Origin allow-list is in
//! [`super::origin`].)

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// A token bucket: `burst` tokens, refilled at `rate` per second.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket. A `rate` of 0 never refills; a `burst` of 0 is
    /// treated as 1 (so the first request always passes).
    #[must_use]
    pub fn new(rate: u32, burst: u32, now: Instant) -> Self {
        let burst = f64::from(burst.max(1));
        TokenBucket { rate: f64::from(rate), burst, tokens: burst, last: now }
    }

    /// Take one token if there is one.
    pub fn try_take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Counts open connections against a cap; [`Permit`]s give the slot back
/// when dropped.
#[derive(Debug)]
pub struct ConnectionLimiter {
    max: usize,
    active: AtomicUsize,
    idle: Notify,
}

/// One connection slot, released on drop.
#[derive(Debug)]
pub struct Permit {
    limiter: Arc<ConnectionLimiter>,
}

impl ConnectionLimiter {
    #[must_use]
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(ConnectionLimiter { max, active: AtomicUsize::new(0), idle: Notify::new() })
    }

    /// A slot, unless `max` are taken.
    #[must_use]
    pub fn try_acquire(self: &Arc<Self>) -> Option<Permit> {
        self.active
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < self.max).then_some(n + 1))
            .ok()
            .map(|_| Permit { limiter: Arc::clone(self) })
    }

    /// Slots in use.
    #[must_use]
    pub fn active(&self) -> usize {
        self.active.load(Ordering::Acquire)
    }

    /// Wait until no slot is in use, at most `timeout`. True when drained.
    pub async fn drained(&self, timeout: Duration) -> bool {
        let wait = async {
            loop {
                let idle = self.idle.notified();
                if self.active() == 0 {
                    return;
                }
                idle.await;
            }
        };
        tokio::time::timeout(timeout, wait).await.is_ok()
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if self.limiter.active.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.limiter.idle.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_a_burst_then_the_rate() {
        let t0 = Instant::now();
        let mut bucket = TokenBucket::new(2, 3, t0);
        assert!((0..3).all(|_| bucket.try_take(t0)));
        assert!(!bucket.try_take(t0));
        // Half a second refills one token at 2/s.
        let t1 = t0 + Duration::from_millis(500);
        assert!(bucket.try_take(t1));
        assert!(!bucket.try_take(t1));
        // A long pause refills only up to the burst.
        let t2 = t1 + Duration::from_secs(60);
        assert_eq!((0..10).filter(|_| bucket.try_take(t2)).count(), 3);
    }

    #[test]
    fn zero_rate_never_refills() {
        let t0 = Instant::now();
        let mut bucket = TokenBucket::new(0, 0, t0);
        assert!(bucket.try_take(t0));
        assert!(!bucket.try_take(t0 + Duration::from_secs(3600)));
    }

    #[tokio::test]
    async fn limiter_caps_and_releases() {
        let limiter = ConnectionLimiter::new(2);
        let a = limiter.try_acquire();
        let b = limiter.try_acquire();
        assert!(a.is_some() && b.is_some());
        assert!(limiter.try_acquire().is_none());
        assert_eq!(limiter.active(), 2);
        drop(a);
        assert_eq!(limiter.active(), 1);
        let c = limiter.try_acquire();
        assert!(c.is_some());
        assert!(!limiter.drained(Duration::from_millis(10)).await);
        let release = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            drop((b, c));
        });
        assert!(limiter.drained(Duration::from_secs(5)).await);
        assert_eq!(limiter.active(), 0);
        let _ = release.await;
    }
}
