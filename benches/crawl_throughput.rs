//! Crawl throughput with politeness limits lifted: pages/s of emend's fetch+extract+store
//! against a local many-host server, as a ratio to a plain HTTP load tool (wrk) and to a
//! bare reqwest GET loop on the same URLs, measured in the same run.
//!
//! Each round crawls the URLs three times into one fresh store, as the daemon meets them:
//! first sight (every page new: fetch, extract, store a version), a re-check of a site that
//! sends no validators (same page again: fetch, extract, compare, log the check) and a
//! re-check of a site that does (conditional GET answered 304: log the check). wrk is run
//! on the same URLs both plainly and with the matching `If-None-Match`.
//!
//! Run with `cargo bench --bench crawl_throughput`. Knobs (environment):
//! `EMEND_BENCH_PAGES` (URLs per round, default 4000), `EMEND_BENCH_CONCURRENCY`
//! (requests in flight, default 32), `EMEND_BENCH_ROUNDS` (default 3),
//! `EMEND_BENCH_WRK_SECS` (wrk duration per round, default 5), `EMEND_BENCH_DB_DIR`
//! (parent of each round's fresh store, default the temp dir; /dev/shm shows what fsync costs),
//! `EMEND_BENCH_WORKERS` (tokio workers of the crawling side, default one per core).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use emend::config::Config;
use emend::fetch::Fetcher;
use emend::pipeline::{CheckOptions, Pipeline};
use emend::store::Store;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use url::Url;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Loopback hosts 127.0.0.2 ..= 127.0.0.17: each is its own host to emend's politeness.
const HOSTS: u8 = 16;

/// Name of the server's threads, so their CPU time is told apart from the crawler's.
const SERVER_THREAD: &str = "bench-server";

/// CPU seconds used so far by this process: (server threads, everything else, which
/// includes threads that have exited). Linux only; zeros elsewhere.
fn cpu_split() -> (f64, f64) {
    // Fields after the ")" closing the thread name: utime and stime are the 12th and 13th.
    fn cpu(stat: &str) -> f64 {
        let ticks = 100.0; // USER_HZ, 100 on every Linux this runs on
        let Some(close) = stat.rfind(')') else {
            return 0.0;
        };
        let f: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        [11, 12]
            .iter()
            .filter_map(|&i| f.get(i).and_then(|v| v.parse::<f64>().ok()))
            .sum::<f64>()
            / ticks
    }
    let total = std::fs::read_to_string("/proc/self/stat").map_or(0.0, |s| cpu(&s));
    let mut server = 0.0;
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for t in tasks.flatten() {
            let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
            if comm.starts_with(SERVER_THREAD) {
                server += std::fs::read_to_string(t.path().join("stat")).map_or(0.0, |s| cpu(&s));
            }
        }
    }
    (server, total - server)
}

/// Words mixed into each page so every URL has its own text (and the store its own body).
const WORDS: &[&str] = &[
    "council", "budget", "harbour", "ministry", "storm", "election", "railway", "court",
    "hospital", "river", "festival", "treaty", "market", "school", "bridge", "drought",
];

/// One seed article cut where the per-URL parts go.
struct Template {
    /// Up to the canonical link's href value.
    head: String,
    /// From the end of the href to the first paragraph of the article body.
    middle: String,
    /// The article body and the rest of the page.
    tail: String,
}

fn load_templates(dir: &Path) -> Result<Vec<Template>, BoxError> {
    let mut names: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for path in names {
        let html = std::fs::read_to_string(&path)?;
        let href = "<link rel=\"canonical\" href=\"";
        let at = html.find(href).ok_or("no canonical link")? + href.len();
        let end = at + html[at..].find('"').ok_or("unterminated href")?;
        let body = end + html[end..].find("<article").ok_or("no <article>")?;
        let para = body + html[body..].find("<p>").ok_or("no <p> in the article")?;
        out.push(Template {
            head: html[..at].to_owned(),
            middle: html[end..para].to_owned(),
            tail: html[para..].to_owned(),
        });
    }
    if out.is_empty() {
        return Err(format!("no *.html in {}", dir.display()).into());
    }
    Ok(out)
}

