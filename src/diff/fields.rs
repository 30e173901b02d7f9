//! Which fields of an article differ between two states, and how the change reads to a person.

use serde::Serialize;

use crate::model::{Article, ChangeKind, Version};

/// A compared field of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Headline.
    Title,
    /// Authors.
    Byline,
    /// Publication time.
    Published,
    /// The article's own "last update" stamp.
    LastUpdate,
    /// Main text.
    Text,
}

impl Field {
    /// Every compared field, in the order reports list them.
    pub const ALL: [Field; 5] = [
        Field::Title,
        Field::Byline,
        Field::Published,
        Field::LastUpdate,
        Field::Text,
    ];

    /// The name used in JSON and on the command line (the [`Article`] field's name).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Byline => "byline",
            Field::Published => "published",
            Field::LastUpdate => "last_update",
            Field::Text => "text",
        }
    }

    /// Whether `a` and `b` hold the same value of this field, quotes folded
    /// ([`super::same_field`]).
    pub fn same(self, a: &Article, b: &Article) -> bool {
        super::same_field(self.get(a), self.get(b))
    }

    /// The field's value in `article`.
    pub fn get(self, article: &Article) -> Option<&str> {
        match self {
            Field::Title => article.title.as_deref(),
            Field::Byline => article.byline.as_deref(),
            Field::Published => article.published.as_deref(),
            Field::LastUpdate => article.last_update.as_deref(),
            Field::Text => Some(&article.text),
        }
    }
}

/// One metadata field that differs between two versions, with both values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// Which field.
    pub field: Field,
    /// Its value in the older version (`None`: the page had none).
    pub from: Option<String>,
    /// Its value in the newer version.
    pub to: Option<String>,
}

/// Every field besides the text whose value differs from `old` to `new` (quotes folded), in
/// [`Field::ALL`] order. The text is left out: the word diff says how it changed.
pub fn field_changes(old: &Article, new: &Article) -> Vec<FieldChange> {
    Field::ALL
        .into_iter()
        .filter(|f| *f != Field::Text)
        .filter(|f| !f.same(old, new))
        .map(|f| FieldChange {
            field: f,
            from: f.get(old).map(str::to_owned),
            to: f.get(new).map(str::to_owned),
        })
        .collect()
}

/// What a version changed, as the short labels lists show: `title`, `byline`, `published`,
/// `stamp` and the text's `+added -removed`, from the stored version alone.
///
/// `prev` is the version before (`None` for the first version, or when it was not read);
/// without it the labels are inferred from the change kind and word counts: an edit that
/// moved no word of the text changed the headline, the other content field (or only the
/// text's paragraphing, which this inference cannot tell apart).
pub fn change_labels(prev: Option<&Version>, v: &Version) -> Vec<String> {
    let mut labels = Vec::new();
    match prev {
        Some(p) => {
            for c in field_changes(&p.article, &v.article) {
                labels.push(short_name(c.field).to_owned());
            }
        }
        None if v.change == ChangeKind::New => {}
        None => {
            if matches!(
                v.change,
                ChangeKind::SilentEdit | ChangeKind::DeclaredUpdate
            ) && v.words_added == 0
                && v.words_removed == 0
            {
                labels.push("title".to_owned());
            }
            if matches!(v.change, ChangeKind::DeclaredUpdate | ChangeKind::StampOnly) {
                labels.push("stamp".to_owned());
            }
        }
    }
    if v.words_added > 0 || v.words_removed > 0 {
        labels.push(format!("+{} -{}", v.words_added, v.words_removed));
    }
    labels
}

/// The label lists use for a field: the stamp is what readers call `last_update`.
pub fn short_name(field: Field) -> &'static str {
    match field {
        Field::LastUpdate => "stamp",
        f => f.as_str(),
    }
}

/// A phrase for people saying what a version changed when no word of the text did
/// ("headline changed", "stamp moved"), `None` when the text changed or for a first version.
pub fn headline_phrase(v: &Version) -> Option<&'static str> {
    if v.words_added > 0 || v.words_removed > 0 {
        return None;
    }
    match v.change {
        ChangeKind::SilentEdit => Some("headline changed"),
        ChangeKind::DeclaredUpdate => Some("headline changed, stamp moved"),
        ChangeKind::StampOnly => Some("stamp moved"),
        ChangeKind::New | ChangeKind::Unchanged => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(title: &str, stamp: &str, text: &str) -> Article {
        Article {
            title: Some(title.into()),
            last_update: Some(stamp.into()),
            byline: Some("A. Writer".into()),
            text: text.into(),
            ..Article::default()
        }
    }

    fn version(number: u32, change: ChangeKind, words: (u32, u32), a: Article) -> Version {
        Version {
            number,
            fetched_at: chrono::DateTime::UNIX_EPOCH,
            change,
            article: a,
            text_hash: String::new(),
            words_added: words.0,
            words_removed: words.1,
            extractor_version: 1,
            body_hash: None,
            encoding: None,
            fetched_url: String::new(),
        }
    }

    #[test]
    fn field_changes_name_every_changed_field_but_the_text() {
        let old = article("Old head", "2024-01-01", "same text");
        let mut new = article("New head", "2024-01-01", "other text");
        new.byline = None;
        let changes = field_changes(&old, &new);
        let fields: Vec<Field> = changes.iter().map(|c| c.field).collect();
        assert_eq!(fields, [Field::Title, Field::Byline]);
        assert_eq!(changes[0].from.as_deref(), Some("Old head"));
        assert_eq!(changes[0].to.as_deref(), Some("New head"));
        assert_eq!(changes[1].to, None);
        assert!(field_changes(&old, &old.clone()).is_empty());
    }

    #[test]
    fn labels_show_a_headline_only_edit_and_a_moved_stamp() {
        let v1 = version(1, ChangeKind::New, (5, 0), article("A", "s1", "t"));
        let v2 = version(2, ChangeKind::SilentEdit, (0, 0), article("B", "s1", "t"));
        let v3 = version(
            3,
            ChangeKind::DeclaredUpdate,
            (3, 1),
            article("B", "s2", "u"),
        );
        assert_eq!(change_labels(None, &v1), ["+5 -0"]);
        assert_eq!(change_labels(Some(&v1), &v2), ["title"]);
        assert_eq!(change_labels(Some(&v2), &v3), ["stamp", "+3 -1"]);
        // Without the previous version, the same facts follow from the kind and counts.
        assert_eq!(change_labels(None, &v2), ["title"]);
        assert_eq!(change_labels(None, &v3), ["stamp", "+3 -1"]);
        assert_eq!(headline_phrase(&v2), Some("headline changed"));
        assert_eq!(headline_phrase(&v3), None);
    }
}
