//! The processes a chaos scenario plays with: a broker and a Redis, and
//! `livematch` producers, consumers and gateways started the way their
//! Deployments start them, each with its metrics address known so the
//! scenario can watch it; plus the faults' small tools (signals, the
//! broker's own pid, peak resident memory).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, bail};
use livematch_sports::Format;
use livematch_workers::source::Source;
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::broker::Broker;
use crate::process::{Worker, free_port};
use crate::redis::RedisServer;
use crate::stack::public_dir;

/// Consumer-group session timeout given to every worker: how long a
/// killed consumer keeps its partition before the standby gets it.
pub const SESSION_TIMEOUT: &str = "6s";
/// Heartbeat of the gateways (short, so dead links show quickly).
const GATEWAY_HEARTBEAT: &str = "1s";
/// How long a worker may take to answer on its metrics address.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A broker and a Redis for one scenario.
pub struct Lab {
    pub broker: Broker,
    pub redis: RedisServer,
}

/// A seeded simulated match of any sport (its format says which).
#[derive(Debug, Clone)]
pub struct MatchSpec {
    pub id: String,
    pub format: Format,
    pub seed: u64,
}

impl MatchSpec {
    /// A match in `format` played by the simulator with `seed`.
    #[must_use]
    pub fn new(id: impl Into<String>, format: Format, seed: u64) -> Self {
        MatchSpec { id: id.into(), format, seed }
    }

    fn args(&self) -> Vec<String> {
        let sport = self.format.sport().as_str().to_owned();
        let format = self.format.as_str().to_owned();
        vec!["--sport".into(), sport, "--format".into(), format, "--seed".into(), self.seed.to_string()]
    }

    /// Every event of the match, as the producer generates them (JSON, to
    /// compare with what the topic holds).
    ///
    /// # Errors
    /// The simulator refuses the spec.
    pub async fn events(&self) -> anyhow::Result<Vec<Value>> {
        let source = Source::simulate(self.format.sport(), Some(self.format), self.seed, None)?;
        let events = source.events().await.context("simulate the match")?;
        events.iter().map(|e| serde_json::to_value(e).context("event as JSON")).collect()
    }
}

/// A `livematch` worker and the address of its `/metrics`.
pub struct Proc {
    pub worker: Worker,
    pub metrics: String,
}

/// A `livematch gateway` on its own port (metrics on the same address).
pub struct Gateway {
    pub worker: Worker,
    pub addr: String,
}

impl Lab {
    /// Start a broker and a Redis.
    ///
    /// # Errors
    /// Either cannot start.
    pub async fn start() -> anyhow::Result<Lab> {
        let (broker, redis) = tokio::try_join!(Broker::start(), RedisServer::start())?;
        Ok(Lab { broker, redis })
    }

    fn kafka_args(&self) -> Vec<String> {
        vec![
            "--kafka".into(),
            self.broker.brokers(),
            "--kafka-session-timeout".into(),
            SESSION_TIMEOUT.into(),
            "--kafka-fetch-wait".into(),
            "20ms".into(),
        ]
    }

    /// `livematch produce` for a match at `speed` × real time (0: as fast
    /// as possible).
    ///
    /// # Errors
    /// It cannot start.
    pub fn producer(&self, spec: &MatchSpec, speed: f64) -> anyhow::Result<Proc> {
        let metrics = format!("127.0.0.1:{}", free_port()?);
        let mut args: Vec<String> = vec!["produce".into(), "--match-id".into(), spec.id.clone()];
        args.extend(spec.args());
        args.extend(["--speed".into(), speed.to_string(), "--metrics-listen".into(), metrics.clone()]);
        args.extend(self.kafka_args());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        Ok(Proc { worker: Worker::start(&format!("producer {}", spec.id), &refs, &[])?, metrics })
    }

