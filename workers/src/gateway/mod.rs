//! The viewers' gateway: serves the web app, a small REST API and the
//! WebSocket protocol of `docs/protocol.md`, from the [`Store`].
//!
//! Stateless: any replica serves any client; everything a client needs to
//! resume is its last seq. Inside one process:
//! * `hub`: one live feed from the store, gap repair per match,
//! * `fanout`: per match, a ring of its frames written to its viewers'
//!   sockets by a few shard tasks,
//! * `conn`: a connection's write side, shared by the fan-out and the
//!   send half,
//! * `ws`: the upgrade and the receive half of each connection,
//! * `sender`: the send half (live frames, gap repair, heartbeats),
//! * `api`: REST endpoints,
//! * [`limits`]: rate and connection limits,
//! * [`origin`]: the Origin allow-list of WebSocket upgrades,
//! * `metrics`: Prometheus metrics.
//!
//! [`app`] builds the router from a [`GatewayState`] without serving it
//! (tests bind it themselves); [`start`] and [`serve`] bind and serve.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::extract::ws::Utf8Bytes;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use prometheus_client::registry::Registry;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tower_http::services::{ServeDir, ServeFile};
use tracing::{info, warn};

use crate::protocol::{self, Limits};
use crate::store::{Store, StoreError};
use crate::telemetry::Ops;

mod api;
mod conn;
mod fanout;
mod hub;
pub mod limits;
mod metrics;
pub mod origin;
mod sender;
mod ws;

pub(crate) use conn::encode_text;
pub use metrics::{GatewayMetrics, LatencyHistogram};

/// Everything configurable about a gateway. `Default` gives the
/// documented defaults.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Address for viewers: web app, `/api`, `/ws` (and the ops endpoints
    /// unless `metrics_listen` is set).
    pub listen: SocketAddr,
    /// Separate address for `/metrics`, `/healthz`, `/readyz`.
    pub metrics_listen: Option<SocketAddr>,
    /// Directory of the web app (`index.html` also answers `/match/{id}`).
    pub public_dir: PathBuf,
    /// Largest client frame accepted, in bytes (larger: close 1009).
    pub max_frame_bytes: usize,
    /// Most match subscriptions per connection.
    pub max_subscriptions: usize,
    /// Most concurrent WebSocket connections (more: HTTP 503).
    pub max_connections: usize,
    /// Subscribe and lobby requests per second per connection.
    pub subscribe_rate: u32,
    /// Burst of subscribe and lobby requests per connection.
    pub subscribe_burst: u32,
    /// Live frames a client may fall behind on one match (the per-match
    /// broadcast capacity). Beyond it the client is caught up from the log
    /// once; again within 10 s, it is disconnected as a slow consumer.
    pub outbound_queue: usize,
    /// Interval of `heartbeat` frames.
    pub heartbeat: Duration,
    /// Allowed `Origin`s for WebSocket upgrades (empty: any).
    pub allowed_origins: Vec<String>,
    /// Longest a single socket write may block before the client is
    /// cut off as a slow consumer.
    pub write_timeout: Duration,
    /// How long a cut-off client's socket stays open (its `error` and
    /// close frames queued in it) for the client to read them.
    pub close_linger: Duration,
    /// Most missed events replayed on resume or repair; beyond it the
    /// client gets a reset and a snapshot.
    pub max_resume_frames: usize,
    /// Largest `limit` of `GET /api/matches/{id}/events`.
    pub max_events_page: usize,
    /// How long a subscribe waits for the match's live subscription when
    /// the live feed is down.
    pub subscribe_wait: Duration,
    /// How long shutdown waits for WebSocket connections to close.
    pub drain_timeout: Duration,
    /// Kernel send buffer of each connection, in bytes (`None`: the
    /// kernel's auto-tuning, up to megabytes per stalled client).
    pub socket_send_buffer: Option<u32>,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            listen: SocketAddr::from(([0, 0, 0, 0], 8080)),
            metrics_listen: None,
            public_dir: PathBuf::from("public"),
            max_frame_bytes: 16 * 1024,
            max_subscriptions: 64,
            max_connections: 20_000,
            subscribe_rate: 20,
            subscribe_burst: 40,
            outbound_queue: 512,
            heartbeat: Duration::from_secs(15),
            allowed_origins: Vec::new(),
            write_timeout: Duration::from_secs(10),
            close_linger: Duration::from_secs(60),
            max_resume_frames: 2_000,
            max_events_page: 1_000,
            subscribe_wait: Duration::from_secs(2),
            drain_timeout: Duration::from_secs(5),
            socket_send_buffer: Some(128 * 1024),
        }
    }
}

impl GatewayConfig {
    /// The limits announced to clients in `hello`.
    #[must_use]
    pub fn limits(&self) -> Limits {
        Limits {
            max_frame_bytes: self.max_frame_bytes,
            max_subscriptions: self.max_subscriptions,
            subscribe_rate: self.subscribe_rate,
            subscribe_burst: self.subscribe_burst,
            outbound_queue: self.outbound_queue,
        }
    }
}

