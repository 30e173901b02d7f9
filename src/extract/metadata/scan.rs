//! One pass over the page's elements: microdata, microformat and `<time>` stamps, headings and
//! author elements, skipping comments, embeds, asides, related lists and references.

use std::collections::HashMap;

use super::super::dates::Hints;
use super::super::dom::{Dom, Kind, Tag, attr};
use super::super::stamps;
use super::byline::{self, SMALL_SUBTREE};
use super::candidates::{Dates, Rank};
use super::masthead;
use super::region::Region;

/// What the pass found besides dates.
#[derive(Debug, Default)]
pub(super) struct Found {
    /// `itemprop` values of `headline`, `author` and (in the article) `name`.
    pub itemprops: HashMap<&'static str, String>,
    /// The first `<h1>` in the article, and in the page.
    pub h1_scope: Option<String>,
    pub h1_page: Option<String>,
    /// The first author-classed element's name.
    pub byline: Option<String>,
}

/// Class or id tokens of subtrees whose dates belong to something else than the article.
const FOREIGN: &[&str] = &[
    "comment",
    "comments",
    "commentlist",
    "reply",
    "replies",
    "related",
    "recommended",
    "recommendations",
    "sidebar",
    "teaser",
    "teasers",
    "popular",
    "trending",
    "bibliography",
    "references",
    "citation",
    "citations",
    "embed",
    "instagram",
    "tweet",
    "twitter",
    "newsletter",
    "breadcrumb",
    "breadcrumbs",
    "pagination",
];

/// Class prefixes of taxonomy labels (`tag-twitter`, `category-newsletter`): what a post is
/// about, not what an element is.
const TAXONOMY: &[&str] = &["tag-", "category-", "categories-", "topic-", "tags-"];

fn is_foreign(tag: Tag, class_id: &str) -> bool {
    matches!(tag, Tag::Aside | Tag::Nav)
        || class_id
            .split_whitespace()
            .filter(|c| !TAXONOMY.iter().any(|p| c.starts_with(p)))
            .flat_map(|c| c.split(|c: char| !c.is_ascii_alphanumeric()))
            .any(|t| FOREIGN.contains(&t))
}

/// Class or id tokens (substrings) of elements that print a date.
fn names_date(class_id: &str) -> bool {
    [
        "date", "datum", "time", "publish", "posted", "dateline", "fecha", "meta", "byline",
    ]
    .iter()
    .any(|w| class_id.contains(w))
}

/// Most characters of a date-classed element's text.
const DATE_TEXT: usize = 120;
/// Most characters of a date-classed element read for a labelled stamp.
const META_TEXT: usize = 600;

/// Walks the page once, filling `dates` and returning the rest.
pub(super) fn scan(
    dom: &Dom<'_>,
    region: &Region,
    plain: &[bool],
    hints: &Hints<'_>,
    page: Option<&url::Url>,
    dates: &mut Dates,
) -> Found {
    let mut found = Found::default();
    let mut foreign_until = 0;
    let mut date_class_until = 0;
    for (i, n) in dom.nodes.iter().enumerate() {
        let Kind::Element(tag, el) = n.kind else {
            continue;
        };
        let ci = dom.class_id(i);
        if i >= foreign_until && is_foreign(tag, ci) && !region.within(i, n.end as usize) {
            foreign_until = n.end as usize;
        }
        let foreign = i < foreign_until;
        if let Some(p) = attr(el, "itemprop") {
            itemprop(dom, i, p, region, foreign, hints, dates, &mut found);
        }
        if tag == Tag::H(1)
            && !plain.get(i).copied().unwrap_or(false)
            && (found.h1_page.is_none() || found.h1_scope.is_none())
            && !masthead::is_masthead(dom, i, page)
        {
            if found.h1_scope.is_none() && region.in_scope(i) {
                found.h1_scope = Some(dom.text_of(i));
            }
            if found.h1_page.is_none() {
                found.h1_page = Some(dom.text_of(i));
            }
        }
        if foreign || !region.in_article(i) {
            continue;
        }
        microformat(dom, i, tag, ci, hints, dates);
        // Above the headline, a short element that is only a date is the dateline, whatever its class.
        if i >= date_class_until
            && tag != Tag::Time
            && (names_date(ci) || region.before_headline(i))
        {
            let end = n.end as usize;
            if end - i <= SMALL_SUBTREE {
                let text = dom.text_of(i);
                let before = dates.has_published();
                if text.len() <= DATE_TEXT && !stamps::has_update_label(&text) {
                    dates.published(Rank::DateClass, Some(&text), hints);
                } else if text.len() <= META_TEXT {
                    // A post's metadata sentence ("This entry was posted on … and filed
                    // under …") runs longer than a dateline; only a labelled date counts there.
                    let stamp = stamps::labelled(&text, stamps::StampKind::Published, hints);
                    dates.published_stamp(Rank::DateClass, stamp);
                }
                if dates.has_published() != before {
                    date_class_until = end;
                }
            }
        }
        if found.byline.is_none() && region.in_scope(i) {
            found.byline = byline::element_name(dom, i);
        }
    }
    found
}

