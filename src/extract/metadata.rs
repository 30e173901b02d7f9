//! Title, byline, publication and last-update stamps, each with where it came from; the article's own stamps beat page-wide ones.

use std::collections::HashMap;

use super::boilerplate::class_id;
use super::dates::{self, Hints};
use super::dom::{Dom, Kind, Tag};
use super::jsonld::{self, LdArticle};
use super::render;
use super::stamps::{self, StampKind};
use crate::model::FieldSource;

/// A metadata value and its source.
pub(crate) type Found = Option<(String, FieldSource)>;

/// Everything besides the text.
#[derive(Debug, Default)]
pub(crate) struct Meta {
    pub title: Found,
    pub byline: Found,
    pub published: Found,
    pub last_update: Found,
    pub canonical: Option<String>,
    /// The main `<h1>`, dropped from the body text.
    pub h1: Option<String>,
}

/// Most nodes a byline or a stamp's parent may have; bounds the text gathered per candidate.
const SMALL_SUBTREE: usize = 40;

/// `<meta>` values keyed by lowercased `property`/`name`/`itemprop`; the first occurrence wins.
fn meta_tags<'a>(dom: &Dom<'a>) -> HashMap<String, &'a str> {
    let mut m = HashMap::new();
    for n in &dom.nodes {
        let Kind::Element(Tag::Meta, el) = n.kind else {
            continue;
        };
        let Some(content) = el.attr("content") else {
            continue;
        };
        for key in ["property", "name", "itemprop"] {
            // `property="og:title twitter:title"` names several keys at once.
            for k in el.attr(key).unwrap_or("").split_whitespace() {
                m.entry(k.to_ascii_lowercase()).or_insert(content);
            }
        }
    }
    m
}

fn first_meta(m: &HashMap<String, &str>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| {
        let v = super::normalize::collapse(&super::normalize::decode_entities(m.get(*k)?));
        (!v.is_empty()).then_some(v)
    })
}

/// The subtrees that count as "the article": its `<article>` (or schema.org Article) ancestor,
/// else the body's container a few levels up, without swallowing the page.
pub(crate) fn scope(dom: &Dom<'_>, roots: &[usize], total_chars: &[u32]) -> Vec<usize> {
    let Some(&first) = roots.first() else {
        return Vec::new();
    };
    let base = if roots.len() > 1 {
        dom.nodes[first].parent as usize
    } else {
        first
    };
    let is_page = |i: usize| matches!(dom.tag(i), Some(Tag::Body | Tag::Html)) || i == 0;
    let mut a = base;
    while !is_page(a) {
        if let Some(el) = dom.element(a) {
            let itemtype = el.attr("itemtype").unwrap_or("");
            if dom.tag(a) == Some(Tag::Article)
                || itemtype.contains("Article")
                || itemtype.contains("BlogPosting")
            {
                return vec![a];
            }
        }
        a = dom.nodes[a].parent as usize;
    }
    // No article element: climb while the container stays close to the body's own size.
    let own = total_chars.get(base).copied().unwrap_or(0);
    let mut s = base;
    for _ in 0..3 {
        let p = dom.nodes[s].parent as usize;
        if is_page(p) || total_chars.get(p).copied().unwrap_or(0) > own + own / 2 + 1500 {
            break;
        }
        s = p;
    }
    vec![s]
}