/// The page for `/news/{host}/{id}`: a seed article with its own canonical URL and an
/// opening paragraph no other URL has.
fn page(templates: &[Template], authority: &str, host: u32, id: u32) -> String {
    let t = &templates[id as usize % templates.len()];
    let mut s = String::with_capacity(t.head.len() + t.middle.len() + t.tail.len() + 256);
    s.push_str(&t.head);
    s.push_str(&format!("http://{authority}/news/{host}/{id}"));
    s.push_str(&t.middle);
    let w = |k: u32| WORDS[((id >> (4 * k)) as usize + host as usize + k as usize) % WORDS.len()];
    s.push_str(&format!(
        "<p>Dispatch {id} from desk {host}: the {} and the {} after the {}, as the {} reported on day {}.</p>\n",
        w(0),
        w(1),
        w(2),
        w(3),
        id % 365
    ));
    s.push_str(&t.tail);
    s
}

struct Served {
    templates: Vec<Template>,
    /// Whether pages carry an `ETag` and `If-None-Match` gets a 304; switched off for the
    /// pass that re-checks a site without validators.
    validators: AtomicBool,
    /// 304s answered so far.
    not_modified: std::sync::atomic::AtomicUsize,
}

/// The validator of `/news/{host}/{id}`; the wrk script builds the same string.
fn etag(host: u32, id: u32) -> String {
    format!("\"{host}-{id}\"")
}

async fn article(
    State(s): State<Arc<Served>>,
    headers: HeaderMap,
    UrlPath((host, id)): UrlPath<(u32, u32)>,
) -> axum::response::Response {
    let tag = etag(host, id);
    if s.validators.load(Ordering::Relaxed) {
        let matches = headers
            .get(header::IF_NONE_MATCH)
            .is_some_and(|v| v.as_bytes() == tag.as_bytes());
        if matches {
            s.not_modified.fetch_add(1, Ordering::Relaxed);
            return (StatusCode::NOT_MODIFIED, [(header::ETAG, tag)]).into_response();
        }
    }
    let authority = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost")
        .to_owned();
    let body = page(&s.templates, &authority, host, id);
    let html = [(header::CONTENT_TYPE, "text/html; charset=utf-8")];
    if s.validators.load(Ordering::Relaxed) {
        (StatusCode::OK, html, [(header::ETAG, tag)], body).into_response()
    } else {
        (StatusCode::OK, html, body).into_response()
    }
}

async fn robots() -> &'static str {
    "User-agent: *\nAllow: /\n"
}

/// Starts the server on its own thread and runtime, one listener per loopback host.
fn start_server(served: Arc<Served>) -> Result<Vec<SocketAddr>, BoxError> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(SERVER_THREAD)
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                let _ = tx.send(Err(e.to_string()));
                return;
            }
        };
        rt.block_on(async move {
            let app = Router::new()
                .route("/robots.txt", get(robots))
                .route("/news/{host}/{id}", get(article))
                .with_state(served);
            let mut addrs = Vec::new();
            for h in 0..HOSTS {
                let ip = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + h));
                let listener = match tokio::net::TcpListener::bind((ip, 0)).await {
                    Ok(l) => l,
                    Err(e) => {
                        let _ = tx.send(Err(format!("cannot bind {ip}: {e}")));
                        return;
                    }
                };
                addrs.push(listener.local_addr().unwrap_or(SocketAddr::new(ip, 0)));
                let app = app.clone();
                tokio::spawn(async move {
                    let _ = axum::serve(listener, app).await;
                });
            }
            let _ = tx.send(Ok(addrs));
            std::future::pending::<()>().await;
        });
    });
    Ok(rx.recv()??)
}

/// The URLs of one round, interleaved across hosts.
fn urls(addrs: &[SocketAddr], pages: usize) -> Result<Vec<Url>, BoxError> {
    let per_host = pages.div_ceil(addrs.len());
    let mut out = Vec::with_capacity(pages);
    for id in 0..per_host {
        for (h, a) in addrs.iter().enumerate() {
            if out.len() < pages {
                out.push(Url::parse(&format!("http://{a}/news/{h}/{id}"))?);
            }
        }
    }
    Ok(out)
}

