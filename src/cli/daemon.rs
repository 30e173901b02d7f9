//! `emend daemon`: crawl the configured sites until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;

use super::Context;
use crate::daemon::{self, DaemonOptions};
use crate::error::Error;

/// Arguments of `emend daemon`.
#[derive(Debug, Args)]
pub struct DaemonArgs {
    /// Also serve the read-only web UI and JSON API here (e.g. 127.0.0.1:8080) [default: `listen` in the config]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
}

/// Runs `emend daemon`.
pub async fn run(ctx: &Context, args: &DaemonArgs) -> anyhow::Result<()> {
    let config = ctx.config()?;
    if config.path.is_none() {
        return Err(no_config().into());
    }
    if config.sites.is_empty() {
        let file = config
            .path
            .clone()
            .unwrap_or_else(|| super::DEFAULT_CONFIG.into());
        return Err(Error::Config {
            file,
            line: 1,
            column: 1,
            message: "no [[site]] configured: nothing to watch (pass --config FILE)".into(),
        }
        .into());
    }
    let store = open_when_free(&ctx.db_path(&config)).await?;
    let listener = match args.listen.or(config.crawler.listen) {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr}"))?,
        ),
        None => None,
    };
    let mut base_url = None;
    if let Some(l) = &listener
        && let Ok(addr) = l.local_addr()
    {
        tracing::info!(%addr, "serving the web UI on http://{addr}/");
        base_url = (!addr.ip().is_unspecified()).then(|| format!("http://{addr}"));
    }
    daemon::run(
        Arc::new(config),
        store,
        DaemonOptions { listener, base_url },
        super::signal::shutdown(),
    )
    .await?;
    Ok(())
}

/// [`Error::NoConfig`] for the current directory.
pub(super) fn no_config() -> Error {
    Error::NoConfig {
        dir: std::env::current_dir().unwrap_or_else(|_| ".".into()),
    }
}

/// How long the daemon waits for a short-lived reader (`emend history`…) to release the db.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Opens the store, waiting out a reader that holds it for a moment; a database still in
/// use after [`LOCK_WAIT`] (another daemon, a `serve`) is the usual "in use" error.
async fn open_when_free(path: &std::path::Path) -> Result<crate::store::Store, Error> {
    let started = std::time::Instant::now();
    loop {
        match crate::store::Store::open(path) {
            Err(Error::StoreInUse { .. }) if started.elapsed() < LOCK_WAIT => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            other => return other,
        }
    }
}
