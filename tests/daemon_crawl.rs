//! The daemon against two evolving local sites, in-process (issue 4): discovery, politeness
//! measured from the servers' request logs, change classification, no boilerplate versions.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::fixture_text;
use common::route::Route;
use common::server::{Logged, TestServer};
use emend::config::Config;
use emend::daemon::{self, DaemonOptions};
use emend::model::ChangeKind;
use emend::store::Store;

const SEED_URL: &str = "https://newsroom.example/politics/lachin-district-returned";
const RATE: f64 = 4.0;

/// A seed fixture state served as `url`, with a page-wide clock and ads that change on every request.
fn article(state: &str, url: &str, etag: &str) -> Route {
    let html = fixture_text(&format!("seed/{state}.html"))
        .replace(SEED_URL, url)
        .replace("Last update: April 2", "Last update: {{REQ}} April 2")
        .replace("Holiday sale: 40%", "Holiday sale: {{REQ}}%")
        .replace("New smartphone deals", "New smartphone deals ({{REQ}})");
    Route::html(html).header("etag", etag).rotating()
}

fn cyrillic_page(url: &str) -> Route {
    let html = format!(
        "<!DOCTYPE html><html><head><title>Лачинский район возвращён Азербайджану</title>\
         <link rel=\"canonical\" href=\"{url}\"></head><body><header><nav><a href=\"/\">Главная</a></nav></header>\
         <article><h1>Лачинский район возвращён Азербайджану</h1>\
         <p>Лачинский район, расположенный между Нагорным Карабахом и Арменией, стал последним из трёх районов, возвращённых Азербайджану по условиям трёхстороннего заявления о прекращении огня.</p>\
         <p>Президент Ильхам Алиев назвал восстановление контроля над районом историческим достижением и пообещал скорое возвращение жителей.</p>\
         <p>По данным министерства обороны, колонна военной техники вошла в район первого декабря, после двадцати восьми лет оккупации.</p>\
         </article></body></html>"
    );
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(&html);
    Route::new(200, "text/html", bytes.into_owned())
}

fn rss(items: &[String]) -> Route {
    let items: String = items
        .iter()
        .map(|u| format!("<item><title>t</title><link>{u}</link><guid>{u}</guid></item>"))
        .collect();
    Route::new(
        200,
        "application/rss+xml",
        format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>A</title><link>http://a/</link><description>d</description>{items}</channel></rss>"
        ),
    )
}

/// No `rate`+1 requests inside any one-second window.
fn assert_rate(name: &str, log: &[Logged]) {
    let limit = RATE as usize + 1;
    for (i, first) in log.iter().enumerate() {
        let in_window = log[i..]
            .iter()
            .take_while(|r| r.at.duration_since(first.at) < Duration::from_secs(1))
            .count();
        assert!(
            in_window <= limit,
            "{name}: {in_window} requests within one second from {} (limit {limit})",
            first.path
        );
    }
}

