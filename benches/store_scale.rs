//! Scale: a generated store of 1,000,000 tracked URLs with schedule entries. Measures the
//! generation, the cost of picking the next due URL (against a 1,000-URL store in the same
//! run), and the release `emend daemon`'s start-up time and resident memory on both stores.
//!
//! Run with `cargo bench --bench store_scale`. Knobs (environment): `EMEND_BENCH_URLS`
//! (default 1000000), `EMEND_BENCH_SMALL_URLS` (default 1000), `EMEND_BENCH_PICKS`
//! (picks timed per store, default 20000), `EMEND_BENCH_STARTS` (daemon start-ups per
//! store, default 3), `EMEND_BENCH_SETTLE_SECS` (when RSS is read after start-up, default 2),
//! `EMEND_BENCH_OVERDUE_SECS` (how far back the earliest due time lies, default 3600).
//!
//! cargo builds the `emend` binary with the bench (release) profile for this bench and
//! passes its path as `CARGO_BIN_EXE_emend`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use emend::store::{NewArticle, ScheduleState, Store};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How long after "daemon started" resident memory is read (`EMEND_BENCH_SETTLE_SECS`).
fn settle() -> Duration {
    Duration::from_secs(env_or("EMEND_BENCH_SETTLE_SECS", 2))
}

/// CPU seconds (user + system) the process `pid` has used so far.
fn proc_cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let f: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0) // USER_HZ
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A local port nothing listens on (bound, then released).
fn closed_port() -> Result<u16, BoxError> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// The schedule of URL `i` of `n`: due times spread over [now - 1 h, now + 23 h] in an order
/// unrelated to the URL order, like a store that has been crawling for a while (about
/// 1/24 of it is overdue when the daemon starts, as after an hour's downtime).
fn schedule_for(i: u64, n: u64, now: DateTime<Utc>) -> ScheduleState {
    let span = 24 * 3600 * 1000_i64;
    let slot = (i.wrapping_mul(2_654_435_761) % n) as i64;
    let overdue_ms = env_or::<i64>("EMEND_BENCH_OVERDUE_SECS", 3600) * 1000;
    let offset_ms = slot * span / n.max(1) as i64 - overdue_ms;
    ScheduleState {
        next_due: Some(now + chrono::Duration::milliseconds(offset_ms)),
        interval_secs: 900,
        unchanged_streak: (i % 7) as u32,
        failures: 0,
        track_until: Some(now + chrono::Duration::days(30)),
    }
}

/// Creates a store of `n` tracked URLs under `dir`; returns the time it took.
fn generate(dir: &Path, n: u64, base: &str) -> Result<Duration, BoxError> {
    let now = Utc::now();
    let started = Instant::now();
    let store = Store::open(dir)?;
    let created = store.ensure_articles_bulk(
        (0..n).map(|i| NewArticle {
            url: format!("{base}/news/{:07}/story-{}", i, i % 9973),
            site: Some("bench".to_owned()),
            schedule: Some(schedule_for(i, n, now)),
        }),
        now,
    )?;
    let took = started.elapsed();
    if created as u64 != n {
        return Err(format!("created {created} of {n} articles").into());
    }
    Ok(took)
}

/// Mean time of `next_due_time()` + `due(at, 1)` over `picks` calls.
fn pick_cost(store: &Store, picks: u32) -> Result<Duration, BoxError> {
    // One untimed pass so both stores are measured with their hot pages cached.
    for _ in 0..picks.min(1000) {
        if let Some(at) = store.next_due_time()? {
            store.due(at, 1)?;
        }
    }
    let started = Instant::now();
    let mut found = 0;
    for _ in 0..picks {
        // The daemon asks `due(now, ..)`; asking up to the earliest due time finds the same
        // entry when it is overdue, and one anyway when nothing is overdue yet.
        if let Some(at) = store.next_due_time()? {
            found += store.due(at, 1)?.len();
        }
    }
    let took = started.elapsed() / picks.max(1);
    if found == 0 {
        return Err("no due URL found".into());
    }
    Ok(took)
}

/// Mean time of what the daemon does per due URL: pick the earliest, read its schedule and
/// move its next-check index entry (here a day later, past every other entry, so each pick
/// takes a different URL), over `picks` URLs.
fn pick_and_lease_cost(store: &Store, picks: u32) -> Result<Duration, BoxError> {
    let horizon = Utc::now() + chrono::Duration::days(365);
    let started = Instant::now();
    for _ in 0..picks {
        let Some((at, url)) = store.due(horizon, 1)?.into_iter().next() else {
            return Err("the schedule is empty".into());
        };
        let mut state = store
            .schedule(&url)?
            .ok_or_else(|| format!("{url} has no schedule"))?;
        state.next_due = Some(at + chrono::Duration::hours(25));
        store.set_schedule(&url, &state)?;
    }
    Ok(started.elapsed() / picks.max(1))
}

