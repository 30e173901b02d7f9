//! `emend import --warc`: a WARC written by `wget --warc-file` against a loopback server
//! imports into the same versions and change kinds as a live crawl of that server; a
//! truncated file imports what it can and names the record it lost.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

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

fn wget() -> Option<PathBuf> {
    let found = ["/usr/bin/wget", "/usr/local/bin/wget"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "wget is missing");
        eprintln!("SKIPPED: no wget (install Debian's wget)");
    }
    found
}

/// Serves each state in turn, crawling it live into `live` and recording it with wget into
/// one WARC file per state; returns the files in crawl order.
fn crawl_both_ways(wget: &Path, dir: &Path, live: &str) -> Vec<PathBuf> {
    let server = TestServer::start("127.0.0.1");
    server.set(
        "/robots.txt",
        Route::new(200, "text/plain", "User-agent: *\nAllow: /\n"),
    );
    let url = server.url(ARTICLE);
    let mut files = Vec::new();
    for (i, state) in STATES.iter().enumerate() {
        server.set(ARTICLE, Route::html(fixture_bytes(state)));
        let base = dir.join(format!("state{i}"));
        let status = Command::new(wget)
            .arg("-q")
            .arg(format!("--warc-file={}", base.display()))
            .args(["-O", "/dev/null", &url])
            .status()
            .expect("test helper");
        assert!(status.success(), "wget failed");
        files.push(base.with_extension("warc.gz"));
        emend(dir)
            .args(["--db", live, "snapshot", &url])
            .assert()
            .success();
    }
    files
}

fn history(dir: &Path, db: &str) -> Vec<(String, String, String)> {
    let h = emend_json(dir, &["--db", db, "history", CANONICAL, "--json"]);
    h["versions"]
        .as_array()
        .expect("test helper")
        .iter()
        .map(|v: &Value| {
            (
                v["change"].as_str().expect("test helper").to_owned(),
                v["body_hash"].as_str().expect("test helper").to_owned(),
                v["text"].as_str().expect("test helper").to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_wget_warc_imports_into_the_same_history_as_a_live_crawl() {
    let Some(wget) = wget() else { return };
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live");
    let imported = dir.path().join("imported");
    let (live, imported) = (live.to_str().unwrap(), imported.to_str().unwrap());
    let files = crawl_both_ways(&wget, dir.path(), live);
    let mut args = vec!["--db", imported, "import", "--json", "--warc"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let report = emend_json(dir.path(), &args);
    assert_eq!(report["versions"], 4, "{report}");
    assert_eq!(report["problems"].as_array().unwrap().len(), 0, "{report}");

    let want = history(dir.path(), live);
    let got = history(dir.path(), imported);
    let kinds: Vec<&str> = got.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        ["new", "declared_update", "silent_edit", "stamp_only"]
    );
    assert_eq!(got, want);

    // Imported again: the earlier captures are older than the history, the last one matches it.
    let again = emend_json(dir.path(), &args);
    assert_eq!(again["versions"], 0, "{again}");
}

/// Offsets of the gzip members of `bytes` (each WARC record is one).
fn members(bytes: &[u8]) -> Vec<usize> {
    (0..bytes.len().saturating_sub(2))
        .filter(|&i| bytes[i..i + 3] == [0x1f, 0x8b, 0x08])
        .collect()
}

#[test]
fn a_truncated_warc_imports_what_it_can_and_names_the_record_it_lost() {
    let Some(wget) = wget() else { return };
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live");
    let files = crawl_both_ways(&wget, dir.path(), live.to_str().unwrap());
    // All four captures in one file, cut in the middle of the last one's largest record.
    let mut joined = Vec::new();
    for f in &files[..3] {
        joined.extend(std::fs::read(f).unwrap());
    }
    let last = std::fs::read(&files[3]).unwrap();
    let mut starts = members(&last);
    starts.push(last.len());
    let (from, to) = starts
        .windows(2)
        .map(|w| (w[0], w[1]))
        .max_by_key(|(a, b)| b - a)
        .unwrap();
    joined.extend(&last[..from + (to - from) / 2]);
    let cut = dir.path().join("cut.warc.gz");
    std::fs::write(&cut, &joined).unwrap();

    let db = dir.path().join("imported");
    let out = emend(dir.path())
        .args([
            "--db",
            db.to_str().unwrap(),
            "import",
            "--warc",
            cut.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("truncated"), "{stderr}");
    assert!(
        stderr.contains("urn:uuid:") && stderr.contains(ARTICLE),
        "names the record: {stderr}"
    );
    let h = emend_json(
        dir.path(),
        &["--db", db.to_str().unwrap(), "history", CANONICAL, "--json"],
    );
    assert_eq!(h["versions"].as_array().unwrap().len(), 3, "{h}");
}
