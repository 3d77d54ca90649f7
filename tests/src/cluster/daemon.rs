//! One control-plane process (etcd, kube-apiserver, kube-controller-manager)
//! run as a child with its output in a log file, killed on drop.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, bail};

/// Pause between readiness probes.
const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// Log lines shown in error messages and [`Daemon::log_tail`].
pub(crate) const LOG_TAIL_LINES: usize = 40;

/// A running child process whose stdout and stderr go to `log`.
#[derive(Debug)]
pub(crate) struct Daemon {
    name: &'static str,
    /// Behind a (never contended) lock so that `&self` methods can poll it.
    child: Mutex<Option<Child>>,
    log: PathBuf,
}

impl Daemon {
    /// Start `program args...` in `cwd`, output to `log` (created).
    pub(crate) fn spawn(
        name: &'static str,
        program: &Path,
        args: &[String],
        cwd: &Path,
        log: PathBuf,
    ) -> anyhow::Result<Daemon> {
        let out = File::create(&log).with_context(|| format!("create {}", log.display()))?;
        let err = out.try_clone().with_context(|| format!("reopen {}", log.display()))?;
        let child = Command::new(program)
            .args(args)
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("spawn {name} ({})", program.display()))?;
        Ok(Daemon { name, child: Mutex::new(Some(child)), log })
    }

    /// The process name given at spawn.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// `Some(status)` once the process has exited (or was killed).
    pub(crate) fn exit_status(&self) -> anyhow::Result<Option<ExitStatus>> {
        let mut guard = self.child.lock().unwrap_or_else(PoisonError::into_inner);
        match guard.as_mut() {
            None => Ok(Some(ExitStatus::default())),
            Some(child) => child.try_wait().with_context(|| format!("poll {}", self.name)),
        }
    }

    /// Whether the bind failure in the log says another process took the port.
    pub(crate) fn lost_port_race(&self) -> bool {
        std::fs::read_to_string(&self.log).is_ok_and(|text| text.contains("address already in use"))
    }

    /// SIGKILL and reap (idempotent). Data lives in a temp dir that is
    /// deleted anyway, so there is nothing to shut down cleanly.
    pub(crate) fn kill(&self) {
        let mut guard = self.child.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(mut child) = guard.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The last lines the process logged, headed by its name and log path.
    pub(crate) fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let start = lines.len().saturating_sub(LOG_TAIL_LINES);
        format!(
            "--- {} (last {} lines of {}) ---\n{}",
            self.name,
            lines.len() - start,
            self.log.display(),
            lines[start..].join("\n")
        )
    }

    /// Poll `probe` until it yields a value, failing early when the process
    /// exits and after `timeout`; both errors carry the log.
    pub(crate) async fn wait_ready<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut probe: impl AsyncFnMut() -> Option<T>,
    ) -> anyhow::Result<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(value) = probe().await {
                return Ok(value);
            }
            if let Some(status) = self.exit_status()? {
                bail!("{} exited ({status}) before {what}\n{}", self.name, self.log_tail());
            }
            if tokio::time::Instant::now() >= deadline {
                bail!("{}: no {what} within {timeout:?}\n{}", self.name, self.log_tail());
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill();
    }
}
