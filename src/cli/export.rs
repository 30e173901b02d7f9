//! `emend export`: the stored history out as WARC (for archives and replay tools), or as
//! JSON Lines or CSV (one row per version, for datasets).

use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use clap::Args;

use super::Context;
use crate::export::{Format, Selection, export_dataset, export_warc};
use crate::owner::holder::HolderRecord;
use crate::owner::{Access, Needs};
use crate::store::ArchiveRead;
use crate::store::pg::Postgres;

/// Arguments of `emend export`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("format").required(true).args(["warc", "jsonl", "csv"]))]
pub struct ExportArgs {
    /// Write WARC/1.1 (one gzip member per record) to FILE (conventionally `.warc.gz`)
    #[arg(long, value_name = "FILE")]
    pub warc: Option<PathBuf>,
    /// Write one JSON object per version to FILE (`-`: standard output)
    #[arg(long, value_name = "FILE")]
    pub jsonl: Option<PathBuf>,
    /// Write one CSV row per version, with a header row, to FILE (`-`: standard output)
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Only these articles (any URL of each)
    #[arg(value_name = "URL")]
    pub urls: Vec<String>,
    /// Only the articles of this site
    #[arg(long, value_name = "NAME")]
    pub site: Option<String>,
    /// Only versions and checks at or after this time (RFC 3339, or a date: 2026-11-28)
    #[arg(long, value_name = "TIME", value_parser = parse_since)]
    pub since: Option<DateTime<Utc>>,
    /// Print the WARC export's counts as one JSON object
    #[arg(long, requires = "warc")]
    pub json: bool,
}

/// Parses `--since`: an RFC 3339 time or a date (its midnight UTC).
fn parse_since(s: &str) -> Result<DateTime<Utc>, String> {
    crate::warc::parse_date(s).ok_or_else(|| {
        format!("{s:?} is not a time: give RFC 3339 (2026-11-28T09:30:00Z) or a date (2026-11-28)")
    })
}

/// Runs `emend export`. Reads a sled database itself (a process holding it for longer than
/// `--wait` has to be stopped first); a PostgreSQL one beside whatever else runs on it.
pub async fn run(ctx: &Context, args: &ExportArgs) -> anyhow::Result<()> {
    let config = ctx.config()?;
    // The holder record stays until the export is done: other commands wait for it.
    let (store, _holder) = open(ctx, &config).await?;
    let sel = Selection {
        urls: args.urls.clone(),
        site: args.site.clone(),
        since: args.since,
    };
    let path = match (&args.warc, &args.jsonl, &args.csv) {
        (Some(p), _, _) => p,
        (None, Some(p), _) => return dataset(store, sel, Format::JsonLines, p).await,
        (None, None, Some(p)) => return dataset(store, sel, Format::Csv, p).await,
        (None, None, None) => anyhow::bail!("give --warc, --jsonl or --csv"),
    };
    let stats = tokio::task::spawn_blocking({
        let (store, sel, path) = (store.clone(), sel.clone(), path.clone());
        move || {
            write_atomically(&path, |file, name| {
                let (out, stats) = export_warc(&*store, &sel, name, BufWriter::new(file))?;
                out.into_inner()
                    .map_err(|e| crate::Error::io(&path, e.into_error()))?;
                Ok(stats)
            })
        }
    })
    .await??;
    if args.json {
        return super::output::print_json(&stats);
    }
    eprintln!(
        "{}: {} versions of {} articles ({} without HTTP headers, as resource records), {} not-modified re-checks; {} records, {} bytes",
        path.display(),
        stats.versions,
        stats.articles,
        stats.resources,
        stats.revisits,
        stats.records,
        stats.file_bytes
    );
    if stats.missing_bodies > 0 {
        eprintln!(
            "emend: {} versions were left out: their raw body is missing (run `emend verify`)",
            stats.missing_bodies
        );
    }
    Ok(())
}

/// The archive to export: the sled database, taken by this process (its holder record
/// returned with it), or a PostgreSQL database, read beside any daemons.
async fn open(
    ctx: &Context,
    config: &crate::config::Config,
) -> anyhow::Result<(Arc<dyn ArchiveRead>, Option<HolderRecord>)> {
    let db = ctx.db_path(config);
    if let Some(conninfo) = crate::store::pg::conninfo(&db) {
        return Ok((Arc::new(Postgres::connect_existing(conninfo).await?), None));
    }
    match ctx
        .access(config, "emend export", false, false, Needs::Actions)
        .await?
    {
        Access::Held(held) => {
            let (store, holder) = held.into_parts();
            Ok((Arc::new(store), Some(holder)))
        }
        Access::Remote(remote) => anyhow::bail!(
            "{}: held by {}; export reads the database itself: stop that process first",
            db.display(),
            remote.holder.describe()
        ),
    }
}

/// Writes the dataset to `path` (`-`: stdout), a file through [`write_atomically`].
async fn dataset(
    store: Arc<dyn ArchiveRead>,
    sel: Selection,
    format: Format,
    path: &Path,
) -> anyhow::Result<()> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        if path.as_os_str() == "-" {
            let mut out = std::io::stdout().lock();
            export_dataset(&*store, &sel, format, "standard output", &mut out)?;
            return Ok(());
        }
        write_atomically(&path, |file, name| {
            let mut out = BufWriter::new(file);
            export_dataset(&*store, &sel, format, name, &mut out)
        })
        .map(drop)
    })
    .await?
}

/// Writes `path` through a temporary file beside it, renamed into place once complete and
/// synced: an export that fails leaves no partial file behind.
fn write_atomically<T>(
    path: &Path,
    write: impl FnOnce(std::fs::File, &str) -> crate::Result<T>,
) -> anyhow::Result<T> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.part"));
    let file =
        std::fs::File::create(&tmp).with_context(|| format!("{}: cannot create", tmp.display()))?;
    let result = write(file, &name).and_then(|v| {
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| crate::Error::io(path, e))?;
        Ok(v)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    Ok(result?)
}
