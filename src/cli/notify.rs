//! `emend notify test NAME` and `emend notify status`: try a target, see the outbox.

use std::fmt::Write;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde::Serialize;

use super::Context;
use super::output::{print_json, print_text};
use crate::api::rfc3339;
use crate::fetch::Poster;
use crate::notify::ChangeMessage;
use crate::store::Delivery;

/// Arguments of `emend notify`.
#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: NotifyCommand,
}

/// The `emend notify` subcommands.
#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Send a sample change (a made-up silent edit) through one [[notify]] target now
    Test {
        /// The target's `name` in the config
        name: String,
    },
    /// List notifications still pending and those given up, with their last error
    Status {
        /// Print one JSON object instead of a table
        #[arg(long)]
        json: bool,
    },
}

/// `emend notify status --json`.
#[derive(Debug, Serialize)]
struct StatusJson<'a> {
    pending: &'a [Delivery],
    failed: &'a [Delivery],
}

/// Runs `emend notify`.
pub async fn run(ctx: &Context, args: &NotifyArgs) -> anyhow::Result<()> {
    match &args.command {
        NotifyCommand::Test { name } => test(ctx, name).await,
        NotifyCommand::Status { json } => status(ctx, *json).await,
    }
}

async fn test(ctx: &Context, name: &str) -> anyhow::Result<()> {
    let config = ctx.config()?;
    let Some(target) = config.notify.iter().find(|t| t.name == name) else {
        let known: Vec<&str> = config.notify.iter().map(|t| t.name.as_str()).collect();
        anyhow::bail!("no [[notify]] named {name:?} in the config (configured: {known:?})");
    };
    let poster = Poster::new(&config.crawler.user_agent, config.crawler.timeout)?;
    let message = ChangeMessage::sample(target.base_url.as_ref());
    crate::notify::send(&poster, target, &message)
        .await
        .with_context(|| format!("sending a test message to {name:?}"))?;
    print_text(&format!(
        "sent a test message to {name:?} ({})\n",
        target.kind.as_str()
    ))
}

/// Reads the outbox directly, or through the daemon while it holds the database.
async fn status(ctx: &Context, json: bool) -> anyhow::Result<()> {
    let mut reader = ctx.reader("emend notify status").await?;
    let pending = reader.deliveries(false).await?;
    let failed = reader.deliveries(true).await?;
    if json {
        return print_json(&StatusJson {
            pending: &pending,
            failed: &failed,
        });
    }
    let mut out = format!("{} pending, {} failed\n", pending.len(), failed.len());
    for (label, list) in [("pending", &pending), ("failed", &failed)] {
        for d in list {
            writeln!(
                out,
                "{label:<7}  {:<16}  {}  {} v{} ({})  attempts {}  {}",
                d.target,
                rfc3339(d.queued_at),
                d.url,
                d.version,
                d.change,
                d.attempts,
                d.last_error.as_deref().unwrap_or("-"),
            )?;
        }
    }
    print_text(&out)
}
