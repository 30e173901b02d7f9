//! Finding the article body: furniture pruning, readability-style paragraph scoring, sibling merging and conditional cleaning.

use std::collections::{HashMap, HashSet};

use super::boilerplate::{class_weight, is_body, is_hidden, is_negative};
use super::dom::{Dom, Tag, attr};
use super::stats::Stats;

/// Whether to drop elements by their class/id vocabulary (turned off on the retry when that removed too much).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClassRules {
    On,
    Off,
}

fn role_is_furniture(el: &scraper::node::Element) -> bool {
    matches!(
        attr(el, "role"),
        Some(
            "navigation"
                | "complementary"
                | "banner"
                | "contentinfo"
                | "dialog"
                | "alert"
                | "search"
                | "menu"
                | "menubar"
        )
    )
}

/// Marks the roots of subtrees that are never article text.
/// `groups` comes from [`sibling_groups`] (empty when class rules are off); `hidden` is built
/// once per page, as prune runs up to three times.
pub(crate) fn prune(
    dom: &Dom<'_>,
    raw: &Stats,
    rules: ClassRules,
    extra: &[bool],
    groups: &[bool],
    hidden: &Hidden<'_>,
) -> Vec<bool> {
    let n = dom.nodes.len();
    let mut removed = vec![false; n];
    let body = dom.body().unwrap_or(0);
    let total = raw.chars.get(body).copied().unwrap_or(0).max(1) as f32;
    // The page's link-free paragraph text: a block holding most of it is the article, whatever it is called.
    let prose = raw.good.get(body).copied().unwrap_or(0);
    let in_group = |i: usize| groups.get(i).copied().unwrap_or(false);
    let holds_prose = |i: usize| prose > 0 && (raw.good[i] * 2 >= prose || in_group(i));
    let mut i = 0;
    while i < n {
        let end = dom.nodes[i].end as usize;
        let Some(el) = dom.element(i) else {
            i += 1;
            continue;
        };
        let tag = dom.tag(i).unwrap_or(Tag::Inline);
        let share = raw.chars[i] as f32 / total;
        let drop = extra.get(i).copied().unwrap_or(false)
            || match tag {
                Tag::Head | Tag::Script | Tag::Style | Tag::Invisible | Tag::Title | Tag::Meta => {
                    true
                }
                Tag::Nav | Tag::Aside | Tag::Footer | Tag::Figure | Tag::Figcaption => share < 0.5,
                Tag::Header => share < 0.4,
                Tag::Html | Tag::Body => false,
                _ => false,
            }
            || (!matches!(tag, Tag::Html | Tag::Body)
                && (hidden.is_hidden(el) || role_is_furniture(el))
                && share < 0.5)
            // Table cells are named for their layout ("header_cell"), not their purpose.
            || (rules == ClassRules::On && !matches!(tag, Tag::Html | Tag::Body | Tag::Td | Tag::Tr | Tag::TSection) && {
                let ci = dom.class_id(i);
                is_negative(ci)
                    && (share < 0.5 || ci.contains("comment"))
                    && !is_quote_embed(dom, i, ci)
                    && !is_prose(raw, i, ci)
                    && (ci.contains("comment") || !holds_prose(i))
            });
        if drop {
            removed[i] = true;
            i = end;
        } else {
            i += 1;
        }
    }
    removed
}

