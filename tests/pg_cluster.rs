//! Three `emend daemon` processes on one PostgreSQL (a throw-away cluster) crawling six
//! loopback hosts, judged from the servers' own request logs: every article found and
//! checked, each host fetched by one daemon only and never faster than its rate, robots.txt
//! read once per host, and one version per article.

mod common;
mod notify_receiver;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use common::daemon::{Daemon, serve_feed};
use common::fixture_text;
use common::postgres::Cluster;
use common::route::Route;
use common::server::TestServer;

const HOSTS: usize = 6;
const ARTICLES: usize = 4;
const RATE: f64 = 2.0;
const SEED_URL: &str = "https://newsroom.example/politics/lachin-district-returned";

/// A news host: robots.txt, a feed of its articles, and the articles (the seed article,
/// each with its own canonical URL).
fn news_host(ip: &str) -> (TestServer, Vec<String>) {
    let server = TestServer::start(ip);
    let articles: Vec<String> = (0..ARTICLES)
        .map(|i| server.url(&format!("/a/{i}")))
        .collect();
    for (i, url) in articles.iter().enumerate() {
        let html = fixture_text("seed/v1-original.html").replace(SEED_URL, url);
        server.set(&format!("/a/{i}"), Route::new(200, "text/html", html));
    }
    serve_feed(&server, &articles);
    (server, articles)
}

/// The sites file of daemon `n`: every host a site, and the daemon's own user agent so the
/// servers' logs tell the daemons apart.
fn sites_toml(servers: &[TestServer], n: usize, hook: Option<&str>) -> String {
    let mut toml = format!("[crawler]\nuser_agent = \"emend-cluster-test/{n}\"\n");
    if let Some(url) = hook {
        toml.push_str(&format!(
            "\n[[notify]]\nname = \"desk\"\nkind = \"webhook\"\nurl = \"{url}\"\nchanges = [\"new\"]\n"
        ));
    }
    for (i, server) in servers.iter().enumerate() {
        toml.push_str(&format!(
            "\n[[site]]\nname = \"host{i}\"\nfeeds = [\"{}\"]\narticle_pattern = '^{}/a/\\d+$'\n\
             interval = \"2s\"\nmax_interval = \"4s\"\nrate = {RATE}\n",
            server.url("/rss"),
            regex_escape(server.url("").trim_end_matches('/'))
        ));
    }
    toml
}

fn regex_escape(s: &str) -> String {
    s.replace('.', "\\.")
}

/// The most requests `hits` (arrival times) put in any window of `window`.
fn busiest(mut hits: Vec<std::time::Instant>, window: Duration) -> usize {
    hits.sort();
    (0..hits.len())
        .map(|i| {
            hits[i..]
                .iter()
                .take_while(|t| **t - hits[i] < window)
                .count()
        })
        .max()
        .unwrap_or(0)
}

/// The six news hosts on 127.0.0.2-7, and their article URLs.
fn news_hosts() -> (Vec<TestServer>, Vec<Vec<String>>) {
    (0..HOSTS)
        .map(|i| news_host(&format!("127.0.0.{}", i + 2)))
        .unzip()
}

/// Three daemons on the cluster's database, each with its own sites file and user agent.
fn start_daemons(
    cluster: &Cluster,
    dir: &Path,
    servers: &[TestServer],
    hook: Option<&str>,
) -> Vec<Daemon> {
    let url = cluster.url();
    (0..3)
        .map(|n| {
            let config = dir.join(format!("sites{n}.toml"));
            std::fs::write(&config, sites_toml(servers, n, hook)).expect("write sites");
            Daemon::spawn_on(&url, dir, &config, &[], &[], Some("info"))
        })
        .collect()
}

/// The user agents that fetched from `server` since `since`.
fn agents(server: &TestServer, since: Instant) -> HashSet<String> {
    server
        .requests()
        .iter()
        .filter(|r| r.at >= since)
        .filter_map(|r| r.header("user-agent").map(str::to_owned))
        .collect()
}

/// Stops `daemons` with SIGTERM and returns what each logged, for failure messages.
fn stop<'a>(daemons: impl IntoIterator<Item = &'a mut Daemon>) -> String {
    let daemons: Vec<&mut Daemon> = daemons.into_iter().collect();
    for d in &daemons {
        d.terminate();
    }
    let mut logs = String::new();
    for d in daemons {
        let status = d.wait_exit(Duration::from_secs(15));
        logs.push_str(&format!("--- daemon ({status}):\n{}\n", d.stderr()));
    }
    logs
}

/// Every article in the cluster's database has exactly one version, number 1: none lost,
/// none stored twice.
fn assert_one_version_each(cluster: &Cluster, articles: &[&String]) {
    let versions = versions_per_article(cluster, articles);
    let wrong: Vec<_> = versions
        .iter()
        .filter(|(_, v)| v.as_slice() != [1])
        .collect();
    assert!(wrong.is_empty(), "{wrong:?}");
}

/// Versions per article in the cluster's database.
fn versions_per_article(cluster: &Cluster, articles: &[&String]) -> HashMap<String, Vec<u32>> {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let pg = emend::store::pg::Postgres::connect(&cluster.conninfo)
            .await
            .expect("connect");
        let mut out = HashMap::new();
        for url in articles {
            let numbers = pg.versions(url).await.expect("versions");
            out.insert((*url).clone(), numbers.iter().map(|v| v.number).collect());
        }
        out
    })
}

