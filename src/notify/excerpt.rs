//! The short word diff a message carries: each changed run with the rest of its sentence
//! on either side, nearby changes merged into one passage.

use serde::Serialize;

use crate::diff::{DiffOp, Op};

/// Characters of context kept on each side of a change, at most.
const CONTEXT: usize = 160;

/// One changed passage: equal, deleted and inserted runs in text order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Excerpt {
    /// The runs.
    pub ops: Vec<DiffOp>,
}

impl Excerpt {
    /// Plain text with `[-deleted-]` and `{+inserted+}` marks.
    pub fn marked_text(&self) -> String {
        self.ops
            .iter()
            .map(|o| match o.op {
                Op::Equal => o.text.clone(),
                Op::Delete => format!("[-{}-]", o.text),
                Op::Insert => format!("{{+{}+}}", o.text),
            })
            .collect()
    }
}

/// The first `max` changed passages of `ops`.
pub fn excerpts(ops: &[DiffOp], max: usize) -> Vec<Excerpt> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < ops.len() && out.len() < max {
        if ops[i].op == Op::Equal {
            i += 1;
            continue;
        }
        let mut passage = Vec::new();
        if let Some(prev) = i.checked_sub(1).and_then(|p| ops.get(p)) {
            push_equal(&mut passage, leading_context(&prev.text));
        }
        while let Some(op) = ops.get(i) {
            // A short equal run between two changes stays inside the passage.
            let bridges =
                op.op == Op::Equal && i + 1 < ops.len() && op.text.chars().count() <= CONTEXT;
            if op.op != Op::Equal || bridges {
                passage.push(op.clone());
                i += 1;
            } else {
                push_equal(&mut passage, trailing_context(&op.text));
                break;
            }
        }
        out.push(Excerpt { ops: passage });
    }
    out
}

fn push_equal(passage: &mut Vec<DiffOp>, text: String) {
    if !text.is_empty() {
        passage.push(DiffOp {
            op: Op::Equal,
            text,
        });
    }
}

fn is_sentence_end(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '\n' | '。' | '…')
}

/// The end of the sentence before a change: from the last sentence end within [`CONTEXT`]
/// characters, else the last [`CONTEXT`] characters after an ellipsis.
fn leading_context(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let start = chars.len().saturating_sub(CONTEXT);
    let window = &chars[start..];
    // Skip the separator right before the change, then find the previous sentence end.
    let body = window.len().saturating_sub(2);
    match window[..body].iter().rposition(|c| is_sentence_end(*c)) {
        Some(p) => window[p + 1..]
            .iter()
            .collect::<String>()
            .trim_start()
            .to_owned(),
        None if start == 0 => window.iter().collect(),
        None => format!("…{}", window.iter().collect::<String>()),
    }
}

/// The rest of the sentence after a change: up to the first sentence end within
/// [`CONTEXT`] characters, else the first [`CONTEXT`] characters and an ellipsis.
fn trailing_context(text: &str) -> String {
    let window: Vec<char> = text.chars().take(CONTEXT).collect();
    match window.iter().position(|c| is_sentence_end(*c)) {
        Some(p) => window[..=p]
            .iter()
            .collect::<String>()
            .trim_end()
            .to_owned(),
        None if window.len() == text.chars().count() => window.iter().collect(),
        None => format!("{}…", window.iter().collect::<String>()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::word_diff;

    #[test]
    fn a_change_comes_with_its_sentence_only() {
        let old = "First sentence stays. The mayor said yes today. Last one stays too.";
        let new = "First sentence stays. The mayor said no today. Last one stays too.";
        let ex = excerpts(&word_diff(old, new), 5);
        assert_eq!(ex.len(), 1);
        assert_eq!(ex[0].marked_text(), "The mayor said [-yes-]{+no+} today.");
    }

    #[test]
    fn passages_are_capped() {
        // Sentences longer than the context, so no two changes share a passage.
        let pad = " and then some more".repeat(12);
        let old = (0..50)
            .map(|i| format!("Sentence {i} is here{pad}."))
            .collect::<Vec<_>>()
            .join(" ");
        let new = old.replace(" is ", " was ");
        assert_eq!(excerpts(&word_diff(&old, &new), 3).len(), 3);
    }
}