/// Marks elements that belong to a run of same-named siblings (same parent, tag and first class
/// token) which together hold most of the page's prose: a body built from repeated widgets or
/// sections, each too small to count alone, is not furniture whatever the widgets are called.
/// A wrapper holding one element only is looked through: cards each set in a bare `<div>` of
/// their own are siblings under the first ancestor that holds more than one of them.
pub(crate) fn sibling_groups(dom: &Dom<'_>, raw: &Stats) -> Vec<bool> {
    let n = dom.nodes.len();
    let body = dom.body().unwrap_or(0);
    let prose = raw.good.get(body).copied().unwrap_or(0);
    let mut out = vec![false; n];
    if prose == 0 {
        return out;
    }
    let mut kids = vec![0u32; n];
    for i in 1..n {
        if dom.element(i).is_some() {
            kids[dom.nodes[i].parent as usize] += 1;
        }
    }
    let parent = |i: usize| dom.nodes[i].parent as usize;
    let wrapper = |p: usize| kids[p] == 1 && p != body && p != 0;
    // The parent that holds `i` beside its look-alikes, past single-child wrappers.
    let holder = |i: usize| {
        let mut p = parent(i);
        for _ in 0..8 {
            if !wrapper(p) {
                break;
            }
            p = parent(p);
        }
        p
    };
    let key = |i: usize| {
        let el = dom.element(i)?;
        let first = attr(el, "class")?.split_ascii_whitespace().next()?;
        Some((holder(i), first))
    };
    let mut mass: HashMap<(usize, &str), (u32, u32)> = HashMap::new();
    for i in 1..n {
        if raw.good[i] == 0 {
            continue;
        }
        if let Some(k) = key(i) {
            let e = mass.entry(k).or_default();
            e.0 += raw.good[i];
            e.1 += 1;
        }
    }
    for i in 1..n {
        if raw.good[i] == 0 {
            continue;
        }
        if let Some(k) = key(i)
            && let Some(&(m, count)) = mass.get(&k)
            && count >= 2
            && m * 2 >= prose
        {
            out[i] = true;
            // The bare wrappers around a member belong to it.
            let mut p = parent(i);
            while p != k.0 && wrapper(p) {
                out[p] = true;
                p = parent(p);
            }
        }
    }
    // The wrappers inside a member that carry its prose are covered too (a page builder's
    // section > column > widget chain, each level with its own furniture-sounding name).
    for i in 1..n {
        let p = parent(i);
        if !out[i] && out[p] && raw.good[i] > 0 && raw.good[i] * 2 >= raw.good[p] {
            out[i] = true;
        }
    }
    out
}

/// The page's `<article>` elements, counted per subtree: the body never grows out of its own
/// article into an ancestor that holds other stories (a teaser list, the latest posts), however
/// much prose they add.
struct Stories {
    within: Vec<u32>,
}

impl Stories {
    fn new(dom: &Dom<'_>) -> Stories {
        let n = dom.nodes.len();
        let mut within = vec![0u32; n];
        for i in (1..n).rev() {
            if dom.tag(i) == Some(Tag::Article) {
                within[i] += 1;
            }
            let p = dom.nodes[i].parent as usize;
            if p != i {
                within[p] += within[i];
            }
        }
        Stories { within }
    }

    /// Whether `anc`, an ancestor of `top`, holds an `<article>` of another kind (another
    /// class) beside the outermost one holding `top`, when `top` is in one. Articles of the
    /// same class are sections of one template (tabs, chapters), not other stories.
    fn others(&self, dom: &Dom<'_>, top: usize, anc: usize) -> bool {
        let mut own = None;
        let mut p = top;
        while p != anc && p != 0 {
            if dom.tag(p) == Some(Tag::Article) {
                own = Some(p);
            }
            p = dom.nodes[p].parent as usize;
        }
        let Some(own) = own.filter(|&a| self.within[anc] > self.within[a]) else {
            return false;
        };
        let class = |i: usize| dom.element(i).and_then(|e| attr(e, "class"));
        let end = dom.nodes[anc].end as usize;
        let mut i = anc;
        while i < end {
            if i == own {
                i = dom.nodes[own].end as usize;
                continue;
            }
            if dom.tag(i) == Some(Tag::Article) && class(i) != class(own) {
                return true;
            }
            i += 1;
        }
        false
    }
}

/// Which hidden elements readers never see: a collapsed panel that a control opens
/// (`aria-controls`, `aria-labelledby`: accordions, tabs, "show more") is read on demand, and
/// streamed server rendering ships late parts of the page hidden (`<div hidden id="S:3">`)
/// beside a placeholder (`<template id="B:3">` or `"P:3"`) that a script swaps them into on load.
pub(crate) struct Hidden<'a> {
    controlled: HashSet<&'a str>,
    /// The suffixes of the placeholders' ids ("3" of "B:3" or "P:3").
    streamed: HashSet<&'a str>,
}

