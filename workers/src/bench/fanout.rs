//! Gateway fan-out: N loopback WebSocket viewers of one gateway spread over
//! M matches, each match's events committed straight into the store at a
//! live match's pace (each match at a random phase of its own), the
//! latency of every frame at every viewer, and the gateway's memory before,
//! with N idle connections, and at its peak during the fan-out.
//!
//! Latency runs from the publisher's commit to the frame's arrival in the
//! viewer's socket (the kernel's receive timestamp, [`super::stamped`]):
//! the viewers share this machine's cores with the gateway, and the time a
//! viewer task waits for a core is the benchmark's, not the gateway's. For
//! the same reason the viewers run on a runtime of their own at a low
//! priority (nice 19 by default): they take the CPU the gateway leaves, as
//! viewers on machines of their own would. Their own read time is reported
//! too.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use livematch_sports::cricket::sim::{SimConfig, simulate};
use livematch_sports::cricket::{self, Format};
use livematch_sports::{Envelope, Event, MatchState, Sport};
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::client::{self, ClientContext, ClientSpec, ClientStats, Probe};
use super::consumer::now_ms;
use super::gateway_proc::GatewayUnderTest;
use super::table::{Row, Target, thousands};
use super::{BenchError, FANOUT_P99_TARGET_MS, rss};
use crate::protocol;
use crate::store::{CommitBatch, CommitOutcome, Store};

/// Longest the whole connect phase may take.
const CONNECT_PHASE: Duration = Duration::from_secs(180);
/// Pause after the last connection before idle memory is read.
const SETTLE: Duration = Duration::from_millis(500);
/// Simulator seed of a scenario's first match (the next ones count up).
const FIRST_SEED: u64 = 1000;
/// Interval of gateway memory samples during the fan-out.
const RSS_SAMPLE: Duration = Duration::from_millis(50);

/// Which gateway to measure.
#[derive(Debug, Clone)]
pub enum GatewayKind {
    /// `binary gateway --redis redis_url ...` as a child process.
    Child { binary: PathBuf, redis_url: String },
    /// Served in this process (no separate memory figures).
    InProcess,
}

/// One fan-out scenario.
#[derive(Debug, Clone)]
pub struct FanoutSettings {
    pub clients: usize,
    /// Matches the clients are spread over (round robin).
    pub matches: usize,
    /// Events per second per match.
    pub rate: f64,
    pub duration: Duration,
    /// Clients connecting at once.
    pub connect_concurrency: usize,
    /// Worker threads of a runtime of their own for the clients (0: run
    /// them on the caller's runtime).
    pub client_threads: usize,
    /// Niceness of the clients' own threads (Linux; 0: none).
    pub client_nice: i32,
    /// How long to wait for frames still in flight after the last publish.
    pub drain: Duration,
    pub gateway: GatewayKind,
}

impl FanoutSettings {
    /// Events published per match.
    #[must_use]
    pub fn events_per_match(&self) -> usize {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let n = (self.rate * self.duration.as_secs_f64()).round() as usize;
        n.max(1)
    }
}

/// A simulated match committed event by event, as a consumer with batch
/// size 1 would.
struct Publisher {
    id: String,
    events: Vec<cricket::Event>,
    state: MatchState,
}

impl Publisher {
    fn new(id: String, seed: u64, needed: usize) -> Self {
        // A T20 has some 250+ events; an ODI some 600+.
        let format = if needed < 200 { Format::T20 } else { Format::Odi };
        let events = simulate(&SimConfig::new(format, seed));
        let state = MatchState::new(id.clone(), Sport::Cricket);
        Publisher { id, events, state }
    }

    /// Events left to publish.
    fn remaining(&self) -> usize {
        self.events.len().saturating_sub(usize::try_from(self.state.seq).unwrap_or(usize::MAX))
    }

