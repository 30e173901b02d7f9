//! The subcommands: argument types, config and database resolution, and dispatch.

mod check_config;
mod checks;
mod daemon;
mod diff;
mod export;
mod extract;
mod forget;
mod history;
mod import;
mod list;
mod migrate;
mod notify;
mod output;
mod read;
mod reextract;
mod render;
mod serve;
mod signal;
mod sites;
mod snapshot;
mod verify;
mod watch;

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::Config;
use crate::error::Error;
use crate::owner::{self, Access, AccessOptions, Held, Needs};

/// Default database directory when neither `--db`, `EMEND_DB` nor the config names one.
pub const DEFAULT_DB: &str = "emend.db";
/// Config file read when `--config` is not given and it exists.
pub const DEFAULT_CONFIG: &str = "sites.toml";

/// Command-line interface of the `emend` binary.
#[derive(Debug, Parser)]
#[command(
    name = "emend",
    version,
    about = "Watch news articles and record how they change after publication"
)]
pub struct Cli {
    /// Database directory [default: $EMEND_DB, else `db` in the config, else ./emend.db]
    #[arg(long, global = true, value_name = "DIR")]
    pub db: Option<PathBuf>,
    /// Config file [default: ./sites.toml if present]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// How long to wait for another emend process to let go of the database when it serves
    /// nothing this command can go through, before failing with its pid
    #[arg(long, global = true, value_name = "SECS", default_value_t = 30)]
    pub wait: u64,
    /// Log line format on stderr (filter with RUST_LOG)
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch a URL now, extract it, and store a version if anything changed
    Snapshot(snapshot::SnapshotArgs),
    /// Show the stored versions of an article, oldest first
    History(history::HistoryArgs),
    /// Show what changed between two versions (default: the last two)
    Diff(diff::DiffArgs),
    /// Show the check log of an article, newest first: when it was looked at, what came of it
    Checks(checks::ChecksArgs),
    /// Write the stored history to a WARC file (request, response, metadata and revisit records)
    ///
    /// Every selected version becomes a `response` record with the body exactly as stored and
    /// the HTTP headers received, its `request`, and a `metadata` record with emend's
    /// extraction (title, stamps, change kind, text hash); versions stored before emend kept
    /// headers become `resource` records. Re-checks answered 304 become `revisit` records.
    /// Checked with warcio; replays in pywb.
    Export(export::ExportArgs),
    /// Extract main text and metadata from saved HTML files (no network, no store)
    Extract(extract::ExtractArgs),
    /// Read pages from WARC files written by other crawlers into the history
    ///
    /// Every HTML response (and HTML resource) record becomes a check of its URL at its
    /// WARC-Date, in date order across all files, through the same extraction and comparison
    /// as a live fetch. Records that cannot be read are named and skipped; the exit status is
    /// then 1, with everything readable imported.
    Import(import::ImportArgs),
    /// List tracked articles with their version count and last check
    List(list::ListArgs),
    /// Re-run the current extractor on stored raw bodies and compare (read-only)
    ///
    /// For every stored version of the article (or only --version N), the raw response body
    /// kept with it goes through the current extractor, with the site selectors this config
    /// has for the URL it was fetched from, and the title, byline, published, last_update and
    /// text found are compared with what the version stored. Each version is reported as
    /// `same`, `changed` (which fields; for the text, words added and removed; the extractor
    /// version that stored it) or without a stored body.
    ///
    /// Read-only: stored versions are an archive of what was seen at the time and are never
    /// rewritten. Works while another emend process holds the database (through its socket).
    Reextract(reextract::ReextractArgs),
    /// Check a URL now and have the daemon re-check it on its schedule (--stop: no more)
    ///
    /// For an article outside the configured sites' feeds, sitemaps and index pages. It is
    /// checked at once, like `snapshot`, then re-checked by `emend daemon` at the interval of
    /// the site it belongs to (else every 15 minutes at first, wider while unchanged, up to a
    /// day) for that site's `track_for` (else 30 days). While a daemon holds the database the
    /// request goes to it and it checks the URL at once.
    Watch(watch::WatchArgs),
    /// Check the database: re-hash every stored body, check every version's references
    ///
    /// Exits 1 when anything is damaged. `--repair` fixes only what loses nothing: counters
    /// that drifted and aliases that lead to no article.
    Verify(verify::VerifyArgs),
    /// Copy a sled database into PostgreSQL (everything, bodies included) and verify it
    ///
    /// Each article is copied in one transaction and read back and compared with the
    /// source. An interrupted copy can be run again: articles already copied are skipped.
    Migrate(migrate::MigrateArgs),
    /// Crawl the configured sites until stopped (SIGINT/SIGTERM)
    Daemon(daemon::DaemonArgs),
    /// Serve the read-only web interface (history, diffs, feeds, Memento) over the database
    Serve(serve::ServeArgs),
    /// Validate a config file and print the effective configuration
    CheckConfig(check_config::CheckConfigArgs),
    /// Notification targets: send a test message, list pending and failed deliveries
    Notify(notify::NotifyArgs),
    /// Remove an article and its whole history (asks first; --yes does not)
    Forget(forget::ForgetArgs),
    /// Try a site's settings: `emend sites test NAME` reads its feeds once and shows what matches
    #[command(subcommand)]
    Sites(sites::SitesCommand),
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let ctx = Context::new(cli.db, cli.config, Duration::from_secs(cli.wait));
    match cli.command {
        Command::Snapshot(args) => snapshot::run(&ctx, &args).await,
        Command::History(args) => history::run(&ctx, &args).await,
        Command::Diff(args) => diff::run(&ctx, &args).await,
        Command::Checks(args) => checks::run(&ctx, &args).await,
        Command::Export(args) => export::run(&ctx, &args).await,
        Command::Extract(args) => extract::run(&ctx, &args),
        Command::Import(args) => import::run(&ctx, &args).await,
        Command::List(args) => list::run(&ctx, &args).await,
        Command::Reextract(args) => reextract::run(&ctx, &args).await,
        Command::Watch(args) => watch::run(&ctx, &args).await,
        Command::Verify(args) => verify::run(&ctx, &args).await,
        Command::Migrate(args) => migrate::run(&args).await,
        Command::Daemon(args) => daemon::run(&ctx, &args).await,
        Command::Serve(args) => serve::run(&ctx, &args).await,
        Command::CheckConfig(args) => check_config::run(&ctx, &args),
        Command::Notify(args) => notify::run(&ctx, &args).await,
        Command::Forget(args) => forget::run(&ctx, &args).await,
        Command::Sites(cmd) => sites::run(&ctx, &cmd).await,
    }
}

