//! The headline: JSON-LD, meta tags, `itemprop`, `<title>` or `<h1>`, without the site's name.

use super::super::dom::{Dom, Tag};
use super::super::jsonld::LdArticle;
use super::Found;
use super::tags::MetaTags;
use crate::extract::fold_quotes;
use crate::model::FieldSource;

/// Separators sites put between a headline and their name in `<title>`.
const TITLE_SEPARATORS: &[&str] = &[
    " | ", " - ", " – ", " — ", " :: ", " » ", " · ", " • ", " / ", " \\ ",
];

/// Strips a site name from a `<title>`-like string, keeping the part that reads like a
/// headline, or the leading part the page's `<h1>` repeats (a two-word headline is still
/// one; an `<h1>` repeating the trailing part is the site's logo).
fn strip_site_name(t: &str, h1: Option<&str>) -> String {
    for sep in TITLE_SEPARATORS {
        if let Some((head, _)) = t.split_once(sep)
            && h1.is_some_and(|h| head.trim().eq_ignore_ascii_case(h.trim()))
        {
            return head.trim().to_owned();
        }
    }
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
        .filter(|t| !agreed_otherwise(t, metas, doc_title.as_deref(), h1.as_deref()))
        .map(|t| (t, FieldSource::JsonLd))
        .or_else(|| meta_title(metas).map(|t| (t, FieldSource::Meta)))
        .or_else(|| itemprop.map(|t| (t, FieldSource::Itemprop)))
        .or_else(|| doc_title.map(|t| (strip_site_name(&t, h1.as_deref()), FieldSource::Text)))
        .or_else(|| h1.clone().map(|t| (t, FieldSource::Text)));
    let found = found.map(|(t, src)| (strip_named_site(&t, metas), src));
    // The sources may print the headline's quotes differently: compared folded.
    let fold = |s: Option<&String>| s.map(|s| fold_quotes(s).into_owned()).unwrap_or_default();
    let (tf, hf) = (fold(found.as_ref().map(|f| &f.0)), fold(h1.as_ref()));
    match (found, h1) {
        // Even JSON-LD headlines sometimes carry the site name after a separator.
        (Some((_, src)), Some(h))
            if tf != hf
                && hf.split_whitespace().count() >= 2
                && tf.starts_with(hf.as_str())
                && tf[hf.len()..]
                    .trim_start()
                    .starts_with(['|', '-', '–', '—', '·', ':', '»']) =>
        {
            Some((h, src))
        }
        // "Headline | Site" in meta while the page's <h1> is the bare headline.
        (Some((_, src)), Some(h))
            if tf != hf
                && tf.contains(hf.as_str())
                && hf.split_whitespace().count() >= 2
                && src != FieldSource::JsonLd =>
        {
            Some((h, FieldSource::Text))
        }
        // The headline the reader sees: structured titles are often rewritten for search
        // ("Best X in 2025 | Top 19") while the <h1> on the page is the same headline.
        // (An <h1> that is the title's trailing part after a separator is the site's name.)
        (Some(_), Some(h)) if tf != hf && same_story(&tf, &hf) && !ends_with_site(&tf, &hf) => {
            Some((h, FieldSource::Text))
        }
        (Some((t, src)), h) if src == FieldSource::Meta => {
            Some((strip_site_name(&t, h.as_deref()), src))
        }
        (f, _) => f,
    }
}

/// The first meta title that is not just the site's own name (some pages put
/// `og:title = og:site_name` before the article's own `og:title`).
fn meta_title(metas: &MetaTags<'_>) -> Option<String> {
    let site = metas.first(&["og:site_name", "application-name"]);
    metas
        .all(&[
            "og:title",
            "twitter:title",
            "dc.title",
            "parsely-title",
            "title",
        ])
        .find(|t| {
            site.as_deref()
                .is_none_or(|s| !t.eq_ignore_ascii_case(s.trim()))
        })
}

/// Whether the page's `<h1>` and its meta title (else its `<title>`) agree on a headline that
/// the JSON-LD `headline` does not tell (a section name, or a summary filed as the headline):
/// two sources the reader sees outvote one.
fn agreed_otherwise(
    ld_headline: &str,
    metas: &MetaTags<'_>,
    doc_title: Option<&str>,
    h1: Option<&str>,
) -> bool {
    let other = meta_title(metas).or_else(|| doc_title.map(str::to_owned));
    let (Some(h1), Some(meta)) = (h1, other) else {
        return false;
    };
    let meta = strip_named_site(&strip_site_name(&meta, Some(h1)), metas);
    meta.trim().eq_ignore_ascii_case(h1.trim())
        && !ld_headline.trim().eq_ignore_ascii_case(h1.trim())
        && !same_story(ld_headline, h1)
}

/// Three words, or ten characters of a script written without spaces.
fn headline_like(s: &str) -> bool {
    s.split_whitespace().count() >= 3
        || (s.chars().count() >= 10 && s.chars().any(|c| c as u32 >= 0x2E80))
}

/// Least share of words two titles must have in common to name the same story.
const SAME_STORY: f32 = 0.2;

/// Whether a structured title and the page's `<h1>` are two wordings of one headline
/// (not the site's logo or a section name in the `<h1>`).
fn same_story(title: &str, h1: &str) -> bool {
    let words = |s: &str| -> std::collections::HashSet<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let (a, b) = (words(title), words(h1));
    let union = a.union(&b).count();
    if b.len() < 2 || union == 0 {
        return false;
    }
    a.intersection(&b).count() as f32 / union as f32 >= SAME_STORY
}

/// Whether `t` is "Headline | `h`": `h` names the site, not the story.
fn ends_with_site(t: &str, h: &str) -> bool {
    TITLE_SEPARATORS.iter().any(|sep| {
        t.rsplit_once(sep)
            .is_some_and(|(_, tail)| tail.trim() == h.trim())
    })
}

/// Cuts a trailing "| Site" when it is the name the page gives itself (`og:site_name`).
fn strip_named_site(t: &str, metas: &MetaTags<'_>) -> String {
    let Some(site) = metas.first(&["og:site_name", "application-name"]) else {
        return t.to_owned();
    };
    for sep in TITLE_SEPARATORS {
        if let Some((head, tail)) = t.rsplit_once(sep)
            && tail.trim().eq_ignore_ascii_case(site.trim())
            && !head.trim().is_empty()
        {
            return head.trim().to_owned();
        }
    }
    t.to_owned()
}