    /// Fold the next event into the state: its seq, and the frame its
    /// viewers get (an event frame, or a parked one if the engine refuses
    /// it).
    fn next_frame(&mut self) -> Result<(u64, String), BenchError> {
        let seq = self.state.seq + 1;
        let Some(event) = usize::try_from(self.state.seq).ok().and_then(|i| self.events.get(i)) else {
            return Err(BenchError::Task(format!("match {} has no event {seq} left to publish", self.id)));
        };
        let env = Envelope::new(self.id.clone(), seq, now_ms(), Event::Cricket(event.clone()));
        let frame = match self.state.apply(&env) {
            Ok(applied) => protocol::event_frame(&env, &applied.patch),
            Err(e) => {
                self.state.skip(seq);
                protocol::parked_frame(&self.id, seq, env.ts, &e.to_string())
            }
        };
        Ok((seq, frame))
    }

    /// Commit the next event; marks its publish instant in `probe` right
    /// before the store call.
    async fn commit_next(&mut self, store: &dyn Store, probe: Option<(&Probe, usize)>) -> Result<(), BenchError> {
        let prev_seq = self.state.seq;
        let (seq, frame) = self.next_frame()?;
        let batch = CommitBatch {
            match_id: self.id.clone(),
            prev_seq,
            snapshot: self.state.snapshot_text(),
            frames: vec![frame],
            lobby: self.state.lobby_entry(),
            expire_after: None,
            state: self.state.clone(),
        };
        if let Some((probe, index)) = probe {
            probe.mark_published(index, seq);
        }
        match store.commit(&batch).await {
            Ok(CommitOutcome::Committed) => Ok(()),
            Ok(CommitOutcome::Conflict { stored_seq }) => Err(BenchError::Task(format!(
                "match {}: the store holds seq {stored_seq}, not {prev_seq}: another writer?",
                self.id
            ))),
            Err(source) => Err(BenchError::Store { store: "fan-out publisher", source }),
        }
    }
}

/// Mean size on the wire of the event frames a scenario publishes, as the
/// gateway writes them to each viewer (WebSocket header included).
#[must_use]
pub fn mean_wire_len(prefix: &str, settings: &FanoutSettings) -> usize {
    let wanted = settings.events_per_match();
    let id = match_ids(prefix, settings).into_iter().next().unwrap_or_default();
    let mut publisher = Publisher::new(id, FIRST_SEED, wanted + 1);
    // The first event is the subscribers' snapshot, not a frame of theirs.
    let (mut total, mut count) = (0, 0);
    for (_, text) in std::iter::from_fn(|| publisher.next_frame().ok()).skip(1).take(wanted) {
        total += crate::gateway::encode_text(&text).len();
        count += 1;
    }
    total / count.max(1)
}

/// The fan-out row's name: its setup.
#[must_use]
pub fn scenario(clients: usize, matches: usize, rate: f64) -> String {
    format!("fan-out, {} clients × {} matches, {rate} ev/s each", thousands(clients as u64), matches.max(1))
}

/// A row's id: `fanout/10000x1` (N clients over M matches).
#[must_use]
pub fn row_id(kind: &str, clients: usize, matches: usize) -> String {
    format!("{kind}/{clients}x{}", matches.max(1))
}

/// The ids of a scenario's matches (unique per scenario within a run).
#[must_use]
pub fn match_ids(prefix: &str, settings: &FanoutSettings) -> Vec<String> {
    let (n, matches) = (settings.clients, settings.matches.max(1));
    (0..matches).map(|m| format!("{prefix}-fanout{n}x{matches}-{m}")).collect()
}

