//! The serde shapes of sites.toml, before validation; spans kept for error positions.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    #[serde(default)]
    pub(super) crawler: RawCrawler,
    #[serde(default)]
    pub(super) site: Vec<RawSite>,
    #[serde(default)]
    pub(super) notify: Vec<super::notify::RawNotify>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCrawler {
    pub(super) user_agent: Option<Spanned<String>>,
    pub(super) db: Option<PathBuf>,
    pub(super) concurrency: Option<Spanned<i64>>,
    pub(super) timeout: Option<Spanned<String>>,
    pub(super) connect_timeout: Option<Spanned<String>>,
    pub(super) max_body: Option<Spanned<i64>>,
    pub(super) listen: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSite {
    pub(super) name: Spanned<String>,
    #[serde(default)]
    pub(super) feeds: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) sitemaps: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) start_urls: Vec<Spanned<String>>,
    pub(super) article_pattern: Option<Spanned<String>>,
    pub(super) interval: Option<Spanned<String>>,
    pub(super) max_interval: Option<Spanned<String>>,
    pub(super) rate: Option<Spanned<f64>>,
    pub(super) track_for: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) hosts: Vec<Spanned<String>>,
    pub(super) allow_private: Option<bool>,
    #[serde(default)]
    pub(super) selectors: Option<Spanned<RawSelectors>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSelectors {
    pub(super) content: Option<String>,
    pub(super) title: Option<String>,
    pub(super) byline: Option<String>,
    pub(super) last_update: Option<String>,
    pub(super) format: Option<String>,
    pub(super) timezone: Option<String>,
    #[serde(default)]
    pub(super) exclude: Vec<String>,
}
