//! Discovery: turns feeds, sitemaps and index pages (bytes in) into canonical article URLs (data out).
//!
//! Everything here is pure: no network, no store. The daemon fetches the documents and hands the
//! bytes over. None of the parsers applies a site's `article_pattern` by itself (a sitemap index
//! must be able to name child sitemaps that the pattern would reject), so callers pass every
//! discovered URL, whatever its source, through [`filter`] before tracking it; [`index_links`]
//! takes the pattern because an index page has no other way to tell articles from navigation.

mod canonical;
mod feed;
mod index;
mod sitemap;

pub use canonical::{canonicalize, is_tracking_param, without_credentials};
pub use feed::parse_feed;
pub use index::index_links;
pub use sitemap::{MAX_SITEMAP_BYTES, MAX_SITEMAP_ENTRIES, Sitemap, parse_sitemap};

use std::collections::HashMap;

/// Longest URL discovery accepts, in bytes: longer ones are dropped where they are found.
/// Browsers and servers commonly stop near 2 KB (many servers answer 414 past 8 KB), and an
/// article URL is a few hundred bytes; a longer one can only be a mistake or an attack that
/// would store, log and re-fetch it for ever.
pub const MAX_URL_LEN: usize = 2048;

use chrono::{DateTime, Utc};
use regex::Regex;
use url::Url;

/// One article URL found by discovery, with the dates its source gave for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// Absolute, canonicalised URL (see [`canonicalize`]).
    pub url: Url,
    /// When the source says the entry last changed (feed `updated`, sitemap `lastmod`): a hint
    /// to re-check the article early when it moves.
    pub updated: Option<DateTime<Utc>>,
    /// When the source says the article was published (feed `published`/`pubDate`, Google News
    /// `news:publication_date`).
    pub published: Option<DateTime<Utc>>,
}

impl Discovered {
    /// A discovered URL without dates; the URL is canonicalised here.
    pub fn new(url: &Url) -> Self {
        Discovered {
            url: canonicalize(url),
            updated: None,
            published: None,
        }
    }
}

/// Keeps the entries whose URL matches `pattern` and merges duplicates.
///
/// Order of first appearance is kept. When one URL appears several times (a feed listing an
/// article twice, or the same article in two sitemaps), the entries merge into one: the latest
/// `updated` and the earliest `published` win, because each is the most informative hint.
pub fn filter(items: impl IntoIterator<Item = Discovered>, pattern: &Regex) -> Vec<Discovered> {
    let mut out: Vec<Discovered> = Vec::new();
    let mut seen: HashMap<Url, usize> = HashMap::new();
    for item in items {
        if !pattern.is_match(item.url.as_str()) {
            continue;
        }
        match seen.get(&item.url) {
            Some(&i) => {
                let kept = &mut out[i];
                kept.updated = kept.updated.max(item.updated);
                kept.published = match (kept.published, item.published) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            None => {
                seen.insert(item.url.clone(), out.len());
                out.push(item);
            }
        }
    }
    out
}

/// Resolves `href` against `base`, canonicalises it (which drops any credentials), and keeps it
/// only if it is http(s) and at most [`MAX_URL_LEN`] bytes long.
pub(crate) fn resolve_http(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() || href.len() > MAX_URL_LEN {
        return None;
    }
    let url = base.join(href).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return None;
    }
    Some(canonicalize(&url)).filter(|u| u.as_str().len() <= MAX_URL_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(url: &str, updated: Option<i64>, published: Option<i64>) -> Discovered {
        let ts = |s: i64| Utc.timestamp_opt(s, 0).single().unwrap();
        Discovered {
            url: Url::parse(url).unwrap(),
            updated: updated.map(ts),
            published: published.map(ts),
        }
    }

    #[test]
    fn filter_applies_pattern_and_merges_duplicates() {
        let pattern = Regex::new("^https://a\\.test/news/").unwrap();
        let out = filter(
            vec![
                d("https://a.test/news/1", Some(10), Some(5)),
                d("https://a.test/about", None, None),
                d("https://a.test/news/2", None, None),
                d("https://a.test/news/1", Some(20), Some(3)),
            ],
            &pattern,
        );
        assert_eq!(
            out,
            vec![
                d("https://a.test/news/1", Some(20), Some(3)),
                d("https://a.test/news/2", None, None),
            ]
        );
    }

    #[test]
    fn resolve_http_rejects_other_schemes() {
        let base = Url::parse("https://a.test/x/").unwrap();
        assert_eq!(
            resolve_http(&base, " y?utm_source=z#f ").unwrap().as_str(),
            "https://a.test/x/y"
        );
        assert!(resolve_http(&base, "mailto:a@a.test").is_none());
        assert!(resolve_http(&base, "javascript:void(0)").is_none());
        assert!(resolve_http(&base, "").is_none());
    }

    #[test]
    fn discovered_urls_are_bounded_in_length_and_never_carry_credentials() {
        let base = Url::parse("https://user:secret@a.test/feed").unwrap();
        assert_eq!(
            resolve_http(&base, "/news/1").unwrap().as_str(),
            "https://a.test/news/1"
        );
        let long = format!("/news/{}", "x".repeat(MAX_URL_LEN));
        assert!(resolve_http(&base, &long).is_none());
        let fits = format!("/{}", "x".repeat(MAX_URL_LEN - "https://a.test/".len()));
        assert!(resolve_http(&base, &fits).is_some());
    }
}
