//! The whole data plane on loopback: a real broker, a real `redis-server`,
//! and `livematch` workers as child processes, started with the same flags
//! a Deployment would give them.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use crate::broker::Broker;
use crate::process::{Worker, free_port};
use crate::redis::RedisServer;

/// Path of a real Cricsheet match in the shared data folder.
#[must_use]
pub fn cricsheet(file: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/cricsheet")).join(file)
}

/// The project's `public/` folder.
#[must_use]
pub fn public_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../public"))
}

/// Broker + Redis (+ a gateway once started).
pub struct Stack {
    pub broker: Broker,
    pub redis: RedisServer,
    pub gateway: Option<Worker>,
    pub gateway_addr: String,
}

impl Stack {
    /// Start a broker and a Redis.
    ///
    /// # Errors
    /// Either cannot start.
    pub async fn start() -> anyhow::Result<Stack> {
        let (broker, redis) = tokio::try_join!(Broker::start(), RedisServer::start())?;
        Ok(Stack { broker, redis, gateway: None, gateway_addr: String::new() })
    }

    /// Kafka flags as tests use them (short session timeout for Tansu).
    #[must_use]
    pub fn kafka_args(&self) -> Vec<String> {
        vec![
            "--kafka".into(),
            self.broker.brokers(),
            "--kafka-session-timeout".into(),
            "6s".into(),
            "--kafka-fetch-wait".into(),
            "20ms".into(),
        ]
    }

    fn ops_args() -> anyhow::Result<Vec<String>> {
        Ok(vec!["--metrics-listen".into(), format!("127.0.0.1:{}", free_port()?)])
    }

    /// `livematch produce` for a match with extra flags (source, speed...).
    ///
    /// # Errors
    /// The process cannot start.
    pub fn producer(&self, match_id: &str, extra: &[&str]) -> anyhow::Result<Worker> {
        let mut args: Vec<String> = vec!["produce".into(), "--match-id".into(), match_id.into()];
        args.extend(self.kafka_args());
        args.extend(Self::ops_args()?);
        args.extend(extra.iter().map(ToString::to_string));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        Worker::start(&format!("producer {match_id}"), &refs, &[])
    }

    /// `livematch consume` for a match, returning also its metrics address.
    ///
    /// # Errors
    /// The process cannot start.
    pub fn consumer(&self, match_id: &str, extra: &[&str]) -> anyhow::Result<(Worker, String)> {
        let metrics = format!("127.0.0.1:{}", free_port()?);
        let mut args: Vec<String> = vec!["consume".into(), "--match-id".into(), match_id.into()];
        args.extend(self.kafka_args());
        args.extend(["--redis".into(), self.redis.url(), "--metrics-listen".into(), metrics.clone()]);
        args.extend(extra.iter().map(ToString::to_string));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        Ok((Worker::start(&format!("consumer {match_id}"), &refs, &[])?, metrics))
    }

    /// Start a gateway and wait until it answers `/healthz`.
    ///
    /// # Errors
    /// It cannot start or does not become healthy in 20 s.
    pub async fn start_gateway(&mut self) -> anyhow::Result<String> {
        let addr = format!("127.0.0.1:{}", free_port()?);
        let public = public_dir();
        let gw = Worker::start(
            "gateway",
            &[
                "gateway",
                "--listen",
                &addr,
                "--redis",
                &self.redis.url(),
                "--public-dir",
                public.to_str().context("public dir path")?,
                "--heartbeat",
                "1s",
            ],
            &[],
        )?;
        wait_http_ok(&addr, "/healthz", Duration::from_secs(20))
            .await
            .with_context(|| format!("gateway log:\n{}", gw.log_text()))?;
        self.gateway = Some(gw);
        self.gateway_addr.clone_from(&addr);
        Ok(addr)
    }
}

/// Poll `GET PATH` until it answers 200.
///
/// # Errors
/// No 200 within `limit`.
pub async fn wait_http_ok(addr: &str, path: &str, limit: Duration) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match crate::http::get(addr, path).await {
            Ok((200, _)) => return Ok(()),
            Ok((code, body)) if tokio::time::Instant::now() >= deadline => {
                anyhow::bail!("GET {path} on {addr}: {code} {body}")
            }
            Err(e) if tokio::time::Instant::now() >= deadline => return Err(e.context(format!("GET {path} on {addr}"))),
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}
