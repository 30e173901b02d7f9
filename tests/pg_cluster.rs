//! Three `emend daemon` processes on one PostgreSQL (a throw-away cluster) crawling six
//! loopback hosts, judged from the servers' own request logs: every article found and
//! checked, each host fetched by one daemon only and never faster than its rate, robots.txt
//! read once per host, and one version per article.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use common::daemon::Daemon;
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
    server.set(
        "/robots.txt",
        Route::new(200, "text/plain", "User-agent: *\nAllow: /\n"),
    );
    let articles: Vec<String> = (0..ARTICLES)
        .map(|i| server.url(&format!("/a/{i}")))
        .collect();
    for (i, url) in articles.iter().enumerate() {
        let html = fixture_text("seed/v1-original.html").replace(SEED_URL, url);
        server.set(&format!("/a/{i}"), Route::new(200, "text/html", html));
    }
    let items: String = articles
        .iter()
        .map(|u| format!("<item><link>{u}</link></item>"))
        .collect();
    server.set(
        "/rss",
        Route::new(
            200,
            "application/rss+xml",
            format!("<rss version=\"2.0\"><channel><title>t</title>{items}</channel></rss>"),
        ),
    );
    (server, articles)
}

/// The sites file of daemon `n`: every host a site, and the daemon's own user agent so the
/// servers' logs tell the daemons apart.
fn sites_toml(servers: &[TestServer], n: usize) -> String {
    let mut toml = format!("[crawler]\nuser_agent = \"emend-cluster-test/{n}\"\n");
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

#[test]
fn three_daemons_share_six_hosts_politely_and_store_each_article_once() {
    let Some(cluster) = Cluster::start("three daemons") else {
        return;
    };
    let hosts: Vec<(TestServer, Vec<String>)> = (0..HOSTS)
        .map(|i| news_host(&format!("127.0.0.{}", i + 2)))
        .collect();
    let (servers, articles): (Vec<TestServer>, Vec<Vec<String>>) = hosts.into_iter().unzip();
    let work = tempfile::tempdir().expect("temp dir");
    let url = cluster.url();
    let mut daemons: Vec<Daemon> = (0..3)
        .map(|n| {
            let config = work.path().join(format!("sites{n}.toml"));
            std::fs::write(&config, sites_toml(&servers, n)).expect("write sites");
            Daemon::spawn_on(&url, work.path(), &config, &[], &[], Some("info"))
        })
        .collect();

    // Every article checked at least twice (found, then re-checked).
    let all: Vec<&String> = articles.iter().flatten().collect();
    let checked = |s: &TestServer, path: &str| s.hits(path).len();
    let deadline = std::time::Instant::now() + Duration::from_secs(40);
    let done = || {
        servers
            .iter()
            .all(|s| (0..ARTICLES).all(|i| checked(s, &format!("/a/{i}")) >= 2))
    };
    while !done() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    let finished = done();
    for d in &daemons {
        d.terminate();
    }
    let mut logs = String::new();
    for d in &mut daemons {
        let status = d.wait_exit(Duration::from_secs(15));
        logs.push_str(&format!("--- daemon ({status}):\n{}\n", d.stderr()));
    }
    assert!(
        finished,
        "not every article was checked twice within 40 s:\n{logs}"
    );

    for (i, server) in servers.iter().enumerate() {
        let requests = server.requests();
        let agents: HashSet<String> = requests
            .iter()
            .filter_map(|r| r.header("user-agent").map(str::to_owned))
            .collect();
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
    let daemons_used: HashSet<String> = servers
        .iter()
        .flat_map(|s| s.requests())
        .filter_map(|r| r.header("user-agent").map(str::to_owned))
        .collect();
    assert_eq!(
        daemons_used.len(),
        3,
        "every daemon took a share of the hosts"
    );

    // One version per article, in the database the three shared.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let pg = emend::store::pg::Postgres::connect(&cluster.conninfo)
            .await
            .expect("connect");
        let counts = pg.archive_counts().await.expect("counts");
        assert_eq!(counts.articles as usize, all.len(), "{counts:?}");
        assert_eq!(counts.versions as usize, all.len(), "{counts:?}");
        let mut per_article: HashMap<String, usize> = HashMap::new();
        for url in &all {
            per_article.insert(
                (*url).clone(),
                pg.versions(url).await.expect("versions").len(),
            );
        }
        assert!(per_article.values().all(|n| *n == 1), "{per_article:?}");
    });
}
