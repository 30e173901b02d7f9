//! Article identity under concurrency and shared `rel=canonical` links, through
//! `Pipeline::check` in-process against local servers: two URLs of one article checked at
//! once store one version, and distinct articles naming one canonical keep distinct histories.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use common::fetcher::fetcher;
use common::fixture_text;
use common::server::TestServer;
use emend::config::Config;
use emend::model::ChangeKind;
use emend::pipeline::{CheckOptions, CheckReport, Pipeline};
use emend::store::Store;
use tokio::sync::Barrier;
use url::Url;

const SEED_URL: &str = "https://newsroom.example/politics/lachin-district-returned";

/// A seed fixture state whose `rel=canonical` is `canonical` (absolute, or relative to the page).
fn state(name: &str, canonical: &str) -> String {
    fixture_text(&format!("seed/{name}.html")).replace(SEED_URL, canonical)
}

/// Pages served by path, ignoring a trailing slash and the query, so `/news/1`, `/news/1/`
/// and `/news/1?ref=home` are one page. A gated page answers only once `n` requests for it
/// are waiting (at most 5 s), so concurrent checks get their responses together.
#[derive(Default)]
struct Pages {
    html: Mutex<HashMap<String, String>>,
    gates: Mutex<HashMap<String, Arc<Barrier>>>,
}

impl Pages {
    fn set(&self, path: &str, html: String) {
        self.html
            .lock()
            .expect("test helper")
            .insert(path.to_owned(), html);
    }

    /// The next `n` requests for `path` are answered together.
    fn gate(&self, path: &str, n: usize) {
        self.gates
            .lock()
            .expect("test helper")
            .insert(path.to_owned(), Arc::new(Barrier::new(n)));
    }

    fn ungate(&self, path: &str) {
        self.gates.lock().expect("test helper").remove(path);
    }
}

async fn answer(State(pages): State<Arc<Pages>>, uri: Uri) -> Response {
    let path = uri.path().trim_end_matches('/').to_owned();
    let html = pages.html.lock().expect("test helper").get(&path).cloned();
    let Some(html) = html else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let gate = pages.gates.lock().expect("test helper").get(&path).cloned();
    if let Some(gate) = gate {
        let _ = tokio::time::timeout(Duration::from_secs(5), gate.wait()).await;
    }
    Html(html).into_response()
}

fn serve(ip: &str) -> (TestServer, Arc<Pages>) {
    let pages = Arc::new(Pages::default());
    let router = Router::new()
        .fallback(answer)
        .with_state(Arc::clone(&pages));
    (TestServer::with_router(ip, router), pages)
}

fn pipeline(dir: &tempfile::TempDir) -> Pipeline {
    let store = Store::open(&dir.path().join("db")).expect("test helper");
    Pipeline::new(Arc::new(Config::empty()), fetcher(), store)
}

async fn check(p: &Pipeline, url: &str) -> CheckReport {
    // No site is configured: the loopback test servers are reached as a user's one-off
    // check reaches them.
    let opts = CheckOptions {
        anywhere: true,
        ..CheckOptions::default()
    };
    p.check(&Url::parse(url).expect("test helper"), opts)
        .await
        .unwrap_or_else(|e| panic!("check {url}: {e}"))
}

/// Checks `a` and `b` at once, their responses released together.
async fn check_both(p: &Pipeline, a: &str, b: &str) -> (CheckReport, CheckReport) {
    tokio::join!(check(p, a), check(p, b))
}

fn kinds(store: &Store, url: &str) -> Vec<ChangeKind> {
    store
        .versions(url)
        .expect("test helper")
        .iter()
        .map(|v| v.change)
        .collect()
}

