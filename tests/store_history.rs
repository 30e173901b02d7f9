//! Store behaviour the CLI, pipeline and web UI rely on: version numbering, body dedup,
//! aliases, check log, recent changes, listing, search and durability across reopen.

use chrono::{DateTime, Duration, TimeZone, Utc};
use emend::Error;
use emend::model::{Article, ChangeKind, Check, CheckOutcome};
use emend::store::{ChangeCursor, ChangeFilter, NewVersion, Store};

fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + secs, 0).unwrap()
}

fn new_version(at: DateTime<Utc>, change: ChangeKind, title: &str, text: &str) -> NewVersion {
    NewVersion {
        fetched_at: at,
        change,
        article: Article {
            title: Some(title.to_owned()),
            text: text.to_owned(),
            ..Article::default()
        },
        text_hash: blake3::hash(text.as_bytes()).to_hex().to_string(),
        words_added: 1,
        words_removed: 0,
        extractor_version: 1,
        encoding: Some("UTF-8".to_owned()),
        fetched_url: "https://news.test/a".to_owned(),
    }
}

fn check(at: DateTime<Utc>, outcome: CheckOutcome) -> Check {
    Check {
        at,
        status: Some(200),
        bytes: 100,
        etag: None,
        last_modified: None,
        elapsed_ms: 5,
        outcome,
    }
}

fn checked(at: DateTime<Utc>, change: ChangeKind) -> Check {
    check(
        at,
        CheckOutcome::Checked {
            change,
            version: None,
        },
    )
}

/// Commits a version of `url` with `body` at second `secs`.
fn commit(
    store: &Store,
    url: &str,
    site: Option<&str>,
    secs: i64,
    change: ChangeKind,
    body: &[u8],
) -> emend::model::Version {
    store
        .commit_version(
            url,
            site,
            new_version(
                t(secs),
                change,
                &format!("Title {secs}"),
                &format!("text {secs}"),
            ),
            body,
            Check {
                etag: Some("\"etag\"".to_owned()),
                ..checked(t(secs), change)
            },
        )
        .expect("test helper")
}