/// Measure one fan-out scenario: an `idle/NxM` row and a `fanout/NxM` row.
///
/// # Errors
/// The gateway does not start, no client connects, or the store fails.
pub async fn rows(settings: &FanoutSettings, store: Arc<dyn Store>, prefix: &str) -> Result<Vec<Row>, BenchError> {
    let n = settings.clients;
    let wanted = settings.events_per_match();
    let mut publishers: Vec<Publisher> = match_ids(prefix, settings)
        .into_iter()
        .zip(FIRST_SEED..)
        .map(|(id, seed)| Publisher::new(id, seed, wanted + 1))
        .collect();
    // The first event is committed before anyone connects: the snapshot.
    for p in &mut publishers {
        p.commit_next(&*store, None).await?;
    }
    let per_match = publishers.iter().map(Publisher::remaining).min().unwrap_or(0).min(wanted);
    if per_match < wanted {
        warn!(wanted, per_match, "bench: a simulated match is shorter than rate × duration; publishing fewer events");
    }

    let mut gateway = match &settings.gateway {
        GatewayKind::Child { binary, redis_url } => GatewayUnderTest::spawn(binary, redis_url, n + 64).await?,
        GatewayKind::InProcess => GatewayUnderTest::in_process(Arc::clone(&store), n + 64).await?,
    };
    let pid = gateway.pid();
    let rss_before = pid.and_then(rss::rss_kib);
    let result = measure(settings, &store, &mut publishers, &gateway, per_match).await;
    let crashed = gateway.exited();
    gateway.stop().await;
    let measured = result?;
    Ok(measured.into_rows(settings, rss_before, per_match, crashed))
}

/// What one scenario measured, before it becomes rows.
struct Measured {
    connected: usize,
    first_error: Option<String>,
    connect_time: Duration,
    rss_idle: Option<u64>,
    rss_peak: Option<u64>,
    publish_wall: Duration,
    delivery_wall: Duration,
    stats: Vec<ClientStats>,
    gateway_cpu: Option<f64>,
    bench_cpu: Option<f64>,
    /// The wall time the CPU percentages are over.
    cpu_wall: Duration,
}

async fn measure(
    settings: &FanoutSettings,
    store: &Arc<dyn Store>,
    publishers: &mut [Publisher],
    gateway: &GatewayUnderTest,
    per_match: usize,
) -> Result<Measured, BenchError> {
    let own_runtime = if settings.client_threads > 0 {
        let nice = settings.client_nice;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(settings.client_threads)
            .thread_name("bench-client")
            .on_thread_start(move || lower_priority(nice))
            .enable_all()
            .build()
            .map_err(|source| BenchError::Io { what: "start the clients' runtime".into(), source })?;
        Some(runtime)
    } else {
        None
    };
    let spawner = own_runtime.as_ref().map_or_else(tokio::runtime::Handle::current, |r| r.handle().clone());
    let result = fan_out(settings, store, publishers, gateway, per_match, &spawner).await;
    if let Some(runtime) = own_runtime {
        runtime.shutdown_background();
    }
    result
}

/// Give the calling thread niceness `nice` (on Linux niceness belongs to
/// a thread, so the publisher and the rest of the bench keep theirs).
fn lower_priority(nice: i32) {
    if nice == 0 {
        return;
    }
    if let Err(e) = rustix::process::setpriority_process(None, nice) {
        warn!(error = %e, nice, "bench: cannot lower the clients' priority");
    }
}

