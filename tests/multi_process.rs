//! One database, many processes (issue 11): whichever emend process holds the database
//! serves it to the others, short holders make others wait, and nothing is left stale.
//! Every test drives the real binary, as a user would, side by side.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use common::daemon::{Daemon, local_site, wait_until};
use common::route::Route;
use common::server::TestServer;
use common::{emend, emend_json, fixture_text};

/// An article page the extractor reads as one.
fn article() -> String {
    fixture_text("seed/v1-original.html")
}

/// A site whose `/news/fast` page is tracked in `dir/db` by one `snapshot`.
fn fast_page_snapshotted() -> (TestServer, tempfile::TempDir) {
    let server = site_with_a_slow_page(Duration::ZERO);
    let dir = tempfile::tempdir().expect("a temporary directory");
    emend(dir.path())
        .args(["--db", "db", "snapshot", &server.url("/news/fast")])
        .assert()
        .success();
    (server, dir)
}

/// A site with `/news/fast` and `/news/slow`, which answers after `delay`.
fn site_with_a_slow_page(delay: Duration) -> TestServer {
    let page = article();
    let slow = page.clone();
    let router = Router::new()
        .route("/robots.txt", get(|| async { "User-agent: *\nAllow: /\n" }))
        .route(
            "/news/fast",
            get(move || {
                let page = page.clone();
                async move { axum::response::Html(page) }
            }),
        )
        .route(
            "/news/slow",
            get(move || {
                let page = slow.clone();
                async move {
                    tokio::time::sleep(delay).await;
                    axum::response::Html(page)
                }
            }),
        );
    TestServer::with_router("127.0.0.1", router)
}

/// `emend ARGS` in `dir`, returning (exit code, stdout, stderr).
fn run(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = emend(dir).args(args).output().expect("run emend");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A background `emend` process, killed when dropped.
struct Running(Child);

impl Running {
    fn spawn(dir: &Path, args: &[&str]) -> Running {
        let child = Command::new(env!("CARGO_BIN_EXE_emend"))
            .env_clear()
            .env("RUST_LOG", "off")
            .current_dir(dir)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start emend");
        Running(child)
    }

    /// `emend serve` on `db`, and the base URL from its first line.
    fn serve(dir: &Path, global: &[&str]) -> (Running, String) {
        let mut args = global.to_vec();
        args.extend(["serve", "--listen", "127.0.0.1:0"]);
        let mut serve = Running::spawn(dir, &args);
        let mut line = String::new();
        let stdout = serve.0.stdout.take().expect("piped");
        BufReader::new(stdout).read_line(&mut line).expect("read");
        let addr = line
            .strip_prefix("listening on ")
            .and_then(|r| r.split('/').nth(2))
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        (serve, format!("http://{addr}"))
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }

    fn finish(mut self) -> (Option<i32>, String) {
        let status = self.0.wait().expect("wait");
        let mut err = String::new();
        if let Some(e) = self.0.stderr.as_mut() {
            std::io::Read::read_to_string(e, &mut err).expect("stderr");
        }
        (status.code(), err)
    }

    fn terminate(&mut self) {
        let pid = self.pid().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .expect("kill")
                .success()
        );
        self.0.wait().expect("reap");
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn http_get(url: &str) -> (u16, String) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let resp = reqwest::get(url).await.expect("GET");
        let status = resp.status().as_u16();
        (status, resp.text().await.expect("body"))
    })
}

/// history, diff, checks, list and snapshot, each as a user runs it, all succeeding.
fn every_command_succeeds(dir: &Path, url: &str) {
    for args in [
        vec!["--db", "db", "history", url, "--json"],
        vec!["--db", "db", "diff", url, "--json"],
        vec!["--db", "db", "checks", url, "--json"],
        vec!["--db", "db", "list", "--json"],
        vec!["--db", "db", "snapshot", url, "--json"],
    ] {
        let json = emend_json(dir, &args);
        assert!(
            json["url"].is_string() || json["articles"].is_array(),
            "{args:?}: {json}"
        );
    }
    let (code, out, err) = run(dir, &["--db", "db", "snapshot", url]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("unchanged"), "{out}");
}

#[test]
fn eight_concurrent_history_readers_all_succeed_twenty_rounds() {
    let (server, dir) = fast_page_snapshotted();
    let url = server.url("/news/fast");
    for round in 0..20 {
        let readers: Vec<Running> = (0..8)
            .map(|_| Running::spawn(dir.path(), &["--db", "db", "history", "--json", &url]))
            .collect();
        for reader in readers {
            let (code, err) = reader.finish();
            assert_eq!(code, Some(0), "round {round}: {err}");
        }
    }
}

