//! A newcomer's first hour through the binary (issue 13): trying a site's settings before
//! the daemon runs, URLs as people paste them, non-articles and `forget`, messages that name
//! the real cause, the daemon's summaries, config edge cases and wording.

mod common;

use std::path::Path;
use std::time::Duration;

use common::daemon::{Daemon, local_site, wait_until};
use common::emend;
use common::route::Route;
use common::server::TestServer;

/// An article page of our own: a headline, a stamp and well over 50 words of body.
fn article_html(title: &str) -> String {
    let para = "The council met on Tuesday evening to discuss the new harbour plan, \
                which would widen the quay, move the fish market inland and add a \
                footbridge across the old canal. Residents spoke for two hours about \
                traffic, noise and the cost of the work, and the vote was put off.";
    format!(
        "<!DOCTYPE html><html><head><title>{title}</title></head><body>\
         <nav><a href=\"/\">Home</a> <a href=\"/about\">About</a></nav>\
         <article><h1>{title}</h1><time datetime=\"2026-11-30T08:00:00Z\">30 November</time>\
         <p>{para}</p><p>{para}</p><p>{para}</p></article></body></html>"
    )
}

/// A front page: navigation and headlines, no article body.
const FRONT_PAGE: &str = "<!DOCTYPE html><html><head><title>The Gazette</title></head><body>\
    <nav><a href=\"/\">Home</a> <a href=\"/world\">World</a> <a href=\"/sport\">Sport</a></nav>\
    <ul><li><a href=\"/news/harbour\">Harbour plan put off</a></li>\
    <li><a href=\"/news/market\">Market moves</a></li></ul></body></html>";

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = emend(dir).args(args).output().expect("run emend");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `emend --config CONFIG sites test NAME`, run in `dir`.
fn sites_test(dir: &Path, config: &Path, name: &str) -> (i32, String, String) {
    let config = config.to_str().expect("UTF-8 temp path");
    run(dir, &["--config", config, "sites", "test", name])
}

fn served_site() -> (TestServer, tempfile::TempDir) {
    let server = TestServer::start("127.0.0.1");
    server.set(
        "/robots.txt",
        Route::new(200, "text/plain", "User-agent: *\nDisallow: /private/\n"),
    );
    server.set(
        "/news/harbour",
        Route::html(article_html("Harbour plan put off")),
    );
    server.set("/", Route::html(FRONT_PAGE));
    (server, tempfile::tempdir().expect("temp dir"))
}

// Point 1 and the README's promise: the binary, the walkthrough and every key.

#[test]
fn readme_says_how_to_get_the_binary_and_shows_sites_test() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    assert!(readme.contains("cargo install --path ."), "install step");
    assert!(readme.contains("target/release/emend"), "the built binary");
    assert!(
        readme.contains("emend sites test bbc"),
        "sites test on the shipped sites.toml"
    );
}

#[test]
fn readme_sites_toml_block_is_valid_and_documents_every_key() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    // The reference block: the one with the `[crawler]` table (the notification section has
    // its own, smaller examples).
    let block = readme
        .split("```toml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .find(|b| b.contains("[crawler]"))
        .expect("a ```toml block with [crawler] in README.md");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("doc.toml"), block).expect("write");
    let (code, effective, err) = run(dir.path(), &["check-config", "doc.toml"]);
    assert_eq!(code, 0, "README's sites.toml is valid: {err}");
    // Every key check-config prints (all of them, defaults included) is in the block.
    for line in effective.lines().filter(|l| l.contains(" = ")) {
        let key = line.split(" = ").next().unwrap_or_default();
        assert!(
            block
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{key} "))),
            "README's sites.toml lacks `{key}`"
        );
    }
    assert!(
        block.contains("listen = "),
        "[crawler] listen is documented"
    );
}

// Point 3: a wrong article_pattern is visible before and while the daemon runs.

