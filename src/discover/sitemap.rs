//! Sitemaps (sitemaps.org): `urlset` with `lastmod` and Google News `publication_date`,
//! `sitemapindex` children, gzip detected by its magic bytes.

use std::io::Read;

use chrono::{DateTime, NaiveDate, Utc};
use quick_xml::events::Event;
use url::Url;

use super::{Discovered, canonicalize};
use crate::error::{Error, Result};

/// Decompressed size above which a sitemap is refused (the protocol allows 50 MB).
pub const MAX_SITEMAP_BYTES: u64 = 50 * 1024 * 1024;
/// Entries read from one sitemap (the protocol's limit).
pub const MAX_SITEMAP_URLS: usize = 50_000;

/// What one sitemap file lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sitemap {
    /// Pages of a `urlset`.
    pub urls: Vec<Discovered>,
    /// Child sitemaps of a `sitemapindex`.
    pub sitemaps: Vec<Url>,
}

/// Parses a sitemap or sitemap index, gzipped or not; relative `loc`s resolve against `sitemap_url`.
pub fn parse_sitemap(bytes: &[u8], sitemap_url: &Url) -> Result<Sitemap> {
    let err = |message: String| Error::Parse {
        url: sitemap_url.to_string(),
        kind: "sitemap",
        message,
    };
    let inflated;
    let xml: &[u8] = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .take(MAX_SITEMAP_BYTES + 1)
            .read_to_end(&mut out)
            .map_err(|e| err(format!("bad gzip: {e}")))?;
        if out.len() as u64 > MAX_SITEMAP_BYTES {
            return Err(err(format!(
                "more than {MAX_SITEMAP_BYTES} bytes uncompressed"
            )));
        }
        inflated = out;
        &inflated
    } else {
        bytes
    };

    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut map = Sitemap::default();
    let mut root: Option<Vec<u8>> = None;
    let mut entry = Entry::default();
    let mut field: Option<Field> = None;
    let mut text = String::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| err(format!("at byte {}: {e}", reader.buffer_position())))?;
        match event {
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_vec();
                if root.is_none() {
                    if name != b"urlset" && name != b"sitemapindex" {
                        return Err(err(format!(
                            "root element <{}> is neither <urlset> nor <sitemapindex>",
                            String::from_utf8_lossy(&name)
                        )));
                    }
                    root = Some(name);
                    continue;
                }
                match name.as_slice() {
                    b"url" | b"sitemap" => entry = Entry::default(),
                    b"loc" => field = Some(Field::Loc),
                    b"lastmod" => field = Some(Field::Lastmod),
                    b"publication_date" => field = Some(Field::Published),
                    _ => field = None,
                }
                text.clear();
            }
            Event::Text(t) if field.is_some() => {
                text.push_str(&t.decode().map_err(|e| err(e.to_string()))?);
            }
            Event::CData(t) if field.is_some() => {
                text.push_str(&String::from_utf8_lossy(&t));
            }
            Event::GeneralRef(r) if field.is_some() => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => match &*r {
                        b"amp" => Some('&'),
                        b"lt" => Some('<'),
                        b"gt" => Some('>'),
                        b"quot" => Some('"'),
                        b"apos" => Some('\''),
                        _ => None,
                    },
                };
                if let Some(c) = resolved {
                    text.push(c);
                }
            }
            Event::End(e) => {
                let name = e.local_name();
                match (name.as_ref(), field.take()) {
                    (_, Some(Field::Loc)) => entry.loc = Some(text.trim().to_owned()),
                    (_, Some(Field::Lastmod)) => entry.lastmod = parse_date(text.trim()),
                    (_, Some(Field::Published)) => entry.published = parse_date(text.trim()),
                    (b"url", None) => {
                        if let Some(url) = entry.url(sitemap_url) {
                            map.urls.push(Discovered {
                                url: canonicalize(&url),
                                updated: entry.lastmod.or(entry.published),
                                published: entry.published,
                            });
                        }
                    }
                    (b"sitemap", None) => {
                        if let Some(url) = entry.url(sitemap_url) {
                            map.sitemaps.push(url);
                        }
                    }
                    _ => {}
                }
                text.clear();
                if map.urls.len() + map.sitemaps.len() >= MAX_SITEMAP_URLS {
                    break;
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if root.is_none() {
        return Err(err("no <urlset> or <sitemapindex> element".into()));
    }
    Ok(map)
}

enum Field {
    Loc,
    Lastmod,
    Published,
}

#[derive(Default)]
struct Entry {
    loc: Option<String>,
    lastmod: Option<DateTime<Utc>>,
    published: Option<DateTime<Utc>>,
}

impl Entry {
    fn url(&self, base: &Url) -> Option<Url> {
        let url = base.join(self.loc.as_deref()?).ok()?;
        matches!(url.scheme(), "http" | "https").then_some(url)
    }
}

/// W3C datetime as sitemaps use it: a full RFC 3339 stamp or a bare date (taken as midnight UTC).
fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    // "2024-04-25T16:32+04:00" (no seconds) is valid W3C datetime but not RFC 3339.
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M%:z") {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}