/// Collects metadata; `scope` are the article's subtrees, `plain` the removal flags of structural pruning only.
pub(crate) fn collect(
    dom: &Dom<'_>,
    scope: &[usize],
    plain: &[bool],
    hints: &Hints<'_>,
    url: Option<&url::Url>,
) -> Meta {
    let metas = meta_tags(dom);
    let scripts: Vec<String> = (0..dom.nodes.len())
        .filter(|&i| match dom.nodes[i].kind {
            Kind::Element(Tag::Script, el) => el
                .attr("type")
                .is_some_and(|t| t.to_ascii_lowercase().contains("ld+json")),
            _ => false,
        })
        .map(|i| script_text(dom, i))
        .collect();
    let ld = jsonld::parse(scripts.iter().map(String::as_str)).unwrap_or_default();
    let mut meta = Meta::default();
    let in_scope = |i: usize| scope.iter().any(|&s| dom.contains(s, i));
    // Stamps above the headline belong to the site's header ("Last update: <render time>"),
    // even when the article has no element of its own around it.
    let h1_at = first_live(dom, scope, plain, Tag::H(1));
    let before_headline = |i: usize| h1_at.is_some_and(|h| i < h);
    // itemprop values anywhere, and <time>/byline candidates in the article.
    let mut itemprops: HashMap<&str, String> = HashMap::new();
    let mut time_published = None;
    let mut time_updated = None;
    let mut byline_el = None;
    let mut h1_scope = None;
    let mut h1_page = None;
    for (i, n) in dom.nodes.iter().enumerate() {
        let Kind::Element(tag, el) = n.kind else {
            continue;
        };
        if tag == Tag::Meta {
            continue;
        }
        if let Some(p) = el.attr("itemprop") {
            for key in [
                "headline",
                "author",
                "datePublished",
                "dateModified",
                "name",
            ] {
                if p.split_whitespace().any(|x| x == key) && !itemprops.contains_key(key) {
                    let v = el
                        .attr("content")
                        .or_else(|| el.attr("datetime"))
                        .map(str::to_owned)
                        .unwrap_or_else(|| {
                            if key == "author" {
                                name_inside(dom, i).unwrap_or_else(|| dom.text_of(i))
                            } else {
                                dom.text_of(i)
                            }
                        });
                    if !v.is_empty() && v.chars().count() < 300 && (key != "name" || in_scope(i)) {
                        itemprops.insert(key, v);
                    }
                }
            }
        }
        if tag == Tag::H(1) && !plain.get(i).copied().unwrap_or(false) {
            if h1_scope.is_none() && in_scope(i) {
                h1_scope = Some(dom.text_of(i));
            }
            if h1_page.is_none() {
                h1_page = Some(dom.text_of(i));
            }
        }
        if !in_scope(i) {
            continue;
        }
        if tag == Tag::Time && !before_headline(i) {
            let raw = el
                .attr("datetime")
                .map(str::to_owned)
                .unwrap_or_else(|| dom.text_of(i));
            let parent = dom.nodes[i].parent as usize;
            let marker = format!(
                "{} {} {}",
                class_id(el),
                el.attr("itemprop").unwrap_or(""),
                dom.element(parent).map(class_id).unwrap_or_default()
            )
            .to_ascii_lowercase();
            let updated = marker.contains("updat")
                || marker.contains("modif")
                || (dom.nodes[parent].end as usize - parent <= SMALL_SUBTREE
                    && stamps::has_update_label(&dom.text_of(parent)));
            if let Some(v) = dates::normalize(&raw, hints) {
                if updated {
                    time_updated.get_or_insert(v);
                } else {
                    time_published.get_or_insert(v);
                }
            }
        }
        if byline_el.is_none() {
            let ci = class_id(el);
            let rel_author = el.attr("rel") == Some("author");
            // A byline is a few nodes; larger author-named wrappers (bio boxes, author pages) are not.
            if (rel_author || names_author(&ci)) && dom.nodes[i].end as usize - i <= SMALL_SUBTREE {
                let t = dom.text_of(i);
                let name = stamps::clean_byline(&t);
                if !name.is_empty()
                    && name.chars().count() < 80
                    && name.chars().any(char::is_alphabetic)
                {
                    byline_el = Some(name);
                }
            }
        }
    }
    // Visible stamps and "By" lines in the article's short blocks.
    let mut text_updated = None;
    let mut text_published = None;
    let mut text_byline = None;
    for b in render::render(dom, scope, plain) {
        if b.text.chars().count() > 300 || before_headline(b.start) {
            continue;
        }
        if text_updated.is_none() {
            text_updated = stamps::labelled(&b.text, StampKind::Updated, hints);
        }
        if text_published.is_none() {
            text_published = stamps::labelled(&b.text, StampKind::Published, hints);
        }
        if text_byline.is_none()
            && let Some(name) = stamps::byline_name(&b.text)
        {
            if text_published.is_none() {
                text_published = dates::parse(&b.text, hints);
            }
            if name.split_whitespace().count() <= 8 {
                text_byline = Some(name);
            }
        }
    }
    // Unparseable stamps are kept verbatim, except placeholders such as 0001-01-01.
    let norm = |v: Option<String>| {
        v.and_then(|s| dates::normalize(&s, hints).or_else(|| (!s.starts_with("0")).then_some(s)))
    };

    meta.h1 = h1_scope.clone().or(h1_page.clone());
    meta.title = title(
        &ld,
        &metas,
        itemprops.get("headline").cloned(),
        h1_scope.or(h1_page),
        dom,
    );
    meta.byline = (!ld.authors.is_empty())
        .then(|| (ld.authors.join(", "), FieldSource::JsonLd))
        .or_else(|| {
            first_meta(
                &metas,
                &[
                    "author",
                    "article:author",
                    "dc.creator",
                    "dcterms.creator",
                    "parsely-author",
                    "sailthru.author",
                    "byl",
                ],
            )
            .filter(|a| !a.starts_with("http"))
            .map(|a| (stamps::clean_byline(&a), FieldSource::Meta))
        })
        .or_else(|| {
            itemprops
                .get("author")
                .map(|a| (stamps::clean_byline(a), FieldSource::Itemprop))
        })
        .or_else(|| byline_el.map(|a| (a, FieldSource::Text)))
        .or_else(|| text_byline.map(|a| (a, FieldSource::Text)))
        .filter(|(a, _)| !a.is_empty());
    meta.published = norm(ld.published.clone())
        .map(|v| (v, FieldSource::JsonLd))
        .or_else(|| {
            norm(first_meta(
                &metas,
                &[
                    "article:published_time",
                    "og:published_time",
                    "datepublished",
                    "pubdate",
                    "publishdate",
                    "publish-date",
                    "dc.date",
                    "dcterms.date",
                    "dc.date.issued",
                    "date",
                    "sailthru.date",
                    "parsely-pub-date",
                ],
            ))
            .map(|v| (v, FieldSource::Meta))
        })
        .or_else(|| {
            norm(itemprops.get("datePublished").cloned()).map(|v| (v, FieldSource::Itemprop))
        })
        .or_else(|| time_published.map(|v| (v, FieldSource::Time)))
        .or_else(|| text_published.map(|s| (s.format(hints), FieldSource::Text)));
    meta.last_update = norm(ld.modified.clone())
        .map(|v| (v, FieldSource::JsonLd))
        .or_else(|| {
            norm(first_meta(
                &metas,
                &[
                    "article:modified_time",
                    "og:updated_time",
                    "datemodified",
                    "last-modified",
                    "dcterms.modified",
                    "dc.date.modified",
                ],
            ))
            .map(|v| (v, FieldSource::Meta))
        })
        .or_else(|| {
            norm(itemprops.get("dateModified").cloned()).map(|v| (v, FieldSource::Itemprop))
        })
        .or_else(|| time_updated.map(|v| (v, FieldSource::Time)))
        .or_else(|| text_updated.map(|s| (s.format(hints), FieldSource::Text)));
    // Page-wide stamps (site headers often print the render time) only when the article dates itself nowhere.
    if meta.last_update.is_none() && meta.published.is_none() {
        let body: Vec<usize> = (0..dom.nodes.len())
            .filter(|&i| dom.tag(i) == Some(Tag::Body))
            .take(1)
            .collect();
        meta.last_update = render::render(dom, &body, plain)
            .iter()
            .filter(|b| b.text.chars().count() <= 300)
            .find_map(|b| stamps::labelled(&b.text, StampKind::Updated, hints))
            .map(|s| (s.format(hints), FieldSource::Text));
    }
    meta.canonical = canonical(dom, url);
    meta
}

