//! Index pages: the links of a front or section page that match a site's article pattern.

use std::collections::HashSet;

use regex::Regex;
use scraper::{Html, Selector};
use url::Url;

use super::canonicalize;

/// Absolute, canonicalised http(s) links of `html` (resolved against `<base href>` or
/// `page_url`) that match `pattern`, in page order, each once.
pub fn index_links(html: &str, page_url: &Url, pattern: &Regex) -> Vec<Url> {
    let doc = Html::parse_document(html);
    let (Ok(base_sel), Ok(a_sel)) = (Selector::parse("base[href]"), Selector::parse("a[href]"))
    else {
        return Vec::new();
    };
    let base = doc
        .select(&base_sel)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|h| page_url.join(h.trim()).ok())
        .unwrap_or_else(|| page_url.clone());
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for a in doc.select(&a_sel) {
        let Some(href) = a.value().attr("href") else {
            continue;
        };
        let Ok(url) = base.join(href.trim()) else {
            continue;
        };
        if !matches!(url.scheme(), "http" | "https") {
            continue;
        }
        let url = canonicalize(&url);
        if pattern.is_match(url.as_str()) && seen.insert(url.clone()) {
            out.push(url);
        }
    }
    out
}
