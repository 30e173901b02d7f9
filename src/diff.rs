//! Pure comparison of two article states: change classification, content hash, word-level
//! diff and the metadata fields that changed.
//!
//! Stored text keeps the publisher's quotes as printed; every comparison here reads them
//! folded ([`crate::extract::fold_quote`]), so a page whose quote style flips between renders,
//! or text stored folded by an older extractor, is the same content.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use similar::{Algorithm, ChangeTag, TextDiff};

use crate::extract::{fold_quote, fold_quotes};
use crate::model::{Article, ChangeKind};

mod fields;

pub use fields::{Field, FieldChange, change_labels, field_changes, headline_phrase, short_name};

/// Bounds the diff of two very different long texts; past it `similar` approximates.
const DIFF_TIMEOUT: Duration = Duration::from_secs(2);

/// What a run of text did between two versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Present in both.
    Equal,
    /// Only in the newer version.
    Insert,
    /// Only in the older version.
    Delete,
}

/// A maximal run of text with one [`Op`]. Whitespace, including the blank
/// lines between paragraphs, is kept, so concatenating the `Equal` and
/// `Insert` runs gives the new text back exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffOp {
    /// What happened to `text`.
    pub op: Op,
    /// The run of text.
    pub text: String,
}

/// Whether two texts read the same once quotes are folded.
pub fn same_text(a: &str, b: &str) -> bool {
    a == b || a.chars().map(fold_quote).eq(b.chars().map(fold_quote))
}

/// Whether two optional texts (a title, a byline) are both absent or read the same.
pub fn same_field(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same_text(a, b),
        (a, b) => a.is_none() && b.is_none(),
    }
}

/// Whether two states hold the same content: title and text, quotes folded.
pub fn same_content(a: &Article, b: &Article) -> bool {
    same_text(&a.text, &b.text) && same_field(a.title.as_deref(), b.title.as_deref())
}

/// Word-level diff of two normalised texts.
///
/// Words are matched with quotes folded, so a word whose quotes alone differ is equal; the
/// runs hold the texts as stored (equal runs as `new` has them).
pub fn word_diff(old: &str, new: &str) -> Vec<DiffOp> {
    let (old_f, new_f) = (fold_quotes(old), fold_quotes(new));
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .timeout(DIFF_TIMEOUT)
        .diff_words(old_f.as_ref(), new_f.as_ref());
    // Folding maps one character to one, so the n characters of a folded run are the next
    // n characters of its original.
    let (mut at_old, mut at_new) = (0, 0);
    let mut ops: Vec<DiffOp> = Vec::new();
    for change in diff.iter_all_changes() {
        let n = change.value().chars().count();
        let (op, text) = match change.tag() {
            ChangeTag::Equal => {
                take_chars(old, &mut at_old, n);
                (Op::Equal, take_chars(new, &mut at_new, n))
            }
            ChangeTag::Insert => (Op::Insert, take_chars(new, &mut at_new, n)),
            ChangeTag::Delete => (Op::Delete, take_chars(old, &mut at_old, n)),
        };
        match ops.last_mut() {
            Some(last) if last.op == op => last.text.push_str(text),
            _ => ops.push(DiffOp {
                op,
                text: text.to_owned(),
            }),
        }
    }
    coalesce(ops)
}

/// The `n` characters of `s` from byte offset `*at`, advancing `*at` past them.
fn take_chars<'a>(s: &'a str, at: &mut usize, n: usize) -> &'a str {
    let rest = s.get(*at..).unwrap_or_default();
    let end = rest.char_indices().nth(n).map_or(rest.len(), |(i, _)| i);
    *at += end;
    rest.get(..end).unwrap_or_default()
}

