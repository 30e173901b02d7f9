//! Search by URL or title: a whole tracked URL (or alias) answers with its article, anything
//! else with the articles whose URL or title contains it.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::web::AppState;
use crate::web::links;
use crate::web::respond::{WebError, blocking, page as render};
use crate::web::view::{self, ArticleRow};

/// Query of the search page.
#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    /// URL or words of a title.
    pub q: Option<String>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    title: String,
    feed: String,
    q: String,
    rows: Vec<ArticleRow>,
}

/// `GET /search?q=`.
pub async fn page(
    State(state): State<AppState>,
    Query(q): Query<SearchQuery>,
) -> Result<Response, WebError> {
    blocking(move || {
        let query = q.q.unwrap_or_default().trim().to_owned();
        let mut rows = Vec::new();
        if !query.is_empty() {
            let exact = match state.store.resolve(&query)? {
                Some(url) => state.store.article(&url)?,
                None => None,
            };
            match exact {
                // A whole tracked URL (or alias) names its article: answer in one lookup
                // instead of scanning every record for substrings.
                Some(a) => rows.push(ArticleRow::from(&a)),
                None => rows.extend(
                    state
                        .store
                        .search(&query, view::PAGE)?
                        .iter()
                        .map(ArticleRow::from),
                ),
            }
        }
        render(&SearchPage {
            title: if query.is_empty() {
                "Search".to_owned()
            } else {
                format!("Search: {query}")
            },
            feed: links::feed_all(),
            q: query,
            rows,
        })
    })
    .await
}
