//! `emend serve`: the read-only web interface over a database, until Ctrl-C or SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use super::Context;
use crate::config::Config;
use crate::error::Error;
use crate::fetch::Fetcher;
use crate::owner::{self, Access, Held, Holder, Needs, Owner, Remote, WebReply};
use crate::pipeline::Pipeline;
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

/// Serves the web UI until a signal: from this process, which then holds the database and
/// serves it to other commands too; or, when a long-running process (the daemon) holds it,
/// from that process, started and stopped by this one.
pub async fn run(ctx: &Context, args: &ServeArgs) -> anyhow::Result<()> {
    let config = Arc::new(ctx.config()?);
    let db = ctx.db_path(&config);
    if let Some(conninfo) = crate::store::pg::conninfo(&db) {
        return serve_postgres(conninfo, args).await;
    }
    match ctx
        .access(&config, "emend serve", false, true, Needs::Actions)
        .await?
    {
        Access::Held(held) => serve_here(config, &db, held, args).await,
        Access::Remote(remote) => serve_through(&db, &remote, args).await,
    }
}

async fn serve_here(
    config: Arc<Config>,
    db: &Path,
    held: Held,
    args: &ServeArgs,
) -> anyhow::Result<()> {
    let (store, _holder) = held.into_parts();
    let (listener, addr, base_url) = bind(args).await?;
    announce(addr, &db.display(), None)?;
    web::warn_if_exposed(addr);
    // Other commands go through this process while it holds the database; `snapshot` and
    // `watch` check with this fetcher.
    let fetcher = Fetcher::new(&config.crawler)?;
    let pipeline = Pipeline::new(config.clone(), fetcher, store.clone());
    let serving = owner::spawn(Arc::new(Owner::long_running(
        pipeline,
        config,
        "emend serve",
    )));
    let router = web::router(
        store,
        WebOptions {
            metrics: None,
            base_url,
        },
    );
    let served = web::serve_router(listener, router, super::signal::shutdown()).await;
    serving.stop().await;
    Ok(served?)
}

/// Serves the web UI over a PostgreSQL database: no process owns it, so any number of
/// `serve`s (and daemons) read it at once, and nothing else is served.
async fn serve_postgres(conninfo: &str, args: &ServeArgs) -> anyhow::Result<()> {
    let pg = crate::store::pg::Postgres::connect_existing(conninfo).await?;
    let (listener, addr, base_url) = bind(args).await?;
    // Its server and database, never the connection string (which may hold a password).
    announce(addr, &format!("postgres {}", pg.target()), None)?;
    web::warn_if_exposed(addr);
    let router = web::router(
        pg,
        WebOptions {
            metrics: None,
            base_url,
        },
    );
    Ok(web::serve_router(listener, router, super::signal::shutdown()).await?)
}

/// Listens on `--listen`: the listener, the address it bound and the base URL for links.
async fn bind(
    args: &ServeArgs,
) -> Result<(tokio::net::TcpListener, SocketAddr, Option<String>), Error> {
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
    Ok((listener, addr, base_url))
}

/// How often a `serve` running through another process checks that it is still there.
const OWNER_POLL: Duration = Duration::from_secs(2);

async fn serve_through(db: &Path, remote: &Remote, args: &ServeArgs) -> anyhow::Result<()> {
    let holder = remote.holder.describe();
    let mut path = format!("/web?listen={}", encode(&args.listen.to_string()));
    if let Some(base) = &args.base_url {
        path.push_str(&format!("&base_url={}", encode(base)));
    }
    let started: WebReply = remote.client.post(&path, &holder).await?;
    announce(started.addr, &db.display(), Some(&holder))?;
    let owner_gone = async {
        loop {
            tokio::time::sleep(OWNER_POLL).await;
            let hello: Result<Holder, Error> = remote
                .client
                .get("/hello", || Error::OwnerUnreachable {
                    socket: owner::socket_path(db),
                    message: "no /hello".into(),
                })
                .await;
            if hello.is_err() {
                return;
            }
        }
    };
    tokio::select! {
        () = super::signal::shutdown() => {
            let stop = format!("/web/stop?addr={}", encode(&started.addr.to_string()));
            let _: Result<bool, Error> = remote.client.post(&stop, &holder).await;
            Ok(())
        }
        () = owner_gone => Err(anyhow::anyhow!(
            "{holder} stopped, and the web UI it served with it; run `emend serve` again"
        )),
    }
}

/// Prints `listening on http://ADDR/ (database DB)`: tests and scripts read the bound port
/// from this first line.
fn announce(
    addr: SocketAddr,
    db: &dyn std::fmt::Display,
    through: Option<&str>,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match through {
        None => writeln!(out, "listening on http://{addr}/ (database {db})")?,
        Some(holder) => writeln!(
            out,
            "listening on http://{addr}/ (database {db}, served by {holder}, which holds it)"
        )?,
    }
    out.flush()?;
    Ok(())
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