fn write_config(dir: &Path, base: &str) -> Result<std::path::PathBuf, BoxError> {
    let path = dir.join("sites.toml");
    let pattern = format!("^{}/news/", base.replace('.', "\\\\."));
    std::fs::write(
        &path,
        format!(
            "[crawler]\nuser_agent = \"emend-bench/0.1\"\n\n[[site]]\nname = \"bench\"\n\
             start_urls = [\"{base}/\"]\narticle_pattern = \"{pattern}\"\ninterval = \"15m\"\nrate = 1.0\n"
        ),
    )?;
    Ok(path)
}

fn proc_status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

struct Startup {
    ready: Duration,
    /// CPU seconds the daemon used between "daemon started" and the second RSS reading.
    settle_cpu: f64,
    /// VmRSS when "daemon started" was read: the store opened, no crawling yet.
    ready_rss_mb: f64,
    rss_mb: f64,
    hwm_mb: f64,
    stop: Duration,
}

/// Kills the child if the bench bails out early.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `emend daemon` on `db`, times "daemon started", reads VmRSS [`settle`] later,
/// then stops it with SIGTERM.
fn daemon_startup(config: &Path, db: &Path) -> Result<Startup, BoxError> {
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_emend"))
        .arg("daemon")
        .arg("--config")
        .arg(config)
        .arg("--db")
        .arg(db)
        .env("RUST_LOG", "emend=info")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut child = Guard(child);
    let pid = child.0.id();
    let stderr = child.0.stderr.take().ok_or("no stderr pipe")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if line.contains("daemon started") {
                let _ = tx.send(Ok(started.elapsed()));
            } else if line.contains("ERROR") || line.starts_with("emend:") {
                let _ = tx.send(Err(line));
            }
        }
    });
    let ready = loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(Ok(t)) => break t,
            Ok(Err(line)) => eprintln!("  daemon: {line}"),
            Err(_) => return Err("the daemon did not log \"daemon started\" within 60 s".into()),
        }
    };
    let ready_rss_kb = proc_status_kb(pid, "VmRSS:").unwrap_or(0);
    let ready_cpu = proc_cpu_secs(pid).unwrap_or(0.0);
    std::thread::sleep(settle());
    let settle_cpu = proc_cpu_secs(pid).unwrap_or(0.0) - ready_cpu;
    let rss_kb = proc_status_kb(pid, "VmRSS:").ok_or("cannot read VmRSS")?;
    let hwm_kb = proc_status_kb(pid, "VmHWM:").unwrap_or(rss_kb);
    let stopping = Instant::now();
    Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()?;
    let deadline = stopping + Duration::from_secs(20);
    let stop = loop {
        if child.0.try_wait()?.is_some() {
            break stopping.elapsed();
        }
        if Instant::now() > deadline {
            return Err("the daemon did not stop within 20 s of SIGTERM".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Ok(Startup {
        ready,
        settle_cpu,
        ready_rss_mb: ready_rss_kb as f64 / 1024.0,
        rss_mb: rss_kb as f64 / 1024.0,
        hwm_mb: hwm_kb as f64 / 1024.0,
        stop,
    })
}

fn median_by<T>(v: &mut [T], key: impl Fn(&T) -> f64) -> f64 {
    v.sort_by(|a, b| key(a).total_cmp(&key(b)));
    v.get(v.len() / 2).map_or(f64::NAN, key)
}

fn startups(config: &Path, db: &Path, n: usize, label: &str) -> Result<Vec<Startup>, BoxError> {
    let mut out = Vec::new();
    for i in 1..=n {
        let s = daemon_startup(config, db)?;
        println!(
            "  {label} start {i}: ready {:7.1} ms | VmRSS {:6.1} MB at ready, {:6.1} MB {}s later | VmHWM {:6.1} MB | CPU in those {}s {:5.2} s | SIGTERM→exit {:6.1} ms",
            s.ready.as_secs_f64() * 1e3,
            s.ready_rss_mb,
            s.rss_mb,
            settle().as_secs(),
            s.hwm_mb,
            settle().as_secs(),
            s.settle_cpu,
            s.stop.as_secs_f64() * 1e3
        );
        out.push(s);
    }
    Ok(out)
}

fn main() -> Result<(), BoxError> {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it
    // (and `--list` probes it): stay quick then rather than benchmarking for minutes.
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "skipped: run with `cargo bench --bench {}`",
            env!("CARGO_CRATE_NAME")
        );
        return Ok(());
    }
    let big: u64 = env_or("EMEND_BENCH_URLS", 1_000_000);
    let small: u64 = env_or("EMEND_BENCH_SMALL_URLS", 1_000);
    let picks: u32 = env_or("EMEND_BENCH_PICKS", 20_000);
    let starts: usize = env_or("EMEND_BENCH_STARTS", 3);

    // Under target/ rather than /tmp: a million-URL store is hundreds of MB, and /tmp may be RAM.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    let tmp = tempfile::Builder::new()
        .prefix("store_scale-")
        .tempdir_in(&root)?;
    let base = format!("http://127.0.0.1:{}", closed_port()?);
    let (big_db, small_db) = (tmp.path().join("big.db"), tmp.path().join("small.db"));
    println!("store_scale: {big} URLs vs {small} URLs; site at {base} (closed port)");

    let gen_small = generate(&small_db, small, &base)?;
    let gen_big = generate(&big_db, big, &base)?;
    let disk = |p: &Path| -> Result<f64, BoxError> {
        Ok(Store::open(p)?.size_on_disk()? as f64 / 1048576.0)
    };
    println!(
        "generation: {big} URLs in {:.1} s ({:.0} URLs/s, {:.0} MB on disk) | {small} URLs in {:.3} s",
        gen_big.as_secs_f64(),
        big as f64 / gen_big.as_secs_f64(),
        disk(&big_db)?,
        gen_small.as_secs_f64()
    );

    {
        let (b, s) = (Store::open(&big_db)?, Store::open(&small_db)?);
        // Interleaved, best of three, so machine noise hits both sizes alike.
        let mut pb = Vec::new();
        let mut ps = Vec::new();
        for _ in 0..3 {
            ps.push(pick_cost(&s, picks)?.as_secs_f64());
            pb.push(pick_cost(&b, picks)?.as_secs_f64());
        }
        let (pb, ps) = (
            pb.into_iter().fold(f64::INFINITY, f64::min),
            ps.into_iter().fold(f64::INFINITY, f64::min),
        );
        println!(
            "pick next due (next_due_time + due(at, 1)): {:.2} µs at {big} | {:.2} µs at {small} | ratio {:.2}",
            pb * 1e6,
            ps * 1e6,
            pb / ps
        );
        let lease_picks = picks.min(u32::try_from(small).unwrap_or(u32::MAX)).max(1);
        let ls = pick_and_lease_cost(&s, lease_picks)?.as_secs_f64();
        let lb = pick_and_lease_cost(&b, lease_picks)?.as_secs_f64();
        println!(
            "pick + read schedule + move (set_schedule), {lease_picks} URLs: {:.1} µs at {big} | {:.1} µs at {small} | ratio {:.2}",
            lb * 1e6,
            ls * 1e6,
            lb / ls
        );
    }

    let config = write_config(tmp.path(), &base)?;
    println!(
        "daemon start-up (release emend daemon; ready = spawn → \"daemon started\" on stderr):"
    );
    let mut sb = startups(&config, &big_db, starts, &format!("{big:>7} URLs"))?;
    let mut ss = startups(&config, &small_db, starts, &format!("{small:>7} URLs"))?;
    let rb = median_by(&mut sb, |s| s.ready.as_secs_f64());
    let rs = median_by(&mut ss, |s| s.ready.as_secs_f64());
    let mb = median_by(&mut sb, |s| s.rss_mb);
    let ms = median_by(&mut ss, |s| s.rss_mb);
    let hb = median_by(&mut sb, |s| s.hwm_mb);
    println!("median over {starts} start-ups:");
    println!(
        "  start-up: {:.0} ms at {big} URLs (goal <= 2000 ms) | {:.0} ms at {small} | ratio {:.2}",
        rb * 1e3,
        rs * 1e3,
        rb / rs
    );
    println!(
        "  VmRSS {}s after start: {:.1} MB at {big} URLs (goal <= 300 MB; peak {:.1} MB) | {:.1} MB at {small} | ratio {:.2}",
        settle().as_secs(),
        mb,
        hb,
        ms,
        mb / ms
    );
    Ok(())
}
