//! The PostgreSQL frontier's own cost: 1, 2 and 3 daemons draining one shared frontier of
//! many hosts on a throw-away local cluster (no fetching: claims and finishes only, so the
//! figure is what the shared frontier adds to every check).
//!
//! Run with `cargo bench --bench pg_frontier` (needs Debian's `postgresql` server binaries;
//! says SKIPPED without them). Knobs: `EMEND_BENCH_HOSTS` (default 30),
//! `EMEND_BENCH_PER_HOST` (URLs per host, default 200), `EMEND_BENCH_BATCH` (URLs per claim,
//! default 32). Each daemon count runs twice: finishing each URL on its own, then each claim's
//! URLs in one statement. Reports URLs handed out per second, client and server CPU per URL,
//! and each figure's ratio to one daemon finishing per URL, in the same run.

#[path = "../tests/common/postgres.rs"]
mod postgres;

use std::time::{Duration, Instant};

use chrono::Utc;
use emend::store::pg::{Frontier, Postgres};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU seconds (user + system) used so far by this process.
fn own_cpu_secs() -> f64 {
    proc_cpu("self", false).unwrap_or(0.0)
}

/// CPU seconds of the cluster's server: the postmaster's own, its reaped children's
/// (backends that have exited) and its live children's.
fn server_cpu_secs(postmaster: &str) -> f64 {
    let live: f64 = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| parent(pid).as_deref() == Some(postmaster))
        .filter_map(|pid| proc_cpu(&pid, false))
        .sum();
    proc_cpu(postmaster, true).unwrap_or(0.0) + live
}

/// utime + stime of `pid` (and cutime + cstime, its waited-for children, with `reaped`).
fn proc_cpu(pid: &str, reaped: bool) -> Option<f64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let f: Vec<&str> = s[s.rfind(')')? + 1..].split_whitespace().collect();
    let field = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok());
    let own = field(11)? + field(12)?;
    let children = if reaped { field(13)? + field(14)? } else { 0.0 };
    Some((own + children) / 100.0) // USER_HZ
}

fn parent(pid: &str) -> Option<String> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    s[s.rfind(')')? + 1..]
        .split_whitespace()
        .nth(1)
        .map(str::to_string)
}

struct Run {
    secs: f64,
    client_cpu: f64,
    server_cpu: f64,
}

async fn drain(
    conninfo: &str,
    postmaster: &str,
    daemons: usize,
    urls: usize,
    batch: i64,
    per_url: bool,
) -> Result<Run, BoxError> {
    let mut frontiers = Vec::new();
    for d in 0..daemons {
        let pg = Postgres::connect(conninfo).await?;
        frontiers.push(Frontier::new(pg, format!("d{d}"), Duration::from_secs(20)));
    }
    for f in &frontiers {
        f.balance().await?;
    }
    let (client0, server0, started) = (own_cpu_secs(), server_cpu_secs(postmaster), Instant::now());
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tasks: Vec<_> = frontiers
        .into_iter()
        .map(|f| {
            let done = done.clone();
            tokio::spawn(async move {
                let mut idle = 0;
                while done.load(std::sync::atomic::Ordering::Relaxed) < urls && idle < 200 {
                    let claims = f.claim_due(batch).await?;
                    if claims.is_empty() {
                        idle += 1;
                        f.balance().await?;
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    }
                    let later = Utc::now() + chrono::Duration::days(1);
                    if per_url {
                        for c in &claims {
                            f.finish(&c.url, later).await?;
                        }
                    } else {
                        let done: Vec<_> = claims.iter().map(|c| (c.url.clone(), later)).collect();
                        f.finish_many(&done).await?;
                    }
                    done.fetch_add(claims.len(), std::sync::atomic::Ordering::Relaxed);
                }
                Ok::<_, BoxError>(())
            })
        })
        .collect();
    for t in tasks {
        t.await??;
    }
    let n = done.load(std::sync::atomic::Ordering::Relaxed);
    if n != urls {
        return Err(format!("{n} of {urls} URLs handed out").into());
    }
    Ok(Run {
        secs: started.elapsed().as_secs_f64(),
        client_cpu: own_cpu_secs() - client0,
        server_cpu: server_cpu_secs(postmaster) - server0,
    })
}

async fn seed(conninfo: &str, hosts: usize, per_host: usize) -> Result<(), BoxError> {
    let pg = Postgres::connect(conninfo).await?;
    let f = Frontier::new(pg, "seeder", Duration::from_secs(20));
    let due = Utc::now() - chrono::Duration::hours(1);
    for h in 0..hosts {
        let host = format!("host{h}.test");
        for n in 0..per_host {
            f.add(&format!("http://{host}/a/{n}"), &host, due).await?;
        }
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() -> Result<(), BoxError> {
    let Some(cluster) = postgres::Cluster::start("pg_frontier bench") else {
        return Ok(());
    };
    let (hosts, per_host, batch) = (
        env_or("EMEND_BENCH_HOSTS", 30usize),
        env_or("EMEND_BENCH_PER_HOST", 200usize),
        env_or("EMEND_BENCH_BATCH", 32i64),
    );
    let urls = hosts * per_host;
    let postmaster = cluster.postmaster_pid().ok_or("no postmaster.pid")?;
    println!("pg_frontier: {hosts} hosts x {per_host} URLs, claims of {batch}");
    let mut base: Option<(f64, f64)> = None;
    for (mode, per_url) in [("finish per URL", true), ("finish per claim", false)] {
        for daemons in 1..=3 {
            let db = format!("bench{daemons}{}", if per_url { "u" } else { "c" });
            let (client, conn) =
                tokio_postgres::connect(&cluster.conninfo, tokio_postgres::NoTls).await?;
            tokio::spawn(conn);
            client
                .batch_execute(&format!("CREATE DATABASE {db}"))
                .await?;
            let conninfo = cluster
                .conninfo
                .replace("dbname=postgres", &format!("dbname={db}"));
            seed(&conninfo, hosts, per_host).await?;
            let run = drain(&conninfo, &postmaster, daemons, urls, batch, per_url).await?;
            let rate = urls as f64 / run.secs;
            let cpu_us = (run.client_cpu + run.server_cpu) * 1e6 / urls as f64;
            let (rate0, cpu0) = *base.get_or_insert((rate, cpu_us));
            println!(
                "{mode}, {daemons} daemon(s): {rate:.0} URLs/s ({:.2}x one), CPU {cpu_us:.0} us/URL \
             (client {:.0}, server {:.0}; {:.2}x one)",
                rate / rate0,
                run.client_cpu * 1e6 / urls as f64,
                run.server_cpu * 1e6 / urls as f64,
                cpu_us / cpu0
            );
        }
    }
    Ok(())
}
