//! The read-only web UI, JSON API, Atom feeds and Memento endpoints (issue 5): one axum
//! router over either storage engine ([`ArchiveRead`]), served by `emend serve` and by the
//! daemon's `--listen`.

pub mod diff_view;
pub mod feeds;
mod json;
pub mod links;
pub mod memento;
pub mod metrics;
mod pages;
mod respond;
pub mod security;
pub mod server;
mod view;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;

use crate::error::Result;
use crate::store::ArchiveRead;

pub use metrics::{MetricsSource, SharedMetrics};
pub use server::Limits;

/// How the router is set up beyond its store.
#[derive(Clone, Default)]
pub struct WebOptions {
    /// Live figures for `/metrics` (the daemon's per-host queues and errors).
    pub metrics: Option<Arc<dyn MetricsSource>>,
    /// Absolute base (`http://host:port`, no trailing slash) for links in feeds and Memento
    /// headers; relative links when `None`.
    pub base_url: Option<String>,
}

impl std::fmt::Debug for WebOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebOptions")
            .field("metrics", &self.metrics.is_some())
            .field("base_url", &self.base_url)
            .finish()
    }
}

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct AppState {
    store: Arc<dyn ArchiveRead>,
    metrics: Option<Arc<dyn MetricsSource>>,
    /// Prefix for absolute links ("" for relative ones).
    base: Arc<str>,
}

/// The whole web interface. Only GET and HEAD are answered; nothing mutates the store or
/// makes emend fetch anything.
pub fn router(store: impl ArchiveRead, options: WebOptions) -> Router {
    let base = options
        .base_url
        .map(|b| b.trim_end_matches('/').to_owned())
        .unwrap_or_default();
    let state = AppState {
        store: Arc::new(store),
        metrics: options.metrics,
        base: base.into(),
    };
    Router::new()
        .route("/", get(pages::recent::page))
        .route("/articles", get(pages::articles::all))
        .route("/site", get(pages::articles::site))
        .route("/sites", get(pages::sites::page))
        .route("/search", get(pages::search::page))
        .route("/article", get(pages::article::page))
        .route("/version", get(pages::version::page))
        .route("/diff", get(pages::diff::page))
        .route("/card", get(pages::card::png))
        .route("/raw", get(pages::raw::body))
        .route("/stats", get(pages::stats::page))
        .route("/api/stats", get(pages::stats::api))
        .route("/api/history", get(json::history))
        .route("/api/diff", get(json::diff))
        .route("/api/list", get(json::list))
        .route("/api/recent", get(json::recent))
        .route("/feed.atom", get(feeds::all))
        .route("/feed/site.atom", get(feeds::site))
        .route("/feed/article.atom", get(feeds::article))
        .route("/timegate/{*url}", get(pages::memento::timegate))
        .route("/timemap/link/{*url}", get(pages::memento::timemap))
        .route("/metrics", get(pages::ops::metrics))
        .route("/healthz", get(pages::ops::healthz))
        .route("/style.css", get(pages::ops::style))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(security::harden))
        .layer(axum::middleware::from_fn_with_state(
            security::AllowedHosts::new(&state.base),
            security::check_host,
        ))
        .with_state(state)
}

/// Answers unknown paths.
async fn not_found() -> respond::WebError {
    respond::WebError::NotFound("no such page".to_owned())
}

/// Serves the web interface on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: impl ArchiveRead,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    serve_router(listener, router(store, WebOptions::default()), shutdown).await
}

/// Serves an already built router (the daemon's, with its metrics) until `shutdown`,
/// within the default [`Limits`].
pub async fn serve_router(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    server::serve(listener, router, Limits::default(), shutdown).await
}

/// Warns when `addr` is reachable from other machines: the web UI has no authentication.
pub fn warn_if_exposed(addr: std::net::SocketAddr) {
    if !addr.ip().is_loopback() {
        tracing::warn!(
            %addr,
            "the web UI listens on a non-loopback address: anyone who can reach it reads every stored article; it has no authentication"
        );
    }
}
