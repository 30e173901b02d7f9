//! Feeds: RSS 0.9x/1.0/2.0 (with or without `content:encoded`), Atom and JSON Feed, via feed-rs.

use url::Url;

use super::{Discovered, canonicalize};
use crate::error::{Error, Result};

/// The article links of a feed, resolved against `feed_url` and canonicalised.
/// Entries without an http(s) link are skipped.
pub fn parse_feed(bytes: &[u8], feed_url: &Url) -> Result<Vec<Discovered>> {
    let feed = feed_rs::parser::Builder::new()
        .base_uri(Some(feed_url.as_str()))
        .build()
        .parse(bytes)
        .map_err(|e| Error::Parse {
            url: feed_url.to_string(),
            kind: "feed",
            message: e.to_string(),
        })?;
    let mut out = Vec::with_capacity(feed.entries.len());
    for entry in feed.entries {
        // An Atom entry may carry several links; the article is the "alternate" one.
        let link = entry
            .links
            .iter()
            .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .or_else(|| entry.links.first())
            .map(|l| l.href.trim().to_owned())
            // RSS items sometimes carry the article URL only as a permalink guid.
            .or_else(|| Some(entry.id.clone()).filter(|id| id.starts_with("http")));
        let Some(url) = link.and_then(|href| feed_url.join(&href).ok()) else {
            continue;
        };
        if !matches!(url.scheme(), "http" | "https") {
            continue;
        }
        out.push(Discovered {
            url: canonicalize(&url),
            updated: entry.updated,
            published: entry.published,
        });
    }
    Ok(out)
}
