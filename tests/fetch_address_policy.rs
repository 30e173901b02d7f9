//! The address policy as a user meets it: a site's article redirecting to another port or
//! host is not followed or stored, a page cannot start another article's history through its
//! `rel=canonical`, and `emend watch` refuses loopback addresses outside every site.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::fetcher::fetcher;
use common::route::Route;
use common::server::TestServer;
use emend::config::Config;
use emend::error::Error;
use emend::model::ChangeKind;
use emend::pipeline::{CheckOptions, Pipeline};
use emend::store::Store;
use url::Url;

const ALLOW_ALL: &str = "User-agent: *\nAllow: /\n";

fn page(title: &str, text: &str, canonical: Option<&str>) -> Route {
    let link = canonical.map_or(String::new(), |c| {
        format!("<link rel=\"canonical\" href=\"{c}\">")
    });
    Route::html(format!(
        "<!doctype html><html><head><title>{title}</title>{link}</head><body><article><h1>{title}</h1><p>{text}</p></article></body></html>"
    ))
}

/// A pipeline over a fresh store with one site, `local`, whose feed is on `site`.
fn pipeline(dir: &Path, site: &TestServer) -> Pipeline {
    let text = format!(
        "[[site]]\nname = \"local\"\nfeeds = [\"{}\"]\narticle_pattern = '/news/'\nrate = 200\n",
        site.url("/rss")
    );
    let config = Config::parse(&text, &dir.join("sites.toml")).expect("config");
    let store = Store::open(&dir.join("db")).expect("store");
    Pipeline::new(Arc::new(config), fetcher(), store)
}

#[tokio::test]
async fn a_redirect_to_another_port_or_host_is_not_followed_or_stored() {
    let site = TestServer::start("127.0.0.2");
    let internal = TestServer::start("127.0.0.2");
    let elsewhere = TestServer::start("127.0.0.3");
    for s in [&site, &internal, &elsewhere] {
        s.set("/robots.txt", Route::new(200, "text/plain", ALLOW_ALL));
        s.set("/secret", page("Internal", "Internal admin page.", None));
    }
    site.set(
        "/news/1",
        Route::new(302, "text/html", "").header("location", &internal.url("/secret")),
    );
    site.set(
        "/news/2",
        Route::new(302, "text/html", "").header("location", &elsewhere.url("/secret")),
    );
    site.set(
        "/news/3",
        Route::new(302, "text/html", "").header("location", "/news/3b"),
    );
    site.set("/news/3b", page("Three", "Moved within the site.", None));
    let dir = tempfile::tempdir().unwrap();
    let p = pipeline(dir.path(), &site);
    for path in ["/news/1", "/news/2"] {
        let url = site.parsed_url(path);
        let err = p.check(&url, CheckOptions::default()).await.unwrap_err();
        assert!(matches!(err, Error::AddressRefused { .. }), "{err:?}");
        assert!(err.to_string().contains("hosts"), "{err}");
        assert!(p.store().latest(url.as_str()).unwrap().is_none());
    }
    assert!(internal.requests().is_empty(), "{:?}", internal.paths());
    assert!(elsewhere.requests().is_empty(), "{:?}", elsewhere.paths());
    let moved = p
        .check(&site.parsed_url("/news/3"), CheckOptions::default())
        .await
        .expect("a redirect within the site is followed");
    assert_eq!(moved.change, ChangeKind::New);
}

#[tokio::test]
async fn a_page_naming_a_tracked_article_as_canonical_does_not_start_its_history() {
    let site = TestServer::start("127.0.0.2");
    let dir = tempfile::tempdir().unwrap();
    let p = pipeline(dir.path(), &site);
    site.set("/robots.txt", Route::new(200, "text/plain", ALLOW_ALL));
    let real = site.url("/news/real");
    site.set("/news/real", page("Real", "What the newsroom wrote.", None));
    site.set("/news/fake", page("Real", "Fabricated words.", Some(&real)));
    // Both are known from the site's feed before either is read.
    let now = chrono::Utc::now();
    for u in [&real, &site.url("/news/fake")] {
        p.store().ensure_article(u, Some("local"), now).unwrap();
    }
    let fake = p
        .check(&site.parsed_url("/news/fake"), CheckOptions::default())
        .await
        .unwrap();
    assert_eq!(fake.url, site.url("/news/fake"), "keyed by its own URL");
    let first = p
        .check(&Url::parse(&real).unwrap(), CheckOptions::default())
        .await
        .unwrap();
    assert_eq!(first.url, real);
    assert_eq!(
        first.change,
        ChangeKind::New,
        "the real page starts its history"
    );
    let versions = p.store().versions(&real).unwrap();
    assert_eq!(versions.len(), 1);
    assert!(
        versions[0]
            .article
            .text
            .contains("What the newsroom wrote.")
    );
}

#[tokio::test]
async fn a_canonical_on_another_host_is_not_the_key_of_a_sites_page() {
    let site = TestServer::start("127.0.0.2");
    let dir = tempfile::tempdir().unwrap();
    let p = pipeline(dir.path(), &site);
    site.set("/robots.txt", Route::new(200, "text/plain", ALLOW_ALL));
    site.set(
        "/news/1",
        page(
            "One",
            "Claims another host's URL.",
            Some("http://127.0.0.3/news/victim"),
        ),
    );
    let r = p
        .check(&site.parsed_url("/news/1"), CheckOptions::default())
        .await
        .unwrap();
    assert_eq!(r.url, site.url("/news/1"));
    assert!(
        p.store()
            .latest("http://127.0.0.3/news/victim")
            .unwrap()
            .is_none()
    );
}

#[test]
fn watch_refuses_a_loopback_url_outside_every_site() {
    let server = TestServer::start("127.0.0.2");
    server.set("/robots.txt", Route::new(200, "text/plain", ALLOW_ALL));
    server.set("/admin", page("Admin", "Internal.", None));
    let dir = tempfile::tempdir().unwrap();
    let url = server.url("/admin");
    for target in [
        url.as_str(),
        "http://localhost:9/admin",
        "http://[::1]:9/x",
        "http://169.254.169.254/latest",
    ] {
        let out = common::emend(dir.path())
            .args(["--db", "db", "watch", target])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{target} was watched");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("refused by the address policy"),
            "{target}: {err}"
        );
    }
    assert!(server.requests().is_empty(), "{:?}", server.paths());
}
