//! Archive costs: raw-body bytes stored per extra version of a realistic 100 KB article page
//! (rotating ads, small text edits), the time to read the newest body of a 50-version
//! history, and WARC export throughput over 10,000 versions.
//!
//! Run with `cargo bench --bench archive`. Knobs (environment): `EMEND_BENCH_VERSIONS`
//! (versions in the storage run, default 20), `EMEND_BENCH_EXPORT_VERSIONS` (default 10000),
//! `EMEND_BENCH_READS` (timed reads, default 500).
//!
//! Bytes stored are read from the store's body-bytes counter, the figure `/metrics` shows as
//! `emend_body_bytes` (the sled directory grows in uneven steps, so its size is no measure).

use std::io::Write;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use emend::export::{Selection, export_warc};
use emend::model::{Article, ChangeKind, Check, CheckOutcome};
use emend::store::{NewVersion, Store};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small deterministic generator (xorshift), so every run stores the same pages.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn word<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[(self.next() % words.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "government",
    "minister",
    "said",
    "on",
    "the",
    "a",
    "report",
    "council",
    "district",
    "residents",
    "would",
    "return",
    "after",
    "years",
    "of",
    "conflict",
    "officials",
    "in",
    "statement",
    "region",
    "people",
    "according",
    "to",
    "new",
    "figures",
    "published",
    "week",
    "police",
    "court",
    "agreement",
    "talks",
    "were",
    "expected",
    "continue",
];

/// The article text of one page: 2,000 words in 40 paragraphs, with `edits` words changed.
fn article(edits: u64) -> Vec<String> {
    let mut r = Rng(42);
    let mut paras: Vec<String> = (0..40)
        .map(|_| (0..50).map(|_| r.word(WORDS)).collect::<Vec<_>>().join(" "))
        .collect();
    let mut e = Rng(7);
    for _ in 0..edits {
        let p = (e.next() % paras.len() as u64) as usize;
        let mut words: Vec<String> = paras[p].split(' ').map(str::to_owned).collect();
        let w = (e.next() % words.len() as u64) as usize;
        words[w] = format!("{}ed", e.word(WORDS));
        paras[p] = words.join(" ");
    }
    paras
}

/// A ~100 KB news page: head with inline script and styles, navigation, the article, a
/// "most read" box and ad slots whose contents rotate on every fetch (`fetch` seeds them),
/// footer. `edits` small text edits have been made to the article.
fn page(fetch: u64, edits: u64) -> Vec<u8> {
    let mut r = Rng(99);
    let mut ads = Rng(1_000 + fetch);
    let mut s = String::with_capacity(110_000);
    s.push_str(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>District returned</title>",
    );
    s.push_str("<style>");
    for i in 0..800 {
        s.push_str(&format!(
            ".c{i}{{margin:{}px;color:#{:06x}}}",
            i % 17,
            r.next() % 0xffffff
        ));
    }
    s.push_str("</style><script>var cfg={");
    for i in 0..1500 {
        s.push_str(&format!("k{i}:\"{:x}\",", r.next()));
    }
    s.push_str(&format!(
        "session:\"{:x}{:x}\"}};</script></head><body><nav>",
        ads.next(),
        ads.next()
    ));
    for i in 0..300 {
        s.push_str(&format!(
            "<a class=c{} href=\"/section/{i}/{}\">{}</a>",
            i % 300,
            r.word(WORDS),
            r.word(WORDS)
        ));
    }
    s.push_str("</nav><main><article><h1>District returned</h1>");
    for p in article(edits) {
        s.push_str(&format!("<p>{p}</p>"));
        if ads.next() % 4 == 0 {
            s.push_str(&format!(
                "<div class=ad data-slot={:x} data-ts={}><img src=\"/ads/{:x}.jpg\"></div>",
                ads.next(),
                ads.next() % 1_000_000_000,
                ads.next()
            ));
        }
    }
    s.push_str("</article><aside><h2>Most read</h2><ol>");
    for _ in 0..10 {
        s.push_str(&format!(
            "<li><a href=\"/news/{:x}\">{} {} {}</a></li>",
            ads.next() % 100_000,
            ads.word(WORDS),
            ads.word(WORDS),
            ads.word(WORDS)
        ));
    }
    s.push_str("</ol></aside></main><footer>");
    for i in 0..120 {
        s.push_str(&format!(
            "<a class=c{} href=\"/about/{i}\">{} {}</a> ",
            i % 300,
            r.word(WORDS),
            r.word(WORDS)
        ));
    }
    s.push_str("</footer></body></html>");
    s.into_bytes()
}

fn at(i: u64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + i as i64 * 600, 0).unwrap_or_default()
}

