//! One loopback WebSocket viewer of the fan-out benchmark: connect,
//! subscribe to a match, wait for its snapshot, then read event frames and
//! record publish→receive latency for each.
//!
//! Kept cheap, since thousands run in the bench process: one task per
//! client, small buffers, and only the frame's type and `seq` are looked at
//! (no JSON parse). Publisher and clients share this process, so latency is
//! measured against the publisher's own clock reading of each seq
//! ([`Probe`]), not the millisecond `ts` in the frame, and ends at two
//! points: when the frame reached the client's socket (the kernel's receive
//! timestamp, see [`super::stamped`]: the gateway's latency), and when the
//! client task read it (that plus the wait for a turn on the bench's cores).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_util::sync::CancellationToken;

use super::stamped::StampedTcp;

/// How long one client may take to connect, subscribe and get its snapshot.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);

/// Nanoseconds since the Unix epoch (the clock of kernel timestamps).
fn realtime_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// Publish instants shared by the publisher and all clients.
#[derive(Debug)]
pub struct Probe {
    base: Instant,
    /// `CLOCK_REALTIME` at `base`, in ns since the epoch.
    base_real_ns: u64,
    /// `[match][seq]`: nanoseconds after `base` when seq was committed,
    /// plus one (0: not published).
    published: Vec<Vec<AtomicU64>>,
    /// Clients that received every expected frame (each counts itself
    /// once, so the hot path shares no counter between clients).
    pub complete: AtomicU64,
}

impl Probe {
    /// Room for seqs `0..=max_seq` of `matches` matches.
    #[must_use]
    pub fn new(matches: usize, max_seq: u64) -> Self {
        let len = usize::try_from(max_seq).map_or(0, |m| m + 1);
        Probe {
            base: Instant::now(),
            base_real_ns: realtime_ns(),
            published: (0..matches).map(|_| (0..len).map(|_| AtomicU64::new(0)).collect()).collect(),
            complete: AtomicU64::new(0),
        }
    }

    /// Now, in ns after the probe's base (wall clock, as kernel stamps are).
    fn now_ns(&self) -> u64 {
        self.since_base(realtime_ns())
    }

    /// A `CLOCK_REALTIME` reading as ns after the probe's base.
    fn since_base(&self, real_ns: u64) -> u64 {
        real_ns.saturating_sub(self.base_real_ns)
    }

    /// Record that `seq` of match `index` is being committed now.
    pub fn mark_published(&self, index: usize, seq: u64) {
        if let Some(slot) = self.slot(index, seq) {
            slot.store(self.now_ns() + 1, Ordering::Release);
        }
    }

    fn slot(&self, index: usize, seq: u64) -> Option<&AtomicU64> {
        self.published.get(index)?.get(usize::try_from(seq).ok()?)
    }

    /// Latency of `seq` of match `index` received at `now_ns`, in µs.
    fn latency_us(&self, index: usize, seq: u64, now_ns: u64) -> Option<u32> {
        let published = self.slot(index, seq)?.load(Ordering::Acquire).checked_sub(1)?;
        Some(u32::try_from(now_ns.saturating_sub(published) / 1000).unwrap_or(u32::MAX))
    }

    /// The instant `ns` nanoseconds after the probe's base.
    #[must_use]
    pub fn instant(&self, ns: u64) -> Instant {
        self.base + Duration::from_nanos(ns)
    }
}

/// Which match a client watches, and where.
#[derive(Debug, Clone)]
pub struct ClientSpec {
    /// The gateway's `127.0.0.1:PORT` (the WebSocket is at `/ws`).
    pub addr: Arc<str>,
    pub match_id: Arc<str>,
    /// Index of the match in the [`Probe`].
    pub match_index: usize,
}

