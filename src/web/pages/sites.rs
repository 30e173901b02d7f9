//! The sites that have articles (`/sites`), each with its articles, its recent changes
//! and its Atom feed.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::web::AppState;
use crate::web::links;
use crate::web::respond::{WebError, blocking, page as render};

struct SiteRow {
    name: String,
    articles_href: String,
    recent_href: String,
    feed_href: String,
}

#[derive(Template)]
#[template(path = "sites.html")]
struct SitesPage {
    title: String,
    feed: String,
    rows: Vec<SiteRow>,
}

/// `GET /sites`.
pub async fn page(State(state): State<AppState>) -> Result<Response, WebError> {
    blocking(move || {
        let rows = state
            .store
            .sites()?
            .into_iter()
            .map(|name| SiteRow {
                articles_href: links::site(&name),
                recent_href: links::recent(Some(&name), None, None),
                feed_href: links::feed_site(&name),
                name,
            })
            .collect();
        render(&SitesPage {
            title: "Sites".to_owned(),
            feed: links::feed_all(),
            rows,
        })
    })
    .await
}