/// Joins the word-by-word changes of one edited phrase into a single delete and
/// a single insert: the single spaces between replaced words are absorbed, so
/// "has reached" → "is estimated at about" reads as one replacement rather than
/// alternating fragments. Whitespace with a line break stays equal, keeping
/// paragraph boundaries.
fn coalesce(ops: Vec<DiffOp>) -> Vec<DiffOp> {
    let mut out: Vec<DiffOp> = Vec::with_capacity(ops.len());
    let mut del = String::new();
    let mut ins = String::new();
    let mut gap: Option<String> = None;
    let push_equal = |out: &mut Vec<DiffOp>, text: &str| match out.last_mut() {
        Some(last) if last.op == Op::Equal => last.text.push_str(text),
        _ => out.push(DiffOp {
            op: Op::Equal,
            text: text.to_owned(),
        }),
    };
    let flush = |out: &mut Vec<DiffOp>, del: &mut String, ins: &mut String| {
        for (op, text) in [(Op::Delete, del), (Op::Insert, ins)] {
            if !text.is_empty() {
                out.push(DiffOp {
                    op,
                    text: std::mem::take(text),
                });
            }
        }
    };
    for op in ops {
        match op.op {
            Op::Delete | Op::Insert => {
                if let Some(g) = gap.take() {
                    del.push_str(&g);
                    ins.push_str(&g);
                }
                if op.op == Op::Delete {
                    del.push_str(&op.text);
                } else {
                    ins.push_str(&op.text);
                }
            }
            Op::Equal => {
                let in_change = !del.is_empty() || !ins.is_empty();
                let absorbable = op.text.chars().all(|c| c.is_whitespace() && c != '\n');
                if in_change && gap.is_none() && absorbable {
                    gap = Some(op.text);
                    continue;
                }
                flush(&mut out, &mut del, &mut ins);
                if let Some(g) = gap.take() {
                    push_equal(&mut out, &g);
                }
                push_equal(&mut out, &op.text);
            }
        }
    }
    flush(&mut out, &mut del, &mut ins);
    if let Some(g) = gap {
        push_equal(&mut out, &g);
    }
    out
}

/// Whitespace-separated words in `text`, the unit of every +/- count.
pub fn word_count(text: &str) -> u32 {
    u32::try_from(text.split_whitespace().count()).unwrap_or(u32::MAX)
}

/// Words inserted and deleted by `ops`.
pub fn word_counts(ops: &[DiffOp]) -> (u32, u32) {
    let count = |op: Op| -> u32 {
        ops.iter()
            .filter(|o| o.op == op)
            .map(|o| word_count(&o.text))
            .fold(0, u32::saturating_add)
    };
    (count(Op::Insert), count(Op::Delete))
}

/// blake3 of what makes an article's content: title and text, quotes folded (as text stored
/// by extractors before 7 was), hex-encoded.
pub fn content_hash(article: &Article) -> String {
    let mut h = blake3::Hasher::new();
    h.update(fold_quotes(article.title.as_deref().unwrap_or("")).as_bytes());
    h.update(b"\0");
    h.update(fold_quotes(&article.text).as_bytes());
    h.finalize().to_hex().to_string()
}

