//! A flat, pre-order arena over the parsed page, so every later pass is a loop over a slice (no recursion, no re-walks of the scraper tree).

use std::collections::{HashMap, HashSet};

use ego_tree::iter::Edge;
use ego_tree::{NodeId, NodeRef};
use html5ever::{local_name, ns};
use scraper::node::Element;
use scraper::{Html, Node as SNode};

use super::stats::text_len;

/// Element kinds the extractor reasons about; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    Html,
    Head,
    Body,
    Title,
    Meta,
    Script,
    Style,
    /// Never visible or never text: noscript, template, svg, math, iframe, media, forms controls.
    Invisible,
    Form,
    Nav,
    Aside,
    Footer,
    Header,
    Main,
    Article,
    Section,
    Div,
    P,
    H(u8),
    Ul,
    Ol,
    Li,
    Dl,
    Dt,
    Dd,
    Blockquote,
    Pre,
    Table,
    /// thead, tbody, tfoot
    TSection,
    Tr,
    Td,
    Caption,
    Figure,
    Figcaption,
    Br,
    Hr,
    A,
    Time,
    Img,
    Address,
    /// details, summary, dialog, menu, center, fieldset and other block containers
    Block,
    /// span, b, i, em, strong and anything unknown
    Inline,
}

impl Tag {
    fn of(name: &str) -> Tag {
        match name {
            "html" => Tag::Html,
            "head" => Tag::Head,
            "body" => Tag::Body,
            "title" => Tag::Title,
            "meta" => Tag::Meta,
            "script" => Tag::Script,
            "style" | "link" => Tag::Style,
            "noscript" | "template" | "svg" | "math" | "iframe" | "object" | "embed" | "canvas"
            | "video" | "audio" | "picture" | "source" | "button" | "input" | "select"
            | "textarea" | "option" | "label" | "map" | "dialog" | "frame" | "frameset"
            | "applet" | "marquee" | "rp" | "rt" => Tag::Invisible,
            "form" => Tag::Form,
            "nav" | "menu" => Tag::Nav,
            "aside" => Tag::Aside,
            "footer" => Tag::Footer,
            "header" => Tag::Header,
            "main" => Tag::Main,
            "article" => Tag::Article,
            "section" => Tag::Section,
            "div" | "center" => Tag::Div,
            "p" => Tag::P,
            "h1" => Tag::H(1),
            "h2" => Tag::H(2),
            "h3" => Tag::H(3),
            "h4" => Tag::H(4),
            "h5" => Tag::H(5),
            "h6" => Tag::H(6),
            "ul" => Tag::Ul,
            "ol" => Tag::Ol,
            "li" => Tag::Li,
            "dl" => Tag::Dl,
            "dt" => Tag::Dt,
            "dd" => Tag::Dd,
            "blockquote" => Tag::Blockquote,
            "pre" => Tag::Pre,
            "table" => Tag::Table,
            "thead" | "tbody" | "tfoot" => Tag::TSection,
            "tr" => Tag::Tr,
            "td" | "th" => Tag::Td,
            "caption" => Tag::Caption,
            "figure" => Tag::Figure,
            "figcaption" => Tag::Figcaption,
            "br" => Tag::Br,
            "hr" => Tag::Hr,
            "a" => Tag::A,
            "time" => Tag::Time,
            "img" => Tag::Img,
            "address" => Tag::Address,
            "details" | "summary" | "fieldset" | "hgroup" | "legend" => Tag::Block,
            _ => Tag::Inline,
        }
    }

    /// Starts a new line of text (HTML's block-level elements, roughly).
    pub(crate) fn is_block(self) -> bool {
        !matches!(
            self,
            Tag::Inline | Tag::A | Tag::Time | Tag::Img | Tag::Br | Tag::Invisible | Tag::Meta
        )
    }
}

