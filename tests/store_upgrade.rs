//! Schema upgrades: a database written by an older release opens with this one, is upgraded
//! in place once, and reads back exactly as the older release wrote it.
//!
//! `fixtures/db-v1/` is a schema-1 database written by `make_v1_fixture` below at commit
//! fea198f (before schema 2); `fixtures/db-v1.json` is what that release read back from it.

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use emend::model::{Article, ChangeKind, Check, CheckOutcome, Version};
use emend::store::{NewVersion, Route, ScheduleState, Store};
use serde::{Deserialize, Serialize};

/// One stored state: seconds after the base time, change kind, text.
type State = (i64, ChangeKind, &'static str);

/// The articles of the fixture and what each stored: (url, site, states).
const ARTICLES: &[(&str, Option<&str>, &[State])] = &[
    (
        "https://news.test/a",
        Some("news"),
        &[
            (0, ChangeKind::New, "First words of article a."),
            (
                600,
                ChangeKind::SilentEdit,
                "First words of article a, edited.",
            ),
            (
                1200,
                ChangeKind::StampOnly,
                "First words of article a, edited.",
            ),
        ],
    ),
    (
        "https://news.test/b",
        Some("news"),
        &[
            (100, ChangeKind::New, "Article b says one thing."),
            (900, ChangeKind::DeclaredUpdate, "Article b says another."),
        ],
    ),
    (
        "https://other.test/c",
        None,
        &[(200, ChangeKind::New, "Article c stands alone.")],
    ),
];

/// What the release that wrote the fixture read back from it.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Snapshot {
    articles: Vec<ArticleSnapshot>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct ArticleSnapshot {
    url: String,
    versions: Vec<Version>,
    /// Raw bodies by version, as text (the fixture's bodies are UTF-8).
    bodies: Vec<String>,
    checks: Vec<Check>,
    schedule: Option<ScheduleState>,
}

fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + secs, 0)
        .single()
        .expect("test helper")
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn body(url: &str, text: &str) -> String {
    format!(
        "<!doctype html><html><head><title>{url}</title></head><body><article><p>{text}</p></article></body></html>"
    )
}

fn new_version(url: &str, secs: i64, change: ChangeKind, text: &str) -> NewVersion {
    NewVersion {
        fetched_at: t(secs),
        change,
        article: Article {
            title: Some(format!("Title of {url}")),
            last_update: Some(t(secs - 30).to_rfc3339()),
            text: text.to_owned(),
            ..Article::default()
        },
        text_hash: blake3::hash(text.as_bytes()).to_hex().to_string(),
        words_added: 3,
        words_removed: 1,
        extractor_version: 1,
        encoding: Some("UTF-8".to_owned()),
        fetched_url: url.to_owned(),
    }
}

fn check(secs: i64, outcome: CheckOutcome) -> Check {
    Check {
        at: t(secs),
        status: Some(200),
        bytes: 120,
        etag: Some(format!("\"e{secs}\"")),
        last_modified: None,
        elapsed_ms: 7,
        outcome,
    }
}

/// Everything readable about the fixture's articles through the public API.
fn snapshot(store: &Store) -> Snapshot {
    let mut articles = Vec::new();
    for (url, _, _) in ARTICLES {
        let versions = store.versions(url).expect("test helper");
        let bodies = versions
            .iter()
            .map(|v| {
                let hash = v.body_hash.as_deref().expect("test helper");
                String::from_utf8(
                    store
                        .raw_body(hash)
                        .expect("test helper")
                        .expect("test helper"),
                )
                .expect("test helper")
            })
            .collect();
        articles.push(ArticleSnapshot {
            url: (*url).to_owned(),
            versions,
            bodies,
            checks: store.checks(url, 100).expect("test helper"),
            schedule: store.schedule(url).expect("test helper"),
        });
    }
    Snapshot { articles }
}

