//! A hostile page never stalls the daemon: a review served pages of 150,000 nested `<div>`s
//! (1.65 MB, under the body cap) and parsing them on the async workers stopped every other
//! host's checks and left `/healthz` unanswered for about 40 s.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::fixture_text;
use common::route::Route;
use common::server::TestServer;
use common::tracked;
use emend::config::Config;
use emend::daemon::{self, DaemonOptions};
use emend::model::CheckOutcome;
use emend::store::Store;

const SEED_URL: &str = "https://newsroom.example/politics/lachin-district-returned";

fn site(name: &str, server: &TestServer) -> String {
    server.set("/robots.txt", Route::new(404, "text/plain", "none"));
    let feed = tracked::empty_feed(server);
    let ip = server.addr.ip().to_string().replace('.', "\\.");
    format!(
        "\n[[site]]\nname = \"{name}\"\nfeeds = [\"{}\"]\narticle_pattern = '^http://{ip}:{}/news/'\ninterval = \"1s\"\nmax_interval = \"1s\"\nrate = 20\n",
        feed,
        server.addr.port()
    )
}

fn nested_page(depth: usize) -> String {
    format!(
        "<!doctype html><html><head><title>Deep</title></head><body>{}<p>bottom</p>{}</body></html>",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    )
}

/// Asks `/healthz` on `addr` and returns how long the answer took (panics past 1 s).
async fn healthz(client: &reqwest::Client, addr: std::net::SocketAddr) -> Duration {
    let started = Instant::now();
    let resp = client
        .get(format!("http://{addr}/healthz"))
        .timeout(Duration::from_secs(1))
        .send()
        .await
        .expect("/healthz answers within 1 s while hostile pages are checked");
    assert!(resp.status().is_success(), "/healthz: {}", resp.status());
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deeply_nested_pages_fail_their_checks_while_other_hosts_and_the_web_ui_go_on() {
    let hostile = TestServer::start("127.0.0.2");
    let healthy = TestServer::start("127.0.0.3");
    let deep: Vec<String> = (1..=4)
        .map(|i| hostile.url(&format!("/news/deep-{i}")))
        .collect();
    for i in 1..=4 {
        hostile.set(
            &format!("/news/deep-{i}"),
            Route::html(nested_page(150_000)),
        );
    }
    let fine = healthy.url("/news/fine");
    healthy.set(
        "/news/fine",
        Route::html(fixture_text("seed/v1-original.html").replace(SEED_URL, &fine)),
    );
    let config = format!(
        "[crawler]\nconcurrency = 4\n{}{}",
        site("hostile", &hostile),
        site("healthy", &healthy)
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sites.toml");
    std::fs::write(&path, config).unwrap();
    let config = Arc::new(Config::load(&path).expect("a valid config"));
    let store = Store::open(&dir.path().join("db")).unwrap();
    tracked::due_now(&store, "hostile", &deep);
    tracked::due_now(&store, "healthy", std::slice::from_ref(&fine));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let web = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let daemon = tokio::spawn(daemon::run(
        config,
        store.clone(),
        DaemonOptions {
            listener: Some(listener),
            base_url: None,
        },
        async {
            let _ = stopped.await;
        },
    ));
    let client = reqwest::Client::new();
    // Until the healthy host has been checked three times and every hostile page once
    // (30 s at most: a loaded debug build is slow), asking /healthz every 200 ms.
    let started = Instant::now();
    let pending = || {
        healthy.hits("/news/fine").len() < 3
            || deep
                .iter()
                .any(|u| store.checks(u, 1).map_or(true, |c| c.is_empty()))
    };
    while pending() && started.elapsed() < Duration::from_secs(30) {
        healthz(&client, web).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(15), daemon)
        .await
        .expect("the daemon stops")
        .expect("the daemon task")
        .expect("the daemon ran without error");

    assert!(
        healthy.hits("/news/fine").len() >= 3,
        "the healthy host was checked {} times in 30 s at a 1 s interval",
        healthy.hits("/news/fine").len()
    );
    for url in &deep {
        let checks = store.checks(url, 10).unwrap();
        let reason = checks.iter().find_map(|c| match &c.outcome {
            CheckOutcome::Failed { error } => Some(error.clone()),
            _ => None,
        });
        let reason = reason.unwrap_or_else(|| panic!("{url}: no failed check in {checks:?}"));
        assert!(reason.contains("nested"), "{url}: {reason}");
        assert!(
            store.latest(url).unwrap().is_none(),
            "{url}: a version was stored"
        );
    }
}
