//! `emend watch`: check a URL now and have the daemon re-check it on its schedule, or stop.

use std::fmt::Write;
use std::sync::Arc;

use chrono::Utc;
use clap::Args;

use super::Context;
use super::output::{print_json, print_text};
use crate::api::{WatchJson, rfc3339};
use crate::daemon::local_api;
use crate::daemon::watchlist::{self, FirstCheck};
use crate::error::Error;
use crate::fetch::local::LocalClient;
use crate::fetch::{Fetcher, parse_article_url};
use crate::pipeline::{CheckOptions, Pipeline};
use crate::store::{ScheduleState, Store};

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

/// Runs `emend watch`.
pub async fn run(ctx: &Context, args: &WatchArgs) -> anyhow::Result<()> {
    let url = parse_article_url(&args.url)?;
    let config = Arc::new(ctx.config()?);
    let db = ctx.db_path(&config);
    // (article, its schedule, asked through a running daemon, whether a --stop found it)
    let (key, state, by_daemon, was_watched) = match Store::open(&db) {
        Ok(store) if args.stop => {
            let found = watchlist::unwatch(&store, url.as_str())?;
            (url.to_string(), None, false, found)
        }
        Ok(store) => {
            // Checked now, as `snapshot` does: a URL that cannot be read fails here, not
            // later in the daemon's log.
            let fetcher = Fetcher::new(&config.crawler)?;
            let pipeline = Pipeline::new(config.clone(), fetcher, store.clone());
            let report = pipeline.check(&url, CheckOptions::default()).await?;
            // Re-checks go where the page answered, as the daemon's own do.
            let at = report
                .version
                .as_ref()
                .and_then(|v| url::Url::parse(&v.fetched_url).ok())
                .unwrap_or_else(|| url.clone());
            let now = Utc::now();
            let state = watchlist::watch(&store, &config, &at, now, FirstCheck::AfterInterval)?;
            (report.url, Some(state), false, true)
        }
        Err(Error::StoreInUse { path }) => {
            let socket = local_api::socket_path(&path);
            if !socket.exists() {
                return Err(Error::StoreInUse { path }.into());
            }
            let client = LocalClient::new(&socket)?;
            let query: String =
                url::form_urlencoded::byte_serialize(url.as_str().as_bytes()).collect();
            if args.stop {
                let found: bool = client.post(&format!("/unwatch?url={query}")).await?;
                (url.to_string(), None, true, found)
            } else {
                let state: ScheduleState = client.post(&format!("/watch?url={query}")).await?;
                (url.to_string(), Some(state), true, true)
            }
        }
        Err(e) => return Err(e.into()),
    };
    if args.json {
        return print_json(&WatchJson::new(&key, state.as_ref()));
    }
    let mut text = String::new();
    match &state {
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
