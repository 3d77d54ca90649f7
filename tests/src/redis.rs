//! A real, throwaway `redis-server` for tests.
//!
//! [`RedisServer::start`] runs Debian's `/usr/bin/redis-server` on a free
//! port of 127.0.0.1, without persistence, in a temporary directory, and
//! returns once it answers `PING`. Dropping the value kills the server.
//! [`RedisServer::stop`] and [`RedisServer::start_again`] simulate a crash
//! and a restart (same port, empty data) for fault tests.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Where Debian installs the server.
pub const REDIS_SERVER: &str = "/usr/bin/redis-server";

/// How long a server may take to answer its first `PING`.
const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause between readiness probes.
const POLL_INTERVAL: Duration = Duration::from_millis(10);
/// Attempts with a fresh port when the chosen one was taken meanwhile.
const PORT_ATTEMPTS: usize = 5;

/// A running `redis-server`, killed on drop.
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl RedisServer {
    /// Start a server on a free port and wait until it answers `PING`.
    ///
    /// # Errors
    /// `redis-server` is missing (run `scripts/install-test-deps.sh`), or it
    /// did not come up (its log is in the message).
    pub async fn start() -> anyhow::Result<RedisServer> {
        if !Path::new(REDIS_SERVER).exists() {
            bail!(
                "{REDIS_SERVER} not found: install it with scripts/install-test-deps.sh (Debian package redis-server)"
            );
        }
        let dir = tempfile::Builder::new().prefix("livematch-redis-").tempdir().context("create redis temp dir")?;
        let mut last_error = None;
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port()?;
            match spawn_and_wait(port, dir.path()).await {
                Ok(child) => return Ok(RedisServer { port, dir, child: Some(child) }),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("redis-server did not start")))
    }

    /// The port the server listens on.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:PORT/`
    #[must_use]
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Whether the server process is running (not stopped).
    #[must_use]
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Kill the server (SIGKILL, like a crash) and wait for it to exit.
    ///
    /// # Errors
    /// The process could not be killed or reaped.
    pub fn stop(&mut self) -> anyhow::Result<()> {
        if let Some(mut child) = self.child.take() {
            child.kill().context("kill redis-server")?;
            child.wait().context("wait for redis-server")?;
        }
        Ok(())
    }

    /// Start the server again on the same port, with no data (nothing is
    /// persisted), after [`stop`](Self::stop).
    ///
    /// # Errors
    /// It is still running, or it did not come up.
    pub async fn start_again(&mut self) -> anyhow::Result<()> {
        if self.child.is_some() {
            bail!("redis-server on port {} is still running", self.port);
        }
        self.child = Some(spawn_and_wait(self.port, self.dir.path()).await?);
        Ok(())
    }

    /// Delete every key (`FLUSHALL`).
    ///
    /// # Errors
    /// The server did not answer `+OK`.
    pub async fn flushall(&self) -> anyhow::Result<()> {
        let reply = command(self.port, &["FLUSHALL"]).await?;
        if reply != "+OK" {
            bail!("FLUSHALL on port {} answered {reply:?}", self.port);
        }
        Ok(())
    }

    /// Send one command, for simple checks in tests. A bulk string reply
    /// comes back as its content; any other reply as its first line as sent
    /// by the server (`+OK`, `:42`, `-ERR ...`, `$-1` for nil, `*3` for an
    /// array whose items are not read).
    ///
    /// # Errors
    /// The server cannot be reached.
    pub async fn raw_command(&self, args: &[&str]) -> anyhow::Result<String> {
        command(self.port, args).await
    }
}

/// Spawn `redis-server` on `port` with `dir` as its working directory and
/// wait until it answers `PING`; the process is killed if it does not.
async fn spawn_and_wait(port: u16, dir: &Path) -> anyhow::Result<Child> {
    let log = dir.join(format!("redis-{port}.log"));
    let mut child = Command::new(REDIS_SERVER)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(dir)
        .arg("--logfile")
        .arg(&log)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("spawn {REDIS_SERVER}"))?;
    let deadline = tokio::time::Instant::now() + READY_TIMEOUT;
    loop {
        if command(port, &["PING"]).await.is_ok_and(|reply| reply == "+PONG") {
            // Make sure it is our server that answered, not another one that
            // took the port first (then ours exits and we try another port).
            let info = command(port, &["INFO", "server"]).await.unwrap_or_default();
            if info.lines().any(|line| line.trim() == format!("process_id:{}", child.id())) {
                return Ok(child);
            }
        }
        if let Some(status) = child.try_wait().context("poll redis-server")? {
            bail!("redis-server on port {port} exited ({status}): {}", log_tail(&log));
        }
        if tokio::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("redis-server on port {port} did not answer PING within {READY_TIMEOUT:?}: {}", log_tail(&log));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("find a free port")?;
    Ok(listener.local_addr().context("read the free port")?.port())
}

fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(20);
    format!("log {}:\n{}", path.display(), lines[start..].join("\n"))
}

/// Send one command in RESP and read its reply (see
/// [`RedisServer::raw_command`]).
async fn command(port: u16, args: &[&str]) -> anyhow::Result<String> {
    tokio::time::timeout(READY_TIMEOUT, exchange(port, args)).await.context("reply timed out")?
}

async fn exchange(port: u16, args: &[&str]) -> anyhow::Result<String> {
    let mut stream =
        TcpStream::connect(("127.0.0.1", port)).await.with_context(|| format!("connect to 127.0.0.1:{port}"))?;
    let mut request = format!("*{}\r\n", args.len());
    for arg in args {
        request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
    }
    stream.write_all(request.as_bytes()).await.context("send command")?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).await.context("read reply")? == 0 {
        bail!("connection closed without a reply");
    }
    let line = line.trim_end();
    match line.strip_prefix('$').and_then(|len| len.parse::<usize>().ok()) {
        Some(len) => {
            let mut content = vec![0; len + 2];
            reader.read_exact(&mut content).await.context("read bulk reply")?;
            content.truncate(len);
            String::from_utf8(content).context("bulk reply is not UTF-8")
        }
        None => Ok(line.to_owned()),
    }
}
