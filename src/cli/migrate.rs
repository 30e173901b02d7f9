//! `emend migrate`: copy a sled database into PostgreSQL and verify the copy.

use std::fmt::Write;
use std::path::PathBuf;

use clap::Args;

use super::output::{print_json, print_text};
use crate::store::Store;
use crate::store::pg::{self, Postgres};

/// Arguments of `emend migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The sled database directory to copy (read only; no other emend process may hold it)
    #[arg(long, value_name = "DIR")]
    pub from: PathBuf,
    /// The PostgreSQL database to copy into: a `postgres://` URL or `key=value` pairs
    #[arg(long, value_name = "CONNINFO")]
    pub to: String,
    /// Print the report as one JSON object
    #[arg(long)]
    pub json: bool,
}

/// Runs `emend migrate`: exit 0 when everything was copied and read back equal.
pub async fn run(args: &MigrateArgs) -> anyhow::Result<()> {
    let store = Store::open_existing(&args.from)?;
    let target = Postgres::connect(&args.to).await?;
    let report = pg::copy(&store, &target).await?;
    if args.json {
        return print_json(&report);
    }
    let mut text = String::new();
    writeln!(
        text,
        "copied {} articles ({} versions, {} bodies, {} checks, {} aliases, {} scheduled, \
         {} notifications) from {} to {}",
        report.articles,
        report.versions,
        report.bodies,
        report.checks,
        report.aliases,
        report.scheduled,
        report.deliveries,
        args.from.display(),
        target.target()
    )?;
    if report.skipped > 0 {
        writeln!(
            text,
            "{} articles were already there and were left as they were",
            report.skipped
        )?;
    }
    writeln!(
        text,
        "verified: {} articles read back equal to the source",
        report.verified
    )?;
    print_text(&text)
}
