//! `emend reextract` through the binary: the seed article's stored bodies re-read by the
//! current extractor, a site config that reads them differently, and reads through a daemon.

mod common;

use std::time::{Duration, Instant};

use common::daemon::{Daemon, local_site};
use common::route::Route;
use common::server::TestServer;
use common::{emend, emend_json, fixture_text};
use serde_json::Value;

const ARTICLE: &str = "/politics/lachin-district-returned";
const CANONICAL: &str = "https://newsroom.example/politics/lachin-district-returned";
/// The seed states that make versions (the fifth only rotates boilerplate).
const STATES: [&str; 4] = [
    "v1-original",
    "v2-declared-update",
    "v3-silent-edit",
    "v4-stamp-only",
];

/// A db holding the seed article's four versions, snapshotted from a local server.
struct Seeded {
    server: TestServer,
    dir: tempfile::TempDir,
}

impl Seeded {
    fn new() -> Seeded {
        let server = TestServer::start("127.0.0.1");
        server.set(
            "/robots.txt",
            Route::new(200, "text/plain", "User-agent: *\nAllow: /\n"),
        );
        let dir = tempfile::tempdir().expect("test setup");
        let s = Seeded { server, dir };
        for state in STATES {
            s.server.set(
                ARTICLE,
                Route::html(fixture_text(&format!("seed/{state}.html"))),
            );
            let out = emend_json(
                s.dir.path(),
                &["--db", &s.db(), "snapshot", &s.url(), "--json"],
            );
            assert_ne!(out["change"], "unchanged", "{state} makes a version");
        }
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

    /// The URL the versions were fetched from: an alias of [`CANONICAL`].
    fn url(&self) -> String {
        self.server.url(ARTICLE)
    }

    fn json(&self, args: &[&str]) -> Value {
        let db = self.db();
        let mut all = vec!["--db", &db];
        all.extend_from_slice(args);
        emend_json(self.dir.path(), &all)
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        emend(self.dir.path())
            .args(["--db", &self.db()])
            .args(args)
            .output()
            .expect("run emend")
    }
}

fn entries(out: &Value) -> &Vec<Value> {
    out["versions"].as_array().expect("versions array")
}

#[test]
fn every_stored_version_reads_the_same_with_the_current_extractor() {
    let s = Seeded::new();
    let url = s.url();

    let out = s.json(&["reextract", &url, "--json"]);
    assert_eq!(out["url"], CANONICAL, "an alias answers for its article");
    let current = out["extractor_version"].as_u64().unwrap();
    assert!(current >= 1);
    let versions = entries(&out);
    let numbers: Vec<u64> = versions
        .iter()
        .map(|v| v["version"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 2, 3, 4]);
    for v in versions {
        assert_eq!(v["result"], "same", "{v}");
        assert_eq!(v["changed"], serde_json::json!([]), "{v}");
        assert_eq!(v["fields"], serde_json::json!([]), "{v}");
        assert_eq!(
            (&v["words_added"], &v["words_removed"]),
            (&0.into(), &0.into())
        );
        assert_eq!(v["extractor_version"].as_u64(), Some(current), "{v}");
        assert!(chrono::DateTime::parse_from_rfc3339(v["fetched_at"].as_str().unwrap()).is_ok());
    }
    // The fetch times are the ones history reports.
    let history = s.json(&["history", CANONICAL, "--json"]);
    for (r, h) in versions.iter().zip(entries(&history)) {
        assert_eq!(r["fetched_at"], h["fetched_at"]);
    }

    let only = s.json(&["reextract", CANONICAL, "--version", "2", "--json"]);
    let only = entries(&only);
    assert_eq!(only.len(), 1);
    assert_eq!(only[0]["version"], 2);
    assert_eq!(only[0]["result"], "same");

    let out = s.run(&["reextract", &url]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "url line + one line per version: {text}");
    assert_eq!(lines[0], CANONICAL);
    for (line, n) in lines[1..].iter().zip(1..) {
        assert!(line.trim_start().starts_with(&format!("{n} ")), "{text}");
        assert!(line.ends_with("  same"), "{text}");
    }
    let out = s.run(&["reextract", &url, "--version", "2"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.lines().nth(1).unwrap().trim_start().starts_with("2 "));

    // History was not touched.
    assert_eq!(s.json(&["history", &url, "--json"]), history);
}

#[test]
fn unknown_urls_and_versions_fail_like_history() {
    let s = Seeded::new();
    let unknown = s.server.url("/never/snapshotted");
    let out = s.run(&["reextract", &unknown]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&unknown) && stderr.contains("not tracked"),
        "{stderr}"
    );
    let history = s.run(&["history", &unknown]);
    assert_eq!(
        String::from_utf8(history.stderr).unwrap(),
        stderr,
        "same error as history"
    );

    // A version that does not exist is a usage error, as in `diff` (issue 12).
    let out = s.run(&["reextract", &s.url(), "--version", "9", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("no version 9"), "{stderr}");
}

#[test]
fn site_selectors_that_read_the_page_differently_are_reported_as_changes() {
    let s = Seeded::new();
    // Not ./sites.toml: runs without --config below must not pick it up.
    let config = s.dir.path().join("selectors.toml");
    let pattern = format!("^http://127\\.0\\.0\\.1:{}/", s.server.addr.port());
    std::fs::write(
        &config,
        format!(
            "[[site]]\nname = \"local\"\nstart_urls = [\"{}\"]\narticle_pattern = '{pattern}'\n\n\
             [site.selectors]\ncontent = \"div.article-body\"\ntitle = \"section.related h3\"\n\
             exclude = [\"div.article-body p:first-child\"]\n",
            s.server.url("/")
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();

    let out = s.json(&["--config", config, "reextract", &s.url(), "--json"]);
    let current = out["extractor_version"].as_u64().unwrap();
    let versions = entries(&out);
    assert_eq!(versions.len(), 4);
    for v in versions {
        assert_eq!(v["result"], "changed", "{v}");
        let changed: Vec<&str> = v["changed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        assert!(
            changed.contains(&"title") && changed.contains(&"text"),
            "{v}"
        );
        assert!(v["words_removed"].as_u64().unwrap() > 0, "{v}");
        let title = v["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == "title")
            .unwrap_or_else(|| panic!("title in fields: {v}"));
        assert_eq!(title["reextracted"], "Related");
        assert!(
            title["stored"]
                .as_str()
                .unwrap()
                .starts_with("After Withdrawal")
        );
        assert!(
            v["fields"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["field"] != "text"),
            "the text is summarised by word counts"
        );
    }

    let out = s.run(&["--config", config, "reextract", &s.url(), "--version", "3"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text.lines().nth(1).unwrap_or_default();
    assert!(line.contains("changed: title, text +"), "{text}");
    assert!(
        line.ends_with(&format!(
            "(stored by extractor {current}, current {current})"
        )),
        "{text}"
    );

    // Without the selectors the same bodies read as stored: nothing was rewritten.
    let out = s.json(&["reextract", &s.url(), "--json"]);
    assert!(entries(&out).iter().all(|v| v["result"] == "same"));
}

#[test]
fn reads_through_the_daemon_while_it_holds_the_database() {
    let server = TestServer::start("127.0.0.1");
    let url = server.url("/news/1");
    server.set(
        "/news/1",
        Route::html(fixture_text("seed/v1-original.html")),
    );
    let dir = tempfile::tempdir().unwrap();
    let config = local_site(&server, dir.path(), std::slice::from_ref(&url), "/news/");
    let _daemon = Daemon::spawn(dir.path(), &config, &[], &[], None);
    let config = config.to_str().unwrap();
    let socket = dir.path().join("db").join("emend.sock");
    let started = Instant::now();
    let waited = |what: &str| {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    // Once the socket is up the daemon holds the database, so every read below goes through it.
    while !socket.exists() {
        waited("the daemon's socket");
    }
    let args = [
        "--config",
        config,
        "--db",
        "db",
        "reextract",
        &url,
        "--json",
    ];
    let out = loop {
        let out = emend(dir.path()).args(args).output().unwrap();
        if out.status.success() {
            break out;
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("not tracked"), "{stderr}");
        waited("the first version");
    };
    let out: Value = serde_json::from_slice(&out.stdout).unwrap();
    // The daemon checks within the site's hosts, so the seed's rel=canonical on another
    // host is ignored and the article keeps the URL it was fetched from.
    assert_eq!(out["url"], url.as_str());
    let versions = entries(&out);
    assert_eq!(versions.len(), 1);
    assert_eq!(
        versions[0]["result"], "same",
        "the body came through the socket"
    );
    // The check log comes through the socket too.
    let log = emend_json(dir.path(), &["--db", "db", "checks", &url, "--json"]);
    assert_eq!(log["url"], url.as_str());
    let checks = log["checks"].as_array().unwrap();
    assert!(
        checks
            .iter()
            .any(|c| c["change"] == "new" && c["version"] == 1),
        "{log}"
    );
}

/// A page in windows-1251 under a wrong `<meta charset="utf-8">`: only the response's
/// `Content-Type` names its encoding. Re-extraction must decode it as the fetch did.
#[test]
fn a_charset_declared_only_by_the_http_header_reads_the_same() {
    let server = TestServer::start("127.0.0.1");
    server.set(
        "/robots.txt",
        Route::new(200, "text/plain", "User-agent: *\nAllow: /\n"),
    );
    let html = fixture_text("seed/v1-original.html").replacen(
        "<head>",
        "<head><meta charset=\"utf-8\">",
        1,
    );
    let html = html.replace(
        "Lachin",
        "Лачин", // Cyrillic, so the two decodings really differ
    );
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(&html);
    assert!(
        !unmappable,
        "the fixture must be representable in windows-1251"
    );
    server.set(
        "/ru/lachin",
        Route::new(200, "text/html; charset=windows-1251", bytes.into_owned()),
    );
    let dir = tempfile::tempdir().expect("test setup");
    let db = dir.path().join("db");
    let db = db.to_str().expect("test setup");
    let url = server.url("/ru/lachin");
    let snap = emend_json(dir.path(), &["--db", db, "snapshot", &url, "--json"]);
    assert!(
        snap["title"].as_str().is_some_and(|t| t.contains("Лачин")),
        "the fetch decoded by the header: {snap}"
    );
    let re = emend_json(dir.path(), &["--db", db, "reextract", &url, "--json"]);
    assert_eq!(re["versions"][0]["result"], "same", "{re}");
}
