//! `emend watch`: one URL outside every feed, checked now and then re-checked by the daemon,
//! through the daemon's socket while it runs, and `--stop` ending the re-checks.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::route::Route;
use common::server::TestServer;
use common::{emend, emend_json, fixture_text};

/// Kills the daemon however the test ends.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_until(what: &str, within: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < within, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_watched_url_is_checked_now_then_by_the_daemon_until_stopped() {
    let server = TestServer::start("127.0.0.1");
    server.set(
        "/robots.txt",
        Route::new(200, "text/plain", "User-agent: *\nAllow: /\n"),
    );
    // The site's feed lists nothing: these articles are watched by hand only.
    server.set(
        "/rss",
        Route::new(
            200,
            "application/rss+xml",
            "<rss version=\"2.0\"><channel><title>t</title></channel></rss>",
        ),
    );
    let page = fixture_text("seed/v1-original.html");
    for path in ["/watched/1", "/watched/2"] {
        let own = page.replace(
            "https://newsroom.example/politics/lachin-district-returned",
            &server.url(path),
        );
        server.set(path, Route::html(own));
    }
    let (first, second) = (server.url("/watched/1"), server.url("/watched/2"));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("sites.toml");
    std::fs::write(
        &config,
        format!(
            "[[site]]\nname = \"local\"\nfeeds = [\"{}\"]\narticle_pattern = '/watched/'\ninterval = \"1s\"\nmax_interval = \"2s\"\nrate = 50\n",
            server.url("/rss")
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
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

    let _daemon = Daemon(
        Command::new(env!("CARGO_BIN_EXE_emend"))
            .env_clear()
            .env("RUST_LOG", "off")
            .current_dir(dir.path())
            .args(["--config", config, "--db", "db", "daemon"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
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
}
