//! `livematch bench`: the data plane's benchmarks, printed as one table.
//!
//! * **fold**: `MatchState::apply` alone on one thread, the engine's
//!   ceiling.
//! * **consumer**: simulated matches pre-published into an in-memory event
//!   log, one consumer task per match, into Redis and into the in-memory
//!   store (`--sink` picks them), with batches of up to 1000 events and of
//!   1 (what batching buys); events per second from the consumers' start
//!   until every match is written. The notes give CPU time per event (consumers, redis-server):
//!   the figure that holds when other work shares the machine.
//! * **fan-out**: a `livematch gateway` child process (its memory measured
//!   apart from the clients) and N loopback WebSocket viewers in this
//!   process, spread over M matches (default: 10 matches, and all viewers
//!   on one); each match commits an event into Redis at a live match's pace
//!   (default: one every 2 s, each match at a random phase of its own, as
//!   independent matches are); every viewer's latency of every frame, from
//!   the publisher's commit to the frame's arrival in the viewer's socket
//!   (kernel timestamp) and to the viewer task's read; the viewers run at
//!   nice 19 on threads of their own (see [`fanout`]); the gateway's memory
//!   before, with N idle connections, and at its peak.
//!
//! * **floor**: before each client count's fan-out, the kernel alone
//!   sending one frame of the fan-out's size to each of N loopback sockets
//!   from one thread per core ([`floor`]): what a burst to N local viewers
//!   costs on this machine with no gateway at all. The fan-out rows note
//!   their p99 against it.
//!
//! Redis is `--redis URL`, or a `redis-server` from `PATH` started on a
//! free port for the run. Targets (consumer ≥ 100,000 events/s into Redis;
//! 10,000 viewers with p99 ≤ 50 ms) are shown with PASS/MISS; they live
//! here, never in timed tests.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use livematch_sports::cricket::Format;
use tracing::{error, info, warn};

use crate::consumer::ConsumeError;
use crate::store::StoreError;
use crate::store::memory::MemoryStore;
use crate::store::redis::{RedisConfig, RedisStore};

pub mod client;
pub mod consumer;
pub mod fanout;
pub mod floor;
pub mod gateway_proc;
pub mod redis_server;
pub mod rss;
pub mod stamped;
pub mod table;

pub use table::{Report, Row, Target};

use consumer::{Sink, Workload};
use fanout::{FanoutSettings, GatewayKind};
use redis_server::RedisServer;

/// Consumer target: events per second into Redis.
pub const CONSUMER_TARGET: u64 = 100_000;
/// Fan-out target: p99 publish→receive latency in milliseconds.
pub const FANOUT_P99_TARGET_MS: f64 = 50.0;

