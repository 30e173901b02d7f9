//! Sitemaps (urlset, sitemapindex, gzip, Google News, plain-text and feed sitemaps) to article URLs.

use std::io::Read;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use flate2::read::MultiGzDecoder;
use quick_xml::NsReader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use url::Url;

use super::{Discovered, parse_feed, resolve_http};
use crate::error::{Error, Result};

/// Largest sitemap accepted, after decompression: the sitemap protocol's 50 MB, with room for
/// MiB rounding. A gzip file inflating past it is rejected as a bomb.
pub const MAX_SITEMAP_BYTES: u64 = 50 * 1024 * 1024;

/// Most entries read from one sitemap, per the sitemap protocol; the rest are ignored.
pub const MAX_SITEMAP_ENTRIES: usize = 50_000;

/// What one sitemap document lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sitemap {
    /// Pages of a `<urlset>` (or of a text or feed sitemap), canonicalised, in document order.
    /// `updated` is `<lastmod>`, `published` is Google News `<news:publication_date>`.
    pub urls: Vec<Discovered>,
    /// Child sitemaps of a `<sitemapindex>`, with their `<lastmod>` in `updated` so the caller
    /// can skip children that have not moved since its last read.
    pub sitemaps: Vec<Discovered>,
    /// True when the document had more than [`MAX_SITEMAP_ENTRIES`] entries and the rest were
    /// ignored.
    pub truncated: bool,
}

/// Parses a sitemap document fetched from `sitemap_url`.
///
/// Gzip is recognised by its magic bytes, whatever the URL or content type says. XML elements
/// are matched by namespace, so an `<image:loc>` inside a `<url>` is never taken for the page's
/// `<loc>`; sitemaps that omit the namespace are accepted too. The protocol also allows RSS/Atom
/// feeds and plain-text lists of URLs as sitemaps; both are read. Malformed documents, gzip
/// bombs and documents over [`MAX_SITEMAP_BYTES`] give [`Error::Parse`] with kind `"sitemap"`.
pub fn parse_sitemap(bytes: &[u8], sitemap_url: &Url) -> Result<Sitemap> {
    let err = |message: String| Error::Parse {
        url: super::without_credentials(sitemap_url).to_string(),
        kind: "sitemap",
        message,
    };
    let inflated;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        inflated = gunzip(bytes, MAX_SITEMAP_BYTES).map_err(err)?;
        &inflated[..]
    } else if bytes.len() as u64 > MAX_SITEMAP_BYTES {
        return Err(err(format!(
            "document exceeds the {MAX_SITEMAP_BYTES}-byte limit"
        )));
    } else {
        bytes
    };
    // The protocol mandates UTF-8; a stray byte elsewhere should not lose every URL.
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with('<') {
        parse_xml(text, sitemap_url).map_err(err)
    } else {
        parse_text(text).map_err(err)
    }
}

/// Inflates gzip data, refusing to produce more than `limit` bytes.
fn gunzip(bytes: &[u8], limit: u64) -> std::result::Result<Vec<u8>, String> {
    let mut out = Vec::new();
    MultiGzDecoder::new(bytes)
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("gzip: {e}"))?;
    if out.len() as u64 > limit {
        return Err(format!(
            "gzip data inflates past the {limit}-byte limit (a compression bomb?)"
        ));
    }
    Ok(out)
}

/// A plain-text sitemap: one absolute URL per line.
fn parse_text(text: &str) -> std::result::Result<Sitemap, String> {
    let mut map = Sitemap::default();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some(url) = Url::parse(line).ok().and_then(|u| resolve_http(&u, line)) else {
            continue;
        };
        if map.urls.len() == MAX_SITEMAP_ENTRIES {
            map.truncated = true;
            break;
        }
        map.urls.push(Discovered::new(&url));
    }
    if map.urls.is_empty() && !text.trim().is_empty() {
        return Err(format!(
            "neither XML nor a list of URLs (starts with {:?})",
            text.chars().take(40).collect::<String>()
        ));
    }
    Ok(map)
}

/// Which vocabulary an element belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    /// The sitemap protocol's (any version, or no namespace at all).
    Sitemap,
    /// Google News' extension.
    News,
    /// Anything else (images, video, xhtml links...): ignored.
    Other,
}

fn classify(ns: &ResolveResult<'_>) -> Ns {
    match ns {
        ResolveResult::Unbound => Ns::Sitemap,
        ResolveResult::Bound(ns) => {
            let ns = ns.into_inner();
            if ns.contains("/schemas/sitemap-news/") {
                Ns::News
            } else if ns.contains("/schemas/sitemap/") {
                // sitemaps.org 0.9, Google's legacy 0.84, and their https spellings.
                Ns::Sitemap
            } else {
                Ns::Other
            }
        }
        ResolveResult::Unknown(_) => Ns::Other,
    }
}

/// The entry being read (`<url>` or `<sitemap>`).
#[derive(Default)]
struct Pending {
    loc: Option<String>,
    lastmod: Option<String>,
    publication_date: Option<String>,
}

