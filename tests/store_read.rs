//! The archive's read queries on both engines, through the traits the web UI and the exports
//! use: recent changes (newest first, keyset-paginated, filtered), article lists and search,
//! and the site names. Each case is one generic function run on sled and on PostgreSQL (a
//! throw-away cluster, skipped without a server), written through [`Archive`] and
//! [`Schedules`], read through [`ArchiveRead`].

mod common;

use chrono::{DateTime, TimeZone, Utc};
use common::postgres::Cluster;
use emend::model::{Article, ChangeKind, Check, CheckOutcome};
use emend::store::pg::Postgres;
use emend::store::{
    Archive, ArchiveRead, ChangeCursor, ChangeFilter, Commit, NewVersion, Schedules, Store,
};

fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + secs, 0)
        .single()
        .expect("a valid time")
}

/// Commits the next version of `url` at second `secs`, titled `Title SECS`.
async fn commit(
    store: &impl Archive,
    url: &str,
    site: Option<&str>,
    secs: i64,
    change: ChangeKind,
) {
    let based_on = store
        .latest(url)
        .await
        .expect("latest")
        .map_or(0, |v| v.number);
    let text = format!("text {secs}");
    let version = NewVersion {
        fetched_at: t(secs),
        change,
        article: Article {
            title: Some(format!("Title {secs}")),
            text: text.clone(),
            ..Article::default()
        },
        text_hash: blake3::hash(text.as_bytes()).to_hex().to_string(),
        words_added: 1,
        words_removed: 0,
        extractor_version: 1,
        encoding: Some("UTF-8".to_owned()),
        fetched_url: url.to_owned(),
    };
    let check = Check {
        at: t(secs),
        status: Some(200),
        bytes: 100,
        etag: None,
        last_modified: None,
        elapsed_ms: 5,
        outcome: CheckOutcome::Checked {
            change,
            version: None,
        },
    };
    store
        .commit(Commit {
            key: url.to_owned(),
            based_on,
            site: site.map(str::to_owned),
            notify: Vec::new(),
            version,
            body: bytes::Bytes::from(format!("<p>{text}</p>")),
            exchange: None,
            check,
        })
        .await
        .expect("commit");
}

