//! A paragraph-level unified diff, as `diff -u` prints for files with one paragraph a line.

use std::fmt::Write;

use similar::{ChangeTag, DiffOp, TextDiff};

use super::Paint;

/// Unchanged paragraphs kept around each hunk, as `diff -u`'s three lines.
const CONTEXT: usize = 3;

fn paragraphs(text: &str) -> Vec<&str> {
    text.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .collect()
}

/// `--- old_label` / `+++ new_label`, then `@@ -a,b +c,d @@` hunks numbered in paragraphs.
pub fn unified(old: &str, new: &str, old_label: &str, new_label: &str, paint: Paint) -> String {
    let old_p = paragraphs(old);
    let new_p = paragraphs(new);
    let diff = TextDiff::from_slices(&old_p, &new_p);
    let mut out = String::new();
    let _ = writeln!(out, "{}", paint.bold(&format!("--- {old_label}")));
    let _ = writeln!(out, "{}", paint.bold(&format!("+++ {new_label}")));
    for group in diff.grouped_ops(CONTEXT) {
        let _ = writeln!(out, "{}", paint.hunk(&hunk_header(&group)));
        for op in &group {
            for change in diff.iter_changes(op) {
                let line = match change.tag() {
                    ChangeTag::Equal => format!(" {}", change.value()),
                    ChangeTag::Delete => paint.removed(&format!("-{}", change.value())),
                    ChangeTag::Insert => paint.added(&format!("+{}", change.value())),
                };
                let _ = writeln!(out, "{line}");
            }
        }
    }
    out
}

/// `@@ -start,len +start,len @@` with 1-based paragraph numbers; an empty side names the
/// paragraph before it, as `diff -u` does.
fn hunk_header(group: &[DiffOp]) -> String {
    let (Some(first), Some(last)) = (group.first(), group.last()) else {
        return "@@ -0,0 +0,0 @@".to_owned();
    };
    let range = |start: usize, end: usize| {
        let len = end - start;
        let start = if len == 0 { start } else { start + 1 };
        format!("{start},{len}")
    };
    format!(
        "@@ -{} +{} @@",
        range(first.old_range().start, last.old_range().end),
        range(first.new_range().start, last.new_range().end)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_are_numbered_in_paragraphs_like_diff_u() {
        let old = "one\n\ntwo\n\nthree\n\nfour\n\nfive\n\nsix";
        let new = "one\n\ntwo\n\nthree\n\nfour\n\nFIVE\n\nsix";
        let out = unified(old, new, "v1", "v2", Paint::plain());
        assert_eq!(
            out,
            "--- v1\n+++ v2\n@@ -2,5 +2,5 @@\n two\n three\n four\n-five\n+FIVE\n six\n"
        );
        let out = unified("", "only", "v0", "v1", Paint::plain());
        assert!(out.contains("@@ -0,0 +1,1 @@\n+only\n"), "{out}");
    }
}