#[test]
fn versions_are_numbered_consecutively_and_update_the_record() {
    let dir = tempfile::tempdir().expect("test helper");
    let store = Store::open(dir.path()).expect("test helper");
    let url = "https://news.test/a";
    let v1 = commit(&store, url, Some("news"), 0, ChangeKind::New, b"<p>one</p>");
    let v2 = commit(
        &store,
        url,
        Some("news"),
        60,
        ChangeKind::SilentEdit,
        b"<p>two</p>",
    );
    assert_eq!((v1.number, v2.number), (1, 2));

    let all = store.versions(url).unwrap();
    assert_eq!(all.iter().map(|v| v.number).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(all[1].change, ChangeKind::SilentEdit);
    assert_eq!(
        store.version(url, 1).unwrap().unwrap().article.text,
        "text 0"
    );
    assert_eq!(store.latest(url).unwrap().unwrap().number, 2);
    assert!(store.version(url, 3).unwrap().is_none());

    let rec = store.article(url).unwrap().unwrap();
    assert_eq!(rec.versions, 2);
    assert_eq!(rec.site.as_deref(), Some("news"));
    assert_eq!(rec.title.as_deref(), Some("Title 60"));
    assert_eq!(rec.last_changed, Some(t(60)));
    assert_eq!(rec.etag.as_deref(), Some("\"etag\""));

    // The check log links the check to the version it made.
    let log = store.checks(url, 10).unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(
        log[0].outcome,
        CheckOutcome::Checked {
            change: ChangeKind::SilentEdit,
            version: Some(2)
        }
    );

    let body = store
        .raw_body(v2.body_hash.as_deref().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(body, b"<p>two</p>");
    assert!(matches!(
        store.versions("https://news.test/unknown"),
        Err(Error::NotTracked { .. })
    ));
}

#[test]
fn identical_bodies_are_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let body = "<html>same bytes</html>".repeat(100);
    let a = commit(
        &store,
        "https://news.test/a",
        None,
        0,
        ChangeKind::New,
        body.as_bytes(),
    );
    let b = commit(
        &store,
        "https://news.test/a",
        None,
        10,
        ChangeKind::StampOnly,
        body.as_bytes(),
    );
    commit(
        &store,
        "https://news.test/b",
        None,
        20,
        ChangeKind::New,
        body.as_bytes(),
    );
    assert_eq!(a.body_hash, b.body_hash);
    let stats = store.stats().unwrap();
    assert_eq!(stats.versions, 3);
    assert_eq!(stats.bodies, 1);
    assert_eq!(stats.articles, 2);
    assert_eq!(stats.checks, 3);
    assert!(
        stats.body_bytes < body.len() as u64,
        "bodies are compressed"
    );
}

#[test]
fn aliases_resolve_to_the_canonical_article() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let canonical = "https://news.test/story";
    commit(&store, canonical, None, 0, ChangeKind::New, b"x");
    assert!(
        store
            .add_alias("https://news.test/story?utm_source=x", canonical)
            .unwrap()
    );
    // An alias of an alias points straight at the canonical URL.
    assert!(
        store
            .add_alias(
                "https://m.news.test/s",
                "https://news.test/story?utm_source=x"
            )
            .unwrap()
    );
    // A URL with its own history is not hidden behind an alias.
    commit(
        &store,
        "https://news.test/other",
        None,
        5,
        ChangeKind::New,
        b"y",
    );
    assert!(
        !store
            .add_alias("https://news.test/other", canonical)
            .unwrap()
    );

    for u in [
        canonical,
        "https://news.test/story?utm_source=x",
        "https://m.news.test/s",
    ] {
        assert_eq!(store.resolve(u).unwrap().as_deref(), Some(canonical));
        assert_eq!(store.article(u).unwrap().unwrap().url, canonical);
        assert_eq!(store.versions(u).unwrap().len(), 1);
    }
    assert_eq!(store.resolve("https://news.test/nope").unwrap(), None);

    // A version committed through an alias lands on the canonical article.
    let v = commit(
        &store,
        "https://m.news.test/s",
        None,
        30,
        ChangeKind::SilentEdit,
        b"z",
    );
    assert_eq!(v.number, 2);
    assert_eq!(store.stats().unwrap().articles, 2);
    assert_eq!(store.stats().unwrap().aliases, 2);

    let (rec, created) = store
        .ensure_article("https://m.news.test/s", Some("news"), t(40))
        .unwrap();
    assert!(!created);
    assert_eq!(rec.url, canonical);
    assert_eq!(rec.site.as_deref(), Some("news"));
}

#[test]
fn unchanged_checks_update_the_record_without_a_version() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let url = "https://news.test/a";
    let (rec, created) = store.ensure_article(url, Some("news"), t(0)).unwrap();
    assert!(created && rec.versions == 0);
    assert!(!store.ensure_article(url, None, t(1)).unwrap().1);
    commit(&store, url, None, 10, ChangeKind::New, b"x");
    store
        .record_check(
            url,
            &Check {
                last_modified: Some("Tue, 01 Dec 2026 00:00:00 GMT".to_owned()),
                ..check(t(20), CheckOutcome::NotModified)
            },
        )
        .unwrap();
    store
        .record_check(
            url,
            &check(
                t(30),
                CheckOutcome::Failed {
                    error: "HTTP 500".into(),
                },
            ),
        )
        .unwrap();
    let rec = store.article(url).unwrap().unwrap();
    assert_eq!(rec.versions, 1);
    assert_eq!(rec.last_checked, Some(t(30)));
    assert_eq!(rec.last_changed, Some(t(10)));
    assert_eq!(
        rec.etag.as_deref(),
        Some("\"etag\""),
        "kept when the check gave none"
    );
    assert!(rec.last_modified.is_some());
    let log = store.checks(url, 2).unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].at, t(30));
    assert_eq!(log[1].outcome, CheckOutcome::NotModified);
    assert!(matches!(
        store.record_check(
            "https://news.test/unknown",
            &check(t(0), CheckOutcome::NotModified),
        ),
        Err(Error::NotTracked { .. })
    ));
}

