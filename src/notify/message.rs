//! The change message every target receives, in emend's versioned JSON schema
//! ([`SCHEMA`]): built from the two stored versions when it is sent, so the outbox holds
//! only references and a retry sends exactly the same content.

use chrono::{DateTime, Utc};
use serde::Serialize;
use url::Url;

use super::excerpt::{Excerpt, excerpts};
use super::filter::changed_fields;
use crate::api::rfc3339;
use crate::config::ArticleField;
use crate::diff::word_diff;
use crate::model::{Article, ChangeKind, Version};
use crate::store::change_id;

/// Name and version of the JSON schema; bumped on any incompatible change.
pub const SCHEMA: &str = "emend.change/1";
/// Changed passages a message carries at most.
const MAX_EXCERPTS: usize = 6;

/// One change of one article, as sent to every target.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeMessage {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// Stable per change (article and version): receivers drop duplicates by it.
    pub id: String,
    /// The site from sites.toml, if any.
    pub site: Option<String>,
    /// The article's canonical URL.
    pub url: String,
    /// The headline of the new version.
    pub title: Option<String>,
    /// The change kind.
    pub change: ChangeKind,
    /// The previous version (absent for a first version).
    pub from: Option<VersionRef>,
    /// The version the change made.
    pub to: VersionRef,
    /// Fields that differ, among title, byline, published, last_update, text.
    pub changed_fields: Vec<ArticleField>,
    /// Old and new values of each changed field other than the text.
    pub fields: Vec<FieldChange>,
    /// Words inserted.
    pub words_added: u32,
    /// Words deleted.
    pub words_removed: u32,
    /// The changed passages with a sentence of context, in text order.
    pub diff: Vec<Excerpt>,
    /// Links to the article and, with a `base_url`, to the web UI.
    pub links: Links,
}

/// A version in a [`ChangeMessage`].
#[derive(Debug, Clone, Serialize)]
pub struct VersionRef {
    /// 1-based version number.
    pub version: u32,
    /// When it was fetched (RFC 3339).
    pub fetched_at: String,
    /// The article's own "last update" stamp in it.
    pub last_update: Option<String>,
    /// The publication time in it.
    pub published: Option<String>,
}

/// A metadata field's old and new value.
#[derive(Debug, Clone, Serialize)]
pub struct FieldChange {
    /// Which field.
    pub field: ArticleField,
    /// Its value before.
    pub before: Option<String>,
    /// Its value after.
    pub after: Option<String>,
}

/// Where to read more.
#[derive(Debug, Clone, Serialize)]
pub struct Links {
    /// The article itself.
    pub article: String,
    /// The web UI's diff page of this change.
    pub diff: Option<String>,
    /// The web UI's history page of the article.
    pub history: Option<String>,
    /// The web UI's diff card of this change (a 1200×630 PNG), for a post to attach.
    pub card: Option<String>,
}

impl ChangeMessage {
    /// The message of the change from `before` to `after` of `url`.
    pub fn new(
        url: &str,
        site: Option<&str>,
        before: Option<&Version>,
        after: &Version,
        base_url: Option<&Url>,
    ) -> ChangeMessage {
        let old = before.map(|v| &v.article);
        let ops = word_diff(old.map_or("", |a| a.text.as_str()), &after.article.text);
        let from_number = before.map_or(0, |v| v.number);
        ChangeMessage {
            schema: SCHEMA,
            id: change_id(url, after.number),
            site: site.map(str::to_owned),
            url: url.to_owned(),
            title: after.article.title.clone(),
            change: after.change,
            from: before.map(version_ref),
            to: version_ref(after),
            changed_fields: changed_fields(old, &after.article),
            fields: field_changes(old, &after.article),
            words_added: after.words_added,
            words_removed: after.words_removed,
            diff: excerpts(&ops, MAX_EXCERPTS),
            links: Links {
                article: url.to_owned(),
                diff: base_url.map(|b| web_link(b, "diff", url, Some((from_number, after.number)))),
                history: base_url.map(|b| web_link(b, "article", url, None)),
                card: base_url.map(|b| web_link(b, "card", url, Some((from_number, after.number)))),
            },
        }
    }

    /// A made-up silent edit, for `emend notify test`.
    pub fn sample(base_url: Option<&Url>) -> ChangeMessage {
        let at = |s: i64| DateTime::<Utc>::from_timestamp(1_767_225_600 + s, 0).unwrap_or_default();
        let article = |text: &str| Article {
            title: Some("Test message from emend".into()),
            last_update: Some("2026-01-01T00:00:00Z".into()),
            text: text.into(),
            ..Article::default()
        };
        let version = |number, change, text, words_added, words_removed| Version {
            number,
            fetched_at: at(i64::from(number) * 3600),
            change,
            article: article(text),
            text_hash: String::new(),
            words_added,
            words_removed,
            extractor_version: 0,
            body_hash: None,
            encoding: None,
            fetched_url: "https://example.org/test".into(),
        };
        let before = version(
            1,
            ChangeKind::New,
            "This notification target works. Nothing to see here.",
            8,
            0,
        );
        let after = version(
            2,
            ChangeKind::SilentEdit,
            "This notification target works. Everything is in order here.",
            4,
            3,
        );
        let mut m = Self::new(
            "https://example.org/test",
            Some("test"),
            Some(&before),
            &after,
            base_url,
        );
        m.id = format!("test-{}", Utc::now().timestamp());
        m
    }
}

fn version_ref(v: &Version) -> VersionRef {
    VersionRef {
        version: v.number,
        fetched_at: rfc3339(v.fetched_at),
        last_update: v.article.last_update.clone(),
        published: v.article.published.clone(),
    }
}

fn field_changes(before: Option<&Article>, after: &Article) -> Vec<FieldChange> {
    let value = |a: Option<&Article>, f: ArticleField| -> Option<String> {
        let a = a?;
        match f {
            ArticleField::Title => a.title.clone(),
            ArticleField::Byline => a.byline.clone(),
            ArticleField::Published => a.published.clone(),
            ArticleField::LastUpdate => a.last_update.clone(),
            ArticleField::Text => None,
        }
    };
    changed_fields(before, after)
        .into_iter()
        .filter(|f| *f != ArticleField::Text)
        .map(|field| FieldChange {
            field,
            before: value(before, field),
            after: value(Some(after), field),
        })
        .collect()
}

/// `base/page?url=…[&from=&to=]`, the web UI's routes.
fn web_link(base: &Url, page: &str, url: &str, range: Option<(u32, u32)>) -> String {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        // `join` would replace the last segment of a base served under a path.
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    let mut link = base.join(page).unwrap_or_else(|_| base.clone());
    {
        let mut q = link.query_pairs_mut();
        q.clear().append_pair("url", url);
        if let Some((from, to)) = range {
            q.append_pair("from", &from.to_string())
                .append_pair("to", &to.to_string());
        }
    }
    link.to_string()
}
