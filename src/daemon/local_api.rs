//! The daemon's local socket: while the daemon holds the database (sled allows one
//! process), `emend history`, `diff`, `checks`, `list` and `reextract` read through it
//! instead, and `emend watch` asks it to watch a URL.
//!
//! It serves raw model records and stored response bodies on a Unix socket inside the
//! database directory, so only users who can read the database can query it (or, through
//! `POST /watch`, add a URL to the schedule, which `emend watch` could do to the database
//! itself when no daemon runs).

use std::path::{Path, PathBuf};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{
    Json, Router,
    routing::{get, post},
};
use serde::Deserialize;

use std::sync::Arc;

use super::Shared;
use super::watchlist;
use crate::error::Error;

/// File name of the socket inside the database directory.
pub const SOCKET_NAME: &str = "daemon.sock";

/// Where the daemon holding the database at `db` listens.
pub fn socket_path(db: &Path) -> PathBuf {
    db.join(SOCKET_NAME)
}

#[derive(Deserialize)]
struct UrlQuery {
    url: String,
}

#[derive(Deserialize)]
struct ChecksQuery {
    url: String,
    limit: Option<usize>,
}

#[derive(Deserialize)]
struct HashQuery {
    hash: String,
}

#[derive(Deserialize)]
struct PageQuery {
    after: Option<String>,
    limit: Option<usize>,
}

/// The routes: `/versions?url=` → `[canonical, [Version]]`, `/checks?url=&limit=` →
/// `[canonical, [Check]]` (newest first), `/articles?after=&limit=` → `[ArticleRecord]`,
/// `/body?hash=` → the raw body, or 204 when none is stored under `hash`;
/// `POST /watch?url=` → the URL's new [`ScheduleState`](crate::store::ScheduleState), due
/// now; `POST /unwatch?url=` → whether it was scheduled; `POST /forget?url=` → what
/// [`Store::forget`](crate::store::Store::forget) removed, or null.
fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/versions", get(versions))
        .route("/checks", get(checks))
        .route("/articles", get(articles))
        .route("/body", get(body))
        .route("/watch", post(watch_url))
        .route("/unwatch", post(unwatch_url))
        .route("/forget", post(forget_url))
        .with_state(shared)
}

async fn watch_url(State(shared): State<Arc<Shared>>, Query(q): Query<UrlQuery>) -> Response {
    let url = match crate::fetch::parse_article_url(&q.url) {
        Ok(u) => u,
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    let now = chrono::Utc::now();
    match watchlist::watch(
        shared.store(),
        &shared.config,
        &url,
        now,
        watchlist::FirstCheck::Now,
    ) {
        Ok(state) => {
            tracing::info!(url = %url, "watching by request");
            shared.wake.notify_one();
            Json(state).into_response()
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn unwatch_url(State(shared): State<Arc<Shared>>, Query(q): Query<UrlQuery>) -> Response {
    match watchlist::unwatch(shared.store(), &q.url) {
        Ok(found) => Json(found).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn forget_url(State(shared): State<Arc<Shared>>, Query(q): Query<UrlQuery>) -> Response {
    match shared.store().forget(&q.url) {
        Ok(found) => Json(found).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn versions(State(shared): State<Arc<Shared>>, Query(q): Query<UrlQuery>) -> Response {
    let found = shared.store().resolve(&q.url).and_then(|key| match key {
        Some(k) => shared.store().versions(&k).map(|v| Some((k, v))),
        None => Ok(None),
    });
    match found {
        Ok(Some((key, versions))) if !versions.is_empty() => Json((key, versions)).into_response(),
        Ok(_) => (
            StatusCode::NOT_FOUND,
            Error::NotTracked { url: q.url }.to_string(),
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn checks(State(shared): State<Arc<Shared>>, Query(q): Query<ChecksQuery>) -> Response {
    let limit = q.limit.unwrap_or(usize::MAX);
    let found = shared.store().resolve(&q.url).and_then(|key| match key {
        Some(k) => shared.store().checks(&k, limit).map(|c| Some((k, c))),
        None => Ok(None),
    });
    match found {
        Ok(Some(found)) => Json(found).into_response(),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            Error::NotTracked { url: q.url }.to_string(),
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn body(State(shared): State<Arc<Shared>>, Query(q): Query<HashQuery>) -> Response {
    // Not 404: that is also what a daemon too old to have this route answers, and a client
    // must not mistake it for "no body stored".
    match shared.store().raw_body(&q.hash) {
        Ok(Some(bytes)) => (
            [(axum::http::header::CONTENT_TYPE, "application/octet-stream")],
            bytes,
        )
            .into_response(),
        Ok(None) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn articles(State(shared): State<Arc<Shared>>, Query(q): Query<PageQuery>) -> Response {
    let limit = q.limit.unwrap_or(1000).min(10_000);
    match shared.store().list(q.after.as_deref(), limit) {
        Ok(list) => Json(list).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// Serves [`router`] on the database's socket until `shutdown`, then removes the socket.
#[cfg(unix)]
pub(super) async fn serve(
    shared: Arc<Shared>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let path = socket_path(shared.store().path());
    // We hold the database lock, so a socket left here belongs to a daemon that died.
    let _ = std::fs::remove_file(&path);
    let listener = match tokio::net::UnixListener::bind(&path) {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "no local socket: history/diff/list/reextract cannot read the db while the daemon runs");
            return;
        }
    };
    if let Err(e) = axum::serve(listener, router(shared))
        .with_graceful_shutdown(shutdown)
        .await
    {
        tracing::warn!(error = %e, "local socket stopped");
    }
    let _ = std::fs::remove_file(&path);
}

/// Without Unix sockets there is no local API; readers get the "in use" error.
#[cfg(not(unix))]
pub(super) async fn serve(
    _shared: Arc<Shared>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    shutdown.await;
}