fn parse_xml(text: &str, sitemap_url: &Url) -> std::result::Result<Sitemap, String> {
    let mut reader = NsReader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<(Ns, String)> = Vec::new();
    let mut root: Option<String> = None;
    let mut pending = Pending::default();
    let mut buf = String::new();
    let mut map = Sitemap::default();
    loop {
        let pos = reader.buffer_position();
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| format!("XML error at byte {pos}: {e}"))?;
        match event {
            Event::Start(e) => {
                let name = e.local_name().into_inner().to_owned();
                let ns = classify(&ns);
                if stack.is_empty() {
                    match (ns, name.as_str()) {
                        (Ns::Sitemap, "urlset" | "sitemapindex") => root = Some(name.clone()),
                        // The protocol accepts feeds as sitemaps.
                        (_, "rss" | "feed" | "RDF") => {
                            let urls = parse_feed(text.as_bytes(), sitemap_url)
                                .map_err(|e| e.to_string())?;
                            return Ok(Sitemap {
                                urls,
                                ..Sitemap::default()
                            });
                        }
                        _ => return Err(format!("root element <{name}> is not a sitemap")),
                    }
                }
                if stack.len() == 1 && ns == Ns::Sitemap {
                    pending = Pending::default();
                }
                stack.push((ns, name));
                buf.clear();
            }
            Event::Empty(e) if stack.is_empty() => {
                let name = e.local_name().into_inner();
                return match (classify(&ns), name) {
                    // `<urlset/>`: legal, and lists nothing.
                    (Ns::Sitemap, "urlset" | "sitemapindex") => Ok(map),
                    _ => Err(format!("root element <{name}> is not a sitemap")),
                };
            }
            Event::Text(t) => buf.push_str(&t.xml10_content()),
            Event::CData(t) => buf.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    buf.push(c);
                } else if let Some(s) = resolve_predefined_entity(&r) {
                    buf.push_str(s);
                }
            }
            Event::End(_) => {
                let Some((ns, name)) = stack.pop() else {
                    return Err("unbalanced end tag".into());
                };
                let value = std::mem::take(&mut buf);
                let parent = stack.last().map(|(ns, n)| (*ns, n.as_str()));
                match (stack.len(), ns, name.as_str(), parent) {
                    (2, Ns::Sitemap, "loc", Some((Ns::Sitemap, _))) => pending.loc = Some(value),
                    (2, Ns::Sitemap, "lastmod", Some((Ns::Sitemap, _))) => {
                        pending.lastmod = Some(value)
                    }
                    (3, Ns::News, "publication_date", Some((Ns::News, "news"))) => {
                        pending.publication_date = Some(value)
                    }
                    (1, Ns::Sitemap, "url" | "sitemap", _) => {
                        let entry = std::mem::take(&mut pending);
                        let is_index = root.as_deref() == Some("sitemapindex");
                        if (name == "sitemap") != is_index {
                            continue;
                        }
                        if map.urls.len() + map.sitemaps.len() == MAX_SITEMAP_ENTRIES {
                            map.truncated = true;
                            return Ok(map);
                        }
                        let Some(url) = entry
                            .loc
                            .as_deref()
                            .and_then(|loc| resolve_http(sitemap_url, loc))
                        else {
                            continue;
                        };
                        let item = Discovered {
                            url,
                            updated: entry.lastmod.as_deref().and_then(parse_w3c_datetime),
                            published: entry
                                .publication_date
                                .as_deref()
                                .and_then(parse_w3c_datetime),
                        };
                        if is_index {
                            map.sitemaps.push(item);
                        } else {
                            map.urls.push(item);
                        }
                    }
                    _ => {}
                }
            }
            Event::Eof => {
                return match (root, stack.is_empty()) {
                    (Some(_), true) => Ok(map),
                    (Some(_), false) => Err("unexpected end of document".into()),
                    (None, _) => Err("no root element".into()),
                };
            }
            _ => {}
        }
    }
}

/// Parses the W3C Datetime profile the protocol uses (`2024-05-01`, `2024-05-01T10:00+02:00`,
/// `2024-05-01T10:00:00.5Z`...), plus the RFC 3339 and zone-less forms sites emit anyway.
/// A zone-less time is taken as UTC. Unparseable dates are `None`: one bad date must not cost
/// the URL.
pub(crate) fn parse_w3c_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M%#z",
        "%Y-%m-%dT%H:%M:%S%.f%#z",
        "%Y-%m-%d %H:%M:%S%.f%#z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    let s = s.trim_end_matches('Z');
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn w3c_datetimes() {
        let cases = [
            ("2024-05-01", "2024-05-01T00:00:00+00:00"),
            ("2024-05-01T10:00+02:00", "2024-05-01T08:00:00+00:00"),
            ("2024-05-01T10:00Z", "2024-05-01T10:00:00+00:00"),
            ("2024-05-01T10:00:30.5Z", "2024-05-01T10:00:30.500+00:00"),
            ("2024-05-01T10:00:30+0100", "2024-05-01T09:00:30+00:00"),
            ("2024-05-01T10:00:30", "2024-05-01T10:00:30+00:00"),
            (" 2024-05-01 10:00:30 ", "2024-05-01T10:00:30+00:00"),
        ];
        for (input, want) in cases {
            let got = parse_w3c_datetime(input).map(|t| t.to_rfc3339());
            assert_eq!(got.as_deref(), Some(want), "{input}");
        }
        assert_eq!(parse_w3c_datetime("yesterday"), None);
        assert_eq!(parse_w3c_datetime("2024-13-45"), None);
    }
}
