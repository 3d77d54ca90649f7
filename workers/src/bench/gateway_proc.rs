//! The gateway under test: normally a separate `livematch gateway` child
//! process, so its resident memory is measured apart from the benchmark's
//! clients; or (for tests without the binary) served inside this process.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::registry::Registry;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio_util::sync::CancellationToken;
use tracing::info;

use super::BenchError;
use super::redis_server::free_port;
use crate::gateway::{self, Gateway, GatewayConfig};
use crate::store::Store;

/// How long the gateway may take to serve and be ready.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// A running gateway.
pub enum GatewayUnderTest {
    Child { child: Child, pid: u32, addr: SocketAddr, log: PathBuf },
    InProcess { gateway: Gateway, shutdown: CancellationToken },
}

impl GatewayUnderTest {
    /// Run `binary gateway` against Redis at `redis_url` on free ports of
    /// 127.0.0.1 and wait until `/readyz` answers 200 (live feed up).
    ///
    /// # Errors
    /// [`BenchError::Gateway`] when it cannot be spawned, exits, or is not
    /// ready in time (its log tail is in the message).
    pub async fn spawn(binary: &Path, redis_url: &str, max_connections: usize) -> Result<Self, BenchError> {
        let port = free_port()?;
        let metrics_port = free_port()?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let metrics = SocketAddr::from(([127, 0, 0, 1], metrics_port));
        let log = std::env::temp_dir().join(format!("livematch-bench-gateway-{}-{port}.log", std::process::id()));
        let log_file = std::fs::File::create(&log)
            .map_err(|source| BenchError::Io { what: format!("create {}", log.display()), source })?;
        let mut child = Command::new(binary)
            .arg("gateway")
            .args(["--listen", &addr.to_string(), "--metrics-listen", &metrics.to_string(), "--redis", redis_url])
            .args(["--max-connections", &max_connections.to_string()])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| BenchError::Gateway(format!("spawn {} gateway: {e}", binary.display())))?;
        let pid = child.id().unwrap_or(0);
        let deadline = tokio::time::Instant::now() + READY_TIMEOUT;
        loop {
            if http_status(metrics, "/readyz").await == Some(200) {
                info!(%addr, pid, "bench: gateway process ready");
                return Ok(GatewayUnderTest::Child { child, pid, addr, log });
            }
            let exited = child.try_wait().ok().flatten();
            if exited.is_some() || tokio::time::Instant::now() >= deadline {
                let _ = child.kill().await;
                let why =
                    exited.map_or_else(|| format!("not ready within {READY_TIMEOUT:?}"), |s| format!("exited ({s})"));
                let tail = log_tail(&log);
                let _ = std::fs::remove_file(&log);
                return Err(BenchError::Gateway(format!("{} gateway {why}; log: {tail}", binary.display())));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Serve the gateway in this process on a free port.
    ///
    /// # Errors
    /// It cannot bind, or its live feed is not up in time.
    pub async fn in_process(store: Arc<dyn Store>, max_connections: usize) -> Result<Self, BenchError> {
        let config = GatewayConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            max_connections,
            ..GatewayConfig::default()
        };
        let shutdown = CancellationToken::new();
        let gateway = gateway::start(config, store, &mut Registry::default(), shutdown.clone())
            .await
            .map_err(|e| BenchError::Gateway(format!("in-process gateway: {e}")))?;
        let deadline = tokio::time::Instant::now() + READY_TIMEOUT;
        while !gateway.state().is_ready() {
            if tokio::time::Instant::now() >= deadline {
                shutdown.cancel();
                return Err(BenchError::Gateway(format!("in-process gateway not ready within {READY_TIMEOUT:?}")));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(GatewayUnderTest::InProcess { gateway, shutdown })
    }

    /// Where viewers connect.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        match self {
            GatewayUnderTest::Child { addr, .. } => *addr,
            GatewayUnderTest::InProcess { gateway, .. } => gateway.local_addr(),
        }
    }

    /// The gateway's own process id (None when it shares this process).
    #[must_use]
    pub fn pid(&self) -> Option<u32> {
        match self {
            GatewayUnderTest::Child { pid, .. } => Some(*pid),
            GatewayUnderTest::InProcess { .. } => None,
        }
    }

    /// Whether the child process has exited (a crash during the run).
    pub fn exited(&mut self) -> Option<String> {
        match self {
            GatewayUnderTest::Child { child, log, .. } => child
                .try_wait()
                .ok()
                .flatten()
                .map(|status| format!("gateway exited ({status}); log: {}", log_tail(log))),
            GatewayUnderTest::InProcess { .. } => None,
        }
    }

    /// Stop the gateway (the child is killed: its drain is not measured).
    pub async fn stop(self) {
        match self {
            GatewayUnderTest::Child { mut child, log, .. } => {
                let _ = child.kill().await;
                let _ = std::fs::remove_file(&log);
            }
            GatewayUnderTest::InProcess { gateway, shutdown } => {
                shutdown.cancel();
                gateway.stopped().await;
            }
        }
    }
}

/// Status code of `GET path` on `addr` (None when it cannot be reached).
async fn http_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let request = async {
        let mut stream = TcpStream::connect(addr).await.ok()?;
        let text = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(text.as_bytes()).await.ok()?;
        let mut head = [0u8; 32];
        let n = stream.read(&mut head).await.ok()?;
        let line = std::str::from_utf8(&head[..n]).ok()?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    tokio::time::timeout(Duration::from_secs(2), request).await.ok().flatten()
}

/// The last lines of a log file, on one line.
fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(10)..].join(" | ");
    if tail.is_empty() { "(empty)".to_owned() } else { tail }
}
