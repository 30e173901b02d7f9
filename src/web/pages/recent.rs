//! The front page: recent changes across all sites, newest first, filtered by site and kind,
//! paginated by keyset cursor.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::model::{ChangeKind, Version};
use crate::store::{ArchiveRead, ChangeCursor, ChangeFilter};
use crate::web::AppState;
use crate::web::links;
use crate::web::respond::{WebError, blocking, page as render};
use crate::web::view::{self, ChangeRow};

/// Query of the recent-changes page and API.
#[derive(Debug, Default, Deserialize)]
pub struct RecentQuery {
    /// Only this site.
    pub site: Option<String>,
    /// Only this change kind.
    pub kind: Option<String>,
    /// Cursor: changes older than this one.
    pub before: Option<String>,
    /// Page size.
    pub limit: Option<usize>,
}

/// One page of changes with the article sites filled in.
pub struct Changes {
    /// (url, site, version), newest first.
    pub items: Vec<(String, Option<String>, Version)>,
    /// Cursor of the next page, if there is one.
    pub next: Option<String>,
}

/// Reads one page of changes for `q`.
pub fn load(store: &dyn ArchiveRead, q: &RecentQuery) -> Result<Changes, WebError> {
    let site = q.site.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let kind = match q.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(k) => Some(
            ChangeKind::parse(k)
                .ok_or_else(|| WebError::BadRequest(format!("unknown change kind {k:?}")))?,
        ),
        None => None,
    };
    let before = match q.before.as_deref().filter(|s| !s.is_empty()) {
        Some(b) => Some(
            ChangeCursor::parse(b)
                .ok_or_else(|| WebError::BadRequest("invalid ?before= cursor".to_owned()))?,
        ),
        None => None,
    };
    let limit = view::limit(q.limit);
    let filter = ChangeFilter {
        site: site.map(str::to_owned),
        kind,
    };
    // One more than shown tells whether an older page exists.
    let mut found = store.recent_changes(before.as_ref(), limit + 1, &filter)?;
    let more = found.len() > limit;
    found.truncate(limit);
    let next = if more {
        found
            .last()
            .map(|(url, v)| ChangeCursor::of(url, v).to_token())
    } else {
        None
    };
    let mut items = Vec::with_capacity(found.len());
    let mut sites: std::collections::HashMap<String, Option<String>> = Default::default();
    for (url, v) in found {
        let site = match site {
            Some(s) => Some(s.to_owned()),
            None => match sites.get(&url) {
                Some(s) => s.clone(),
                None => {
                    let s = store.article(&url)?.and_then(|a| a.site);
                    sites.insert(url.clone(), s.clone());
                    s
                }
            },
        };
        items.push((url, site, v));
    }
    Ok(Changes { items, next })
}

#[derive(Template)]
#[template(path = "recent.html")]
struct RecentPage {
    title: String,
    feed: String,
    site: String,
    kind: String,
    kinds: Vec<(&'static str, &'static str, bool)>,
    rows: Vec<ChangeRow>,
    next: Option<String>,
}

/// `GET /`.
pub async fn page(
    State(state): State<AppState>,
    Query(q): Query<RecentQuery>,
) -> Result<Response, WebError> {
    blocking(move || {
        let changes = load(&*state.store, &q)?;
        let site = q.site.clone().unwrap_or_default().trim().to_owned();
        let kind = q.kind.clone().unwrap_or_default().trim().to_owned();
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        let title = match (opt(&site), ChangeKind::parse(&kind)) {
            (Some(s), Some(k)) => format!("Recent {}s on {s}", view::kind_label(k)),
            (Some(s), None) => format!("Recent changes on {s}"),
            (None, Some(k)) => format!("Recent {}s", view::kind_label(k)),
            (None, None) => "Recent changes".to_owned(),
        };
        let feed = match opt(&site) {
            Some(s) => links::feed_site(&s),
            None => links::feed_all(),
        };
        render(&RecentPage {
            title,
            feed,
            rows: changes
                .items
                .iter()
                .map(|(u, s, v)| ChangeRow::new(u, s.as_deref(), v))
                .collect(),
            next: changes
                .next
                .as_deref()
                .map(|n| links::recent(opt(&site).as_deref(), opt(&kind).as_deref(), Some(n))),
            site,
            kinds: view::kind_choices()
                .into_iter()
                .map(|(v, l)| (v, l, v == kind))
                .collect(),
            kind,
        })
    })
    .await
}
