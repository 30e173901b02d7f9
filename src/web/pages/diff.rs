//! The diff page between any two versions: inline or side by side, with links to the
//! previous and next change.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::canonical;
use crate::diff::{DiffOp, word_counts, word_diff};
use crate::model::Version;
use crate::store::Store;
use crate::web::AppState;
use crate::web::diff_view::{self, Block, DiffView};
use crate::web::links;
use crate::web::respond::{WebError, blocking, page as render};
use crate::web::view;

/// Query of the diff page and the diff API.
#[derive(Debug, Default, Deserialize)]
pub struct DiffQuery {
    /// The article's URL.
    pub url: Option<String>,
    /// Older version (0 = empty text); default: the one before `to`.
    pub from: Option<u32>,
    /// Newer version; default: the latest.
    pub to: Option<u32>,
    /// `side` for side by side.
    pub view: Option<String>,
}

/// The two versions a diff query names and their word diff.
pub struct Compared {
    /// Canonical URL.
    pub url: String,
    /// Number of versions of the article.
    pub count: u32,
    /// The older version (`None` for version 0, the empty text).
    pub from: Option<Version>,
    /// The newer version.
    pub to: Version,
    /// Word-level operations from `from` to `to`.
    pub ops: Vec<DiffOp>,
}

/// Resolves the query and diffs the two versions.
pub fn compare(store: &Store, q: &DiffQuery) -> Result<Compared, WebError> {
    let url = canonical(store, q.url.as_deref().unwrap_or(""))?;
    let latest = store
        .latest(&url)?
        .ok_or_else(|| WebError::NotFound(format!("{url}: no versions stored")))?;
    let count = latest.number;
    let to_n = q.to.unwrap_or(count);
    let from_n = q.from.unwrap_or(to_n.saturating_sub(1));
    let get = |n: u32| -> Result<Version, WebError> {
        store.version(&url, n)?.ok_or_else(|| {
            WebError::NotFound(format!("{url}: no version {n} (the article has {count})"))
        })
    };
    let to = if to_n == count { latest } else { get(to_n)? };
    let from = if from_n == 0 {
        None
    } else {
        Some(get(from_n)?)
    };
    let old = from.as_ref().map(|v| v.article.text.as_str()).unwrap_or("");
    let ops = word_diff(old, &to.article.text);
    Ok(Compared {
        url,
        count,
        from,
        to,
        ops,
    })
}

#[derive(Template)]
#[template(path = "diff.html")]
struct DiffPage {
    title: String,
    feed: String,
    article_href: String,
    prev_href: Option<String>,
    next_href: Option<String>,
    from_label: String,
    to: u32,
    to_href: String,
    kind: &'static str,
    kind_label: &'static str,
    added: u32,
    removed: u32,
    title_change: Option<(String, String)>,
    side: bool,
    inline_href: String,
    side_href: String,
    view: DiffView,
}

/// `GET /diff?url=&from=&to=&view=`.
pub async fn page(
    State(state): State<AppState>,
    Query(q): Query<DiffQuery>,
) -> Result<Response, WebError> {
    blocking(move || {
        let c = compare(&state.store, &q)?;
        let url = &c.url;
        let from_n = c.from.as_ref().map(|v| v.number).unwrap_or(0);
        let to_n = c.to.number;
        let (added, removed) = word_counts(&c.ops);
        let old_title = c.from.as_ref().and_then(|v| v.article.title.clone());
        let new_title = c.to.article.title.clone();
        let here = links::diff(url, from_n, to_n);
        render(&DiffPage {
            title: format!(
                "Changes to {}",
                view::title_or_url(new_title.as_deref(), url)
            ),
            feed: links::feed_article(url),
            article_href: links::article(url),
            prev_href: (from_n >= 1).then(|| links::diff(url, from_n - 1, from_n)),
            next_href: (to_n < c.count).then(|| links::diff(url, to_n, to_n + 1)),
            from_label: if from_n == 0 {
                "nothing".to_owned()
            } else {
                format!("v{from_n}")
            },
            to: to_n,
            to_href: links::version(url, to_n),
            kind: c.to.change.as_str(),
            kind_label: view::kind_label(c.to.change),
            added,
            removed,
            title_change: (c.from.is_some() && old_title != new_title)
                .then(|| (old_title.unwrap_or_default(), new_title.unwrap_or_default())),
            side: q.view.as_deref() == Some("side"),
            side_href: format!("{here}&view=side"),
            inline_href: here,
            view: diff_view::build(&c.ops),
        })
    })
    .await
}