/// Flags of `livematch bench` (each also `LIVEMATCH_BENCH_<FLAG>`).
#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Small sizes for a quick check (CI smoke): 3,000 events, 100 clients, 4 s.
    #[arg(long, env = "LIVEMATCH_BENCH_QUICK")]
    pub quick: bool,
    /// Consumer benchmark: at least this many events (whole simulated matches) [default: 60000].
    #[arg(long, env = "LIVEMATCH_BENCH_EVENTS")]
    pub events: Option<usize>,
    /// Format of the simulated matches of the consumer benchmark: t20 or odi.
    #[arg(long, env = "LIVEMATCH_BENCH_FORMAT", default_value = "t20", value_parser = parse_format)]
    pub format: Format,
    /// Consumer batch sizes (most events per store write) to compare.
    #[arg(long, env = "LIVEMATCH_BENCH_BATCH", value_delimiter = ',', default_value = "1000,1")]
    pub batch: Vec<usize>,
    /// Stores the consumer benchmark writes into (e.g. `--sink redis
    /// --batch 1000` for the target row alone).
    #[arg(long, env = "LIVEMATCH_BENCH_SINK", value_delimiter = ',', default_value = "redis,memory")]
    pub sink: Vec<SinkKind>,
    /// Fan-out: numbers of WebSocket clients, one scenario each [default: 1000,10000].
    #[arg(long, env = "LIVEMATCH_BENCH_CLIENTS", value_delimiter = ',')]
    pub clients: Option<Vec<usize>>,
    /// Fan-out: matches the clients are spread over (round robin), one
    /// scenario per value and client count: 10 live matches, and all
    /// viewers on one match (every event one burst to all of them).
    #[arg(long, env = "LIVEMATCH_BENCH_MATCHES", value_delimiter = ',', default_value = "10,1")]
    pub matches: Vec<usize>,
    /// Fan-out: events per second published per match (a live match: a
    /// ball every few seconds at most).
    #[arg(long, env = "LIVEMATCH_BENCH_RATE", default_value_t = 0.5)]
    pub rate: f64,
    /// Fan-out: how long events are published [default: 20s].
    #[arg(long, env = "LIVEMATCH_BENCH_DURATION", value_parser = humantime::parse_duration)]
    pub duration: Option<Duration>,
    /// Fan-out: clients connecting at once (keep it under the gateway's
    /// listen backlog, or dropped SYNs add 1 s retransmits to connect time).
    #[arg(long, env = "LIVEMATCH_BENCH_CONNECT_CONCURRENCY", default_value_t = 100)]
    pub connect_concurrency: usize,
    /// Fan-out: worker threads of the clients' own runtime (0: share the
    /// bench's runtime, and its priority) [default: one per core].
    #[arg(long, env = "LIVEMATCH_BENCH_CLIENT_THREADS")]
    pub client_threads: Option<usize>,
    /// Fan-out: niceness of the clients' threads. The clients stand in for
    /// viewers on machines of their own: niced, they take the CPU the
    /// gateway leaves instead of half of it (0: compete on equal terms).
    #[arg(long, env = "LIVEMATCH_BENCH_CLIENT_NICE", default_value_t = 19, value_parser = clap::value_parser!(i32).range(0..=19))]
    pub client_nice: i32,
    /// Fan-out: how long to wait for frames in flight after the last publish.
    #[arg(long, env = "LIVEMATCH_BENCH_DRAIN", default_value = "5s", value_parser = humantime::parse_duration)]
    pub drain: Duration,
    /// Skip the loopback floor rows (the kernel alone sending one frame to
    /// each of N sockets, measured before each client count's fan-out).
    #[arg(long, env = "LIVEMATCH_BENCH_SKIP_FLOOR")]
    pub skip_floor: bool,
    /// Loopback floor: timed bursts per client count.
    #[arg(long, env = "LIVEMATCH_BENCH_FLOOR_BURSTS", default_value_t = 10)]
    pub floor_bursts: usize,
    /// Redis URL (default: start a redis-server from PATH on a free port).
    #[arg(long = "redis", env = "LIVEMATCH_BENCH_REDIS")]
    pub redis: Option<String>,
    /// The livematch binary run as the gateway (default: this executable).
    #[arg(long, env = "LIVEMATCH_BENCH_GATEWAY_BIN")]
    pub gateway_bin: Option<PathBuf>,
    /// Serve the gateway inside the bench process (no separate memory figures).
    #[arg(long, env = "LIVEMATCH_BENCH_IN_PROCESS_GATEWAY")]
    pub in_process_gateway: bool,
    /// Longest one consumer scenario may take.
    #[arg(long, env = "LIVEMATCH_BENCH_CONSUMER_TIMEOUT", default_value = "5m", value_parser = humantime::parse_duration)]
    pub consumer_timeout: Duration,
    /// Skip the fan-out benchmark.
    #[arg(long, env = "LIVEMATCH_BENCH_SKIP_FANOUT")]
    pub skip_fanout: bool,
    /// Skip the consumer (and fold) benchmark.
    #[arg(long, env = "LIVEMATCH_BENCH_SKIP_CONSUMER")]
    pub skip_consumer: bool,
}

/// A store of the consumer benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SinkKind {
    /// Redis (the target row).
    Redis,
    /// The in-memory store: the consumer without a network store.
    Memory,
}

fn parse_format(s: &str) -> Result<Format, String> {
    match s.to_ascii_lowercase().as_str() {
        "t20" => Ok(Format::T20),
        "odi" => Ok(Format::Odi),
        _ => Err(format!("expected t20 or odi, got {s:?}")),
    }
}

impl BenchArgs {
    fn events(&self) -> usize {
        self.events.unwrap_or(if self.quick { 3_000 } else { 60_000 })
    }

