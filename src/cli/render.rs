//! Terminal renderings of a diff: inline word marks, unified paragraphs, side by side.

use std::fmt::Write;

use similar::{ChangeTag, TextDiff};

use crate::diff::{DiffOp, Op};

const RED_STRIKE: &str = "\x1b[31;9m";
const GREEN_UNDERLINE: &str = "\x1b[32;4m";
const RESET: &str = "\x1b[0m";

/// Running text with deletions and insertions marked: ANSI colours, or
/// `[-deleted-]{+inserted+}` (git's `--word-diff=plain`) without colour.
pub fn inline(ops: &[DiffOp], colour: bool) -> String {
    let mut out = String::new();
    for op in ops {
        match (op.op, colour) {
            (Op::Equal, _) => out.push_str(&op.text),
            (Op::Delete, true) => mark(&mut out, &op.text, RED_STRIKE, RESET),
            (Op::Insert, true) => mark(&mut out, &op.text, GREEN_UNDERLINE, RESET),
            (Op::Delete, false) => mark(&mut out, &op.text, "[-", "-]"),
            (Op::Insert, false) => mark(&mut out, &op.text, "{+", "+}"),
        }
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Marks `text`, keeping paragraph breaks outside the marks so each paragraph stays readable.
fn mark(out: &mut String, text: &str, open: &str, close: &str) {
    for (i, para) in text.split("\n\n").enumerate() {
        if i > 0 {
            out.push_str("\n\n");
        }
        let trimmed = para.trim();
        if trimmed.is_empty() {
            out.push_str(para);
            continue;
        }
        let lead = &para[..para.len() - para.trim_start().len()];
        let tail = &para[para.trim_end().len()..];
        let _ = write!(out, "{lead}{open}{trimmed}{close}{tail}");
    }
}

fn paragraphs(text: &str) -> Vec<&str> {
    text.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .collect()
}

/// A paragraph-level unified diff with three paragraphs of context.
pub fn unified(old: &str, new: &str, from: u32, to: u32) -> String {
    let old_p = paragraphs(old);
    let new_p = paragraphs(new);
    let diff = TextDiff::from_slices(&old_p, &new_p);
    let mut out = String::new();
    let _ = writeln!(out, "--- version {from}\n+++ version {to}");
    for group in diff.grouped_ops(3) {
        for op in &group {
            for change in diff.iter_changes(op) {
                let sign = match change.tag() {
                    ChangeTag::Equal => ' ',
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                };
                let _ = writeln!(out, "{sign}{}", change.value());
            }
        }
        out.push_str("@@\n");
    }
    out
}

/// Changed paragraphs in two columns of `width` total characters; unchanged ones are elided.
pub fn side_by_side(old: &str, new: &str, width: usize) -> String {
    let col = (width.saturating_sub(3) / 2).max(20);
    let old_p = paragraphs(old);
    let new_p = paragraphs(new);
    let diff = TextDiff::from_slices(&old_p, &new_p);
    let mut out = String::new();
    for group in diff.grouped_ops(0) {
        let mut left: Vec<&str> = Vec::new();
        let mut right: Vec<&str> = Vec::new();
        for op in &group {
            for change in diff.iter_changes(op) {
                match change.tag() {
                    ChangeTag::Delete => left.push(change.value()),
                    ChangeTag::Insert => right.push(change.value()),
                    ChangeTag::Equal => {}
                }
            }
        }
        let l = wrap(&left.join(" ¶ "), col);
        let r = wrap(&right.join(" ¶ "), col);
        for i in 0..l.len().max(r.len()) {
            let a = l.get(i).map_or("", String::as_str);
            let b = r.get(i).map_or("", String::as_str);
            let pad = col.saturating_sub(a.chars().count());
            let _ = writeln!(out, "{a}{:pad$} | {b}", "");
        }
        let _ = writeln!(out, "{}", "-".repeat(col * 2 + 3));
    }
    out
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::word_diff;

    #[test]
    fn plain_inline_marks_words_like_git() {
        let ops = word_diff("a b c", "a x c");
        assert_eq!(inline(&ops, false), "a [-b-]{+x+} c\n");
    }

    #[test]
    fn side_by_side_shows_only_changed_paragraphs() {
        let out = side_by_side("same\n\nold words", "same\n\nnew words", 60);
        assert!(out.contains("old words"));
        assert!(out.contains("| new words"));
        assert!(!out.contains("same"));
    }

    #[test]
    fn unified_marks_paragraphs() {
        let out = unified("one\n\ntwo", "one\n\nthree", 1, 2);
        assert!(out.contains("-two\n+three\n"), "{out}");
    }
}