async fn wait_for(what: &str, deadline: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn kinds(store: &Store, url: &str) -> Vec<ChangeKind> {
    let key = store
        .resolve(url)
        .expect("test helper")
        .unwrap_or_else(|| url.to_owned());
    store
        .versions(&key)
        .unwrap_or_default()
        .iter()
        .map(|v| v.change)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_crawls_politely_and_classifies_changes() {
    let a = TestServer::start("127.0.0.2");
    let b = TestServer::start("127.0.0.3");
    a.set(
        "/robots.txt",
        Route::new(200, "text/plain", "User-agent: *\nDisallow: /private/\n"),
    );
    b.set("/robots.txt", Route::new(404, "text/plain", "none"));

    let a1 = a.url("/news/a1");
    let a3 = a.url("/news/a3");
    let old_a3 = a.url("/news/old-a3");
    let cyr = a.url("/news/cyr");
    let busy = a.url("/news/busy");
    a.set(
        "/feed.xml",
        rss(&[
            a1.clone(),
            old_a3.clone(),
            cyr.clone(),
            busy.clone(),
            a.url("/private/p1"),
            a.url("/about"),
        ]),
    );
    a.set("/news/a1", article("v1-original", &a1, "\"a1-v1\""));
    a.set(
        "/news/old-a3",
        Route::new(301, "text/html", "").header("location", "/news/a3"),
    );
    a.set("/news/a3", article("v1-original", &a3, "\"a3\""));
    a.set("/news/cyr", cyrillic_page(&cyr));
    a.set(
        "/news/busy",
        Route::new(429, "text/html", "slow down").header("retry-after", "2"),
    );
    a.set(
        "/private/p1",
        article("v1-original", &a.url("/private/p1"), "\"p\""),
    );

    let b1 = b.url("/news/b1");
    let b2 = b.url("/news/b2");
    b.set(
        "/sitemap.xml",
        Route::new(200, "application/xml", format!(
            "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><url><loc>{b1}</loc><lastmod>2020-12-02</lastmod></url></urlset>"
        )),
    );
    b.set("/", Route::html("<html><body><a href=\"/news/b2\">B2</a> <a href=\"/contact\">Contact</a></body></html>"));
    b.set("/news/b1", article("v1-original", &b1, "\"b1\""));
    b.set("/news/b2", article("v2-declared-update", &b2, "\"b2\""));

    let dir = tempfile::tempdir().unwrap();
    let config_text = format!(
        "[crawler]\nuser_agent = \"emend-test/1.0\"\nconcurrency = 4\n\n\
         [[site]]\nname = \"a\"\nfeeds = [\"{}\"]\narticle_pattern = '^http://127\\.0\\.0\\.2:{}/(news|private)/'\ninterval = \"1s\"\nmax_interval = \"2s\"\nrate = {RATE}\n\n\
         [[site]]\nname = \"b\"\nsitemaps = [\"{}\"]\nstart_urls = [\"{}\"]\narticle_pattern = '^http://127\\.0\\.0\\.3:{}/news/'\ninterval = \"1s\"\nmax_interval = \"2s\"\nrate = {RATE}\n",
        a.url("/feed.xml"),
        a.addr.port(),
        b.url("/sitemap.xml"),
        b.url("/"),
        b.addr.port()
    );
    let config_path = dir.path().join("sites.toml");
    std::fs::write(&config_path, &config_text).unwrap();
    let config = Arc::new(Config::load(&config_path).unwrap());
    let store = Store::open(&dir.path().join("db")).unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let web = format!("http://{}", listener.local_addr().unwrap());
    let options = DaemonOptions {
        listener: Some(listener),
        base_url: Some(web.clone()),
    };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let daemon = tokio::spawn(daemon::run(config, store.clone(), options, async {
        let _ = stop_rx.await;
    }));

    // The busy article answers 429 once; after that it is an ordinary page.
    wait_for("the 429", Duration::from_secs(20), || {
        !a.hits("/news/busy").is_empty()
    })
    .await;
    a.set("/news/busy", article("v1-original", &busy, "\"busy\""));
    let all_new = [&a1, &a3, &cyr, &busy, &b1, &b2];
    wait_for(
        "every article's first version",
        Duration::from_secs(20),
        || all_new.iter().all(|u| kinds(&store, u).len() == 1),
    )
    .await;

    // The article evolves; each state must be classified as such.
    for (state, etag, want) in [
        ("v2-declared-update", "\"a1-v2\"", 2),
        ("v3-silent-edit", "\"a1-v3\"", 3),
        ("v4-stamp-only", "\"a1-v4\"", 4),
    ] {
        a.set("/news/a1", article(state, &a1, etag));
        wait_for(state, Duration::from_secs(15), || {
            kinds(&store, &a1).len() == want
        })
        .await;
    }
    // Boilerplate-only changes (new ads, new page clock, comments) make no version.
    a.set("/news/a1", article("v5-boilerplate", &a1, "\"a1-v5\""));
    let hits = a.hits("/news/a1").len();
    wait_for("two more checks of a1", Duration::from_secs(15), || {
        a.hits("/news/a1").len() >= hits + 2
    })
    .await;
    // The rotating page clock and ads on b1 never make versions either.
    wait_for("re-checks of b1", Duration::from_secs(10), || {
        b.hits("/news/b1").len() >= 3
    })
    .await;

    // The daemon serves the web UI while it crawls: its API and its per-host figures.
    let client = reqwest::Client::new();
    let get = |path: &str| {
        let req = client.get(format!("{web}{path}"));
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    let list: serde_json::Value = serde_json::from_str(&get("/api/list").await).unwrap();
    assert_eq!(list["articles"].as_array().unwrap().len(), 6, "{list}");
    let metrics = get("/metrics").await;
    assert!(
        metrics.contains("emend_host_errors_total{host=\"127.0.0.2\"}"),
        "{metrics}"
    );

    let _ = stop_tx.send(());
    tokio::time::timeout(Duration::from_secs(12), daemon)
        .await
        .expect("daemon stops within the drain timeout")
        .unwrap()
        .unwrap();

    assert_eq!(
        kinds(&store, &a1),
        [
            ChangeKind::New,
            ChangeKind::DeclaredUpdate,
            ChangeKind::SilentEdit,
            ChangeKind::StampOnly
        ]
    );
    assert_eq!(
        kinds(&store, &b1),
        [ChangeKind::New],
        "boilerplate made a version"
    );
    // One article, one record: the redirecting alias answers for its target.
    assert_eq!(
        store.resolve(&old_a3).unwrap().as_deref(),
        Some(a3.as_str())
    );
    let listed: Vec<String> = store
        .list(None, 100)
        .unwrap()
        .into_iter()
        .map(|r| r.url)
        .collect();
    let mut expected: Vec<String> = [&a1, &a3, &busy, &cyr, &b1, &b2]
        .iter()
        .map(|s| s.to_string())
        .collect();
    expected.sort();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    assert_eq!(
        listed_sorted, expected,
        "each article discovered once; /about and /contact filtered out"
    );
    // windows-1251 without any declared charset decodes to Cyrillic.
    let cyr_text = store.latest(&cyr).unwrap().unwrap().article.text;
    assert!(cyr_text.contains("Лачинский район"), "{cyr_text}");

    for (name, server) in [("a", &a), ("b", &b)] {
        let log = server.requests();
        assert_eq!(log[0].path, "/robots.txt", "{name}: robots.txt first");
        assert_eq!(
            log.iter().filter(|r| r.path == "/robots.txt").count(),
            1,
            "{name}: robots cached"
        );
        assert_rate(name, &log);
    }
    let log = a.requests();
    assert!(
        log.iter().all(|r| !r.path.starts_with("/private/")),
        "disallowed path requested"
    );
    assert!(
        a.hits("/news/a1")
            .iter()
            .any(|r| r.headers.contains_key("if-none-match")),
        "re-checks are conditional"
    );
    // After the 429, the whole host waits out Retry-After.
    let first_429 = a.hits("/news/busy")[0].at;
    let during = log
        .iter()
        .filter(|r| {
            r.at > first_429 + Duration::from_millis(50)
                && r.at < first_429 + Duration::from_millis(1900)
        })
        .count();
    assert_eq!(during, 0, "host A was requested during Retry-After");
}