/// The value of the HTML attribute `name` (no namespace), as [`Element::attr`] gives it.
/// `Element::attr` interns `name` as an atom first (hashing it); the names the extractor
/// reads are html5ever's static atoms, so they are matched here as constants (inlined, the
/// `match` folds away) and each attribute costs one integer compare instead of a string
/// look-up and a memcmp. Other names fall back to comparing strings.
#[inline(always)]
pub(crate) fn attr<'a>(el: &'a Element, name: &str) -> Option<&'a str> {
    let local = match name {
        "class" => local_name!("class"),
        "id" => local_name!("id"),
        "style" => local_name!("style"),
        "hidden" => local_name!("hidden"),
        "role" => local_name!("role"),
        "itemprop" => local_name!("itemprop"),
        "itemtype" => local_name!("itemtype"),
        "content" => local_name!("content"),
        "datetime" => local_name!("datetime"),
        "title" => local_name!("title"),
        "href" => local_name!("href"),
        "rel" => local_name!("rel"),
        "type" => local_name!("type"),
        "name" => local_name!("name"),
        "property" => local_name!("property"),
        "http-equiv" => local_name!("http-equiv"),
        "aria-hidden" => local_name!("aria-hidden"),
        "aria-controls" => local_name!("aria-controls"),
        "aria-labelledby" => local_name!("aria-labelledby"),
        _ => return attr_by_string(el, name),
    };
    el.attrs
        .iter()
        .find(|(q, _)| q.local == local && q.prefix.is_none() && q.ns == ns!())
        .map(|(_, v)| &**v)
}

/// [`attr`] for names outside its table.
fn attr_by_string<'a>(el: &'a Element, name: &str) -> Option<&'a str> {
    el.attrs
        .iter()
        .find(|(q, _)| q.prefix.is_none() && q.ns.is_empty() && &*q.local == name)
        .map(|(_, v)| &**v)
}

/// What a node is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind<'a> {
    /// An element and its tag class.
    Element(Tag, &'a Element),
    /// A text node.
    Text(&'a str),
}

/// One node of the arena; children are the nodes in `(index, end)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Node<'a> {
    /// Index of the parent element (0 for the roots).
    pub parent: u32,
    /// One past the last index of this node's subtree.
    pub end: u32,
    /// The node itself.
    pub kind: Kind<'a>,
    /// The scraper node, to map CSS selector matches back into the arena.
    pub id: ego_tree::NodeId,
    /// For text nodes, [`text_len`]: the visible length and commas, counted once here since
    /// the statistics and every render read them again. Zero inside `<script>` and `<style>`,
    /// whose text no pass measures (see [`Dom::text_len`]).
    pub len: u32,
    pub commas: u32,
    /// For elements, where [`Dom::class_id`] lies in the arena's class/id text.
    ci: (u32, u32),
}

/// The page as a pre-order arena: the subtree of node `i` is `i..nodes[i].end`.
pub(crate) struct Dom<'a> {
    /// All elements and text nodes, in document order.
    pub nodes: Vec<Node<'a>>,
    /// Every element's lower-cased `class` and `id`, end to end: the scoring, pruning and
    /// metadata passes each read them for every element.
    class_ids: String,
}

/// Appends the lower-cased `class` and `id` of an element, space separated: the names the
/// furniture vocabulary is matched against.
fn push_class_id(out: &mut String, el: &Element) {
    let start = out.len();
    if let Some(c) = attr(el, "class") {
        out.push_str(c);
    }
    if let Some(i) = attr(el, "id") {
        out.push(' ');
        out.push_str(i);
    }
    if let Some(added) = out.get_mut(start..) {
        added.make_ascii_lowercase();
    }
}

/// The arena under construction.
struct Builder<'a> {
    nodes: Vec<Node<'a>>,
    stack: Vec<u32>,
    class_ids: String,
}

impl<'a> Builder<'a> {
    fn open(&mut self, n: NodeRef<'a, SNode>) {
        match n.value() {
            SNode::Element(el) => {
                let idx = self.nodes.len() as u32;
                let from = self.class_ids.len();
                push_class_id(&mut self.class_ids, el);
                let ci = (from as u32, self.class_ids.len() as u32);
                self.nodes.push(Node {
                    parent: self.stack.last().copied().unwrap_or(0),
                    end: idx + 1,
                    kind: Kind::Element(Tag::of(el.name()), el),
                    id: n.id(),
                    len: 0,
                    commas: 0,
                    ci,
                });
                self.stack.push(idx);
            }
            SNode::Text(t) => {
                let idx = self.nodes.len() as u32;
                let parent = self.stack.last().copied().unwrap_or(0);
                let code = matches!(
                    self.nodes.get(parent as usize).map(|p| p.kind),
                    Some(Kind::Element(Tag::Script | Tag::Style, _))
                );
                let (len, commas) = if code { (0, 0) } else { text_len(t) };
                self.nodes.push(Node {
                    parent,
                    end: idx + 1,
                    kind: Kind::Text(t),
                    id: n.id(),
                    len,
                    commas,
                    ci: (0, 0),
                });
            }
            _ => {}
        }
    }