    fn clients(&self) -> Vec<usize> {
        self.clients.clone().unwrap_or_else(|| if self.quick { vec![100] } else { vec![1_000, 10_000] })
    }

    fn client_threads(&self) -> usize {
        self.client_threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
    }

    fn duration(&self) -> Duration {
        self.duration.unwrap_or(if self.quick { Duration::from_secs(4) } else { Duration::from_secs(20) })
    }
}

/// Why the benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("invalid bench arguments: {0}")]
    Args(String),
    #[error("redis at {url}: {source}")]
    Redis { url: String, source: StoreError },
    #[error("redis-server for the benchmark: {0}")]
    RedisServer(String),
    #[error("{store} store: {source}")]
    Store { store: &'static str, source: StoreError },
    #[error("consumer of match {match_id}: {source}")]
    Consumer { match_id: String, source: ConsumeError },
    #[error("gateway under test: {0}")]
    Gateway(String),
    #[error("WebSocket clients: {0}")]
    Clients(String),
    #[error("{what} did not finish within {after:?}")]
    Timeout { what: String, after: Duration },
    #[error("{what}: {source}")]
    Io { what: String, source: std::io::Error },
    #[error("benchmark task: {0}")]
    Task(String),
}

impl BenchError {
    /// Stable short category for metrics labels.
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            BenchError::Args(_) => "args",
            BenchError::Redis { .. } | BenchError::RedisServer(_) => "redis",
            BenchError::Store { source, .. } => source.metric_label(),
            BenchError::Consumer { source, .. } => source.metric_label(),
            BenchError::Gateway(_) => "gateway",
            BenchError::Clients(_) => "clients",
            BenchError::Timeout { .. } => "timeout",
            BenchError::Io { .. } => "io",
            BenchError::Task(_) => "task",
        }
    }
}

/// Run the benchmarks and print the table.
///
/// # Errors
/// See [`measure`].
pub async fn run(args: BenchArgs) -> Result<(), BenchError> {
    let report = measure(args).await?;
    println!("{report}");
    Ok(())
}

/// Where Redis comes from for this run.
enum RedisSetup {
    External(String),
    Spawned(RedisServer),
    Missing(String),
}

impl RedisSetup {
    async fn open(url: Option<&str>) -> RedisSetup {
        if let Some(url) = url {
            return RedisSetup::External(url.to_owned());
        }
        let Some(binary) = redis_server::find_on_path() else {
            return RedisSetup::Missing("redis-server is not installed (not on PATH) and no --redis given".into());
        };
        match RedisServer::start(&binary).await {
            Ok(server) => RedisSetup::Spawned(server),
            Err(e) => RedisSetup::Missing(e.to_string()),
        }
    }

    fn url(&self) -> Option<&str> {
        match self {
            RedisSetup::External(url) => Some(url),
            RedisSetup::Spawned(server) => Some(server.url()),
            RedisSetup::Missing(_) => None,
        }
    }

    async fn store(&self) -> Result<Arc<RedisStore>, String> {
        match self.url() {
            Some(url) => RedisStore::connect(&RedisConfig { url: url.to_owned() })
                .await
                .map(Arc::new)
                .map_err(|e| format!("cannot connect to redis: {e}")),
            None => Err(self.missing()),
        }
    }

    /// The process id of a redis-server started for the run.
    fn pid(&self) -> Option<u32> {
        match self {
            RedisSetup::Spawned(server) => server.pid(),
            _ => None,
        }
    }

    fn missing(&self) -> String {
        match self {
            RedisSetup::Missing(why) => why.clone(),
            _ => String::new(),
        }
    }

    async fn stop(self) {
        if let RedisSetup::Spawned(server) = self {
            server.stop().await;
        }
    }
}

