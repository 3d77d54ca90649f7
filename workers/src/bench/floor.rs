//! The machine's floor under a fan-out burst: the kernel alone writing one
//! frame to each of N loopback TCP sockets, with no gateway, no WebSocket
//! and no viewer code, measured in the same run as the fan-out rows.
//!
//! On loopback a `send` also runs the receiving side of TCP (the frame is
//! received into the viewer's socket, acknowledged, and the ACK processed)
//! before it returns, so this is what one burst to N local viewers costs
//! at the least, on this machine, now. The fan-out row with all viewers on
//! one match cannot beat it; how close it comes is the gateway's own cost.
//!
//! Set up as the fan-out is: `TCP_NODELAY` on both ends, kernel receive
//! timestamps on the receiving end (the fan-out's viewers ask for them),
//! frames of the size of the fan-out's event frames, as many sending
//! threads as the gateway has workers (one per core), each writing its
//! share of the sockets in turn, and an idle pause before each burst
//! longer than TCP's minimum retransmission timeout, as between a match's
//! events. Receivers are drained between bursts, outside the timing, and
//! every socket must have received exactly its frames. Latency of a send:
//! from the burst's start to the return of that `send`.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tracing::info;

use super::BenchError;
use super::table::{Row, thousands};

/// Pause before each burst: above TCP's 200 ms minimum RTO, so each
/// socket has been idle as a live match's viewer's is between events.
const IDLE_GAP: Duration = Duration::from_millis(400);
/// File descriptors left for everything else in this process.
const FD_RESERVE: u64 = 512;

/// One floor measurement.
#[derive(Debug, Clone)]
pub struct FloorSettings {
    /// Sockets written per burst (the fan-out's client count).
    pub sockets: usize,
    /// Sending threads (the gateway's worker threads: one per core).
    pub threads: usize,
    /// Bytes per frame (the fan-out's mean event frame on the wire).
    pub frame_len: usize,
    /// Timed bursts (after one untimed warm-up).
    pub bursts: usize,
}

/// The row's id: `floor/10000`.
#[must_use]
pub fn row_id(sockets: usize) -> String {
    format!("floor/{sockets}")
}

/// Measure the floor (blocking: run it off the async runtime).
///
/// # Errors
/// Sockets cannot be opened or connected, a send fails, or a receiver does
/// not get exactly its frames.
pub fn measure(settings: &FloorSettings) -> Result<Row, BenchError> {
    let pairs = settings.sockets.min(fd_budget() / 2).max(1);
    let threads = settings.threads.clamp(1, pairs);
    info!(pairs, threads, frame_len = settings.frame_len, "bench: measuring the loopback floor");
    let (senders, mut receivers) = connect_pairs(pairs)?;
    let frame = vec![b'x'; settings.frame_len.max(1)];
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3)
        .map_err(|e| BenchError::Task(format!("histogram: {e}")))?;
    let (mut busy, mut cpu) = (Duration::ZERO, Duration::ZERO);
    for round in 0..=settings.bursts {
        #[allow(clippy::disallowed_methods, reason = "blocking code, run with spawn_blocking")]
        std::thread::sleep(IDLE_GAP);
        let burst = burst_once(&senders, threads, &frame)?;
        drain(&mut receivers, frame.len())?;
        if round == 0 {
            continue; // warm-up: first use of each socket's buffers
        }
        busy += burst.wall;
        cpu += burst.cpu;
        for ns in burst.latencies {
            histogram.saturating_record(ns.max(1));
        }
    }
    Ok(into_row(settings, pairs, threads, &histogram, busy, cpu))
}

/// Descriptors this process may still open, less a reserve.
fn fd_budget() -> usize {
    let limit = rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft);
    let open = std::fs::read_dir("/proc/self/fd").map_or(64, |d| d.count() as u64);
    usize::try_from(limit.saturating_sub(open + FD_RESERVE)).unwrap_or(usize::MAX)
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BenchError {
    let what = what.into();
    move |source| BenchError::Io { what, source }
}

/// `n` connected loopback pairs: (accepted ends that send, connecting
/// ends that receive, non-blocking, stamping what they receive).
fn connect_pairs(n: usize) -> Result<(Vec<TcpStream>, Vec<TcpStream>), BenchError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(io("bind the floor's listener"))?;
    let addr = listener.local_addr().map_err(io("the floor listener's address"))?;
    let (mut senders, mut receivers) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let receiver = TcpStream::connect(addr).map_err(io(format!("connect floor socket {i}")))?;
        let (sender, _) = listener.accept().map_err(io(format!("accept floor socket {i}")))?;
        for s in [&sender, &receiver] {
            s.set_nodelay(true).map_err(io("TCP_NODELAY"))?;
        }
        receiver.set_nonblocking(true).map_err(io("O_NONBLOCK"))?;
        super::stamped::enable_timestamps(&receiver).map_err(io("SO_TIMESTAMPNS"))?;
        senders.push(sender);
        receivers.push(receiver);
    }
    Ok((senders, receivers))
}

