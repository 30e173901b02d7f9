//! sites.toml: raw serde types, validation into [`Config`], and errors that point at file:line:column.

mod effective;
mod hosts;
mod notify;
mod raw;
mod validate;

use std::num::NonZeroUsize;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use regex::Regex;
use url::Url;

use crate::error::{Error, Result};

pub use notify::{
    ArticleField, Command, DEFAULT_CHANGES, DEFAULT_GIVE_UP_AFTER, DEFAULT_SUBJECT, Email, Notify,
    NotifyFilter, NotifyKind, Value, Webhook, WebhookFormat,
};

/// Default User-Agent, naming the project so site owners can find us.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "emend/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/emend-news/emend)"
);
/// A site's `interval` when it sets none.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(15 * 60);
/// The floor of a site's default `max_interval` (which is never below its `interval`).
pub const DEFAULT_MAX_INTERVAL: Duration = Duration::from_secs(24 * 3600);
/// A site's `track_for` when it sets none.
pub const DEFAULT_TRACK_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// Default cap on a response body, after decompression.
pub const DEFAULT_MAX_BODY: u64 = 10 * 1024 * 1024;

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from, if any.
    pub path: Option<PathBuf>,
    /// Crawler-wide settings.
    pub crawler: Crawler,
    /// The watched sites, in file order.
    pub sites: Vec<Site>,
    /// `[[notify]]` targets, in file order.
    pub notify: Vec<Notify>,
}

/// `[crawler]`: settings shared by every site.
#[derive(Debug, Clone)]
pub struct Crawler {
    /// User-Agent header, also the token matched against robots.txt groups.
    pub user_agent: String,
    /// Database directory, relative to the config file's directory.
    pub db: Option<PathBuf>,
    /// In-flight requests across all hosts.
    pub concurrency: NonZeroUsize,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// TCP + TLS connect timeout.
    pub connect_timeout: Duration,
    /// Body cap in bytes, enforced on the decompressed stream.
    pub max_body: u64,
    /// Address the daemon serves the web UI on, if any.
    pub listen: Option<std::net::SocketAddr>,
}

impl Default for Crawler {
    fn default() -> Self {
        Crawler {
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            db: None,
            concurrency: NonZeroUsize::new(16).unwrap_or(NonZeroUsize::MIN),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body: DEFAULT_MAX_BODY,
            listen: None,
        }
    }
}

/// One `[[site]]`.
#[derive(Debug, Clone)]
pub struct Site {
    /// Unique name, used in logs, the store and the web UI.
    pub name: String,
    /// RSS/Atom/JSON feeds.
    pub feeds: Vec<Url>,
    /// Sitemaps or sitemap indexes.
    pub sitemaps: Vec<Url>,
    /// Index pages whose links matching `article_pattern` are articles.
    pub start_urls: Vec<Url>,
    /// Filter applied to every discovered URL.
    pub article_pattern: Regex,
    /// How often discovery runs and new articles are re-checked.
    pub interval: Duration,
    /// Cap of the adaptive re-check interval.
    pub max_interval: Duration,
    /// Requests per second to each of this site's hosts, at most.
    pub rate: f64,
    /// How long after first sight an article is re-checked.
    pub track_for: Duration,
    /// Site-specific extraction selectors.
    pub selectors: Selectors,
    /// Hosts the site may reach besides those of its configured URLs (`hosts = [...]`).
    pub hosts: Vec<SiteHost>,
    /// Whether the site may reach loopback, private, link-local and unspecified addresses
    /// (`allow_private = true`); also implied when a configured URL is itself such an address.
    pub allow_private: bool,
}

/// One entry of a site's `hosts`: a host name or IP address, with a port when the entry names
/// one (`cdn.example.com`, `10.0.0.5:8080`). Without a port the host is reachable on the
/// scheme's default port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteHost {
    /// The host, lower-cased (IPv6 in brackets, as in a URL).
    pub host: String,
    /// The port, when the entry names one.
    pub port: Option<u16>,
}

impl std::fmt::Display for SiteHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.port {
            Some(p) => write!(f, "{}:{p}", self.host),
            None => f.write_str(&self.host),
        }
    }
}

