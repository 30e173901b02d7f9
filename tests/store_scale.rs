//! Scale benchmark (ignored by default): a store with many tracked URLs, then the cost of
//! opening it, its resident memory, and picking the next due URL.
//!
//! `EMEND_SCALE_N=1000000 EMEND_SCALE_DB=/tmp/scale.db cargo test --release --test store_scale -- --ignored --nocapture`

use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use emend::store::{NewArticle, ScheduleState, Store};

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[test]
#[ignore = "benchmark: creates a large store"]
fn scale_open_and_pick_next_due() {
    // Child mode: open the existing store and measure, in a fresh process.
    if let Ok(path) = std::env::var("EMEND_SCALE_MEASURE") {
        let before = rss_kib();
        let started = Instant::now();
        let store = Store::open(std::path::Path::new(&path)).unwrap();
        let opened = started.elapsed();
        let started = Instant::now();
        let next = store.next_due_time().unwrap();
        let first = store.due(Utc::now() + Duration::days(3650), 1).unwrap();
        let pick = started.elapsed();
        let rss_open = rss_kib();
        let started = Instant::now();
        let mut picks = 0;
        // Pick-and-reschedule loop, as the daemon does.
        for _ in 0..1_000 {
            let (at, url) = store
                .due(Utc::now() + Duration::days(3650), 1)
                .unwrap()
                .remove(0);
            let mut s = store.schedule(&url).unwrap().unwrap();
            s.next_due = Some(at + Duration::days(1));
            store.set_schedule(&url, &s).unwrap();
            picks += 1;
        }
        let per_pick = started.elapsed() / picks;
        let started = Instant::now();
        let hits = store.search("no-such-needle", 10).unwrap().len();
        let search = started.elapsed();
        let stats = store.stats().unwrap();
        println!(
            "articles {} scheduled {}: open {opened:?}, next_due {next:?} + due(1) {pick:?} (got {}), pick+reschedule {per_pick:?} each, full-scan search {search:?} ({hits} hits), RSS before open {} MiB, after open+pick {} MiB, after search {} MiB, disk {} MiB",
            stats.articles,
            stats.scheduled,
            first.len(),
            before / 1024,
            rss_open / 1024,
            rss_kib() / 1024,
            store.size_on_disk().unwrap() / (1 << 20),
        );
        return;
    }
    let n: usize = std::env::var("EMEND_SCALE_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let keep = std::env::var("EMEND_SCALE_DB").ok();
    let tmp = tempfile::tempdir().unwrap();
    let path = keep
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| tmp.path().join("db"));
    if !path.exists() {
        let store = Store::open(&path).unwrap();
        let now = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
        let started = Instant::now();
        let items = (0..n).map(|i| NewArticle {
            url: format!(
                "https://site{}.example/news/2026/11/{i:08}-some-article-slug",
                i % 50
            ),
            site: Some(format!("site{}", i % 50)),
            schedule: Some(ScheduleState {
                // Spread over a day, as jittered start-up would.
                next_due: Some(now + Duration::seconds((i as i64 * 7919) % 86_400)),
                interval_secs: 900,
                unchanged_streak: 0,
                failures: 0,
                track_until: Some(now + Duration::days(30)),
            }),
        });
        let created = store.ensure_articles_bulk(items, now).unwrap();
        println!(
            "bulk-created {created} tracked URLs in {:?}",
            started.elapsed()
        );
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "scale_open_and_pick_next_due",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("EMEND_SCALE_MEASURE", &path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    println!(
        "{}",
        text.lines()
            .filter(|l| l.contains("articles ") || l.contains("panicked"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
