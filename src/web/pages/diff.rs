//! The diff page between any two versions: inline or side by side, with links to the
//! previous and next change.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::canonical;
use crate::diff::{DiffOp, Field, FieldChange, field_changes, word_counts, word_diff};
use crate::model::Version;
use crate::store::ArchiveRead;
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
    /// Every field besides the text that differs from `from` to `to`.
    pub fields: Vec<FieldChange>,
    /// Word-level operations from `from` to `to`.
    pub ops: Vec<DiffOp>,
}

/// Resolves the query and diffs the two versions.
pub fn compare(store: &dyn ArchiveRead, q: &DiffQuery) -> Result<Compared, WebError> {
    let url = canonical(store, q.url.as_deref().unwrap_or(""))?;
    let latest = store
        .latest(&url)?
        .ok_or_else(|| WebError::NotFound(format!("{url}: no versions stored")))?;
    let count = latest.number;
    let to_n = q.to.unwrap_or(count);
    let from_n = q.from.unwrap_or(to_n.saturating_sub(1));
    let get = |n: u32| -> Result<Version, WebError> {
        store.version(&url, n)?.ok_or_else(|| {
            WebError::NotFound(format!(
                "{url}: no version {n} (the article has versions 1 to {count})"
            ))
        })
    };
    let to = if to_n == count { latest } else { get(to_n)? };
    let from = if from_n == 0 {
        None
    } else {
        Some(get(from_n)?)
    };
    // Checked after both exist, so a missing version is a 404 whatever the order.
    if from_n >= to_n {
        return Err(WebError::BadRequest(format!(
            "{url}: from={from_n} must be older than to={to_n} (the article has versions 1 to {count})"
        )));
    }
    let old = from.as_ref().map(|v| v.article.text.as_str()).unwrap_or("");
    let ops = word_diff(old, &to.article.text);
    let fields = from
        .as_ref()
        .map_or_else(Vec::new, |f| field_changes(&f.article, &to.article));
    Ok(Compared {
        url,
        count,
        from,
        to,
        fields,
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
    stamps: Vec<StampRow>,
    stamp_note: Option<&'static str>,
    fields: Vec<FieldRow>,
    /// The first version: its text is shown as it is, not as one long insertion.
    first: Option<String>,
    side: bool,
    inline_href: String,
    side_href: String,
    view: DiffView,
}

/// One of the two compared versions, as the header lists it.
struct StampRow {
    label: String,
    href: String,
    fetched: String,
    stamp: String,
}

impl StampRow {
    fn new(url: &str, v: &Version) -> Self {
        StampRow {
            label: format!("v{}", v.number),
            href: links::version(url, v.number),
            fetched: view::when(v.fetched_at),
            stamp: v
                .article
                .last_update
                .clone()
                .unwrap_or_else(|| "none".to_owned()),
        }
    }
}

/// A changed field besides the text and the stamp (which the stamp rows show).
struct FieldRow {
    name: &'static str,
    from: String,
    to: String,
}

/// `GET /diff?url=&from=&to=&view=`.
pub async fn page(
    State(state): State<AppState>,
    Query(q): Query<DiffQuery>,
) -> Result<Response, WebError> {
    blocking(move || {
        let c = compare(&*state.store, &q)?;
        let url = &c.url;
        let from_n = c.from.as_ref().map(|v| v.number).unwrap_or(0);
        let to_n = c.to.number;
        let (added, removed) = word_counts(&c.ops);
        let here = links::diff(url, from_n, to_n);
        let stamps: Vec<StampRow> = c
            .from
            .iter()
            .chain(std::iter::once(&c.to))
            .map(|v| StampRow::new(url, v))
            .collect();
        let stamp_note = c.from.as_ref().map(|f| {
            if f.article.last_update == c.to.article.last_update {
                "stamp unchanged"
            } else {
                "stamp moved"
            }
        });
        let none = || "(none)".to_owned();
        let fields = c
            .fields
            .iter()
            .filter(|f| f.field != Field::LastUpdate)
            .map(|f| FieldRow {
                name: f.field.as_str(),
                from: f.from.clone().unwrap_or_else(none),
                to: f.to.clone().unwrap_or_else(none),
            })
            .collect();
        render(&DiffPage {
            title: format!(
                "Changes to {}",
                view::title_or_url(c.to.article.title.as_deref(), url)
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
            stamps,
            stamp_note,
            fields,
            first: c.from.is_none().then(|| c.to.article.text.clone()),
            side: q.view.as_deref() == Some("side"),
            side_href: format!("{here}&view=side"),
            inline_href: here,
            view: diff_view::build(&c.ops),
        })
    })
    .await
}
