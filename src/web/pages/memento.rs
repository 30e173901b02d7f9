//! The Memento TimeGate and TimeMap (RFC 7089), addressed by the original URL appended
//! to their path, as Memento clients build them.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::canonical;
use crate::store::ArchiveRead;
use crate::web::AppState;
use crate::web::links;
use crate::web::memento::{self, LINK_FORMAT, Memento};
use crate::web::respond::{WebError, blocking, with_type};

/// The original URL after `prefix` in the request target, query string included.
fn original(uri: &Uri, prefix: &str) -> String {
    let target = uri.path_and_query().map(|p| p.as_str()).unwrap_or("");
    target.strip_prefix(prefix).unwrap_or("").to_owned()
}

/// The article's versions as mementos, oldest first.
fn mementos(store: &dyn ArchiveRead, raw: &str) -> Result<(String, Vec<Memento>), WebError> {
    let url = canonical(store, raw)?;
    let list = store
        .versions(&url)?
        .iter()
        .map(|v| Memento {
            number: v.number,
            at: v.fetched_at,
        })
        .collect();
    Ok((url, list))
}

/// `GET /timegate/{url}`: 302 to the version in force at `Accept-Datetime` (the latest
/// without one).
pub async fn timegate(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let raw = original(&uri, "/timegate/");
    let wanted = match headers.get("accept-datetime") {
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(memento::parse_http_date)
                .ok_or_else(|| {
                    WebError::BadRequest("Accept-Datetime is not an HTTP date".to_owned())
                })?,
        ),
        None => None,
    };
    blocking(move || {
        let (url, list) = mementos(&*state.store, &raw)?;
        let chosen = memento::select(&list, wanted)
            .ok_or_else(|| WebError::NotFound(format!("{url}: no versions stored")))?;
        let location = format!("{}{}", state.base, links::version(&url, chosen.number));
        let mut resp = StatusCode::FOUND.into_response();
        let h = resp.headers_mut();
        h.insert(header::VARY, HeaderValue::from_static("accept-datetime"));
        if let Ok(l) = HeaderValue::from_str(&location) {
            h.insert(header::LOCATION, l);
        }
        if let Ok(l) = HeaderValue::from_str(&memento::timegate_link(&state.base, &url)) {
            h.insert(header::LINK, l);
        }
        Ok(resp)
    })
    .await
}

/// `GET /timemap/link/{url}`: every version in link format.
pub async fn timemap(State(state): State<AppState>, uri: Uri) -> Result<Response, WebError> {
    let raw = original(&uri, "/timemap/link/");
    blocking(move || {
        let (url, list) = mementos(&*state.store, &raw)?;
        Ok(with_type(
            StatusCode::OK,
            memento::timemap(&state.base, &url, &list),
            LINK_FORMAT,
        ))
    })
    .await
}
