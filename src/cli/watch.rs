//! `emend watch`: check a URL now and have the daemon re-check it on its schedule, or stop.

use std::fmt::Write;
use std::sync::Arc;

use clap::Args;

use super::Context;
use super::output::{print_json, print_text};
use crate::api::{WatchJson, rfc3339};
use crate::fetch::{Fetcher, parse_article_url};
use crate::owner::{self, Access, Needs, Owner, WatchReply, actions};
use crate::pipeline::Pipeline;
use crate::store::ScheduleState;
use crate::store::pg::Postgres;
use crate::watchlist;

/// Arguments of `emend watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Article URL (http or https)
    pub url: String,
    /// Stop re-checking it (its history stays)
    #[arg(long)]
    pub stop: bool,
    /// Print one JSON object
    #[arg(long)]
    pub json: bool,
}

/// Runs `emend watch`: here, or through the long-running process (daemon, serve) that
/// holds the database.
pub async fn run(ctx: &Context, args: &WatchArgs) -> anyhow::Result<()> {
    let url = parse_article_url(&args.url)?;
    let config = Arc::new(ctx.config()?);
    let db = ctx.db_path(&config);
    if let Some(conninfo) = crate::store::pg::conninfo(&db) {
        // No owner on PostgreSQL: the frontier row is the request; whichever daemon leases
        // the host checks it.
        let pg = Postgres::connect(conninfo).await?;
        let (key, state, found) = if args.stop {
            let found = watchlist::unwatch(&pg, url.as_str()).await?;
            (url.to_string(), None, found)
        } else {
            let pipeline = Pipeline::new(config.clone(), Fetcher::new(&config.crawler)?, pg);
            let reply = actions::watch_checked(&pipeline, &config, &url).await?;
            (reply.url, Some(reply.state), true)
        };
        return report(&key, state.as_ref(), false, found, args.json);
    }
    let access = ctx
        .access(&config, "emend watch", true, false, Needs::Actions)
        .await?;
    // (article, its schedule, asked through a running daemon, whether a --stop found it)
    let (key, state, by_daemon, was_watched) = match access {
        Access::Held(held) => {
            let (store, _holder) = held.into_parts();
            if args.stop {
                let found = watchlist::unwatch(&store, url.as_str()).await?;
                (url.to_string(), None, false, found)
            } else {
                let fetcher = Fetcher::new(&config.crawler)?;
                let pipeline = Pipeline::new(config.clone(), fetcher, store.clone());
                let serving = owner::spawn(Arc::new(Owner::reads_only(store, "emend watch")));
                let reply = actions::watch_checked(&pipeline, &config, &url).await;
                serving.stop().await;
                let reply = reply?;
                (reply.url, Some(reply.state), false, true)
            }
        }
        Access::Remote(remote) => {
            let query: String =
                url::form_urlencoded::byte_serialize(url.as_str().as_bytes()).collect();
            let holder = remote.holder.describe();
            let by_daemon = remote.holder.command == "emend daemon";
            if args.stop {
                let path = format!("/unwatch?url={query}");
                let found: bool = remote.client.post(&path, &holder).await?;
                (url.to_string(), None, by_daemon, found)
            } else {
                let path = format!("/watch?url={query}");
                let reply: WatchReply = remote.client.post(&path, &holder).await?;
                (reply.url, Some(reply.state), by_daemon, true)
            }
        }
    };
    report(&key, state.as_ref(), by_daemon, was_watched, args.json)
}

/// Prints the schedule `key` now has (`state`), or that it has none.
fn report(
    key: &str,
    state: Option<&ScheduleState>,
    by_daemon: bool,
    was_watched: bool,
    json: bool,
) -> anyhow::Result<()> {
    if json {
        return print_json(&WatchJson::new(key, state));
    }
    let mut text = String::new();
    match state {
        None if was_watched => writeln!(text, "{key}: no longer watched (its history stays)")?,
        None => writeln!(text, "{key}: was not being watched")?,
        Some(s) => {
            let next = s.next_due.map_or_else(|| "-".to_owned(), rfc3339);
            let until = s.track_until.map_or_else(|| "-".to_owned(), rfc3339);
            let who = if by_daemon {
                "the running daemon checks it"
            } else {
                "`emend daemon` checks it"
            };
            writeln!(
                text,
                "{key}: watched; {who} next at {next}, then every {} at first (wider while unchanged), until {until}",
                humantime::format_duration(std::time::Duration::from_secs(s.interval_secs))
            )?;
        }
    }
    print_text(&text)
}
