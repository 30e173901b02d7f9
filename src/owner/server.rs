//! The owner's socket: the routes other emend processes use while this one holds the
//! database, served to the same user only.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, oneshot};

use super::actions;
use super::holder::Holder;
use crate::config::Config;
use crate::error::Error;
use crate::pipeline::Pipeline;
use crate::store::Store;
use crate::watchlist::{self, FirstCheck};
use crate::web::{self, WebOptions};

/// What the socket serves from: the database, and for a long-running owner the means to
/// check URLs and run web UIs for its clients.
pub struct Owner {
    me: Holder,
    store: Store,
    /// Long-running owners only: checks for `snapshot` and `watch` clients.
    checks: Option<(Pipeline, Arc<Config>)>,
    /// The daemon's queue: a watched URL is handed to it, due now, instead of checked here.
    wake: Option<Arc<Notify>>,
    /// Options of the web UIs started for `serve` clients (the daemon's metrics).
    web: WebOptions,
    /// Those web UIs, each stopped by its sender.
    webs: Mutex<HashMap<SocketAddr, oneshot::Sender<()>>>,
}

impl Owner {
    /// An owner about to let go (a one-shot command): it answers reads only.
    pub fn reads_only(store: Store, command: &str) -> Owner {
        Owner::build(Holder::me(command, false), store, None)
    }

    /// An owner that runs until stopped: it also checks URLs with `pipeline` (its
    /// politeness, its fetcher) and starts web UIs for its clients.
    pub fn long_running(pipeline: Pipeline, config: Arc<Config>, command: &str) -> Owner {
        let store = pipeline.store().clone();
        Owner::build(Holder::me(command, true), store, Some((pipeline, config)))
    }

    fn build(me: Holder, store: Store, checks: Option<(Pipeline, Arc<Config>)>) -> Owner {
        Owner {
            me,
            store,
            checks,
            wake: None,
            web: WebOptions::default(),
            webs: Mutex::new(HashMap::new()),
        }
    }

    /// Watched URLs go on the schedule due now and `wake` is notified, rather than being
    /// checked at once: the daemon's queue checks them at its hosts' pace.
    pub fn with_wake(mut self, wake: Arc<Notify>) -> Owner {
        self.wake = Some(wake);
        self
    }

    /// Web UIs started for clients use `web` (its metrics; the base URL is the client's).
    pub fn with_web(mut self, web: WebOptions) -> Owner {
        self.web = web;
        self
    }

    /// Stops every web UI started for a client.
    pub(super) fn stop_webs(&self) {
        let mut webs = self.webs.lock().unwrap_or_else(|p| p.into_inner());
        for (_, stop) in webs.drain() {
            let _ = stop.send(());
        }
    }
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
struct DeliveriesQuery {
    #[serde(default)]
    failed: bool,
}

#[derive(Deserialize)]
struct PageQuery {
    after: Option<String>,
    limit: Option<usize>,
}

#[derive(Deserialize)]
struct SnapshotQuery {
    url: String,
    #[serde(default)]
    ignore_robots: bool,
    /// Store the page even when it has no article body.
    #[serde(default)]
    force: bool,
}

#[derive(Deserialize)]
struct WebQuery {
    listen: SocketAddr,
    base_url: Option<String>,
}

#[derive(Deserialize)]
struct WebStopQuery {
    addr: SocketAddr,
}

/// The address a web UI started for a client listens on.
#[derive(Debug, Serialize, Deserialize)]
pub struct WebReply {
    /// The bound address (the port chosen when the client asked for port 0).
    pub addr: SocketAddr,
}

/// The routes. Reads: `/hello` → [`Holder`], `/versions?url=` → `[canonical, [Version]]`,
/// `/checks?url=&limit=` → `[canonical, [Check]]` (newest first), `/articles?after=&limit=`
/// → `[ArticleRecord]`, `/body?hash=` → the raw body, or 204 when none is stored,
/// `/deliveries?failed=` → the outbox's pending (or given-up) `[Delivery]`. Actions,
/// long-running owners only (others answer 503): `POST /snapshot?url=&ignore_robots=&force=` →
/// [`actions::SnapshotReply`], `POST /watch?url=` → [`actions::WatchReply`], `POST
/// /unwatch?url=` → whether it was scheduled, `POST /forget?url=` → what
/// [`Store::forget`](crate::store::Store::forget) removed, or null, `POST /web?listen=&base_url=` → [`WebReply`],
/// `POST /web/stop?addr=` → whether it ran.
pub(super) fn router(owner: Arc<Owner>) -> Router {
    Router::new()
        .route("/hello", get(hello))
        .route("/versions", get(versions))
        .route("/checks", get(checks))
        .route("/articles", get(articles))
        .route("/body", get(body))
        .route("/deliveries", get(deliveries))
        .route("/snapshot", post(snapshot))
        .route("/watch", post(watch_url))
        .route("/unwatch", post(unwatch_url))
        .route("/forget", post(forget_url))
        .route("/web", post(start_web))
        .route("/web/stop", post(stop_web))
        .with_state(owner)
}

fn failed(e: &Error) -> Response {
    let status = if e.is_usage() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    (status, e.to_string()).into_response()
}

fn not_tracked(url: String) -> Response {
    (StatusCode::NOT_FOUND, Error::NotTracked { url }.to_string()).into_response()
}

/// What a one-shot owner answers to an action: the client waits for the database instead.
fn one_shot(owner: &Owner) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        format!("{} answers reads only", owner.me.describe()),
    )
        .into_response()
}

