//! sites.toml: raw serde types, validation into [`Config`], and errors that point at file:line:column.

use std::num::NonZeroUsize;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;
use url::Url;

use crate::error::{Error, Result};

/// Default User-Agent, naming the project so site owners can find us.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "emend/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/emend-news/emend)"
);
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

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    crawler: RawCrawler,
    #[serde(default)]
    site: Vec<RawSite>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCrawler {
    user_agent: Option<Spanned<String>>,
    db: Option<PathBuf>,
    concurrency: Option<Spanned<i64>>,
    timeout: Option<Spanned<String>>,
    connect_timeout: Option<Spanned<String>>,
    max_body: Option<Spanned<i64>>,
    listen: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    name: Spanned<String>,
    #[serde(default)]
    feeds: Vec<Spanned<String>>,
    #[serde(default)]
    sitemaps: Vec<Spanned<String>>,
    #[serde(default)]
    start_urls: Vec<Spanned<String>>,
    article_pattern: Option<Spanned<String>>,
    interval: Option<Spanned<String>>,
    max_interval: Option<Spanned<String>>,
    rate: Option<Spanned<f64>>,
    track_for: Option<Spanned<String>>,
    #[serde(default)]
    selectors: Option<Spanned<RawSelectors>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSelectors {
    content: Option<String>,
    title: Option<String>,
    byline: Option<String>,
    last_update: Option<String>,
    format: Option<String>,
    timezone: Option<String>,
    #[serde(default)]
    exclude: Vec<String>,
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Config::parse(&text, path)
    }

    /// Validates config text; `path` is used in error messages and to resolve `db`.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            located(path, text, span, e.message().to_owned())
        })?;
        let mut v = Validator {
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
        let mut errors = v.errors.into_iter();
        match errors.next() {
            None => Ok(Config {
                path: Some(path.to_owned()),
                crawler,
                sites,
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
        }
    }

    /// The database directory the config names, resolved against the config file's directory.
    pub fn db_path(&self) -> Option<PathBuf> {
        let db = self.crawler.db.as_ref()?;
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

fn located(path: &Path, text: &str, span: Range<usize>, message: String) -> Error {
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

struct Validator<'a> {
    path: &'a Path,
    text: &'a str,
    errors: Vec<Error>,
}

impl Validator<'_> {
    fn err(&mut self, span: Range<usize>, message: String) {
        self.errors
            .push(located(self.path, self.text, span, message));
    }

    fn crawler(&mut self, raw: RawCrawler) -> Crawler {
        let mut c = Crawler::default();
        if let Some(ua) = raw.user_agent {
            if ua.get_ref().trim().is_empty() {
                self.err(ua.span(), "[crawler] user_agent must not be empty".into());
            } else {
                c.user_agent = ua.into_inner();
            }
        }
        c.db = raw.db;
        if let Some(n) = raw.concurrency {
            match usize::try_from(*n.get_ref())
                .ok()
                .and_then(NonZeroUsize::new)
            {
                Some(n) => c.concurrency = n,
                None => self.err(n.span(), "[crawler] concurrency must be at least 1".into()),
            }
        }
        if let Some(d) = raw
            .timeout
            .and_then(|d| self.duration("[crawler] timeout", d))
        {
            c.timeout = d;
        }
        if let Some(d) = raw
            .connect_timeout
            .and_then(|d| self.duration("[crawler] connect_timeout", d))
        {
            c.connect_timeout = d;
        }
        if let Some(n) = raw.max_body {
            match u64::try_from(*n.get_ref()) {
                Ok(b) if b >= 1024 => c.max_body = b,
                _ => self.err(
                    n.span(),
                    "[crawler] max_body must be at least 1024 bytes".into(),
                ),
            }
        }
        if let Some(l) = raw.listen {
            match l.get_ref().parse() {
                Ok(a) => c.listen = Some(a),
                Err(e) => self.err(l.span(), format!("[crawler] listen {:?}: {e}", l.get_ref())),
            }
        }
        c
    }

    fn duration(&mut self, what: &str, raw: Spanned<String>) -> Option<Duration> {
        match humantime::parse_duration(raw.get_ref()) {
            Ok(d) if !d.is_zero() => Some(d),
            Ok(_) => {
                self.err(raw.span(), format!("{what} must be longer than zero"));
                None
            }
            Err(e) => {
                self.err(
                    raw.span(),
                    format!(
                        "{what} {:?}: {e} (write e.g. \"90s\", \"15m\", \"1d\")",
                        raw.get_ref()
                    ),
                );
                None
            }
        }
    }

    fn urls(&mut self, site: &str, key: &str, raw: Vec<Spanned<String>>) -> Vec<Url> {
        let mut out = Vec::with_capacity(raw.len());
        for u in raw {
            match Url::parse(u.get_ref()) {
                Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {
                    out.push(url)
                }
                Ok(_) => self.err(
                    u.span(),
                    format!(
                        "site {site:?}: {key} entry {:?} is not an http(s) URL",
                        u.get_ref()
                    ),
                ),
                Err(e) => self.err(
                    u.span(),
                    format!("site {site:?}: {key} entry {:?}: {e}", u.get_ref()),
                ),
            }
        }
        out
    }

    fn site(&mut self, raw: RawSite) -> Option<Site> {
        let name_span = raw.name.span();
        let name = raw.name.into_inner();
        if name.trim().is_empty() {
            self.err(name_span.clone(), "site name must not be empty".into());
        }
        let feeds = self.urls(&name, "feeds", raw.feeds);
        let sitemaps = self.urls(&name, "sitemaps", raw.sitemaps);
        let start_urls = self.urls(&name, "start_urls", raw.start_urls);
        if feeds.is_empty() && sitemaps.is_empty() && start_urls.is_empty() {
            self.err(
                name_span.clone(),
                format!("site {name:?}: needs at least one of feeds, sitemaps or start_urls"),
            );
        }
        let article_pattern = match raw.article_pattern {
            Some(p) => match Regex::new(p.get_ref()) {
                Ok(r) => Some(r),
                Err(e) => {
                    let msg = e.to_string().replace('\n', " ");
                    self.err(p.span(), format!("site {name:?}: article_pattern: {msg}"));
                    None
                }
            },
            None => {
                self.err(
                    name_span.clone(),
                    format!("site {name:?}: article_pattern is required"),
                );
                None
            }
        };
        let what = |k: &str| format!("site {name:?}: {k}");
        let interval = match raw.interval {
            Some(d) => self.duration(&what("interval"), d),
            None => Some(Duration::from_secs(15 * 60)),
        };
        let max_span = raw.max_interval.as_ref().map(Spanned::span);
        let max_interval = match raw.max_interval {
            Some(d) => self.duration(&what("max_interval"), d),
            None => interval.map(|i| i.max(Duration::from_secs(24 * 3600))),
        };
        if let (Some(i), Some(m), Some(span)) = (interval, max_interval, max_span)
            && m < i
        {
            self.err(
                span,
                format!("site {name:?}: max_interval must not be shorter than interval"),
            );
        }
        let track_for = match raw.track_for {
            Some(d) => self.duration(&what("track_for"), d),
            None => Some(Duration::from_secs(30 * 24 * 3600)),
        };
        let rate = match raw.rate {
            Some(r) if r.get_ref().is_finite() && *r.get_ref() > 0.0 && *r.get_ref() <= 1000.0 => {
                Some(*r.get_ref())
            }
            Some(r) => {
                self.err(
                    r.span(),
                    format!(
                        "site {name:?}: rate must be a number of requests per second in (0, 1000]"
                    ),
                );
                None
            }
            None => Some(1.0),
        };
        let selectors = match raw.selectors {
            Some(s) => {
                let span = s.span();
                self.selectors(&name, span, s.into_inner())
            }
            None => Some(Selectors::default()),
        };
        Some(Site {
            name,
            feeds,
            sitemaps,
            start_urls,
            article_pattern: article_pattern?,
            interval: interval?,
            max_interval: max_interval?,
            rate: rate?,
            track_for: track_for?,
            selectors: selectors?,
        })
    }

    fn selectors(
        &mut self,
        site: &str,
        span: Range<usize>,
        raw: RawSelectors,
    ) -> Option<Selectors> {
        let mut ok = true;
        let fields = [
            ("content", &raw.content),
            ("title", &raw.title),
            ("byline", &raw.byline),
            ("last_update", &raw.last_update),
        ];
        let all = fields
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| (*k, v)))
            .chain(raw.exclude.iter().map(|v| ("exclude", v)));
        for (key, css) in all {
            if let Err(e) = scraper::Selector::parse(css) {
                self.err(
                    span.clone(),
                    format!(
                        "site {site:?}: selectors.{key} {css:?} is not a valid CSS selector: {e}"
                    ),
                );
                ok = false;
            }
        }
        if let Some(tz) = &raw.timezone
            && tz.parse::<chrono_tz::Tz>().is_err()
            && tz.parse::<chrono::FixedOffset>().is_err()
        {
            self.err(
                span.clone(),
                format!("site {site:?}: selectors.timezone {tz:?} is neither an IANA zone nor an offset like +04:00"),
            );
            ok = false;
        }
        ok.then_some(Selectors {
            content: raw.content,
            title: raw.title,
            byline: raw.byline,
            last_update: raw.last_update,
            format: raw.format,
            timezone: raw.timezone,
            exclude: raw.exclude,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

/// The effective configuration, every default filled in, as TOML `emend check-config` prints.
#[derive(serde::Serialize)]
struct Effective<'a> {
    crawler: EffectiveCrawler<'a>,
    site: Vec<EffectiveSite<'a>>,
}

#[derive(serde::Serialize)]
struct EffectiveCrawler<'a> {
    user_agent: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    db: Option<String>,
    concurrency: usize,
    timeout: String,
    connect_timeout: String,
    max_body: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    listen: Option<String>,
}

#[derive(serde::Serialize)]
struct EffectiveSite<'a> {
    name: &'a str,
    feeds: Vec<&'a str>,
    sitemaps: Vec<&'a str>,
    start_urls: Vec<&'a str>,
    article_pattern: &'a str,
    interval: String,
    max_interval: String,
    rate: f64,
    track_for: String,
    selectors: EffectiveSelectors<'a>,
}

#[derive(serde::Serialize)]
struct EffectiveSelectors<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    byline: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_update: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timezone: Option<&'a str>,
    exclude: Vec<&'a str>,
}