/// `1 version`, `2 versions`: a count with its noun.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Global options, resolved lazily so commands that need no config don't read one.
pub struct Context {
    db: Option<PathBuf>,
    config: Option<PathBuf>,
    wait: Duration,
}

impl Context {
    fn new(db: Option<PathBuf>, config: Option<PathBuf>, wait: Duration) -> Self {
        Context { db, config, wait }
    }

    /// The config: `--config FILE`, else ./sites.toml when present, else the empty config.
    pub fn config(&self) -> Result<Config, Error> {
        match &self.config {
            Some(path) => Config::load(path),
            None if Path::new(DEFAULT_CONFIG).is_file() => Config::load(Path::new(DEFAULT_CONFIG)),
            None => Ok(Config::empty()),
        }
    }

    /// The database directory: `--db`, else `EMEND_DB`, else the config's `db`, else ./emend.db.
    pub fn db_path(&self, config: &Config) -> PathBuf {
        if let Some(db) = &self.db {
            return db.clone();
        }
        if let Some(db) = std::env::var_os("EMEND_DB").filter(|v| !v.is_empty()) {
            return PathBuf::from(db);
        }
        config
            .db_path()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DB))
    }
}

impl Context {
    /// Read access to an existing database for `command`: directly, or through the process
    /// holding it.
    pub async fn reader(&self, command: &'static str) -> anyhow::Result<read::Reader> {
        self.reader_for(&self.config()?, command).await
    }

    /// [`Context::reader`] for a config the command has already loaded.
    pub async fn reader_for(
        &self,
        config: &Config,
        command: &'static str,
    ) -> anyhow::Result<read::Reader> {
        Ok(read::Reader::open(&self.db_path(config), self.wait, command).await?)
    }

    /// The database for `command`, taken by this process or reached through its holder
    /// (see [`owner::acquire`]), waiting up to `--wait`.
    pub async fn access(
        &self,
        config: &Config,
        command: &'static str,
        create: bool,
        long_running: bool,
        needs: Needs,
    ) -> Result<Access, Error> {
        let db = self.db_path(config);
        sled_only(&db, command)?;
        let opts = AccessOptions {
            create,
            wait: self.wait,
            command,
            long_running,
            needs,
        };
        owner::acquire(&db, &opts).await
    }

    /// The database, taken by this process for `command`, which runs until stopped and
    /// serves it; created when missing.
    pub async fn take(&self, config: &Config, command: &'static str) -> Result<Held, Error> {
        let opts = AccessOptions {
            create: true,
            wait: self.wait,
            command,
            long_running: true,
            needs: Needs::Actions,
        };
        let db = self.db_path(config);
        sled_only(&db, command)?;
        owner::acquire_lock(&db, &opts).await
    }
}

/// Refuses a `postgres://` database where a sled directory is needed (every command that
/// runs on PostgreSQL takes its own path there first), rather than creating a directory
/// named after the URL.
fn sled_only(db: &Path, command: &'static str) -> Result<(), Error> {
    if !crate::store::pg::is_conninfo(db) {
        return Ok(());
    }
    Err(Error::Postgres {
        target: command.to_owned(),
        message: "this command runs on a sled database directory only".to_owned(),
    })
}
