//! An article's timeline: every version with its stamp, fetch time and change kind, a
//! form to diff any two, and the latest checks.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::canonical;
use crate::model::{Check, CheckOutcome};
use crate::web::AppState;
use crate::web::links;
use crate::web::respond::{WebError, blocking, page as render};
use crate::web::view;

/// Checks shown under the timeline.
const CHECKS_SHOWN: usize = 20;

/// Query naming an article.
#[derive(Debug, Default, Deserialize)]
pub struct UrlQuery {
    /// The article's URL (canonical or alias).
    pub url: Option<String>,
}

struct VersionRow {
    number: u32,
    version_href: String,
    at: String,
    stamp: String,
    kind: &'static str,
    kind_label: &'static str,
    added: u32,
    removed: u32,
    phrase: Option<&'static str>,
    diff_href: String,
    new_title: Option<String>,
}

struct CheckRow {
    at: String,
    status: String,
    bytes: u64,
    ms: u64,
    outcome: String,
}

impl From<&Check> for CheckRow {
    fn from(c: &Check) -> Self {
        CheckRow {
            at: view::when(c.at),
            status: c.status.map(|s| s.to_string()).unwrap_or_default(),
            bytes: c.bytes,
            ms: c.elapsed_ms,
            outcome: match &c.outcome {
                CheckOutcome::Checked {
                    change,
                    version: Some(n),
                } => format!("{} (v{n})", view::kind_label(*change)),
                CheckOutcome::Checked { change, .. } => view::kind_label(*change).to_owned(),
                CheckOutcome::NotModified => c.outcome.word().to_owned(),
                CheckOutcome::Failed { error } => format!("failed: {error}"),
            },
        }
    }
}

#[derive(Template)]
#[template(path = "article.html")]
struct ArticlePage {
    title: String,
    feed: String,
    url: String,
    original: Option<String>,
    site: Option<String>,
    site_href: String,
    first_seen: String,
    last_checked: String,
    timemap: String,
    count: u32,
    numbers: Vec<u32>,
    versions: Vec<VersionRow>,
    checks: Vec<CheckRow>,
}

/// `GET /article?url=`.
pub async fn page(
    State(state): State<AppState>,
    Query(q): Query<UrlQuery>,
) -> Result<Response, WebError> {
    blocking(move || {
        let store = &*state.store;
        let url = canonical(store, q.url.as_deref().unwrap_or(""))?;
        let record = store
            .article(&url)?
            .ok_or_else(|| WebError::NotFound(format!("{url}: not tracked")))?;
        let versions = store.versions(&url)?;
        let mut rows: Vec<VersionRow> = Vec::with_capacity(versions.len());
        let mut prev_title: Option<&str> = None;
        for v in &versions {
            let title = v.article.title.as_deref();
            rows.push(VersionRow {
                number: v.number,
                version_href: links::version(&url, v.number),
                at: view::when(v.fetched_at),
                stamp: v.article.last_update.clone().unwrap_or_default(),
                kind: v.change.as_str(),
                kind_label: view::kind_label(v.change),
                added: v.words_added,
                removed: v.words_removed,
                phrase: crate::diff::headline_phrase(v),
                diff_href: view::change_diff_href(&url, v),
                new_title: (v.number > 1 && title != prev_title)
                    .then(|| title.unwrap_or("").to_owned()),
            });
            prev_title = title;
        }
        rows.reverse();
        let count = u32::try_from(versions.len()).unwrap_or(u32::MAX);
        let checks = store.checks(&url, CHECKS_SHOWN)?;
        render(&ArticlePage {
            title: view::title_or_url(record.title.as_deref(), &url),
            feed: links::feed_article(&url),
            original: links::safe_href(&url),
            site_href: record.site.as_deref().map(links::site).unwrap_or_default(),
            site: record.site.clone(),
            first_seen: view::when(record.first_seen),
            last_checked: view::when_opt(record.last_checked),
            timemap: links::timemap(&url),
            count,
            numbers: versions.iter().map(|v| v.number).collect(),
            versions: rows,
            checks: checks.iter().map(CheckRow::from).collect(),
            url,
        })
    })
    .await
}