async fn fan_out(
    settings: &FanoutSettings,
    store: &Arc<dyn Store>,
    publishers: &mut [Publisher],
    gateway: &GatewayUnderTest,
    per_match: usize,
    spawner: &tokio::runtime::Handle,
) -> Result<Measured, BenchError> {
    let n = settings.clients;
    let pid = gateway.pid();
    let probe = Arc::new(Probe::new(publishers.len(), per_match as u64 + 1));
    let stop = CancellationToken::new();
    let _stop_clients = stop.clone().drop_guard();
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel();
    let ctx = ClientContext {
        probe: Arc::clone(&probe),
        connecting: Arc::new(Semaphore::new(settings.connect_concurrency.max(1))),
        ready: ready_tx,
        stop: stop.clone(),
        expected: per_match,
    };
    let addr: Arc<str> = gateway.addr().to_string().into();
    let ids: Vec<Arc<str>> = publishers.iter().map(|p| Arc::from(p.id.as_str())).collect();

    info!(clients = n, addr = %addr, "bench: connecting clients");
    let connect_started = Instant::now();
    let mut handles = Vec::with_capacity(n);
    for i in 0..n {
        let index = i % ids.len();
        let spec = ClientSpec { addr: Arc::clone(&addr), match_id: Arc::clone(&ids[index]), match_index: index };
        handles.push(spawner.spawn(client::run(spec, ctx.clone())));
    }
    drop(ctx);
    let (mut connected, mut failed, mut first_error) = (0usize, 0usize, None);
    let phase = tokio::time::timeout(CONNECT_PHASE, async {
        while connected + failed < n {
            match ready_rx.recv().await {
                Some(Ok(())) => connected += 1,
                Some(Err(e)) => {
                    failed += 1;
                    first_error.get_or_insert(e);
                }
                None => break,
            }
        }
    })
    .await;
    let connect_time = connect_started.elapsed();
    if phase.is_err() {
        first_error
            .get_or_insert(format!("{} clients not subscribed within {CONNECT_PHASE:?}", n - connected - failed));
    }
    info!(connected, failed, secs = connect_time.as_secs_f64(), "bench: clients subscribed");
    if connected == 0 {
        return Err(BenchError::Clients(format!(
            "none of {n} clients could subscribe: {}",
            first_error.unwrap_or_default()
        )));
    }
    tokio::time::sleep(SETTLE).await;
    let rss_idle = pid.and_then(rss::rss_kib);

    // Fan-out: one event per match per tick.
    let peak = Arc::new(AtomicU64::new(rss_idle.unwrap_or(0)));
    let sampling = CancellationToken::new();
    if let Some(pid) = pid {
        tokio::spawn(sample_rss(pid, Arc::clone(&peak), sampling.clone()));
    }
    let self_pid = std::process::id();
    let (gw_cpu_before, self_cpu_before) = (pid.and_then(rss::cpu_time), rss::cpu_time(self_pid));
    // Each match publishes one event every `period`, as a live match does,
    // at a phase of its own: independent matches are not in step, so their
    // bursts mostly fall apart, and sometimes together (phases are random,
    // seeded: the same every run).
    let period = Duration::from_secs_f64(1.0 / settings.rate.max(0.001));
    let schedule = schedule(publishers.len(), per_match, period, PHASE_SEED);
    let publish_started = Instant::now();
    let start = tokio::time::Instant::now();
    for (at, index) in schedule {
        tokio::time::sleep_until(start + at).await;
        if let Some(p) = publishers.get_mut(index) {
            p.commit_next(&**store, Some((&probe, index))).await?;
        }
    }
    let publish_wall = publish_started.elapsed();
    let drain_until = Instant::now() + settings.drain;
    while probe.complete.load(Ordering::Relaxed) < connected as u64 && Instant::now() < drain_until {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let wall = publish_started.elapsed();
    let gateway_cpu = rss::cpu_percent(gw_cpu_before, pid.and_then(rss::cpu_time), wall);
    let bench_cpu = rss::cpu_percent(self_cpu_before, rss::cpu_time(self_pid), wall);
    sampling.cancel();
    let rss_peak = pid.map(|_| peak.load(Ordering::Relaxed));

    stop.cancel();
    let mut stats = Vec::with_capacity(n);
    for handle in handles {
        match handle.await {
            Ok(s) => stats.push(s),
            Err(e) => warn!(error = %e, "bench: a client task failed"),
        }
    }
    let last_receive = stats.iter().map(|s| s.last_receive_ns).max().unwrap_or(0);
    let delivery_wall = probe.instant(last_receive).saturating_duration_since(publish_started);
    Ok(Measured {
        connected,
        first_error,
        connect_time,
        rss_idle,
        rss_peak,
        publish_wall,
        delivery_wall,
        stats,
        gateway_cpu,
        bench_cpu,
        cpu_wall: wall,
    })
}

/// Seed of the matches' publishing phases.
const PHASE_SEED: u64 = 20;

/// When each match publishes: event `k` of match `m` at `(k + phase_m) ×
/// period`, `phase_m` drawn uniformly from [0, 1). In time order, as
/// (offset from the start, match index).
fn schedule(matches: usize, per_match: usize, period: Duration, seed: u64) -> Vec<(Duration, usize)> {
    use rand::{Rng as _, SeedableRng as _};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let phases: Vec<f64> = (0..matches).map(|_| rng.random::<f64>()).collect();
    let mut at: Vec<(Duration, usize)> = (0..per_match)
        .flat_map(|k| {
            phases.iter().enumerate().map(move |(m, phase)| {
                #[allow(clippy::cast_precision_loss)]
                let slots = k as f64 + phase;
                (period.mul_f64(slots), m)
            })
        })
        .collect();
    at.sort();
    at
}

async fn sample_rss(pid: u32, peak: Arc<AtomicU64>, stop: CancellationToken) {
    let mut ticker = tokio::time::interval(RSS_SAMPLE);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = ticker.tick() => {}
        }
        if let Some(kib) = rss::rss_kib(pid) {
            peak.fetch_max(kib, Ordering::Relaxed);
        }
    }
}