/// Writes `fixtures/db-v1` and `fixtures/db-v1.json`. Run only at the commit named in the
/// module comment: `cargo test --test store_upgrade -- --ignored make_v1_fixture`.
#[test]
#[ignore = "writes the committed fixture; run only with the release that defines it"]
fn make_v1_fixture() {
    let dir = fixture_dir().join("db-v1");
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).unwrap();
    let notify = vec!["mail".to_owned()];
    for (url, site, states) in ARTICLES {
        for (n, (secs, change, text)) in states.iter().enumerate() {
            let route = Route {
                site: *site,
                notify: &notify,
                ..Route::default()
            };
            let outcome = CheckOutcome::Checked {
                change: *change,
                version: None,
            };
            store
                .commit_version_routed(
                    url,
                    n as u32,
                    route,
                    new_version(url, *secs, *change, text),
                    body(url, text).as_bytes(),
                    check(*secs, outcome),
                )
                .unwrap();
            let not_modified = Check {
                status: Some(304),
                ..check(secs + 60, CheckOutcome::NotModified)
            };
            store.record_check(url, &not_modified).unwrap();
        }
        let failed = CheckOutcome::Failed {
            error: "timed out".into(),
        };
        store.record_check(url, &check(5000, failed)).unwrap();
        let state = ScheduleState {
            next_due: Some(t(9000)),
            interval_secs: 900,
            unchanged_streak: 2,
            failures: 1,
            track_until: Some(t(86_400 * 30)),
        };
        store.set_schedule(url, &state).unwrap();
    }
    store
        .add_alias("https://news.test/a?ref=rss", "https://news.test/a")
        .unwrap();
    let json = serde_json::to_string_pretty(&snapshot(&store)).unwrap();
    std::fs::write(fixture_dir().join("db-v1.json"), json + "\n").unwrap();
    store.flush().unwrap();
}

/// A copy of the committed schema-1 fixture in a temporary directory.
fn v1_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("test helper");
    let dst = tmp.path().join("db");
    copy_dir(&fixture_dir().join("db-v1"), &dst);
    (tmp, dst)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("test helper");
    for entry in std::fs::read_dir(from).expect("test helper") {
        let entry = entry.expect("test helper");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("test helper").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("test helper");
        }
    }
}

#[test]
fn a_schema_1_database_is_upgraded_once_and_reads_back_identical() {
    let expected: Snapshot =
        serde_json::from_str(&std::fs::read_to_string(fixture_dir().join("db-v1.json")).unwrap())
            .unwrap();
    let (_tmp, db) = v1_copy();
    {
        let store = Store::open_existing(&db).unwrap();
        assert_eq!(
            store.schema_version().unwrap(),
            emend::store::SCHEMA_VERSION
        );
        assert_eq!(snapshot(&store), expected);
        let upgrades = store.upgrades().unwrap();
        let steps: Vec<(u32, u32)> = upgrades.iter().map(|u| (u.from, u.to)).collect();
        assert_eq!(steps, [(1, 2), (2, 3)], "{upgrades:?}");
        // Schema 3's statistics counters are recounted from what schema 1 stored.
        let (all, _) = store.change_counts(52).unwrap();
        assert_eq!(all.versions, store.stats().unwrap().versions);
        assert!(all.versions > 0);
        // Versions from before schema 2 have no HTTP exchange.
        assert_eq!(store.capture("https://news.test/a", 1).unwrap(), None);
    }
    // Opened again: nothing more to do, nothing done twice.
    let store = Store::open_existing(&db).unwrap();
    assert_eq!(store.upgrades().unwrap().len(), 2);
    assert_eq!(snapshot(&store), expected);
    // And it takes new versions after the old ones.
    let v = store
        .commit_version(
            "https://news.test/a",
            Some("news"),
            new_version(
                "https://news.test/a",
                7000,
                ChangeKind::SilentEdit,
                "Edited again.",
            ),
            b"<p>Edited again.</p>",
            check(
                7000,
                CheckOutcome::Checked {
                    change: ChangeKind::SilentEdit,
                    version: None,
                },
            ),
        )
        .unwrap();
    assert_eq!(v.number, 4);
}

/// Sets the raw schema version of the database at `db`, as a later release would write it.
fn set_raw_schema(db: &Path, version: u32) {
    let raw = sled::Config::new().path(db).open().expect("test helper");
    let meta = raw.open_tree("meta").expect("test helper");
    meta.insert("schema_version", &version.to_be_bytes())
        .expect("test helper");
    raw.flush().expect("test helper");
}

fn raw_schema(db: &Path) -> Vec<u8> {
    let raw = sled::Config::new().path(db).open().expect("test helper");
    let v = raw
        .open_tree("meta")
        .expect("test helper")
        .get("schema_version")
        .expect("test helper");
    v.expect("test helper").to_vec()
}

#[test]
fn a_database_from_a_later_release_is_refused_untouched() {
    let (_tmp, db) = v1_copy();
    set_raw_schema(&db, 99);
    let err = Store::open_existing(&db).unwrap_err().to_string();
    assert!(err.contains("schema version 99 is newer"), "{err}");
    assert_eq!(raw_schema(&db), 99u32.to_be_bytes());
}
