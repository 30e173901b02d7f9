//! The long-running crawler: per-site discovery, the re-check queue, and graceful shutdown.
//!
//! Shaped like mini-redis: [`run`] takes its stop signal (and, optionally, the web
//! listener) as arguments, so tests drive it in-process and the binary only wires
//! signals to it.

pub mod cluster;
mod discovery;
mod queue;
mod recheck;
pub use crate::watchlist;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::fetch::Fetcher;
use crate::owner::{self, Owner};
use crate::pipeline::Pipeline;
use crate::store::Store;
use crate::web::{SharedMetrics, WebOptions};

/// How long in-flight checks get to finish after a stop signal before they are abandoned.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the flush at shutdown may take; a disk that cannot finish it is failing, and
/// waiting longer would only keep a stopping daemon from exiting.
pub const SHUTDOWN_FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

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
    wake: Arc<tokio::sync::Notify>,
    /// Per-host queue lengths and error counts, shown on the web UI's `/metrics`.
    metrics: Arc<SharedMetrics>,
    /// Raised to stop every task: by the stop signal, or by a database failure.
    stop: watch::Sender<bool>,
    /// The database failure that stopped the daemon, if one did.
    failure: std::sync::Mutex<Option<String>>,
}

impl Shared {
    fn store(&self) -> &Store {
        self.pipeline.store()
    }

    /// Whether a database failure is stopping the daemon.
    fn failed(&self) -> bool {
        self.failure.lock().map_or(true, |f| f.is_some())
    }

    /// Stops the daemon because the database cannot be written (a full or failing disk):
    /// carrying on would only fail every check, or hang in the next write.
    fn fail(&self, err: &Error) {
        let Ok(mut failure) = self.failure.lock() else {
            return;
        };
        if failure.is_none() {
            tracing::error!(
                db = %self.store().path().display(), error = %err,
                "the database cannot be written; stopping (free space or repair the disk, then start again)"
            );
            *failure = Some(err.to_string());
        }
        let _ = self.stop.send(true);
    }
}

/// Crawls the configured sites until `shutdown` completes, then stops taking work,
/// lets in-flight checks finish for up to [`DRAIN_TIMEOUT`], flushes the store (within
/// [`SHUTDOWN_FLUSH_TIMEOUT`]) and returns.
///
/// A site that is down or unreachable is logged and retried; it never stops the daemon.
/// A database that cannot be written (full or failing disk) does: the failure is logged
/// with the path and the OS error, work stops as for a signal, and the result is that
/// failure.
pub async fn run(
    config: Arc<Config>,
    store: Store,
    options: DaemonOptions,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let fetcher = Fetcher::new(&config.crawler)?;
    for site in &config.sites {
        fetcher.politeness().apply_site(site);
    }
    // Checks that make no version are logged in batches, each answered once flushed.
    let (check_log, writer) = crate::store::CheckLog::start(store.clone());
    let pipeline = Pipeline::new(config.clone(), fetcher, store.clone()).with_check_log(check_log);
    let (stop_tx, stop_rx) = watch::channel(false);
    let shared = Arc::new(Shared {
        config: config.clone(),
        pipeline,
        wake: Arc::new(tokio::sync::Notify::new()),
        metrics: Arc::new(SharedMetrics::default()),
        stop: stop_tx,
        failure: std::sync::Mutex::new(None),
    });
    let mut tasks = JoinSet::new();
    for index in 0..config.sites.len() {
        tasks.spawn(discovery::run(shared.clone(), index, stop_rx.clone()));
    }
    tasks.spawn(queue::run(shared.clone(), stop_rx.clone()));
    let owner = Owner::long_running(shared.pipeline.clone(), config.clone(), "emend daemon")
        .with_wake(shared.wake.clone())
        .with_web(WebOptions {
            metrics: Some(shared.metrics.clone()),
            base_url: None,
        });
    tasks.spawn(owner::serve(Arc::new(owner), stopped(stop_rx.clone())));
    if !config.notify.is_empty() {
        let poster = crate::fetch::Poster::new(&config.crawler.user_agent, config.crawler.timeout)?;
        let targets = Arc::new(config.notify.clone());
        let sender = crate::notify::Sender::new(store.clone(), targets, poster);
        tasks.spawn(sender.run(stop_rx.clone()));
    }
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

    let mut failed = stop_rx.clone();
    tokio::select! {
        () = shutdown => tracing::info!("stopping: finishing in-flight checks"),
        _ = failed.wait_for(|s| *s) => tracing::info!("stopping on a database failure: finishing in-flight checks"),
    }
    let _ = shared.stop.send(true);
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!("in-flight work did not finish within {DRAIN_TIMEOUT:?}; abandoned");
        tasks.abort_all();
    }
    let flushing = store.clone();
    let flushed =
        tokio::task::spawn_blocking(move || flushing.flush_within(SHUTDOWN_FLUSH_TIMEOUT))
            .await
            .unwrap_or_else(|e| {
                Err(Error::Store {
                    path: store.path().to_owned(),
                    message: format!("the final flush failed: {e}"),
                })
            });
    let failure = shared.failure.lock().ok().and_then(|mut f| f.take());
    // The check-log writer holds the store until the last pipeline is gone: wait for it, so
    // the database is released when this returns.
    drop(shared);
    drop(tasks);
    let _ = tokio::time::timeout(SHUTDOWN_FLUSH_TIMEOUT, writer).await;
    match (failure, flushed) {
        (Some(message), flushed) => {
            if let Err(e) = flushed {
                tracing::warn!(error = %e, "final flush");
            }
            Err(Error::Store {
                path: store.path().to_owned(),
                message: format!("stopped: {message}"),
            })
        }
        (None, Err(e)) => Err(e),
        (None, Ok(())) => {
            tracing::info!("stopped");
            Ok(())
        }
    }
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
