//! The check pipeline storing into PostgreSQL (a throw-away cluster per test): the seed
//! article's states are classified and stored exactly as on sled, and two daemons (two
//! pipelines, two connection pools) checking one article through two URLs at once store
//! one version.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Barrier;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse};
use common::fetcher::fetcher;
use common::fixture_text;
use common::postgres::Cluster;
use common::server::TestServer;
use emend::config::Config;
use emend::model::{ChangeKind, Version};
use emend::pipeline::{CheckOptions, Pipeline};
use emend::store::pg::Postgres;
use emend::store::{Archive, Store};
use url::Url;

/// The seed article's canonical URL, which [`serve`] replaces by each page's own path.
const SEED_URL: &str = "https://newsroom.example/politics/lachin-district-returned";

/// One page, the same HTML at every path (the test replaces it between checks), whose
/// `rel=canonical` names the path asked for: each path is its own article, and a query
/// (`?ref=home`) is another way into it. With `pairs`, page requests are answered two at a
/// time, together, so two checks of one article compare before either commits.
fn serve(pairs: bool) -> (TestServer, Arc<Mutex<String>>) {
    let page = Arc::new(Mutex::new(String::new()));
    let gate = pairs.then(|| Arc::new(Barrier::new(2)));
    let router = Router::new()
        .fallback(move |State(page): State<Arc<Mutex<String>>>, uri: Uri| {
            let gate = gate.clone();
            async move {
                if uri.path() == "/robots.txt" {
                    return StatusCode::NOT_FOUND.into_response();
                }
                if let Some(gate) = gate {
                    let _ = tokio::time::timeout(Duration::from_secs(5), gate.wait()).await;
                }
                let html = page.lock().expect("page").replace(SEED_URL, uri.path());
                Html(html).into_response()
            }
        })
        .with_state(Arc::clone(&page));
    (TestServer::with_router("127.0.0.1", router), page)
}

const ONE_OFF: CheckOptions = CheckOptions {
    ignore_robots: false,
    anywhere: true,
    require_article: false,
    outcome_only: false,
};

async fn check<A: Archive>(p: &Pipeline<A>, url: &str) -> ChangeKind {
    let url = Url::parse(url).expect("url");
    p.check(&url, ONE_OFF)
        .await
        .unwrap_or_else(|e| panic!("check {url}: {e}"))
        .change
}

/// What a user compares between engines: everything but the fetch times.
fn comparable(mut versions: Vec<Version>) -> Vec<Version> {
    for v in &mut versions {
        v.fetched_at = chrono::DateTime::UNIX_EPOCH;
    }
    versions
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_states_are_stored_the_same_on_postgres_as_on_sled() {
    let Some(cluster) = Cluster::start("pipeline on postgres") else {
        return;
    };
    let (server, page) = serve(false);
    let dir = tempfile::tempdir().expect("temp dir");
    let config = Arc::new(Config::empty());
    let sled = Pipeline::new(
        config.clone(),
        fetcher(),
        Store::open(&dir.path().join("db")).expect("sled"),
    );
    let pg = Pipeline::new(
        config,
        fetcher(),
        Postgres::connect(&cluster.conninfo).await.expect("pg"),
    );
    let url = server.url("/politics/story");
    let states = [
        ("v1-original", ChangeKind::New),
        ("v1-original", ChangeKind::Unchanged),
        ("v2-declared-update", ChangeKind::DeclaredUpdate),
        ("v3-silent-edit", ChangeKind::SilentEdit),
        ("v4-stamp-only", ChangeKind::StampOnly),
    ];
    for (state, kind) in states {
        *page.lock().expect("page") = fixture_text(&format!("seed/{state}.html"));
        assert_eq!(check(&sled, &url).await, kind, "sled, {state}");
        assert_eq!(check(&pg, &url).await, kind, "postgres, {state}");
    }
    let key = sled
        .store()
        .resolve(&url)
        .expect("resolve")
        .expect("tracked");
    let on_pg = pg.archive().versions(&key).await.expect("pg versions");
    assert_eq!(on_pg.len(), 4);
    assert_eq!(
        comparable(on_pg),
        comparable(sled.store().versions(&key).expect("sled versions"))
    );
    assert_eq!(
        pg.archive().resolve(&url).await.expect("alias").as_deref(),
        Some(key.as_str()),
        "the page's own URL is an alias of its canonical key"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_daemons_checking_one_article_through_two_urls_at_once_store_one_version() {
    let Some(cluster) = Cluster::start("two daemons, one article") else {
        return;
    };
    let (server, page) = serve(true);
    *page.lock().expect("page") = fixture_text("seed/v1-original.html");
    let config = Arc::new(Config::empty());
    let daemon = |_: usize| async {
        Pipeline::new(
            config.clone(),
            fetcher(),
            Postgres::connect(&cluster.conninfo).await.expect("pg"),
        )
    };
    let (a, b) = (daemon(0).await, daemon(1).await);
    for round in 0..8 {
        let path = format!("/news/{round}");
        let (ua, ub) = (server.url(&path), server.url(&format!("{path}?ref=home")));
        let (ka, kb) = tokio::join!(check(&a, &ua), check(&b, &ub));
        let mut kinds = [ka, kb];
        kinds.sort_by_key(|k| k.as_str());
        assert_eq!(
            kinds,
            [ChangeKind::New, ChangeKind::Unchanged],
            "round {round}"
        );
    }
    let counts = a.archive().store_stats().await.expect("counts");
    assert_eq!(counts.versions, 8, "one version per article: {counts:?}");
    assert_eq!(counts.checks, 16, "{counts:?}");
}