#[test]
fn sites_test_says_why_a_pattern_matches_nothing() {
    let (server, dir) = served_site();
    let links = [server.url("/news/harbour"), server.url("/news/market")];
    let config = local_site(&server, dir.path(), &links, "^https://elsewhere\\.test/");
    let (code, out, err) = sites_test(dir.path(), &config, "local");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("feed http://"), "{out}");
    assert!(out.contains("2 links, 0 matched"), "{out}");
    assert_eq!(
        out.matches("no match").count(),
        2,
        "each link is listed: {out}"
    );
    assert!(
        out.contains("nothing would be watched: none of the 2 links matches article_pattern"),
        "says why: {out}"
    );
    assert!(!out.contains("first article"), "{out}");
}

#[test]
fn sites_test_shows_robots_and_the_first_articles_extraction() {
    let (server, dir) = served_site();
    server.set("/private/x", Route::html(article_html("Private")));
    let links = [
        server.url("/private/x"),
        server.url("/news/harbour"),
        server.url("/about"),
    ];
    let config = local_site(&server, dir.path(), &links, "/(news|private)/");
    server.set(
        "/robots.txt",
        Route::new(200, "text/plain", "User-agent: *\nDisallow: /private/\n"),
    );
    let (code, out, err) = sites_test(dir.path(), &config, "local");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("3 links, 2 matched"), "{out}");
    let line = |needle: &str| {
        out.lines()
            .find(|l| l.ends_with(needle))
            .unwrap_or_else(|| panic!("no line for {needle}: {out}"))
            .to_owned()
    };
    assert!(line("/private/x").contains("robots disallows"), "{out}");
    assert!(line("/news/harbour").contains("robots allows"), "{out}");
    assert!(line("/about").contains("no match"), "{out}");
    assert!(
        out.contains(&format!("first article: {}", server.url("/news/harbour"))),
        "{out}"
    );
    assert!(out.contains("title:       Harbour plan put off"), "{out}");
    assert!(out.contains("words:       1"), "a word count: {out}");
    assert!(
        server.hits("/private/x").is_empty(),
        "a disallowed URL is never fetched"
    );
}

#[test]
fn sites_test_of_an_unknown_site_names_the_known_ones() {
    let (server, dir) = served_site();
    let config = local_site(&server, dir.path(), &[], ".");
    let (code, _, err) = sites_test(dir.path(), &config, "gazete");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no site named \"gazete\" (sites: local)"),
        "{err}"
    );
}

#[test]
fn daemon_logs_a_start_summary_and_per_source_counts() {
    let (server, dir) = served_site();
    let links = [server.url("/news/harbour"), server.url("/news/market")];
    let config = local_site(&server, dir.path(), &links, "^https://elsewhere\\.test/");
    // The binary's own default level: what a user sees without RUST_LOG.
    let mut daemon = Daemon::spawn(dir.path(), &config, &[], &[], Some("warn,emend=info"));
    wait_until("the feed is read", Duration::from_secs(20), || {
        !server.hits("/rss").is_empty()
    });
    std::thread::sleep(Duration::from_millis(500));
    daemon.terminate();
    assert!(daemon.wait_exit(Duration::from_secs(15)).success());
    let log = daemon.stderr();
    assert!(
        log.contains("daemon started") && log.contains("db=db"),
        "{log}"
    );
    assert!(
        log.contains("site=local feeds=1 sitemaps=0 index_pages=0"),
        "{log}"
    );
    assert!(
        log.contains("links=2 matched=0 new=0"),
        "per-source counts: {log}"
    );
    assert!(log.contains("feed read"), "{log}");
    assert!(
        log.contains("discovery round done") && log.contains("next_in=1s"),
        "{log}"
    );
    for line in log.lines() {
        assert!(
            line.chars().count() <= 160,
            "{} chars: {line}",
            line.chars().count()
        );
    }
}

// Point 4: URLs as people paste them.

