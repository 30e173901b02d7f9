//! What changed, at a glance (issue 12): the seed article through a declared update, a
//! silent edit, a stamp-only change and a headline-only edit, read through `history`, the
//! three `diff` formats, `diff --json` and the web diff page.

mod common;
mod web_support;

use std::path::Path;

use common::route::Route;
use common::server::TestServer;
use common::{emend, emend_json, fixture_text};

const OLD_HEAD: &str = "Azerbaijan Regains Control Over Lachin District";
const NEW_HEAD: &str = "Azerbaijan Retakes Lachin District";
const STAMP_3: &str = "2020-12-02T17:40:00+04:00";

/// A store of five versions: the four seed states, then the last one with only its headline
/// rewritten (a silent edit that moves no word of the text).
struct Seeded {
    dir: tempfile::TempDir,
    db: String,
    url: String,
    _server: TestServer,
}

fn seeded() -> Seeded {
    let server = TestServer::start("127.0.0.1");
    let dir = tempfile::tempdir().expect("test setup");
    let db = dir
        .path()
        .join("db")
        .to_str()
        .expect("test setup")
        .to_owned();
    let url = server.url("/politics/lachin-district-returned");
    let stamp_only = fixture_text("seed/v4-stamp-only.html");
    assert!(stamp_only.contains(OLD_HEAD));
    let pages = [
        fixture_text("seed/v1-original.html"),
        fixture_text("seed/v2-declared-update.html"),
        fixture_text("seed/v3-silent-edit.html"),
        stamp_only.clone(),
        stamp_only.replace(OLD_HEAD, NEW_HEAD),
    ];
    for page in pages {
        server.set("/politics/lachin-district-returned", Route::html(page));
        emend(dir.path())
            .args(["--db", &db, "snapshot", &url])
            .assert()
            .success();
    }
    Seeded {
        dir,
        db,
        url,
        _server: server,
    }
}

impl Seeded {
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        let mut cmd = emend(self.dir.path());
        cmd.args(["--db", &self.db]).args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("test setup")
    }

    /// Stdout of a successful run, wide enough that no header line wraps.
    fn stdout(&self, args: &[&str]) -> String {
        let out = self.run(args, &[("COLUMNS", "200")]);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("test setup")
    }

    fn diff(&self, from: &str, to: &str, format: &str) -> String {
        self.stdout(&[
            "diff", &self.url, "--from", from, "--to", to, "--format", format,
        ])
    }
}

const FORMATS: [&str; 3] = ["inline", "unified", "side-by-side"];

#[test]
fn a_headline_only_edit_shows_in_history_every_diff_format_and_json() {
    let s = seeded();
    let history = s.stdout(&["history", &s.url]);
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(lines.len(), 6, "{history}");
    assert!(
        lines[5].contains("silent_edit") && lines[5].ends_with("title"),
        "{history}"
    );
    assert!(
        lines[4].contains("stamp_only") && lines[4].ends_with("stamp"),
        "{history}"
    );
    assert!(
        lines[2].contains("declared_update") && lines[2].contains("stamp, +"),
        "{history}"
    );

    for format in FORMATS {
        let out = s.diff("4", "5", format);
        assert!(
            out.contains("version 4 → 5  silent_edit"),
            "{format}: {out}"
        );
        assert!(
            out.contains(&format!(
                "- After Withdrawal Of Armenia's Troops, {OLD_HEAD}"
            )),
            "{format}: {out}"
        );
        assert!(
            out.contains(&format!(
                "+ After Withdrawal Of Armenia's Troops, {NEW_HEAD}"
            )),
            "{format}: {out}"
        );
        assert!(out.contains("  text       unchanged"), "{format}: {out}");
        assert!(
            !out.contains("has reached"),
            "{format}: the unchanged text is not printed: {out}"
        );
    }

    let json = emend_json(
        s.dir.path(),
        &[
            "--db", &s.db, "diff", &s.url, "--from", "4", "--to", "5", "--json",
        ],
    );
    let fields = json["fields"].as_array().expect("test setup");
    assert_eq!(fields.len(), 1, "{json}");
    assert_eq!(fields[0]["field"], "title");
    assert!(
        fields[0]["from"]
            .as_str()
            .expect("test setup")
            .ends_with(OLD_HEAD)
    );
    assert!(
        fields[0]["to"]
            .as_str()
            .expect("test setup")
            .ends_with(NEW_HEAD)
    );
    let history = emend_json(s.dir.path(), &["--db", &s.db, "history", &s.url, "--json"]);
    assert_eq!(history["versions"][4]["fields"][0]["field"], "title");
    assert_eq!(
        history["versions"][0]["fields"]
            .as_array()
            .expect("test setup")
            .len(),
        0
    );
}

