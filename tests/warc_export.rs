//! `emend export --warc`: a crawled history written as WARC/1.1 that the real tools accept
//! (warcio check, warcio index, cdxj-indexer), with every payload the stored body and every
//! request record what the server received.

mod common;
mod warc_support;

use std::path::Path;

use common::route::Route;
use common::server::TestServer;
use common::{emend, emend_json, fixture_bytes};
use serde_json::Value;

const ARTICLE: &str = "/politics/lachin-district-returned";
const CANONICAL: &str = "https://newsroom.example/politics/lachin-district-returned";
const STATES: &[&str] = &[
    "seed/v1-original.html",
    "seed/v2-declared-update.html",
    "seed/v3-silent-edit.html",
    "seed/v4-stamp-only.html",
];

fn sha256(bytes: &[u8]) -> String {
    let out = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().expect("stdin").write_all(bytes)?;
            c.wait_with_output()
        })
        .expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)[..64].to_owned()
}

/// Crawls the four seed states through the binary (with a 304 re-check after the first)
/// into `db`; returns the server, kept alive for its request log.
fn crawl(dir: &Path, db: &str) -> TestServer {
    let server = TestServer::start("127.0.0.1");
    server.set(
        "/robots.txt",
        Route::new(200, "text/plain", "User-agent: *\nAllow: /\n"),
    );
    let url = server.url(ARTICLE);
    for (i, state) in STATES.iter().enumerate() {
        let etag = format!("\"v{}\"", i + 1);
        server.set(
            ARTICLE,
            Route::html(fixture_bytes(state)).header("etag", &etag),
        );
        emend(dir)
            .args(["--db", db, "snapshot", &url])
            .assert()
            .success();
        if i == 0 {
            // Same validator: answered 304 Not Modified.
            emend(dir)
                .args(["--db", db, "snapshot", &url])
                .assert()
                .success();
        }
    }
    server
}

#[test]
fn a_crawled_history_exports_to_a_warc_the_real_tools_accept() {
    let Some(tools) = warc_support::tools() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let db = db.to_str().unwrap();
    let server = crawl(dir.path(), db);
    let out = dir.path().join("history.warc.gz");
    let stats = emend_json(
        dir.path(),
        &[
            "--db",
            db,
            "export",
            "--warc",
            out.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(stats["versions"], 4, "{stats}");
    assert_eq!(stats["revisits"], 1, "{stats}");
    assert_eq!(stats["resources"], 0, "{stats}");

    warc_support::run(&tools, "warcio", &["check", "-v", out.to_str().unwrap()]);
    let records = warc_support::records(&tools, &out);
    let kinds: Vec<&str> = records
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds[0], "warcinfo");
    let count = |k: &str| kinds.iter().filter(|t| **t == k).count();
    assert_eq!(
        (count("response"), count("request"), count("metadata")),
        (4, 5, 4)
    );
    assert_eq!(count("revisit"), 1);

    // Each response's payload is the page as served, in crawl order, at its target.
    let responses: Vec<&Value> = records.iter().filter(|r| r["type"] == "response").collect();
    for (r, state) in responses.iter().zip(STATES) {
        assert_eq!(
            r["payload_sha256"],
            sha256(&fixture_bytes(state)),
            "{state}"
        );
        assert_eq!(r["uri"], server.url(ARTICLE));
        assert_eq!(r["status"], "200");
    }
    let dates: Vec<&str> = responses
        .iter()
        .map(|r| r["date"].as_str().unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] < w[1]), "{dates:?}");

    // Every request record says what the server received, header for header.
    let hits = server.hits(ARTICLE);
    let requests: Vec<&Value> = records.iter().filter(|r| r["type"] == "request").collect();
    assert_eq!(hits.len(), requests.len());
    for (hit, req) in hits.iter().zip(&requests) {
        for pair in req["http_headers"].as_array().unwrap() {
            let (name, value) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
            assert_eq!(hit.header(name), Some(value), "{name} in {req}");
        }
        assert_eq!(
            req["http_headers"].as_array().unwrap().len(),
            hit.headers.len(),
            "recorded {req} but the server got {:?}",
            hit.headers
        );
    }
    // Requests point at their response (or revisit).
    for req in &requests {
        let to = &req["concurrent_to"];
        assert!(
            records
                .iter()
                .any(|r| &r["id"] == to && r["type"] != "request"),
            "{req}"
        );
    }

    // The revisit refers to version 1, whose validator the server confirmed.
    let revisit = records.iter().find(|r| r["type"] == "revisit").unwrap();
    assert_eq!(revisit["status"], "304");
    assert_eq!(revisit["refers_to"], responses[0]["id"]);
    assert!(
        revisit["profile"]
            .as_str()
            .unwrap()
            .ends_with("server-not-modified")
    );

    // emend's reading of each version travels in its metadata record.
    let meta: Vec<&Value> = records.iter().filter(|r| r["type"] == "metadata").collect();
    let changes: Vec<String> = meta
        .iter()
        .map(|m| {
            let text = m["payload"].as_str().unwrap();
            assert!(
                text.contains(&format!("emend-article: {CANONICAL}")),
                "{text}"
            );
            text.lines()
                .find_map(|l| l.strip_prefix("emend-change: "))
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        changes,
        ["new", "declared_update", "silent_edit", "stamp_only"]
    );

    // Indexers list every capture: one line per response and the revisit.
    let cdx = warc_support::run(&tools, "cdxj-indexer", &[out.to_str().unwrap()]);
    let lines: Vec<&str> = cdx.lines().collect();
    for r in responses.iter().copied().chain([revisit]) {
        let stamp: String = r["date"]
            .as_str()
            .unwrap()
            .chars()
            .filter(char::is_ascii_digit)
            .take(14)
            .collect();
        assert!(
            lines.iter().any(|l| l.contains(&stamp)),
            "{stamp} not in\n{cdx}"
        );
    }
    assert_eq!(lines.len(), 5, "{cdx}");
    let index = warc_support::run(&tools, "warcio", &["index", out.to_str().unwrap()]);
    assert_eq!(index.lines().count(), records.len(), "{index}");
}