#[test]
fn recent_changes_are_newest_first_paginated_and_filtered() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    // 3 articles on two sites, interleaved in time.
    let plan = [
        ("https://a.test/1", "a", ChangeKind::New),
        ("https://b.test/1", "b", ChangeKind::New),
        ("https://a.test/1", "a", ChangeKind::SilentEdit),
        ("https://a.test/2", "a", ChangeKind::New),
        ("https://b.test/1", "b", ChangeKind::SilentEdit),
        ("https://a.test/2", "a", ChangeKind::DeclaredUpdate),
        ("https://a.test/1", "a", ChangeKind::StampOnly),
    ];
    for (i, (url, site, kind)) in plan.iter().enumerate() {
        commit(
            &store,
            url,
            Some(site),
            i as i64 * 60,
            *kind,
            format!("{i}").as_bytes(),
        );
    }
    let all = store
        .recent_changes(None, 100, &ChangeFilter::default())
        .unwrap();
    let times: Vec<_> = all.iter().map(|(_, v)| v.fetched_at).collect();
    assert_eq!(times, (0..7).rev().map(|i| t(i * 60)).collect::<Vec<_>>());
    assert_eq!(all[0].0, "https://a.test/1");
    assert_eq!(all[0].1.number, 3);

    // Keyset pagination walks the same list without gaps or repeats.
    let mut paged = Vec::new();
    let mut cursor: Option<ChangeCursor> = None;
    loop {
        let page = store
            .recent_changes(cursor.as_ref(), 3, &ChangeFilter::default())
            .unwrap();
        if page.is_empty() {
            break;
        }
        let (u, v) = page.last().unwrap();
        // The cursor survives a round trip through a query parameter.
        cursor = ChangeCursor::parse(&ChangeCursor::of(u, v).to_token());
        paged.extend(page);
    }
    assert_eq!(paged, all);

    let silent = ChangeFilter {
        site: None,
        kind: Some(ChangeKind::SilentEdit),
    };
    let got = store.recent_changes(None, 10, &silent).unwrap();
    assert_eq!(
        got.iter().map(|(u, _)| u.as_str()).collect::<Vec<_>>(),
        ["https://b.test/1", "https://a.test/1"]
    );

    let site_a = ChangeFilter {
        site: Some("a".into()),
        kind: None,
    };
    let got = store.recent_changes(None, 10, &site_a).unwrap();
    assert_eq!(got.len(), 5);
    assert!(got.iter().all(|(u, _)| u.starts_with("https://a.test/")));

    let b_new = ChangeFilter {
        site: Some("b".into()),
        kind: Some(ChangeKind::New),
    };
    let got = store.recent_changes(None, 10, &b_new).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1.number, 1);

    let unknown = ChangeFilter {
        site: Some("zzz".into()),
        kind: None,
    };
    assert!(store.recent_changes(None, 10, &unknown).unwrap().is_empty());
    assert_eq!(ChangeCursor::parse("garbage"), None);
}

#[test]
fn listing_is_keyset_paginated_and_search_matches_url_or_title() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    for i in 0..5 {
        store
            .ensure_article(&format!("https://a.test/{i}"), Some("a"), t(0))
            .unwrap();
        store
            .ensure_article(&format!("https://b.test/{i}"), Some("b"), t(0))
            .unwrap();
    }
    commit(&store, "https://b.test/3", None, 10, ChangeKind::New, b"x");

    let first = store.list(None, 4).unwrap();
    let second = store.list(Some(&first[3].url), 100).unwrap();
    assert_eq!(first.len() + second.len(), 10);
    assert_eq!(second[0].url, "https://a.test/4");

    let a1 = store.list_site("a", None, 2).unwrap();
    assert_eq!(
        a1.iter().map(|r| r.url.as_str()).collect::<Vec<_>>(),
        ["https://a.test/0", "https://a.test/1"]
    );
    let a2 = store.list_site("a", Some("https://a.test/1"), 10).unwrap();
    assert_eq!(a2.len(), 3);
    assert!(store.list_site("c", None, 10).unwrap().is_empty());

    assert_eq!(store.search("B.TEST/", 100).unwrap().len(), 5);
    let by_title = store.search("title 10", 10).unwrap();
    assert_eq!(by_title.len(), 1);
    assert_eq!(by_title[0].url, "https://b.test/3");
    assert_eq!(store.search("test", 3).unwrap().len(), 3);
}

