//! The `livematch` binary run as a child process, the way a kubelet would
//! run a Deployment's container: same args and env, logs kept for failures.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};

/// Environment variable naming the `livematch` binary (set by `cargo xtask test`).
pub const BIN_ENV: &str = "LIVEMATCH_BIN";
/// Environment variable naming the `livematch-operator` binary.
pub const OPERATOR_BIN_ENV: &str = "LIVEMATCH_OPERATOR_BIN";

/// Path of the `livematch` binary: `$LIVEMATCH_BIN`, or `livematch` next to
/// the test executable's `deps/` folder (the same target profile), or next
/// to the running executable itself.
///
/// # Errors
/// Neither exists: build it with `cargo build --bin livematch`.
pub fn livematch_bin() -> anyhow::Result<PathBuf> {
    binary("livematch", BIN_ENV)
}

/// Path of the `livematch-operator` binary: `$LIVEMATCH_OPERATOR_BIN`, or
/// next to the test executable's `deps/` folder.
///
/// # Errors
/// Neither exists: build it with `cargo build --bin livematch-operator`.
pub fn operator_bin() -> anyhow::Result<PathBuf> {
    binary("livematch-operator", OPERATOR_BIN_ENV)
}

fn binary(name: &str, env: &str) -> anyhow::Result<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        let p = PathBuf::from(p);
        if p.is_file() {
            return Ok(p);
        }
        bail!("{env}={} is not a file", p.display());
    }
    let exe = std::env::current_exe().context("locate the test executable")?;
    // A test runs from `target/PROFILE/deps/`, a binary of this crate (the
    // chaos runner) from `target/PROFILE/`.
    let deps = exe.parent();
    let candidates = [deps.and_then(std::path::Path::parent), deps].map(|dir| dir.map(|d| d.join(name)));
    match candidates.into_iter().flatten().find(|p| p.is_file()) {
        Some(p) => Ok(p),
        None => bail!("{name} binary not found: run `cargo build --bin {name}` or set {env}"),
    }
}

/// A running `livematch` subcommand. Dropping it kills the process.
#[derive(Debug)]
pub struct Worker {
    name: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    child: Option<Child>,
    log: tempfile::NamedTempFile,
}

impl Worker {
    /// Start `livematch ARGS...` with extra environment variables.
    ///
    /// # Errors
    /// The binary is missing or cannot be started.
    pub fn start(name: &str, args: &[&str], env: &[(&str, &str)]) -> anyhow::Result<Worker> {
        let mut w = Worker {
            name: name.to_string(),
            args: args.iter().map(ToString::to_string).collect(),
            env: env.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect(),
            child: None,
            log: tempfile::NamedTempFile::new().context("create worker log file")?,
        };
        w.spawn()?;
        Ok(w)
    }

    fn spawn(&mut self) -> anyhow::Result<()> {
        let bin = livematch_bin()?;
        // Appended to: a restarted worker's log follows the previous run's.
        let out = std::fs::OpenOptions::new().append(true).open(self.log.path()).context("open worker log")?;
        let err = out.try_clone().context("open worker log")?;
        let child = Command::new(&bin)
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("spawn {} {:?}", bin.display(), self.args))?;
        self.child = Some(child);
        Ok(())
    }

    /// The process id, while running.
    #[must_use]
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// `kill -9`: no chance to clean up, like a node dying.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM, then wait up to `grace` for a clean exit (kill -9 after).
    /// Returns true when it exited by itself with success.
    pub async fn terminate(&mut self, grace: Duration) -> bool {
        let Some(mut c) = self.child.take() else { return false };
        let _ = Command::new("kill").args(["-TERM", &c.id().to_string()]).status();
        let deadline = tokio::time::Instant::now() + grace;
        while tokio::time::Instant::now() < deadline {
            if let Ok(Some(status)) = c.try_wait() {
                return status.success();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = c.kill();
        let _ = c.wait();
        false
    }

    /// Start the same command again (after a kill).
    ///
    /// # Errors
    /// It cannot be started.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.kill9();
        self.spawn()
    }

    /// Wait for the process to exit by itself, up to `limit`.
    ///
    /// # Errors
    /// It did not exit in time (it is killed), or exited with failure.
    pub async fn wait_exit(&mut self, limit: Duration) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let Some(c) = self.child.as_mut() else { bail!("{} is not running", self.name) };
            if let Some(status) = c.try_wait().context("poll worker")? {
                self.child = None;
                if status.success() {
                    return Ok(());
                }
                bail!("{} exited with {status}; log:\n{}", self.name, self.log_text());
            }
            if tokio::time::Instant::now() >= deadline {
                self.kill9();
                bail!("{} did not exit within {limit:?}; log:\n{}", self.name, self.log_text());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Everything the process logged so far (last 20 KB).
    #[must_use]
    pub fn log_text(&self) -> String {
        let text = String::from_utf8_lossy(&std::fs::read(self.log.path()).unwrap_or_default()).into_owned();
        let start = text.len().saturating_sub(20_000);
        let start = (start..text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
        text[start..].to_string()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A free TCP port on 127.0.0.1 (bound and released; tiny race accepted).
///
/// # Errors
/// No port could be bound.
pub fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("bind a free port")?;
    Ok(l.local_addr()?.port())
}