/// What one client saw.
#[derive(Debug, Default)]
pub struct ClientStats {
    /// Whether it got its snapshot (took part in the fan-out).
    pub connected: bool,
    /// Event frames after the snapshot, in order.
    pub received: u64,
    /// When the last of them arrived (ns after the probe's base).
    pub last_receive_ns: u64,
    /// Publish→arrival in the client's socket of each, in µs (the kernel's
    /// receive timestamp; empty where the kernel gives none).
    pub latencies_us: Vec<u32>,
    /// Publish→read by the client task of each, in µs.
    pub read_latencies_us: Vec<u32>,
    /// Frames read without a kernel receive stamp (not in `latencies_us`).
    pub unstamped: u64,
    /// Frames that came twice or out of order.
    pub out_of_order: u64,
    /// `reset` and `error` frames.
    pub unexpected: u64,
    /// Why it could not connect, or why the gateway dropped it.
    pub error: Option<String>,
}

/// What the fan-out needs besides the spec: shared by all clients.
#[derive(Clone)]
pub struct ClientContext {
    pub probe: Arc<Probe>,
    /// Bounds the clients connecting at once.
    pub connecting: Arc<Semaphore>,
    /// Each client reports here once subscribed (or failed).
    pub ready: mpsc::UnboundedSender<Result<(), String>>,
    pub stop: CancellationToken,
    /// Event frames each client should receive.
    pub expected: usize,
}