async fn hello(State(owner): State<Arc<Owner>>) -> Json<Holder> {
    Json(owner.me.clone())
}

async fn versions(State(owner): State<Arc<Owner>>, Query(q): Query<UrlQuery>) -> Response {
    let store = &owner.store;
    let found = store.resolve(&q.url).and_then(|key| match key {
        Some(k) => store.versions(&k).map(|v| Some((k, v))),
        None => Ok(None),
    });
    match found {
        Ok(Some((key, versions))) if !versions.is_empty() => Json((key, versions)).into_response(),
        Ok(_) => not_tracked(q.url),
        Err(e) => failed(&e),
    }
}

async fn checks(State(owner): State<Arc<Owner>>, Query(q): Query<ChecksQuery>) -> Response {
    let limit = q.limit.unwrap_or(usize::MAX);
    let store = &owner.store;
    let found = store.resolve(&q.url).and_then(|key| match key {
        Some(k) => store.checks(&k, limit).map(|c| Some((k, c))),
        None => Ok(None),
    });
    match found {
        Ok(Some(found)) => Json(found).into_response(),
        Ok(None) => not_tracked(q.url),
        Err(e) => failed(&e),
    }
}

async fn body(State(owner): State<Arc<Owner>>, Query(q): Query<HashQuery>) -> Response {
    // Not 404: that is also what an owner too old to have this route answers, and a client
    // must not mistake it for "no body stored".
    match owner.store.raw_body(&q.hash) {
        Ok(Some(bytes)) => (
            [(axum::http::header::CONTENT_TYPE, "application/octet-stream")],
            bytes,
        )
            .into_response(),
        Ok(None) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => failed(&e),
    }
}

async fn deliveries(State(owner): State<Arc<Owner>>, Query(q): Query<DeliveriesQuery>) -> Response {
    match owner.store.deliveries(q.failed) {
        Ok(list) => Json(list).into_response(),
        Err(e) => failed(&e),
    }
}

async fn articles(State(owner): State<Arc<Owner>>, Query(q): Query<PageQuery>) -> Response {
    let limit = q.limit.unwrap_or(1000).min(10_000);
    match owner.store.list(q.after.as_deref(), limit) {
        Ok(list) => Json(list).into_response(),
        Err(e) => failed(&e),
    }
}

async fn snapshot(State(owner): State<Arc<Owner>>, Query(q): Query<SnapshotQuery>) -> Response {
    let Some((pipeline, _)) = &owner.checks else {
        return one_shot(&owner);
    };
    let url = match crate::fetch::parse_article_url(&q.url) {
        Ok(u) => u,
        Err(e) => return failed(&e),
    };
    match actions::snapshot(pipeline, &url, q.ignore_robots, q.force).await {
        Ok(reply) => Json(reply).into_response(),
        // The client prints the message as its own: it is the same error it would have met.
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()).into_response(),
    }
}

