//! Logs, metrics and health: `tracing` set-up, the Prometheus registry and
//! the ops endpoints (`/metrics`, `/healthz`, `/readyz`) every process serves.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use prometheus_client::registry::Registry;
use tracing_subscriber::EnvFilter;

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line (for clusters).
    Json,
}

/// Install the global `tracing` subscriber. `RUST_LOG` wins over `default`.
pub fn init_tracing(format: LogFormat, default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second init (tests, the demo) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Shared health flags and the metrics registry of one process.
#[derive(Clone)]
pub struct Ops {
    registry: Arc<Registry>,
    ready: Arc<AtomicBool>,
}

impl Ops {
    /// Wrap a registry whose metrics are all registered.
    #[must_use]
    pub fn new(registry: Registry) -> Self {
        Ops { registry: Arc::new(registry), ready: Arc::new(AtomicBool::new(false)) }
    }

    /// Mark the process ready (or not) for `/readyz`.
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Relaxed);
    }

    #[must_use]
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Relaxed)
    }

    /// The metrics in Prometheus text format.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// `/metrics`, `/healthz` (alive) and `/readyz` (ready to serve).
    pub fn router(&self) -> Router {
        Router::new()
            .route("/metrics", get(metrics))
            .route("/healthz", get(|| async { "ok" }))
            .route("/readyz", get(readyz))
            .with_state(self.clone())
    }
}

async fn metrics(State(ops): State<Ops>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], ops.render())
}

async fn readyz(State(ops): State<Ops>) -> impl IntoResponse {
    if ops.is_ready() { (StatusCode::OK, "ready") } else { (StatusCode::SERVICE_UNAVAILABLE, "not ready") }
}

/// Serve [`Ops::router`] on `addr` until `shutdown`. Returns the bound
/// address (useful with port 0).
///
/// # Errors
/// The address cannot be bound.
pub async fn serve_ops(
    addr: std::net::SocketAddr,
    ops: Ops,
    shutdown: tokio_util::sync::CancellationToken,
) -> std::io::Result<std::net::SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tracing::info!(%bound, "metrics and health endpoints listening");
    tokio::spawn(async move {
        let result = axum::serve(listener, ops.router()).with_graceful_shutdown(shutdown.cancelled_owned()).await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "ops server stopped");
        }
    });
    Ok(bound)
}