/// Run the benchmarks and return the report.
///
/// A scenario that fails becomes a row saying why (result FAIL) rather
/// than losing the rows measured before it.
///
/// # Errors
/// Invalid arguments.
pub async fn measure(args: BenchArgs) -> Result<Report, BenchError> {
    validate(&args)?;
    let mut report = Report { machine: rss::machine_line(), rows: Vec::new() };
    let load_before = rss::load_average();
    let redis = RedisSetup::open(args.redis.as_deref()).await;
    let prefix = format!("bench-{}-{}", std::process::id(), consumer::now_ms() % 1_000_000);
    if !args.skip_consumer {
        consumer_rows(&args, &redis, &prefix, &mut report.rows).await;
    }
    if !args.skip_fanout {
        fanout_rows(&args, &redis, &prefix, &mut report.rows).await;
    }
    redis.stop().await;
    if let (Some(before), Some(after)) = (load_before, rss::load_average()) {
        // Other work on the machine slows every row; CPU per event (in the
        // notes) holds better than rates then.
        report.machine.push_str(&format!("; load average {before:.1} at start, {after:.1} at end"));
    }
    Ok(report)
}

fn validate(args: &BenchArgs) -> Result<(), BenchError> {
    if !(args.rate > 0.0 && args.rate.is_finite()) {
        return Err(BenchError::Args(format!(
            "--rate must be a positive number of events per second, got {}",
            args.rate
        )));
    }
    if args.batch.contains(&0) {
        return Err(BenchError::Args("--batch sizes must be at least 1".into()));
    }
    if args.clients().contains(&0) {
        return Err(BenchError::Args("--clients must be at least 1".into()));
    }
    if args.matches.is_empty() || args.matches.contains(&0) {
        return Err(BenchError::Args("--matches must be at least 1".into()));
    }
    Ok(())
}

fn failed(id: String, scenario: String, error: &BenchError) -> Row {
    error!(%id, error = %error, "bench: scenario failed");
    Row { id, scenario, failed: Some(error.to_string()), ..Row::default() }
}

async fn consumer_rows(args: &BenchArgs, redis: &RedisSetup, prefix: &str, rows: &mut Vec<Row>) {
    let (events, format) = (args.events(), args.format);
    info!(events, "bench: simulating matches");
    let workload = match tokio::task::spawn_blocking(move || Workload::generate(events, format)).await {
        Ok(w) => w,
        Err(e) => {
            rows.push(failed("fold".into(), "simulate matches".into(), &BenchError::Task(e.to_string())));
            return;
        }
    };
    rows.push(consumer::fold_row(&workload).await.unwrap_or_else(|e| failed("fold".into(), "fold only".into(), &e)));
    let redis_store = redis.store().await;
    let memory: Arc<MemoryStore> = Arc::new(MemoryStore::new());
    let mut sinks = Vec::new();
    if args.sink.contains(&SinkKind::Redis) {
        match &redis_store {
            Ok(store) => {
                sinks.push(Some(Sink { name: "redis", store: Arc::clone(store) as _, server_pid: redis.pid() }));
            }
            Err(_) => sinks.push(None),
        }
    }
    if args.sink.contains(&SinkKind::Memory) {
        sinks.push(Some(Sink { name: "memory", store: memory, server_pid: None }));
    }
    for sink in &sinks {
        for &batch in &args.batch {
            let Some(sink) = sink else {
                let why = redis_store.as_ref().err().cloned().unwrap_or_default();
                rows.push(Row::skipped(
                    format!("consumer/redis/{batch}"),
                    format!("consumer → redis, batch max {batch}"),
                    why,
                ));
                continue;
            };
            let scenario = format!("consumer → {}, batch max {batch}", sink.name);
            let id = format!("consumer/{}/{batch}", sink.name);
            info!(%scenario, "bench: measuring");
            let row = consumer::consumer_row(&workload, sink, batch, prefix, args.consumer_timeout).await;
            rows.push(row.unwrap_or_else(|e| failed(id, scenario, &e)));
        }
    }
    if matches!(redis, RedisSetup::External(_))
        && let Ok(store) = &redis_store
    {
        cleanup(store, prefix, &workload, &args.batch).await;
    }
}

/// Remove the consumer benchmark's matches from an external Redis.
async fn cleanup(store: &RedisStore, prefix: &str, workload: &Workload, batches: &[usize]) {
    use crate::store::Store as _;
    for batch in batches {
        for i in 0..workload.matches.len() {
            let id = format!("{prefix}-redis-b{batch}-{i}");
            if let Err(e) = store.delete_match(&id).await {
                warn!(match_id = %id, error = %e, "bench: cleanup failed");
                return;
            }
        }
    }
}

