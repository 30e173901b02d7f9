//! Bad input through the binary: a clear one-line message, the right exit status, and the store left intact (issue 2).

mod common;

use std::io::Write;
use std::path::Path;

use common::route::Route;
use common::server::TestServer;
use common::{emend, emend_json, fixture_text};

const ARTICLE: &str = "/politics/lachin-district-returned";

/// A server with robots.txt and the seed article, and a db holding its first version.
struct Setup {
    server: TestServer,
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let server = TestServer::start("127.0.0.1");
        server.set(
            "/robots.txt",
            Route::new(200, "text/plain", "User-agent: *\nDisallow: /private/\n"),
        );
        server.set(ARTICLE, Route::html(fixture_text("seed/v1-original.html")));
        let dir = tempfile::tempdir().expect("test setup");
        let s = Setup { server, dir };
        let out = emend_json(
            s.dir.path(),
            &[
                "--db",
                &s.db(),
                "snapshot",
                &s.server.url(ARTICLE),
                "--json",
            ],
        );
        assert_eq!(out["change"], "new");
        s
    }

    fn db(&self) -> String {
        self.dir
            .path()
            .join("db")
            .to_str()
            .expect("test setup")
            .to_owned()
    }

    /// Runs a snapshot of `path` expected to fail; returns (exit code, stderr).
    fn failing_snapshot(&self, url: &str, extra: &[&str]) -> (i32, String) {
        let db = self.db();
        let mut args = vec!["--db", db.as_str()];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["snapshot", url]);
        let out = emend(self.dir.path())
            .args(&args)
            .output()
            .expect("test setup");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            !out.status.success(),
            "expected failure for {url}: {stderr}"
        );
        // One line; a bad regex keeps the regex crate's caret display beneath it.
        let lines = if stderr.contains("regex parse error") {
            4
        } else {
            1
        };
        assert!(
            stderr.trim_end().lines().count() <= lines,
            "one-line message: {stderr}"
        );
        (out.status.code().expect("test setup"), stderr)
    }

    /// The first version is still there and readable.
    fn assert_intact(&self) {
        let h = emend_json(
            self.dir.path(),
            &[
                "--db",
                &self.db(),
                "history",
                &self.server.url(ARTICLE),
                "--json",
            ],
        );
        assert_eq!(
            h["versions"].as_array().expect("test setup").len(),
            1,
            "{h}"
        );
    }
}

#[test]
fn malformed_url_is_a_usage_error() {
    let s = Setup::new();
    for bad in ["not a url", "ftp://example.org/x", "/relative/path"] {
        let (code, msg) = s.failing_snapshot(bad, &[]);
        assert_eq!(code, 2, "{msg}");
        assert!(msg.contains("invalid URL") && msg.contains(bad), "{msg}");
    }
    s.assert_intact();
}

#[test]
fn connection_refused_names_the_url() {
    let s = Setup::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("test setup")
        .local_addr()
        .expect("test setup")
        .port();
    let url = format!("http://127.0.0.1:{port}/gone");
    let (code, msg) = s.failing_snapshot(&url, &[]);
    assert_eq!(code, 1);
    assert!(
        msg.contains(&url) && msg.to_lowercase().contains("refused"),
        "{msg}"
    );
    s.assert_intact();
}

#[test]
fn http_errors_name_url_and_status() {
    let s = Setup::new();
    s.server
        .set("/e500", Route::new(500, "text/html", "<h1>oops</h1>"));
    for (path, status) in [("/missing", "404"), ("/e500", "500")] {
        let url = s.server.url(path);
        let (code, msg) = s.failing_snapshot(&url, &[]);
        assert_eq!(code, 1);
        assert!(msg.contains(&url) && msg.contains(status), "{msg}");
    }
    // A failing check of the tracked article itself keeps its history.
    s.server.set(ARTICLE, Route::new(500, "text/html", "down"));
    s.failing_snapshot(&s.server.url(ARTICLE), &[]);
    s.assert_intact();
}

#[test]
fn non_html_is_refused() {
    let s = Setup::new();
    s.server.set(
        "/data.json",
        Route::new(200, "application/json", "{\"a\":1}"),
    );
    let (code, msg) = s.failing_snapshot(&s.server.url("/data.json"), &[]);
    assert_eq!(code, 1);
    assert!(
        msg.contains("not an HTML page") && msg.contains("application/json"),
        "{msg}"
    );
    s.assert_intact();
}

#[test]
fn body_over_the_cap_and_gzip_bomb_are_errors_not_ooms() {
    let s = Setup::new();
    let config = s.dir.path().join("small.toml");
    std::fs::write(&config, "[crawler]\nmax_body = 4096\n").expect("test setup");
    let config = config.to_str().expect("test setup");
    s.server.set(
        "/big",
        Route::html(format!("<p>{}</p>", "x".repeat(10_000))),
    );
    let (code, msg) = s.failing_snapshot(&s.server.url("/big"), &["--config", config]);
    assert_eq!(code, 1);
    assert!(msg.contains("exceeds") && msg.contains("4096"), "{msg}");

    // 64 MiB of zeros in ~64 KiB of gzip, against the default 10 MiB cap.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        gz.write_all(&zeros).expect("test setup");
    }
    let bomb = gz.finish().expect("test setup");
    s.server.set(
        "/bomb",
        Route::html(bomb).header("content-encoding", "gzip"),
    );
    let (code, msg) = s.failing_snapshot(&s.server.url("/bomb"), &[]);
    assert_eq!(code, 1);
    assert!(msg.contains("exceeds"), "{msg}");
    s.assert_intact();
}