#[allow(clippy::cast_precision_loss)]
fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

impl Measured {
    fn into_rows(
        self,
        settings: &FanoutSettings,
        rss_before: Option<u64>,
        per_match: usize,
        crashed: Option<String>,
    ) -> Vec<Row> {
        let n = settings.clients;
        let mut histogram = Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3).ok();
        let mut read_histogram = Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3).ok();
        let (mut received, mut out_of_order, mut unexpected, mut dropped) = (0u64, 0u64, 0u64, 0usize);
        let mut unstamped = 0u64;
        let mut drop_reason = None;
        for s in &self.stats {
            received += s.received;
            out_of_order += s.out_of_order;
            unexpected += s.unexpected;
            unstamped += s.unstamped;
            for (h, values) in [(&mut histogram, &s.latencies_us), (&mut read_histogram, &s.read_latencies_us)] {
                if let Some(h) = h.as_mut() {
                    for us in values {
                        h.saturating_record(u64::from(*us).max(1));
                    }
                }
            }
            if s.connected && s.error.is_some() {
                dropped += 1;
                drop_reason = drop_reason.or_else(|| s.error.clone());
            }
        }
        let expected = (per_match * self.connected) as u64;
        let lost = expected.saturating_sub(received);

        #[allow(clippy::cast_precision_loss)]
        let per_conn = match (rss_before, self.rss_idle) {
            (Some(before), Some(idle)) => Some((idle as f64 - before as f64) / self.connected as f64),
            _ => None,
        };
        let mut idle_notes = format!(
            "connect+subscribe {:.2} s (≤{} at once)",
            self.connect_time.as_secs_f64(),
            settings.connect_concurrency
        );
        match rss_before {
            #[allow(clippy::cast_precision_loss)]
            Some(kib) => idle_notes.push_str(&format!(", RSS before {:.1} MiB", kib as f64 / 1024.0)),
            None => idle_notes.push_str(", gateway in this process: no memory figures"),
        }
        if self.connected < n {
            idle_notes.push_str(&format!(
                "; {} FAILED: {}",
                n - self.connected,
                self.first_error.clone().unwrap_or_default()
            ));
        }
        #[allow(clippy::cast_precision_loss)]
        let idle = Row {
            id: row_id("idle", n, settings.matches),
            scenario: format!("gateway, {} idle connections", thousands(n as u64)),
            count: Some(self.connected as u64),
            expected: Some(n as u64),
            rate: Some(self.connected as f64 / self.connect_time.as_secs_f64().max(1e-9)),
            rss_kib: self.rss_idle,
            per_conn_kib: per_conn,
            notes: idle_notes,
            ..Row::default()
        };

        // Without kernel timestamps (not Linux), the clients' read time.
        let stamped = histogram.as_ref().is_some_and(|h| !h.is_empty());
        let main = if stamped { &histogram } else { &read_histogram };
        let quantile = |q: f64| main.as_ref().filter(|h| !h.is_empty()).map(|h| ms(h.value_at_quantile(q)));
        let p99 = quantile(0.99);
        let matches = settings.matches.max(1);
        let mut notes = format!(
            "lost {lost}; {} viewers per match, {per_match} events per match over {:.1} s (one per {:.1} s per match, matches at random phases)",
            thousands((n / matches) as u64),
            self.publish_wall.as_secs_f64(),
            1.0 / settings.rate.max(0.001),
        );
        if stamped {
            notes.push_str("; latency: publish → frame in the viewer's socket (kernel receive stamp)");
            if unstamped > 0 {
                notes.push_str(&format!(" ({unstamped} frames had none: left out)"));
            }
            let read = |q: f64| read_histogram.as_ref().filter(|h| !h.is_empty()).map(|h| ms(h.value_at_quantile(q)));
            if let (Some(p50), Some(p99)) = (read(0.5), read(0.99)) {
                notes.push_str(&format!(", to the viewer task's read p50 {p50:.1} / p99 {p99:.1} ms"));
            }
        } else {
            notes.push_str("; latency: publish → the viewer task's read (no kernel stamps here)");
        }
        match (settings.client_threads, settings.client_nice) {
            (0, _) => notes.push_str("; clients on the bench's runtime"),
            (threads, 0) => notes.push_str(&format!("; clients on {threads} threads")),
            (threads, nice) => notes.push_str(&format!("; clients on {threads} threads at nice {nice}")),
        }
        if out_of_order > 0 || unexpected > 0 {
            notes.push_str(&format!(", out of order {out_of_order}, reset/error frames {unexpected}"));
        }
        if dropped > 0 {
            notes.push_str(&format!(", {dropped} clients dropped: {}", drop_reason.unwrap_or_default()));
        }
        // CPU time per delivered frame: what one viewer costs per event.
        #[allow(clippy::cast_precision_loss)]
        let per_frame = |cpu: f64| cpu / 100.0 * self.cpu_wall.as_secs_f64() * 1e6 / received.max(1) as f64;
        if let Some(cpu) = self.gateway_cpu {
            notes.push_str(&format!(", gateway CPU {cpu:.0}% ({:.1} µs/frame)", per_frame(cpu)));
        }
        if let Some(cpu) = self.bench_cpu {
            notes.push_str(&format!(", clients+publisher CPU {cpu:.0}% ({:.1} µs/frame)", per_frame(cpu)));
        }
        if let Some(crash) = crashed {
            notes.push_str(&format!("; {crash}"));
        }
        let ok = lost == 0 && self.connected == n && dropped == 0;
        #[allow(clippy::cast_precision_loss)]
        let fanout = Row {
            id: row_id("fanout", n, settings.matches),
            scenario: scenario(n, matches, settings.rate),
            count: Some(received),
            expected: Some(expected),
            rate: Some(received as f64 / self.delivery_wall.as_secs_f64().max(1e-9)),
            p50_ms: quantile(0.5),
            p99_ms: p99,
            max_ms: main.as_ref().filter(|h| !h.is_empty()).map(|h| ms(h.max())),
            rss_kib: self.rss_peak,
            target: Some(Target {
                text: format!("p99 ≤ {FANOUT_P99_TARGET_MS} ms, 0 lost"),
                pass: ok && p99.is_some_and(|p| p <= FANOUT_P99_TARGET_MS),
            }),
            notes,
            ..Row::default()
        };
        vec![idle, fanout]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_match_keeps_its_pace_at_its_own_phase() {
        let period = Duration::from_secs(2);
        let plan = schedule(10, 5, period, PHASE_SEED);
        assert_eq!(plan.len(), 50);
        assert!(plan.windows(2).all(|w| w[0].0 <= w[1].0), "in time order");
        for m in 0..10 {
            let times: Vec<Duration> = plan.iter().filter(|(_, i)| *i == m).map(|(at, _)| *at).collect();
            assert_eq!(times.len(), 5);
            assert!(times[0] < period, "match {m} starts within the first period");
            for pair in times.windows(2) {
                let gap = pair[1] - pair[0];
                assert!(gap.abs_diff(period) < Duration::from_micros(1), "match {m}: events {gap:?} apart");
            }
        }
        let phases: std::collections::BTreeSet<Duration> = plan.iter().take(10).map(|(at, _)| *at).collect();
        assert_eq!(phases.len(), 10, "matches are not in step");
        assert_eq!(plan, schedule(10, 5, period, PHASE_SEED), "the same every run");
    }
}
