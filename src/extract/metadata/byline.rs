//! The byline: JSON-LD authors, author metas, `itemprop=author`, author-classed elements, "By …" lines.

use super::super::dom::{Dom, attr};
use super::super::jsonld::LdArticle;
use super::super::stamps;
use super::Found;
use super::tags::MetaTags;
use crate::model::FieldSource;

/// Most nodes a byline element may have; bounds the text gathered per candidate.
pub(super) const SMALL_SUBTREE: usize = 40;

/// Author meta keys, most specific first.
const AUTHOR_KEYS: &[&str] = &[
    "author",
    "article:author",
    "dc.creator",
    "dcterms.creator",
    "parsely-author",
    "sailthru.author",
    "byl",
];

/// Picks the byline from the sources in order of trust.
pub(super) fn choose(
    ld: &LdArticle,
    metas: &MetaTags<'_>,
    itemprop: Option<&String>,
    element: Option<String>,
    text: Option<String>,
) -> Found {
    // A publisher named as author yields to a person's byline on the page.
    let person =
        !ld.organization_authors || (itemprop.is_none() && element.is_none() && text.is_none());
    (!ld.authors.is_empty() && person)
        .then(|| (ld.authors.join(", "), FieldSource::JsonLd))
        .or_else(|| {
            metas
                .first(AUTHOR_KEYS)
                .filter(|a| !a.starts_with("http"))
                .map(|a| (stamps::clean_byline(&a), FieldSource::Meta))
        })
        .or_else(|| itemprop.map(|a| (stamps::clean_byline(a), FieldSource::Itemprop)))
        .or_else(|| element.map(|a| (a, FieldSource::Text)))
        .or_else(|| text.map(|a| (a, FieldSource::Text)))
        .or_else(|| (!ld.authors.is_empty()).then(|| (ld.authors.join(", "), FieldSource::JsonLd)))
        .filter(|(a, _)| !a.is_empty())
}

/// The cleaned name of an author-classed element `i` (`rel=author`, `.byline`), if it is a byline.
pub(super) fn element_name(dom: &Dom<'_>, i: usize) -> Option<String> {
    let el = dom.element(i)?;
    let rel_author = attr(el, "rel") == Some("author");
    // A byline is a few nodes; larger author-named wrappers (bio boxes, author pages) are not.
    if !(rel_author || names_author(dom.class_id(i)))
        || dom.nodes[i].end as usize - i > SMALL_SUBTREE
    {
        return None;
    }
    // Name, role and date often sit side by side in the byline: the author link or the
    // name-classed child is the name alone.
    let text = inner_name(dom, i).unwrap_or_else(|| dom.text_of(i));
    let name = stamps::clean_byline(&text);
    (!name.is_empty() && name.chars().count() < 80 && name.chars().any(char::is_alphabetic))
        .then_some(name)
}

/// A class/id naming a byline or author element (not "authority", not an author's bio or avatar).
fn names_author(ci: &str) -> bool {
    if ci.contains("bio") || ci.contains("avatar") || ci.contains("image") || ci.contains("photo") {
        return false;
    }
    ci.split(|c: char| !c.is_ascii_alphanumeric()).any(|t| {
        t.contains("byline")
            || t.ends_with("author")
            || t.ends_with("authors")
            || t == "author-name"
    })
}

/// The `itemprop=name` inside an `itemprop=author` element.
pub(super) fn name_inside(dom: &Dom<'_>, i: usize) -> Option<String> {
    let end = dom.nodes[i].end as usize;
    (i + 1..end).find_map(|j| {
        let el = dom.element(j)?;
        attr(el, "itemprop").filter(|p| p.contains("name"))?;
        let v = attr(el, "content")
            .map(str::to_owned)
            .unwrap_or_else(|| dom.text_of(j));
        (!v.is_empty()).then_some(v)
    })
}

/// The text of the author link (`rel=author`, an `/author/` page) or name-classed element inside byline `i`.
fn inner_name(dom: &Dom<'_>, i: usize) -> Option<String> {
    let end = dom.nodes[i].end as usize;
    (i + 1..end).find_map(|j| {
        let el = dom.element(j)?;
        let is_name = attr(el, "rel") == Some("author")
            // attrs.rs keeps an href before parsing only where it holds "/author" (or `&`).
            || attr(el, "href").is_some_and(|h| h.contains("/author"))
            || dom
                .class_id(j)
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|t| t == "name" || t == "fn");
        let text = dom.text_of(j);
        (is_name && text.chars().any(char::is_alphabetic)).then_some(text)
    })
}