/// `itemprop` dates (value in `content`, `datetime`, `title` or the text), headline and author.
#[allow(clippy::too_many_arguments)]
fn itemprop(
    dom: &Dom<'_>,
    i: usize,
    props: &str,
    region: &Region,
    foreign: bool,
    hints: &Hints<'_>,
    dates: &mut Dates,
    found: &mut Found,
) {
    let Some(el) = dom.element(i) else { return };
    let value = || {
        attr(el, "content")
            .or_else(|| attr(el, "datetime"))
            .or_else(|| attr(el, "title"))
            .map(str::to_owned)
    };
    let own = region.in_article(i) || of_article_item(dom, i, region);
    for p in props.split_whitespace() {
        match p {
            "datePublished" | "dateCreated" if !foreign => {
                let v = value().unwrap_or_else(|| dom.text_of(i));
                let rank = if own { Rank::Itemprop } else { Rank::WeakMeta };
                dates.published(rank, Some(&v), hints);
            }
            "dateModified" | "dateUpdate" | "dateUpdated" if !foreign && own => {
                let v = value().unwrap_or_else(|| dom.text_of(i));
                dates.updated(Rank::Itemprop, Some(&v), hints);
            }
            "headline" | "author" | "name" => {
                let key = match p {
                    "headline" => "headline",
                    "author" => "author",
                    _ => "name",
                };
                if found.itemprops.contains_key(key) || (key == "name" && !region.in_scope(i)) {
                    continue;
                }
                let v = value().unwrap_or_else(|| {
                    if key == "author" {
                        byline::name_inside(dom, i).unwrap_or_else(|| dom.text_of(i))
                    } else {
                        dom.text_of(i)
                    }
                });
                if !v.is_empty() && v.chars().count() < 300 {
                    found.itemprops.insert(key, v);
                }
            }
            _ => {}
        }
    }
}

/// Whether the item a property belongs to (its nearest `itemscope`) is an article that holds
/// the article's body: its `<meta itemprop>` stamps are the article's own even where they sit
/// before the body's container.
fn of_article_item(dom: &Dom<'_>, i: usize, region: &Region) -> bool {
    let mut a = dom.nodes[i].parent as usize;
    while a > 0 {
        if let Some(el) = dom.element(a)
            && attr(el, "itemscope").is_some()
        {
            let itemtype = attr(el, "itemtype").unwrap_or("");
            let article = itemtype.contains("Article") || itemtype.contains("BlogPosting");
            return article && region.within(a, dom.nodes[a].end as usize);
        }
        a = dom.nodes[a].parent as usize;
    }
    false
}

/// hAtom and microformats2 classes, WordPress's `entry-date published updated`, and `<time>`.
fn microformat(dom: &Dom<'_>, i: usize, tag: Tag, ci: &str, hints: &Hints<'_>, dates: &mut Dates) {
    let Some(el) = dom.element(i) else { return };
    let tokens: Vec<&str> = ci.split_whitespace().collect();
    let has = |names: &[&str]| tokens.iter().any(|t| names.contains(t));
    let published = has(&["published", "dt-published", "entry-date", "post-date"])
        || (tag == Tag::Time && attr(el, "pubdate").is_some());
    let updated = has(&["updated", "dt-updated", "modified", "date-modified"]);
    if !(published || updated || tag == Tag::Time) {
        return;
    }
    let value = attr(el, "datetime")
        .or_else(|| (tag != Tag::Time).then(|| attr(el, "title")).flatten())
        .map(str::to_owned)
        .unwrap_or_else(|| dom.text_of(i));
    if published || updated {
        if published {
            dates.published(Rank::Microformat, Some(&value), hints);
        }
        if updated {
            dates.updated(Rank::Microformat, Some(&value), hints);
        }
        return;
    }
    // A plain <time>: an update when its class or its short parent says so.
    let parent = dom.nodes[i].parent as usize;
    let marker = format!("{ci} {}", dom.class_id(parent));
    let is_update = marker.contains("updat")
        || marker.contains("modif")
        || (dom.nodes[parent].end as usize - parent <= SMALL_SUBTREE
            && stamps::has_update_label(&dom.text_of(parent)));
    if is_update {
        dates.updated(Rank::Time, Some(&value), hints);
    } else {
        dates.published(Rank::Time, Some(&value), hints);
    }
}
