//! `emend snapshot`: fetch one URL now and store a version if anything changed.

use std::fmt::Write;
use std::sync::Arc;

use clap::Args;
use serde::Serialize;

use super::Context;
use super::output::{print_json, print_text};
use crate::fetch::{Fetcher, parse_article_url};
use crate::owner::{self, Access, Needs, Owner, SnapshotReply, actions};
use crate::pipeline::Pipeline;

/// Arguments of `emend snapshot`.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Article URL (http or https)
    pub url: String,
    /// Print one JSON object
    #[arg(long)]
    pub json: bool,
    /// Fetch even if robots.txt disallows it
    #[arg(long)]
    pub ignore_robots: bool,
    /// Store the page even when it has no article body (main text under 50 words)
    #[arg(long)]
    pub force: bool,
}

/// `emend snapshot --json` output.
#[derive(Debug, Serialize)]
struct SnapshotJson<'a> {
    url: &'a str,
    title: Option<&'a str>,
    byline: Option<&'a str>,
    published: Option<&'a str>,
    last_update: Option<&'a str>,
    text: &'a str,
    version: Option<u32>,
    change: &'static str,
}

/// Runs `emend snapshot`: here, or through the long-running process (daemon, serve) that
/// holds the database, with its politeness. While the check runs here, other commands read
/// through this process's socket.
pub async fn run(ctx: &Context, args: &SnapshotArgs) -> anyhow::Result<()> {
    let url = parse_article_url(&args.url)?;
    if crate::urlnorm::parse_pasted(&args.url).is_ok_and(|p| p.assumed_https) {
        eprintln!("emend: {:?} has no scheme; trying {url}", args.url);
    }
    let config = ctx.config()?;
    let db = ctx.db_path(&config);
    if let Some(conninfo) = crate::store::pg::conninfo(&db) {
        // Any number of processes share PostgreSQL: this one checks and commits itself, and
        // the database keeps one version per state whoever commits.
        let pg = crate::store::pg::Postgres::connect(conninfo).await?;
        let fetcher = Fetcher::new(&config.crawler)?;
        let pipeline = Pipeline::new(Arc::new(config), fetcher, pg);
        let report = actions::snapshot(&pipeline, &url, args.ignore_robots, args.force).await?;
        return print(&report, args.json);
    }
    let access = ctx
        .access(&config, "emend snapshot", true, false, Needs::Actions)
        .await?;
    let report = match access {
        Access::Held(held) => {
            let (store, _holder) = held.into_parts();
            let fetcher = Fetcher::new(&config.crawler)?;
            let pipeline = Pipeline::new(Arc::new(config), fetcher, store.clone());
            let serving = owner::spawn(Arc::new(Owner::reads_only(store, "emend snapshot")));
            let report = actions::snapshot(&pipeline, &url, args.ignore_robots, args.force).await;
            serving.stop().await;
            report?
        }
        Access::Remote(remote) => {
            let query: String =
                url::form_urlencoded::byte_serialize(url.as_str().as_bytes()).collect();
            let path = format!(
                "/snapshot?url={query}&ignore_robots={}&force={}",
                args.ignore_robots, args.force
            );
            remote.client.post(&path, &remote.holder.describe()).await?
        }
    };
    print(&report, args.json)
}

fn print(report: &SnapshotReply, json: bool) -> anyhow::Result<()> {
    if json {
        print_json(&to_json(report))
    } else {
        print_human(report)
    }
}

fn to_json(r: &SnapshotReply) -> SnapshotJson<'_> {
    let a = r.version.as_ref().map(|v| &v.article);
    SnapshotJson {
        url: &r.url,
        title: a.and_then(|a| a.title.as_deref()),
        byline: a.and_then(|a| a.byline.as_deref()),
        published: a.and_then(|a| a.published.as_deref()),
        last_update: a.and_then(|a| a.last_update.as_deref()),
        text: a.map_or("", |a| a.text.as_str()),
        version: r.version.as_ref().map(|v| v.number),
        change: r.change.as_str(),
    }
}

fn print_human(r: &SnapshotReply) -> anyhow::Result<()> {
    let version = r
        .version
        .as_ref()
        .map_or_else(|| "-".to_owned(), |v| v.number.to_string());
    let mut text = format!("{}: {} (version {version})\n", r.url, r.change.as_str());
    if let Some(a) = r.version.as_ref().map(|v| &v.article) {
        let field = |v: &Option<String>| v.as_deref().unwrap_or("-").to_owned();
        writeln!(text, "title:       {}", field(&a.title))?;
        writeln!(text, "byline:      {}", field(&a.byline))?;
        writeln!(text, "published:   {}", field(&a.published))?;
        writeln!(text, "last update: {}", field(&a.last_update))?;
        writeln!(text, "words:       {}", crate::diff::word_count(&a.text))?;
    }
    print_text(&text)
}