/// Runs `f` on the blocking pool, where [`ArchiveRead`] is called (as the web does).
async fn read<A, T>(store: &A, f: impl FnOnce(&A) -> T + Send + 'static) -> T
where
    A: ArchiveRead + Clone,
    T: Send + 'static,
{
    let store = store.clone();
    tokio::task::spawn_blocking(move || f(&store))
        .await
        .expect("read task")
}

async fn recent_changes_are_newest_first_paginated_and_filtered<A>(store: A)
where
    A: Archive + ArchiveRead,
{
    // 3 articles on two sites, interleaved in time; two changes share an instant.
    let plan = [
        ("https://a.test/1", "a", ChangeKind::New, 0),
        ("https://b.test/1", "b", ChangeKind::New, 60),
        ("https://a.test/1", "a", ChangeKind::SilentEdit, 120),
        ("https://a.test/2", "a", ChangeKind::New, 120),
        ("https://b.test/1", "b", ChangeKind::SilentEdit, 240),
        ("https://a.test/2", "a", ChangeKind::DeclaredUpdate, 300),
        ("https://a.test/1", "a", ChangeKind::StampOnly, 360),
    ];
    for (url, site, kind, secs) in plan {
        commit(&store, url, Some(site), secs, kind).await;
    }
    let all = read(&store, |s| {
        s.recent_changes(None, 100, &ChangeFilter::default())
    })
    .await
    .expect("recent");
    let order: Vec<(&str, u32)> = all.iter().map(|(u, v)| (u.as_str(), v.number)).collect();
    assert_eq!(
        order,
        [
            ("https://a.test/1", 3),
            ("https://a.test/2", 2),
            ("https://b.test/1", 2),
            // One instant: the later URL first, as sled's index keys order them.
            ("https://a.test/2", 1),
            ("https://a.test/1", 2),
            ("https://b.test/1", 1),
            ("https://a.test/1", 1),
        ]
    );

    // Keyset pagination walks the same list without gaps or repeats, through the tie.
    let mut paged = Vec::new();
    let mut cursor: Option<ChangeCursor> = None;
    loop {
        let after = cursor.clone();
        let page = read(&store, move |s| {
            s.recent_changes(after.as_ref(), 2, &ChangeFilter::default())
        })
        .await
        .expect("page");
        let Some((u, v)) = page.last() else { break };
        cursor = ChangeCursor::parse(&ChangeCursor::of(u, v).to_token());
        paged.extend(page);
    }
    assert_eq!(paged, all);

    let filtered = |site: Option<&str>, kind: Option<ChangeKind>| ChangeFilter {
        site: site.map(str::to_owned),
        kind,
    };
    let f = filtered(None, Some(ChangeKind::SilentEdit));
    let silent = read(&store, move |s| s.recent_changes(None, 10, &f)).await;
    let urls: Vec<String> = silent
        .expect("silent")
        .into_iter()
        .map(|(u, _)| u)
        .collect();
    assert_eq!(urls, ["https://b.test/1", "https://a.test/1"]);
    let f = filtered(Some("a"), None);
    let site_a = read(&store, move |s| s.recent_changes(None, 10, &f)).await;
    assert_eq!(site_a.expect("site a").len(), 5);
    let f = filtered(Some("b"), Some(ChangeKind::New));
    let b_new = read(&store, move |s| s.recent_changes(None, 10, &f)).await;
    assert_eq!(b_new.expect("b new").len(), 1);
    let f = filtered(Some("zzz"), None);
    let none = read(&store, move |s| s.recent_changes(None, 10, &f)).await;
    assert!(none.expect("unknown site").is_empty());
}

async fn lists_are_keyset_paginated_search_matches_url_or_title_and_sites_are_named<A>(store: A)
where
    A: Schedules + ArchiveRead,
{
    for i in 0..5 {
        for site in ["a", "b"] {
            let url = format!("https://{site}.test/{i}");
            store
                .ensure_article(&url, Some(site), t(0))
                .await
                .expect("ensure");
        }
    }
    store
        .ensure_article("https://n.test/1", None, t(0))
        .await
        .expect("ensure");
    commit(&store, "https://b.test/3", None, 10, ChangeKind::New).await;

    let (first, second) = read(&store, |s| {
        let first = s.list(None, 4).expect("list");
        let second = s.list(Some(&first[3].url), 100).expect("list on");
        (first, second)
    })
    .await;
    assert_eq!(first.len() + second.len(), 11);
    assert_eq!(second[0].url, "https://a.test/4");

    let (a1, a2, c) = read(&store, |s| {
        (
            s.list_site("a", None, 2).expect("site a"),
            s.list_site("a", Some("https://a.test/1"), 10)
                .expect("site a on"),
            s.list_site("c", None, 10).expect("site c"),
        )
    })
    .await;
    let urls: Vec<&str> = a1.iter().map(|r| r.url.as_str()).collect();
    assert_eq!(urls, ["https://a.test/0", "https://a.test/1"]);
    assert_eq!(a2.len(), 3);
    assert!(c.is_empty());

    let (by_host, by_title, capped, sites) = read(&store, |s| {
        (
            s.search("B.TEST/", 100).expect("search"),
            s.search("title 10", 10).expect("search title"),
            s.search("test", 3).expect("search capped"),
            s.sites().expect("sites"),
        )
    })
    .await;
    assert_eq!(by_host.len(), 5);
    let titled: Vec<&str> = by_title.iter().map(|r| r.url.as_str()).collect();
    assert_eq!(titled, ["https://b.test/3"]);
    assert_eq!(capped.len(), 3);
    assert_eq!(sites, ["a", "b"]);
}

/// Lists, search and site names come in byte order, as sled's keys sort, whatever the
/// database's locale would say ("B" < "_" < "a").
async fn lists_sort_byte_by_byte<A>(store: A)
where
    A: Schedules + ArchiveRead,
{
    let urls = [
        "https://c.test/a",
        "https://c.test/B",
        "https://c.test/_z",
        "https://c.test/-y",
        "https://C.test/x",
    ];
    for (i, url) in urls.iter().enumerate() {
        let site = ["alpha", "Zeta", "_x", "beta", "Alpha"][i];
        store
            .ensure_article(url, Some(site), t(0))
            .await
            .expect("ensure");
    }
    let (listed, found, sites) = read(&store, |s| {
        (
            s.list(None, 100).expect("list"),
            s.search("c.test", 100).expect("search"),
            s.sites().expect("sites"),
        )
    })
    .await;
    let mut bytewise: Vec<String> = listed.iter().map(|r| r.url.clone()).collect();
    bytewise.sort();
    let listed: Vec<String> = listed.into_iter().map(|r| r.url).collect();
    assert_eq!(listed, bytewise);
    let found: Vec<String> = found.into_iter().map(|r| r.url).collect();
    assert_eq!(found, bytewise);
    assert_eq!(sites, ["Alpha", "Zeta", "_x", "alpha", "beta"]);
}

fn sled() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    (Store::open(dir.path()).expect("open"), dir)
}

async fn postgres(test: &str) -> Option<(Postgres, Cluster)> {
    let cluster = Cluster::start(test)?;
    let pg = Postgres::connect(&cluster.conninfo).await.expect("connect");
    Some((pg, cluster))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recent_changes_on_sled() {
    let (store, _dir) = sled();
    recent_changes_are_newest_first_paginated_and_filtered(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recent_changes_on_postgres() {
    if let Some((pg, _cluster)) = postgres("recent changes on postgres").await {
        recent_changes_are_newest_first_paginated_and_filtered(pg).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_search_and_sites_on_sled() {
    let (store, _dir) = sled();
    lists_are_keyset_paginated_search_matches_url_or_title_and_sites_are_named(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_search_and_sites_on_postgres() {
    if let Some((pg, _cluster)) = postgres("lists on postgres").await {
        lists_are_keyset_paginated_search_matches_url_or_title_and_sites_are_named(pg).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn byte_order_on_sled() {
    let (store, _dir) = sled();
    lists_sort_byte_by_byte(store).await;
}

/// On a database whose locale sorts "B" after "a" (ICU's en-US), lists still come in sled's
/// byte order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn byte_order_on_postgres_with_a_language_locale() {
    let Some(cluster) = Cluster::start("byte order on postgres") else {
        return;
    };
    let (admin, conn) = tokio_postgres::connect(&cluster.conninfo, tokio_postgres::NoTls)
        .await
        .expect("connect as admin");
    tokio::spawn(conn);
    admin
        .batch_execute(
            "CREATE DATABASE en_us LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'
             TEMPLATE template0",
        )
        .await
        .expect("create an en-US database");
    let order: Vec<String> = admin
        .query(
            "SELECT x FROM (VALUES ('B'), ('a')) v(x) ORDER BY x COLLATE \"en-US-x-icu\"",
            &[],
        )
        .await
        .expect("collation works")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(order, ["a", "B"], "the locale sorts otherwise than bytes");
    let conninfo = cluster.conninfo.replace("dbname=postgres", "dbname=en_us");
    let pg = Postgres::connect(&conninfo).await.expect("connect");
    lists_sort_byte_by_byte(pg).await;
}
