//! `emend serve`: the read-only web interface over a database, until Ctrl-C or SIGTERM.

use std::io::Write;
use std::net::SocketAddr;

use clap::Args;

use super::Context;
use crate::error::Error;
use crate::store::Store;
use crate::web::{self, WebOptions};

/// Arguments of `emend serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; loopback by default, anything else is your explicit choice
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Absolute base URL for links in feeds and Memento headers, and the one name besides
    /// the listen address the server answers to [default: http://ADDR unless ADDR is a
    /// wildcard address]
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

/// Opens the database, binds, prints `listening on http://ADDR/` and serves until a
/// signal. A database held by a running daemon is refused with the store's "in use"
/// error, which points at `emend daemon --listen`.
pub async fn run(ctx: &Context, args: &ServeArgs) -> anyhow::Result<()> {
    let config = ctx.config()?;
    let db = ctx.db_path(&config);
    let store = Store::open(&db)?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| Error::Network {
            url: format!("http://{}/", args.listen),
            message: format!("cannot listen: {e}"),
        })?;
    let addr = listener.local_addr().map_err(|e| Error::Network {
        url: format!("http://{}/", args.listen),
        message: format!("cannot read the bound address: {e}"),
    })?;
    let base_url = args
        .base_url
        .clone()
        .or_else(|| (!addr.ip().is_unspecified()).then(|| format!("http://{addr}")));
    // Tests and scripts read the bound port from this first line.
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "listening on http://{addr}/ (database {})",
        db.display()
    )?;
    out.flush()?;
    drop(out);
    web::warn_if_exposed(addr);
    let router = web::router(
        store,
        WebOptions {
            metrics: None,
            base_url,
        },
    );
    web::serve_router(listener, router, super::signal::shutdown()).await?;
    Ok(())
}
