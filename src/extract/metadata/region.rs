//! Where the article is: its scope (the `<article>` or the body's container) and its headline,
//! so stamps are taken from the article and never from the site's header above it.

use super::super::dom::{Dom, Tag};

/// How many nodes before the article an `<h2>` may open it.
const NEAR_HEADING: usize = 200;
/// Most nodes of the headline's header block before the headline itself: a kicker, a dateline,
/// a lead image; site headers and teaser lists are larger.
const HEAD_BLOCK: usize = 40;

/// The article's subtrees and the headline that opens it.
#[derive(Debug)]
pub(crate) struct Region {
    scope: Vec<usize>,
    /// The article's headline: the first `<h1>` in the scope, else the last one before it.
    pub h1: Option<usize>,
    /// Where the headline's header block starts (the dateline often sits above the headline).
    head: Option<usize>,
    start: usize,
    end: usize,
}

impl Region {
    /// The region of `scope` (from [`super::scope`]); `removed` are structurally pruned nodes.
    pub(crate) fn new(dom: &Dom<'_>, scope: Vec<usize>, removed: &[bool]) -> Region {
        let start = scope.iter().copied().min().unwrap_or(0);
        let end = scope
            .iter()
            .map(|&s| dom.nodes[s].end as usize)
            .max()
            .unwrap_or(0);
        let live_h1 = |i: &usize| {
            dom.tag(*i) == Some(Tag::H(1)) && !removed.get(*i).copied().unwrap_or(false)
        };
        // Before the body, the headline often sits in a <header> that structural pruning
        // removed; on pages without an <h1>, a nearby <h2> opens the article.
        let h1 = (start..end)
            .find(|i| live_h1(i) && scope.iter().any(|&s| dom.contains(s, *i)))
            .or_else(|| (0..start).rev().find(|&i| dom.tag(i) == Some(Tag::H(1))))
            .or_else(|| {
                (start.saturating_sub(NEAR_HEADING)..start)
                    .rev()
                    .find(|&i| dom.tag(i) == Some(Tag::H(2)))
            });
        // The headline's `<article>` element is the article from its first node: its header
        // (kicker, dateline) may come before the headline by any distance.
        let head = h1.map(|h| {
            let block = head_block(dom, h, start, end);
            let mut a = dom.nodes[h].parent as usize;
            while a > 0 && dom.tag(a) != Some(Tag::Article) {
                a = dom.nodes[a].parent as usize;
            }
            if a > 0 { block.min(a) } else { block }
        });
        Region {
            scope,
            h1,
            head,
            start,
            end,
        }
    }

    /// Whether node `i` lies in the article's own subtrees.
    pub(crate) fn in_scope(&self, i: usize) -> bool {
        i >= self.start && i < self.end
    }

    /// Whether node `i` belongs to the article: from its headline to the end of its body.
    /// Stamps above the headline belong to the site's header ("Last update: <render time>").
    pub(crate) fn in_article(&self, i: usize) -> bool {
        let from = self.head.or(self.h1).unwrap_or(self.start);
        i >= from && i < self.end && (self.in_scope(i) || self.h1.is_some())
    }

    /// Whether node `i` lies in the headline's header block, before the headline.
    pub(crate) fn before_headline(&self, i: usize) -> bool {
        matches!((self.head, self.h1), (Some(from), Some(h)) if i >= from && i < h)
    }

    /// Whether node `i` (ending at `end`) contains the whole article or its headline, and so
    /// can never be foreign to it.
    pub(crate) fn within(&self, i: usize, end: usize) -> bool {
        (!self.scope.is_empty() && i <= self.start && end >= self.end)
            || self.h1.is_some_and(|h| i <= h && h < end)
    }

    /// The roots to render for visible stamps: the article, plus what lies between its headline and it.
    pub(crate) fn roots(&self, dom: &Dom<'_>) -> Vec<usize> {
        let Some(h1) = self.h1.filter(|&h| h < self.start) else {
            return self.scope.clone();
        };
        // The nearest ancestor holding both, unless it is far larger than the article.
        let mut a = dom.nodes[h1].parent as usize;
        while a > 0 && !dom.contains(a, self.start) {
            a = dom.nodes[a].parent as usize;
        }
        let size = |i: usize| dom.nodes[i].end as usize - i;
        if a > 0 && size(a) <= 2 * (self.end - self.start) + 2000 {
            return vec![a];
        }
        // The wrapper holds the site around the article: render only what lies between the
        // headline and the body (the standfirst and the dateline under the headline).
        let mut roots = between(dom, dom.nodes[h1].end as usize, self.start);
        roots.extend(&self.scope);
        roots
    }
}

/// The whole subtrees from node `from` up to node `to`, when they are few nodes: what sits
/// between a headline and the body that follows it.
fn between(dom: &Dom<'_>, from: usize, to: usize) -> Vec<usize> {
    if to <= from || to - from > NEAR_HEADING {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut j = from;
    while j < to {
        let end = dom.nodes[j].end as usize;
        if end <= to {
            out.push(j);
            j = end.max(j + 1);
        } else {
            j += 1;
        }
    }
    out
}

/// The first node of the headline's header block: the highest ancestor of `h1` that holds
/// at most [`HEAD_BLOCK`] nodes before it and not the article's body (`start..end`), whose
/// wrapper may also hold the site's bar.
fn head_block(dom: &Dom<'_>, h1: usize, start: usize, end: usize) -> usize {
    let mut a = h1;
    loop {
        let p = dom.nodes[a].parent as usize;
        let holds_body = p <= start && dom.nodes[p].end as usize >= end;
        if p == 0
            || matches!(dom.tag(p), Some(Tag::Body | Tag::Html))
            || h1 - p > HEAD_BLOCK
            || holds_body
        {
            return a;
        }
        a = p;
    }
}
