//! The archive on a real PostgreSQL (a throw-away cluster per test): one version per state
//! whichever process commits it, and `emend migrate` copying a sled database whole and
//! verified.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use common::postgres::Cluster;
use emend::Error;
use emend::model::{
    Article, ChangeKind, Check, CheckOutcome, HttpExchange, RequestHead, ResponseHead,
};
use emend::store::pg::Postgres;
use emend::store::{NewVersion, Route, ScheduleState, Store};

fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + secs, 0)
        .single()
        .expect("a valid time")
}

fn new_version(secs: i64, text: &str) -> NewVersion {
    NewVersion {
        fetched_at: t(secs),
        change: ChangeKind::New,
        article: Article {
            title: Some(format!("Title of {text}")),
            published: Some("2027-01-15T08:00:00+01:00".into()),
            text: text.to_owned(),
            ..Article::default()
        },
        text_hash: blake3::hash(text.as_bytes()).to_hex().to_string(),
        words_added: 3,
        words_removed: 0,
        extractor_version: 5,
        encoding: Some("UTF-8".into()),
        fetched_url: "https://news.test/a".into(),
    }
}

fn checked(secs: i64, change: ChangeKind) -> Check {
    Check {
        at: t(secs),
        status: Some(200),
        bytes: 120,
        etag: Some(format!("\"e{secs}\"")),
        last_modified: None,
        elapsed_ms: 4,
        outcome: CheckOutcome::Checked {
            change,
            version: None,
        },
    }
}

