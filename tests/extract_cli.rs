//! `emend extract`: one JSON line per file with the documented keys, order kept with --jobs, clear errors.

use assert_cmd::Command;
use serde_json::Value;

fn seed_page(dir: &std::path::Path, name: &str, stamp: &str) -> std::path::PathBuf {
    let html = include_str!("../fixtures/extract/seed_template.html")
        .replace("{{HEADER_STAMP}}", "April 25, 2024 16:32")
        .replace("{{UPDATED}}", stamp)
        .replace("{{EXTRA}}", "")
        .replace("{{AD_TOP}}", "Advertisement")
        .replace("{{COMMENTS}}", "7")
        .replace("{{MOST_READ}}", "")
        .replace("{{RELATED}}", "")
        .replace("{{COOKIE}}", "")
        .replace("{{RENDERED}}", "now");
    let path = dir.join(name);
    std::fs::write(&path, html).expect("test helper");
    path
}

fn emend(dir: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("emend").expect("test helper");
    cmd.current_dir(dir)
        .env_remove("EMEND_DB")
        .env("NO_COLOR", "1");
    cmd
}

#[test]
fn json_lines_carry_text_metadata_and_sources() {
    let dir = tempfile::tempdir().unwrap();
    let a = seed_page(
        dir.path(),
        "a.html",
        r#" <span>Updated: December 3, 2020 10:15</span>"#,
    );
    let out = emend(dir.path())
        .args(["extract", "--json"])
        .arg(&a)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    let o = &lines[0];
    for key in [
        "file",
        "title",
        "byline",
        "published",
        "last_update",
        "text",
        "title_source",
        "byline_source",
        "published_source",
        "last_update_source",
        "last_update_local",
    ] {
        assert!(o.get(key).is_some(), "missing key {key}: {o}");
    }
    assert_eq!(o["last_update"], "2020-12-03T10:15:00");
    assert_eq!(o["last_update_source"], "text");
    assert_eq!(
        o["last_update_local"], true,
        "no offset on the page: local time, said so"
    );
    assert_eq!(o["byline"], "Vusala Abbasova");
    assert!(
        o["text"]
            .as_str()
            .unwrap()
            .starts_with("The Lachin district")
    );
}

#[test]
fn jobs_keep_file_order() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<_> = (0..6)
        .map(|i| seed_page(dir.path(), &format!("p{i}.html"), ""))
        .collect();
    let out = emend(dir.path())
        .args(["extract", "--json", "--jobs", "3"])
        .args(&files)
        .output()
        .unwrap();
    assert!(out.status.success());
    let names: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["file"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let want: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    assert_eq!(names, want);
}

#[test]
fn human_output_is_readable() {
    let dir = tempfile::tempdir().unwrap();
    let a = seed_page(dir.path(), "a.html", "");
    let out = emend(dir.path()).arg("extract").arg(&a).output().unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("Title: After Withdrawal"));
    assert!(s.contains("By: Vusala Abbasova"));
    assert!(s.contains("\n\nThe Lachin district"));
}

#[test]
fn missing_file_fails_naming_it_but_others_still_print() {
    let dir = tempfile::tempdir().unwrap();
    let a = seed_page(dir.path(), "a.html", "");
    let out = emend(dir.path())
        .args(["extract", "--json"])
        .arg(&a)
        .arg("nope.html")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.html"));
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 1);
}