/// The passes of one emend round, in the order they run.
const PASSES: [&str; 3] = [
    "new: fetch+extract+store",
    "re-check, no validators",
    "re-check, 304",
];

/// One pass: pages/s and CPU milliseconds per page (crawler side, server side).
#[derive(Clone, Copy)]
struct Pass {
    rate: f64,
    cpu_ms: f64,
    server_ms: f64,
}

/// The three passes of [`PASSES`] over `urls` into one fresh store, `concurrency` at once.
/// Checks what each pass must leave: one version per URL after the first, no new version
/// from either re-check, and a 304 for every URL in the last.
async fn emend_round(
    urls: &[Url],
    concurrency: usize,
    db_parent: &Path,
    served: &Served,
) -> Result<[Pass; 3], BoxError> {
    let dir = tempfile::tempdir_in(db_parent)?;
    let store = Store::open(dir.path())?;
    let config = Arc::new(Config::empty());
    let fetcher = Fetcher::new(&config.crawler)?;
    for u in urls.iter().take(HOSTS as usize) {
        fetcher
            .politeness()
            .set_host_rate(u.host_str().unwrap_or(""), 1e6);
    }
    let pipeline = Pipeline::new(config, fetcher, store.clone());
    let mut out = [Pass {
        rate: 0.0,
        cpu_ms: 0.0,
        server_ms: 0.0,
    }; 3];
    for (i, slot) in out.iter_mut().enumerate() {
        served.validators.store(i != 1, Ordering::Relaxed);
        let not_modified_before = served.not_modified.load(Ordering::Relaxed);
        let c0 = cpu_split();
        let started = Instant::now();
        let failed = emend_pass(&pipeline, urls, concurrency).await?;
        let secs = started.elapsed().as_secs_f64();
        let c1 = cpu_split();
        let n = urls.len() as f64;
        *slot = Pass {
            rate: n / secs,
            cpu_ms: (c1.1 - c0.1) * 1e3 / n,
            server_ms: (c1.0 - c0.0) * 1e3 / n,
        };
        let versions = store.stats()?.versions as usize;
        let not_modified = served.not_modified.load(Ordering::Relaxed) - not_modified_before;
        let expected_304 = if i == 2 { urls.len() } else { 0 };
        if failed > 0 || versions != urls.len() || not_modified != expected_304 {
            eprintln!(
                "  emend, {}: {failed} failed, {versions} versions (want {}), {not_modified} answered 304 (want {expected_304})",
                PASSES[i],
                urls.len()
            );
        }
    }
    served.validators.store(true, Ordering::Relaxed);
    Ok(out)
}

/// `Pipeline::check` over every URL, `concurrency` at once; returns how many failed.
async fn emend_pass(
    pipeline: &Pipeline,
    urls: &[Url],
    concurrency: usize,
) -> Result<usize, BoxError> {
    let sem = Arc::new(Semaphore::new(concurrency));
    let mut tasks = JoinSet::new();
    for u in urls {
        let permit = sem.clone().acquire_owned().await?;
        let p = pipeline.clone();
        let u = u.clone();
        tasks.spawn(async move {
            // No site is configured: the loopback server is reached as a one-off check would.
            let opts = CheckOptions {
                anywhere: true,
                ..CheckOptions::default()
            };
            let r = p.check(&u, opts).await;
            drop(permit);
            r.map(drop).map_err(|e| e.to_string())
        });
    }
    let mut failed = 0;
    let mut first_error = None;
    while let Some(r) = tasks.join_next().await {
        if let Err(e) = r.map_err(|e| e.to_string()).and_then(|r| r) {
            failed += 1;
            first_error.get_or_insert(e);
        }
    }
    if let Some(e) = first_error {
        eprintln!("  emend: {failed} checks failed, first: {e}");
    }
    Ok(failed)
}

