//! The seed article through five states, driven through the binary as a user runs it (issue 2).

mod common;

use common::route::Route;
use common::server::TestServer;
use common::{emend_json, fixture_text};
use serde_json::Value;

const STATES: [&str; 5] = [
    "v1-original",
    "v2-declared-update",
    "v3-silent-edit",
    "v4-stamp-only",
    "v5-boilerplate",
];

fn expected(state: &str) -> Value {
    serde_json::from_str(&fixture_text(&format!("seed/{state}.expected.json")))
        .expect("expected output is JSON")
}

#[test]
fn five_states_make_four_versions_with_the_right_change_kinds() {
    let server = TestServer::start("127.0.0.1");
    server.set(
        "/robots.txt",
        Route::new(200, "text/plain", "User-agent: *\nAllow: /\n"),
    );
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let db = db.to_str().unwrap();
    let url = server.url("/politics/lachin-district-returned");
    let snapshot = |state: &str| -> Value {
        server.set(
            "/politics/lachin-district-returned",
            Route::html(fixture_text(&format!("seed/{state}.html"))),
        );
        emend_json(dir.path(), &["--db", db, "snapshot", &url, "--json"])
    };

    let mut changes = Vec::new();
    for state in STATES {
        let out = snapshot(state);
        let want = expected(state);
        for key in ["title", "byline", "published", "last_update", "text"] {
            assert_eq!(out[key], want[key], "{state}: {key}");
        }
        changes.push(out["change"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        changes,
        [
            "new",
            "declared_update",
            "silent_edit",
            "stamp_only",
            "unchanged"
        ]
    );
    // Snapshotting the same state again is a check, not a version.
    assert_eq!(snapshot("v5-boilerplate")["change"], "unchanged");

    let history = emend_json(dir.path(), &["--db", db, "history", &url, "--json"]);
    let versions = history["versions"].as_array().unwrap();
    let kinds: Vec<&str> = versions
        .iter()
        .map(|v| v["change"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["new", "declared_update", "silent_edit", "stamp_only"]
    );
    let numbers: Vec<u64> = versions
        .iter()
        .map(|v| v["version"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 2, 3, 4]);
    // The store key is the page's rel=canonical; the fetched URL is an alias of it.
    assert_eq!(
        history["url"],
        "https://newsroom.example/politics/lachin-district-returned"
    );
    assert!(
        versions[1]["words_added"].as_u64().unwrap() >= 25,
        "added paragraph counted"
    );
    assert_eq!(versions[1]["words_removed"], 0);
    assert_eq!(versions[3]["words_added"], 0, "stamp-only changes no words");
    assert_eq!(versions[3]["words_removed"], 0);
    for v in versions {
        assert!(chrono::DateTime::parse_from_rfc3339(v["fetched_at"].as_str().unwrap()).is_ok());
        // Provenance: where it came from and which stored body it was read from.
        assert_eq!(v["fetched_url"], url.as_str());
        assert_eq!(v["encoding"], "UTF-8");
        assert_eq!(v["body_hash"].as_str().map(str::len), Some(64), "{v}");
        assert!(v["extractor_version"].as_u64().is_some_and(|n| n >= 1));
        assert!(v["byline"].is_string() && v["published"].is_string(), "{v}");
    }
    let hashes: std::collections::HashSet<&str> = versions
        .iter()
        .filter_map(|v| v["body_hash"].as_str())
        .collect();
    assert_eq!(hashes.len(), 4, "each version's own body");

    // The silent edit, word by word.
    let diff = emend_json(
        dir.path(),
        &[
            "--db", db, "diff", &url, "--from", "2", "--to", "3", "--json",
        ],
    );
    assert_eq!(
        (diff["from"].as_u64(), diff["to"].as_u64()),
        (Some(2), Some(3))
    );
    let ops = diff["ops"].as_array().unwrap();
    let text_of = |op: &str| -> String {
        ops.iter()
            .filter(|o| o["op"] == op)
            .map(|o| o["text"].as_str().unwrap())
            .collect::<Vec<_>>()
            .join("|")
    };
    assert_eq!(text_of("delete"), "has reached");
    assert_eq!(text_of("insert"), "is estimated at about");
    let rebuilt: String = ops
        .iter()
        .filter(|o| o["op"] != "delete")
        .map(|o| o["text"].as_str().unwrap())
        .collect();
    assert_eq!(rebuilt, versions[2]["text"].as_str().unwrap());

    // Default diff: the last two versions (stamp-only: text identical).
    let diff = emend_json(dir.path(), &["--db", db, "diff", &url, "--json"]);
    assert_eq!(
        (diff["from"].as_u64(), diff["to"].as_u64()),
        (Some(3), Some(4))
    );
    assert!(
        diff["ops"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["op"] == "equal")
    );

    let list = emend_json(dir.path(), &["--db", db, "list", "--json"]);
    assert_eq!(list["articles"][0]["versions"], 4);
}

#[test]
fn human_outputs_name_versions_and_mark_words() {
    let server = TestServer::start("127.0.0.1");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let db = db.to_str().unwrap();
    let url = server.url("/a");
    for state in ["v2-declared-update", "v3-silent-edit"] {
        server.set(
            "/a",
            Route::html(fixture_text(&format!("seed/{state}.html"))),
        );
        common::emend(dir.path())
            .args(["--db", db, "snapshot", &url])
            .assert()
            .success();
    }
    let out = common::emend(dir.path())
        .args(["--db", db, "history", &url])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("silent_edit"), "{text}");
    assert_eq!(
        text.lines().count(),
        3,
        "url line + one line per version: {text}"
    );
    let out = common::emend(dir.path())
        .args(["--db", db, "diff", &url])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("[-has reached-]{+is estimated at about+}"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "no colour when not a terminal");
}