/// Pairs of URLs of one article, first checked at once (all pairs together, each pair's
/// responses released together), for `canonical(i)` as the pages' `rel=canonical`: each
/// article must get exactly one version, never a second `new`.
async fn first_checks_at_once(canonical: impl Fn(usize) -> String) {
    const PAIRS: usize = 16;
    let (server, pages) = serve("127.0.0.1");
    let dir = tempfile::tempdir().expect("test helper");
    let p = pipeline(&dir);
    let mut pairs = tokio::task::JoinSet::new();
    for i in 0..PAIRS {
        let path = format!("/news/{i}");
        pages.set(&path, state("v1-original", &canonical(i)));
        pages.gate(&path, 2);
        // Every second pair differs by a query the canonical form keeps, not a slash.
        let alias = if i % 2 == 0 {
            server.url(&format!("{path}/"))
        } else {
            server.url(&format!("{path}?ref=home"))
        };
        let (p, url) = (p.clone(), server.url(&path));
        pairs.spawn(async move { (i, check_both(&p, &url, &alias).await) });
    }
    let mut stored_twice = Vec::new();
    while let Some(done) = pairs.join_next().await {
        let (i, (ra, rb)) = done.expect("test helper");
        let key = server
            .parsed_url(&format!("/news/{i}"))
            .join(&canonical(i))
            .expect("test helper");
        assert_eq!(ra.url, key.as_str(), "pair {i}");
        assert_eq!(rb.url, key.as_str(), "pair {i}: both URLs are one article");
        let kinds = kinds(p.store(), key.as_str());
        if kinds != [ChangeKind::New] {
            stored_twice.push((i, kinds));
            continue;
        }
        let mut changes = [ra.change, rb.change];
        changes.sort_by_key(|c| c.as_str());
        assert_eq!(
            changes,
            [ChangeKind::New, ChangeKind::Unchanged],
            "pair {i}"
        );
        assert_eq!(
            p.store()
                .checks(key.as_str(), 10)
                .expect("test helper")
                .len(),
            2,
            "pair {i}: both checks are in the log"
        );
    }
    assert!(
        stored_twice.is_empty(),
        "one state checked twice at once must be one version; of {PAIRS} articles: {stored_twice:?}"
    );
    assert_eq!(
        p.store().stats().expect("test helper").versions,
        PAIRS as u64
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_urls_of_one_article_checked_at_once_store_one_first_version() {
    first_checks_at_once(|i| format!("/news/{i}")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_urls_of_one_article_with_a_cross_host_canonical_checked_at_once_store_one_version() {
    // The single-source cross-host canonical (bbc.co.uk → bbc.com) still keys the article.
    first_checks_at_once(|i| format!("https://newsroom.example/story/{i}")).await;
}

/// Deterministic: both checks read version 1 before either request is answered, so both
/// compare the edit with version 1. Only one of them may store it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_seen_through_two_urls_at_once_is_stored_once() {
    let (server, pages) = serve("127.0.0.1");
    let dir = tempfile::tempdir().unwrap();
    let p = pipeline(&dir);
    let (a, b) = (server.url("/news/x"), server.url("/news/x/"));
    pages.set("/news/x", state("v1-original", SEED_URL));
    assert_eq!(check(&p, &a).await.change, ChangeKind::New);
    assert_eq!(check(&p, &b).await.change, ChangeKind::Unchanged);
    assert_eq!(p.store().resolve(&b).unwrap().as_deref(), Some(SEED_URL));

    pages.set("/news/x", state("v2-declared-update", SEED_URL));
    pages.gate("/news/x", 2);
    let (ra, rb) = check_both(&p, &a, &b).await;
    let mut changes = [ra.change, rb.change];
    changes.sort_by_key(|c| c.as_str());
    assert_eq!(
        changes,
        [ChangeKind::DeclaredUpdate, ChangeKind::Unchanged],
        "the second check compares again with the version the first stored"
    );
    assert_eq!(
        kinds(p.store(), SEED_URL),
        [ChangeKind::New, ChangeKind::DeclaredUpdate]
    );
    let versions = p.store().versions(SEED_URL).unwrap();
    assert!(versions[1].words_added > 0, "counted against version 1");
    // Both reports name the version now current: version 2.
    for r in [&ra, &rb] {
        assert_eq!(r.version.as_ref().map(|v| v.number), Some(2), "{r:?}");
    }

    pages.ungate("/news/x");
    assert_eq!(check(&p, &a).await.change, ChangeKind::Unchanged);
    assert_eq!(check(&p, &b).await.change, ChangeKind::Unchanged);
    assert_eq!(p.store().versions(SEED_URL).unwrap().len(), 2);
}

const WIRE: &str = "https://wire.example/story/123";

/// Two different articles of one site that both name the wire's URL as canonical.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn articles_naming_one_foreign_canonical_keep_separate_histories() {
    let (server, pages) = serve("127.0.0.1");
    let dir = tempfile::tempdir().unwrap();
    let p = pipeline(&dir);
    pages.set("/news/1", state("v1-original", WIRE));
    pages.set("/news/2", state("v3-silent-edit", WIRE));
    let (u1, u2) = (server.url("/news/1"), server.url("/news/2"));
    for round in 0..3 {
        let (r1, r2) = (check(&p, &u1).await, check(&p, &u2).await);
        let want = if round == 0 {
            ChangeKind::New
        } else {
            ChangeKind::Unchanged
        };
        assert_eq!((r1.change, r2.change), (want, want), "round {round}");
    }
    // The first article claimed the canonical; the other is keyed by its own URL.
    assert_eq!(p.store().resolve(&u1).unwrap().as_deref(), Some(WIRE));
    assert_eq!(
        p.store().resolve(&u2).unwrap().as_deref(),
        Some(u2.as_str())
    );
    assert_eq!(kinds(p.store(), &u1), [ChangeKind::New]);
    assert_eq!(kinds(p.store(), &u2), [ChangeKind::New]);
    let text = |u: &str| p.store().latest(u).unwrap().unwrap().article.text;
    assert_eq!(text(&u1), text(WIRE));
    assert_ne!(text(&u1), text(&u2));
}

/// The same, first checked at once: the one that loses the race to the canonical must not
/// become a version of the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn articles_naming_one_foreign_canonical_checked_at_once_keep_separate_histories() {
    let (server, pages) = serve("127.0.0.1");
    let dir = tempfile::tempdir().unwrap();
    let p = pipeline(&dir);
    pages.set("/news/1", state("v1-original", WIRE));
    pages.set("/news/2", state("v3-silent-edit", WIRE));
    // One gate for both paths: share one barrier.
    let gate = Arc::new(Barrier::new(2));
    for path in ["/news/1", "/news/2"] {
        pages
            .gates
            .lock()
            .unwrap()
            .insert(path.to_owned(), Arc::clone(&gate));
    }
    let (u1, u2) = (server.url("/news/1"), server.url("/news/2"));
    let (r1, r2) = check_both(&p, &u1, &u2).await;
    assert_eq!((r1.change, r2.change), (ChangeKind::New, ChangeKind::New));
    assert_ne!(r1.url, r2.url, "two articles, two records");
    pages.ungate("/news/1");
    pages.ungate("/news/2");
    for _ in 0..2 {
        assert_eq!(check(&p, &u1).await.change, ChangeKind::Unchanged);
        assert_eq!(check(&p, &u2).await.change, ChangeKind::Unchanged);
    }
    assert_eq!(kinds(p.store(), &u1), [ChangeKind::New]);
    assert_eq!(kinds(p.store(), &u2), [ChangeKind::New]);
    let text = |u: &str| p.store().latest(u).unwrap().unwrap().article.text;
    assert_ne!(text(&u1), text(&u2));
}

/// Syndication: two publishers carry the same wire copy, canonical the wire's URL. Each
/// publisher's copy is its own history: an edit by one is not a version of the other's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_on_two_hosts_naming_one_canonical_keep_separate_histories() {
    let (a, pages_a) = serve("127.0.0.2");
    let (b, pages_b) = serve("127.0.0.3");
    let dir = tempfile::tempdir().unwrap();
    let p = pipeline(&dir);
    pages_a.set("/news/1", state("v1-original", WIRE));
    pages_b.set("/world/9", state("v1-original", WIRE));
    let (ua, ub) = (a.url("/news/1"), b.url("/world/9"));
    assert_eq!(check(&p, &ua).await.change, ChangeKind::New);
    assert_eq!(check(&p, &ub).await.change, ChangeKind::New);
    assert_eq!(p.store().resolve(&ua).unwrap().as_deref(), Some(WIRE));
    assert_eq!(
        p.store().resolve(&ub).unwrap().as_deref(),
        Some(ub.as_str())
    );

    // Publisher B edits its copy; A's stays as it was.
    pages_b.set("/world/9", state("v2-declared-update", WIRE));
    for _ in 0..3 {
        check(&p, &ua).await;
        check(&p, &ub).await;
    }
    assert_eq!(kinds(p.store(), &ua), [ChangeKind::New]);
    assert_eq!(
        kinds(p.store(), &ub),
        [ChangeKind::New, ChangeKind::DeclaredUpdate]
    );
}
