//! The commands beyond the crawl on a real PostgreSQL (a throw-away cluster per test), run as
//! the binary a user runs: the web UI from `serve` and from the daemon's `--listen`, and the
//! archive commands (watch, forget, export, import, reextract, verify).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::daemon::{Daemon, local_site};
use common::postgres::Cluster;
use common::route::Route;
use common::server::TestServer;

/// A news host serving the seed article at `/news/story`.
fn news_site() -> (TestServer, String) {
    let site = TestServer::start("127.0.0.1");
    site.set(
        "/news/story",
        Route::new(
            200,
            "text/html",
            common::fixture_text("seed/v1-original.html"),
        ),
    );
    let url = site.url("/news/story");
    (site, url)
}

/// `GET base+path`: status and body.
async fn get(base: &str, path: &str) -> (u16, String) {
    let resp = reqwest::get(format!("{base}{path}")).await.expect("GET");
    let status = resp.status().as_u16();
    (status, resp.text().await.expect("body"))
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Kills `child` when dropped, so a failing test leaves no server behind.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `emend --db DB serve --listen 127.0.0.1:0` in `dir`: the process and its base URL.
fn spawn_serve(db: &str, dir: &std::path::Path) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_emend"))
        .env_clear()
        .env("RUST_LOG", "off")
        .current_dir(dir)
        .args(["--db", db, "serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start emend serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let addr = line
        .strip_prefix("listening on ")
        .and_then(|r| r.split('/').nth(2))
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (Running(child), format!("http://{addr}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_postgres_answers_pages_apis_and_feeds_and_two_run_at_once() {
    let Some(cluster) = Cluster::start("serve on postgres") else {
        return;
    };
    let (_site, url) = news_site();
    let work = tempfile::tempdir().expect("temp dir");
    let db = cluster.url();
    let stored = common::emend_json(work.path(), &["--db", &db, "snapshot", &url, "--json"]);
    // Filed under the page's canonical URL.
    let url = stored["url"].as_str().expect("url").to_owned();

    // No owner on PostgreSQL: a second serve reads the database itself.
    let (_first, base) = spawn_serve(&db, work.path());
    let (_second, other) = spawn_serve(&db, work.path());
    for base in [&base, &other] {
        let (status, list) = get(base, "/api/list").await;
        assert_eq!(status, 200, "{list}");
        assert!(list.contains(&url), "{list}");
    }
    let (status, history) = get(&base, &format!("/api/history?url={}", enc(&url))).await;
    assert_eq!(status, 200, "{history}");
    let history: serde_json::Value = serde_json::from_str(&history).expect("JSON");
    assert_eq!(history["versions"][0]["change"], "new", "{history}");
    let (status, page) = get(&base, &format!("/article?url={}", enc(&url))).await;
    assert_eq!(status, 200, "{page}");
    let (status, feed) = get(&base, "/feed.atom").await;
    assert!(status == 200 && feed.contains("<entry>"), "{feed}");
    assert_eq!(get(&base, "/healthz").await, (200, "ok\n".to_owned()));
    let (status, _) = get(&base, "/article?url=https%3A%2F%2Fnowhere.test%2F").await;
    assert_eq!(status, 404);
    assert!(!work.path().join("emend.db").exists(), "no sled directory");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_on_postgres_serves_the_web_ui_while_it_crawls() {
    let Some(cluster) = Cluster::start("daemon --listen on postgres") else {
        return;
    };
    let (site, url) = news_site();
    let work = tempfile::tempdir().expect("temp dir");
    let config = local_site(&site, work.path(), std::slice::from_ref(&url), "/news/");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    // `listen` in the config, as `--listen` would say it.
    let mut toml = std::fs::read_to_string(&config).expect("read sites.toml");
    toml.push_str(&format!("\n[crawler]\nlisten = \"127.0.0.1:{port}\"\n"));
    std::fs::write(&config, toml).expect("write sites.toml");
    let mut daemon = Daemon::spawn_on(&cluster.url(), work.path(), &config, &[], &[], None);
    let base = format!("http://127.0.0.1:{port}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let listed = match reqwest::get(format!("{base}/api/list")).await {
            Ok(resp) => resp.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if listed.contains(&url) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the crawled article never appeared on the web UI: {listed}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(get(&base, "/healthz").await.0, 200);
    daemon.terminate();
    assert!(daemon.wait_exit(Duration::from_secs(20)).success());
}
