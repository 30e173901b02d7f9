//! `kill -9` during batched re-checks: every check the daemon acknowledged (logged as done)
//! is in the check log afterwards, because checks are acknowledged only once their batch is
//! flushed.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::daemon::{Daemon, local_site, wait_until};
use common::route::Route;
use common::server::TestServer;
use common::{emend_json, fixture_text};

const SEED_URL: &str = "https://newsroom.example/politics/lachin-district-returned";
const PAGES: usize = 12;

#[test]
fn sigkill_loses_no_acknowledged_check() {
    let server = TestServer::start("127.0.0.1");
    let urls: Vec<String> = (0..PAGES)
        .map(|i| server.url(&format!("/news/{i}")))
        .collect();
    for (i, u) in urls.iter().enumerate() {
        let html = fixture_text("seed/v1-original.html").replace(SEED_URL, u);
        // An ETag, so every re-check is a conditional GET answered 304.
        let route = Route::html(html).header("ETag", &format!("\"v1-{i}\""));
        server.set(&format!("/news/{i}"), route);
    }
    let dir = tempfile::tempdir().unwrap();
    let config = local_site(&server, dir.path(), &urls, "/news/");
    let mut daemon = Daemon::spawn(dir.path(), &config, &[], &[], Some("emend=info"));
    // Kill while re-checks answered 304 stream in (each article is re-checked every 1-2 s).
    wait_until("re-checks answered 304", Duration::from_secs(40), || {
        urls.iter()
            .enumerate()
            .all(|(i, _)| server.hits(&format!("/news/{i}")).len() >= 4)
    });
    daemon.kill();
    let log = daemon.stderr();

    let mut acknowledged: HashMap<&str, usize> = HashMap::new();
    for line in log
        .lines()
        .filter(|l| l.contains(" check ") && l.contains("not_modified"))
    {
        if let Some(u) = urls.iter().find(|u| line.contains(&format!("url={u} "))) {
            *acknowledged.entry(u.as_str()).or_default() += 1;
        }
    }
    assert!(
        acknowledged.values().sum::<usize>() >= PAGES,
        "too few 304 re-checks logged before the kill:\n{log}"
    );
    for u in &urls {
        let checks = emend_json(
            dir.path(),
            &["--db", "db", "checks", u, "--limit", "1000", "--json"],
        );
        let stored = checks["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["outcome"] == "not_modified")
            .count();
        let acked = acknowledged.get(u.as_str()).copied().unwrap_or(0);
        assert!(
            stored >= acked,
            "{u}: {acked} re-checks acknowledged, {stored} in the check log"
        );
    }
}