#[test]
fn selection_by_url_and_time_and_an_unknown_url() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let db = db.to_str().unwrap();
    let _server = crawl(dir.path(), db);
    let out = dir.path().join("some.warc.gz");
    let out = out.to_str().unwrap();
    let all = emend_json(
        dir.path(),
        &["--db", db, "export", "--warc", out, CANONICAL, "--json"],
    );
    assert_eq!(all["versions"], 4);
    let future = emend_json(
        dir.path(),
        &[
            "--db",
            db,
            "export",
            "--warc",
            out,
            "--since",
            "2999-01-01",
            "--json",
        ],
    );
    assert_eq!(future["versions"], 0);
    assert_eq!(future["records"], 1, "only the warcinfo record");
    let missing = emend(dir.path())
        .args([
            "--db",
            db,
            "export",
            "--warc",
            out,
            "https://nowhere.test/x",
        ])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nowhere.test"));
    let bad_time = emend(dir.path())
        .args(["--db", db, "export", "--warc", out, "--since", "soon"])
        .output()
        .unwrap();
    assert_eq!(bad_time.status.code(), Some(2));
}

#[test]
fn datasets_have_one_row_per_version_with_the_documented_columns() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let db = db.to_str().unwrap();
    let _server = crawl(dir.path(), db);
    let out = emend(dir.path())
        .args(["--db", db, "export", "--jsonl", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let rows: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let changes: Vec<&str> = rows.iter().map(|r| r["change"].as_str().unwrap()).collect();
    assert_eq!(
        changes,
        ["new", "declared_update", "silent_edit", "stamp_only"]
    );
    let columns = [
        "url",
        "site",
        "version",
        "fetched_at",
        "change",
        "title",
        "byline",
        "published",
        "last_update",
        "words_added",
        "words_removed",
        "text",
        "text_hash",
        "body_hash",
        "fetched_url",
    ];
    let keys: Vec<&String> = rows[0].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), columns.len());
    assert!(
        columns.iter().all(|c| rows[0].get(*c).is_some()),
        "{}",
        rows[0]
    );
    assert_eq!(rows[0]["url"], CANONICAL);
    assert_eq!(rows[2]["version"], 3);

    let csv = dir.path().join("versions.csv");
    emend(dir.path())
        .args(["--db", db, "export", "--csv", csv.to_str().unwrap()])
        .assert()
        .success();
    // Python's csv module reads it back: a header and four rows whose text (paragraphs with
    // blank lines between them) survives the quoting.
    let check = r#"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
print(json.dumps([[r['version'], r['change'], r['text']] for r in rows]))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", check, csv.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed: Vec<(String, String, String)> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(parsed.len(), 4);
    for (row, json) in parsed.iter().zip(&rows) {
        assert_eq!(row.0, json["version"].to_string());
        assert_eq!(row.1, json["change"].as_str().unwrap());
        assert_eq!(row.2, json["text"].as_str().unwrap());
    }
}

#[test]
fn pywb_replays_each_version_at_its_timestamp_with_the_stored_bytes() {
    let Some(tools) = warc_support::tools() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let db = db.to_str().unwrap();
    let server = crawl(dir.path(), db);
    let out = dir.path().join("replay.warc.gz");
    emend(dir.path())
        .args(["--db", db, "export", "--warc", out.to_str().unwrap()])
        .assert()
        .success();
    let records = warc_support::records(&tools, &out);
    let responses: Vec<&Value> = records.iter().filter(|r| r["type"] == "response").collect();
    let stamps: Vec<String> = responses
        .iter()
        .map(|r| {
            let date = r["date"].as_str().unwrap();
            date.chars().filter(char::is_ascii_digit).take(14).collect()
        })
        .collect();
    let mut distinct = stamps.clone();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        stamps.len(),
        "one version per second: {stamps:?}"
    );
    let wayback = warc_support::Wayback::start(&tools, &out);
    for (stamp, state) in stamps.iter().zip(STATES) {
        let (status, hash) = wayback.replay(&tools, stamp, &server.url(ARTICLE));
        assert_eq!(status, 200, "{stamp}");
        assert_eq!(
            hash,
            sha256(&fixture_bytes(state)),
            "{stamp} replays {state}"
        );
    }
}
