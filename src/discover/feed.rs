//! Feeds (RSS 0.9x/1.0/2.0, RSS with content:encoded, Atom, JSON Feed) to article URLs, via feed-rs.

use feed_rs::model::Entry;
use url::Url;

use super::{Discovered, resolve_http};
use crate::error::{Error, Result};

/// The articles a feed lists, in feed order.
///
/// Relative links are resolved against the entry's `xml:base` when it has one, else against
/// `feed_url`; URLs are canonicalised. Entries without a usable http(s) link are skipped (an RSS
/// `guid` that is an absolute http(s) URL counts as a link when there is no `<link>`). A document
/// that is not a feed at all gives [`Error::Parse`] with kind `"feed"`.
pub fn parse_feed(bytes: &[u8], feed_url: &Url) -> Result<Vec<Discovered>> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(feed_url.as_str()))
        .build();
    let feed = parser.parse(bytes).map_err(|e| Error::Parse {
        url: super::without_credentials(feed_url).to_string(),
        kind: "feed",
        message: e.to_string(),
    })?;
    Ok(feed
        .entries
        .iter()
        .filter_map(|entry| {
            let url = entry_url(entry, feed_url)?;
            Some(Discovered {
                url,
                updated: entry.updated,
                published: entry.published,
            })
        })
        .collect())
}

/// The entry's article link: the `alternate` (or rel-less) link first, then any link, then a
/// URL-shaped id.
fn entry_url(entry: &Entry, feed_url: &Url) -> Option<Url> {
    let base = entry
        .base
        .as_deref()
        .and_then(|b| feed_url.join(b).ok())
        .unwrap_or_else(|| feed_url.clone());
    let is_alternate = |rel: &Option<String>| rel.as_deref().is_none_or(|r| r == "alternate");
    entry
        .links
        .iter()
        .filter(|l| is_alternate(&l.rel))
        .chain(entry.links.iter().filter(|l| !is_alternate(&l.rel)))
        .filter(|l| !matches!(l.rel.as_deref(), Some("enclosure" | "self" | "replies")))
        .find_map(|l| resolve_http(&base, &l.href))
        .or_else(|| {
            // Only an absolute id is a link: a relative one is an opaque identifier, not a path.
            Url::parse(entry.id.trim())
                .ok()
                .and_then(|u| resolve_http(&u, u.as_str()))
        })
}
