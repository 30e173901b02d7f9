//! The headline: JSON-LD, meta tags, `itemprop`, `<title>` or `<h1>`, without the site's name.

use super::super::dom::{Dom, Tag};
use super::super::jsonld::LdArticle;
use super::Found;
use super::tags::MetaTags;
use crate::model::FieldSource;

/// Separators sites put between a headline and their name in `<title>`.
const TITLE_SEPARATORS: &[&str] = &[
    " | ", " - ", " – ", " — ", " :: ", " » ", " · ", " / ", " \\ ",
];

/// Strips a site name from a `<title>`-like string, keeping the part that reads like a headline.
fn strip_site_name(t: &str) -> String {
    for sep in TITLE_SEPARATORS {
        if let Some(i) = t.rfind(sep) {
            let head = t[..i].trim();
            if headline_like(head) {
                return head.to_owned();
            }
            if let Some(j) = t.find(sep) {
                let tail = t[j + sep.len()..].trim();
                if headline_like(tail) && !headline_like(head) {
                    return tail.to_owned();
                }
            }
        }
    }
    t.to_owned()
}

pub(super) fn title(
    ld: &LdArticle,
    metas: &MetaTags<'_>,
    itemprop: Option<String>,
    h1: Option<String>,
    dom: &Dom<'_>,
) -> Found {
    let doc_title = (0..dom.nodes.len())
        .find(|&i| dom.tag(i) == Some(Tag::Title))
        .map(|i| dom.text_of(i))
        .filter(|t| !t.is_empty());
    let h1 = h1.filter(|h| !h.is_empty() && h.chars().count() < 300);
    let found: Found = ld
        .headline
        .clone()
        .map(|t| (t, FieldSource::JsonLd))
        .or_else(|| {
            metas
                .first(&[
                    "og:title",
                    "twitter:title",
                    "dc.title",
                    "parsely-title",
                    "title",
                ])
                .map(|t| (t, FieldSource::Meta))
        })
        .or_else(|| itemprop.map(|t| (t, FieldSource::Itemprop)))
        .or_else(|| doc_title.map(|t| (strip_site_name(&t), FieldSource::Text)))
        .or_else(|| h1.clone().map(|t| (t, FieldSource::Text)));
    match (found, h1) {
        // Even JSON-LD headlines sometimes carry the site name after a separator.
        (Some((t, src)), Some(h))
            if t != h
                && h.split_whitespace().count() >= 2
                && t.starts_with(h.as_str())
                && t[h.len()..]
                    .trim_start()
                    .starts_with(['|', '-', '–', '—', '·', ':', '»']) =>
        {
            Some((h, src))
        }
        // "Headline | Site" in meta while the page's <h1> is the bare headline.
        (Some((t, src)), Some(h))
            if t != h
                && t.contains(h.as_str())
                && h.split_whitespace().count() >= 2
                && src != FieldSource::JsonLd =>
        {
            Some((h, FieldSource::Text))
        }
        (Some((t, src)), _) if src == FieldSource::Meta => Some((strip_site_name(&t), src)),
        (f, _) => f,
    }
}

/// Three words, or ten characters of a script written without spaces.
fn headline_like(s: &str) -> bool {
    s.split_whitespace().count() >= 3
        || (s.chars().count() >= 10 && s.chars().any(|c| c as u32 >= 0x2E80))
}
