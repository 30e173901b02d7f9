//! `emend history`: the stored versions of one article, oldest first.

use std::fmt::Write;

use clap::Args;

use super::Context;
use super::output::{print_json, print_text};
use crate::api::{HistoryJson, rfc3339};
use crate::diff::change_labels;

/// Arguments of `emend history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Article URL (an alias such as a pre-redirect URL also works)
    pub url: String,
    /// Print one JSON object instead of a table
    #[arg(long)]
    pub json: bool,
}

/// Runs `emend history`.
pub async fn run(ctx: &Context, args: &HistoryArgs) -> anyhow::Result<()> {
    let (url, versions) = ctx
        .reader("emend history")
        .await?
        .versions(&args.url)
        .await?;
    if args.json {
        return print_json(&HistoryJson::new(&url, &versions));
    }
    let mut text = format!("{url}\n");
    let mut prev = None;
    for v in &versions {
        writeln!(
            text,
            "{:>4}  {}  stamp {:<25}  {:<15}  {}",
            v.number,
            rfc3339(v.fetched_at),
            v.article.last_update.as_deref().unwrap_or("-"),
            v.change.as_str(),
            change_labels(prev, v).join(", "),
        )?;
        prev = Some(v);
    }
    print_text(&text)
}
