//! The long-running crawler: per-site discovery, the re-check queue, and graceful shutdown.
//!
//! Shaped like mini-redis: [`run`] takes its stop signal (and, optionally, the web
//! listener) as arguments, so tests drive it in-process and the binary only wires
//! signals to it.

mod discovery;
pub mod local_api;
mod queue;
mod recheck;
pub mod watchlist;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::config::Config;
use crate::error::Result;
use crate::fetch::Fetcher;
use crate::pipeline::Pipeline;
use crate::politeness::host_key;
use crate::store::Store;
use crate::web::{SharedMetrics, WebOptions};

/// How long in-flight checks get to finish after a stop signal before they are abandoned.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Optional parts of a daemon run.
#[derive(Default)]
pub struct DaemonOptions {
    /// Serve the read-only web UI on this listener while crawling.
    pub listener: Option<tokio::net::TcpListener>,
    /// Absolute base URL for links in the web UI's feeds and Memento headers.
    pub base_url: Option<String>,
}

/// What the daemon's tasks share.
struct Shared {
    config: Arc<Config>,
    pipeline: Pipeline,
    /// Wakes the queue when discovery scheduled something due now.
    wake: tokio::sync::Notify,
    /// Per-host queue lengths and error counts, shown on the web UI's `/metrics`.
    metrics: Arc<SharedMetrics>,
}

impl Shared {
    fn store(&self) -> &Store {
        self.pipeline.store()
    }
}

/// Crawls the configured sites until `shutdown` completes, then stops taking work,
/// lets in-flight checks finish for up to [`DRAIN_TIMEOUT`], flushes the store and returns.
///
/// A site that is down or unreachable is logged and retried; it never stops the daemon.
pub async fn run(
    config: Arc<Config>,
    store: Store,
    options: DaemonOptions,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let fetcher = Fetcher::new(&config.crawler)?;
    for site in &config.sites {
        for url in site
            .feeds
            .iter()
            .chain(&site.sitemaps)
            .chain(&site.start_urls)
        {
            fetcher
                .politeness()
                .apply_site_rate(&host_key(url), site.rate);
        }
    }
    let pipeline = Pipeline::new(config.clone(), fetcher, store.clone());
    let shared = Arc::new(Shared {
        config: config.clone(),
        pipeline,
        wake: tokio::sync::Notify::new(),
        metrics: Arc::new(SharedMetrics::default()),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    for index in 0..config.sites.len() {
        tasks.spawn(discovery::run(shared.clone(), index, stop_rx.clone()));
    }
    tasks.spawn(queue::run(shared.clone(), stop_rx.clone()));
    tasks.spawn(local_api::serve(shared.clone(), stopped(stop_rx.clone())));
    if let Some(listener) = options.listener {
        let web = WebOptions {
            metrics: Some(shared.metrics.clone()),
            base_url: options.base_url,
        };
        let router = crate::web::router(store.clone(), web);
        let stop = stopped(stop_rx.clone());
        tasks.spawn(async move {
            if let Err(e) = crate::web::serve_router(listener, router, stop).await {
                tracing::error!(error = %e, "web server stopped");
            }
        });
    }
    log_start(&config, &store);

    shutdown.await;
    tracing::info!("stopping: finishing in-flight checks");
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!("in-flight work did not finish within {DRAIN_TIMEOUT:?}; abandoned");
        tasks.abort_all();
    }
    store.flush()?;
    tracing::info!("stopped");
    Ok(())
}

/// The start-up summary: where the database is, what is watched, when the first round runs.
fn log_start(config: &Config, store: &Store) {
    tracing::info!(
        db = %store.path().display(),
        config = %config.path.as_deref().map_or_else(|| "-".into(), |p| p.display().to_string()),
        sites = config.sites.len(),
        "daemon started; SIGINT or SIGTERM stops it"
    );
    for site in &config.sites {
        tracing::info!(
            site = %site.name,
            feeds = site.feeds.len(),
            sitemaps = site.sitemaps.len(),
            index_pages = site.start_urls.len(),
            every = %humantime::format_duration(site.interval),
            "first discovery round within {}s",
            discovery::START_SPREAD.min(site.interval).as_secs()
        );
    }
}

/// Completes when the stop flag is raised (or its sender is gone).
async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}