fn exchange(url: &str, status: u16) -> HttpExchange {
    HttpExchange {
        request: Some(RequestHead {
            method: "GET".into(),
            url: url.into(),
            headers: vec![("Host".into(), "news.test".into())],
        }),
        response: ResponseHead {
            version: "HTTP/1.1".into(),
            status,
            reason: if status == 200 { "OK" } else { "Not Modified" }.into(),
            headers: vec![("ETag".into(), "\"e\"".into())],
        },
        ip: Some("127.0.0.2".into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_processes_committing_one_state_store_one_version() {
    let Some(cluster) = Cluster::start("one version per state") else {
        return;
    };
    // A pool each, as separate daemons would have.
    let handles = futures_util::future::join_all(
        (0..8).map(|_| async { Postgres::connect(&cluster.conninfo).await.unwrap() }),
    )
    .await;
    let url = "https://news.test/a";
    let commits = handles.iter().map(|pg| {
        pg.commit_version(
            url,
            0,
            Route::default(),
            new_version(1, "the first state"),
            b"<p>the first state</p>",
            checked(1, ChangeKind::New),
        )
    });
    let results = futures_util::future::join_all(commits).await;
    let stored = results.iter().filter(|r| r.is_ok()).count();
    let stale = results
        .iter()
        .filter(|r| matches!(r, Err(Error::StaleVersion { current: 1, .. })))
        .count();
    assert_eq!((stored, stale), (1, 7), "{results:?}");

    let pg = &handles[0];
    assert_eq!(pg.versions(url).await.unwrap().len(), 1);
    // The next state goes after version 1, and only after it.
    let stale_again = pg
        .commit_version(
            url,
            0,
            Route::default(),
            new_version(2, "the second state"),
            b"<p>the second state</p>",
            checked(2, ChangeKind::SilentEdit),
        )
        .await;
    assert!(matches!(stale_again, Err(Error::StaleVersion { .. })));
    let second = pg
        .commit_version(
            url,
            1,
            Route::default(),
            new_version(2, "the second state"),
            b"<p>the second state</p>",
            checked(2, ChangeKind::SilentEdit),
        )
        .await
        .unwrap();
    assert_eq!(second.number, 2);
    let record = pg.article(url).await.unwrap().unwrap();
    assert_eq!(record.versions, 2);
    assert_eq!(record.etag.as_deref(), Some("\"e2\""));
    let body = pg
        .raw_body(second.body_hash.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(body.as_deref(), Some(&b"<p>the second state</p>"[..]));
    let checks = pg.checks(url, 10).await.unwrap();
    assert_eq!(checks.len(), 2, "only the committing check is logged");
    assert!(matches!(
        checks[0].outcome,
        CheckOutcome::Checked {
            version: Some(2),
            ..
        }
    ));
}

/// A sled database with two articles: versions with bodies (one body shared), exchanges, a
/// 304 check with its exchange, a failed check, an alias and a schedule entry.
fn sled_database(dir: &std::path::Path) {
    let store = Store::open(dir).expect("sled fixture");
    let a = "https://news.test/a";
    let b = "https://news.test/b";
    let capture = exchange(a, 200);
    let desk = ["desk".to_owned()];
    let route = Route {
        site: Some("news"),
        capture: Some(&capture),
        notify: &desk,
    };
    let shared = b"<html><p>shared body</p></html>";
    store
        .commit_version_routed(
            a,
            0,
            route,
            new_version(1, "a one"),
            shared,
            checked(1, ChangeKind::New),
        )
        .expect("sled fixture");
    let mut not_modified = checked(2, ChangeKind::Unchanged);
    not_modified.outcome = CheckOutcome::NotModified;
    store.record_check(a, &not_modified).expect("sled fixture");
    store
        .record_not_modified(a, t(2), &exchange(a, 304))
        .expect("sled fixture");
    store
        .commit_version_routed(
            a,
            1,
            route,
            new_version(3, "a two"),
            b"<p>a two</p>",
            checked(3, ChangeKind::DeclaredUpdate),
        )
        .expect("sled fixture");
    let mut failed = checked(4, ChangeKind::Unchanged);
    failed.outcome = CheckOutcome::Failed {
        error: "timed out".into(),
    };
    store.record_check(a, &failed).expect("sled fixture");
    store
        .commit_version(
            b,
            None,
            new_version(5, "b one"),
            shared,
            checked(5, ChangeKind::New),
        )
        .expect("sled fixture");
    assert!(
        store
            .add_alias("https://news.test/a?utm_source=x", a)
            .expect("sled fixture")
    );
    let state = ScheduleState {
        next_due: Some(t(900)),
        interval_secs: 900,
        unchanged_streak: 1,
        failures: 0,
        track_until: Some(t(86_400)),
    };
    store.set_schedule(a, &state).expect("sled fixture");
    store.flush().expect("sled fixture");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_copies_a_sled_database_whole_and_a_rerun_copies_nothing_twice() {
    let Some(cluster) = Cluster::start("migrate") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("emend.db");
    sled_database(&db);

    let from = db.display().to_string();
    let args = [
        "migrate",
        "--from",
        &from,
        "--to",
        &cluster.conninfo,
        "--json",
    ];
    let report = common::emend_json(work.path(), &args);
    assert_eq!(report["articles"], 2, "{report}");
    assert_eq!(report["versions"], 3, "{report}");
    assert_eq!(
        report["bodies"], 2,
        "one body is shared by two articles: {report}"
    );
    assert_eq!(report["checks"], 5, "{report}");
    assert_eq!(report["aliases"], 1, "{report}");
    assert_eq!(report["scheduled"], 1, "{report}");
    assert_eq!(report["verified"], 2, "{report}");
    assert_eq!(report["deliveries"], 2, "one per routed version: {report}");

    // Read the copy through the engine and compare it with the source, field by field.
    let store = Store::open_existing(&db).unwrap();
    let pg = Postgres::connect(&cluster.conninfo).await.unwrap();
    for url in ["https://news.test/a", "https://news.test/b"] {
        assert_eq!(pg.article(url).await.unwrap(), store.article(url).unwrap());
        let versions = store.versions(url).unwrap();
        assert_eq!(pg.versions(url).await.unwrap(), versions);
        for v in &versions {
            let hash = v.body_hash.as_deref().unwrap();
            assert_eq!(
                pg.raw_body(hash).await.unwrap(),
                store.raw_body(hash).unwrap()
            );
            assert_eq!(
                pg.capture(url, v.number).await.unwrap(),
                store.capture(url, v.number).unwrap()
            );
        }
        assert_eq!(
            pg.checks(url, 100).await.unwrap(),
            store.checks(url, 100).unwrap()
        );
    }
    assert_eq!(
        pg.resolve("https://news.test/a?utm_source=x")
            .await
            .unwrap(),
        Some("https://news.test/a".into())
    );

    drop(store);
    reads_answer_the_same_on_both_engines(work.path(), &db, &cluster);

    // A second run finds every article there and copies nothing twice.
    let again = common::emend_json(work.path(), &args);
    assert_eq!(
        (again["articles"].as_u64(), again["skipped"].as_u64()),
        (Some(0), Some(2))
    );
    let counts = pg.store_stats().await.unwrap();
    assert_eq!((counts.articles, counts.versions, counts.checks), (2, 3, 5));
}

/// `history`, `diff`, `checks`, `list`, `notify status`, `reextract`, `export` (JSON Lines
/// and CSV) and `verify` print the same from the sled database and from its copy in
/// PostgreSQL, reached by a `postgres://` URL (a pasted URL variant included).
fn reads_answer_the_same_on_both_engines(
    work: &std::path::Path,
    db: &std::path::Path,
    cluster: &Cluster,
) {
    let url = cluster.url();
    let sled = db.display().to_string();
    let a = "https://news.test/a";
    let reads: [&[&str]; 10] = [
        &["history", a, "--json"],
        &[
            "history",
            "HTTPS://news.test/a?utm_source=feed#top",
            "--json",
        ],
        &["diff", a, "--json"],
        &["checks", a, "--json"],
        &["list", "--json"],
        &["notify", "status", "--json"],
        &["reextract", a, "--json"],
        &["export", "--jsonl", "-"],
        &["export", "--csv", "-"],
        &["verify", "--json"],
    ];
    for read in reads {
        let on = |db: &str| {
            let mut args = vec!["--db", db];
            args.extend_from_slice(read);
            let out = common::emend(work).args(&args).output().expect("run emend");
            assert!(
                out.status.success(),
                "emend {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            out.stdout
        };
        let (from_sled, from_pg) = (on(&sled), on(&url));
        assert!(!from_sled.is_empty(), "{read:?} printed nothing");
        assert_eq!(
            String::from_utf8_lossy(&from_pg),
            String::from_utf8_lossy(&from_sled),
            "{read:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_a_postgres_database_without_emend_says_so_and_creates_nothing() {
    let Some(cluster) = Cluster::start("read empty postgres") else {
        return;
    };
    let work = tempfile::tempdir().expect("temp dir");
    let out = common::emend(work.path())
        .args(["--db", &cluster.url(), "list"])
        .output()
        .expect("run emend");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no emend database"), "{stderr}");
    let (client, conn) = tokio_postgres::connect(&cluster.conninfo, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    let tables: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .await
        .expect("count tables")
        .get(0);
    assert_eq!(tables, 0, "a read created tables");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_from_a_directory_without_a_database_says_so_and_creates_nothing() {
    let work = tempfile::tempdir().unwrap();
    let out = common::emend(work.path())
        .args([
            "migrate",
            "--from",
            "nope",
            "--to",
            "host=/nonexistent dbname=x",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nope"), "{stderr}");
    assert!(!work.path().join("nope").exists());
}

#[test]
fn a_command_on_an_unreachable_postgres_names_it_and_creates_nothing() {
    let work = tempfile::tempdir().expect("temp dir");
    for args in [
        &["forget", "http://127.0.0.1:1/a.html", "--yes"][..],
        &["watch", "http://127.0.0.1:1/a.html"][..],
        &["verify"][..],
        &["export", "--jsonl", "-"][..],
    ] {
        let out = common::emend(work.path())
            .args(["--db", "postgres://emend@127.0.0.1:1/news"])
            .args(args)
            .output()
            .expect("run emend");
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("127.0.0.1/news"), "{args:?}: {stderr}");
    }
    let left: Vec<_> = std::fs::read_dir(work.path()).expect("list").collect();
    assert!(left.is_empty(), "created {left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_of_the_first_schema_upgrades_in_place_and_keeps_its_frontier() {
    let Some(cluster) = Cluster::start("upgrade from schema 1") else {
        return;
    };
    // The schema as the first release with PostgreSQL left it: step 1 only, with data.
    let (client, conn) = tokio_postgres::connect(&cluster.conninfo, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    client
        .batch_execute(&format!(
            "CREATE TABLE emend_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now());
             {}
             INSERT INTO emend_schema (version, name) VALUES (1, 'frontier');
             INSERT INTO leases (scope, key) VALUES ('host', 'news.test');
             INSERT INTO frontier (url, host, due_at)
                 VALUES ('https://news.test/a', 'news.test', '2027-01-01T00:00:00Z');",
            include_str!("../src/store/pg/migrations/0001_frontier.sql")
        ))
        .await
        .expect("schema 1");

    let pg = Postgres::connect(&cluster.conninfo).await.expect("upgrade");
    let version: i32 = client
        .query_one("SELECT max(version) FROM emend_schema", &[])
        .await
        .expect("schema version")
        .get(0);
    assert_eq!(version, emend::store::pg::SCHEMA_VERSION);
    let kept: i64 = client
        .query_one(
            "SELECT count(*) FROM frontier WHERE host = 'news.test'",
            &[],
        )
        .await
        .expect("frontier")
        .get(0);
    assert_eq!(kept, 1, "the frontier survived the upgrade");
    // And the upgraded database takes versions.
    let v = pg
        .commit_version(
            "https://news.test/a",
            0,
            Route::default(),
            new_version(1, "after the upgrade"),
            b"<p>after the upgrade</p>",
            checked(1, ChangeKind::New),
        )
        .await
        .expect("commit after upgrade");
    assert_eq!(v.number, 1);
}

#[test]
fn snapshot_stores_into_postgres_and_history_reads_it_back() {
    let Some(cluster) = Cluster::start("snapshot on postgres") else {
        return;
    };
    let site = common::server::TestServer::start("127.0.0.1");
    site.set(
        "/news/story",
        common::route::Route::new(
            200,
            "text/html",
            common::fixture_text("seed/v1-original.html"),
        ),
    );
    let work = tempfile::tempdir().expect("temp dir");
    let (db, url) = (cluster.url(), site.url("/news/story"));
    let first = common::emend_json(work.path(), &["--db", &db, "snapshot", &url, "--json"]);
    assert_eq!(
        (first["version"].as_u64(), first["change"].as_str()),
        (Some(1), Some("new"))
    );
    let again = common::emend_json(work.path(), &["--db", &db, "snapshot", &url, "--json"]);
    assert_eq!(again["change"], "unchanged", "{again}");
    let history = common::emend_json(work.path(), &["--db", &db, "history", &url, "--json"]);
    let text = history.to_string();
    assert!(text.contains("\"new\""), "{history}");
    assert!(
        !work.path().join("emend.db").exists(),
        "nothing written beside PostgreSQL"
    );
}
