//! Turns a word diff into the blocks the diff page renders: changed paragraphs (inline and
//! side by side) and runs of unchanged paragraphs, which the page collapses.

use crate::diff::{DiffOp, Op};

/// Runs of at least this many unchanged paragraphs are folded into a `<details>`.
const COLLAPSE_AT: usize = 2;

/// A run of text with what happened to it; the template picks `<ins>`/`<del>` from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// What happened to `text`.
    pub op: Op,
    /// The text, unescaped (the template escapes it).
    pub text: String,
}

impl Span {
    /// True for text only in the newer version.
    pub fn is_insert(&self) -> bool {
        self.op == Op::Insert
    }

    /// True for text only in the older version.
    pub fn is_delete(&self) -> bool {
        self.op == Op::Delete
    }
}

/// A paragraph-aligned piece of the diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Paragraphs present in both versions.
    Same {
        /// The paragraphs' text, separators included.
        text: String,
        /// How many paragraphs.
        paragraphs: usize,
        /// True when the page should fold them away.
        collapsed: bool,
    },
    /// Paragraphs with at least one insertion or deletion.
    Changed {
        /// 1-based index among the changed blocks, for in-page anchors.
        index: usize,
        /// Every span in order (deletions before the insertions replacing them).
        inline: Vec<Span>,
        /// The older side: equal and deleted spans.
        old: Vec<Span>,
        /// The newer side: equal and inserted spans.
        new: Vec<Span>,
    },
}

/// The whole diff, ready for the template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiffView {
    /// Blocks in text order.
    pub blocks: Vec<Block>,
    /// Number of [`Block::Changed`] blocks.
    pub changes: usize,
}

/// Groups `ops` into paragraph rows: a row ends at a paragraph break inside an unchanged
/// run, so both sides of a changed row start and end at the same paragraph. Breaks between
/// rows are dropped (blocks are separate elements); breaks inside a row are kept.
pub fn build(ops: &[DiffOp]) -> DiffView {
    let mut rows: Vec<Vec<Span>> = vec![Vec::new()];
    for op in ops {
        let mut rest = op.text.as_str();
        if op.op != Op::Equal {
            push_span(rows.last_mut(), op.op, rest);
            continue;
        }
        while let Some(pos) = rest.find("\n\n") {
            // The paragraph break itself is not shown: blocks are already separate.
            let end = pos + rest[pos..].chars().take_while(|c| *c == '\n').count();
            push_span(rows.last_mut(), Op::Equal, &rest[..pos]);
            rows.push(Vec::new());
            rest = &rest[end..];
        }
        push_span(rows.last_mut(), Op::Equal, rest);
    }
    rows.retain(|r| !r.is_empty());

    let mut view = DiffView::default();
    let mut same_text = String::new();
    let mut same_count = 0;
    for row in rows {
        if row.iter().all(|s| s.op == Op::Equal) {
            if same_count > 0 {
                same_text.push_str("\n\n");
            }
            same_count += 1;
            row.iter().for_each(|s| same_text.push_str(&s.text));
            continue;
        }
        flush_same(&mut view, &mut same_text, &mut same_count);
        view.changes += 1;
        view.blocks.push(Block::Changed {
            index: view.changes,
            old: row.iter().filter(|s| s.op != Op::Insert).cloned().collect(),
            new: row.iter().filter(|s| s.op != Op::Delete).cloned().collect(),
            inline: row,
        });
    }
    flush_same(&mut view, &mut same_text, &mut same_count);
    view
}

/// Appends text to the last span of `row` when it has the same op, else starts a span.
fn push_span(row: Option<&mut Vec<Span>>, op: Op, text: &str) {
    let Some(row) = row else { return };
    if text.is_empty() {
        return;
    }
    match row.last_mut() {
        Some(last) if last.op == op => last.text.push_str(text),
        _ => row.push(Span {
            op,
            text: text.to_owned(),
        }),
    }
}

/// Emits the pending unchanged paragraphs as one block.
fn flush_same(view: &mut DiffView, text: &mut String, count: &mut usize) {
    if *count == 0 {
        return;
    }
    view.blocks.push(Block::Same {
        text: std::mem::take(text),
        paragraphs: *count,
        collapsed: *count >= COLLAPSE_AT,
    });
    *count = 0;
}

