//! Discovery, pure: article URLs out of feeds, sitemaps and index pages, and the URL
//! canonicalisation that makes one article one record however it was reached.
//!
//! Callers apply the site's `article_pattern` to every URL found here, whatever its source.

mod canonical;
mod feed;
mod index;
mod sitemap;

use chrono::{DateTime, Utc};
use url::Url;

pub use canonical::canonicalize;
pub use feed::parse_feed;
pub use index::index_links;
pub use sitemap::{MAX_SITEMAP_BYTES, MAX_SITEMAP_URLS, Sitemap, parse_sitemap};

/// A URL found by discovery, with the dates its source gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// Absolute, canonicalised URL.
    pub url: Url,
    /// When the source says the entry last changed (feed `updated`, sitemap `lastmod`):
    /// a hint to re-check early.
    pub updated: Option<DateTime<Utc>>,
    /// When the source says it was published.
    pub published: Option<DateTime<Utc>>,
}
