//! `emend verify`: check every stored body and reference; exit 1 on damage.

use std::fmt::Write;

use clap::Args;

use super::Context;
use super::output::{print_json, print_text};
use crate::owner::{Access, Needs};

/// Arguments of `emend verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Fix what can be fixed without losing anything (counters, aliases to nothing)
    #[arg(long)]
    pub repair: bool,
    /// Print the report as one JSON object
    #[arg(long)]
    pub json: bool,
}

/// Runs `emend verify`: exit 0 when nothing is wrong (or all of it was repaired), else 1.
pub async fn run(ctx: &Context, args: &VerifyArgs) -> anyhow::Result<()> {
    let config = ctx.config()?;
    let db = ctx.db_path(&config);
    let report = match crate::store::pg::conninfo(&db) {
        // No counters to repair on PostgreSQL (see store/pg/verify.rs): --repair only checks.
        Some(conninfo) => {
            let pg = crate::store::pg::Postgres::connect_existing(conninfo).await?;
            pg.verify().await?
        }
        _ => verify_sled(ctx, &config, args.repair).await?,
    };
    if args.json {
        print_json(&report)?;
    } else {
        let mut text = String::new();
        for d in &report.damage {
            let fixed = if d.repaired { " (repaired)" } else { "" };
            writeln!(text, "{}: {}{fixed}", d.key, d.problem)?;
        }
        writeln!(
            text,
            "checked {} bodies, {} articles, {} versions, {} checks: {}",
            report.bodies,
            report.articles,
            report.versions,
            report.checks,
            match report.damage.len() {
                0 => "all sound".to_owned(),
                n => super::plural(n as u64, "problem", "problems"),
            }
        )?;
        print_text(&text)?;
    }
    if report.damaged() {
        anyhow::bail!("the database is damaged (see above)");
    }
    Ok(())
}

/// Verifies (and with `repair`, repairs) the sled database, which this process must hold.
async fn verify_sled(
    ctx: &Context,
    config: &crate::config::Config,
    repair: bool,
) -> anyhow::Result<crate::store::VerifyReport> {
    let (store, _holder) = match ctx
        .access(config, "emend verify", false, false, Needs::Actions)
        .await?
    {
        Access::Held(held) => held.into_parts(),
        Access::Remote(remote) => anyhow::bail!(
            "{}: held by {}; verify reads the database itself: stop that process first",
            ctx.db_path(config).display(),
            remote.holder.describe()
        ),
    };
    Ok(tokio::task::spawn_blocking(move || store.verify(repair)).await??)
}