/// Why the gateway could not serve.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("serving on {addr} failed: {source}")]
    Serve { addr: SocketAddr, source: std::io::Error },
    #[error("gateway store: {0}")]
    Store(#[from] StoreError),
}

impl GatewayError {
    /// Stable short category for metrics labels.
    #[must_use]
    pub fn metric_label(&self) -> &'static str {
        match self {
            GatewayError::Bind { .. } => "bind",
            GatewayError::Serve { .. } => "serve",
            GatewayError::Store(e) => e.metric_label(),
        }
    }
}

/// What every request handler shares. Cheap to clone.
#[derive(Clone)]
pub struct GatewayState {
    shared: Arc<Shared>,
}

struct Shared {
    config: GatewayConfig,
    store: Arc<dyn Store>,
    hub: Arc<hub::Hub>,
    metrics: GatewayMetrics,
    ops: Arc<OnceLock<Ops>>,
    limiter: Arc<limits::ConnectionLimiter>,
    shutdown: CancellationToken,
    hello: Utf8Bytes,
}

impl GatewayState {
    /// Build the state and start the hub's live feed task (needs a Tokio
    /// runtime; the task stops with `shutdown`).
    #[must_use]
    pub fn start(
        config: GatewayConfig,
        store: Arc<dyn Store>,
        metrics: GatewayMetrics,
        shutdown: CancellationToken,
    ) -> Self {
        let ops = Arc::new(OnceLock::new());
        let hub = hub::Hub::start(
            Arc::clone(&store),
            hub::HubConfig {
                capacity: config.outbound_queue.max(1),
                subscribe_wait: config.subscribe_wait,
                max_repair: config.max_resume_frames,
            },
            metrics.clone(),
            Arc::clone(&ops),
            shutdown.clone(),
        );
        let heartbeat_ms = u64::try_from(config.heartbeat.as_millis()).unwrap_or(u64::MAX);
        let hello = protocol::hello_frame(heartbeat_ms, &config.limits()).into();
        let limiter = limits::ConnectionLimiter::new(config.max_connections);
        GatewayState { shared: Arc::new(Shared { config, store, hub, metrics, ops, limiter, shutdown, hello }) }
    }

    /// Attach the process's health flags and metrics registry: `/metrics`
    /// serves it, and readiness follows the live feed from now on. Only
    /// the first call counts.
    pub fn set_ops(&self, ops: Ops) {
        ops.set_ready(self.is_ready());
        let _ = self.shared.ops.set(ops);
    }

    /// The live feed is up and the gateway is not shutting down.
    #[must_use]
    pub fn is_ready(&self) -> bool {
        self.shared.hub.is_connected() && !self.shared.shutdown.is_cancelled()
    }

    #[must_use]
    pub fn config(&self) -> &GatewayConfig {
        &self.shared.config
    }

    #[must_use]
    pub fn metrics(&self) -> &GatewayMetrics {
        &self.shared.metrics
    }

    /// Open (or opening) WebSocket connections.
    #[must_use]
    pub fn connections(&self) -> usize {
        self.shared.limiter.active()
    }

    /// Matches with viewers on this gateway.
    #[must_use]
    pub fn live_matches(&self) -> usize {
        self.shared.hub.match_count()
    }
}

/// The gateway's router: `/ws`, `/api/...`, the web app from `public_dir`
/// (with `index.html` for `/match/{id}`), and `/metrics`, `/healthz`,
/// `/readyz` unless they have their own listener.
pub fn app(state: GatewayState) -> Router {
    let dir = state.shared.config.public_dir.clone();
    let mut router = Router::new()
        .route("/ws", get(ws::upgrade))
        .merge(api::routes())
        .route_service("/match/{id}", ServeFile::new(dir.join("index.html")))
        .fallback_service(ServeDir::new(&dir));
    if state.shared.config.metrics_listen.is_none() {
        router = router
            .route("/metrics", get(ops_metrics))
            .route("/healthz", get(|| async { "ok" }))
            .route("/readyz", get(ops_ready));
    }
    router.with_state(state)
}

async fn ops_metrics(State(state): State<GatewayState>) -> axum::response::Response {
    match state.shared.ops.get() {
        Some(ops) => {
            ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], ops.render())
                .into_response()
        }
        None => (StatusCode::SERVICE_UNAVAILABLE, "metrics registry not attached yet").into_response(),
    }
}

async fn ops_ready(State(state): State<GatewayState>) -> (StatusCode, &'static str) {
    if state.is_ready() { (StatusCode::OK, "ready") } else { (StatusCode::SERVICE_UNAVAILABLE, "not ready") }
}

/// A gateway being served (see [`start`]).
pub struct Gateway {
    state: GatewayState,
    local_addr: SocketAddr,
    task: JoinHandle<Result<(), GatewayError>>,
}

