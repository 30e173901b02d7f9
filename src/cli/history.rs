//! `emend history`: the stored versions of one article, oldest first.

use clap::Args;
use serde::Serialize;

use super::Context;
use super::output::print_json;
use crate::model::Version;

/// Arguments of `emend history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Article URL (an alias such as a pre-redirect URL also works)
    pub url: String,
    /// Print one JSON object instead of a table
    #[arg(long)]
    pub json: bool,
}

/// `emend history --json` output; also the web API's shape.
#[derive(Debug, Serialize)]
pub struct HistoryJson<'a> {
    /// Canonical URL of the article.
    pub url: &'a str,
    /// Versions, oldest first.
    pub versions: Vec<VersionJson<'a>>,
}

/// One version in [`HistoryJson`].
#[derive(Debug, Serialize)]
pub struct VersionJson<'a> {
    /// 1-based version number.
    pub version: u32,
    /// RFC 3339 fetch time.
    pub fetched_at: String,
    /// The article's own stamp.
    pub last_update: Option<&'a str>,
    /// Change kind relative to the previous version.
    pub change: &'static str,
    /// Headline.
    pub title: Option<&'a str>,
    /// Main text.
    pub text: &'a str,
    /// Words inserted relative to the previous version.
    pub words_added: u32,
    /// Words deleted relative to the previous version.
    pub words_removed: u32,
}

impl<'a> HistoryJson<'a> {
    /// Builds the JSON shape from stored versions.
    pub fn new(url: &'a str, versions: &'a [Version]) -> Self {
        HistoryJson {
            url,
            versions: versions.iter().map(VersionJson::from).collect(),
        }
    }
}

impl<'a> From<&'a Version> for VersionJson<'a> {
    fn from(v: &'a Version) -> Self {
        VersionJson {
            version: v.number,
            fetched_at: super::output::rfc3339(v.fetched_at),
            last_update: v.article.last_update.as_deref(),
            change: v.change.as_str(),
            title: v.article.title.as_deref(),
            text: &v.article.text,
            words_added: v.words_added,
            words_removed: v.words_removed,
        }
    }
}

/// Runs `emend history`.
pub fn run(ctx: &Context, args: &HistoryArgs) -> anyhow::Result<()> {
    let store = ctx.open_store()?;
    let (url, versions) = super::tracked_versions(&store, &args.url)?;
    if args.json {
        return print_json(&HistoryJson::new(&url, &versions));
    }
    println!("{url}");
    for v in &versions {
        println!(
            "{:>4}  {}  stamp {:<25}  {:<15}  +{} -{}",
            v.number,
            super::output::rfc3339(v.fetched_at),
            v.article.last_update.as_deref().unwrap_or("-"),
            v.change.as_str(),
            v.words_added,
            v.words_removed,
        );
    }
    Ok(())
}
