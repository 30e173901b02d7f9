//! How handlers answer: rendered pages, typed errors as HTML or JSON pages, and running
//! store work off the async threads.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::Error;

/// Why a request failed.
#[derive(Debug)]
pub enum WebError {
    /// Nothing here (unknown article, version, page).
    NotFound(String),
    /// A malformed parameter.
    BadRequest(String),
    /// The store or rendering failed.
    Internal(String),
}

impl From<Error> for WebError {
    fn from(e: Error) -> Self {
        match e {
            Error::NotTracked { .. } | Error::NoSuchVersion { .. } => {
                WebError::NotFound(e.to_string())
            }
            Error::InvalidUrl { .. } => WebError::BadRequest(e.to_string()),
            e => {
                tracing::error!(error = %e, "web request failed");
                WebError::Internal(e.to_string())
            }
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        tracing::error!(error = %e, "template rendering failed");
        WebError::Internal(format!("rendering failed: {e}"))
    }
}

impl WebError {
    fn parts(&self) -> (StatusCode, &str) {
        match self {
            WebError::NotFound(m) => (StatusCode::NOT_FOUND, m),
            WebError::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            WebError::Internal(m) => (StatusCode::INTERNAL_SERVER_ERROR, m),
        }
    }

    /// The error as a JSON body `{"error": "..."}` (the API's form).
    pub fn into_json(self) -> Response {
        let (status, message) = self.parts();
        let body = serde_json::json!({ "error": message }).to_string();
        with_type(status, body, "application/json")
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: String,
    feed: String,
    message: &'a str,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, message) = self.parts();
        let page = ErrorPage {
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            feed: super::links::feed_all(),
            message,
        };
        match page.render() {
            Ok(body) => with_type(status, body, "text/html; charset=utf-8"),
            Err(_) => with_type(status, message.to_owned(), "text/plain; charset=utf-8"),
        }
    }
}

/// A body with a status and a content type.
pub fn with_type(status: StatusCode, body: String, content_type: &'static str) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// Renders a page template as a 200 HTML response.
pub fn page<T: Template>(t: &T) -> Result<Response, WebError> {
    Ok(with_type(
        StatusCode::OK,
        t.render()?,
        "text/html; charset=utf-8",
    ))
}

/// A JSON 200 response.
pub fn json<T: serde::Serialize>(v: &T) -> Result<Response, WebError> {
    let body = serde_json::to_string(v).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(with_type(StatusCode::OK, body, "application/json"))
}

/// Runs synchronous store work on the blocking pool, so a long diff never stalls other
/// requests.
pub async fn blocking<F>(f: F) -> Result<Response, WebError>
where
    F: FnOnce() -> Result<Response, WebError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| WebError::Internal(format!("request task failed: {e}")))?
}