impl Config {
    /// The configuration with every default filled in, as TOML.
    pub fn effective_toml(&self) -> String {
        let human = |d: Duration| humantime::format_duration(d).to_string();
        let c = &self.crawler;
        let effective = Effective {
            crawler: EffectiveCrawler {
                user_agent: &c.user_agent,
                db: self.db_path().map(|p| p.display().to_string()),
                concurrency: c.concurrency.get(),
                timeout: human(c.timeout),
                connect_timeout: human(c.connect_timeout),
                max_body: c.max_body,
                listen: c.listen.map(|l| l.to_string()),
            },
            site: self
                .sites
                .iter()
                .map(|s| EffectiveSite {
                    name: &s.name,
                    feeds: s.feeds.iter().map(Url::as_str).collect(),
                    sitemaps: s.sitemaps.iter().map(Url::as_str).collect(),
                    start_urls: s.start_urls.iter().map(Url::as_str).collect(),
                    article_pattern: s.article_pattern.as_str(),
                    interval: human(s.interval),
                    max_interval: human(s.max_interval),
                    rate: s.rate,
                    track_for: human(s.track_for),
                    selectors: EffectiveSelectors {
                        content: s.selectors.content.as_deref(),
                        title: s.selectors.title.as_deref(),
                        byline: s.selectors.byline.as_deref(),
                        last_update: s.selectors.last_update.as_deref(),
                        format: s.selectors.format.as_deref(),
                        timezone: s.selectors.timezone.as_deref(),
                        exclude: s.selectors.exclude.iter().map(String::as_str).collect(),
                    },
                })
                .collect(),
        };
        toml::to_string(&effective).unwrap_or_else(|e| format!("# cannot render config: {e}\n"))
    }
}
