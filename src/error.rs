//! The library's error type: every variant names the URL, host, file or line it concerns.

use std::path::PathBuf;

/// Shorthand for results carrying the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in emend, with enough context to act on it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration file could not be read or is invalid.
    #[error("{file}:{line}:{column}: {message}")]
    Config {
        /// The config file.
        file: PathBuf,
        /// 1-based line of the offending token.
        line: usize,
        /// 1-based column of the offending token.
        column: usize,
        /// What was wrong, naming the site when there is one.
        message: String,
    },

    /// A file could not be read or written.
    // Not a `#[source]`: the message already says it, and `{:#}` would say it twice.
    #[error("{}: {cause}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        cause: std::io::Error,
    },

    /// The config file named (by `--config` or `check-config FILE`) cannot be read.
    #[error("{}: cannot read the config file: {reason}", file.display())]
    ConfigUnreadable {
        /// The config file.
        file: PathBuf,
        /// Why (e.g. "no such file").
        reason: String,
    },

    /// No config was given and there is no `./sites.toml`, for a command that needs sites.
    #[error(
        "no sites.toml in {} and no --config FILE: nothing to watch. Write a sites.toml with a [[site]] (name, feeds or sitemaps or start_urls, article_pattern; see README.md \"sites.toml\"), then check it with `emend check-config`", dir.display()
    )]
    NoConfig {
        /// The directory searched.
        dir: PathBuf,
    },

    /// The user gave something that is not an absolute http(s) URL.
    #[error("invalid URL {input:?}: {reason}")]
    InvalidUrl {
        /// What the user typed.
        input: String,
        /// Why it was rejected.
        reason: String,
    },

    /// The request failed before a response arrived (DNS, connect, TLS, timeout, reset).
    #[error("{url}: {message}")]
    Network {
        /// The URL being fetched.
        url: String,
        /// A one-line description of the failure, including its cause chain.
        message: String,
    },

    /// The server answered with a status that is not a success.
    #[error("{url}: HTTP {status}")]
    HttpStatus {
        /// The URL being fetched.
        url: String,
        /// The HTTP status code.
        status: u16,
        /// Seconds the server asked us to wait (429/503 `Retry-After`), if any.
        retry_after: Option<u64>,
    },

    /// The host is held off (Retry-After, robots.txt unreachable, Crawl-delay) for longer
    /// than a request waits; nothing was sent.
    #[error("{host}: not requested, the host is held off until {} (Retry-After, unreachable robots.txt or Crawl-delay)", until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))]
    HostHeldOff {
        /// The host.
        host: String,
        /// When requests to it may resume.
        until: chrono::DateTime<chrono::Utc>,
    },

    /// The response is not an HTML document.
    #[error("{url}: not an HTML page (content type {content_type:?})")]
    NotHtml {
        /// The URL being fetched.
        url: String,
        /// The content type the server declared.
        content_type: String,
    },

    /// The body (after decompression) exceeded the configured cap.
    #[error("{url}: response body exceeds the {limit}-byte limit")]
    BodyTooLarge {
        /// The URL being fetched.
        url: String,
        /// The cap in bytes.
        limit: u64,
    },

    /// More redirects than allowed, or a redirect cycle.
    #[error("{url}: {message}")]
    Redirect {
        /// The URL being fetched.
        url: String,
        /// What went wrong (loop, too many hops, bad Location).
        message: String,
    },

    /// The address policy forbids the request: a host outside the site's, or a loopback,
    /// private, link-local or unspecified address where that is not allowed. Nothing was sent.
    #[error("{url}: refused by the address policy: {reason}")]
    AddressRefused {
        /// The URL (or redirect hop) that was not requested.
        url: String,
        /// Which rule refused it, and how to allow it when that is possible.
        reason: String,
    },

    /// robots.txt of the host forbids this URL for our user agent.
    #[error("{url}: disallowed by robots.txt (use --ignore-robots to override)")]
    RobotsDisallowed {
        /// The URL that was not fetched.
        url: String,
    },

    /// robots.txt could not be fetched (5xx or unreachable), so the host is treated as disallowed.
    // The reason says whether robots.txt answered badly or the host is unreachable: a
    // refused connection is not robots.txt's fault.
    #[error("{host}: not crawling this host for now: {reason}")]
    RobotsUnavailable {
        /// The host whose robots.txt failed.
        host: String,
        /// Why it failed.
        reason: String,
    },

    /// The database directory is locked by another process (or another handle in this one).
    #[error("{}: the database is in use by another emend process", path.display())]
    StoreInUse {
        /// The database directory.
        path: PathBuf,
    },

    /// Another process holds the database and serves nothing this command could go through
    /// instead: it held it for longer than the command was willing to wait, or it runs until
    /// stopped and the command needs the database itself.
    #[error("{}: the database is held by {holder}{detail}", path.display())]
    StoreBusy {
        /// The database directory.
        path: PathBuf,
        /// Who holds it: `pid N (emend COMMAND)`, as written next to the lock.
        holder: String,
        /// How long was waited, or what to do instead; starts with " and" or "; ".
        detail: String,
    },

    /// The process holding the database could not be reached on its socket (it stopped, or
    /// was killed and left the socket behind).
    #[error("{}: no answer from the emend process holding the database: {message}", socket.display())]
    OwnerUnreachable {
        /// The socket.
        socket: PathBuf,
        /// Why the request failed.
        message: String,
    },

    /// The process holding the database ran the request (a check, a web UI) and it failed.
    #[error("{message} (reported by {holder}, which holds the database)")]
    OwnerFailed {
        /// Who holds the database: `pid N (emend daemon)`.
        holder: String,
        /// Its error message.
        message: String,
    },

    /// A read command was pointed at a directory that holds no emend database.
    #[error("no emend database at {}", path.display())]
    NoDatabase {
        /// The directory asked for.
        path: PathBuf,
    },

    /// The database directory (or a file in it) cannot be written; sled needs to, even to read.
    #[error("{}: permission denied: emend needs write access to the database directory, even to read (it takes a lock there)", path.display())]
    StoreReadOnly {
        /// The database directory.
        path: PathBuf,
    },

    /// The database could not be opened or read.
    #[error("{}: database error: {message}", path.display())]
    Store {
        /// The database directory.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },

    /// A PostgreSQL database could not be reached or answered with an error.
    #[error("{target}: PostgreSQL error: {message}")]
    Postgres {
        /// The server and database, as `host/dbname` (never the password).
        target: String,
        /// What went wrong.
        message: String,
    },

    /// A stored record could not be decoded (corruption or an incompatible schema).
    #[error("database record {key:?} is corrupt: {message}")]
    Corrupt {
        /// The record's key, as text.
        key: String,
        /// What went wrong decoding it.
        message: String,
    },

    /// The URL has never been snapshotted.
    #[error("{url}: not tracked (run `emend snapshot {url}` first)")]
    NotTracked {
        /// The URL asked about.
        url: String,
    },

    /// A new version was computed against version `based_on` of the article, but by the
    /// time it was to be stored another check had stored version `current` (two URLs of one
    /// article checked at once). Nothing was written; the caller compares again with the
    /// now-latest version.
    #[error(
        "{url}: version {current} was stored after this check compared with version {based_on}"
    )]
    StaleVersion {
        /// The article (its canonical URL).
        url: String,
        /// The version the change was computed against (0: none, a first version).
        based_on: u32,
        /// The article's latest version number when the commit was attempted.
        current: u32,
    },

    /// The page has no article body (a front page, an index): nothing was stored.
    #[error(
        "{url}: not an article (main text of {words} words, under {min}); nothing stored (`snapshot --force` stores it anyway)"
    )]
    NotAnArticle {
        /// The page.
        url: String,
        /// Words of main text found.
        words: u32,
        /// The threshold.
        min: u32,
    },

    /// A version number that does not exist for this article.
    #[error("{url}: no version {version} (the article has versions 1 to {count})")]
    NoSuchVersion {
        /// The article.
        url: String,
        /// The version asked for.
        version: u32,
        /// How many versions exist.
        count: u32,
    },

    /// A fetched page was not extracted: nested too deep, or over the time budget.
    #[error("{url}: not extracted: {reason}")]
    Extract {
        /// The page.
        url: String,
        /// Why (the depth or the time it exceeded).
        reason: String,
    },

    /// A diff range whose older end is not older than its newer end.
    #[error(
        "{url}: --from {from} must be older than --to {to} (the article has versions 1 to {count})"
    )]
    VersionRange {
        /// The article.
        url: String,
        /// The older end asked for.
        from: u32,
        /// The newer end asked for.
        to: u32,
        /// How many versions exist.
        count: u32,
    },

    /// A feed or sitemap could not be parsed.
    #[error("{url}: cannot parse {kind}: {message}")]
    Parse {
        /// Where the document came from.
        url: String,
        /// What kind of document (feed, sitemap).
        kind: &'static str,
        /// The parser's message.
        message: String,
    },

    /// A diff card could not be drawn (a damaged embedded font, PNG encoding).
    #[error("diff card: {message}")]
    Card {
        /// What went wrong.
        message: String,
    },

    /// A notification could not be delivered to a `[[notify]]` target (other than an HTTP
    /// status or a network failure, which keep their own variants).
    #[error("notify {target:?}: {message}")]
    Notify {
        /// The target's name.
        target: String,
        /// What went wrong.
        message: String,
    },
}

impl Error {
    /// True for errors caused by the user's input or configuration (exit status 2).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::Config { .. }
                | Error::ConfigUnreadable { .. }
                | Error::NoConfig { .. }
                | Error::InvalidUrl { .. }
                | Error::NoSuchVersion { .. }
                | Error::VersionRange { .. }
        )
    }

    /// True when the database itself failed (a full or failing disk, a damaged file):
    /// nothing more can be stored, so a long-running process stops.
    pub fn is_store_failure(&self) -> bool {
        matches!(self, Error::Store { .. } | Error::Postgres { .. })
    }

    /// Builds an [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            cause: source,
        }
    }
}