#[test]
fn redirect_loop_is_detected() {
    let s = Setup::new();
    s.server.set(
        "/loop-a",
        Route::new(302, "text/html", "").header("location", "/loop-b"),
    );
    s.server.set(
        "/loop-b",
        Route::new(302, "text/html", "").header("location", "/loop-a"),
    );
    let (code, msg) = s.failing_snapshot(&s.server.url("/loop-a"), &[]);
    assert_eq!(code, 1);
    assert!(msg.contains("/loop-a") && msg.contains("redirect"), "{msg}");
    s.assert_intact();
}

#[test]
fn robots_disallowed_path_is_not_fetched_unless_overridden() {
    let s = Setup::new();
    s.server.set(
        "/private/memo",
        Route::html(fixture_text("seed/v1-original.html")),
    );
    let url = s.server.url("/private/memo");
    let (code, msg) = s.failing_snapshot(&url, &[]);
    assert_eq!(code, 1);
    assert!(msg.contains("robots.txt") && msg.contains(&url), "{msg}");
    assert!(
        s.server.hits("/private/memo").is_empty(),
        "disallowed path was requested"
    );
    s.assert_intact();
    emend(s.dir.path())
        .args(["--db", &s.db(), "snapshot", "--ignore-robots", &url])
        .assert()
        .success();
}

#[test]
fn locked_db_waits_then_fails_naming_the_wait() {
    let s = Setup::new();
    let db = s.db();
    let held = emend::store::Store::open(Path::new(&db)).expect("test setup");
    let started = std::time::Instant::now();
    let (code, msg) = s.failing_snapshot(&s.server.url(ARTICLE), &["--wait", "1"]);
    assert_eq!(code, 1);
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert!(
        msg.contains("held by") && msg.contains(&db) && msg.contains("--wait"),
        "{msg}"
    );
    drop(held);
    s.assert_intact();
}

#[test]
fn locked_db_held_for_a_moment_is_waited_for() {
    let s = Setup::new();
    let db = s.db();
    let held = emend::store::Store::open(Path::new(&db)).expect("test setup");
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(700));
        drop(held);
    });
    emend(s.dir.path())
        .args(["--db", &db, "snapshot", &s.server.url(ARTICLE)])
        .assert()
        .success();
    release.join().expect("release thread");
}

#[test]
fn corrupt_db_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("test setup");
    let db = dir.path().join("db");
    std::fs::create_dir(&db).expect("test setup");
    std::fs::write(db.join("conf"), b"\xff\xfe not a sled config at all").expect("test setup");
    std::fs::write(db.join("db"), vec![0xA5u8; 8192]).expect("test setup");
    let out = emend(dir.path())
        .args(["--db", db.to_str().expect("test setup"), "list"])
        .output()
        .expect("test setup");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(db.to_str().expect("test setup")),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn invalid_sites_toml_points_at_file_line_column() {
    let s = Setup::new();
    let config = s.dir.path().join("bad.toml");
    std::fs::write(
        &config,
        "[crawler]\nuser_agent = \"t\"\n\n[[site]]\nname = \"x\"\nfeeds = [\"https://x.test/rss\"]\narticle_pattern = \"[\"\n",
    )
    .expect("test setup");
    let (code, msg) = s.failing_snapshot(
        &s.server.url(ARTICLE),
        &["--config", config.to_str().expect("test setup")],
    );
    assert_eq!(code, 2, "{msg}");
    assert!(msg.contains("bad.toml:7:19"), "{msg}");
    assert!(msg.contains("site \"x\""), "{msg}");
    s.assert_intact();
}

/// `emend snapshot URL | head -0`: the reader is gone before emend writes (the fetch takes a
/// politeness second), which must end quietly with success, not a "failed printing to
/// stdout" panic.
#[test]
fn a_closed_stdout_ends_quietly() {
    let s = Setup::new();
    for args in [
        vec!["snapshot", ARTICLE],
        vec!["history", ARTICLE],
        vec!["diff", ARTICLE],
    ] {
        let url = s.server.url(ARTICLE);
        let args: Vec<&str> = args
            .iter()
            .map(|a| if *a == ARTICLE { url.as_str() } else { a })
            .collect();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_emend"))
            .env_clear()
            .env("RUST_LOG", "off")
            .current_dir(s.dir.path())
            .args(["--db", &s.db()])
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("test setup");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("test setup");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(out.status.success(), "{args:?}: {:?} {stderr}", out.status);
    }
}