    fn close(&mut self, n: NodeRef<'a, SNode>) {
        if n.value().is_element()
            && let Some(idx) = self.stack.pop()
        {
            let end = self.nodes.len() as u32;
            if let Some(node) = self.nodes.get_mut(idx as usize) {
                node.end = end;
            }
        }
    }
}

/// Streamed server rendering (React's) sends the page in order of readiness: a late part
/// arrives at the end of the document as `<div hidden id="S:3">`, and a script moves it to
/// its placeholder `<template id="B:3">` (a pending boundary, whose fallback it replaces) or
/// `<template id="P:3">`. The arena reads each part where the reader sees it.
#[derive(Default)]
struct Streamed<'a> {
    /// Placeholder template → the part read in its place.
    at: HashMap<NodeId, NodeRef<'a, SNode>>,
    /// The parts, left out where they were sent.
    parts: HashSet<NodeId>,
    /// Placeholders of pending boundaries: their fallback is left out up to the boundary's end.
    pending: HashSet<NodeId>,
}

impl<'a> Streamed<'a> {
    fn new(html: &'a Html) -> Streamed<'a> {
        let mut templates: HashMap<&'a str, NodeRef<'a, SNode>> = HashMap::new();
        let mut sent: Vec<(&'a str, NodeRef<'a, SNode>)> = Vec::new();
        for n in html.tree.nodes() {
            let SNode::Element(el) = n.value() else {
                continue;
            };
            let Some(id) = el.id() else { continue };
            if let Some(k) = id.strip_prefix("S:") {
                sent.push((k, n));
            } else if el.name() == "template"
                && let Some(k) = id.strip_prefix("B:").or_else(|| id.strip_prefix("P:"))
            {
                templates.insert(k, n);
            }
        }
        let mut out = Streamed::default();
        for (k, part) in sent {
            let Some(&t) = templates.get(k) else { continue };
            // A part inside its own placeholder would be read forever.
            if part.ancestors().any(|a| a.id() == t.id())
                || t.ancestors().any(|a| a.id() == part.id())
            {
                continue;
            }
            // One part per placeholder: a second `S:n` stays where it was sent.
            if !out.at.contains_key(&t.id()) && out.parts.insert(part.id()) {
                out.at.insert(t.id(), part);
                if t.value()
                    .as_element()
                    .and_then(Element::id)
                    .is_some_and(|id| id.starts_with("B:"))
                    && fallback_end(t).is_some()
                {
                    out.pending.insert(t.id());
                }
            }
        }
        out
    }
}

/// The comment closing the pending boundary `template` opens (`<!--/$-->` among its next
/// siblings, boundaries nested at that level counted), if there is one.
fn fallback_end(template: NodeRef<'_, SNode>) -> Option<NodeId> {
    let mut depth = 0u32;
    for s in template.next_siblings() {
        let SNode::Comment(c) = s.value() else {
            continue;
        };
        match &**c {
            "/$" if depth == 0 => return Some(s.id()),
            "/$" => depth -= 1,
            c if c.starts_with('$') => depth += 1,
            _ => {}
        }
    }
    None
}

/// Deepest chain of streamed parts read one inside another.
const MAX_NESTED: usize = 32;

/// One subtree being read: the page, or a streamed part read at its placeholder.
struct Walk<'a> {
    edges: ego_tree::iter::Traverse<'a, SNode>,
    top: NodeId,
    /// While a pending boundary's fallback is being left out: the comment that ends it.
    until: Option<NodeId>,
}

