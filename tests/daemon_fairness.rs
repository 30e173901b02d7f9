//! The daemon stays polite and fair: a site's `rate` still bounds its article hosts after a
//! restart (a review found it fell back to the default), and hosts answering 429 with a
//! long Retry-After are left alone while a healthy host keeps being checked.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::fixture_text;
use common::route::Route;
use common::server::TestServer;
use common::tracked;
use emend::config::Config;
use emend::daemon::{self, DaemonOptions};
use emend::store::Store;

const SEED_URL: &str = "https://newsroom.example/politics/lachin-district-returned";

fn page(url: &str) -> Route {
    Route::html(fixture_text("seed/v1-original.html").replace(SEED_URL, url))
}

/// A site reading `feed` (which lists nothing: the articles are already in the store),
/// whose articles are the URLs of `articles`' host and port.
fn site(name: &str, feed: &str, articles: &TestServer, rate: f64) -> String {
    let ip = articles.addr.ip().to_string().replace('.', "\\.");
    format!(
        "\n[[site]]\nname = \"{name}\"\nfeeds = [\"{feed}\"]\narticle_pattern = '^http://{ip}:{}/news/'\nhosts = [\"{}\"]\ninterval = \"1s\"\nmax_interval = \"1s\"\nrate = {rate:?}\n",
        articles.addr.port(),
        articles.addr
    )
}

async fn run_daemon_for(config: &str, dir: &std::path::Path, store: Store, run: Duration) {
    let path = dir.join("sites.toml");
    std::fs::write(&path, config).expect("write sites.toml");
    let config = Arc::new(Config::load(&path).expect("a valid config"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let daemon = tokio::spawn(daemon::run(
        config,
        store,
        DaemonOptions::default(),
        async {
            let _ = stopped.await;
        },
    ));
    tokio::time::sleep(run).await;
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(15), daemon)
        .await
        .expect("the daemon stops")
        .expect("the daemon task")
        .expect("the daemon ran without error");
}

/// The shipped sites.toml has this shape: the feed on one host, the articles on another,
/// `rate = 0.5`. After a restart no article is "first seen", and the article host fell
/// back to the 1 request/s default.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_site_rate_bounds_article_hosts_after_a_restart() {
    let feeds = TestServer::start("127.0.0.2");
    let articles = TestServer::start("127.0.0.3");
    articles.set("/robots.txt", Route::new(404, "text/plain", "none"));
    feeds.set("/robots.txt", Route::new(404, "text/plain", "none"));
    let urls: Vec<String> = (1..=4)
        .map(|i| articles.url(&format!("/news/{i}")))
        .collect();
    for (i, u) in urls.iter().enumerate() {
        articles.set(&format!("/news/{}", i + 1), page(u));
    }
    let config = site("s", &tracked::empty_feed(&feeds), &articles, 0.5);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    tracked::due_now(&store, "s", &urls);

    run_daemon_for(&config, dir.path(), store, Duration::from_secs(7)).await;

    let times: Vec<Instant> = articles.requests().iter().map(|r| r.at).collect();
    assert!(
        times.len() >= 3,
        "too few requests to judge: {}",
        times.len()
    );
    for w in times.windows(2) {
        let gap = w[1].duration_since(w[0]);
        assert!(
            gap >= Duration::from_millis(1900),
            "requests {gap:?} apart on a host limited to 0.5/s"
        );
    }
}

/// Three hosts answer every article with 429 and `Retry-After: 300`; the daemon has two
/// concurrency slots. The held hosts get no further article request during the hold, and
/// the healthy host is re-checked every second throughout. (That a check dispatched just
/// before a hold gives its slot back instead of sleeping on it is pinned down by
/// `fetch_politeness::a_long_retry_after_is_reported_at_once_not_slept`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosts_asking_to_retry_later_are_left_alone_while_others_are_served() {
    let mut config = String::from("[crawler]\nconcurrency = 2\n");
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    let mut held = Vec::new();
    for i in 0..3 {
        let s = TestServer::start(&format!("127.0.0.{}", 4 + i));
        s.set("/robots.txt", Route::new(404, "text/plain", "none"));
        let urls: Vec<String> = (1..=3).map(|k| s.url(&format!("/news/{k}"))).collect();
        for k in 1..=3 {
            s.set(
                &format!("/news/{k}"),
                Route::new(429, "text/html", "slow down").header("retry-after", "300"),
            );
        }
        let name = format!("held{i}");
        config += &site(&name, &tracked::empty_feed(&s), &s, 20.0);
        tracked::due_now(&store, &name, &urls);
        held.push(s);
    }
    let healthy = TestServer::start("127.0.0.7");
    healthy.set("/robots.txt", Route::new(404, "text/plain", "none"));
    let url = healthy.url("/news/1");
    healthy.set("/news/1", page(&url));
    config += &site("healthy", &tracked::empty_feed(&healthy), &healthy, 20.0);
    tracked::due_now(&store, "healthy", std::slice::from_ref(&url));

    run_daemon_for(&config, dir.path(), store, Duration::from_secs(8)).await;

    let checks = healthy.hits("/news/1").len();
    assert!(
        checks >= 3,
        "the healthy host (re-checked every second) was checked {checks} times in 8 s"
    );
    for s in &held {
        // Each held host: its first article answered 429, then nothing until Retry-After.
        let article_hits = s
            .requests()
            .iter()
            .filter(|r| r.path.starts_with("/news/"))
            .count();
        assert!(
            article_hits <= 2,
            "{}: {article_hits} article requests during the hold",
            s.addr
        );
    }
}
