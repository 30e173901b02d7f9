//! The JSON API, in the CLI's `--json` shapes ([`crate::api`]): history, diff, list and
//! recent changes. Errors are `{"error": "..."}` with the HTTP status.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;

use super::AppState;
use super::links;
use super::pages::article::UrlQuery;
use super::pages::articles::{self, ListQuery};
use super::pages::canonical;
use super::pages::diff::{DiffQuery, compare};
use super::pages::recent::{self, RecentQuery};
use super::respond::{WebError, blocking, json};
use crate::api::{ArticleJson, ChangeJson, DiffJson, HistoryJson, ListJson, RecentJson};

/// Maps an error to the API's JSON error body.
async fn api<F>(f: F) -> Response
where
    F: FnOnce() -> Result<Response, WebError> + Send + 'static,
{
    match blocking(f).await {
        Ok(r) => r,
        Err(e) => e.into_json(),
    }
}

/// `GET /api/history?url=`: [`HistoryJson`].
pub async fn history(State(state): State<AppState>, Query(q): Query<UrlQuery>) -> Response {
    api(move || {
        let url = canonical(&*state.store, q.url.as_deref().unwrap_or(""))?;
        let versions = state.store.versions(&url)?;
        json(&HistoryJson::new(&url, &versions))
    })
    .await
}

/// `GET /api/diff?url=&from=&to=`: [`DiffJson`].
pub async fn diff(State(state): State<AppState>, Query(q): Query<DiffQuery>) -> Response {
    api(move || {
        let c = compare(&*state.store, &q)?;
        json(&DiffJson {
            url: &c.url,
            from: c.from.as_ref().map(|v| v.number).unwrap_or(0),
            to: c.to.number,
            fields: &c.fields,
            ops: &c.ops,
        })
    })
    .await
}

/// `GET /api/list?site=&after=&limit=`: [`ListJson`]; the next page is in a
/// `Link: <...>; rel="next"` header so the body keeps the CLI's shape.
pub async fn list(State(state): State<AppState>, Query(q): Query<ListQuery>) -> Response {
    api(move || {
        let (rows, more) = articles::load(&*state.store, &q)?;
        let mut resp = json(&ListJson {
            articles: rows.iter().map(ArticleJson::from).collect(),
        })?;
        if let (true, Some(last)) = (more, rows.last()) {
            let mut next = format!("/api/list?after={}", links::enc(&last.url));
            if let Some(s) = q.site_name() {
                next.push_str(&format!("&site={}", links::enc(s)));
            }
            if let Some(l) = q.limit {
                next.push_str(&format!("&limit={l}"));
            }
            if let Ok(v) = HeaderValue::from_str(&format!("<{}{next}>; rel=\"next\"", state.base)) {
                resp.headers_mut().insert(header::LINK, v);
            }
        }
        Ok(resp)
    })
    .await
}

/// `GET /api/recent?site=&kind=&before=&limit=`: [`RecentJson`].
pub async fn recent(State(state): State<AppState>, Query(q): Query<RecentQuery>) -> Response {
    api(move || {
        let page = recent::load(&*state.store, &q)?;
        json(&RecentJson {
            changes: page
                .items
                .iter()
                .map(|(u, s, v)| ChangeJson::new(u, s.as_deref(), v))
                .collect(),
            next: page.next,
        })
    })
    .await
}
