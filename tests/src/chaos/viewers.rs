//! A group of chaos clients watched together: wait until all of them are
//! somewhere, time how long each takes to get there after a fault, then
//! stop them and collect their reports.

use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::bail;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::client::{Client, ClientReport, ClientSpec, Progress};

/// How often progress is polled (the resolution of recovery times).
const POLL: Duration = Duration::from_millis(10);

/// Running clients.
pub struct Viewers {
    clients: Vec<Client>,
    stop: CancellationToken,
    release: CancellationToken,
}

impl Viewers {
    /// Start one client per spec.
    #[must_use]
    pub fn spawn(specs: impl IntoIterator<Item = ClientSpec>) -> Self {
        let stop = CancellationToken::new();
        let release = CancellationToken::new();
        let clients = specs.into_iter().map(|spec| Client::spawn(spec, stop.clone(), release.clone())).collect();
        Viewers { clients, stop, release }
    }

    /// Number of clients.
    #[must_use]
    pub fn len(&self) -> usize {
        self.clients.len()
    }

    /// True without clients.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// Each client's progress, in spawn order.
    pub fn progress(&self) -> impl Iterator<Item = &Progress> {
        self.clients.iter().map(|c| &*c.progress)
    }

    /// The lowest seq any client holds.
    #[must_use]
    pub fn min_seq(&self) -> u64 {
        self.progress().map(|p| p.seq.load(Ordering::Relaxed)).min().unwrap_or(0)
    }

    /// The highest seq any client holds.
    #[must_use]
    pub fn max_seq(&self) -> u64 {
        self.progress().map(|p| p.seq.load(Ordering::Relaxed)).max().unwrap_or(0)
    }

    /// Wait until every client satisfies `done`.
    ///
    /// # Errors
    /// Some did not within `limit` (the error says how many and `what`).
    pub async fn until(&self, what: &str, limit: Duration, done: impl Fn(&Progress) -> bool) -> anyhow::Result<()> {
        let deadline = Instant::now() + limit;
        loop {
            let behind = self.progress().filter(|p| !done(p)).count();
            if behind == 0 {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(
                    "{behind} of {} viewers not {what} within {limit:?} (lowest seq {}, highest {})",
                    self.len(),
                    self.min_seq(),
                    self.max_seq()
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Wait until every client holds at least `seq`.
    ///
    /// # Errors
    /// As [`Viewers::until`].
    pub async fn reach(&self, seq: u64, limit: Duration) -> anyhow::Result<()> {
        self.until(&format!("at seq {seq}"), limit, |p| p.seq.load(Ordering::Relaxed) >= seq).await
    }

    /// For the clients selected by `which` (by index), the time from
    /// `since` until each held at least `seq`.
    ///
    /// # Errors
    /// Some did not get there within `limit`.
    pub async fn recovery(
        &self,
        since: Instant,
        seq: u64,
        limit: Duration,
        which: impl Fn(usize) -> bool,
    ) -> anyhow::Result<Vec<Duration>> {
        self.times(since, limit, &format!("reach seq {seq}"), which, |p| p.seq.load(Ordering::Relaxed) >= seq).await
    }

    /// For the clients selected by `which`, the time from `since` until
    /// `done` held for each.
    ///
    /// # Errors
    /// Some did not get there within `limit` of `since`.
    pub async fn times(
        &self,
        since: Instant,
        limit: Duration,
        what: &str,
        which: impl Fn(usize) -> bool,
        done: impl Fn(&Progress) -> bool,
    ) -> anyhow::Result<Vec<Duration>> {
        let watched: Vec<&Progress> = self.progress().enumerate().filter(|(i, _)| which(*i)).map(|(_, p)| p).collect();
        let mut times: Vec<Option<Duration>> = vec![None; watched.len()];
        let deadline = since + limit;
        loop {
            let now = Instant::now();
            for (time, p) in times.iter_mut().zip(&watched) {
                if time.is_none() && done(p) {
                    *time = Some(now.saturating_duration_since(since));
                }
            }
            let missing = times.iter().filter(|t| t.is_none()).count();
            if missing == 0 {
                return Ok(times.into_iter().flatten().collect());
            }
            if now >= deadline {
                bail!("{missing} of {} viewers did not {what} within {limit:?}", watched.len());
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Make the clients selected by `which` (by index) drop their
    /// connection; they reconnect and resume.
    pub fn kick(&self, which: impl Fn(usize) -> bool) {
        for (_, p) in self.progress().enumerate().filter(|(i, _)| which(*i)) {
            p.kick.notify_one();
        }
    }

    /// Let stalled clients read again (they drain their socket).
    pub fn release(&self) {
        self.release.cancel();
    }

    /// Stop every client and collect the reports, in spawn order.
    ///
    /// # Errors
    /// A client task panicked.
    pub async fn finish(self) -> anyhow::Result<Vec<ClientReport>> {
        self.stop.cancel();
        let mut reports = Vec::with_capacity(self.clients.len());
        for client in self.clients {
            reports.push(client.report().await?);
        }
        Ok(reports)
    }
}
