//! `emend import`: pages from other crawlers' WARC files into the history.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::Context;
use crate::fetch::Fetcher;
use crate::import::{ImportReport, import_warcs};
use crate::owner::{Access, Needs};
use crate::pipeline::Pipeline;

/// Arguments of `emend import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// WARC files (WARC/1.0 or 1.1, gzipped per record, whole, or not at all)
    #[arg(long = "warc", value_name = "FILE", num_args = 1.., required = true)]
    pub files: Vec<PathBuf>,
    /// Print the report as one JSON object
    #[arg(long)]
    pub json: bool,
}

/// Runs `emend import`. Exits 0 when every record was read, 1 when some were reported and
/// skipped (what could be imported is stored either way).
pub async fn run(ctx: &Context, args: &ImportArgs) -> anyhow::Result<()> {
    let config = ctx.config()?;
    let db = ctx.db_path(&config);
    if let Some(conninfo) = crate::store::pg::conninfo(&db) {
        // Every version is committed in its own transaction: nothing to flush after.
        let pg = crate::store::pg::Postgres::connect(conninfo).await?;
        let fetcher = Fetcher::new(&config.crawler)?;
        let max_body = config.crawler.max_body;
        let pipeline = Pipeline::new(Arc::new(config), fetcher, pg);
        let report = import_warcs(&pipeline, &args.files, max_body).await?;
        return report_on(&report, args.json);
    }
    let (store, _holder) = match ctx
        .access(&config, "emend import", true, false, Needs::Actions)
        .await?
    {
        Access::Held(held) => held.into_parts(),
        Access::Remote(remote) => anyhow::bail!(
            "{}: held by {}; import writes the database itself: stop that process first",
            ctx.db_path(&config).display(),
            remote.holder.describe()
        ),
    };
    let max_body = config.crawler.max_body;
    let fetcher = Fetcher::new(&config.crawler)?;
    let pipeline = Pipeline::new(Arc::new(config), fetcher, store);
    let report = import_warcs(&pipeline, &args.files, max_body).await?;
    pipeline.store().flush()?;
    report_on(&report, args.json)
}

/// Prints the report; an error when some records could not be imported.
fn report_on(report: &ImportReport, json: bool) -> anyhow::Result<()> {
    if json {
        super::output::print_json(report)?;
    } else {
        for p in &report.problems {
            eprintln!("emend: skipped {p}");
        }
        eprintln!(
            "{} records read: {} HTML pages, {} new versions, {} unchanged, {} older than the stored history",
            report.records, report.pages, report.versions, report.unchanged, report.older
        );
    }
    if !report.problems.is_empty() {
        anyhow::bail!(
            "{} records could not be imported (listed above)",
            report.problems.len()
        );
    }
    Ok(())
}