#[test]
fn everything_survives_drop_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let url = "https://news.test/a";
    {
        let store = Store::open(dir.path()).unwrap();
        commit(&store, url, Some("news"), 0, ChangeKind::New, b"one");
        commit(
            &store,
            url,
            Some("news"),
            60,
            ChangeKind::DeclaredUpdate,
            b"two",
        );
        store.add_alias("https://news.test/alias", url).unwrap();
        store
            .record_check(url, &check(t(90), CheckOutcome::NotModified))
            .unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.versions("https://news.test/alias").unwrap().len(), 2);
    assert_eq!(store.checks(url, 10).unwrap().len(), 3);
    let stats = store.stats().unwrap();
    assert_eq!(
        (stats.articles, stats.versions, stats.bodies, stats.checks),
        (1, 2, 2, 3)
    );
    assert_eq!(
        store
            .recent_changes(None, 10, &ChangeFilter::default())
            .unwrap()
            .len(),
        2
    );
    // Numbering continues after reopening.
    assert_eq!(
        commit(&store, url, None, 120, ChangeKind::SilentEdit, b"three").number,
        3
    );
    let _ = Duration::zero();
}

#[test]
fn a_discovered_url_that_redirects_folds_into_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let store = emend::store::Store::open(&dir.path().join("db")).unwrap();
    let now = chrono::Utc::now();
    let (_, created) = store
        .ensure_article("https://a.test/old", Some("a"), now)
        .unwrap();
    assert!(created);
    assert!(
        store
            .add_alias("https://a.test/old", "https://a.test/new")
            .unwrap()
    );
    assert_eq!(
        store.resolve("https://a.test/old").unwrap().as_deref(),
        Some("https://a.test/new")
    );
    assert!(
        store.list(None, 10).unwrap().is_empty(),
        "the placeholder record is gone"
    );
    assert!(store.list_site("a", None, 10).unwrap().is_empty());
    assert_eq!(store.stats().unwrap().articles, 0);
}

#[test]
fn sites_lists_each_site_once_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert!(store.sites().unwrap().is_empty());
    for (url, site) in [
        ("https://b.test/1", Some("beta")),
        ("https://a.test/1", Some("alpha")),
        ("https://a.test/2", Some("alpha")),
        ("https://a.test/3", Some("alpha-2")),
        ("https://n.test/1", None),
    ] {
        store.ensure_article(url, site, t(0)).unwrap();
    }
    assert_eq!(store.sites().unwrap(), ["alpha", "alpha-2", "beta"]);
}

#[test]
fn a_version_compared_against_a_superseded_one_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let url = "https://news.test/story";
    let alias = "https://news.test/story/";
    let attempt = |based_on: u32, secs: i64, change: ChangeKind, body: &[u8]| {
        store.commit_version_after(
            alias,
            based_on,
            Some("news"),
            new_version(t(secs), change, "T", &format!("text {secs}")),
            body,
            checked(t(secs), change),
        )
    };
    // A first version is conditional on there being none: the second "new" is refused.
    assert_eq!(
        store
            .commit_version_after(
                url,
                0,
                Some("news"),
                new_version(t(0), ChangeKind::New, "T", "text 0"),
                b"a",
                checked(t(0), ChangeKind::New),
            )
            .unwrap()
            .number,
        1
    );
    store.add_alias(alias, url).unwrap();
    let before = store.stats().unwrap();
    match attempt(0, 1, ChangeKind::New, b"b") {
        Err(Error::StaleVersion {
            url: u,
            based_on: 0,
            current: 1,
        }) => assert_eq!(u, url, "names the article, not the alias"),
        other => panic!("expected StaleVersion, got {other:?}"),
    }
    assert_eq!(store.stats().unwrap(), before, "nothing written");
    assert_eq!(store.versions(url).unwrap().len(), 1);
    assert_eq!(store.checks(url, 10).unwrap().len(), 1);

    // Based on the latest version, through an alias: stored as version 2.
    let v = attempt(1, 2, ChangeKind::SilentEdit, b"c").unwrap();
    assert_eq!(v.number, 2);
    assert!(matches!(
        attempt(1, 3, ChangeKind::SilentEdit, b"d"),
        Err(Error::StaleVersion {
            based_on: 1,
            current: 2,
            ..
        })
    ));
    assert_eq!(store.versions(url).unwrap().len(), 2);
    assert_eq!(store.article(url).unwrap().unwrap().versions, 2);
}
