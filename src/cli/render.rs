//! Terminal renderings of a diff: the header naming both versions, inline word marks with
//! unchanged paragraphs folded, unified paragraph hunks, and side by side columns.

mod columns;
mod header;
mod paint;
mod unified;

pub use columns::side_by_side;
pub use header::header;
pub use paint::Paint;
pub use unified::unified;

use std::fmt::Write;

use crate::diff::{DiffOp, Op};
use crate::web::diff_view::{self, Block, Span};

/// Unchanged paragraphs shown on each side of a change; the rest are folded.
const CONTEXT: usize = 1;

/// Changed paragraphs with deletions and insertions marked in running text, and
/// [`CONTEXT`] unchanged paragraphs around each; longer unchanged runs fold to one line.
pub fn inline(ops: &[DiffOp], paint: Paint) -> String {
    let view = diff_view::build(ops);
    let last = view.blocks.len().saturating_sub(1);
    let mut out = String::new();
    for (i, block) in view.blocks.iter().enumerate() {
        match block {
            Block::Changed { inline, .. } => {
                out.push_str(&marked(inline, paint));
                out.push_str("\n\n");
            }
            Block::Same { text, .. } => {
                let paras: Vec<&str> = text.split("\n\n").collect();
                let (head, tail) = match (i == 0, i == last) {
                    (true, true) => (0, 0),
                    (true, false) => (0, CONTEXT),
                    (false, true) => (CONTEXT, 0),
                    (false, false) => (CONTEXT, CONTEXT),
                };
                if head + tail >= paras.len() {
                    paras.iter().for_each(|p| push_para(&mut out, p));
                    continue;
                }
                paras[..head].iter().for_each(|p| push_para(&mut out, p));
                let folded = paras.len() - head - tail;
                let s = if folded == 1 { "" } else { "s" };
                out.push_str(&paint.dim(&format!("⋯ {folded} unchanged paragraph{s} ⋯")));
                out.push_str("\n\n");
                paras[paras.len() - tail..]
                    .iter()
                    .for_each(|p| push_para(&mut out, p));
            }
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\n');
    out
}

fn push_para(out: &mut String, para: &str) {
    out.push_str(para);
    out.push_str("\n\n");
}

/// One changed row's spans as running text with marks.
fn marked(spans: &[Span], paint: Paint) -> String {
    let mut out = String::new();
    for s in spans {
        match s.op {
            Op::Equal => out.push_str(&s.text),
            op => mark(&mut out, &s.text, op, paint),
        }
    }
    out
}

/// Marks `text`, keeping paragraph breaks and the surrounding spaces outside the marks so
/// each paragraph stays readable.
fn mark(out: &mut String, text: &str, op: Op, paint: Paint) {
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
        let _ = write!(out, "{lead}{}{tail}", paint.op(op, trimmed));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::word_diff;

    #[test]
    fn plain_inline_marks_words_like_git() {
        let ops = word_diff("a b c", "a x c");
        assert_eq!(inline(&ops, Paint::plain()), "a [-b-]{+x+} c\n");
    }

    #[test]
    fn inline_folds_unchanged_paragraphs_beyond_the_context() {
        let old = "P1.\n\nP2.\n\nP3.\n\nP4 old.\n\nP5.\n\nP6.\n\nP7.";
        let new = old.replace("old", "new");
        let out = inline(&word_diff(old, &new), Paint::plain());
        assert_eq!(
            out,
            "⋯ 2 unchanged paragraphs ⋯\n\nP3.\n\nP4 [-old.-]{+new.+}\n\nP5.\n\n⋯ 2 unchanged paragraphs ⋯\n"
        );
    }

    #[test]
    fn coloured_inline_uses_ansi_and_no_plain_marks() {
        let out = inline(&word_diff("a b c", "a x c"), Paint::new(true));
        assert!(out.contains("\x1b[") && !out.contains("[-"), "{out:?}");
    }
}
