//! `emend watch`: one URL outside every feed, checked now and then re-checked by the daemon,
//! through the daemon's socket while it runs, and `--stop` ending the re-checks.

mod common;

use std::time::Duration;

use common::daemon::{Daemon, local_site, wait_until};
use common::route::Route;
use common::server::TestServer;
use common::{emend, emend_json, fixture_text};

#[test]
fn a_watched_url_is_checked_now_then_by_the_daemon_until_stopped() {
    let server = TestServer::start("127.0.0.1");
    let dir = tempfile::tempdir().unwrap();
    // The site's feed lists nothing: these articles are watched by hand only.
    let sites = local_site(&server, dir.path(), &[], "/watched/");
    let page = fixture_text("seed/v1-original.html");
    for path in ["/watched/1", "/watched/2"] {
        let own = page.replace(
            "https://newsroom.example/politics/lachin-district-returned",
            &server.url(path),
        );
        server.set(path, Route::html(own));
    }
    let (first, second) = (server.url("/watched/1"), server.url("/watched/2"));
    let config = sites.to_str().unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["--config", config, "--db", "db"];
        all.extend_from_slice(args);
        emend_json(dir.path(), &all)
    };

    // No daemon: checked at once (a version), then scheduled at the site's interval.
    let before = chrono::Utc::now();
    let w = run(&["watch", &first, "--json"]);
    assert_eq!(w["watching"], true, "{w}");
    assert_eq!(w["interval_secs"], 1, "the site's interval: {w}");
    let next = chrono::DateTime::parse_from_rfc3339(w["next_due"].as_str().unwrap()).unwrap();
    assert!(next > before, "not due before the check it just made: {w}");
    assert_eq!(server.hits("/watched/1").len(), 1);
    let history = run(&["history", &first, "--json"]);
    assert_eq!(history["versions"].as_array().unwrap().len(), 1);

    let _daemon = Daemon::spawn(dir.path(), &sites, &[], &[], None);
    wait_until("the daemon's re-checks", Duration::from_secs(20), || {
        server.hits("/watched/1").len() >= 3
    });

    // With the daemon holding the db, watching goes through its socket and it checks at once.
    let w = run(&["watch", &second, "--json"]);
    assert_eq!(w["watching"], true, "{w}");
    wait_until(
        "the daemon's first check of the second URL",
        Duration::from_secs(20),
        || !server.hits("/watched/2").is_empty(),
    );
    wait_until("its version", Duration::from_secs(20), || {
        // Not tracked (exit 1) until the daemon's check has stored the version.
        let out = emend(dir.path())
            .args([
                "--config", config, "--db", "db", "history", &second, "--json",
            ])
            .output()
            .unwrap();
        out.status.success()
            && serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["versions"]
                .as_array()
                .is_some_and(|v| v.len() == 1)
    });

    // --stop: the re-checks end (one already in flight may still land), the history stays.
    let s = run(&["watch", "--stop", &first, "--json"]);
    assert_eq!(s["watching"], false, "{s}");
    let stopped_at = server.hits("/watched/1").len();
    std::thread::sleep(Duration::from_secs(4));
    assert!(
        server.hits("/watched/1").len() <= stopped_at + 1,
        "still re-checked after --stop"
    );
    let history = run(&["history", &first, "--json"]);
    assert_eq!(history["versions"].as_array().unwrap().len(), 1);
    let again = emend(dir.path())
        .args(["--config", config, "--db", "db", "watch", "--stop", &first])
        .output()
        .unwrap();
    assert!(again.status.success());
    let said = String::from_utf8(again.stdout).unwrap();
    assert_eq!(said.trim_end(), format!("{first}: was not being watched"));
}