/// The raw text of a script element (its text children, unnormalised).
fn script_text(dom: &Dom<'_>, i: usize) -> String {
    let end = dom.nodes[i].end as usize;
    (i + 1..end)
        .filter_map(|j| match dom.nodes[j].kind {
            Kind::Text(t) => Some(t),
            Kind::Element(..) => None,
        })
        .collect()
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

/// The first element with `tag` in the scope, outside removed subtrees.
fn first_live(dom: &Dom<'_>, scope: &[usize], removed: &[bool], tag: Tag) -> Option<usize> {
    for &s in scope {
        let end = dom.nodes[s].end as usize;
        let mut i = s;
        while i < end {
            if removed.get(i).copied().unwrap_or(false) {
                i = dom.nodes[i].end as usize;
                continue;
            }
            if dom.tag(i) == Some(tag) {
                return Some(i);
            }
            i += 1;
        }
    }
    None
}

fn name_inside(dom: &Dom<'_>, i: usize) -> Option<String> {
    let end = dom.nodes[i].end as usize;
    (i + 1..end).find_map(|j| {
        let el = dom.element(j)?;
        el.attr("itemprop").filter(|p| p.contains("name"))?;
        let v = el
            .attr("content")
            .map(str::to_owned)
            .unwrap_or_else(|| dom.text_of(j));
        (!v.is_empty()).then_some(v)
    })
}

fn canonical(dom: &Dom<'_>, url: Option<&url::Url>) -> Option<String> {
    let href = dom.nodes.iter().find_map(|n| match n.kind {
        Kind::Element(_, el)
            if el.name() == "link"
                && el.attr("rel").is_some_and(|r| {
                    r.split_whitespace()
                        .any(|x| x.eq_ignore_ascii_case("canonical"))
                }) =>
        {
            el.attr("href")
        }
        _ => None,
    })?;
    let href = href.trim();
    match url {
        Some(base) => base.join(href).ok().map(String::from),
        None => url::Url::parse(href).ok().map(String::from),
    }
}

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

fn title(
    ld: &LdArticle,
    metas: &HashMap<String, &str>,
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
            first_meta(
                metas,
                &[
                    "og:title",
                    "twitter:title",
                    "dc.title",
                    "parsely-title",
                    "title",
                ],
            )
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
