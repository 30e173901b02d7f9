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

/// `emend --db DB serve --listen 127.0.0.1:0` in `dir`: the process, its base URL and its
/// first line.
fn spawn_serve(db: &str, dir: &std::path::Path) -> (Running, String, String) {
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
    (Running(child), format!("http://{addr}"), line)
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
    let (_first, base, _) = spawn_serve(&db, work.path());
    // A password in the URL (ignored by this trust-auth server) is never printed.
    let with_password = db.replacen("emend@", "emend:s3cret@", 1);
    let (_second, other, line) = spawn_serve(&with_password, work.path());
    assert!(line.contains("(database postgres "), "{line}");
    assert!(!line.contains("s3cret"), "{line}");
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

/// `emend --config CONFIG --db DB ARGS…` in `dir`, parsed as one JSON object.
fn run_json(
    dir: &std::path::Path,
    config: &std::path::Path,
    db: &str,
    args: &[&str],
) -> serde_json::Value {
    let config = config.to_str().expect("config path");
    let mut all = vec!["--config", config, "--db", db];
    all.extend_from_slice(args);
    common::emend_json(dir, &all)
}

#[test]
fn watch_on_postgres_checks_now_then_a_cluster_daemon_rechecks_until_stopped_and_forget_removes_it()
{
    let Some(cluster) = Cluster::start("watch and forget on postgres") else {
        return;
    };
    let server = TestServer::start("127.0.0.1");
    let work = tempfile::tempdir().expect("temp dir");
    let sites = local_site(&server, work.path(), &[], "/watched/");
    let url = server.url("/watched/1");
    let page = common::fixture_text("seed/v1-original.html").replace(
        "https://newsroom.example/politics/lachin-district-returned",
        &url,
    );
    server.set("/watched/1", Route::html(page));
    let db = cluster.url();

    let before = chrono::Utc::now();
    let w = run_json(work.path(), &sites, &db, &["watch", &url, "--json"]);
    assert_eq!(
        (w["watching"].as_bool(), w["interval_secs"].as_u64()),
        (Some(true), Some(1)),
        "{w}"
    );
    let next = chrono::DateTime::parse_from_rfc3339(w["next_due"].as_str().expect("next_due"))
        .expect("RFC 3339");
    assert!(next > before, "not due before the check it just made: {w}");
    assert_eq!(server.hits("/watched/1").len(), 1);

    let mut daemon = Daemon::spawn_on(&db, work.path(), &sites, &[], &[], None);
    common::daemon::wait_until(
        "the cluster daemon's re-checks",
        Duration::from_secs(30),
        || server.hits("/watched/1").len() >= 3,
    );
    let stop = run_json(
        work.path(),
        &sites,
        &db,
        &["watch", &url, "--stop", "--json"],
    );
    assert_eq!(stop["watching"], false, "{stop}");
    std::thread::sleep(Duration::from_secs(2));
    let after_stop = server.hits("/watched/1").len();
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        server.hits("/watched/1").len(),
        after_stop,
        "no re-check after --stop"
    );
    daemon.terminate();
    assert!(daemon.wait_exit(Duration::from_secs(20)).success());

    let again = common::emend(work.path())
        .args(["--config", sites.to_str().expect("path"), "--db", &db])
        .args(["watch", &url, "--stop"])
        .output()
        .expect("run emend");
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("was not being watched"));

    let gone = run_json(
        work.path(),
        &sites,
        &db,
        &["forget", &url, "--yes", "--json"],
    );
    assert_eq!(gone["url"], url.as_str(), "{gone}");
    assert!(gone["versions"].as_u64() >= Some(1), "{gone}");
    assert!(gone["checks"].as_u64() >= Some(3), "{gone}");
    let history = common::emend(work.path())
        .args(["--db", &db, "history", &url])
        .output()
        .expect("run emend");
    assert!(!history.status.success(), "forgotten, so not tracked");
    let forget_again = common::emend(work.path())
        .args(["--db", &db, "forget", &url, "--yes"])
        .output()
        .expect("run emend");
    assert!(!forget_again.status.success());
    assert!(String::from_utf8_lossy(&forget_again.stderr).contains("not tracked"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_import_reextract_and_verify_on_postgres() {
    let Some(cluster) = Cluster::start("export, import, reextract, verify on postgres") else {
        return;
    };
    let (_site, url) = news_site();
    let work = tempfile::tempdir().expect("temp dir");
    let dir = work.path();
    let db = cluster.url();
    let stored = common::emend_json(dir, &["--db", &db, "snapshot", &url, "--json"]);
    let key = stored["url"].as_str().expect("url").to_owned();

    let warc = dir.join("out.warc.gz");
    let warc_arg = warc.to_str().expect("path");
    let stats = common::emend_json(dir, &["--db", &db, "export", "--warc", warc_arg, "--json"]);
    assert_eq!(
        (stats["articles"].as_u64(), stats["versions"].as_u64()),
        (Some(1), Some(1)),
        "{stats}"
    );
    let rows = common::emend(dir)
        .args(["--db", &db, "export", "--jsonl", "-"])
        .output()
        .expect("run emend");
    assert!(rows.status.success());
    let rows = String::from_utf8_lossy(&rows.stdout).into_owned();
    assert_eq!(rows.lines().count(), 1, "{rows}");
    assert!(rows.contains(&key), "{rows}");

    // The WARC into a second database on the same server.
    let (client, conn) = tokio_postgres::connect(&cluster.conninfo, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    client
        .batch_execute("CREATE DATABASE second")
        .await
        .expect("create database");
    let second = db.replace("/postgres", "/second");
    let imported = common::emend_json(
        dir,
        &["--db", &second, "import", "--warc", warc_arg, "--json"],
    );
    assert_eq!(imported["versions"], 1, "{imported}");
    let history = common::emend_json(dir, &["--db", &second, "history", &key, "--json"]);
    assert_eq!(
        history["versions"].as_array().map(Vec::len),
        Some(1),
        "{history}"
    );

    let again = common::emend_json(dir, &["--db", &db, "reextract", &key, "--json"]);
    assert_eq!(again["versions"][0]["result"], "same", "{again}");

    let sound = common::emend_json(dir, &["--db", &db, "verify", "--json"]);
    assert_eq!(
        (sound["bodies"].as_u64(), sound["versions"].as_u64()),
        (Some(1), Some(1)),
        "{sound}"
    );
    assert_eq!(sound["damage"], serde_json::json!([]), "{sound}");
    // A body whose bytes no longer decode is named, and verify exits 1.
    let (first, conn) = tokio_postgres::connect(&cluster.conninfo, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    first
        .batch_execute("UPDATE bodies SET zstd = '\\x00'::bytea")
        .await
        .expect("damage a body");
    let damaged = common::emend(dir)
        .args(["--db", &db, "verify"])
        .output()
        .expect("run emend");
    assert_eq!(damaged.status.code(), Some(1));
    let report = String::from_utf8_lossy(&damaged.stdout);
    assert!(
        report.contains("bodies/") && report.contains("1 problem"),
        "{report}"
    );
}