fn commit(store: &Store, url: &str, i: u64, raw: &[u8]) -> Result<String, BoxError> {
    let change = if i == 0 {
        ChangeKind::New
    } else {
        ChangeKind::SilentEdit
    };
    let text = format!("version {i}");
    let v = store.commit_version(
        url,
        None,
        NewVersion {
            fetched_at: at(i),
            change,
            article: Article {
                title: Some("District returned".into()),
                text: text.clone(),
                ..Article::default()
            },
            text_hash: blake3::hash(text.as_bytes()).to_hex().to_string(),
            words_added: 1,
            words_removed: 1,
            extractor_version: 1,
            encoding: Some("UTF-8".into()),
            fetched_url: url.into(),
        },
        raw,
        Check {
            at: at(i),
            status: Some(200),
            bytes: raw.len() as u64,
            etag: None,
            last_modified: None,
            elapsed_ms: 1,
            outcome: CheckOutcome::Checked {
                change,
                version: None,
            },
        },
    )?;
    v.body_hash.ok_or_else(|| "no body hash".into())
}

fn storage(dir: &std::path::Path) -> Result<(), BoxError> {
    let n: u64 = env_or("EMEND_BENCH_VERSIONS", 20);
    let store = Store::open(&dir.join("storage"))?;
    let mut raws = Vec::new();
    let mut hashes = Vec::new();
    let mut first_bytes = 0;
    for i in 0..n {
        let raw = page(i, i);
        hashes.push(commit(&store, "https://news.test/story", i, &raw)?);
        raws.push(raw);
        if i == 0 {
            first_bytes = store.stats()?.body_bytes;
        }
    }
    let total = store.stats()?.body_bytes;
    for (h, raw) in hashes.iter().zip(&raws) {
        assert_eq!(
            store.raw_body(h)?.as_deref(),
            Some(raw.as_slice()),
            "read back"
        );
    }
    let per_extra = (total - first_bytes) as f64 / (n - 1) as f64;
    let avg_raw = raws.iter().map(Vec::len).sum::<usize>() as f64 / n as f64;
    println!(
        "storage: {n} versions of a {:.0} KB page; first body {first_bytes} B compressed; \
         {per_extra:.0} B per extra version = {:.1}% of one compressed body (goal <= 10%); \
         all {n} read back byte-exact",
        avg_raw / 1024.0,
        100.0 * per_extra / first_bytes as f64
    );
    Ok(())
}

fn reading(dir: &std::path::Path) -> Result<(), BoxError> {
    let store = Store::open(&dir.join("reading"))?;
    let mut newest = String::new();
    for i in 0..50 {
        newest = commit(&store, "https://news.test/long", i, &page(i, i))?;
    }
    let reads: u32 = env_or("EMEND_BENCH_READS", 500);
    let mut times: Vec<Duration> = (0..reads)
        .map(|_| {
            let t = Instant::now();
            let body = store.raw_body(&newest);
            let took = t.elapsed();
            assert!(matches!(body, Ok(Some(_))));
            took
        })
        .collect();
    times.sort();
    let median = times[times.len() / 2];
    let p99 = times[times.len() * 99 / 100];
    println!(
        "read the newest body of a 50-version history: median {:.3} ms, p99 {:.3} ms (goal <= 2 ms)",
        median.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
    Ok(())
}

/// Counts bytes, keeps none.
struct Count(u64);

impl Write for Count {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0 += b.len() as u64;
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn export(dir: &std::path::Path) -> Result<(), BoxError> {
    let total: u64 = env_or("EMEND_BENCH_EXPORT_VERSIONS", 10_000);
    let per_article = 20;
    let store = Store::open(&dir.join("export"))?;
    let t = Instant::now();
    for a in 0..total.div_ceil(per_article) {
        let url = format!("https://news.test/story/{a}");
        for i in 0..per_article.min(total - a * per_article) {
            commit(&store, &url, i, &page(a * 1000 + i, i))?;
        }
    }
    let made = t.elapsed();
    let t = Instant::now();
    let (out, stats) = export_warc(&store, &Selection::default(), "bench.warc.gz", Count(0))?;
    let took = t.elapsed().as_secs_f64();
    println!(
        "export: {} versions ({} records) in {took:.1} s: {:.0} MB/s of WARC records \
         ({:.0} MB), {:.0} MB/s of gzipped file ({:.0} MB) (goal >= 50 MB/s); stored in {:.0} s",
        stats.versions,
        stats.records,
        stats.record_bytes as f64 / 1e6 / took,
        stats.record_bytes as f64 / 1e6,
        out.0 as f64 / 1e6 / took,
        out.0 as f64 / 1e6,
        made.as_secs_f64()
    );
    Ok(())
}

fn main() -> Result<(), BoxError> {
    let dir = tempfile::tempdir()?;
    storage(dir.path())?;
    reading(dir.path())?;
    export(dir.path())?;
    Ok(())
}
