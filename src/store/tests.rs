//! Unit tests needing store internals: damaged records written straight into a tree.

use chrono::{TimeZone, Utc};

use super::{SCHEMA_VERSION, Store, keys};
use crate::error::Error;

#[test]
fn a_record_that_does_not_decode_is_corrupt_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let url = "https://news.test/a";
    let now = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
    store.ensure_article(url, None, now).unwrap();

    store
        .articles
        .insert(url, &b"\x01{\"url\": 42"[..])
        .unwrap();
    match store.article(url) {
        Err(Error::Corrupt { key, .. }) => assert_eq!(key, format!("articles/{url}")),
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert!(matches!(store.list(None, 10), Err(Error::Corrupt { .. })));
    assert!(matches!(
        store.ensure_article(url, None, now),
        Err(Error::Corrupt { .. })
    ));

    store
        .versions
        .insert(keys::version(url, 1), &b"\x02not zstd"[..])
        .unwrap();
    store.articles.remove(url).unwrap();
    store.aliases.insert("https://alias.test/", url).unwrap();
    store.articles.insert(url, &b""[..]).unwrap();
    assert!(matches!(store.version(url, 1), Err(Error::Corrupt { .. })));

    store.schedule.insert(url, &b"\x07"[..]).unwrap();
    assert!(matches!(store.schedule(url), Err(Error::Corrupt { .. })));
    store.bodies.insert("abc", &b"\x02garbage"[..]).unwrap();
    assert!(matches!(store.raw_body("abc"), Err(Error::Corrupt { .. })));
    store.meta.insert(keys::meta::VERSIONS, &b"12"[..]).unwrap();
    assert!(matches!(store.stats(), Err(Error::Corrupt { .. })));
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        store
            .meta
            .insert(keys::meta::SCHEMA, &(SCHEMA_VERSION + 1).to_be_bytes())
            .unwrap();
        store.flush().unwrap();
    }
    match Store::open(dir.path()) {
        Err(Error::Store { message, .. }) => {
            let newer = format!("schema version {} is newer", SCHEMA_VERSION + 1);
            assert!(message.contains(&newer), "{message}");
        }
        other => panic!("expected a schema error, got {other:?}"),
    }
}

#[test]
fn due_except_passes_over_held_urls_without_counting_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let at = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
    for (i, url) in ["https://a.test/1", "https://a.test/2", "https://b.test/3"]
        .iter()
        .enumerate()
    {
        let state = super::ScheduleState {
            next_due: Some(at + chrono::Duration::seconds(i as i64)),
            interval_secs: 60,
            unchanged_streak: 0,
            failures: 0,
            track_until: None,
        };
        store.set_schedule(url, &state).unwrap();
    }
    let now = at + chrono::Duration::seconds(10);
    let urls = |v: Vec<(chrono::DateTime<Utc>, String)>| -> Vec<String> {
        v.into_iter().map(|(_, u)| u).collect()
    };
    let held = |u: &str| u == "https://a.test/1";
    assert_eq!(
        urls(store.due_except(now, 2, held).unwrap()),
        ["https://a.test/2", "https://b.test/3"]
    );
    assert_eq!(urls(store.due(now, 1).unwrap()), ["https://a.test/1"]);
}