#[test]
fn pasted_variants_of_a_tracked_url_find_its_history() {
    let (server, dir) = served_site();
    let url = server.url("/news/harbour");
    let (code, _, err) = run(dir.path(), &["--db", "db", "snapshot", &url]);
    assert_eq!(code, 0, "{err}");
    let bare = url.trim_start_matches("http://");
    for variant in [
        url.replace("http://", "HTTP://"),
        format!("{url}#comments"),
        format!("{url}?utm_source=newsletter&fbclid=abc"),
        bare.to_owned(),
    ] {
        let (code, out, err) = run(dir.path(), &["--db", "db", "history", &variant]);
        assert_eq!(code, 0, "{variant}: {err}");
        assert!(out.starts_with(&format!("{url}\n")), "{variant}: {out}");
    }
}

#[test]
fn snapshot_without_a_scheme_tries_https_and_says_so() {
    let (_server, dir) = served_site();
    let (code, _, err) = run(dir.path(), &["--db", "db", "snapshot", "127.0.0.1:9/x"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("has no scheme; trying https://127.0.0.1:9/x"),
        "{err}"
    );
    assert!(!err.contains("relative URL without a base"), "{err}");
}

// Point 5: non-articles, and forgetting.

#[test]
fn snapshot_of_a_front_page_stores_nothing_unless_forced() {
    let (server, dir) = served_site();
    let url = server.url("/");
    let (code, _, err) = run(dir.path(), &["--db", "db", "snapshot", &url]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("not an article") && err.contains("--force"),
        "{err}"
    );
    let (_, list, _) = run(dir.path(), &["--db", "db", "list"]);
    assert!(!list.contains(&url), "nothing stored: {list}");
    let (code, out, err) = run(dir.path(), &["--db", "db", "snapshot", "--force", &url]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("new (version 1)"), "{out}");
}

#[test]
fn forget_removes_an_article_and_its_history_only_when_confirmed() {
    let (server, dir) = served_site();
    let url = server.url("/news/harbour");
    let other = server.url("/news/market");
    server.set("/news/market", Route::html(article_html("Market moves")));
    for u in [&url, &other] {
        assert_eq!(run(dir.path(), &["--db", "db", "snapshot", u]).0, 0);
    }
    // No terminal to ask on, no --yes: nothing happens.
    let (code, _, err) = run(dir.path(), &["--db", "db", "forget", &url]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("--yes"), "{err}");
    assert_eq!(run(dir.path(), &["--db", "db", "history", &url]).0, 0);

    let (code, out, err) = run(
        dir.path(),
        &["--db", "db", "forget", "--yes", &format!("{url}#x")],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, format!("{url}: forgotten (1 version, 1 check)\n"));
    let (code, _, err) = run(dir.path(), &["--db", "db", "history", &url]);
    assert_eq!(code, 1);
    assert!(err.contains("not tracked"), "{err}");
    let (_, list, _) = run(dir.path(), &["--db", "db", "list"]);
    assert!(!list.contains(&url) && list.contains(&other), "{list}");
    let (code, _, err) = run(dir.path(), &["--db", "db", "forget", "--yes", &url]);
    assert_eq!(code, 1, "forgetting twice: {err}");
}

#[test]
fn forget_goes_through_the_running_daemon() {
    let (server, dir) = served_site();
    let url = server.url("/news/harbour");
    assert_eq!(run(dir.path(), &["--db", "db", "snapshot", &url]).0, 0);
    // A feed that does not list it, so discovery cannot bring it back.
    let config = local_site(&server, dir.path(), &[], "/news/");
    let daemon = Daemon::spawn(dir.path(), &config, &[], &[], None);
    let socket = dir.path().join("db").join("emend.sock");
    wait_until("the daemon's socket", Duration::from_secs(20), || {
        socket.exists()
    });
    let (code, out, err) = run(dir.path(), &["--db", "db", "forget", "--yes", &url]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!("{url}: forgotten (1 version")),
        "{out}"
    );
    let (code, _, err) = run(dir.path(), &["--db", "db", "checks", &url]);
    assert_eq!(code, 1, "the running daemon no longer has it: {err}");
    assert!(err.contains("not tracked"), "{err}");
    drop(daemon);
}

// Point 6: network errors name the host and the cause.

