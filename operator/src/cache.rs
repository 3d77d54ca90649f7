//! The match cache in Redis, as the operator uses it: the lobby (every
//! match's one-line summary and status) and deleting a match's keys.
//!
//! [`Cache`] is the small trait reconcile tests fake. [`RedisCache`] wraps
//! the workers' [`RedisStore`], connecting lazily (the operator starts, and
//! keeps reconciling, while Redis is down).
//!
//! [`Lobby`] is the shared copy the reconciler reads: one background task
//! ([`Lobby::run`]) reads the whole lobby every `--lobby-refresh`, so a
//! thousand live matches cost one Redis call per period instead of one per
//! reconcile.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use livematch_sports::engine::LobbyEntry;
use livematch_workers::store::redis::{RedisConfig, RedisStore};
use livematch_workers::store::{Store, StoreError};
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

/// What went wrong with Redis.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// Redis answered with an error (or could not be reached).
    #[error("redis {what}: {source}")]
    Store {
        /// What the operator was doing.
        what: String,
        /// The store's error.
        #[source]
        source: StoreError,
    },
    /// Redis did not answer in time.
    #[error("redis {what}: no answer within {after:?}")]
    Timeout {
        /// What the operator was doing.
        what: String,
        /// The timeout.
        after: Duration,
    },
}

impl CacheError {
    /// Stable short category for metrics and Events.
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            CacheError::Store { .. } => "redis",
            CacheError::Timeout { .. } => "redis_timeout",
        }
    }
}

/// The operator's view of the match cache.
#[async_trait]
pub trait Cache: Send + Sync + 'static {
    /// Every match in the lobby.
    async fn lobby(&self) -> Result<Vec<LobbyEntry>, CacheError>;
    /// Remove everything stored for a match.
    async fn delete_match(&self, match_id: &str) -> Result<(), CacheError>;
}

/// The cache in Redis through the workers' [`RedisStore`].
#[derive(Debug)]
pub struct RedisCache {
    config: RedisConfig,
    store: OnceCell<RedisStore>,
    timeout: Duration,
}

impl RedisCache {
    /// A cache that connects on first use.
    #[must_use]
    pub fn new(config: RedisConfig, timeout: Duration) -> Self {
        RedisCache { config, store: OnceCell::new(), timeout }
    }

    async fn call<T>(
        &self,
        what: &str,
        call: impl AsyncFnOnce(&RedisStore) -> Result<T, StoreError>,
    ) -> Result<T, CacheError> {
        let work = async {
            let store = self.store.get_or_try_init(|| RedisStore::connect(&self.config)).await?;
            call(store).await
        };
        match tokio::time::timeout(self.timeout, work).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(source)) => Err(CacheError::Store { what: what.to_owned(), source }),
            Err(_) => Err(CacheError::Timeout { what: what.to_owned(), after: self.timeout }),
        }
    }
}

#[async_trait]
impl Cache for RedisCache {
    async fn lobby(&self) -> Result<Vec<LobbyEntry>, CacheError> {
        self.call("read lobby", async |store| store.lobby().await).await
    }

    async fn delete_match(&self, match_id: &str) -> Result<(), CacheError> {
        self.call(&format!("delete match {match_id}"), async |store| store.delete_match(match_id).await).await
    }
}

/// The last lobby read from the cache, shared by every reconcile.
#[derive(Debug, Clone, Default)]
pub struct Lobby {
    entries: Arc<RwLock<Arc<HashMap<String, LobbyEntry>>>>,
}

impl Lobby {
    /// The entry of `match_id` in the last read, if any.
    #[must_use]
    pub fn get(&self, match_id: &str) -> Option<LobbyEntry> {
        self.snapshot().get(match_id).cloned()
    }

    /// The whole last read.
    #[must_use]
    pub fn snapshot(&self) -> Arc<HashMap<String, LobbyEntry>> {
        self.entries.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Replace the copy with a new read.
    pub fn replace(&self, entries: Vec<LobbyEntry>) {
        let map: HashMap<String, LobbyEntry> = entries.into_iter().map(|e| (e.id.clone(), e)).collect();
        *self.entries.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(map);
    }

    /// Read the lobby once into this copy.
    ///
    /// # Errors
    /// The read failed (the copy is kept as it was).
    pub async fn refresh(&self, cache: &dyn Cache) -> Result<usize, CacheError> {
        let entries = cache.lobby().await?;
        let count = entries.len();
        self.replace(entries);
        Ok(count)
    }

    /// Refresh every `every` until `shutdown`, calling `on_result` after
    /// each read (metrics).
    pub async fn run(
        self,
        cache: Arc<dyn Cache>,
        every: Duration,
        shutdown: CancellationToken,
        on_result: impl Fn(Result<usize, &CacheError>) + Send,
    ) {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = ticks.tick() => {}
            }
            match self.refresh(cache.as_ref()).await {
                Ok(count) => on_result(Ok(count)),
                Err(error) => {
                    tracing::warn!(%error, "lobby read failed; summaries keep their last value");
                    on_result(Err(&error));
                }
            }
        }
    }
}

