//! Block HTML to reader text: paragraphs separated by blank lines, headings and list items on their own lines, tables as rows of cells.

use std::sync::LazyLock;

use super::boilerplate::is_junk_line;
use super::dom::{Dom, Kind, Tag};
use super::normalize;

/// What kind of line a block becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockKind {
    Para,
    Heading,
    Item,
    Row,
    Pre,
}

/// One rendered block of text.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    pub text: String,
    pub kind: BlockKind,
    /// The list or table the block belongs to: consecutive members join with a single newline.
    pub group: Option<usize>,
    /// Visible characters, and of those inside links.
    pub chars: u32,
    pub link_chars: u32,
    /// Arena index of the block's first text node, to place it in the document.
    pub start: usize,
}

/// Between the cells of a table row.
const CELL_SEP: &str = " | ";

struct Open {
    idx: usize,
    end: usize,
    tag: Tag,
    data_table: bool,
}

struct Renderer<'d, 'a> {
    dom: &'d Dom<'a>,
    buf: String,
    chars: u32,
    link_chars: u32,
    stack: Vec<Open>,
    links: u32,
    cells: u32,
    /// A cell opened and its separator is not written yet.
    pending_sep: bool,
    /// Where the text in `buf` began.
    start: usize,
    blocks: Vec<Block>,
    /// Blocks certain to be longer than this many characters are left out unnormalised.
    limit: usize,
}

/// Whether a table holds data (rendered as rows) rather than page layout (rendered as blocks).
fn is_data_table(dom: &Dom<'_>, t: usize) -> bool {
    let end = dom.nodes[t].end as usize;
    let mut cells = 0u32;
    let mut chars = 0u32;
    let mut blocks = 0u32;
    for j in t + 1..end {
        match dom.nodes[j].kind {
            Kind::Element(Tag::Table, _) => return false,
            Kind::Element(Tag::Td, _) => cells += 1,
            Kind::Element(Tag::P | Tag::Div | Tag::Ul | Tag::Ol | Tag::H(_), _) => blocks += 1,
            // A table may hold a script: its text counts here as it always did.
            Kind::Text(_) => chars += dom.text_len(j),
            _ => {}
        }
    }
    cells > 0 && chars / cells < 250 && blocks <= cells
}

impl Renderer<'_, '_> {
    fn kind_and_group(&self) -> (BlockKind, Option<usize>) {
        let mut kind = None;
        let mut group = None;
        for o in self.stack.iter().rev() {
            match o.tag {
                Tag::Li | Tag::Dt | Tag::Dd if kind.is_none() => kind = Some(BlockKind::Item),
                Tag::H(_) if kind.is_none() => kind = Some(BlockKind::Heading),
                Tag::Pre if kind.is_none() => kind = Some(BlockKind::Pre),
                Tag::Tr if kind.is_none() && self.in_data_table() => kind = Some(BlockKind::Row),
                Tag::Ul | Tag::Ol | Tag::Dl if group.is_none() => group = Some(o.idx),
                Tag::Table if group.is_none() && o.data_table => group = Some(o.idx),
                _ => {}
            }
        }
        let kind = kind.unwrap_or(BlockKind::Para);
        let group = if matches!(kind, BlockKind::Item | BlockKind::Row) {
            group
        } else {
            None
        };
        (kind, group)
    }

    fn in_data_table(&self) -> bool {
        self.stack
            .iter()
            .rev()
            .find(|o| o.tag == Tag::Table)
            .is_some_and(|o| o.data_table)
    }

    fn flush(&mut self) {
        if self.buf.trim().is_empty() {
            self.buf.clear();
            self.chars = 0;
            self.link_chars = 0;
            return;
        }
        if self.limit < usize::MAX && surely_longer(&self.buf, self.limit) {
            self.buf.clear();
            self.pending_sep = false;
            self.chars = 0;
            self.link_chars = 0;
            return;
        }
        let (kind, group) = self.kind_and_group();
        let text = match kind {
            BlockKind::Pre => normalize::preformatted(&self.buf),
            // Cells holding only an image or a control leave nothing to show.
            BlockKind::Row => normalize::lines(&self.buf)
                .split(CELL_SEP)
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect::<Vec<_>>()
                .join(CELL_SEP),
            _ => normalize::lines(&self.buf),
        };
        self.buf.clear();
        self.pending_sep = false;
        if !text.is_empty() {
            self.blocks.push(Block {
                text,
                kind,
                group,
                chars: self.chars,
                link_chars: self.link_chars,
                start: self.start,
            });
        }
        self.chars = 0;
        self.link_chars = 0;
    }