/// Pages/s of a bare reqwest GET + body read over `urls`, `concurrency` at once.
async fn reqwest_round(urls: &[Url], concurrency: usize) -> Result<f64, BoxError> {
    let client = reqwest::Client::builder().build()?;
    let sem = Arc::new(Semaphore::new(concurrency));
    let mut tasks = JoinSet::new();
    let started = Instant::now();
    for u in urls {
        let permit = sem.clone().acquire_owned().await?;
        let c = client.clone();
        let u = u.clone();
        tasks.spawn(async move {
            let r = async { c.get(u).send().await?.error_for_status()?.bytes().await }.await;
            drop(permit);
            r.map(|b| b.len())
        });
    }
    let mut failed = 0;
    while let Some(r) = tasks.join_next().await {
        if !matches!(r, Ok(Ok(_))) {
            failed += 1;
        }
    }
    if failed > 0 {
        eprintln!("  reqwest: {failed} requests failed");
    }
    Ok(urls.len() as f64 / started.elapsed().as_secs_f64())
}

/// A wrk Lua script giving each wrk thread one host (its own address and Host header)
/// and cycling it through that host's `/news/` URLs; `conditional` adds the page's
/// `If-None-Match`, so every answer is a 304.
fn wrk_script(addrs: &[SocketAddr], per_host: usize, conditional: bool) -> String {
    let headers = if conditional {
        r#"{ Host = authority, ["If-None-Match"] = "\"" .. hidx .. "-" .. i .. "\"" }"#
    } else {
        "{ Host = authority }"
    };
    let hosts: Vec<String> = addrs
        .iter()
        .map(|a| format!("{{\"{}\", \"{}\"}}", a.ip(), a.port()))
        .collect();
    format!(
        r#"local hosts = {{ {} }}
local per_host = {per_host}
local counter = 0
function setup(thread)
  local h = hosts[counter % #hosts + 1]
  thread.addr = wrk.lookup(h[1], h[2])[1]
  thread:set("authority", h[1] .. ":" .. h[2])
  thread:set("hidx", counter % #hosts)
  counter = counter + 1
end
local i = -1
function request()
  i = (i + 1) % per_host
  return wrk.format("GET", "/news/" .. hidx .. "/" .. i, {headers})
end
"#,
        hosts.join(", ")
    )
}

/// Pages/s wrk reaches over the same URLs; `None` when wrk is not installed.
fn wrk_round(
    script: &Path,
    addrs: &[SocketAddr],
    concurrency: usize,
    secs: u64,
    conditional: bool,
) -> Result<Option<f64>, BoxError> {
    let threads = concurrency.min(addrs.len()).max(1);
    let out = match std::process::Command::new("wrk")
        .args([
            "-t",
            &threads.to_string(),
            "-c",
            &concurrency.max(threads).to_string(),
            "-d",
            &format!("{secs}s"),
            "-s",
        ])
        .arg(script)
        .arg(format!("http://{}/", addrs[0]))
        .output()
    {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let text = String::from_utf8_lossy(&out.stdout);
    // The conditional script's answers are all 304s, which wrk counts as non-2xx.
    if text.contains("Non-2xx") && !conditional {
        eprintln!("  wrk: some responses were not 2xx:\n{text}");
    }
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .ok_or_else(|| format!("cannot read wrk's output:\n{text}"))?;
    Ok(Some(rps))
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
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
    let pages: usize = env_or("EMEND_BENCH_PAGES", 4000);
    let concurrency: usize = env_or("EMEND_BENCH_CONCURRENCY", 32);
    let rounds: usize = env_or("EMEND_BENCH_ROUNDS", 3);
    let wrk_secs: u64 = env_or("EMEND_BENCH_WRK_SECS", 5);
    // Where each round's fresh store goes: a tmpfs here (e.g. /dev/shm) shows what fsync costs.
    let db_parent: std::path::PathBuf = env_or("EMEND_BENCH_DB_DIR", std::env::temp_dir());

    let templates = load_templates(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seed"))?;
    let served = Arc::new(Served {
        templates,
        validators: AtomicBool::new(true),
        not_modified: Default::default(),
    });
    let addrs = start_server(served.clone())?;
    let urls = urls(&addrs, pages)?;
    let tmp = tempfile::tempdir()?;
    let per_host = pages.div_ceil(addrs.len());
    let plain_script = tmp.path().join("emend-bench.lua");
    std::fs::write(&plain_script, wrk_script(&addrs, per_host, false))?;
    let conditional_script = tmp.path().join("emend-bench-304.lua");
    std::fs::write(&conditional_script, wrk_script(&addrs, per_host, true))?;
    // Default: one worker per core, like the `emend` binary's `Runtime::new()`.
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = std::env::var("EMEND_BENCH_WORKERS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        builder.worker_threads(n);
    }
    let rt = builder.enable_all().build()?;

    println!(
        "crawl_throughput: {pages} URLs on {} hosts ({}..{}), concurrency {concurrency}, {rounds} rounds, wrk {wrk_secs}s/round, stores under {}",
        addrs.len(),
        addrs[0].ip(),
        addrs[addrs.len() - 1].ip(),
        db_parent.display()
    );
    // Warm the server, the page cache and the allocator before anything is timed.
    rt.block_on(reqwest_round(&urls[..urls.len().min(500)], concurrency))?;

    let mut passes: [Vec<Pass>; 3] = Default::default();
    let (mut wrk, mut wrk_304, mut bare, mut bare_cpu) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // Ratios are taken within a round (the machine is shared and its load drifts).
    let mut ratios: [Vec<f64>; 3] = Default::default();
    let mut vs_bare = Vec::new();
    for round in 1..=rounds {
        let w = wrk_round(&plain_script, &addrs, concurrency, wrk_secs, false)?;
        let w304 = wrk_round(&conditional_script, &addrs, concurrency, wrk_secs, true)?;
        let c0 = cpu_split();
        let b = rt.block_on(reqwest_round(&urls, concurrency))?;
        let c1 = cpu_split();
        let round_passes = rt.block_on(emend_round(&urls, concurrency, &db_parent, &served))?;
        bare.push(b);
        bare_cpu.push((c1.1 - c0.1) * 1e3 / urls.len() as f64);
        vs_bare.push(round_passes[0].rate / b);
        if let (Some(w), Some(w304)) = (w, w304) {
            wrk.push(w);
            wrk_304.push(w304);
            for (i, p) in round_passes.iter().enumerate() {
                ratios[i].push(p.rate / if i == 2 { w304 } else { w });
            }
        }
        for (i, p) in round_passes.iter().enumerate() {
            println!(
                "round {round}: emend {:<26} {:8.1} pages/s, CPU {:.3} ms/page (server {:.3})",
                PASSES[i], p.rate, p.cpu_ms, p.server_ms
            );
            passes[i].push(*p);
        }
        println!(
            "round {round}: reqwest loop {b:8.1} req/s | wrk {} req/s | wrk 304 {} req/s",
            w.map_or("n/a".into(), |w| format!("{w:.1}")),
            w304.map_or("n/a".into(), |w| format!("{w:.1}")),
        );
    }
    println!("median over {rounds} rounds:");
    for (i, name) in PASSES.iter().enumerate() {
        let mut rate: Vec<f64> = passes[i].iter().map(|p| p.rate).collect();
        let mut cpu: Vec<f64> = passes[i].iter().map(|p| p.cpu_ms).collect();
        let ratio = if ratios[i].is_empty() {
            "n/a".to_owned()
        } else {
            format!("{:.3}", median(&mut ratios[i]))
        };
        println!(
            "  emend {name:<26}: {:8.1} pages/s, CPU {:.3} ms/page, ratio to wrk{} {ratio}",
            median(&mut rate),
            median(&mut cpu),
            if i == 2 { " (304)" } else { "" },
        );
    }
    println!(
        "  bare reqwest GET loop           : {:8.1} req/s, CPU {:.3} ms/page; emend new / reqwest loop {:.3}",
        median(&mut bare),
        median(&mut bare_cpu),
        median(&mut vs_bare)
    );
    if wrk.is_empty() {
        println!(
            "  wrk is not installed (Debian: apt-get install wrk): the baseline is the reqwest loop above"
        );
    } else {
        println!(
            "  wrk: {:.1} req/s plain, {:.1} req/s conditional (304)   (goal: emend >= 0.5 x wrk)",
            median(&mut wrk),
            median(&mut wrk_304)
        );
    }
    Ok(())
}
