//! Lists of tracked articles: all of them (`/articles`) and one site's (`/site`), in URL
//! order, paginated by the last URL shown.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::model::ArticleRecord;
use crate::store::ArchiveRead;
use crate::web::AppState;
use crate::web::links;
use crate::web::respond::{WebError, blocking, page as render};
use crate::web::view::{self, ArticleRow};

/// Query of the article lists and the list API.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// Site name (required on `/site`, a filter on the API).
    pub name: Option<String>,
    /// Same as `name`, the API's spelling.
    pub site: Option<String>,
    /// Keyset cursor: the last URL of the previous page.
    pub after: Option<String>,
    /// Page size.
    pub limit: Option<usize>,
}

impl ListQuery {
    /// The site asked for, if any.
    pub fn site_name(&self) -> Option<&str> {
        self.name
            .as_deref()
            .or(self.site.as_deref())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

/// One page of articles and whether there is another.
pub fn load(
    store: &dyn ArchiveRead,
    q: &ListQuery,
) -> Result<(Vec<ArticleRecord>, bool), WebError> {
    let limit = view::limit(q.limit);
    let after = q.after.as_deref().filter(|a| !a.is_empty());
    let mut rows = match q.site_name() {
        Some(site) => store.list_site(site, after, limit + 1)?,
        None => store.list(after, limit + 1)?,
    };
    let more = rows.len() > limit;
    rows.truncate(limit);
    Ok((rows, more))
}

#[derive(Template)]
#[template(path = "articles.html")]
struct ArticlesPage {
    title: String,
    feed: String,
    site: Option<String>,
    recent_href: String,
    rows: Vec<ArticleRow>,
    next: Option<String>,
}

fn render_list(store: &dyn ArchiveRead, q: &ListQuery) -> Result<Response, WebError> {
    let (rows, more) = load(store, q)?;
    let site = q.site_name().map(str::to_owned);
    let next = more.then(|| rows.last()).flatten().map(|last| match &site {
        Some(s) => format!("{}&after={}", links::site(s), links::enc(&last.url)),
        None => format!("/articles?after={}", links::enc(&last.url)),
    });
    render(&ArticlesPage {
        title: match &site {
            Some(s) => format!("Site {s}"),
            None => "Tracked articles".to_owned(),
        },
        feed: site
            .as_deref()
            .map(links::feed_site)
            .unwrap_or_else(links::feed_all),
        recent_href: links::recent(site.as_deref(), None, None),
        rows: rows.iter().map(ArticleRow::from).collect(),
        next,
        site,
    })
}

/// `GET /articles`.
pub async fn all(
    State(state): State<AppState>,
    Query(mut q): Query<ListQuery>,
) -> Result<Response, WebError> {
    q.name = None;
    q.site = None;
    blocking(move || render_list(&*state.store, &q)).await
}

/// `GET /site?name=`.
pub async fn site(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    if q.site_name().is_none() {
        return Err(WebError::BadRequest("missing ?name= parameter".to_owned()));
    }
    blocking(move || render_list(&*state.store, &q)).await
}
