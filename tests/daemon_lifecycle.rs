//! The daemon binary as a user runs it: SIGTERM drains and exits 0, SIGKILL loses no
//! acknowledged version and duplicates none, and a dead network only makes it complain.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::route::Route;
use common::server::TestServer;
use common::{emend, emend_json, fixture_text};

const SEED_URL: &str = "https://newsroom.example/politics/lachin-district-returned";

fn spawn_daemon(dir: &std::path::Path, config: &std::path::Path) -> Child {
    spawn_daemon_with(dir, config, &[])
}

fn spawn_daemon_with(
    dir: &std::path::Path,
    config: &std::path::Path,
    env: &[(&str, &str)],
) -> Child {
    Command::new(env!("CARGO_BIN_EXE_emend"))
        .env_clear()
        .env("RUST_LOG", "emend=info")
        .envs(env.iter().copied())
        .current_dir(dir)
        .args([
            "--config",
            config.to_str().expect("test helper"),
            "--db",
            "db",
            "daemon",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start emend daemon")
}

fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("test helper");
    assert!(status.success());
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("test helper") {
            return status;
        }
        assert!(
            start.elapsed() < within,
            "daemon did not exit within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn wait_until(what: &str, within: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < within, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sigkill_mid_crawl_loses_and_duplicates_nothing_and_sigterm_exits_cleanly() {
    let server = TestServer::start("127.0.0.1");
    server.set(
        "/robots.txt",
        Route::new(200, "text/plain", "User-agent: *\nAllow: /\n"),
    );
    let urls: Vec<String> = (0..6).map(|i| server.url(&format!("/news/{i}"))).collect();
    let items: String = urls
        .iter()
        .map(|u| format!("<item><link>{u}</link></item>"))
        .collect();
    server.set(
        "/rss",
        Route::new(
            200,
            "application/rss+xml",
            format!("<rss version=\"2.0\"><channel><title>t</title>{items}</channel></rss>"),
        ),
    );
    let serve_state = |state: &str| {
        for (i, u) in urls.iter().enumerate() {
            let html = fixture_text(&format!("seed/{state}.html")).replace(SEED_URL, u);
            server.set(&format!("/news/{i}"), Route::html(html));
        }
    };
    serve_state("v1-original");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("sites.toml");
    std::fs::write(
        &config,
        format!(
            "[[site]]\nname = \"local\"\nfeeds = [\"{}\"]\narticle_pattern = '/news/'\ninterval = \"1s\"\nmax_interval = \"2s\"\nrate = 50\n",
            server.url("/rss")
        ),
    )
    .unwrap();

    let mut daemon = spawn_daemon(dir.path(), &config);
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
    daemon.kill().unwrap();
    daemon.wait().unwrap();

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
    let mut daemon = spawn_daemon(dir.path(), &config);
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
    // Writing needs the database itself: a clear "in use", not a panic.
    let out = emend(dir.path())
        .args(["--db", "db", "snapshot", &urls[0]])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("in use"));
    terminate(&daemon);
    let status = wait_exit(&mut daemon, Duration::from_secs(11));
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
    let mut daemon = spawn_daemon_with(
        dir.path(),
        &shipped,
        &[
            ("HTTPS_PROXY", "http://127.0.0.1:9"),
            ("HTTP_PROXY", "http://127.0.0.1:9"),
        ],
    );
    std::thread::sleep(Duration::from_secs(8));
    assert!(
        daemon.try_wait().unwrap().is_none(),
        "daemon exited without network"
    );
    terminate(&daemon);
    let status = wait_exit(&mut daemon, Duration::from_secs(11));
    assert!(status.success());
    let mut stderr = String::new();
    std::io::Read::read_to_string(daemon.stderr.as_mut().unwrap(), &mut stderr).unwrap();
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
    server.set(
        "/robots.txt",
        Route::new(200, "text/plain", "User-agent: *\nAllow: /\n"),
    );
    let url = server.url("/news/1");
    server.set(
        "/news/1",
        Route::html(fixture_text("seed/v1-original.html").replace(SEED_URL, &url)),
    );
    server.set(
        "/rss",
        Route::new(
            200,
            "application/rss+xml",
            format!("<rss version=\"2.0\"><channel><title>t</title><item><link>{url}</link></item></channel></rss>"),
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("sites.toml");
    std::fs::write(
        &config,
        format!(
            "[[site]]\nname = \"local\"\nfeeds = [\"{}\"]\narticle_pattern = '/news/'\ninterval = \"1s\"\nmax_interval = \"2s\"\nrate = 50\n",
            server.url("/rss")
        ),
    )
    .unwrap();
    let mut daemon = Command::new(env!("CARGO_BIN_EXE_emend"))
        .env_clear()
        .current_dir(dir.path())
        .args(["--log-format", "json", "--config"])
        .arg(&config)
        .args(["--db", "db", "daemon"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first check of the article makes its version; the next ones re-check it.
    wait_until("two checks of the article", Duration::from_secs(20), || {
        server.hits("/news/1").len() >= 2
    });
    terminate(&daemon);
    assert!(wait_exit(&mut daemon, Duration::from_secs(11)).success());
    let mut stderr = String::new();
    std::io::Read::read_to_string(daemon.stderr.as_mut().unwrap(), &mut stderr).unwrap();
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
