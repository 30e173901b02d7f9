//! `emend list`: tracked articles with their version count and last check.

use clap::Args;
use serde::Serialize;

use super::Context;
use super::output::{print_json, rfc3339};
use crate::model::ArticleRecord;

/// Page size when walking the whole store.
const PAGE: usize = 1000;

/// Arguments of `emend list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print one JSON object instead of a table
    #[arg(long)]
    pub json: bool,
}

/// `emend list --json` output; also the web API's shape.
#[derive(Debug, Serialize)]
pub struct ListJson<'a> {
    /// Tracked articles, by URL.
    pub articles: Vec<ArticleJson<'a>>,
}

/// One article in [`ListJson`].
#[derive(Debug, Serialize)]
pub struct ArticleJson<'a> {
    /// Canonical URL.
    pub url: &'a str,
    /// Site name from sites.toml, if discovered through one.
    pub site: Option<&'a str>,
    /// Title of the latest version.
    pub title: Option<&'a str>,
    /// Stored versions.
    pub versions: u32,
    /// RFC 3339 time of the last check.
    pub last_checked: Option<String>,
    /// RFC 3339 time of the last stored version.
    pub last_changed: Option<String>,
}

impl<'a> From<&'a ArticleRecord> for ArticleJson<'a> {
    fn from(a: &'a ArticleRecord) -> Self {
        ArticleJson {
            url: &a.url,
            site: a.site.as_deref(),
            title: a.title.as_deref(),
            versions: a.versions,
            last_checked: a.last_checked.map(rfc3339),
            last_changed: a.last_changed.map(rfc3339),
        }
    }
}

/// Runs `emend list`.
pub fn run(ctx: &Context, args: &ListArgs) -> anyhow::Result<()> {
    let store = ctx.open_store()?;
    let mut all: Vec<ArticleRecord> = Vec::new();
    loop {
        let after = all.last().map(|a| a.url.clone());
        let page = store.list(after.as_deref(), PAGE)?;
        let done = page.len() < PAGE;
        all.extend(page);
        if done {
            break;
        }
    }
    if args.json {
        return print_json(&ListJson {
            articles: all.iter().map(ArticleJson::from).collect(),
        });
    }
    for a in &all {
        println!(
            "{:>4} versions  checked {}  {}",
            a.versions,
            a.last_checked.map_or_else(|| "never".to_owned(), rfc3339),
            a.url
        );
    }
    Ok(())
}