    fn close_until(&mut self, i: usize) {
        while let Some(top) = self.stack.last() {
            if top.end > i {
                break;
            }
            let Some(o) = self.stack.pop() else { break };
            self.close(&o);
        }
    }

    fn close(&mut self, o: &Open) {
        match o.tag {
            Tag::A => self.links = self.links.saturating_sub(1),
            Tag::Td if self.cells > 0 => self.cells -= 1,
            Tag::Tr if o.data_table => {
                self.push_open(o);
                self.flush();
                self.stack.pop();
            }
            t if t.is_block() => {
                if self.cells > 0 {
                    self.buf.push(' ');
                } else {
                    // The closing block still names the kind of its text.
                    self.push_open(o);
                    self.flush();
                    self.stack.pop();
                }
            }
            _ => {}
        }
    }

    fn push_open(&mut self, o: &Open) {
        self.stack.push(Open {
            idx: o.idx,
            end: o.end,
            tag: o.tag,
            data_table: o.data_table,
        });
    }

    fn open(&mut self, i: usize, tag: Tag) -> bool {
        let end = self.dom.nodes[i].end as usize;
        let mut data_table = false;
        match tag {
            Tag::Br => {
                self.buf.push(normalize::BREAK);
                return false;
            }
            Tag::A => self.links += 1,
            Tag::Table => {
                data_table = is_data_table(self.dom, i);
                if self.cells == 0 {
                    self.flush();
                }
            }
            Tag::Tr => {
                data_table = self.in_data_table();
                if data_table || self.cells == 0 {
                    self.flush();
                }
            }
            Tag::Td if self.in_data_table() => {
                // The separator waits for the cell's first word, so empty cells leave no trace.
                self.pending_sep = true;
                self.cells += 1;
            }
            t if t.is_block() => {
                if self.cells > 0 {
                    self.buf.push(' ');
                } else {
                    self.flush();
                }
            }
            _ => {}
        }
        self.stack.push(Open {
            idx: i,
            end,
            tag,
            data_table,
        });
        true
    }
}

/// Whether the normalised text of `buf` has more than `limit` characters, judged without
/// normalising it: every printable ASCII character but `|` survives as one character (the
/// character map keeps it, whitespace collapsing never touches it, NFC only composes
/// combining marks and non-ASCII letters into the character before them, and only the `|`
/// of an empty table cell's separator is dropped).
fn surely_longer(buf: &str, limit: usize) -> bool {
    buf.len() > limit
        && buf
            .bytes()
            .filter(|b| b.is_ascii_graphic() && *b != b'|')
            .count()
            > limit
}

/// Renders the subtrees at `roots` (skipping `removed`) into blocks.
pub(crate) fn render(dom: &Dom<'_>, roots: &[usize], removed: &[bool]) -> Vec<Block> {
    render_up_to(dom, roots, removed, usize::MAX)
}

