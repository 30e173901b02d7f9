//! Which `[[notify]]` targets a change goes to: pure, so the pipeline can decide before it
//! commits and queue the deliveries in the version's own transaction.

use crate::config::{ArticleField, Notify, NotifyFilter};
use crate::diff::{same_field, same_text};
use crate::model::{Article, ChangeKind};

/// What a filter looks at in a change about to be stored.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// The article's site, if any.
    pub site: Option<&'a str>,
    /// The change kind.
    pub change: ChangeKind,
    /// The previous state (`None` for a first version).
    pub before: Option<&'a Article>,
    /// The new state.
    pub after: &'a Article,
    /// Words added plus removed.
    pub words: u32,
}

/// Names of the targets whose filters all accept `c`, in config order.
pub fn matching(targets: &[Notify], c: &Candidate<'_>) -> Vec<String> {
    targets
        .iter()
        .filter(|t| accepts(&t.filter, c))
        .map(|t| t.name.clone())
        .collect()
}

/// Whether one filter accepts `c`.
pub fn accepts(f: &NotifyFilter, c: &Candidate<'_>) -> bool {
    let site_ok = f.sites.is_empty() || c.site.is_some_and(|s| f.sites.iter().any(|n| n == s));
    let fields_ok = f.fields.is_empty() || {
        let changed = changed_fields(c.before, c.after);
        f.fields.iter().any(|x| changed.contains(x))
    };
    site_ok && f.changes.contains(&c.change) && c.words >= f.min_words && fields_ok
}

/// The fields that differ between two states, quotes folded (every field present in a first
/// version).
pub fn changed_fields(before: Option<&Article>, after: &Article) -> Vec<ArticleField> {
    let empty = Article::default();
    let b = before.unwrap_or(&empty);
    ArticleField::ALL
        .into_iter()
        .filter(|f| match f {
            ArticleField::Title => !same_field(b.title.as_deref(), after.title.as_deref()),
            ArticleField::Byline => !same_field(b.byline.as_deref(), after.byline.as_deref()),
            ArticleField::Published => b.published != after.published,
            ArticleField::LastUpdate => b.last_update != after.last_update,
            ArticleField::Text => !same_text(&b.text, &after.text),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(changes: &[ChangeKind], min_words: u32, fields: &[ArticleField]) -> NotifyFilter {
        NotifyFilter {
            sites: vec!["a".into()],
            changes: changes.to_vec(),
            min_words,
            fields: fields.to_vec(),
        }
    }

    #[test]
    fn every_filter_must_accept() {
        let before = Article {
            title: Some("T".into()),
            text: "one two".into(),
            ..Article::default()
        };
        let after = Article {
            text: "one three".into(),
            ..before.clone()
        };
        let c = Candidate {
            site: Some("a"),
            change: ChangeKind::SilentEdit,
            before: Some(&before),
            after: &after,
            words: 2,
        };
        let silent = [ChangeKind::SilentEdit];
        assert!(accepts(&filter(&silent, 2, &[]), &c));
        assert!(accepts(&filter(&silent, 0, &[ArticleField::Text]), &c));
        assert!(!accepts(&filter(&silent, 0, &[ArticleField::Title]), &c));
        assert!(!accepts(&filter(&silent, 3, &[]), &c));
        assert!(!accepts(&filter(&[ChangeKind::DeclaredUpdate], 0, &[]), &c));
        assert!(!accepts(
            &filter(&silent, 0, &[]),
            &Candidate {
                site: Some("b"),
                ..c
            }
        ));
        assert!(!accepts(
            &filter(&silent, 0, &[]),
            &Candidate { site: None, ..c }
        ));
    }
}