#[test]
fn with_serve_running_every_command_succeeds() {
    let (server, dir) = fast_page_snapshotted();
    let url = server.url("/news/fast");
    let (_serve, base) = Running::serve(dir.path(), &["--db", "db"]);
    every_command_succeeds(dir.path(), &url);
    // The checks the commands asked for went through serve, into the one database it shows.
    let (status, body) = http_get(&format!("{base}/api/list"));
    assert_eq!(status, 200);
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(list["articles"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(list["articles"][0]["versions"], 1, "{body}");
}

#[test]
fn with_daemon_running_every_command_succeeds_and_serve_runs_beside_it() {
    let server = TestServer::start("127.0.0.1");
    let url = server.url("/news/1");
    server.set("/news/1", Route::html(article()));
    let dir = tempfile::tempdir().unwrap();
    let config = local_site(&server, dir.path(), std::slice::from_ref(&url), "/news/");
    let _daemon = Daemon::spawn(dir.path(), &config, &[], &[], None);
    wait_until(
        "the daemon's first version",
        Duration::from_secs(20),
        || run(dir.path(), &["--db", "db", "history", &url]).0 == Some(0),
    );
    every_command_succeeds(dir.path(), &url);

    let (mut serve, base) = Running::serve(dir.path(), &["--db", "db"]);
    let (status, body) = http_get(&format!("{base}/api/history?url={url}"));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"version\":1"), "{body}");
    // The daemon's web UI, so its live figures too.
    let (status, _) = http_get(&format!("{base}/metrics"));
    assert_eq!(status, 200);
    serve.terminate();
    let refused = std::net::TcpStream::connect(base.trim_start_matches("http://")).is_err();
    assert!(refused, "the web UI stops with the serve that asked for it");
}

#[test]
fn snapshot_waits_for_a_slow_snapshot_or_names_its_pid_after_wait() {
    let server = site_with_a_slow_page(Duration::from_secs(3));
    let (fast, slow) = (server.url("/news/fast"), server.url("/news/slow"));
    let dir = tempfile::tempdir().unwrap();
    emend(dir.path())
        .args(["--db", "db", "snapshot", &fast])
        .assert()
        .success();

    let holder = Running::spawn(dir.path(), &["--db", "db", "snapshot", &slow]);
    let socket = dir.path().join("db").join("emend.sock");
    wait_until(
        "the slow snapshot's socket",
        Duration::from_secs(10),
        || socket.exists(),
    );
    // Reads go through the process waiting on the page.
    let (code, _, err) = run(dir.path(), &["--db", "db", "history", &fast]);
    assert_eq!(code, Some(0), "history during a slow snapshot: {err}");
    // A second check waits its turn; with --wait 1 it gives up naming the holder.
    let started = Instant::now();
    let (code, _, err) = run(
        dir.path(),
        &["--db", "db", "--wait", "1", "snapshot", &fast],
    );
    let took = started.elapsed();
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains(&format!("pid {}", holder.pid())), "{err}");
    assert!(err.contains("emend snapshot"), "{err}");
    assert!(took < Duration::from_millis(1900), "gave up after {took:?}");
    let (code, out, err) = run(dir.path(), &["--db", "db", "snapshot", &fast]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("unchanged"), "{out}");
    let (code, err) = holder.finish();
    assert_eq!(code, Some(0), "{err}");
    let history = emend_json(dir.path(), &["--db", "db", "history", &slow, "--json"]);
    assert_eq!(history["versions"].as_array().unwrap().len(), 1);
}

