//! The shared frontier on a real PostgreSQL (a throw-away cluster per test): daemons divide
//! the hosts, fetch each host one at a time, take over a dead daemon's hosts when its lease
//! expires, and carry politeness across a take-over.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use common::postgres::Cluster;
use emend::store::pg::{Frontier, Postgres};

/// One simulated fetch: who, which host and URL, from when to when.
#[derive(Debug, Clone)]
struct Fetch {
    worker: String,
    host: String,
    url: String,
    start: Instant,
    end: Instant,
}

async fn frontier(cluster: &Cluster, worker: &str, lease: Duration) -> Frontier {
    let pg = Postgres::connect(&cluster.conninfo).await.expect("connect");
    Frontier::new(pg, worker, lease)
}

async fn seed(f: &Frontier, hosts: usize, per_host: usize) -> Vec<String> {
    let mut urls = Vec::new();
    for h in 0..hosts {
        for n in 0..per_host {
            let host = format!("127.0.0.{}", h + 2);
            let url = format!("http://{host}/article/{n}");
            assert!(f.add(&url, &host, Utc::now()).await.expect("add"));
            urls.push(url);
        }
    }
    urls
}

/// A daemon's loop, reduced to the frontier: balance, claim, "fetch", finish.
async fn work(f: Frontier, log: Arc<Mutex<Vec<Fetch>>>, total: usize, fetch: Duration) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while log.lock().expect("log").len() < total && Instant::now() < deadline {
        f.balance().await.expect("balance");
        let claims = f.claim_due(3).await.expect("claim");
        if claims.is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        for claim in claims {
            let start = Instant::now();
            tokio::time::sleep(fetch).await;
            let end = Instant::now();
            log.lock().expect("log").push(Fetch {
                worker: f.worker().to_string(),
                host: claim.host.clone(),
                url: claim.url.clone(),
                start,
                end,
            });
            let later = Utc::now() + chrono::Duration::days(1);
            assert!(
                f.finish(&claim.url, later).await.expect("finish"),
                "lost claim on {}",
                claim.url
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_daemons_divide_six_hosts_and_never_share_one() {
    let Some(cluster) = Cluster::start("three_daemons_divide_six_hosts_and_never_share_one") else {
        return;
    };
    let lease = Duration::from_secs(10);
    let daemons =
        futures_util::future::join_all(["a", "b", "c"].map(|name| frontier(&cluster, name, lease)))
            .await;
    let urls = seed(&daemons[0], 6, 12).await;
    let log = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = daemons
        .iter()
        .cloned()
        .map(|f| tokio::spawn(work(f, log.clone(), urls.len(), Duration::from_millis(15))))
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let log = log.lock().unwrap().clone();

    let checked: Vec<&str> = log.iter().map(|f| f.url.as_str()).collect();
    let unique: HashSet<&str> = checked.iter().copied().collect();
    assert_eq!(checked.len(), urls.len(), "every URL checked exactly once");
    assert_eq!(unique.len(), urls.len());

    let mut by_host: HashMap<&str, Vec<&Fetch>> = HashMap::new();
    for f in &log {
        by_host.entry(f.host.as_str()).or_default().push(f);
    }
    for (host, fetches) in &by_host {
        for a in fetches {
            for b in fetches {
                let overlap = a.start < b.end && b.start < a.end;
                assert!(
                    a.worker == b.worker || !overlap,
                    "{host} fetched by {} and {} at once",
                    a.worker,
                    b.worker
                );
            }
        }
    }
    let workers: HashSet<&str> = log.iter().map(|f| f.worker.as_str()).collect();
    assert_eq!(
        workers.len(),
        3,
        "the hosts were divided between all three daemons"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_daemons_hosts_are_taken_over_at_lease_expiry_and_its_claims_fenced() {
    let Some(cluster) = Cluster::start("dead daemon take-over") else {
        return;
    };
    let lease = Duration::from_secs(2);
    let dead = frontier(&cluster, "dead", lease).await;
    let urls = seed(&dead, 2, 3).await;
    assert_eq!(
        dead.balance().await.unwrap().len(),
        2,
        "alone, it holds every host"
    );
    let orphaned = dead.claim_due(2).await.unwrap();
    assert_eq!(orphaned.len(), 2);
    let died = Instant::now();

    let heir = frontier(&cluster, "heir", lease).await;
    let log = Arc::new(Mutex::new(Vec::new()));
    work(heir, log.clone(), urls.len(), Duration::ZERO).await;
    let log = log.lock().unwrap().clone();
    assert_eq!(
        log.len(),
        urls.len(),
        "the heir checked every URL, the orphaned claims too"
    );
    let first = log.iter().map(|f| f.start).min().unwrap();
    let waited = first.duration_since(died);
    assert!(
        waited >= lease - Duration::from_millis(300) && waited < lease + Duration::from_secs(3),
        "take-over after {waited:?} with a {lease:?} lease"
    );
    let late = dead.finish(&orphaned[0].url, Utc::now()).await.unwrap();
    assert!(!late, "a claim that outlived its lease is refused");
    let late = dead
        .finish_many(&[(orphaned[1].url.clone(), Utc::now())])
        .await
        .unwrap();
    assert!(late.is_empty(), "in a batch too: {late:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claims_urls_finish_in_one_statement_and_leave_the_due_list() {
    let Some(cluster) = Cluster::start("finish_many") else {
        return;
    };
    let lease = Duration::from_secs(10);
    let a = frontier(&cluster, "a", lease).await;
    let urls = seed(&a, 1, 3).await;
    a.balance().await.unwrap();
    let claims = a.claim_due(10).await.unwrap();
    assert_eq!(claims.len(), 3);
    let later = Utc::now() + chrono::Duration::hours(1);
    let done: Vec<_> = claims.iter().map(|c| (c.url.clone(), later)).collect();
    let mut finished = a.finish_many(&done).await.unwrap();
    finished.sort();
    let mut expected = urls.clone();
    expected.sort();
    assert_eq!(finished, expected);
    assert!(
        a.claim_due(10).await.unwrap().is_empty(),
        "due again only in an hour"
    );
    let b = frontier(&cluster, "b", lease).await;
    assert!(
        b.finish_many(&done).await.unwrap().is_empty(),
        "not b's claims"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_holder_keeps_the_previous_holders_pace() {
    let Some(cluster) = Cluster::start("politeness across holders") else {
        return;
    };
    let lease = Duration::from_secs(10);
    let first = frontier(&cluster, "first", lease).await;
    seed(&first, 1, 1).await;
    first.balance().await.unwrap();
    let not_before = Utc::now() + chrono::Duration::seconds(30);
    assert!(first.hold_host("127.0.0.2", not_before).await.unwrap());
    first.release_all().await.unwrap();

    let second = frontier(&cluster, "second", lease).await;
    let held = second.balance().await.unwrap();
    assert_eq!(held.len(), 1, "a clean shutdown frees the host at once");
    let carried = held[0].not_before.timestamp_micros();
    assert_eq!(carried, not_before.timestamp_micros());
    assert!(
        !first.hold_host("127.0.0.2", Utc::now()).await.unwrap(),
        "only the holder sets it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sites_discovery_runs_on_one_daemon_at_a_time() {
    let Some(cluster) = Cluster::start("discovery lease") else {
        return;
    };
    let lease = Duration::from_secs(10);
    let a = frontier(&cluster, "a", lease).await;
    let b = frontier(&cluster, "b", lease).await;
    assert!(a.try_lease("site", "gazette").await.unwrap());
    assert!(!b.try_lease("site", "gazette").await.unwrap());
    assert!(
        a.try_lease("site", "gazette").await.unwrap(),
        "the holder renews"
    );
    a.release_all().await.unwrap();
    assert!(b.try_lease("site", "gazette").await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn daemons_starting_together_migrate_once_and_a_newer_schema_is_refused() {
    let Some(cluster) = Cluster::start("migrations") else {
        return;
    };
    let handles =
        futures_util::future::join_all((0..4).map(|_| Postgres::connect(&cluster.conninfo))).await;
    for h in &handles {
        assert!(h.is_ok(), "{h:?}");
    }
    let (client, conn) = tokio_postgres::connect(&cluster.conninfo, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let applied: i64 = client
        .query_one("SELECT count(*) FROM emend_schema", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(applied as i32, emend::store::pg::SCHEMA_VERSION);
    client
        .execute(
            "INSERT INTO emend_schema (version, name) VALUES (999, 'future')",
            &[],
        )
        .await
        .unwrap();
    let err = Postgres::connect(&cluster.conninfo)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("newer emend"), "{err}");
}