#[test]
fn a_stamp_only_change_shows_both_stamps_in_every_format() {
    let s = seeded();
    let json = emend_json(
        s.dir.path(),
        &[
            "--db", &s.db, "diff", &s.url, "--from", "3", "--to", "4", "--json",
        ],
    );
    assert_eq!(json["fields"][0]["field"], "last_update", "{json}");
    assert_eq!(json["fields"][0]["from"], STAMP_3);
    let new_stamp = json["fields"][0]["to"]
        .as_str()
        .expect("test setup")
        .to_owned();
    assert_ne!(new_stamp, STAMP_3);
    for format in FORMATS {
        let out = s.diff("3", "4", format);
        assert!(out.contains(&format!("stamp {STAMP_3}")), "{format}: {out}");
        assert!(
            out.contains(&format!("stamp {new_stamp}")),
            "{format}: {out}"
        );
        assert!(out.contains("stamp_only · stamp moved"), "{format}: {out}");
        assert!(
            !out.contains("The Lachin district"),
            "{format}: no unchanged text: {out}"
        );
    }
    // A silent edit says the stamp did not move.
    let out = s.diff("2", "3", "inline");
    assert!(
        out.contains("silent_edit · stamp unchanged") && out.contains(&format!("stamp {STAMP_3}")),
        "{out}"
    );
    assert!(
        out.contains("[-has reached-]{+is estimated at about+}"),
        "{out}"
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_and_never_with_no_color() {
    let s = seeded();
    let args = ["diff", s.url.as_str(), "--from", "2", "--to", "3"];
    let with = |extra: &[&str], env: &[(&str, &str)]| {
        let mut a = args.to_vec();
        a.extend_from_slice(extra);
        let out = s.run(&a, env);
        assert!(out.status.success());
        String::from_utf8(out.stdout).expect("test setup")
    };
    let coloured = with(&["--color", "always"], &[]);
    assert!(
        coloured.contains("\x1b[31;9mhas reached\x1b[0m"),
        "{coloured:?}"
    );
    assert!(!coloured.contains("[-"), "colour replaces the plain marks");
    // common::emend sets NO_COLOR; stdout is a pipe either way.
    assert!(!with(&[], &[]).contains('\x1b'));
    assert!(
        !with(&["--color", "auto"], &[("NO_COLOR", "")]).contains('\x1b'),
        "a pipe"
    );
    assert!(!with(&["--color", "never"], &[]).contains('\x1b'));
    assert!(!s.stdout(&["history", &s.url]).contains('\x1b'));

    // On a real terminal (a pty from util-linux `script`), auto colours unless NO_COLOR is set.
    let Some(script) = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| Path::new(p).is_file())
    else {
        println!("SKIPPED the pty half: no `script` binary");
        return;
    };
    let on_tty = |no_color: Option<&str>| {
        let line = format!(
            "{} --db {} diff {} --from 2 --to 3",
            env!("CARGO_BIN_EXE_emend"),
            s.db,
            s.url
        );
        let mut cmd = std::process::Command::new(script);
        cmd.args(["-qec", &line, "/dev/null"])
            .env_remove("NO_COLOR")
            .env("RUST_LOG", "off");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let out = cmd.output().expect("test setup");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(
        on_tty(None).contains("\x1b[31;9m"),
        "a terminal gets colour"
    );
    assert!(
        !on_tty(Some("1")).contains("\x1b["),
        "NO_COLOR wins over the terminal"
    );
}

#[test]
fn side_by_side_fits_the_terminal_width() {
    let s = seeded();
    for width in [80usize, 140] {
        let cols = width.to_string();
        let out = s.run(
            &[
                "diff",
                &s.url,
                "--from",
                "1",
                "--to",
                "3",
                "--format",
                "side-by-side",
            ],
            &[("COLUMNS", &cols)],
        );
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).expect("test setup");
        let widest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(
            widest <= width,
            "{width}: a line of {widest} columns:\n{text}"
        );
        assert!(
            widest > width - 10,
            "{width}: the columns use the width ({widest}):\n{text}"
        );
        assert!(
            text.contains("{+is") && text.contains("about+}"),
            "changed words marked: {text}"
        );
        assert!(text.contains(" │ "), "{text}");
    }
}

#[test]
fn invalid_ranges_are_usage_errors_naming_the_versions() {
    let s = seeded();
    for range in [["3", "1"], ["2", "2"], ["1", "9"], ["7", "5"]] {
        let out = s.run(&["diff", &s.url, "--from", range[0], "--to", range[1]], &[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{range:?}: {err}");
        assert!(err.contains("versions 1 to 5"), "{range:?}: {err}");
        assert!(
            out.stdout.is_empty(),
            "{range:?}: nothing printed as a diff"
        );
    }
    // The first version is shown as its text, not as a diff.
    let out = s.diff("0", "1", "inline");
    assert!(
        out.contains("first capture") && !out.contains("{+"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_diff_page_shows_the_headline_edit_and_both_stamps() {
    let s = seeded();
    let store = emend::store::Store::open(Path::new(&s.db)).expect("test setup");
    let server = web_support::Server::start_with(store).await;
    let url = web_support::enc("https://newsroom.example/politics/lachin-district-returned");
    let page = server
        .text(&format!("/diff?url={url}&from=4&to=5"), "text/html")
        .await;
    let esc = |s: &str| s.replace('\'', "&#39;");
    assert!(
        page.contains(&format!(
            "<th>title</th><td><del>{}",
            esc("After Withdrawal Of Armenia's Troops, ")
        )),
        "{page}"
    );
    assert!(page.contains(NEW_HEAD), "{page}");
    assert!(page.contains("stamp unchanged"), "{page}");
    assert!(page.contains("The text is identical."), "{page}");
    let page = server
        .text(&format!("/diff?url={url}&from=3&to=4"), "text/html")
        .await;
    assert!(
        page.contains("stamp moved") && page.contains(STAMP_3),
        "{page}"
    );
    let home = server.text("/", "text/html").await;
    assert!(
        home.contains("headline changed") && home.contains("stamp moved"),
        "{home}"
    );
    let first = server
        .text(&format!("/diff?url={url}&from=0&to=1"), "text/html")
        .await;
    assert!(
        first.contains("class=\"text first\"") && !first.contains("<ins>"),
        "{first}"
    );
    let bad = server.get(&format!("/diff?url={url}&from=3&to=3")).await;
    assert_eq!(bad.status(), 400);
    let feed = server.text("/feed.atom", "application/atom+xml").await;
    assert!(
        feed.contains("headline changed") && feed.contains("title: &lt;del&gt;"),
        "{feed}"
    );
    server.stop().await;
}
