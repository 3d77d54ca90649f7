//! A throwaway `redis-server` for the benchmark when no `--redis` is given:
//! found on `PATH`, started on a free port of 127.0.0.1 without
//! persistence, killed when the benchmark ends.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};
use tracing::info;

use super::BenchError;
use crate::store::redis::{RedisConfig, RedisStore};

/// How long the server may take to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// A running `redis-server` (killed on drop, too).
#[derive(Debug)]
pub struct RedisServer {
    child: Child,
    url: String,
}

/// `redis-server` on `PATH`, if installed.
#[must_use]
pub fn find_on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join("redis-server")).find(|p| p.is_file())
}

/// A free TCP port on 127.0.0.1 (free when asked; taken again quickly by
/// whoever binds it next).
///
/// # Errors
/// Nothing can be bound on 127.0.0.1.
pub fn free_port() -> Result<u16, BenchError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|source| BenchError::Io { what: "find a free port on 127.0.0.1".into(), source })?;
    listener.local_addr().map(|a| a.port()).map_err(|source| BenchError::Io { what: "read a free port".into(), source })
}

impl RedisServer {
    /// Start `binary` on a free port and wait until it accepts a store
    /// connection.
    ///
    /// # Errors
    /// [`BenchError::RedisServer`] when it cannot be spawned or does not
    /// come up in time.
    pub async fn start(binary: &Path) -> Result<RedisServer, BenchError> {
        let port = free_port()?;
        let mut child = Command::new(binary)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .current_dir(std::env::temp_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| BenchError::RedisServer(format!("spawn {}: {e}", binary.display())))?;
        let url = format!("redis://127.0.0.1:{port}/");
        let deadline = tokio::time::Instant::now() + READY_TIMEOUT;
        loop {
            if RedisStore::connect(&RedisConfig { url: url.clone() }).await.is_ok() {
                info!(%url, "bench: redis-server started");
                return Ok(RedisServer { child, url });
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(BenchError::RedisServer(format!("{} on port {port} exited: {status}", binary.display())));
            }
            if tokio::time::Instant::now() >= deadline {
                let _ = child.kill().await;
                return Err(BenchError::RedisServer(format!(
                    "{} on port {port} did not accept connections within {READY_TIMEOUT:?}",
                    binary.display()
                )));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// `redis://127.0.0.1:PORT/`
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The server's process id (for its CPU time).
    #[must_use]
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Kill the server and reap it.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}