impl Gateway {
    async fn bind(state: GatewayState) -> Result<Gateway, GatewayError> {
        let config = &state.shared.config;
        let addr = config.listen;
        let listener = listen(addr, config.socket_send_buffer).map_err(|source| GatewayError::Bind { addr, source })?;
        let local_addr = listener.local_addr().map_err(|source| GatewayError::Bind { addr, source })?;
        info!(%local_addr, "gateway listening");
        let task = tokio::spawn(serve_on(listener, state.clone()));
        Ok(Gateway { state, local_addr, task })
    }

    /// The bound address (useful with port 0).
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    #[must_use]
    pub fn state(&self) -> &GatewayState {
        &self.state
    }

    /// See [`GatewayState::set_ops`].
    pub fn set_ops(&self, ops: Ops) {
        self.state.set_ops(ops);
    }

    /// Wait until the gateway has stopped (after its shutdown token is
    /// cancelled) and its connections are closed; serving errors are logged.
    pub async fn stopped(self) {
        if let Err(e) = self.wait().await {
            warn!(error = %e, "gateway failed");
        }
    }

    /// Like [`Gateway::stopped`], returning the serving error.
    ///
    /// # Errors
    /// Accepting connections failed.
    pub async fn wait(self) -> Result<(), GatewayError> {
        match self.task.await {
            Ok(result) => result,
            Err(e) => Err(GatewayError::Serve { addr: self.local_addr, source: std::io::Error::other(e.to_string()) }),
        }
    }
}

/// A listening socket tuned for many push connections. `send_buffer`
/// (bytes) bounds each accepted connection's kernel send buffer (Linux
/// copies it from the listening socket): a stalled client then holds
/// little kernel memory and blocks its send task, so it is found slow
/// promptly. `None` keeps the kernel's auto-tuning.
///
/// # Errors
/// The socket cannot be created or bound.
pub fn listen(addr: SocketAddr, send_buffer: Option<u32>) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    if let Some(size) = send_buffer {
        socket.set_send_buffer_size(size)?;
    }
    socket.bind(addr)?;
    socket.listen(4096)
}

/// Serve [`app`] on `listener` until the state's shutdown token is
/// cancelled (TCP_NODELAY on every connection: frames go out at once),
/// then wait for WebSocket connections to close (at most
/// `drain_timeout`).
///
/// # Errors
/// Accepting connections failed.
pub async fn serve_on(listener: tokio::net::TcpListener, state: GatewayState) -> Result<(), GatewayError> {
    let local_addr =
        listener.local_addr().map_err(|source| GatewayError::Serve { addr: state.shared.config.listen, source })?;
    let shared = &state.shared;
    // Each connection's socket is shared with the fan-out, which writes
    // pre-encoded frames to it (see `conn`).
    let listener = conn::SharedListener::new(listener);
    let service = app(state.clone()).into_make_service_with_connect_info::<conn::SocketHandle>();
    let served = axum::serve(listener, service).with_graceful_shutdown(shared.shutdown.clone().cancelled_owned()).await;
    if let Some(ops) = shared.ops.get() {
        ops.set_ready(false);
    }
    if !shared.limiter.drained(shared.config.drain_timeout).await {
        warn!(open = shared.limiter.active(), "WebSocket connections still open after the drain timeout");
    }
    info!("gateway stopped");
    served.map_err(|source| GatewayError::Serve { addr: local_addr, source })
}

/// Register the gateway's metrics in `registry`, bind `config.listen` and
/// serve until `shutdown`. Call [`Gateway::set_ops`] once the registry is
/// wrapped in [`Ops`].
///
/// # Errors
/// The listen address cannot be bound.
pub async fn start(
    config: GatewayConfig,
    store: Arc<dyn Store>,
    registry: &mut Registry,
    shutdown: CancellationToken,
) -> Result<Gateway, GatewayError> {
    let metrics = GatewayMetrics::new(registry);
    Gateway::bind(GatewayState::start(config, store, metrics, shutdown)).await
}

/// Serve the gateway until `shutdown`, with the ops endpoints on
/// `config.metrics_listen` when set (else on `config.listen`). `metrics`
/// must be registered in `ops`' registry.
///
/// # Errors
/// An address cannot be bound, or accepting connections failed.
pub async fn serve(
    config: GatewayConfig,
    store: Arc<dyn Store>,
    ops: Ops,
    metrics: GatewayMetrics,
    shutdown: CancellationToken,
) -> Result<(), GatewayError> {
    if let Some(addr) = config.metrics_listen {
        crate::telemetry::serve_ops(addr, ops.clone(), shutdown.clone())
            .await
            .map_err(|source| GatewayError::Bind { addr, source })?;
    }
    let state = GatewayState::start(config, store, metrics, shutdown);
    state.set_ops(ops);
    Gateway::bind(state).await?.wait().await
}
