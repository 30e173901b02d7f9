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
    /// Absolute base URL for links in feeds and Memento headers, and the one name besides
    /// the listen address the web UI answers to [default: http://ADDR unless ADDR is a
    /// wildcard address]
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
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
    let db = ctx.db_path(&config);
    if let Some(conninfo) = crate::store::pg::conninfo(&db) {
        let options = listen(&config, args).await?;
        return run_in_cluster(config, conninfo, options).await;
    }
    // A one-shot command holding the database lets go within moments; a long-running one
    // (`serve`) is named, with what to do instead.
    let (store, _holder) = ctx.take(&config, "emend daemon").await?.into_parts();
    let options = listen(&config, args).await?;
    daemon::run(Arc::new(config), store, options, super::signal::shutdown()).await?;
    Ok(())
}

/// `emend daemon` on PostgreSQL: one daemon of a cluster sharing the database's frontier.
async fn run_in_cluster(
    config: crate::config::Config,
    conninfo: &str,
    options: DaemonOptions,
) -> anyhow::Result<()> {
    let pg = crate::store::pg::Postgres::connect(conninfo).await?;
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "emend".into());
    let worker = format!("{host}-{}", std::process::id());
    daemon::cluster::run(
        Arc::new(config),
        pg,
        worker,
        options,
        super::signal::shutdown(),
    )
    .await?;
    Ok(())
}

/// The web UI's listener (`--listen`, else the config's `listen`) and its base URL.
async fn listen(
    config: &crate::config::Config,
    args: &DaemonArgs,
) -> anyhow::Result<DaemonOptions> {
    let Some(addr) = args.listen.or(config.crawler.listen) else {
        return Ok(DaemonOptions {
            listener: None,
            base_url: None,
        });
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let mut base_url = None;
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving the web UI on http://{addr}/");
        crate::web::warn_if_exposed(addr);
        base_url = args
            .base_url
            .clone()
            .or_else(|| (!addr.ip().is_unspecified()).then(|| format!("http://{addr}")));
    }
    Ok(DaemonOptions {
        listener: Some(listener),
        base_url,
    })
}

/// [`Error::NoConfig`] for the current directory.
pub(super) fn no_config() -> Error {
    Error::NoConfig {
        dir: std::env::current_dir().unwrap_or_else(|_| ".".into()),
    }
}