#[test]
fn kill_9_of_the_owner_loses_nothing_and_leaves_nothing_stale() {
    let server = TestServer::start("127.0.0.1");
    let url = server.url("/news/1");
    server.set("/news/1", Route::html(article()));
    let dir = tempfile::tempdir().unwrap();
    emend(dir.path())
        .args(["--db", "db", "snapshot", &url])
        .assert()
        .success();
    let (mut serve, _) = Running::serve(dir.path(), &["--db", "db"]);
    // Acknowledged through the owner: it must survive the owner's kill -9.
    server.set(
        "/news/1",
        Route::html(fixture_text("seed/v2-declared-update.html")),
    );
    let (code, out, err) = run(dir.path(), &["--db", "db", "snapshot", &url]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("version 2"), "{out}");
    serve.0.kill().unwrap();
    serve.0.wait().unwrap();
    let socket = dir.path().join("db").join("emend.sock");
    assert!(socket.exists(), "a kill -9 leaves its socket behind");

    let started = Instant::now();
    let history = emend_json(dir.path(), &["--db", "db", "history", &url, "--json"]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(history["versions"].as_array().unwrap().len(), 2);
    assert!(!socket.exists(), "the next holder removes the stale socket");
}

#[test]
fn reading_a_missing_database_says_so_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = "https://example.org/a";
    for args in [
        vec!["history", url],
        vec!["diff", url],
        vec!["checks", url],
        vec!["list"],
        vec!["reextract", url],
        vec!["serve", "--listen", "127.0.0.1:0"],
    ] {
        let mut all = vec!["--db", "misspelt/db"];
        all.extend(&args);
        let (code, out, err) = run(dir.path(), &all);
        assert_eq!(code, Some(1), "{args:?}: {out}{err}");
        assert_eq!(
            err.trim(),
            "emend: no emend database at misspelt/db",
            "{args:?}"
        );
        assert!(!dir.path().join("misspelt").exists(), "{args:?} created it");
        // The default database too: `emend list` from the wrong directory.
        let (code, _, err) = run(dir.path(), &args);
        assert_eq!(code, Some(1), "{args:?}: {err}");
        assert!(err.contains("no emend database at emend.db"), "{err}");
        assert!(!dir.path().join("emend.db").exists(), "{args:?} created it");
    }
}

#[test]
fn list_on_an_empty_database_says_so() {
    let server = TestServer::start("127.0.0.1");
    let dir = tempfile::tempdir().unwrap();
    // A check that fails still creates the database: it is where the daemon would record it.
    let (code, _, _) = run(
        dir.path(),
        &["--db", "db", "snapshot", &server.url("/none")],
    );
    assert_eq!(code, Some(1));
    let (code, out, err) = run(dir.path(), &["--db", "db", "list"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("no articles tracked yet"), "{out}");
    let json = emend_json(dir.path(), &["--db", "db", "list", "--json"]);
    assert_eq!(json["articles"], serde_json::json!([]));
}

#[cfg(unix)]
#[test]
fn database_directory_and_socket_are_private_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let server = site_with_a_slow_page(Duration::from_secs(2));
    let dir = tempfile::tempdir().unwrap();
    // The umask a careless shell or service manager might leave.
    let mut slow = Command::new("sh")
        .args([
            "-c",
            "umask 000 && exec \"$0\" --db nested/db snapshot \"$1\"",
        ])
        .arg(env!("CARGO_BIN_EXE_emend"))
        .arg(server.url("/news/slow"))
        .current_dir(dir.path())
        .env("RUST_LOG", "off")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let db = dir.path().join("nested/db");
    let socket = db.join("emend.sock");
    wait_until("the socket", Duration::from_secs(10), || socket.exists());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&db), 0o700, "database directory");
    assert_eq!(mode(&socket), 0o600, "socket");
    assert!(slow.wait().unwrap().success());
}

#[cfg(unix)]
#[test]
fn a_database_directory_without_write_permission_is_named() {
    use std::os::unix::fs::PermissionsExt;
    let (_server, dir) = fast_page_snapshotted();
    let db = dir.path().join("db");
    let set = |mode: u32| {
        for entry in std::fs::read_dir(&db).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode & 0o666))
                    .unwrap();
            }
        }
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    set(0o555);
    if std::fs::write(db.join("probe"), b"").is_ok() {
        set(0o755);
        eprintln!("skipped: this user (root?) writes through read-only permissions");
        return;
    }
    let (code, _, err) = run(dir.path(), &["--db", "db", "list"]);
    set(0o755);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("db") && err.contains("permission denied"),
        "{err}"
    );
    assert!(err.contains("write access"), "{err}");
}

#[test]
fn daemon_beside_serve_says_at_once_which_pid_to_stop() {
    let server = TestServer::start("127.0.0.1");
    let url = server.url("/news/1");
    server.set("/news/1", Route::html(article()));
    let dir = tempfile::tempdir().unwrap();
    let config = local_site(&server, dir.path(), std::slice::from_ref(&url), "/news/");
    emend(dir.path())
        .args(["--db", "db", "snapshot", &url])
        .assert()
        .success();
    let (serve, _) = Running::serve(dir.path(), &["--db", "db"]);
    let started = Instant::now();
    let config = config.to_str().unwrap();
    let (code, _, err) = run(dir.path(), &["--config", config, "--db", "db", "daemon"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "no waiting out a process that runs until stopped"
    );
    assert!(err.contains(&format!("kill {}", serve.pid())), "{err}");
    assert!(err.contains("emend daemon --listen"), "{err}");
}