/// [`render`], leaving out the blocks surely longer than `limit` characters without spending
/// normalisation on them: the stamp and byline scans read only short blocks.
pub(crate) fn render_up_to(
    dom: &Dom<'_>,
    roots: &[usize],
    removed: &[bool],
    limit: usize,
) -> Vec<Block> {
    let mut r = Renderer {
        dom,
        buf: String::new(),
        chars: 0,
        link_chars: 0,
        stack: Vec::new(),
        links: 0,
        cells: 0,
        pending_sep: false,
        start: 0,
        blocks: Vec::new(),
        limit,
    };
    for &root in roots {
        let end = dom.nodes.get(root).map_or(root, |n| n.end as usize);
        let mut i = root;
        while i < end {
            r.close_until(i);
            let node = dom.nodes[i];
            if removed.get(i).copied().unwrap_or(false) {
                i = node.end as usize;
                continue;
            }
            match node.kind {
                Kind::Text(t) => {
                    let len = node.len;
                    r.chars += len;
                    if r.links > 0 {
                        r.link_chars += len;
                    }
                    if r.pending_sep && len > 0 {
                        if !r.buf.trim().is_empty() {
                            r.buf.push_str(CELL_SEP);
                        }
                        r.pending_sep = false;
                    }
                    if r.buf.trim().is_empty() {
                        r.start = i;
                    }
                    r.buf.push_str(t);
                }
                Kind::Element(tag, _) => {
                    if matches!(
                        tag,
                        Tag::Script | Tag::Style | Tag::Invisible | Tag::Head | Tag::Title
                    ) {
                        i = node.end as usize;
                        continue;
                    }
                    r.open(i, tag);
                }
            }
            i += 1;
        }
        r.close_until(usize::MAX);
        r.flush();
    }
    r.blocks
}

/// Drops link lists and furniture lines from rendered blocks.
pub(crate) fn filter(blocks: Vec<Block>) -> Vec<Block> {
    let mut kept: Vec<Block> = blocks
        .into_iter()
        .filter(|b| {
            // Link lists go; a paragraph with a long run of its own words stays.
            let own = b.chars.saturating_sub(b.link_chars);
            let keep_own = if b.kind == BlockKind::Item { 40 } else { 200 };
            if b.kind != BlockKind::Pre
                && b.chars > 0
                && b.link_chars as f32 > 0.5 * b.chars as f32
                && own < keep_own
            {
                return false;
            }
            !is_junk_line(&b.text) && !super::stamps::is_stamp_line(&b.text)
        })
        .collect();
    // Promotions tacked onto the end ("Follow us on Twitter", "Join our forums", "Sign up for…"),
    // and headings or lead-ins left dangling at the end: "Related posts" or "More guides:" with
    // nothing under them announced a link list that was dropped, not text of the article.
    loop {
        let n = kept.len();
        if n > 1
            && kept.last().is_some_and(|b| {
                b.kind != BlockKind::Pre && (closes_the_page(&b.text) || announces_nothing(b))
            })
        {
            kept.pop();
        } else if n > 2 && appeal_under_its_heading(&kept[n - 2], &kept[n - 1]) {
            // "This story is funded by readers like you" over the paragraph that asks for
            // the donation: the heading closes the page, and so does what it heads.
            kept.truncate(n - 2);
        } else {
            break;
        }
    }
    drop_repeated_runs(kept)
}

/// Shortest repeat of earlier paragraphs taken for a second layout of the same text.
const REPEAT_RUN: usize = 3;

/// Drops runs of paragraphs and headings that repeat earlier ones word for word: a page that
/// ships its text once per screen size (one copy hidden by a media query) shows it once.
/// A lone repeated line (a pull quote, a recurring "Pros" heading) is not a run; lists and
/// code are left alone, as a roundup or a tutorial may well repeat them.
fn drop_repeated_runs(blocks: Vec<Block>) -> Vec<Block> {
    let mut seen = std::collections::HashSet::new();
    let repeat: Vec<bool> = blocks
        .iter()
        .map(|b| {
            !seen.insert(b.text.as_str()) && matches!(b.kind, BlockKind::Para | BlockKind::Heading)
        })
        .collect();
    let mut drop = vec![false; blocks.len()];
    let mut i = 0;
    while i < blocks.len() {
        let run = repeat[i..].iter().take_while(|&&r| r).count();
        let chars: u32 = blocks[i..i + run].iter().map(|b| b.chars).sum();
        // A passage of prose paragraphs, not a schedule that repeats short lines day after
        // day nor one line said over and over.
        let passage = run >= REPEAT_RUN
            && chars >= 300
            && chars >= 70 * run as u32
            && distinct(&blocks[i..i + run]) >= REPEAT_RUN;
        if passage {
            drop[i..i + run].fill(true);
        }
        i += run.max(1);
    }
    blocks
        .into_iter()
        .zip(drop)
        .filter_map(|(b, d)| (!d).then_some(b))
        .collect()
}

