//! `emend daemon` discovery against hostile sitemaps and feeds, as a user runs it: children on
//! other hosts, huge sitemaps, overlong URLs and credentials in a feed URL stay
//! bounded, scoped and unprinted.

mod common;

use std::path::Path;
use std::time::Duration;

use common::daemon::{Daemon, wait_until};
use common::route::Route;
use common::server::TestServer;
use common::{emend, emend_json};

const ALLOW_ALL: &str = "User-agent: *\nAllow: /\n";

fn urlset(urls: impl IntoIterator<Item = String>) -> String {
    let body: String = urls
        .into_iter()
        .map(|u| format!("<url><loc>{u}</loc></url>"))
        .collect();
    format!(
        "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{body}</urlset>"
    )
}

fn index(urls: impl IntoIterator<Item = String>) -> String {
    let body: String = urls
        .into_iter()
        .map(|u| format!("<sitemap><loc>{u}</loc></sitemap>"))
        .collect();
    format!(
        "<?xml version=\"1.0\"?><sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{body}</sitemapindex>"
    )
}

fn write_config(dir: &Path, key: &str, url: &str, pattern: &str) -> std::path::PathBuf {
    let config = dir.join("sites.toml");
    std::fs::write(
        &config,
        format!(
            "[[site]]\nname = \"local\"\n{key} = [\"{url}\"]\narticle_pattern = '{pattern}'\ninterval = \"1h\"\nrate = 200\n"
        ),
    )
    .expect("write sites.toml");
    config
}

/// Stops the daemon and returns what it logged.
fn stop(mut daemon: Daemon) -> String {
    daemon.terminate();
    let status = daemon.wait_exit(Duration::from_secs(15));
    assert!(status.success(), "daemon exited with {status}");
    daemon.stderr()
}

fn listed_urls(dir: &Path, config: &Path) -> Vec<String> {
    let list = emend_json(
        dir,
        &[
            "--config",
            config.to_str().expect("test setup"),
            "--db",
            "db",
            "list",
            "--json",
        ],
    );
    list["articles"]
        .as_array()
        .expect("articles")
        .iter()
        .map(|a| a["url"].as_str().expect("url").to_owned())
        .collect()
}

#[test]
fn sitemap_index_children_on_other_hosts_are_never_fetched() {
    let site = TestServer::start("127.0.0.2");
    let other = TestServer::start("127.0.0.3");
    let dir = tempfile::tempdir().unwrap();
    site.set("/robots.txt", Route::new(200, "text/plain", ALLOW_ALL));
    other.set("/robots.txt", Route::new(200, "text/plain", ALLOW_ALL));
    site.set(
        "/index.xml",
        Route::new(
            200,
            "application/xml",
            index([other.url("/child.xml"), site.url("/own.xml")]),
        ),
    );
    other.set(
        "/child.xml",
        Route::new(200, "application/xml", urlset([site.url("/news/planted")])),
    );
    site.set(
        "/own.xml",
        Route::new(200, "application/xml", urlset([site.url("/news/1")])),
    );
    let config = write_config(dir.path(), "sitemaps", &site.url("/index.xml"), "/news/");
    let daemon = Daemon::spawn(dir.path(), &config, &[], &[], Some("emend=info"));
    wait_until("the site's own child", Duration::from_secs(20), || {
        !site.hits("/own.xml").is_empty()
    });
    std::thread::sleep(Duration::from_millis(300));
    let log = stop(daemon);
    assert!(other.requests().is_empty(), "{:?}", other.paths());
    assert!(log.contains("not on the site's hosts"), "{log}");
}

#[test]
fn overlong_discovered_urls_are_dropped() {
    let site = TestServer::start("127.0.0.2");
    let dir = tempfile::tempdir().unwrap();
    site.set("/robots.txt", Route::new(200, "text/plain", ALLOW_ALL));
    let long = site.url(&format!("/news/{}", "a".repeat(3000)));
    site.set(
        "/sitemap.xml",
        Route::new(
            200,
            "application/xml",
            urlset([long, site.url("/news/short")]),
        ),
    );
    site.set(
        "/news/short",
        Route::html("<html><body><p>Short.</p></body></html>"),
    );
    let config = write_config(dir.path(), "sitemaps", &site.url("/sitemap.xml"), "/news/");
    let daemon = Daemon::spawn(dir.path(), &config, &[], &[], Some("emend=info"));
    wait_until("the short article", Duration::from_secs(20), || {
        !site.hits("/news/short").is_empty()
    });
    std::thread::sleep(Duration::from_millis(300));
    let log = stop(daemon);
    assert_eq!(
        listed_urls(dir.path(), &config),
        vec![site.url("/news/short")]
    );
    assert!(
        site.paths().iter().all(|p| p.len() < 2048),
        "{:?}",
        site.paths()
    );
    assert!(
        log.lines().all(|l| l.len() < 2048),
        "a log line carries the long URL"
    );
}