/// What one burst measured.
struct Burst {
    /// Each send's latency from its thread's release (ns).
    latencies: Vec<u64>,
    /// From the release to the last send of the slowest thread.
    wall: Duration,
    /// CPU time of the sending threads, together.
    cpu: Duration,
}

/// CPU time of the calling thread.
fn thread_cpu() -> Duration {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID).map_or(Duration::ZERO, Duration::from)
}

/// One burst: `threads` threads, released together, each writing `frame`
/// to every `threads`-th socket.
fn burst_once(senders: &[TcpStream], threads: usize, frame: &[u8]) -> Result<Burst, BenchError> {
    let release = Barrier::new(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let release = &release;
                scope.spawn(move || -> Result<(Vec<u64>, Duration), BenchError> {
                    let mine = senders.iter().skip(t).step_by(threads);
                    let mut latencies = Vec::with_capacity(senders.len() / threads + 1);
                    release.wait();
                    let (start, cpu) = (Instant::now(), thread_cpu());
                    for mut socket in mine {
                        socket.write_all(frame).map_err(io("floor send"))?;
                        latencies.push(u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX));
                    }
                    Ok((latencies, thread_cpu().saturating_sub(cpu)))
                })
            })
            .collect();
        let mut burst =
            Burst { latencies: Vec::with_capacity(senders.len()), wall: Duration::ZERO, cpu: Duration::ZERO };
        for handle in handles {
            let (mine, cpu) = handle.join().map_err(|_| BenchError::Task("a floor sender panicked".into()))??;
            let last = Duration::from_nanos(mine.last().copied().unwrap_or(0));
            burst.wall = burst.wall.max(last);
            burst.cpu += cpu;
            burst.latencies.extend(mine);
        }
        Ok(burst)
    })
}

/// Read every receiver empty; each must hold exactly one `len`-byte frame.
fn drain(receivers: &mut [TcpStream], len: usize) -> Result<(), BenchError> {
    let mut buf = vec![0u8; len.max(1) * 2];
    let deadline = Instant::now() + Duration::from_secs(10);
    for (i, receiver) in receivers.iter_mut().enumerate() {
        let mut got = 0;
        while got < len {
            match receiver.read(&mut buf) {
                Ok(0) => return Err(BenchError::Task(format!("floor socket {i} closed"))),
                Ok(n) => got += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < deadline => std::thread::yield_now(),
                Err(e) => return Err(BenchError::Io { what: format!("floor socket {i} read"), source: e }),
            }
        }
        if got != len {
            return Err(BenchError::Task(format!(
                "floor socket {i} received {got} bytes, expected one {len}-byte frame"
            )));
        }
    }
    Ok(())
}

#[allow(clippy::cast_precision_loss)]
fn into_row(
    settings: &FloorSettings,
    pairs: usize,
    threads: usize,
    histogram: &Histogram<u64>,
    busy: Duration,
    cpu: Duration,
) -> Row {
    // Sends run one after another in each thread, so a burst to more
    // sockets than the open-file limit allows here takes proportionally
    // longer: scale the times.
    let scale = settings.sockets as f64 / pairs as f64;
    let ms = |ns: u64| ns as f64 / 1e6 * scale;
    let sends = histogram.len();
    let cpu_per_send_us = cpu.as_secs_f64() * 1e6 / sends.max(1) as f64;
    let mut notes = format!(
        "no gateway: the kernel alone, one {} B send to each loopback socket from {threads} threads after {} ms idle ({} bursts); \
         {cpu_per_send_us:.1} µs of CPU per send, the viewer's side of TCP included",
        settings.frame_len,
        IDLE_GAP.as_millis(),
        settings.bursts,
    );
    if pairs < settings.sockets {
        notes.push_str(&format!(
            "; {} sockets (open-file limit), times scaled ×{scale:.2} to {}",
            thousands(pairs as u64),
            thousands(settings.sockets as u64)
        ));
    }
    Row {
        id: row_id(settings.sockets),
        scenario: format!("loopback TCP floor, {} sockets × 1 frame", thousands(settings.sockets as u64)),
        count: Some(sends),
        expected: Some((pairs * settings.bursts) as u64),
        rate: Some(sends as f64 / busy.as_secs_f64().max(1e-9)),
        p50_ms: Some(ms(histogram.value_at_quantile(0.5))),
        p99_ms: Some(ms(histogram.value_at_quantile(0.99))),
        max_ms: Some(ms(histogram.max())),
        notes,
        ..Row::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_floor_is_measured_and_every_frame_arrives() {
        let settings = FloorSettings { sockets: 20, threads: 2, frame_len: 300, bursts: 2 };
        let row = measure(&settings).expect("floor");
        assert_eq!(row.id, "floor/20");
        assert_eq!(row.count, Some(40));
        assert_eq!(row.expected, Some(40));
        let (p50, p99, max) = (row.p50_ms.unwrap(), row.p99_ms.unwrap(), row.max_ms.unwrap());
        assert!(0.0 < p50 && p50 <= p99 && p99 <= max, "{p50} {p99} {max}");
        assert!(row.notes.contains("300 B"), "{}", row.notes);
    }
}
