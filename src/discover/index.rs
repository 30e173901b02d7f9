//! Index pages (home pages, section fronts): their `<a href>` links that match the article pattern.

use std::collections::HashSet;

use regex::Regex;
use scraper::{Html, Selector};
use url::Url;

use super::resolve_http;

/// Article links of an index page, in page order, without duplicates.
///
/// Each `<a href>` is resolved against the page's first `<base href>` (itself resolved against
/// `page_url`) or else `page_url`, canonicalised, kept only if it is http(s), then matched
/// against `pattern` (when given) on its absolute canonical form.
pub fn index_links(html: &str, page_url: &Url, pattern: Option<&Regex>) -> Vec<Url> {
    let doc = Html::parse_document(html);
    let base = Selector::parse("base[href]")
        .ok()
        .and_then(|sel| doc.select(&sel).next())
        .and_then(|el| el.value().attr("href"))
        .and_then(|href| page_url.join(href.trim()).ok())
        .unwrap_or_else(|| page_url.clone());
    let Ok(anchors) = Selector::parse("a[href]") else {
        return Vec::new();
    };
    let mut seen = HashSet::new();
    doc.select(&anchors)
        .filter_map(|a| a.value().attr("href"))
        .filter_map(|href| resolve_http(&base, href))
        .filter(|url| pattern.is_none_or(|p| p.is_match(url.as_str())))
        .filter(|url| seen.insert(url.clone()))
        .collect()
}
