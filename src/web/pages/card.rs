//! `/card?url=&from=&to=`: the diff card of a change as a PNG, for sharing or for a
//! notification to attach or link.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::diff::{DiffQuery, compare};
use crate::notify::ChangeMessage;
use crate::web::AppState;
use crate::web::respond::{WebError, blocking};

/// `GET /card?url=&from=&to=`: the same versions the diff page compares, drawn as
/// [`crate::card`] draws them.
pub async fn png(
    State(state): State<AppState>,
    Query(q): Query<DiffQuery>,
) -> Result<Response, WebError> {
    blocking(move || {
        let store = &*state.store;
        let c = compare(store, &q)?;
        let site = store.article(&c.url)?.and_then(|r| r.site);
        let m = ChangeMessage::new(&c.url, site.as_deref(), c.from.as_ref(), &c.to, None);
        let png = crate::card::render(&m)?;
        let mut resp = (StatusCode::OK, png).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(crate::card::CONTENT_TYPE),
        );
        // A stored version never changes, so neither does a card naming both numbers.
        if q.from.is_some() && q.to.is_some() {
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            );
        }
        Ok(resp)
    })
    .await
}
