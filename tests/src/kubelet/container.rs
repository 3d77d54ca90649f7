//! One container as a local process: start, exit and restart with
//! back-off, readiness and liveness probes, graceful stop.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;
use tokio::process::{Child, Command};
use tokio::time::Instant;

use super::launch::{Launch, PortProbe};
use super::status::{self, ContainerStatus, State};

/// First restart delay; doubled per restart up to [`MAX_BACKOFF`] (a real
/// kubelet starts at 10 s and caps at 5 min; tests want it quicker).
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// How long a probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// A container of a running pod.
#[derive(Debug)]
pub struct Container {
    pub launch: Launch,
    pub log: PathBuf,
    home: PathBuf,
    extra_env: Vec<(String, String)>,
    child: Option<Child>,
    started: Instant,
    started_at: String,
    restart_at: Option<Instant>,
    pub restarts: u32,
    pub last_exit: Option<i32>,
    finished_at: String,
    pub ready: bool,
    ready_failures: u32,
    live_failures: u32,
    next_ready_probe: Instant,
    next_live_probe: Instant,
    /// Restart after exit (policy `Always`, or `OnFailure` and a failure).
    policy: String,
}

impl Container {
    /// Start `launch` with its output appended to `log`.
    ///
    /// # Errors
    /// The process could not be started.
    pub fn start(
        launch: Launch,
        log: PathBuf,
        home: &Path,
        extra_env: Vec<(String, String)>,
        policy: &str,
    ) -> anyhow::Result<Container> {
        let now = Instant::now();
        let mut c = Container {
            launch,
            log,
            home: home.to_path_buf(),
            extra_env,
            child: None,
            started: now,
            started_at: status::now(),
            restart_at: None,
            restarts: 0,
            last_exit: None,
            finished_at: String::new(),
            ready: false,
            ready_failures: 0,
            live_failures: 0,
            next_ready_probe: now,
            next_live_probe: now,
            policy: policy.to_owned(),
        };
        c.spawn()?;
        Ok(c)
    }

    fn spawn(&mut self) -> anyhow::Result<()> {
        let out = OpenOptions::new().create(true).append(true).open(&self.log).context("open container log")?;
        let err = out.try_clone().context("clone container log")?;
        let child = Command::new(&self.launch.program)
            .args(&self.launch.args)
            // A container sees only its own environment.
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .envs(self.extra_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .envs(self.launch.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(&self.home)
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("start {} {:?}", self.launch.program.display(), self.launch.args))?;
        let now = Instant::now();
        self.child = Some(child);
        self.started = now;
        self.started_at = status::now();
        self.ready = false;
        self.ready_failures = 0;
        self.live_failures = 0;
        self.next_ready_probe = now + self.launch.readiness.as_ref().map_or(Duration::ZERO, |p| p.initial_delay);
        self.next_live_probe = now + self.launch.liveness.as_ref().map_or(Duration::ZERO, |p| p.initial_delay);
        Ok(())
    }

    /// The process id while running.
    #[must_use]
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(Child::id)
    }

    /// Notice an exit and restart when the back-off has passed.
    pub fn poll(&mut self) {
        if let Some(child) = &mut self.child
            && let Ok(Some(exit)) = child.try_wait()
        {
            // A signal has no code: report 128 + signal like a shell (9 → 137).
            let code = exit.code().unwrap_or_else(|| {
                use std::os::unix::process::ExitStatusExt;
                128 + exit.signal().unwrap_or(0)
            });
            self.child = None;
            self.ready = false;
            self.last_exit = Some(code);
            self.finished_at = status::now();
            let restart = self.policy == "Always" || (self.policy == "OnFailure" && code != 0);
            self.restart_at = restart.then(|| Instant::now() + backoff(self.restarts));
        }
        if self.child.is_none()
            && let Some(at) = self.restart_at
            && Instant::now() >= at
        {
            self.restart_at = None;
            self.restarts += 1;
            if let Err(e) = self.spawn() {
                tracing::warn!(container = %self.launch.name, "restart failed: {e:#}");
                self.restart_at = Some(Instant::now() + backoff(self.restarts));
            }
        }
    }

