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
    let ld_authors =
        || (!ld.authors.is_empty()).then(|| (ld.authors.join(", "), FieldSource::JsonLd));
    let meta = || {
        metas
            .first(AUTHOR_KEYS)
            .filter(|a| !a.starts_with("http"))
            .map(|a| (stamps::clean_byline(&a), FieldSource::Meta))
    };
    // Each source in order of trust; one that holds no name gives way to the next, and the
    // site's own name (a publisher filed as author) to a person's name further down.
    let site = metas.first(&["og:site_name", "application-name"]);
    let is_site = |a: &str| {
        site.as_deref()
            .is_some_and(|s| a.eq_ignore_ascii_case(s.trim()))
    };
    let candidates: Vec<(String, FieldSource)> = [
        person.then(ld_authors).flatten(),
        meta(),
        itemprop.map(|a| (stamps::clean_byline(a), FieldSource::Itemprop)),
        element.map(|a| (a, FieldSource::Text)),
        text.map(|a| (a, FieldSource::Text)),
        ld_authors(),
    ]
    .into_iter()
    .flatten()
    .map(|(a, src)| (without_site(tidy(&a), site.as_deref()), src))
    .filter(|(a, _)| names_someone(a))
    .collect();
    // A name has a word that does not start lowercase (capitalised, or in a script
    // without case).
    let capitalised = |a: &str| {
        a.split_whitespace()
            .any(|w| w.starts_with(|c: char| c.is_alphabetic() && !c.is_lowercase()))
    };
    let person = candidates
        .iter()
        .position(|(a, _)| !is_site(a) && capitalised(a))
        .unwrap_or(0);
    candidates.into_iter().nth(person)
}

/// Bullets and separators the byline's layout put around the name.
fn tidy(a: &str) -> String {
    const MARKS: &[char] = &[
        ',', ';', ':', '|', '•', '●', '·', '▪', '■', '◆', '-', '–', '—', '/', '*',
    ];
    a.trim_matches(|c: char| c.is_whitespace() || MARKS.contains(&c))
        .to_owned()
}

/// "Jane Doe USA Today", "Jane Doe, USA Today": the publication's name after the person's
/// is not part of the name ("CEO of Acme" and "Jane / Acme" are how the byline reads).
fn without_site(a: String, site: Option<&str>) -> String {
    let Some(site) = site.map(str::trim).filter(|s| !s.is_empty()) else {
        return a;
    };
    let Some(cut) = a.len().checked_sub(site.len()).filter(|&c| c > 0) else {
        return a;
    };
    if !a.is_char_boundary(cut) || !a[cut..].eq_ignore_ascii_case(site) {
        return a;
    }
    let head = a[..cut].trim_end().trim_end_matches(',');
    let last = head.rsplit(' ').next().unwrap_or("");
    let joined = a[..cut].ends_with(' ') && head.ends_with(char::is_alphanumeric);
    if joined && !["of", "at", "for", "with", "from"].contains(&last) && !head.is_empty() {
        head.to_owned()
    } else {
        a
    }
}

/// Words that sit lowercase inside names and team bylines ("Ludwig van Beethoven",
/// "Jane Doe and John Roe", "the Editors").
const NAME_PARTICLES: &[&str] = &[
    "and", "of", "the", "van", "der", "den", "de", "von", "da", "di", "du", "del", "la", "le",
    "bin", "al", "el", "y", "e", "et", "und", "team", "staff", "editors",
];

/// Whether a byline candidate can be a name: it has letters, it is not a date, not a
/// template's unfilled variable (`{{author}}`, `page.head.author`), and not a piece of prose
/// (several lowercase words outnumbering capitalised ones).
fn names_someone(s: &str) -> bool {
    if !s.chars().any(char::is_alphabetic)
        || s.contains("{{")
        || s.contains("${")
        || super::super::dates::parse(s, &super::super::dates::Hints::default()).is_some()
    {
        return false;
    }
    // An unfilled variable names the field it was to fill.
    let dotted = s.split('.').count() >= 3
        && s.split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && (s.ends_with(".author") || s.ends_with(".name"));
    let words = s
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()));
    let (mut lower, mut upper) = (0, 0);
    for w in words.filter(|w| !w.is_empty()) {
        match w.chars().next() {
            Some(c) if c.is_lowercase() && !NAME_PARTICLES.contains(&w) => lower += 1,
            Some(c) if c.is_uppercase() => upper += 1,
            _ => {}
        }
    }
    !(dotted || lower >= 3 && lower > upper)
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
            // attrs.rs keeps an href before parsing only where it holds "/author" (or `&`) or sits in an <h1>.
            || attr(el, "href").is_some_and(|h| h.contains("/author"))
            || dom
                .class_id(j)
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|t| t == "name" || t == "fn");
        let text = dom.text_of(j);
        (is_name && text.chars().any(char::is_alphabetic)).then_some(text)
    })
}

#[cfg(test)]
mod tests {
    use super::names_someone;

    #[test]
    fn names_and_what_is_not_one() {
        for name in [
            "Jane Doe",
            "Ludwig van Beethoven",
            "the Lavazza Team",
            "jsteinhardt",
            "h.szeyee",
            "sara.r.peter",
            "Danielle DeSiato, Donna Enzmann, and Natalie Nguyen",
        ] {
            assert!(names_someone(name), "{name}");
        }
        for not in [
            "Sat, 20 Dec, 2025",
            "262588213843476",
            "page.head.extra.author",
            "{{ author }}",
            "handling routine tasks centrally, HR professionals can focus",
        ] {
            assert!(!names_someone(not), "{not}");
        }
    }
}
