//! `emend list`: tracked articles with their version count and last check.

use std::fmt::Write;

use clap::Args;

use super::Context;
use super::output::{print_json, print_text};
use crate::api::{ArticleJson, ListJson, rfc3339};

/// Arguments of `emend list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print one JSON object instead of a table
    #[arg(long)]
    pub json: bool,
}

/// Runs `emend list`.
pub async fn run(ctx: &Context, args: &ListArgs) -> anyhow::Result<()> {
    let all = ctx.reader("emend list").await?.articles().await?;
    if args.json {
        return print_json(&ListJson {
            articles: all.iter().map(ArticleJson::from).collect(),
        });
    }
    if all.is_empty() {
        return print_text(
            "no articles tracked yet (`emend snapshot URL` or `emend daemon` adds them)\n",
        );
    }
    let mut text = String::new();
    for a in &all {
        writeln!(
            text,
            "{:>13}  checked {}  {}",
            super::plural(u64::from(a.versions), "version", "versions"),
            a.last_checked.map_or_else(|| "never".to_owned(), rfc3339),
            a.url
        )?;
    }
    print_text(&text)
}