    /// Run the readiness and liveness probes that are due; a liveness
    /// failure streak kills the process (it is restarted by [`poll`](Self::poll)).
    pub async fn probe(&mut self) {
        let now = Instant::now();
        if self.child.is_none() {
            return;
        }
        match self.launch.readiness.clone() {
            None => self.ready = true,
            Some(p) if now >= self.next_ready_probe => {
                self.next_ready_probe = now + p.period.min(Duration::from_secs(1));
                if check(&p).await {
                    self.ready = true;
                    self.ready_failures = 0;
                } else {
                    self.ready_failures += 1;
                    if self.ready_failures >= p.failure_threshold || !self.ready {
                        self.ready = false;
                    }
                }
            }
            Some(_) => {}
        }
        if let Some(p) = self.launch.liveness.clone()
            && now >= self.next_live_probe
        {
            self.next_live_probe = now + p.period;
            if check(&p).await {
                self.live_failures = 0;
            } else {
                self.live_failures += 1;
                if self.live_failures >= p.failure_threshold {
                    tracing::info!(container = %self.launch.name, "liveness probe failed: killing");
                    self.kill();
                }
            }
        }
    }

    /// SIGKILL the process (as a node crash or an OOM kill would).
    pub fn kill(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.start_kill();
        }
    }

    /// SIGTERM, then SIGKILL after `grace`. Returns the exit code.
    pub async fn stop(&mut self, grace: Duration) -> Option<i32> {
        let mut child = self.child.take()?;
        if let Some(pid) = child.id() {
            let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status().await;
        }
        let exit = match tokio::time::timeout(grace, child.wait()).await {
            Ok(exit) => exit.ok(),
            Err(_) => {
                let _ = child.start_kill();
                child.wait().await.ok()
            }
        };
        exit.and_then(|e| e.code())
    }

    /// The status the kubelet reports for this container.
    #[must_use]
    pub fn status(&self) -> ContainerStatus {
        let state = if self.child.is_some() {
            State::Running { started_at: self.started_at.clone() }
        } else if self.restart_at.is_some() {
            State::Waiting {
                reason: "CrashLoopBackOff".into(),
                message: format!("back-off restarting failed container {}", self.launch.name),
            }
        } else {
            State::Terminated { exit_code: self.last_exit.unwrap_or(0), finished_at: self.finished_at.clone() }
        };
        let last_exit = if self.child.is_some() || self.restart_at.is_some() { self.last_exit } else { None };
        ContainerStatus {
            name: self.launch.name.clone(),
            image: self.launch.image.clone(),
            state,
            ready: self.ready && self.child.is_some(),
            restarts: self.restarts,
            last_exit: last_exit.filter(|_| self.restarts > 0 || self.restart_at.is_some()),
        }
    }
}

fn backoff(restarts: u32) -> Duration {
    FIRST_BACKOFF.saturating_mul(1 << restarts.min(8)).min(MAX_BACKOFF)
}

/// One probe: an HTTP GET answered with 2xx/3xx, or a TCP connect.
async fn check(p: &PortProbe) -> bool {
    let addr = format!("127.0.0.1:{}", p.port);
    let attempt = async {
        match &p.path {
            Some(path) => crate::http::get(&addr, path).await.is_ok_and(|(code, _)| (200..400).contains(&code)),
            None => tokio::net::TcpStream::connect(&addr).await.is_ok(),
        }
    };
    tokio::time::timeout(PROBE_TIMEOUT, attempt).await.unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_cap() {
        assert_eq!(backoff(0), Duration::from_millis(500));
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(4));
        assert_eq!(backoff(30), MAX_BACKOFF);
    }
}
