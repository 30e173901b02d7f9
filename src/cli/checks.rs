//! `emend checks`: an article's check log, newest first — when emend looked and what it found.

use std::fmt::Write;

use clap::Args;

use super::Context;
use super::output::{print_json, print_text};
use crate::api::{CheckJson, ChecksJson, rfc3339};
use crate::model::{Check, CheckOutcome};

/// Arguments of `emend checks`.
#[derive(Debug, Args)]
pub struct ChecksArgs {
    /// Article URL (an alias such as a pre-redirect URL also works)
    pub url: String,
    /// At most this many checks, newest first
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Print one JSON object instead of a table
    #[arg(long)]
    pub json: bool,
}

/// Runs `emend checks`.
pub async fn run(ctx: &Context, args: &ChecksArgs) -> anyhow::Result<()> {
    let (url, checks) = ctx
        .reader("emend checks")
        .await?
        .checks(&args.url, args.limit)
        .await?;
    if args.json {
        return print_json(&ChecksJson {
            url: &url,
            checks: checks.iter().map(CheckJson::from).collect(),
        });
    }
    let mut text = format!("{url}\n");
    for c in &checks {
        writeln!(text, "{}", line(c))?;
    }
    print_text(&text)
}

/// One check as a table row: time, status, fetch time, outcome.
fn line(c: &Check) -> String {
    let status = c.status.map_or_else(|| "-".to_owned(), |s| s.to_string());
    let outcome = match &c.outcome {
        CheckOutcome::Checked {
            change,
            version: Some(n),
        } => format!("{} (version {n})", change.as_str()),
        CheckOutcome::Failed { error } => format!("{}: {error}", c.outcome.word()),
        other => other.word().to_owned(),
    };
    format!(
        "{}  {status:>3}  {:>6} ms  {outcome}",
        rfc3339(c.at),
        c.elapsed_ms
    )
}