/// `[site.selectors]`: CSS selectors that override the generic extractor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selectors {
    /// The article body container.
    pub content: Option<String>,
    /// The headline.
    pub title: Option<String>,
    /// The byline.
    pub byline: Option<String>,
    /// The element carrying the "last update" stamp.
    pub last_update: Option<String>,
    /// chrono `strftime` format of the stamp, when it is not a common one.
    pub format: Option<String>,
    /// IANA zone (e.g. `Asia/Baku`) or fixed offset (`+04:00`) for stamps without one.
    pub timezone: Option<String>,
    /// Elements to drop before extraction.
    pub exclude: Vec<String>,
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::ConfigUnreadable {
            file: path.to_owned(),
            reason: match e.kind() {
                std::io::ErrorKind::NotFound => "no such file".to_owned(),
                _ => e.to_string(),
            },
        })?;
        Config::parse(&text, path)
    }

    /// Validates config text; `path` is used in error messages and to resolve `db`.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let raw: raw::RawConfig = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            located(path, text, span, e.message().to_owned())
        })?;
        let mut v = validate::Validator {
            path,
            text,
            errors: Vec::new(),
        };
        let crawler = v.crawler(raw.crawler);
        let mut sites: Vec<Site> = Vec::with_capacity(raw.site.len());
        for raw_site in raw.site {
            let name_span = raw_site.name.span();
            if let Some(site) = v.site(raw_site) {
                if sites.iter().any(|s| s.name == site.name) {
                    v.err(
                        name_span,
                        format!("site {:?}: duplicate site name", site.name),
                    );
                } else {
                    sites.push(site);
                }
            }
        }
        let names: Vec<&str> = sites.iter().map(|s| s.name.as_str()).collect();
        let notify = v.notify_targets(raw.notify, &names);
        let mut errors = v.errors.into_iter();
        match errors.next() {
            None => Ok(Config {
                path: Some(path.to_owned()),
                crawler,
                sites,
                notify,
            }),
            Some(first) => Err(append_rest(first, errors)),
        }
    }

    /// A configuration with no sites and default crawler settings.
    pub fn empty() -> Config {
        Config {
            path: None,
            crawler: Crawler::default(),
            sites: Vec::new(),
            notify: Vec::new(),
        }
    }

    /// The database directory the config names, resolved against the config file's
    /// directory; a database URL (`postgres://…`) as it is.
    pub fn db_path(&self) -> Option<PathBuf> {
        let db = self.crawler.db.as_ref()?;
        if db.to_str().is_some_and(|s| s.contains("://")) {
            return Some(db.clone());
        }
        let base = self
            .path
            .as_deref()
            .and_then(Path::parent)
            .unwrap_or(Path::new(""));
        Some(base.join(db))
    }

    /// The site whose `article_pattern` accepts `url`, if any.
    pub fn site_for(&self, url: &Url) -> Option<&Site> {
        self.sites
            .iter()
            .find(|s| s.article_pattern.is_match(url.as_str()))
    }
}

/// Folds every further error into the first one's message, each with its own location.
fn append_rest(first: Error, rest: impl Iterator<Item = Error>) -> Error {
    match first {
        Error::Config {
            file,
            line,
            column,
            mut message,
        } => {
            for e in rest {
                message.push('\n');
                message.push_str(&e.to_string());
            }
            Error::Config {
                file,
                line,
                column,
                message,
            }
        }
        other => other,
    }
}

pub(crate) fn located(path: &Path, text: &str, span: Range<usize>, message: String) -> Error {
    let (line, column) = line_column(text, span.start);
    Error::Config {
        file: path.to_owned(),
        line,
        column,
        message: message.trim_end().to_owned(),
    }
}

/// 1-based line and column (in characters) of byte offset `at`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_in_the_config_is_not_a_path() {
        let dir = Path::new("/etc/emend/sites.toml");
        let url = "postgres://emend@db.example/emend";
        let c = Config::parse(&format!("[crawler]\ndb = \"{url}\"\n"), dir).expect("parse");
        assert_eq!(c.db_path(), Some(PathBuf::from(url)));
        let c = Config::parse("[crawler]\ndb = \"archive\"\n", dir).expect("parse");
        assert_eq!(c.db_path(), Some(PathBuf::from("/etc/emend/archive")));
    }

    #[test]
    fn unknown_key_points_at_line_and_column() {
        let text = "[crawler]\nuser_agent = \"x\"\n\n[[site]]\nname = \"a\"\nfeeds = [\"https://a.test/rss\"]\narticle_pattern = \".\"\nintervl = \"5m\"\n";
        let err = Config::parse(text, Path::new("s.toml")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("s.toml:8:1:"), "{msg}");
        assert!(msg.contains("intervl"), "{msg}");
    }

    #[test]
    fn bad_regex_names_site_and_position() {
        let text =
            "[[site]]\nname = \"a\"\nfeeds = [\"https://a.test/rss\"]\narticle_pattern = \"(\"\n";
        let err = Config::parse(text, Path::new("s.toml")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("s.toml:4:19:"), "{msg}");
        assert!(msg.contains("site \"a\""), "{msg}");
        // The regex crate's own pointer under the offending character stays on its line.
        assert!(msg.contains("\n    (\n    ^\n"), "{msg}");
    }

    #[test]
    fn all_errors_are_reported() {
        let text = "[[site]]\nname = \"a\"\nfeeds = [\"ftp://x\"]\narticle_pattern = \".\"\nrate = -1.0\ninterval = \"soon\"\n";
        let msg = Config::parse(text, Path::new("s.toml"))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("s.toml:3:"), "{msg}");
        assert!(msg.contains("s.toml:5:"), "{msg}");
        assert!(msg.contains("s.toml:6:"), "{msg}");
    }

    #[test]
    fn defaults_apply() {
        let text = "[[site]]\nname = \"a\"\nfeeds = [\"https://a.test/rss\"]\narticle_pattern = \"^https://a\\\\.test/\"\n";
        let c = Config::parse(text, Path::new("dir/s.toml")).unwrap();
        assert_eq!(c.sites[0].interval, Duration::from_secs(900));
        assert_eq!(c.sites[0].rate, 1.0);
        assert_eq!(c.crawler.max_body, DEFAULT_MAX_BODY);
        assert_eq!(c.db_path(), None);
        assert!(
            c.site_for(&Url::parse("https://a.test/x").unwrap())
                .is_some()
        );
    }
}
