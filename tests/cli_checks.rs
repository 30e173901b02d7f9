//! `emend checks`: the check log a fact-checker cites ("looked at 10:02, unchanged"), newest
//! first, through the binary, for every kind of outcome.

mod common;

use common::route::Route;
use common::server::TestServer;
use common::{emend, emend_json, fixture_text};

const ARTICLE: &str = "/politics/lachin-district-returned";
const CANONICAL: &str = "https://newsroom.example/politics/lachin-district-returned";

#[test]
fn the_check_log_lists_every_outcome_newest_first() {
    let server = TestServer::start("127.0.0.1");
    server.set(
        "/robots.txt",
        Route::new(200, "text/plain", "User-agent: *\nAllow: /\n"),
    );
    let page = fixture_text("seed/v1-original.html");
    server.set(ARTICLE, Route::html(page.clone()).header("etag", "\"v1\""));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let db = db.to_str().unwrap();
    let url = server.url(ARTICLE);
    let snapshot = || {
        emend(dir.path())
            .args(["--db", db, "snapshot", &url])
            .output()
            .unwrap()
    };
    assert!(snapshot().status.success()); // new: version 1
    assert!(snapshot().status.success()); // conditional GET answered 304
    server.set(ARTICLE, Route::html(page)); // no validator any more: read and compared
    assert!(snapshot().status.success());
    server.set(
        ARTICLE,
        Route::new(503, "text/plain", "down for maintenance"),
    );
    assert!(!snapshot().status.success());

    let log = emend_json(dir.path(), &["--db", db, "checks", &url, "--json"]);
    assert_eq!(log["url"], CANONICAL, "an alias answers for its article");
    let checks = log["checks"].as_array().unwrap();
    let outcomes: Vec<(&str, Option<&str>)> = checks
        .iter()
        .map(|c| (c["outcome"].as_str().unwrap(), c["change"].as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("failed", None),
            ("checked", Some("unchanged")),
            ("not_modified", None),
            ("checked", Some("new")),
        ],
        "{log}"
    );
    assert_eq!(checks[0]["status"], 503);
    assert!(checks[0]["error"].as_str().unwrap().contains("503"));
    assert_eq!(checks[2]["status"], 304);
    assert_eq!(checks[3]["version"], 1);
    assert_eq!(checks[3]["etag"], "\"v1\"");
    let times: Vec<&str> = checks.iter().map(|c| c["at"].as_str().unwrap()).collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );

    let two = emend_json(
        dir.path(),
        &["--db", db, "checks", &url, "--limit", "2", "--json"],
    );
    assert_eq!(two["checks"].as_array().unwrap().len(), 2);

    let human = emend(dir.path())
        .args(["--db", db, "checks", CANONICAL])
        .output()
        .unwrap();
    let text = String::from_utf8(human.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], CANONICAL);
    assert!(
        lines[1].contains(" 503 ") && lines[1].contains("failed: "),
        "{text}"
    );
    assert!(
        lines[3].contains(" 304 ") && lines[3].ends_with("not_modified"),
        "{text}"
    );
    assert!(lines[4].ends_with("new (version 1)"), "{text}");

    let unknown = emend(dir.path())
        .args(["--db", db, "checks", "https://nowhere.example/x"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(1));
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        err.contains("https://nowhere.example/x") && err.contains("not tracked"),
        "{err}"
    );
}