async fn watch_url(State(owner): State<Arc<Owner>>, Query(q): Query<UrlQuery>) -> Response {
    let Some((pipeline, config)) = &owner.checks else {
        return one_shot(&owner);
    };
    let url = match crate::fetch::parse_article_url(&q.url) {
        Ok(u) => u,
        Err(e) => return failed(&e),
    };
    // The daemon fetches for whoever can reach its socket: a URL outside the configured
    // sites' reach (a loopback, private or link-local address) is refused before it is
    // scheduled, as `emend watch` without a daemon refuses it at its first check.
    if owner.wake.is_some() {
        let scope = crate::fetch::Scope::for_article(config, None, &url);
        if let Err(e) = pipeline.fetcher().check_address(&url, &scope).await {
            return (StatusCode::FORBIDDEN, e.to_string()).into_response();
        }
    }
    let reply = match &owner.wake {
        Some(wake) => watchlist::watch(
            &owner.store,
            config,
            &url,
            chrono::Utc::now(),
            FirstCheck::Now,
        )
        .await
        .map(|state| {
            wake.notify_one();
            actions::WatchReply {
                url: url.to_string(),
                state,
            }
        }),
        None => actions::watch_checked(pipeline, config, &url).await,
    };
    match reply {
        Ok(reply) => {
            tracing::info!(url = %url, "watching by request");
            Json(reply).into_response()
        }
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()).into_response(),
    }
}

async fn unwatch_url(State(owner): State<Arc<Owner>>, Query(q): Query<UrlQuery>) -> Response {
    if owner.checks.is_none() {
        return one_shot(&owner);
    }
    match watchlist::unwatch(&owner.store, &q.url).await {
        Ok(found) => Json(found).into_response(),
        Err(e) => failed(&e),
    }
}

async fn forget_url(State(owner): State<Arc<Owner>>, Query(q): Query<UrlQuery>) -> Response {
    if owner.checks.is_none() {
        return one_shot(&owner);
    }
    match owner.store.forget(&q.url) {
        Ok(found) => Json(found).into_response(),
        Err(e) => failed(&e),
    }
}

/// Serves the web UI on `listen` from this process, for an `emend serve` started while
/// this one holds the database, until that client asks to stop it or this owner stops.
async fn start_web(State(owner): State<Arc<Owner>>, Query(q): Query<WebQuery>) -> Response {
    if owner.checks.is_none() {
        return one_shot(&owner);
    }
    let listener = match tokio::net::TcpListener::bind(q.listen).await {
        Ok(l) => l,
        Err(e) => {
            let msg = format!("cannot listen on {}: {e}", q.listen);
            return (StatusCode::UNPROCESSABLE_ENTITY, msg).into_response();
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    let base_url = q
        .base_url
        .or_else(|| (!addr.ip().is_unspecified()).then(|| format!("http://{addr}")));
    let options = WebOptions {
        base_url,
        ..owner.web.clone()
    };
    let router = web::router(owner.store.clone(), options);
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    owner
        .webs
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(addr, stop_tx);
    tokio::spawn(async move {
        let stop = async {
            let _ = stop_rx.await;
        };
        if let Err(e) = web::serve_router(listener, router, stop).await {
            tracing::warn!(error = %e, "web UI for a client stopped");
        }
    });
    tracing::info!(%addr, "serving the web UI on http://{addr}/ for `emend serve`");
    Json(WebReply { addr }).into_response()
}

async fn stop_web(State(owner): State<Arc<Owner>>, Query(q): Query<WebStopQuery>) -> Response {
    let stop = owner
        .webs
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&q.addr);
    let found = stop.is_some_and(|s| s.send(()).is_ok());
    Json(found).into_response()
}

impl Owner {
    /// The database directory.
    pub(super) fn store_path(&self) -> &std::path::Path {
        self.store.path()
    }
}
