//! The effective configuration as TOML, every default filled in, for `emend check-config`.

use std::time::Duration;

use url::Url;

use super::Config;

/// The effective configuration, every default filled in, as TOML `emend check-config` prints.
#[derive(serde::Serialize)]
struct Effective<'a> {
    crawler: EffectiveCrawler<'a>,
    site: Vec<EffectiveSite<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notify: Vec<super::notify::EffectiveNotify<'a>>,
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
    feeds: Vec<String>,
    sitemaps: Vec<String>,
    start_urls: Vec<String>,
    article_pattern: &'a str,
    interval: String,
    max_interval: String,
    rate: f64,
    track_for: String,
    hosts: Vec<String>,
    allow_private: bool,
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
                    feeds: s.feeds.iter().map(redacted).collect(),
                    sitemaps: s.sitemaps.iter().map(redacted).collect(),
                    start_urls: s.start_urls.iter().map(redacted).collect(),
                    article_pattern: s.article_pattern.as_str(),
                    interval: human(s.interval),
                    max_interval: human(s.max_interval),
                    rate: s.rate,
                    track_for: human(s.track_for),
                    hosts: s.hosts.iter().map(ToString::to_string).collect(),
                    allow_private: s.allow_private,
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
            notify: self
                .notify
                .iter()
                .map(super::notify::EffectiveNotify::new)
                .collect(),
        };
        toml::to_string(&effective).unwrap_or_else(|e| format!("# cannot render config: {e}\n"))
    }
}

/// `url` with its password, if any, shown as `***`: the printed settings end up in
/// terminals, bug reports and CI logs, and the user name alone says credentials are set.
fn redacted(url: &Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        // Only fails for URLs that cannot carry credentials, which have none to hide.
        let _ = shown.set_password(Some("***"));
    }
    shown.to_string()
}
