//! Title, byline, publication and last-update stamps, each with where it came from; the article's own stamps beat page-wide ones.

mod byline;
mod candidates;
mod masthead;
mod region;
mod scan;
mod tags;
mod title;

use super::dates::Hints;
use super::dom::{Dom, Kind, Tag, attr};
use super::jsonld;
use super::render;
use super::stamps::{self, StampKind};
use crate::model::FieldSource;
use candidates::{Dates, Rank};
use region::Region;
use tags::MetaTags;

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
            let itemtype = attr(el, "itemtype").unwrap_or("");
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
    let metas = MetaTags::new(dom);
    let ld = json_ld(dom);
    let region = Region::new(dom, scope.to_vec(), plain);
    let mut dates = Dates::default();
    structured_dates(&ld, &metas, hints, &mut dates);
    let canonical = canonical(dom, url);
    let page_url = url
        .map(url::Url::as_str)
        .map(str::to_owned)
        .or_else(|| canonical.clone())
        .or_else(|| metas.get("og:url"));
    let page = page_url.as_deref().and_then(|u| url::Url::parse(u).ok());
    let found = scan::scan(dom, &region, plain, hints, page.as_ref(), &mut dates);
    let text_byline = visible_stamps(dom, &region, plain, hints, &mut dates);
    if let Some(u) = page_url {
        dates.published_stamp(Rank::Url, candidates::from_url(&u));
    }
    let h1 = found.h1_scope.clone().or(found.h1_page.clone());
    let title = title::title(
        &ld,
        &metas,
        found.itemprops.get("headline").cloned(),
        h1.clone(),
        dom,
    );
    let byline = byline::choose(
        &ld,
        &metas,
        found.itemprops.get("author"),
        found.byline,
        text_byline,
    );
    let published = dates.best_published(hints);
    let last_update = dates
        .best_updated(hints)
        .or_else(|| page_wide_update(dom, plain, hints, published.is_some()));
    Meta {
        title,
        byline,
        published,
        last_update,
        canonical,
        h1,
    }
}

/// The page's JSON-LD article, from every `ld+json` script (broken blocks parsed leniently).
fn json_ld(dom: &Dom<'_>) -> jsonld::LdArticle {
    let scripts: Vec<String> = (0..dom.nodes.len())
        .filter(|&i| match dom.nodes[i].kind {
            Kind::Element(Tag::Script, el) => {
                attr(el, "type").is_some_and(|t| t.to_ascii_lowercase().contains("ld+json"))
            }
            _ => false,
        })
        .map(|i| script_text(dom, i))
        .collect();
    jsonld::parse(scripts.iter().map(String::as_str)).unwrap_or_default()
}

/// Stamps from structured data: the JSON-LD article, then the date metas by trust.
fn structured_dates(
    ld: &jsonld::LdArticle,
    metas: &MetaTags<'_>,
    hints: &Hints<'_>,
    dates: &mut Dates,
) {
    dates.published(Rank::JsonLd, ld.published.as_deref(), hints);
    dates.updated(Rank::JsonLd, ld.modified.as_deref(), hints);
    for v in &ld.other_published {
        dates.offset_hint(v, hints);
    }
    for v in metas.all(tags::PUBLISHED) {
        dates.published(Rank::Meta, Some(&v), hints);
    }
    for v in metas.all(tags::MODIFIED) {
        dates.updated(Rank::Meta, Some(&v), hints);
    }
    for v in metas.all(tags::PUBLISHED_WEAK) {
        dates.published(Rank::WeakMeta, Some(&v), hints);
    }
}

/// A labelled update line anywhere in the body. Site headers often print the render time,
/// so this is read only when the article dates itself nowhere (`dated` false).
fn page_wide_update(dom: &Dom<'_>, plain: &[bool], hints: &Hints<'_>, dated: bool) -> Found {
    if dated {
        return None;
    }
    let body: Vec<usize> = dom.body().into_iter().collect();
    render::render_up_to(dom, &body, plain, SHORT_BLOCK)
        .iter()
        .filter(|b| b.text.chars().count() <= SHORT_BLOCK)
        .find_map(|b| stamps::labelled(&b.text, StampKind::Updated, hints))
        .map(|s| (s.format(hints), FieldSource::Text))
}

/// Most characters of a block read for stamps and bylines.
const SHORT_BLOCK: usize = 300;
/// Most characters of a line that is only a dateline.
const DATELINE: usize = 60;

/// Labelled stamps, datelines and "By" lines in the article's short blocks; returns the byline.
fn visible_stamps(
    dom: &Dom<'_>,
    region: &Region,
    plain: &[bool],
    hints: &Hints<'_>,
    dates: &mut Dates,
) -> Option<String> {
    let mut byline = None;
    let (mut updated, mut published, mut dateline) = (None, None, None);
    for b in render::render_up_to(dom, &region.roots(dom), plain, SHORT_BLOCK) {
        let chars = b.text.chars().count();
        if chars > SHORT_BLOCK || !region.in_article(b.start) {
            continue;
        }
        if updated.is_none() {
            updated = stamps::labelled(&b.text, StampKind::Updated, hints);
        }
        if published.is_none() {
            published = stamps::labelled(&b.text, StampKind::Published, hints);
        }
        if dateline.is_none()
            && (chars <= DATELINE || (chars <= 2 * DATELINE && opens_with_date(&b.text, hints)))
            && !stamps::has_update_label(&b.text)
        {
            dateline = super::dates::parse(&b.text, hints);
        }
        // A line break sets the dateline apart from a kicker above it ("Sport<br>01.02.2022
        // Category: …"): a later line that opens with a date is the dateline too.
        if dateline.is_none() && chars <= 2 * DATELINE && !stamps::has_update_label(&b.text) {
            dateline = b
                .text
                .lines()
                .skip(1)
                .find(|l| opens_with_date(l, hints))
                .and_then(|l| super::dates::parse(l, hints));
        }
        if byline.is_none()
            && let Some(name) = stamps::byline_name(&b.text)
        {
            if published.is_none() {
                published = super::dates::parse(&b.text, hints);
            }
            if name.split_whitespace().count() <= 8 {
                byline = Some(name);
            }
        }
    }
    dates.updated_stamp(Rank::Labelled, updated);
    dates.published_stamp(Rank::Labelled, published);
    dates.published_stamp(Rank::Dateline, dateline);
    byline
}

/// Whether a line opens with a numeric date ("22/11/2020 - 04:30 - Source: …"): a dateline
/// followed by its credits, which runs longer than a bare date.
fn opens_with_date(text: &str, hints: &Hints<'_>) -> bool {
    let head = text.split_whitespace().next().unwrap_or("");
    head.starts_with(|c: char| c.is_ascii_digit()) && super::dates::parse(head, hints).is_some()
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

/// The `<link rel=canonical>` URL (attrs.rs keeps a `<link>`'s href, and drops most others).
fn canonical(dom: &Dom<'_>, url: Option<&url::Url>) -> Option<String> {
    let href = dom.nodes.iter().find_map(|n| match n.kind {
        Kind::Element(_, el)
            if el.name() == "link"
                && attr(el, "rel").is_some_and(|r| {
                    r.split_whitespace()
                        .any(|x| x.eq_ignore_ascii_case("canonical"))
                }) =>
        {
            attr(el, "href")
        }
        _ => None,
    })?;
    let href = href.trim();
    match url {
        Some(base) => base.join(href).ok().map(String::from),
        None => url::Url::parse(href).ok().map(String::from),
    }
}