/// Classifies `new` against the previous stored state.
///
/// Content is title + text, compared with quotes folded ([`same_content`]); the stamp is the
/// article's own `last_update`.
pub fn classify(prev: Option<&Article>, new: &Article) -> ChangeKind {
    let Some(prev) = prev else {
        return ChangeKind::New;
    };
    let content_changed = !same_content(prev, new);
    let stamp_changed = prev.last_update != new.last_update;
    match (content_changed, stamp_changed) {
        (true, true) => ChangeKind::DeclaredUpdate,
        (true, false) => ChangeKind::SilentEdit,
        (false, true) => ChangeKind::StampOnly,
        (false, false) => ChangeKind::Unchanged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(title: &str, text: &str, stamp: Option<&str>) -> Article {
        Article {
            title: Some(title.into()),
            text: text.into(),
            last_update: stamp.map(Into::into),
            ..Article::default()
        }
    }

    #[test]
    fn classification_covers_every_kind() {
        let a = article("T", "one two", Some("2024-01-01T00:00:00Z"));
        let text = article("T", "one three", Some("2024-01-01T00:00:00Z"));
        let both = article("T", "one three", Some("2024-01-02T00:00:00Z"));
        let stamp = article("T", "one two", Some("2024-01-02T00:00:00Z"));
        let title = article("T2", "one two", Some("2024-01-01T00:00:00Z"));
        assert_eq!(classify(None, &a), ChangeKind::New);
        assert_eq!(classify(Some(&a), &a.clone()), ChangeKind::Unchanged);
        assert_eq!(classify(Some(&a), &text), ChangeKind::SilentEdit);
        assert_eq!(classify(Some(&a), &both), ChangeKind::DeclaredUpdate);
        assert_eq!(classify(Some(&a), &stamp), ChangeKind::StampOnly);
        assert_eq!(classify(Some(&a), &title), ChangeKind::SilentEdit);
    }

    #[test]
    fn quote_style_alone_is_no_change() {
        let curly = article("“Yes,” she said", "It’s 5′ tall.\n\n„Gut“, sagt er.", None);
        let folded = article(
            "\"Yes,\" she said",
            "It's 5' tall.\n\n\"Gut\", sagt er.",
            None,
        );
        assert_eq!(classify(Some(&folded), &curly), ChangeKind::Unchanged);
        assert_eq!(classify(Some(&curly), &folded), ChangeKind::Unchanged);
        // A database written by an older extractor holds the folded text: same hash.
        assert_eq!(content_hash(&folded), content_hash(&curly));
        let edited = article("“Yes,” she said", "It’s 6′ tall.\n\n„Gut“, sagt er.", None);
        assert_eq!(classify(Some(&folded), &edited), ChangeKind::SilentEdit);
        assert_ne!(content_hash(&folded), content_hash(&edited));
        assert!(!same_field(Some("a"), None) && same_field(None, None));
    }

    #[test]
    fn word_diff_matches_words_with_quotes_folded_and_keeps_the_new_text() {
        let old = "He said \"it's fine\" and left.";
        let new = "He said “it’s fine” and “left”.";
        let ops = word_diff(old, new);
        let rebuilt: String = ops
            .iter()
            .filter(|o| o.op != Op::Delete)
            .map(|o| o.text.as_str())
            .collect();
        assert_eq!(rebuilt, new);
        assert_eq!(word_counts(&ops), (1, 1));
        assert!(ops.iter().any(|o| o.op == Op::Delete && o.text == "left."));
        assert!(
            ops.iter()
                .any(|o| o.op == Op::Insert && o.text == "“left”.")
        );
    }

    #[test]
    fn word_diff_keeps_paragraphs_and_counts_words() {
        let old = "The cat sat.\n\nIt was warm.";
        let new = "The black cat sat.\n\nIt was cold.";
        let ops = word_diff(old, new);
        let rebuilt_new: String = ops
            .iter()
            .filter(|o| o.op != Op::Delete)
            .map(|o| o.text.as_str())
            .collect();
        let rebuilt_old: String = ops
            .iter()
            .filter(|o| o.op != Op::Insert)
            .map(|o| o.text.as_str())
            .collect();
        assert_eq!(rebuilt_new, new);
        assert_eq!(rebuilt_old, old);
        assert_eq!(word_counts(&ops), (2, 1));
        assert!(ops.iter().any(|o| o.op == Op::Delete && o.text == "warm."));
    }

    #[test]
    fn a_replaced_phrase_is_one_delete_and_one_insert() {
        let ops = word_diff(
            "the population has reached 80,000 people",
            "the population is estimated at about 80,000 people",
        );
        let of = |op: Op| -> Vec<&str> {
            ops.iter()
                .filter(|o| o.op == op)
                .map(|o| o.text.as_str())
                .collect()
        };
        assert_eq!(of(Op::Delete), ["has reached"]);
        assert_eq!(of(Op::Insert), ["is estimated at about"]);
        let new: String = ops
            .iter()
            .filter(|o| o.op != Op::Delete)
            .map(|o| o.text.as_str())
            .collect();
        assert_eq!(new, "the population is estimated at about 80,000 people");
    }

    #[test]
    fn hash_depends_on_title_and_text_only() {
        let a = article("T", "x", Some("1"));
        let b = article("T", "x", Some("2"));
        assert_eq!(content_hash(&a), content_hash(&b));
        assert_ne!(
            content_hash(&a),
            content_hash(&article("U", "x", Some("1")))
        );
    }
}