impl<'a> Hidden<'a> {
    pub(crate) fn new(dom: &Dom<'a>) -> Hidden<'a> {
        let controlled = (0..dom.nodes.len())
            .filter_map(|i| attr(dom.element(i)?, "aria-controls"))
            .flat_map(str::split_ascii_whitespace)
            .collect();
        let streamed = (0..dom.nodes.len())
            .filter_map(|i| {
                let el = dom.element(i)?;
                (el.name() == "template").then_some(())?;
                let id = attr(el, "id")?;
                id.strip_prefix("B:").or_else(|| id.strip_prefix("P:"))
            })
            .collect();
        Hidden {
            controlled,
            streamed,
        }
    }

    fn is_hidden(&self, el: &scraper::node::Element) -> bool {
        is_hidden(el)
            && attr(el, "aria-labelledby").is_none()
            && !el.id().is_some_and(|id| {
                self.controlled.contains(id)
                    || id
                        .strip_prefix("S:")
                        .is_some_and(|k| self.streamed.contains(k))
            })
    }
}

/// Embedded posts (tweets and the like) are quoted in the article: their wrappers are named
/// "social"/"embed" but hold a `<blockquote>` that readers see as part of the text.
fn is_quote_embed(dom: &Dom<'_>, i: usize, ci: &str) -> bool {
    let embed_wrapper = ci.contains("embed") || ci.contains("tweet") || ci.contains("social");
    // Embeds are small; the bound keeps nested look-alikes from making this quadratic.
    let end = (dom.nodes[i].end as usize).min(i + 2_000);
    (i..end).any(|j| {
        dom.tag(j) == Some(Tag::Blockquote)
            && (embed_wrapper || {
                // Any wrapper ("video-container") around a quoted post.
                let q = dom.class_id(j);
                ["tweet", "twitter", "instagram", "tiktok", "embed"]
                    .iter()
                    .any(|w| q.contains(w))
            })
    })
}

/// A long run of link-free paragraphs is article text whatever its wrapper is called
/// ("read-more" holding the rest of a truncated story); reader comments excepted.
fn is_prose(raw: &Stats, i: usize, ci: &str) -> bool {
    raw.good[i] >= 1000
        && raw.link_density(i) < 0.15
        && !ci.contains("comment")
        && !ci.contains("repl")
}

/// Whether a block is mostly link-free paragraphs of some length; reader comments excepted.
fn mostly_prose(st: &Stats, i: usize, ci: &str) -> bool {
    st.good[i] >= 300
        && st.good[i] * 10 >= st.chars[i] * 7
        && st.link_density(i) < 0.2
        && !is_comment(ci)
}

fn is_comment(ci: &str) -> bool {
    ci.contains("comment") || ci.contains("repl")
}

fn initial_score(tag: Tag) -> f32 {
    match tag {
        Tag::Div | Tag::Article | Tag::Main | Tag::Section => 5.0,
        Tag::Pre | Tag::Td | Tag::Blockquote => 3.0,
        Tag::Address | Tag::Ol | Tag::Ul | Tag::Dl | Tag::Dd | Tag::Dt | Tag::Li | Tag::Form => {
            -3.0
        }
        Tag::H(_) => -5.0,
        _ => 0.0,
    }
}

/// Picks the article body: the roots whose subtrees hold it, in document order.
pub(crate) fn select(dom: &Dom<'_>, removed: &[bool], st: &Stats) -> Vec<usize> {
    let n = dom.nodes.len();
    let mut score = vec![0f32; n];
    let mut scored = vec![false; n];
    let mut i = 0;
    while i < n {
        if removed[i] {
            i = dom.nodes[i].end as usize;
            continue;
        }
        let Some(tag) = dom.tag(i) else {
            i += 1;
            continue;
        };
        let len = st.inline_chars[i];
        let start = match tag {
            Tag::P | Tag::Pre | Tag::Td | Tag::Blockquote => Some(dom.nodes[i].parent as usize),
            Tag::Div | Tag::Section | Tag::Article | Tag::Main | Tag::Block | Tag::Form => Some(i),
            _ => None,
        };
        if let Some(mut anc) = start
            && len >= 25
            && st.inline_link[i] * 2 < len
        {
            let s = 1.0 + st.inline_commas[i] as f32 + (len as f32 / 100.0).min(3.0);
            for level in 0..5u32 {
                let Some(t) = dom.tag(anc) else { break };
                if matches!(t, Tag::Body | Tag::Html) || anc == 0 && level > 0 {
                    break;
                }
                if !scored[anc] {
                    scored[anc] = true;
                    let ci = dom.class_id(anc);
                    score[anc] = initial_score(t) + class_weight(ci);
                }
                let div = match level {
                    0 => 1.0,
                    1 => 2.0,
                    l => l as f32 * 3.0,
                };
                score[anc] += s / div;
                let p = dom.nodes[anc].parent as usize;
                if p == anc {
                    break;
                }
                anc = p;
            }
        }
        i += 1;
    }
    let final_score = |c: usize| score[c] * (1.0 - st.link_density(c));
    let mut cands: Vec<(usize, f32)> = (0..n)
        .filter(|&c| scored[c])
        .map(|c| (c, final_score(c)))
        .collect();
    cands.sort_by(|a, b| b.1.total_cmp(&a.1));
    let Some(&(mut top, top_score)) = cands.first() else {
        return (0..n)
            .find(|&i| dom.tag(i) == Some(Tag::Body))
            .into_iter()
            .collect();
    };
    let is_root = |c: usize| matches!(dom.tag(c), Some(Tag::Body | Tag::Html)) || c == 0;
    let stories = Stories::new(dom);
    // Several strong candidates under one ancestor: the body is split, take the ancestor.
    // Cousins with the top's own class (repeated sections of one template) count at a lower score.
    let top_cls = dom
        .element(top)
        .and_then(|e| attr(e, "class"))
        .unwrap_or("");
    let same = |c: usize| {
        !top_cls.is_empty() && dom.element(c).and_then(|e| attr(e, "class")) == Some(top_cls)
    };
    let strong: Vec<usize> = cands
        .iter()
        .skip(1)
        .take(8)
        .filter(|c| c.1 >= top_score * 0.75 || (same(c.0) && c.1 >= top_score * 0.5))
        .map(|c| c.0)
        .collect();
    if strong.len() >= 3 {
        let mut anc = dom.nodes[top].parent as usize;
        while !is_root(anc) && !stories.others(dom, top, anc) {
            if strong.iter().filter(|&&s| dom.contains(anc, s)).count() >= 3 {
                top = anc;
                break;
            }
            anc = dom.nodes[anc].parent as usize;
        }
    }
    // Climb while the parent scores higher (the body was split into sub-blocks).
    let mut last = final_score(top);
    let threshold = last / 3.0;
    let mut p = dom.nodes[top].parent as usize;
    while !is_root(p) && !stories.others(dom, top, p) {
        if !scored[p] {
            p = dom.nodes[p].parent as usize;
            continue;
        }
        let ps = final_score(p);
        if ps < threshold {
            break;
        }
        if ps > last {
            top = p;
            break;
        }
        last = ps;
        p = dom.nodes[p].parent as usize;
    }
    // An only child is no better than its parent.
    loop {
        let p = dom.nodes[top].parent as usize;
        if is_root(p) || removed[p] {
            break;
        }
        let live = dom
            .children(p)
            .filter(|&c| !removed[c] && dom.tag(c).is_some())
            .count();
        if live != 1 {
            break;
        }
        top = p;
    }
    // A body split across sibling sections: climb while an ancestor adds mostly paragraph text.
    let mut a = dom.nodes[top].parent as usize;
    while !is_root(a) && !stories.others(dom, top, a) {
        let gain = st.good[a].saturating_sub(st.good[top]) as f32;
        let added = st.chars[a].saturating_sub(st.chars[top]) as f32;
        if gain >= 200.0_f32.max(0.1 * st.good[top] as f32) && gain >= 0.6 * added {
            top = a;
        }
        a = dom.nodes[a].parent as usize;
    }
    // Siblings that score well or read like paragraphs join the body.
    let top_s = final_score(top);
    let thr = (top_s * 0.2).max(10.0);
    let parent = dom.nodes[top].parent as usize;
    if is_root(parent) && top == parent {
        return vec![top];
    }
    let top_class = dom
        .element(top)
        .and_then(|e| attr(e, "class"))
        .unwrap_or("");
    let mut roots = Vec::new();
    for sib in dom.children(parent) {
        if removed[sib] {
            continue;
        }
        if sib == top {
            roots.push(sib);
            continue;
        }
        let Some(tag) = dom.tag(sib) else { continue };
        let mut append = false;
        if scored[sib] {
            let bonus = match dom.element(sib).and_then(|e| attr(e, "class")) {
                Some(c) if !c.is_empty() && c == top_class => top_s * 0.2,
                _ => 0.0,
            };
            append = final_score(sib) + bonus >= thr;
        }
        if !append && tag == Tag::P {
            let len = st.chars[sib];
            let ld = st.link_density(sib);
            let text = dom.text_of(sib);
            append = (len > 80 && ld < 0.25)
                || (len < 80
                    && len > 0
                    && ld == 0.0
                    && (text.contains(". ") || text.ends_with('.')));
        }
        if append {
            roots.push(sib);
        }
    }
    roots
}

/// Readability's conditional cleaning: drops containers inside the body that look like link lists, galleries or forms.
pub(crate) fn clean(
    dom: &Dom<'_>,
    roots: &[usize],
    removed: &mut [bool],
    st: &Stats,
    rules: ClassRules,
) {
    for &root in roots {
        let end = dom.nodes[root].end as usize;
        let mut i = root + 1;
        while i < end {
            let node_end = dom.nodes[i].end as usize;
            if removed[i] {
                i = node_end;
                continue;
            }
            let Some(tag) = dom.tag(i) else {
                i += 1;
                continue;
            };
            if should_clean(dom, i, tag, st, rules) {
                removed[i] = true;
                i = node_end;
            } else {
                i += 1;
            }
        }
    }
}

fn should_clean(dom: &Dom<'_>, i: usize, tag: Tag, st: &Stats, rules: ClassRules) -> bool {
    let ci = match rules {
        ClassRules::On => dom.class_id(i),
        ClassRules::Off => "",
    };
    let weight = class_weight(ci);
    let ld = st.link_density(i);
    let chars = st.chars[i];
    match tag {
        Tag::H(_) => return weight < 0.0 || ld > 0.33,
        Tag::Div
        | Tag::Section
        | Tag::Form
        | Tag::Table
        | Tag::Ul
        | Tag::Ol
        | Tag::Block
        | Tag::Dl
        | Tag::Article => {}
        _ => return false,
    }
    if is_body(ci) || is_quote_embed(dom, i, ci) {
        return false;
    }
    // Furniture names without body words, unless it is a long stretch of text or mostly link-free prose
    // (a product card in a roundup, a section of a guide in a page builder's "widget").
    if weight < 0.0 && chars < 2000 && !mostly_prose(st, i, ci) {
        return true;
    }
    if st.commas[i] >= 10 {
        return false;
    }
    let is_list = matches!(tag, Tag::Ul | Tag::Ol | Tag::Dl);
    let p = st.p[i] as f32;
    let img = st.img[i] as f32;
    let li = st.li[i] as f32;
    let input = st.input[i] as f32;
    if is_list {
        return ld > 0.5;
    }
    if tag == Tag::Table {
        return ld > 0.5;
    }
    (img > 1.0 && p / img < 0.5 && chars < 200)
        || (li > p && li > 2.0 && ld > 0.3)
        || (input > (p / 3.0).floor() && chars < 200)
        || (chars < 25 && img > 2.0)
        || (weight < 25.0 && ld > 0.3 && chars < 600)
        || (weight >= 25.0 && ld > 0.5)
}
