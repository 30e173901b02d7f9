//! `emend verify`: a flipped byte in a stored body is found and named; counters that
//! drifted are repaired with `--repair`, and only then does verify pass.

mod common;

use std::path::Path;

use chrono::{TimeZone, Utc};
use common::emend;
use emend::model::{Article, ChangeKind, Check, CheckOutcome};
use emend::store::{NewVersion, Store};

/// A database with two articles, one of two versions; returns the first body's hash.
fn make_db(db: &Path) -> String {
    let store = Store::open(db).expect("test helper");
    let mut first = None;
    for (url, n, text) in [
        ("https://news.test/a", 0, "one"),
        ("https://news.test/a", 1, "two"),
        ("https://news.test/b", 0, "three"),
    ] {
        let at = Utc
            .timestamp_opt(1_800_000_000 + i64::from(n) * 60, 0)
            .single()
            .expect("test helper");
        let change = if n == 0 {
            ChangeKind::New
        } else {
            ChangeKind::SilentEdit
        };
        let v = store
            .commit_version(
                url,
                None,
                NewVersion {
                    fetched_at: at,
                    change,
                    article: Article {
                        text: text.into(),
                        ..Article::default()
                    },
                    text_hash: "h".into(),
                    words_added: 1,
                    words_removed: 0,
                    extractor_version: 1,
                    encoding: None,
                    fetched_url: url.into(),
                },
                format!("<p>{text}</p>").as_bytes(),
                Check {
                    at,
                    status: Some(200),
                    bytes: 10,
                    etag: None,
                    last_modified: None,
                    elapsed_ms: 1,
                    outcome: CheckOutcome::Checked {
                        change,
                        version: None,
                    },
                },
            )
            .expect("test helper");
        first.get_or_insert(v.body_hash.expect("test helper"));
    }
    first.expect("test helper")
}

fn verify(dir: &Path, db: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let out = emend(dir)
        .args(["--db", db.to_str().expect("test helper"), "verify"])
        .args(extra)
        .output()
        .expect("test helper");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code(), text)
}

#[test]
fn a_flipped_byte_in_a_body_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let hash = make_db(&db);
    assert_eq!(verify(dir.path(), &db, &[]).0, Some(0));
    {
        // The stored body of `hash`, one byte flipped, re-compressed as the store keeps it.
        let raw = sled::Config::new().path(&db).open().unwrap();
        let bodies = raw.open_tree("bodies").unwrap();
        let mut body = b"<p>one</p>".to_vec();
        body[3] ^= 0x01;
        let mut packed = vec![2u8];
        packed.extend(zstd::bulk::compress(&body, 3).unwrap());
        bodies.insert(hash.as_bytes(), packed).unwrap();
        raw.flush().unwrap();
    }
    let (code, text) = verify(dir.path(), &db, &[]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains(&format!("bodies/{hash}")), "{text}");
    assert!(text.contains("does not match its blake3 key"), "{text}");
    // Nothing that loses data is repaired: still damaged after --repair.
    assert_eq!(verify(dir.path(), &db, &["--repair"]).0, Some(1));
}

#[test]
fn drifted_counters_and_dangling_aliases_are_repaired_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    make_db(&db);
    {
        let raw = sled::Config::new().path(&db).open().unwrap();
        let meta = raw.open_tree("meta").unwrap();
        meta.insert("count/versions", &99u64.to_be_bytes()).unwrap();
        let aliases = raw.open_tree("aliases").unwrap();
        aliases
            .insert("https://news.test/old", "https://news.test/gone")
            .unwrap();
        raw.flush().unwrap();
    }
    let (code, text) = verify(dir.path(), &db, &[]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("counter says 99, counted 3"), "{text}");
    assert!(text.contains("https://news.test/gone"), "{text}");
    let (code, text) = verify(dir.path(), &db, &["--repair"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("(repaired)"), "{text}");
    let (code, text) = verify(dir.path(), &db, &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("all sound"), "{text}");
}