/// A one-line summary of what changed, for feed entries and page titles: the first few
/// deleted and inserted phrases, each cut to a readable length.
pub fn summary(ops: &[DiffOp], max_phrases: usize) -> Vec<Span> {
    ops.iter()
        .filter(|o| o.op != Op::Equal && !o.text.trim().is_empty())
        .take(max_phrases)
        .map(|o| Span {
            op: o.op,
            text: shorten(o.text.trim(), 200),
        })
        .collect()
}

/// `text` cut to at most `max` characters at a char boundary, with an ellipsis when cut.
pub fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::word_diff;

    fn changed(view: &DiffView) -> Vec<&Block> {
        view.blocks
            .iter()
            .filter(|b| matches!(b, Block::Changed { .. }))
            .collect()
    }

    #[test]
    fn unchanged_paragraph_runs_collapse_and_sides_rebuild_both_texts() {
        let old = "One.\n\nTwo.\n\nThree.\n\nFour cats.\n\nFive.";
        let new = "One.\n\nTwo.\n\nThree.\n\nFour dogs.\n\nFive.";
        let view = build(&word_diff(old, new));
        assert_eq!(view.changes, 1);
        match &view.blocks[0] {
            Block::Same {
                paragraphs,
                collapsed,
                text,
            } => {
                assert_eq!(*paragraphs, 3);
                assert!(*collapsed);
                assert_eq!(text, "One.\n\nTwo.\n\nThree.");
            }
            b => panic!("expected unchanged run first, got {b:?}"),
        }
        let Block::Changed { old: o, new: n, .. } = changed(&view)[0] else {
            unreachable!()
        };
        let side = |s: &[Span]| s.iter().map(|s| s.text.as_str()).collect::<String>();
        assert_eq!(side(o), "Four cats.");
        assert_eq!(side(n), "Four dogs.");
        assert!(o.iter().any(|s| s.is_delete() && s.text.contains("cats")));
        assert!(n.iter().any(|s| s.is_insert() && s.text.contains("dogs")));
        match view.blocks.last() {
            Some(Block::Same {
                paragraphs: 1,
                collapsed: false,
                ..
            }) => {}
            b => panic!("expected one visible unchanged paragraph last, got {b:?}"),
        }
    }

    #[test]
    fn every_word_and_paragraph_of_both_texts_is_in_the_view() {
        let old = "A b c.\n\nD e f.\n\n\nG h.";
        let new = "A c.\n\nNew para.\n\nD e f g.\n\n\nG h.";
        let view = build(&word_diff(old, new));
        let (mut o, mut n) = (String::new(), String::new());
        for b in &view.blocks {
            o.push(' ');
            n.push(' ');
            match b {
                Block::Same { text, .. } => {
                    o.push_str(text);
                    n.push_str(text);
                }
                Block::Changed { old, new, .. } => {
                    old.iter().for_each(|s| o.push_str(&s.text));
                    new.iter().for_each(|s| n.push_str(&s.text));
                }
            }
        }
        let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(words(&o), words(old));
        assert_eq!(words(&n), words(new));
        let paragraphs = |s: &str| s.split("\n\n").filter(|p| !p.trim().is_empty()).count();
        let blocks_paragraphs: usize = view
            .blocks
            .iter()
            .map(|b| match b {
                Block::Same { paragraphs, .. } => *paragraphs,
                Block::Changed { new, .. } => {
                    paragraphs(&new.iter().map(|s| s.text.as_str()).collect::<String>())
                }
            })
            .sum();
        assert_eq!(blocks_paragraphs, paragraphs(new));
    }

    #[test]
    fn identical_texts_have_no_changes() {
        let view = build(&word_diff("Same.\n\nText.", "Same.\n\nText."));
        assert_eq!(view.changes, 0);
        assert_eq!(view.blocks.len(), 1);
    }

    #[test]
    fn summary_lists_changed_phrases_and_shortens_on_char_boundaries() {
        let ops = word_diff("the old words here", "the new words here");
        let s = summary(&ops, 5);
        assert_eq!(s.len(), 2);
        assert!(s[0].is_delete() && s[0].text == "old");
        assert!(s[1].is_insert() && s[1].text == "new");
        assert_eq!(shorten("ééééé", 3), "ééé…");
        assert_eq!(shorten("abc", 3), "abc");
    }
}