/// The loopback floor for bursts to `sockets` viewers (see [`floor`]).
async fn floor_row(sockets: usize, frame_len: usize, bursts: usize) -> Row {
    let settings = floor::FloorSettings {
        sockets,
        // The gateway's runtime: one worker thread per core.
        threads: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        frame_len,
        bursts,
    };
    let scenario = format!("loopback TCP floor, {} sockets", table::thousands(sockets as u64));
    match tokio::task::spawn_blocking(move || floor::measure(&settings)).await {
        Ok(Ok(row)) => row,
        Ok(Err(e)) => failed(floor::row_id(sockets), scenario, &e),
        Err(e) => failed(floor::row_id(sockets), scenario, &BenchError::Task(e.to_string())),
    }
}

async fn fanout_rows(args: &BenchArgs, redis: &RedisSetup, prefix: &str, rows: &mut Vec<Row>) {
    let clients = args.clients();
    let most = clients.iter().copied().max().unwrap_or(0) as u64;
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) if limit < most + 256 => warn!(limit, most, "bench: open-file limit is low for this many clients"),
        Ok(limit) => info!(limit, "bench: open-file limit raised"),
        Err(e) => warn!(error = %e, "bench: cannot raise the open-file limit"),
    }
    let (gateway, store): (GatewayKind, Result<Arc<dyn crate::store::Store>, String>) = if args.in_process_gateway {
        match redis.store().await {
            Ok(store) => (GatewayKind::InProcess, Ok(store as _)),
            Err(_) => (GatewayKind::InProcess, Ok(Arc::new(MemoryStore::new()) as _)),
        }
    } else {
        let binary = match &args.gateway_bin {
            Some(path) => Ok(path.clone()),
            None => std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}")),
        };
        match (binary, redis.url()) {
            (Ok(binary), Some(url)) => {
                (GatewayKind::Child { binary, redis_url: url.to_owned() }, redis.store().await.map(|s| s as _))
            }
            (Err(why), _) => (GatewayKind::InProcess, Err(why)),
            (_, None) => (GatewayKind::InProcess, Err(format!("the gateway needs Redis: {}", redis.missing()))),
        }
    };
    for (n, matches) in clients.iter().flat_map(|&n| args.matches.iter().map(move |&m| (n, m))) {
        let settings = FanoutSettings {
            clients: n,
            matches,
            rate: args.rate,
            duration: args.duration(),
            connect_concurrency: args.connect_concurrency,
            client_threads: args.client_threads(),
            client_nice: args.client_nice,
            drain: args.drain,
            gateway: gateway.clone(),
        };
        let scenario = fanout::scenario(n, matches, args.rate);
        let id = fanout::row_id("fanout", n, matches);
        let store = match &store {
            Ok(store) => Arc::clone(store),
            Err(why) => {
                rows.push(Row::skipped(id, scenario, why.clone()));
                continue;
            }
        };
        if matches == args.matches[0] && !args.skip_floor {
            rows.push(floor_row(n, fanout::mean_wire_len(prefix, &settings), args.floor_bursts).await);
        }
        let floor_p99 = rows.iter().find(|r| r.id == floor::row_id(n)).and_then(|r| r.p99_ms);
        info!(clients = n, matches, "bench: measuring fan-out");
        match fanout::rows(&settings, Arc::clone(&store), prefix).await {
            Ok(mut measured) => {
                for row in measured.iter_mut().filter(|r| r.id == id) {
                    if let (Some(floor), Some(p99)) = (floor_p99, row.p99_ms) {
                        row.notes.push_str(&format!(
                            "; the loopback floor's p99 for {} sockets: {floor:.1} ms (this row ×{:.2})",
                            table::thousands(n as u64),
                            p99 / floor.max(1e-9)
                        ));
                    }
                }
                rows.extend(measured);
            }
            Err(e) => rows.push(failed(id, scenario, &e)),
        }
        if matches!(redis, RedisSetup::External(_)) {
            for id in fanout::match_ids(prefix, &settings) {
                let _ = store.delete_match(&id).await;
            }
        }
    }
}
