//! Changed paragraphs in two columns, old left and new right, sized to the terminal and
//! with the changed words marked on each side.

use unicode_width::UnicodeWidthStr;

use super::Paint;
use crate::diff::{DiffOp, Op};
use crate::web::diff_view::{self, Block, Span};

/// Between the two columns.
const GUTTER: &str = " │ ";

/// A word as laid out: its visible text, how it is marked, and its display width.
struct Word {
    text: String,
    op: Op,
    width: usize,
}

/// One wrapped line of a column, or a blank line where a paragraph ends.
type Line = Vec<Word>;

/// Changed paragraph rows side by side within `width` columns; runs of unchanged paragraphs
/// become one folded line.
pub fn side_by_side(ops: &[DiffOp], labels: (&str, &str), width: usize, paint: Paint) -> String {
    let col = (width.saturating_sub(GUTTER.len() - 2) / 2).max(1);
    let view = diff_view::build(ops);
    let mut out = String::new();
    row(&mut out, &[plain(labels.0)], &[plain(labels.1)], col, paint);
    out.push_str(&"─".repeat(col));
    out.push_str("─┼─");
    out.push_str(&"─".repeat(col));
    out.push('\n');
    for block in &view.blocks {
        match block {
            Block::Same { paragraphs, .. } => {
                let s = if *paragraphs == 1 { "" } else { "s" };
                let fold = format!("⋯ {paragraphs} unchanged paragraph{s} ⋯");
                let fold: String = fold.chars().take(width).collect();
                out.push_str(&paint.dim(&fold));
                out.push('\n');
            }
            Block::Changed { old, new, .. } => {
                let left = wrap(&words(old, paint), col);
                let right = wrap(&words(new, paint), col);
                for i in 0..left.len().max(right.len()) {
                    let l = left.get(i).map_or(&[][..], Vec::as_slice);
                    let r = right.get(i).map_or(&[][..], Vec::as_slice);
                    row(&mut out, l, r, col, paint);
                }
            }
        }
    }
    out
}

fn plain(text: &str) -> Word {
    Word {
        text: text.to_owned(),
        op: Op::Equal,
        width: text.width(),
    }
}

/// Writes one row: the left line padded to `col`, the gutter, the right line.
fn row(out: &mut String, left: &[Word], right: &[Word], col: usize, paint: Paint) {
    let used = draw(out, left, paint);
    out.push_str(&" ".repeat(col.saturating_sub(used)));
    out.push_str(GUTTER);
    draw(out, right, paint);
    let end = out.trim_end_matches(' ').len();
    out.truncate(end);
    out.push('\n');
}

/// Writes a line's words separated by spaces; returns its display width.
fn draw(out: &mut String, line: &[Word], paint: Paint) -> usize {
    let mut used = 0;
    for (i, w) in line.iter().enumerate() {
        if i > 0 {
            out.push(' ');
            used += 1;
        }
        out.push_str(&paint.op(w.op, &w.text));
        used += w.width;
    }
    used
}

/// The words of one side, a `None` marking each paragraph break. Without colour a marked
/// run carries git's `[-…-]`/`{+…+}` on its first and last word, so the marks count
/// towards the width.
fn words(spans: &[Span], paint: Paint) -> Vec<Option<Word>> {
    let mut out = Vec::new();
    for s in spans {
        for (i, para) in s.text.split("\n\n").enumerate() {
            if i > 0 {
                out.push(None);
            }
            let ws: Vec<&str> = para.split_whitespace().collect();
            let n = ws.len();
            for (j, w) in ws.into_iter().enumerate() {
                let text = match (s.op, paint.colour()) {
                    (Op::Equal, _) | (_, true) => w.to_owned(),
                    (Op::Delete, false) => edge(w, j == 0, j + 1 == n, "[-", "-]"),
                    (Op::Insert, false) => edge(w, j == 0, j + 1 == n, "{+", "+}"),
                };
                // The plain marks are already in `text`; only colour is left to paint.
                let op = if paint.colour() { s.op } else { Op::Equal };
                out.push(Some(Word {
                    width: text.width(),
                    text,
                    op,
                }));
            }
        }
    }
    out
}

fn edge(word: &str, first: bool, last: bool, open: &str, close: &str) -> String {
    let open = if first { open } else { "" };
    let close = if last { close } else { "" };
    format!("{open}{word}{close}")
}

/// Greedy word wrap to `col` display columns; a word wider than a column is cut.
fn wrap(words: &[Option<Word>], col: usize) -> Vec<Line> {
    let mut lines: Vec<Line> = vec![Vec::new()];
    let mut used = 0;
    for word in words {
        let Some(word) = word else {
            lines.push(Vec::new());
            lines.push(Vec::new());
            used = 0;
            continue;
        };
        for piece in cut(word, col) {
            let line = lines.last_mut().filter(|l| !l.is_empty());
            match line {
                Some(l) if used + 1 + piece.width <= col => {
                    used += 1 + piece.width;
                    l.push(piece);
                }
                Some(_) => {
                    used = piece.width;
                    lines.push(vec![piece]);
                }
                None => {
                    used = piece.width;
                    if let Some(l) = lines.last_mut() {
                        l.push(piece);
                    }
                }
            }
        }
    }
    while lines.last().is_some_and(Vec::is_empty) {
        lines.pop();
    }
    lines
}

/// `word` in pieces no wider than `col` (one piece when it fits).
fn cut(word: &Word, col: usize) -> Vec<Word> {
    if word.width <= col {
        return vec![Word {
            text: word.text.clone(),
            op: word.op,
            width: word.width,
        }];
    }
    let mut pieces = Vec::new();
    let mut piece = String::new();
    for ch in word.text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        if !piece.is_empty() && piece.width() + w > col {
            pieces.push(std::mem::take(&mut piece));
        }
        piece.push(ch);
    }
    pieces.push(piece);
    pieces
        .into_iter()
        .map(|text| Word {
            width: text.width(),
            text,
            op: word.op,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::word_diff;

    fn fits(out: &str, width: usize) {
        for line in out.lines() {
            assert!(
                line.width() <= width,
                "{} > {width}: {line:?}",
                line.width()
            );
        }
    }

    #[test]
    fn shows_only_changed_paragraphs_with_marked_words() {
        let ops = word_diff("same\n\nold words", "same\n\nnew words");
        let out = side_by_side(&ops, ("v1", "v2"), 60, Paint::plain());
        assert!(out.contains("[-old-] words"), "{out}");
        assert!(out.contains("│ {+new+} words"), "{out}");
        assert!(out.contains("⋯ 1 unchanged paragraph ⋯"), "{out}");
        assert!(!out.contains("same"), "{out}");
    }

    #[test]
    fn long_paragraphs_wrap_within_the_width() {
        let old = "word ".repeat(80) + "supercalifragilisticexpialidocious-and-then-some-more";
        let new = old.replace("word word", "term term");
        let ops = word_diff(&old, &new);
        for width in [40, 80, 140] {
            let out = side_by_side(&ops, ("v1", "v2"), width, Paint::plain());
            fits(&out, width);
            assert!(
                out.lines().any(|l| l.width() + 6 >= width),
                "{width}: {out}"
            );
        }
    }
}