/// Promotions tacked onto the end: "Follow us on Twitter", "Join our forums", "Sign up for…".
static PROMO: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)\b(follow (us|him|her|me|them)( on)?|join (us|our)|sign up (for|to)|subscribe (to|for|now)|like us on|newsletter)\b").ok()
});

/// Lines that close a page after its article: affiliate disclosures, "pin it for later", a
/// comment policy, an appeal from the publisher. Worded like this they are never how an article
/// ends, but in the middle of one they may be quoted, so they are only trimmed from the end.
static CLOSING: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
    regex::Regex::new(concat!(
        r"(?i)^(disclosure|disclaimer)\b|\b(affiliate marketer|earn from qualifying purchases",
        r"|may contain affiliate|funded by readers|pin (it |this )?for later|comment policy)"
    ))
    .ok()
});

/// A sales pitch or a call for donations: closing the page when it stands as a line of its
/// own, but the end of the article when it closes a paragraph of the author's conclusion.
static PITCH: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
    regex::Regex::new(concat!(
        r"(?i)\b(sign up|free trial|(book|request|schedule) a (free |demo|quote|consultation)",
        r"|get (free )?quotes|start your free|for free for \d+ days|donations?|donate)\b"
    ))
    .ok()
});

/// Longest line read as a promotion or closing line at the end of the text.
const CLOSING_LINE: usize = 400;
/// Longest line read as a pitch standing on its own.
const PITCH_LINE: usize = 160;

/// Whether a block at the end of the text closes the page rather than the article: a
/// promotion, a closing line, or a pitch on a line of its own.
fn closes_the_page(text: &str) -> bool {
    let t = text.trim();
    let n = t.chars().count();
    let says = |re: &LazyLock<Option<regex::Regex>>| re.as_ref().is_some_and(|re| re.is_match(t));
    (n < CLOSING_LINE && (says(&PROMO) || says(&CLOSING))) || (n < PITCH_LINE && says(&PITCH))
}

/// A closing line (an appeal, a promotion) followed by the pitch it announces, at the end.
fn appeal_under_its_heading(head: &Block, last: &Block) -> bool {
    let t = last.text.trim();
    head.kind != BlockKind::Pre
        && last.kind != BlockKind::Pre
        && closes_the_page(&head.text)
        && t.chars().count() < CLOSING_LINE
        && PITCH.as_ref().is_some_and(|re| re.is_match(t))
}

fn distinct(blocks: &[Block]) -> usize {
    let set: std::collections::HashSet<&str> = blocks.iter().map(|b| b.text.as_str()).collect();
    set.len()
}

/// A heading, or a short line ending in a colon, that is the last of the text.
fn announces_nothing(b: &Block) -> bool {
    b.kind == BlockKind::Heading || (b.text.chars().count() < 100 && b.text.ends_with(':'))
}

/// Joins blocks: blank lines between paragraphs, single newlines inside a list or table.
pub(crate) fn join(blocks: &[Block]) -> String {
    let mut out = String::new();
    let mut prev: Option<&Block> = None;
    for b in blocks {
        if let Some(p) = prev {
            if p.group.is_some() && p.group == b.group {
                out.push('\n');
            } else {
                out.push_str("\n\n");
            }
        }
        out.push_str(&b.text);
        prev = Some(b);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_characters_normalisation_keeps_count_towards_the_limit() {
        assert!(surely_longer(&"a".repeat(301), 300));
        assert!(!surely_longer(&"a".repeat(300), 300));
        // Separators of empty table cells and whitespace may vanish; non-ASCII may compose.
        assert!(!surely_longer(&"a | ".repeat(200), 300));
        assert!(!surely_longer(&"\u{e9}".repeat(400), 300));
        // A combining mark joins the letter before it, which still counts once.
        assert!(surely_longer(&"e\u{301}".repeat(301), 300));
    }
}
