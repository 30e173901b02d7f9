//! The daemon binary as a user runs it: SIGTERM drains and exits 0, SIGKILL loses no
//! acknowledged version and duplicates none, and a dead network only makes it complain.

mod common;

use std::time::Duration;

use common::daemon::{Daemon, local_site, wait_until};
use common::route::Route;
use common::server::TestServer;
use common::{emend, emend_json, fixture_text};

const SEED_URL: &str = "https://newsroom.example/politics/lachin-district-returned";

#[test]
fn sigkill_mid_crawl_loses_and_duplicates_nothing_and_sigterm_exits_cleanly() {
    let server = TestServer::start("127.0.0.1");
    let urls: Vec<String> = (0..6).map(|i| server.url(&format!("/news/{i}"))).collect();
    let serve_state = |state: &str| {
        for (i, u) in urls.iter().enumerate() {
            let html = fixture_text(&format!("seed/{state}.html")).replace(SEED_URL, u);
            server.set(&format!("/news/{i}"), Route::html(html));
        }
    };
    serve_state("v1-original");
    let dir = tempfile::tempdir().unwrap();
    let config = local_site(&server, dir.path(), &urls, "/news/");

    let mut daemon = Daemon::spawn(dir.path(), &config, &[], &[], None);
    let check_store = |dir: &std::path::Path| -> Vec<Vec<u64>> {
        urls.iter()
            .map(|u| {
                let out = emend(dir)
                    .args(["--db", "db", "history", u, "--json"])
                    .output()
                    .unwrap();
                if !out.status.success() {
                    return Vec::new(); // killed before its first version: nothing acknowledged
                }
                let h: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                h["versions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v["version"].as_u64().unwrap())
                    .collect()
            })
            .collect()
    };
    // Every article's first version is stored (read through the running daemon) before the
    // page changes, so each article's history must end as exactly [1, 2].
    wait_until("first versions", Duration::from_secs(20), || {
        check_store(dir.path()).iter().all(|v| !v.is_empty())
    });
    serve_state("v2-declared-update");
    // Kill while re-checks of the new state are under way.
    wait_until("re-checks", Duration::from_secs(20), || {
        server.hits("/news/0").len() >= 2
    });
    daemon.kill();

    let after_kill = check_store(dir.path());
    assert!(
        after_kill.iter().any(|v| !v.is_empty()),
        "some versions were stored before the kill"
    );
    for v in &after_kill {
        assert!(
            v.len() <= 2 && v.iter().copied().eq(1..=v.len() as u64),
            "versions {v:?}"
        );
    }

    // Restart: the store opens, crawling resumes, nothing is stored twice.
    let mut daemon = Daemon::spawn(dir.path(), &config, &[], &[], None);
    // URLs leased by the killed daemon fall due again within seconds, and the reads go
    // through the running daemon's socket.
    wait_until(
        "every update stored after restart",
        Duration::from_secs(40),
        || check_store(dir.path()).iter().all(|v| v.len() == 2),
    );
    let hits = server.hits("/news/5").len();
    wait_until(
        "re-checks after the update",
        Duration::from_secs(20),
        || server.hits("/news/5").len() >= hits + 2,
    );
    // Users need not stop the daemon to look: reads go through its local socket.
    let live = emend_json(dir.path(), &["--db", "db", "list", "--json"]);
    assert_eq!(live["articles"].as_array().unwrap().len(), urls.len());
    let h = emend_json(dir.path(), &["--db", "db", "history", &urls[0], "--json"]);
    assert!(!h["versions"].as_array().unwrap().is_empty());
    // A snapshot goes through the daemon too, checked with its politeness, same JSON.
    let snap = emend_json(dir.path(), &["--db", "db", "snapshot", &urls[0], "--json"]);
    assert_eq!(snap["url"], urls[0].as_str());
    assert!(snap["version"].as_u64().is_some_and(|n| n >= 1), "{snap}");
    daemon.terminate();
    let status = daemon.wait_exit(Duration::from_secs(11));
    assert!(status.success(), "SIGTERM exit status {status}");
    let after_restart = check_store(dir.path());
    for v in &after_restart {
        assert_eq!(
            v,
            &[1, 2],
            "each article: original then its update, once each"
        );
    }
    let list = emend_json(dir.path(), &["--db", "db", "list", "--json"]);
    assert_eq!(list["articles"].as_array().unwrap().len(), urls.len());
}

#[test]
fn without_network_the_daemon_keeps_running_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sites.toml");
    let config = emend::config::Config::load(&shipped).unwrap();
    // Unroutable proxies stand in for "no network at all", also on machines that have one.
    let mut daemon = Daemon::spawn(
        dir.path(),
        &shipped,
        &[],
        &[
            ("HTTPS_PROXY", "http://127.0.0.1:9"),
            ("HTTP_PROXY", "http://127.0.0.1:9"),
        ],
        Some("emend=info"),
    );
    std::thread::sleep(Duration::from_secs(8));
    assert!(daemon.running(), "daemon exited without network");
    daemon.terminate();
    let status = daemon.wait_exit(Duration::from_secs(11));
    assert!(status.success());
    let stderr = daemon.stderr();
    for site in &config.sites {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(&format!("site={}", site.name)) && l.contains("failed")),
            "no failure logged for site {}:\n{stderr}",
            site.name
        );
    }
}

/// `--log-format json`: every stderr line is one JSON object, and each check is one line
/// with host, URL, status, outcome and milliseconds, as log pipelines need them.
#[test]
fn json_logs_give_one_structured_line_per_check() {
    let server = TestServer::start("127.0.0.1");
    let url = server.url("/news/1");
    server.set(
        "/news/1",
        Route::html(fixture_text("seed/v1-original.html").replace(SEED_URL, &url)),
    );
    let dir = tempfile::tempdir().unwrap();
    let config = local_site(&server, dir.path(), std::slice::from_ref(&url), "/news/");
    let mut daemon = Daemon::spawn(
        dir.path(),
        &config,
        &["--log-format", "json"],
        &[],
        Some("emend=info"),
    );
    // The first check of the article makes its version; the next ones re-check it.
    wait_until("two checks of the article", Duration::from_secs(20), || {
        server.hits("/news/1").len() >= 2
    });
    daemon.terminate();
    assert!(daemon.wait_exit(Duration::from_secs(11)).success());
    let stderr = daemon.stderr();
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let checks: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "check" && l["fields"]["url"] == url.as_str())
        .collect();
    assert!(!checks.is_empty(), "no check line for {url}:\n{stderr}");
    let first = &checks[0]["fields"];
    assert_eq!(first["host"], "127.0.0.1", "{first}");
    assert_eq!(first["status"], 200, "{first}");
    assert_eq!(first["outcome"], "new", "{first}");
    assert!(first["ms"].is_u64(), "{first}");
    assert_eq!(checks[0]["level"], "INFO");
}