impl<'a> Dom<'a> {
    /// Flattens a parsed document; comments, doctypes and processing instructions are left out.
    /// Streamed parts are read at their placeholders ([`Streamed`]).
    pub(crate) fn new(html: &'a Html) -> Dom<'a> {
        let mut b = Builder {
            nodes: Vec::with_capacity(4096),
            stack: Vec::with_capacity(64),
            class_ids: String::with_capacity(16 * 1024),
        };
        let mut streamed = Streamed::new(html);
        let root = html.tree.root();
        let mut walks = vec![Walk {
            edges: root.traverse(),
            top: root.id(),
            until: None,
        }];
        // The subtree being left out: a part sent here but read elsewhere, or a fallback.
        let mut skip: Option<NodeId> = None;
        loop {
            let depth = walks.len();
            let Some(w) = walks.last_mut() else { break };
            let Some(edge) = w.edges.next() else {
                walks.pop();
                continue;
            };
            let mut part = None;
            match edge {
                Edge::Open(n) => {
                    if skip.is_some() {
                        continue;
                    }
                    if w.until == Some(n.id()) {
                        w.until = None;
                    } else if w.until.is_some()
                        || (n.id() != w.top && streamed.parts.contains(&n.id()))
                    {
                        skip = Some(n.id());
                    } else {
                        b.open(n);
                    }
                }
                Edge::Close(n) => {
                    if let Some(s) = skip {
                        if s == n.id() {
                            skip = None;
                        }
                        continue;
                    }
                    b.close(n);
                    // Parts nest (a part holding another's placeholder); past a bound a
                    // hostile page's chain is left out rather than read ever deeper.
                    part = streamed.at.remove(&n.id()).filter(|_| depth < MAX_NESTED);
                    if part.is_some() && streamed.pending.contains(&n.id()) {
                        w.until = fallback_end(n);
                    }
                }
            }
            if let Some(p) = part {
                walks.push(Walk {
                    edges: p.traverse(),
                    top: p.id(),
                    until: None,
                });
            }
        }
        Dom {
            nodes: b.nodes,
            class_ids: b.class_ids,
        }
    }

    /// The lower-cased `class` and `id` of node `i`, space separated; empty for text.
    pub(crate) fn class_id(&self, i: usize) -> &str {
        let (from, to) = self.nodes.get(i).map_or((0, 0), |n| n.ci);
        self.class_ids.get(from as usize..to as usize).unwrap_or("")
    }

    /// The visible length of node `i` if it is text, counted even inside `<script>` and `<style>`.
    pub(crate) fn text_len(&self, i: usize) -> u32 {
        let Some(n) = self.nodes.get(i) else { return 0 };
        match (n.kind, self.tag(n.parent as usize)) {
            (Kind::Text(t), Some(Tag::Script | Tag::Style)) => text_len(t).0,
            _ => n.len,
        }
    }

    /// The `<body>` element (html5ever always makes one).
    pub(crate) fn body(&self) -> Option<usize> {
        (0..self.nodes.len()).find(|&i| self.tag(i) == Some(Tag::Body))
    }

    /// The tag of node `i`, `None` for text.
    pub(crate) fn tag(&self, i: usize) -> Option<Tag> {
        match self.nodes.get(i)?.kind {
            Kind::Element(t, _) => Some(t),
            Kind::Text(_) => None,
        }
    }

    /// The element of node `i`, `None` for text.
    pub(crate) fn element(&self, i: usize) -> Option<&'a Element> {
        match self.nodes.get(i)?.kind {
            Kind::Element(_, e) => Some(e),
            Kind::Text(_) => None,
        }
    }

    /// Direct children of `i`, in order.
    pub(crate) fn children(&self, i: usize) -> Children<'_, 'a> {
        let end = self.nodes.get(i).map_or(0, |n| n.end as usize);
        Children {
            dom: self,
            next: i + 1,
            end,
        }
    }

    /// Whether `anc` is `i` or one of its ancestors.
    pub(crate) fn contains(&self, anc: usize, i: usize) -> bool {
        anc <= i && i < self.nodes.get(anc).map_or(0, |n| n.end as usize)
    }

    /// Concatenated text of the subtree, whitespace collapsed, script/style skipped.
    pub(crate) fn text_of(&self, i: usize) -> String {
        let mut out = String::new();
        let end = self.nodes.get(i).map_or(i, |n| n.end as usize);
        let mut j = i;
        while j < end {
            let Some(n) = self.nodes.get(j) else { break };
            match n.kind {
                Kind::Element(Tag::Script | Tag::Style | Tag::Invisible, _) => {
                    j = n.end as usize;
                    continue;
                }
                Kind::Element(t, _) if t.is_block() || t == Tag::Br => out.push(' '),
                Kind::Text(t) => out.push_str(t),
                _ => {}
            }
            j += 1;
        }
        crate::extract::normalize::collapse(&out)
    }
}

/// Iterator over the direct children of a node.
pub(crate) struct Children<'d, 'a> {
    dom: &'d Dom<'a>,
    next: usize,
    end: usize,
}

impl Iterator for Children<'_, '_> {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        if self.next >= self.end {
            return None;
        }
        let i = self.next;
        self.next = self.dom.nodes.get(i).map_or(self.end, |n| n.end as usize);
        Some(i)
    }
}