    /// `livematch consume` for a match, folding at most `batch_max` events
    /// per store write.
    ///
    /// # Errors
    /// It cannot start.
    pub fn consumer(&self, match_id: &str, batch_max: usize) -> anyhow::Result<Proc> {
        let metrics = format!("127.0.0.1:{}", free_port()?);
        let mut args: Vec<String> = vec!["consume".into(), "--match-id".into(), match_id.into()];
        args.extend(["--batch-max".into(), batch_max.to_string(), "--redis".into(), self.redis.url()]);
        args.extend(["--metrics-listen".into(), metrics.clone()]);
        args.extend(self.kafka_args());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        Ok(Proc { worker: Worker::start(&format!("consumer {match_id}"), &refs, &[])?, metrics })
    }

    /// A gateway on a free port, once ready (its live feed is up).
    ///
    /// # Errors
    /// It cannot start or is not ready in time.
    pub async fn gateway(&self) -> anyhow::Result<Gateway> {
        let addr = format!("127.0.0.1:{}", free_port()?);
        let public = public_dir();
        let args = [
            "gateway",
            "--listen",
            &addr,
            "--redis",
            &self.redis.url(),
            "--public-dir",
            public.to_str().context("public dir path")?,
            "--heartbeat",
            GATEWAY_HEARTBEAT,
            // The stalled viewers of `slow-viewers` read again only once the
            // match is over: their cut-off sockets must still be there.
            "--close-linger",
            "180s",
        ];
        let worker = Worker::start("gateway", &args, &[])?;
        let gateway = Gateway { worker, addr };
        gateway.wait_ready().await?;
        Ok(gateway)
    }
}

impl Gateway {
    /// Wait until `/readyz` answers 200.
    ///
    /// # Errors
    /// Not ready within 30 s (the error carries its log).
    pub async fn wait_ready(&self) -> anyhow::Result<()> {
        crate::stack::wait_http_ok(&self.addr, "/readyz", READY_TIMEOUT)
            .await
            .with_context(|| format!("gateway {} not ready; log:\n{}", self.addr, self.worker.log_text()))
    }

    /// `kill -9`, then start it again on the same port and wait until ready.
    ///
    /// # Errors
    /// It cannot start again.
    pub async fn kill_and_restart(&mut self) -> anyhow::Result<()> {
        self.worker.restart()?;
        self.wait_ready().await
    }

    /// The process id (while running).
    #[must_use]
    pub fn pid(&self) -> Option<u32> {
        self.worker.pid()
    }
}

/// The sum of a metric's samples (all label sets) on `addr`'s `/metrics`;
/// `None` when it is not there (yet).
///
/// # Errors
/// The endpoint cannot be read.
pub async fn metric(addr: &str, name: &str) -> anyhow::Result<Option<f64>> {
    let (status, body) = crate::http::get(addr, "/metrics").await?;
    if status != 200 {
        bail!("GET /metrics on {addr}: {status}");
    }
    Ok(metric_in(&body, name))
}

/// See [`metric`]: `name` followed by labels or a space, summed. Exactly
/// the documented name: workers that exposed `_livematch_...` (a registry
/// with an empty prefix) fail the suite.
fn metric_in(text: &str, name: &str) -> Option<f64> {
    let mut found = None;
    for line in text.lines() {
        let Some(rest) = line.strip_prefix(name) else { continue };
        let value = match rest.as_bytes().first() {
            Some(b'{') => rest.rsplit_once(' ').map(|(_, v)| v),
            Some(b' ') => rest.split_whitespace().next(),
            _ => None,
        };
        if let Some(v) = value.and_then(|v| v.parse::<f64>().ok()) {
            found = Some(found.unwrap_or(0.0) + v);
        }
    }
    found
}

/// Send a signal (`STOP`, `CONT`, `KILL`, ...) to a process with `kill(1)`.
///
/// # Errors
/// `kill` failed (no such process).
pub fn signal(pid: u32, name: &str) -> anyhow::Result<()> {
    let status =
        std::process::Command::new("kill").args([format!("-{name}"), pid.to_string()]).status().context("run kill")?;
    if !status.success() {
        bail!("kill -{name} {pid} failed: {status}");
    }
    Ok(())
}

