//! `emend forget`: remove an article and its whole history (a page snapshotted by mistake),
//! after a confirmation or `--yes`; through the running daemon when one holds the database.

use std::io::{BufRead, IsTerminal, Write};

use clap::Args;

use super::Context;
use super::output::{print_json, print_text};
use crate::error::Error;
use crate::owner::{Access, Needs};
use crate::store::Forgotten;

/// Arguments of `emend forget`.
#[derive(Debug, Args)]
pub struct ForgetArgs {
    /// Article URL, or any URL it is known under
    pub url: String,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Print one JSON object
    #[arg(long)]
    pub json: bool,
}

/// Runs `emend forget`.
pub async fn run(ctx: &Context, args: &ForgetArgs) -> anyhow::Result<()> {
    let config = ctx.config()?;
    if !args.yes && !confirm(&args.url)? {
        anyhow::bail!("{}: not forgotten", args.url);
    }
    let not_tracked = || Error::NotTracked {
        url: args.url.clone(),
    };
    let db = ctx.db_path(&config);
    if let Some(conninfo) = crate::store::pg::conninfo(&db) {
        let pg = crate::store::pg::Postgres::connect_existing(conninfo).await?;
        let forgotten = pg.forget(&args.url).await?.ok_or_else(not_tracked)?;
        return report(&forgotten, args.json);
    }
    // Never creates a database: there is nothing to forget in a new one.
    let access = ctx
        .access(&config, "emend forget", false, false, Needs::Actions)
        .await?;
    let forgotten: Forgotten = match access {
        Access::Held(held) => {
            let (store, _holder) = held.into_parts();
            store.forget(&args.url)?.ok_or_else(not_tracked)?
        }
        Access::Remote(remote) => {
            let query: String = url::form_urlencoded::byte_serialize(args.url.as_bytes()).collect();
            let found: Option<Forgotten> = remote
                .client
                .post(&format!("/forget?url={query}"), &remote.holder.describe())
                .await?;
            found.ok_or_else(not_tracked)?
        }
    };
    report(&forgotten, args.json)
}

/// Prints what was removed.
fn report(forgotten: &Forgotten, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(forgotten);
    }
    print_text(&format!(
        "{}: forgotten ({}, {})\n",
        forgotten.url,
        super::plural(u64::from(forgotten.versions), "version", "versions"),
        super::plural(forgotten.checks, "check", "checks"),
    ))
}

/// Asks on the terminal; without one, `--yes` is required.
fn confirm(url: &str) -> anyhow::Result<bool> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        anyhow::bail!("{url}: not forgotten: pass --yes to confirm (stdin is not a terminal)");
    }
    let mut err = std::io::stderr().lock();
    write!(err, "Forget {url} and its whole history? [y/N] ")?;
    err.flush()?;
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}