#[test]
fn connection_errors_name_host_and_cause_not_robots() {
    let (server, dir) = served_site();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let refused = format!("http://127.0.0.1:{port}/a");
    let (code, _, err) = run(dir.path(), &["--db", "db", "snapshot", &refused]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!(
            "cannot connect to 127.0.0.1:{port}: connection refused"
        )),
        "{err}"
    );
    assert!(!err.contains("robots"), "{err}");
    let tls = server.url("/news/harbour").replace("http://", "https://");
    let (code, _, err) = run(dir.path(), &["--db", "db", "snapshot", &tls]);
    assert_eq!(code, 1);
    assert!(err.contains("TLS to a plain-HTTP port?"), "{err}");
    assert!(!err.contains("InvalidContentType"), "{err}");
    assert!(err.trim_end().lines().count() == 1, "{err}");
}

// Point 8: config edge cases.

#[test]
fn a_missing_config_file_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (code, _, err) = run(dir.path(), &["--config", "nope.toml", "list"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err,
        "emend: nope.toml: cannot read the config file: no such file\n"
    );
}

#[test]
fn without_any_config_daemon_and_check_config_say_how_to_write_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    for cmd in ["daemon", "check-config"] {
        let (code, out, err) = run(dir.path(), &[cmd]);
        assert_eq!(code, 2, "{cmd}: {err}");
        assert!(out.is_empty(), "{cmd} prints no settings: {out}");
        assert!(
            err.contains("no sites.toml in") && err.contains("[[site]]"),
            "{err}"
        );
        assert!(
            !err.contains(":1:1:"),
            "no position in a file that does not exist: {err}"
        );
    }
    assert!(!dir.path().join("emend.db").exists(), "nothing created");
}

#[test]
fn a_bad_regex_keeps_its_caret() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("s.toml"),
        "[[site]]\nname = \"a\"\nfeeds = [\"https://a.test/rss\"]\narticle_pattern = \"news/(\"\n",
    )
    .expect("write");
    let (code, _, err) = run(dir.path(), &["check-config", "s.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("s.toml:4:"), "{err}");
    assert!(
        err.contains("\n    news/(\n         ^\n"),
        "caret under the fault: {err}"
    );
}

// Point 9: wording.

#[test]
fn counts_are_plural_only_when_they_should_be() {
    let (server, dir) = served_site();
    let url = server.url("/news/harbour");
    assert_eq!(run(dir.path(), &["--db", "db", "snapshot", &url]).0, 0);
    let (_, list, _) = run(dir.path(), &["--db", "db", "list"]);
    assert!(list.contains(" 1 version  "), "{list}");
    assert!(!list.contains("1 versions"), "{list}");
}

#[test]
fn the_daemon_logs_the_outcome_word_and_fetch_time_that_checks_shows() {
    let (server, dir) = served_site();
    let url = server.url("/news/harbour");
    server.set(
        "/news/harbour",
        Route::html(article_html("Harbour plan put off")).header("etag", "\"v1\""),
    );
    let config = local_site(&server, dir.path(), std::slice::from_ref(&url), "/news/");
    let mut daemon = Daemon::spawn(dir.path(), &config, &[], &[], Some("warn,emend=info"));
    wait_until("a second check", Duration::from_secs(30), || {
        server.hits("/news/harbour").len() >= 2
    });
    std::thread::sleep(Duration::from_millis(300));
    daemon.terminate();
    assert!(daemon.wait_exit(Duration::from_secs(15)).success());
    let log = daemon.stderr();
    let checks = common::emend_json(dir.path(), &["--db", "db", "checks", &url, "--json"]);
    let first = checks["checks"]
        .as_array()
        .and_then(|c| c.last())
        .expect("a check");
    let logged = log
        .lines()
        .find(|l| l.contains(" check ") && l.contains("outcome=\"new\""))
        .unwrap_or_else(|| panic!("a check line with outcome=\"new\": {log}"));
    assert!(
        logged.contains(&format!("ms={}", first["elapsed_ms"])),
        "one duration per fetch: {logged} vs {first}"
    );
    let (_, text, _) = run(dir.path(), &["--db", "db", "checks", &url]);
    assert!(text.contains("new (version 1)"), "{text}");
}
