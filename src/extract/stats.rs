//! Per-node text statistics, computed bottom-up in one reverse pass over the arena.

use super::dom::{Dom, Kind, Tag};

/// Counts for every node's subtree, skipping removed subtrees.
pub(crate) struct Stats {
    /// Visible characters (whitespace runs count one).
    pub chars: Vec<u32>,
    /// Characters inside links.
    pub link_chars: Vec<u32>,
    /// Commas.
    pub commas: Vec<u32>,
    /// For block elements: characters of the text directly in them (not in block children).
    pub inline_chars: Vec<u32>,
    /// For block elements: of `inline_chars`, those inside links.
    pub inline_link: Vec<u32>,
    /// For block elements: commas of the direct text.
    pub inline_commas: Vec<u32>,
    /// Paragraph elements.
    pub p: Vec<u32>,
    /// Images.
    pub img: Vec<u32>,
    /// List items.
    pub li: Vec<u32>,
    /// Form controls and embeds.
    pub input: Vec<u32>,
    /// Headings.
    pub heads: Vec<u32>,
    /// Characters of paragraph-like blocks with little link text: the "article mass" of the subtree.
    pub good: Vec<u32>,
}

/// Shortest block counted as article mass.
const GOOD_MIN: u32 = 50;

/// Visible length of a text node: non-space characters plus one per whitespace run between words.
/// ASCII bytes are counted without decoding (most text is ASCII); others as characters.
pub(crate) fn text_len(t: &str) -> (u32, u32) {
    let mut n = 0u32;
    let mut commas = 0u32;
    let mut in_space = true;
    let b = t.as_bytes();
    let mut i = 0;
    while let Some(&byte) = b.get(i) {
        if byte.is_ascii_graphic() {
            // A run of printable ASCII: one character a byte, never a space.
            let start = i;
            while let Some(&g) = b.get(i).filter(|g| g.is_ascii_graphic()) {
                commas += u32::from(g == b',');
                i += 1;
            }
            n += (i - start) as u32;
            in_space = false;
            continue;
        }
        if matches!(byte, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ') {
            // A run of ASCII whitespace (indentation between tags): at most one space.
            while matches!(b.get(i), Some(b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')) {
                i += 1;
            }
            if !in_space {
                n += 1;
                in_space = true;
            }
            continue;
        }
        let (space, comma) = if byte.is_ascii() {
            i += 1;
            // char::is_whitespace on ASCII: the five C0 spaces and the space itself.
            (
                matches!(byte, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' '),
                byte == b',',
            )
        } else {
            let Some(c) = t.get(i..).and_then(|r| r.chars().next()) else {
                break;
            };
            i += c.len_utf8();
            (c.is_whitespace(), c == '，' || c == '、')
        };
        if space {
            if !in_space {
                n += 1;
                in_space = true;
            }
        } else {
            if comma {
                commas += 1;
            }
            n += 1;
            in_space = false;
        }
    }
    (n, commas)
}

impl Stats {
    /// Computes the counts; `removed[i]` drops node `i` with its subtree.
    pub(crate) fn new(dom: &Dom<'_>, removed: &[bool]) -> Stats {
        let n = dom.nodes.len();
        let mut s = Stats {
            chars: vec![0; n],
            link_chars: vec![0; n],
            commas: vec![0; n],
            inline_chars: vec![0; n],
            inline_link: vec![0; n],
            inline_commas: vec![0; n],
            p: vec![0; n],
            img: vec![0; n],
            li: vec![0; n],
            input: vec![0; n],
            heads: vec![0; n],
            good: vec![0; n],
        };
        // Forward: nearest block ancestor and whether inside a link, skipping removed subtrees.
        let mut block_anc = vec![0u32; n];
        let mut in_link = vec![false; n];
        let mut alive = vec![false; n];
        let mut i = 0;
        while i < n {
            let node = &dom.nodes[i];
            if removed.get(i).copied().unwrap_or(false) {
                i = node.end as usize;
                continue;
            }
            alive[i] = true;
            let p = node.parent as usize;
            if i > 0 {
                let parent_block = matches!(dom.tag(p), Some(t) if t.is_block());
                block_anc[i] = if parent_block { p as u32 } else { block_anc[p] };
                in_link[i] = in_link[p] || dom.tag(p) == Some(Tag::A);
            }
            match node.kind {
                Kind::Text(_) => {
                    let (len, commas) = (node.len, node.commas);
                    s.chars[i] = len;
                    s.commas[i] = commas;
                    if in_link[i] {
                        s.link_chars[i] = len;
                    }
                    let b = block_anc[i] as usize;
                    s.inline_chars[b] += len;
                    s.inline_commas[b] += commas;
                    if in_link[i] {
                        s.inline_link[b] += len;
                    }
                }
                Kind::Element(tag, _) => match tag {
                    Tag::P => s.p[i] = 1,
                    Tag::Img => s.img[i] = 1,
                    Tag::Li => s.li[i] = 1,
                    Tag::H(_) => s.heads[i] = 1,
                    Tag::Invisible => {
                        s.input[i] = 1;
                        i = node.end as usize;
                        continue;
                    }
                    Tag::Script | Tag::Style | Tag::Head | Tag::Title => {
                        i = node.end as usize;
                        continue;
                    }
                    _ => {}
                },
            }
            i += 1;
        }
        for (i, &live) in alive.iter().enumerate() {
            if live
                && matches!(
                    dom.tag(i),
                    Some(
                        Tag::P
                            | Tag::Pre
                            | Tag::Blockquote
                            | Tag::Div
                            | Tag::Section
                            | Tag::Td
                            | Tag::Article
                            | Tag::Li
                            | Tag::Dd
                    )
                )
                && s.inline_chars[i] >= GOOD_MIN
                && s.inline_link[i] * 3 < s.inline_chars[i]
            {
                s.good[i] = s.inline_chars[i];
            }
        }
        // Reverse: add each live node's totals into its parent.
        for i in (1..n).rev() {
            if !alive[i] {
                continue;
            }
            let p = dom.nodes[i].parent as usize;
            if p == i {
                continue;
            }
            s.chars[p] += s.chars[i];
            s.link_chars[p] += s.link_chars[i];
            s.commas[p] += s.commas[i];
            s.p[p] += s.p[i];
            s.img[p] += s.img[i];
            s.li[p] += s.li[i];
            s.input[p] += s.input[i];
            s.heads[p] += s.heads[i];
            s.good[p] += s.good[i];
        }
        s
    }

    /// Share of the subtree's text inside links.
    pub(crate) fn link_density(&self, i: usize) -> f32 {
        let c = self.chars.get(i).copied().unwrap_or(0);
        if c == 0 {
            return 0.0;
        }
        self.link_chars.get(i).copied().unwrap_or(0) as f32 / c as f32
    }
}