#[test]
fn three_daemons_share_six_hosts_politely_and_store_each_article_once() {
    let Some(cluster) = Cluster::start("three daemons") else {
        return;
    };
    let (servers, articles) = news_hosts();
    let (hook, received) = notify_receiver::start();
    let work = tempfile::tempdir().expect("temp dir");
    let hook_url = hook.url("/desk");
    let started = Instant::now();
    let mut daemons = start_daemons(&cluster, work.path(), &servers, Some(&hook_url));

    // Every article checked at least twice (found, then re-checked).
    let all: Vec<&String> = articles.iter().flatten().collect();
    let checked = |s: &TestServer, path: &str| s.hits(path).len();
    let deadline = std::time::Instant::now() + Duration::from_secs(40);
    let done = || {
        servers
            .iter()
            .all(|s| (0..ARTICLES).all(|i| checked(s, &format!("/a/{i}")) >= 2))
            && received.accepted("/desk").len() >= HOSTS * ARTICLES
    };
    while !done() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    let finished = done();
    let logs = stop(&mut daemons);
    assert!(
        finished,
        "not every article was checked twice within 40 s:\n{logs}"
    );

    for (i, server) in servers.iter().enumerate() {
        let requests = server.requests();
        let agents = agents(server, started);
        assert_eq!(agents.len(), 1, "host {i} was fetched by {agents:?}");
        let peak = busiest(
            requests.iter().map(|r| r.at).collect(),
            Duration::from_secs(1),
        );
        assert!(
            peak <= RATE as usize + 1,
            "host {i}: {peak} requests in one second at rate {RATE}"
        );
        assert_eq!(server.hits("/robots.txt").len(), 1, "host {i} robots.txt");
    }
    let daemons_used: HashSet<String> = servers.iter().flat_map(|s| agents(s, started)).collect();
    assert_eq!(
        daemons_used.len(),
        3,
        "every daemon took a share of the hosts"
    );

    // One version per article, in the database the three shared.
    assert_one_version_each(&cluster, &all);
    // Every first version announced once, by whichever daemon held the notification lease.
    let sent = received.accepted("/desk");
    let ids: HashSet<String> = sent
        .iter()
        .filter_map(|m| m.json()["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        (sent.len(), ids.len()),
        (all.len(), all.len()),
        "one message per change"
    );
    // Each re-check that found the page unchanged widened its gap, as on sled.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let streaks: Vec<(i64, i64)> = rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(&cluster.conninfo, tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(conn);
        let rows = client
            .query(
                "SELECT (state->>'unchanged_streak')::int8, (state->>'interval_secs')::int8
                 FROM frontier",
                &[],
            )
            .await
            .expect("frontier states");
        rows.iter().map(|r| (r.get(0), r.get(1))).collect()
    });
    assert_eq!(streaks.len(), all.len());
    assert!(
        streaks
            .iter()
            .all(|&(streak, secs)| streak >= 1 && secs >= 3),
        "unchanged re-checks widen the 2 s interval: {streaks:?}"
    );
}

#[test]
fn a_killed_daemons_hosts_are_taken_over_and_nothing_is_lost_or_stored_twice() {
    let Some(cluster) = Cluster::start("kill -9 of one daemon") else {
        return;
    };
    let (servers, articles) = news_hosts();
    let work = tempfile::tempdir().expect("temp dir");
    let mut daemons = start_daemons(&cluster, work.path(), &servers, None);
    let all: Vec<&String> = articles.iter().flatten().collect();
    let started = Instant::now();
    let fetched = |s: &TestServer| (0..ARTICLES).all(|i| !s.hits(&format!("/a/{i}")).is_empty());
    while !servers.iter().all(fetched) && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        servers.iter().all(fetched),
        "not every article was checked in 30 s"
    );

    // Kill the daemon holding the first host, mid-crawl.
    let victim_agent = agents(&servers[0], started)
        .into_iter()
        .next()
        .expect("host 0 was fetched");
    let victim = victim_agent
        .rsplit('/')
        .next()
        .and_then(|n| n.parse::<usize>().ok())
        .expect("agent names its daemon");
    daemons[victim].kill();
    let killed = Instant::now();
    let orphans: Vec<usize> = (0..HOSTS)
        .filter(|&i| agents(&servers[i], started).contains(&victim_agent))
        .collect();
    let taken_over = |i: &usize| {
        let after = agents(&servers[*i], killed);
        !after.is_empty() && !after.contains(&victim_agent)
    };
    while !orphans.iter().all(taken_over) && killed.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(200));
    }
    let took = killed.elapsed();
    println!("hosts {orphans:?} of the killed daemon taken over after {took:?}");
    // The survivors kept working throughout and stop cleanly.
    for (n, d) in daemons.iter_mut().enumerate().filter(|(n, _)| *n != victim) {
        assert!(d.running(), "daemon {n} stopped when another was killed");
    }
    let survivors = daemons.iter_mut().enumerate().filter(|(n, _)| *n != victim);
    let logs = stop(survivors.map(|(_, d)| d));
    assert!(
        orphans.iter().all(taken_over),
        "hosts {orphans:?} of the killed daemon not taken over in {took:?}:\n{logs}"
    );
    // Every acknowledged version is there, none twice.
    assert_one_version_each(&cluster, &all);
}