#[test]
fn a_sitemap_over_the_caps_is_cut_with_a_log_line_and_spread_over_rounds() {
    let site = TestServer::start("127.0.0.2");
    let dir = tempfile::tempdir().unwrap();
    site.set("/robots.txt", Route::new(200, "text/plain", ALLOW_ALL));
    let urls = (0..100_000).map(|i| site.url(&format!("/news/{i}")));
    site.set(
        "/sitemap.xml",
        Route::new(200, "application/xml", urlset(urls)),
    );
    let config = write_config(dir.path(), "sitemaps", &site.url("/sitemap.xml"), "/news/");
    let daemon = Daemon::spawn(dir.path(), &config, &[], &[], Some("emend=info"));
    let mut log = String::new();
    wait_until("the sitemap", Duration::from_secs(30), || {
        !site.hits("/sitemap.xml").is_empty()
    });
    // Articles are checked once the round has recorded them; its summary follows.
    wait_until("a first article check", Duration::from_secs(60), || {
        site.paths().iter().any(|p| p.starts_with("/news/"))
    });
    std::thread::sleep(Duration::from_secs(2));
    log.push_str(&stop(daemon));
    assert!(
        log.contains("sitemap lists more entries than the cap"),
        "{log}"
    );
    assert!(
        log.contains("new-article cap of this round reached"),
        "{log}"
    );
    let round = log
        .lines()
        .find(|l| l.contains("discovery round done"))
        .unwrap_or_else(|| panic!("no round summary in {log}"));
    assert!(round.contains("new=1000"), "{round}");
}

#[test]
fn feed_credentials_never_reach_article_urls_or_the_log() {
    let site = TestServer::start("127.0.0.2");
    let dir = tempfile::tempdir().unwrap();
    site.set("/robots.txt", Route::new(200, "text/plain", ALLOW_ALL));
    site.set(
        "/rss",
        Route::new(
            200,
            "application/rss+xml",
            "<rss version=\"2.0\"><channel><title>t</title><item><link>/news/1</link></item></channel></rss>",
        ),
    );
    site.set(
        "/news/1",
        Route::html("<html><body><p>One.</p></body></html>"),
    );
    let feed = format!("http://reader:s3cr3t@{}/rss", site.addr);
    let config = write_config(dir.path(), "feeds", &feed, "/news/");
    let daemon = Daemon::spawn(dir.path(), &config, &[], &[], Some("emend=debug"));
    wait_until("the article", Duration::from_secs(20), || {
        !site.hits("/news/1").is_empty()
    });
    std::thread::sleep(Duration::from_millis(300));
    let log = stop(daemon);
    assert!(site.hits("/rss")[0].header("authorization").is_some());
    assert!(site.hits("/news/1")[0].header("authorization").is_none());
    assert_eq!(listed_urls(dir.path(), &config), vec![site.url("/news/1")]);
    assert!(!log.contains("s3cr3t"), "{log}");
    let out = emend(dir.path())
        .args(["--config", config.to_str().unwrap(), "--db", "db", "list"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("s3cr3t"));
}

/// Before the bound, one sitemap index listing 50,000 child indexes took the daemon to
/// 544–890 MB: every child was queued, and each child listed 50,000 more.
#[test]
fn a_sitemap_index_of_50000_child_indexes_stays_bounded_in_requests_and_memory() {
    use axum::Router;
    use axum::extract::Path as UrlPath;
    use axum::http::HeaderMap;
    use axum::routing::get;

    const CHILDREN: u64 = 50_000;
    // Index n lists indexes n*50000+1 …: a tree that never ends, built from the Host header.
    // The root lists 50,000; the others 1,000 each, which keeps the test quick in a debug
    // build while every level still lists more than the round may read.
    let tree = |UrlPath(n): UrlPath<u64>, headers: HeaderMap| async move {
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let first = n.saturating_mul(CHILDREN) + 1;
        let listed = if n == 0 { CHILDREN } else { 1_000 };
        let children = (first..first + listed).map(|c| format!("http://{host}/idx/{c}"));
        ([("content-type", "application/xml")], index(children))
    };
    let site = TestServer::with_router(
        "127.0.0.2",
        Router::new()
            .route("/robots.txt", get(|| async { ALLOW_ALL }))
            .route("/idx/{n}", get(tree)),
    );
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "sitemaps", &site.url("/idx/0"), "/news/");
    let daemon = Daemon::spawn(dir.path(), &config, &[], &[], Some("emend=info"));
    wait_until("the sitemap cap", Duration::from_secs(120), || {
        site.paths()
            .iter()
            .filter(|p| p.starts_with("/idx/"))
            .count()
            >= 64
    });
    // Let the round finish what it queued, then look at what it cost.
    std::thread::sleep(Duration::from_secs(3));
    let peak_mib = daemon.peak_rss_kib() / 1024;
    let log = stop(daemon);
    eprintln!("peak resident memory: {peak_mib} MiB");
    let read = site
        .paths()
        .iter()
        .filter(|p| p.starts_with("/idx/"))
        .count();
    assert_eq!(read, 64, "sitemaps read in the round");
    assert!(
        log.contains("sitemaps-per-round cap reached"),
        "the cap is logged: {log}"
    );
    assert!(peak_mib > 0, "the daemon's memory could be read");
    assert!(peak_mib < 150, "peak resident memory {peak_mib} MiB");
}