/// An in-memory [`Cache`] for tests and benchmarks.
#[derive(Debug, Default)]
pub struct FakeCache {
    state: Mutex<FakeCacheState>,
}

#[derive(Debug, Default)]
struct FakeCacheState {
    entries: HashMap<String, LobbyEntry>,
    deleted: Vec<String>,
    fail: bool,
}

impl FakeCache {
    /// Put (or replace) a lobby entry.
    pub fn put(&self, entry: LobbyEntry) {
        self.lock().entries.insert(entry.id.clone(), entry);
    }

    /// Make every call fail (or stop failing).
    pub fn fail(&self, fail: bool) {
        self.lock().fail = fail;
    }

    /// Match ids deleted so far.
    #[must_use]
    pub fn deleted(&self) -> Vec<String> {
        self.lock().deleted.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FakeCacheState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn check(&self, what: &str) -> Result<std::sync::MutexGuard<'_, FakeCacheState>, CacheError> {
        let state = self.lock();
        if state.fail {
            return Err(CacheError::Store {
                what: what.to_owned(),
                source: StoreError::Connection("redis unavailable (fake)".to_owned()),
            });
        }
        Ok(state)
    }
}

#[async_trait]
impl Cache for FakeCache {
    async fn lobby(&self) -> Result<Vec<LobbyEntry>, CacheError> {
        Ok(self.check("read lobby")?.entries.values().cloned().collect())
    }

    async fn delete_match(&self, match_id: &str) -> Result<(), CacheError> {
        let mut state = self.check("delete match")?;
        state.entries.remove(match_id);
        state.deleted.push(match_id.to_owned());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use livematch_sports::engine::Status;

    use super::*;

    fn entry(id: &str, summary: &str) -> LobbyEntry {
        LobbyEntry {
            id: id.into(),
            sport: livematch_sports::Sport::Cricket,
            status: Status::Live,
            teams: vec!["A".into(), "B".into()],
            summary: summary.into(),
            result: None,
            seq: 1,
            updated: 0,
        }
    }

    #[tokio::test]
    async fn refresh_replaces_the_copy_and_keeps_it_on_error() {
        let cache = FakeCache::default();
        cache.put(entry("ns.a", "A 10/0"));
        cache.put(entry("ns.b", "B 0/0"));
        let lobby = Lobby::default();
        assert_eq!(lobby.refresh(&cache).await.expect("read"), 2);
        assert_eq!(lobby.get("ns.a").map(|e| e.summary), Some("A 10/0".into()));
        cache.fail(true);
        let err = lobby.refresh(&cache).await.expect_err("redis down");
        assert_eq!(err.metric_label(), "redis");
        assert_eq!(lobby.snapshot().len(), 2, "last good copy kept");
        cache.fail(false);
        cache.delete_match("ns.a").await.expect("delete");
        lobby.refresh(&cache).await.expect("read");
        assert!(lobby.get("ns.a").is_none());
        assert_eq!(cache.deleted(), ["ns.a"]);
    }

    #[tokio::test(start_paused = true)]
    async fn run_refreshes_periodically_until_shutdown() {
        let cache = Arc::new(FakeCache::default());
        let lobby = Lobby::default();
        let shutdown = CancellationToken::new();
        let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = reads.clone();
        let task =
            tokio::spawn(lobby.clone().run(cache.clone(), Duration::from_secs(5), shutdown.clone(), move |_| {
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }));
        tokio::time::sleep(Duration::from_millis(10)).await;
        cache.put(entry("ns.a", "A 1/0"));
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(lobby.get("ns.a").map(|e| e.summary), Some("A 1/0".into()));
        shutdown.cancel();
        task.await.expect("task ends on shutdown");
        assert_eq!(reads.load(std::sync::atomic::Ordering::Relaxed), 2, "at start and after one period");
    }

    #[tokio::test]
    async fn unreachable_redis_is_an_error_not_a_hang() {
        let cache = RedisCache::new(RedisConfig { url: "redis://127.0.0.1:9/".into() }, Duration::from_secs(1));
        let err = cache.lobby().await.expect_err("nothing listens on port 9");
        assert!(matches!(err, CacheError::Store { .. } | CacheError::Timeout { .. }), "{err}");
    }
}
