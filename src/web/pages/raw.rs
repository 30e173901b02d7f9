//! A version's raw HTTP response body as it was captured: readable source, or the exact bytes.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::canonical;
use crate::fetch::decode_html;
use crate::web::AppState;
use crate::web::respond::{WebError, blocking, with_type};

/// Query naming a version's body.
#[derive(Debug, Default, Deserialize)]
pub struct RawQuery {
    /// The article's URL.
    pub url: Option<String>,
    /// Version number.
    pub n: Option<u32>,
    /// `1`: the bytes exactly as received, as a download, so their blake3 can be checked
    /// against the version's body hash. Otherwise the source as UTF-8 text.
    pub bytes: Option<u8>,
}

/// `GET /raw?url=&n=[&bytes=1]`.
///
/// The page is never rendered: as text it is `text/plain` (and the security layer adds
/// `nosniff`), as bytes an attachment, so whatever the captured page contains stays inert.
pub async fn body(
    State(state): State<AppState>,
    Query(q): Query<RawQuery>,
) -> Result<Response, WebError> {
    blocking(move || {
        let url = canonical(&*state.store, q.url.as_deref().unwrap_or(""))?;
        let n =
            q.n.ok_or_else(|| WebError::BadRequest("missing ?n= (version number)".to_owned()))?;
        let version = state
            .store
            .version(&url, n)?
            .ok_or_else(|| WebError::NotFound(format!("{url}: no version {n}")))?;
        let missing = || WebError::NotFound(format!("{url}: version {n} has no stored body"));
        let hash = version.body_hash.as_deref().ok_or_else(missing)?;
        let raw = state.store.raw_body(hash)?.ok_or_else(missing)?;
        if q.bytes == Some(1) {
            let mut resp = (StatusCode::OK, raw).into_response();
            let h = resp.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            if let Ok(v) = HeaderValue::from_str(&format!(
                "attachment; filename=\"emend-v{n}-{}.html\"",
                &hash[..hash.len().min(16)]
            )) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            return Ok(resp);
        }
        // Decoded as at fetch time when the encoding was recorded; older versions are sniffed.
        let fetched = url::Url::parse(&version.fetched_url).ok();
        let text = decode_html(&raw, version.encoding.as_deref(), fetched.as_ref()).text;
        Ok(with_type(StatusCode::OK, text, "text/plain; charset=utf-8"))
    })
    .await
}