/// The pid of the Tansu process listening on `port` (not its `sh` guard):
/// the process whose command line is `tansu broker --listener-url
/// tcp://127.0.0.1:PORT ...`.
#[must_use]
pub fn broker_pid(port: u16) -> Option<u32> {
    let listener = format!("tcp://127.0.0.1:{port}");
    let dir = std::fs::read_dir("/proc").ok()?;
    dir.filter_map(Result::ok).find_map(|entry| {
        let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
        let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
        let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
        let program = std::path::Path::new(std::str::from_utf8(args.first()?).ok()?).file_name()?.to_str()?;
        let is_broker = program != "sh" && args.contains(&b"broker".as_slice()) && args.contains(&listener.as_bytes());
        is_broker.then_some(pid)
    })
}

/// Samples the resident memory of some processes (the gateways) every
/// 50 ms and keeps the peak: the highest `VmRSS` seen, or `VmHWM` (the
/// kernel's own high-water mark) when higher.
pub struct RssWatch {
    pids: Arc<Mutex<Vec<u32>>>,
    peak: Arc<AtomicU64>,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl RssWatch {
    /// Start watching `pids`.
    #[must_use]
    pub fn start(pids: Vec<u32>) -> Self {
        let pids = Arc::new(Mutex::new(pids));
        let peak = Arc::new(AtomicU64::new(0));
        let stop = CancellationToken::new();
        let task = tokio::spawn({
            let (pids, peak, stop) = (Arc::clone(&pids), Arc::clone(&peak), stop.clone());
            async move {
                loop {
                    let current = pids.lock().unwrap_or_else(PoisonError::into_inner).clone();
                    for pid in current {
                        peak.fetch_max(process_peak_kib(pid), Ordering::Relaxed);
                    }
                    tokio::select! {
                        () = stop.cancelled() => break,
                        () = tokio::time::sleep(Duration::from_millis(50)) => {}
                    }
                }
            }
        });
        RssWatch { pids, peak, stop, task }
    }

    /// Watch these processes from now on (e.g. after a restart).
    pub fn set(&self, pids: Vec<u32>) {
        let current = self.pids.lock().unwrap_or_else(PoisonError::into_inner).clone();
        for pid in current {
            self.peak.fetch_max(process_peak_kib(pid), Ordering::Relaxed);
        }
        *self.pids.lock().unwrap_or_else(PoisonError::into_inner) = pids;
    }

    /// The peak so far, in KiB.
    #[must_use]
    pub fn peak_kib(&self) -> u64 {
        let current = self.pids.lock().unwrap_or_else(PoisonError::into_inner).clone();
        for pid in current {
            self.peak.fetch_max(process_peak_kib(pid), Ordering::Relaxed);
        }
        self.peak.load(Ordering::Relaxed)
    }

    /// Stop sampling; the peak in KiB.
    pub async fn finish(self) -> u64 {
        let peak = self.peak_kib();
        self.stop.cancel();
        let _ = self.task.await;
        peak
    }
}

/// The larger of `VmRSS` and `VmHWM` of a process, in KiB (0 if gone).
fn process_peak_kib(pid: u32) -> u64 {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else { return 0 };
    ["VmRSS:", "VmHWM:"]
        .iter()
        .filter_map(|field| {
            let line = status.lines().find(|l| l.starts_with(field))?;
            line[field.len()..].split_whitespace().next()?.parse::<u64>().ok()
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_summed_over_labels() {
        let text = "# HELP x\nlivematch_producer_last_seq{match=\"m\"} 42\nlivematch_producer_last_seq_other 7\n\
                    livematch_gateway_connections_open 3\nlivematch_gateway_connections_open{a=\"b\"} 2\n";
        assert_eq!(metric_in(text, "livematch_producer_last_seq"), Some(42.0));
        assert_eq!(metric_in(text, "livematch_gateway_connections_open"), Some(5.0));
        assert_eq!(metric_in(text, "livematch_missing"), None);
        assert_eq!(metric_in("_livematch_consumer_last_seq{match=\"m\"} 9\n", "livematch_consumer_last_seq"), None);
    }

    #[test]
    fn own_memory_is_readable() {
        assert!(process_peak_kib(std::process::id()) > 0);
        assert_eq!(process_peak_kib(u32::MAX), 0);
    }
}
