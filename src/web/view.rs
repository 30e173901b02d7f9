//! View models shared by pages: rows of changes and articles, with every string the
//! templates show already formatted (the templates escape them).

use chrono::{DateTime, Utc};

use super::links;
use crate::diff::headline_phrase;
use crate::model::{ArticleRecord, ChangeKind, Version};

/// Page size of every paginated list.
pub const PAGE: usize = 50;

/// Most items any one request may ask for.
pub const MAX_LIMIT: usize = 500;

/// A time as pages show it.
pub fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// An optional time, "never" when absent.
pub fn when_opt(t: Option<DateTime<Utc>>) -> String {
    t.map(when).unwrap_or_else(|| "never".to_owned())
}

/// Human name of a change kind.
pub fn kind_label(k: ChangeKind) -> &'static str {
    match k {
        ChangeKind::New => "new",
        ChangeKind::Unchanged => "unchanged",
        ChangeKind::DeclaredUpdate => "declared update",
        ChangeKind::SilentEdit => "silent edit",
        ChangeKind::StampOnly => "stamp only",
    }
}

/// The kinds offered by the filter, with "" for all.
pub fn kind_choices() -> Vec<(&'static str, &'static str)> {
    let mut v = vec![("", "all kinds")];
    for k in [
        ChangeKind::SilentEdit,
        ChangeKind::DeclaredUpdate,
        ChangeKind::StampOnly,
        ChangeKind::New,
    ] {
        v.push((k.as_str(), kind_label(k)));
    }
    v
}

/// A title to show: the article's, else its URL.
pub fn title_or_url(title: Option<&str>, url: &str) -> String {
    match title.map(str::trim) {
        Some(t) if !t.is_empty() => t.to_owned(),
        _ => url.to_owned(),
    }
}

/// The diff page that shows what `v` changed.
pub fn change_diff_href(url: &str, v: &Version) -> String {
    links::diff(url, v.number.saturating_sub(1), v.number)
}

/// One change in a list of changes.
#[derive(Debug, Clone)]
pub struct ChangeRow {
    /// Article URL.
    pub url: String,
    /// Title of that version.
    pub title: String,
    /// Site name.
    pub site: Option<String>,
    /// Link to the site page.
    pub site_href: String,
    /// Version number.
    pub number: u32,
    /// Change kind as a CSS class.
    pub kind: &'static str,
    /// Change kind for people.
    pub kind_label: &'static str,
    /// Fetch time.
    pub at: String,
    /// Words added.
    pub added: u32,
    /// Words removed.
    pub removed: u32,
    /// What changed when no word of the text did ("headline changed", "stamp moved").
    pub phrase: Option<&'static str>,
    /// Link to the diff with the previous version.
    pub diff_href: String,
    /// Link to the version page.
    pub version_href: String,
    /// Link to the timeline.
    pub article_href: String,
}

impl ChangeRow {
    /// The row for `v` of `url`.
    pub fn new(url: &str, site: Option<&str>, v: &Version) -> Self {
        ChangeRow {
            url: url.to_owned(),
            title: title_or_url(v.article.title.as_deref(), url),
            site: site.map(str::to_owned),
            site_href: site.map(links::site).unwrap_or_default(),
            number: v.number,
            kind: v.change.as_str(),
            kind_label: kind_label(v.change),
            at: when(v.fetched_at),
            added: v.words_added,
            removed: v.words_removed,
            phrase: headline_phrase(v),
            diff_href: change_diff_href(url, v),
            version_href: links::version(url, v.number),
            article_href: links::article(url),
        }
    }
}

/// One article in a list of articles.
#[derive(Debug, Clone)]
pub struct ArticleRow {
    /// Canonical URL.
    pub url: String,
    /// Latest title, else the URL.
    pub title: String,
    /// Site name.
    pub site: Option<String>,
    /// Link to the site page.
    pub site_href: String,
    /// Stored versions.
    pub versions: u32,
    /// Last check.
    pub last_checked: String,
    /// Last stored version.
    pub last_changed: String,
    /// Link to the timeline.
    pub article_href: String,
}

impl From<&ArticleRecord> for ArticleRow {
    fn from(a: &ArticleRecord) -> Self {
        ArticleRow {
            url: a.url.clone(),
            title: title_or_url(a.title.as_deref(), &a.url),
            site: a.site.clone(),
            site_href: a.site.as_deref().map(links::site).unwrap_or_default(),
            versions: a.versions,
            last_checked: when_opt(a.last_checked),
            last_changed: when_opt(a.last_changed),
            article_href: links::article(&a.url),
        }
    }
}

/// Clamps a requested page size.
pub fn limit(asked: Option<usize>) -> usize {
    asked.unwrap_or(PAGE).clamp(1, MAX_LIMIT)
}