/// Run one client until `stop`.
pub async fn run(spec: ClientSpec, ctx: ClientContext) -> ClientStats {
    let mut stats = ClientStats {
        latencies_us: Vec::with_capacity(ctx.expected),
        read_latencies_us: Vec::with_capacity(ctx.expected),
        ..ClientStats::default()
    };
    let connected = {
        let Ok(_permit) = ctx.connecting.acquire().await else {
            return stats;
        };
        tokio::select! {
            () = ctx.stop.cancelled() => Err("stopped before connecting".to_owned()),
            r = tokio::time::timeout(CONNECT_TIMEOUT, connect(&spec)) => {
                r.unwrap_or_else(|_| Err(format!("no snapshot within {CONNECT_TIMEOUT:?}")))
            }
        }
    };
    let (mut ws, mut last) = match connected {
        Ok(c) => c,
        Err(e) => {
            let _ = ctx.ready.send(Err(e.clone()));
            stats.error = Some(e);
            return stats;
        }
    };
    stats.connected = true;
    let _ = ctx.ready.send(Ok(()));
    let probe = &*ctx.probe;
    let expected = ctx.expected as u64;
    // Created once: a fresh `cancelled()` per frame would lock the token's
    // waiter list, shared by every client, twice per frame.
    let stop = ctx.stop.cancelled();
    tokio::pin!(stop);
    loop {
        let message = tokio::select! {
            biased;
            () = &mut stop => break,
            m = ws.next() => m,
        };
        match message {
            Some(Ok(Message::Text(text))) => {
                // Read first: the clock before any look at the frame.
                let now = probe.now_ns();
                let arrived = ws.get_ref().last_rx_ns();
                let text = text.as_str();
                match event_seq(text) {
                    Some(seq) if seq > last => {
                        // A hole counts as out of order; the frames missing
                        // in it show as lost.
                        stats.out_of_order += seq - last - 1;
                        last = seq;
                        stats.received += 1;
                        stats.last_receive_ns = now;
                        if let Some(us) = probe.latency_us(spec.match_index, seq, now) {
                            stats.read_latencies_us.push(us);
                        }
                        if arrived == 0 {
                            stats.unstamped += 1;
                        } else if let Some(us) = probe.latency_us(spec.match_index, seq, probe.since_base(arrived)) {
                            stats.latencies_us.push(us);
                        }
                        if stats.received == expected {
                            probe.complete.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Some(_) => stats.out_of_order += 1,
                    None if text.starts_with(r#"{"type":"reset""#) || text.starts_with(r#"{"type":"error""#) => {
                        stats.unexpected += 1;
                    }
                    None => {}
                }
            }
            Some(Ok(Message::Close(frame))) => {
                stats.error = Some(format!("closed by the gateway: {frame:?}"));
                break;
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                stats.error = Some(format!("read failed: {e}"));
                break;
            }
            None => {
                stats.error = Some("connection closed by the gateway".into());
                break;
            }
        }
    }
    stats
}

type Ws = tokio_tungstenite::WebSocketStream<StampedTcp>;

/// Connect, subscribe, and wait for the snapshot; returns its seq.
async fn connect(spec: &ClientSpec) -> Result<(Ws, u64), String> {
    let config = WebSocketConfig::default().read_buffer_size(8 * 1024).write_buffer_size(0);
    let tcp = TcpStream::connect(&*spec.addr).await.map_err(|e| format!("connect {}: {e}", spec.addr))?;
    tcp.set_nodelay(true).map_err(|e| format!("TCP_NODELAY: {e}"))?;
    let tcp = StampedTcp::new(tcp).map_err(|e| format!("SO_TIMESTAMPNS: {e}"))?;
    let url = format!("ws://{}/ws", spec.addr);
    let (mut ws, _) = tokio_tungstenite::client_async_with_config(url.as_str(), tcp, Some(config))
        .await
        .map_err(|e| format!("WebSocket handshake with {url}: {e}"))?;
    let subscribe = format!(r#"{{"op":"subscribe","match":"{}"}}"#, spec.match_id);
    ws.send(Message::Text(subscribe.into())).await.map_err(|e| format!("send subscribe: {e}"))?;
    while let Some(message) = ws.next().await {
        match message.map_err(|e| format!("read before the snapshot: {e}"))? {
            Message::Text(text) => {
                let text = text.as_str();
                if text.starts_with(r#"{"type":"snapshot""#) {
                    let seq = seq_field(text).ok_or_else(|| format!("snapshot without a seq: {text:.80}"))?;
                    return Ok((ws, seq));
                }
                if text.starts_with(r#"{"type":"error""#) {
                    return Err(format!("gateway refused the subscription: {text:.200}"));
                }
            }
            Message::Close(frame) => return Err(format!("closed before the snapshot: {frame:?}")),
            _ => {}
        }
    }
    Err("connection closed before the snapshot".into())
}

/// The seq of an event frame (`{"type":"event",...,"seq":N,...}`), without
/// parsing the JSON; None for any other frame.
#[must_use]
pub fn event_seq(frame: &str) -> Option<u64> {
    if frame.starts_with(r#"{"type":"event""#) { seq_field(frame) } else { None }
}

/// The first `"seq":N` of a frame whose seq precedes any nested object
/// (true of every frame the gateway writes: type, match, seq come first).
fn seq_field(frame: &str) -> Option<u64> {
    let start = frame.find(r#","seq":"#)? + r#","seq":"#.len();
    let digits = &frame[start..];
    let end = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
    digits[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use livematch_sports::cricket::{self, TossDecision};
    use livematch_sports::{Envelope, Event, Patch, PatchOp};

    use crate::protocol;

    #[test]
    fn seq_of_real_frames() {
        let env = Envelope::new(
            "m-1",
            42,
            1_700_000_000_000,
            Event::Cricket(cricket::Event::Toss { winner: "x,\"seq\":7".into(), decision: TossDecision::Bat }),
        );
        let frame = protocol::event_frame(&env, &Patch::from_ops(&[PatchOp::replace("/seq", 42)]));
        assert_eq!(event_seq(&frame), Some(42));
        assert_eq!(event_seq(&protocol::parked_frame("m-1", 9, 0, "gap")), Some(9));
        let snapshot = protocol::snapshot_frame("m-1", 17, Some(r#"{"seq":17}"#));
        assert_eq!(event_seq(&snapshot), None);
        assert_eq!(seq_field(&snapshot), Some(17));
        assert_eq!(event_seq(&protocol::heartbeat_frame(5)), None);
    }

    #[tokio::test]
    async fn latency_is_measured_from_the_publish_instant() {
        let probe = Probe::new(2, 10);
        assert_eq!(probe.latency_us(1, 3, probe.now_ns()), None);
        probe.mark_published(1, 3);
        tokio::time::sleep(Duration::from_millis(2)).await;
        let us = probe.latency_us(1, 3, probe.now_ns());
        assert!(us.is_some_and(|us| (2_000..1_000_000).contains(&us)), "{us:?}");
        assert_eq!(probe.latency_us(2, 3, probe.now_ns()), None);
        assert_eq!(probe.latency_us(1, 11, probe.now_ns()), None);
    }
}
