//! The web server's limits (issue 18): a `Host` naming another site is refused (DNS
//! rebinding), concurrent requests are bounded (300 concurrent large histories once took
//! 5.6 GB), idle connections are closed (they once exhausted the descriptors), and a
//! non-loopback `--listen` warns.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use emend::web::Limits;

/// Starts `emend serve` on an empty database at `listen`, returning the child and its
/// bound address.
fn spawn_serve(dir: &std::path::Path, listen: &str) -> (Child, String) {
    // `serve` reads an existing database; it never creates one.
    drop(emend::store::Store::open(&dir.join("db")).expect("create the database"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_emend"))
        .arg("--db")
        .arg(dir.join("db"))
        .args(["serve", "--listen", listen])
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start emend serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let addr = line
        .strip_prefix("listening on http://")
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (child, addr)
}

/// Sends one HTTP/1.1 request for `/healthz` with `host` and returns the status line.
fn status_with_host(addr: &str, host: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("read timeout");
    write!(
        s,
        "GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("send the request");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("response");
    out.lines().next().unwrap_or_default().to_owned()
}

fn stop(child: Child) -> String {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().expect("serve exits");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_host_header_naming_another_site_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (child, addr) = spawn_serve(dir.path(), "127.0.0.1:0");
    let port = addr.rsplit(':').next().unwrap();
    assert!(status_with_host(&addr, &addr).contains(" 200 "));
    assert!(status_with_host(&addr, &format!("localhost:{port}")).contains(" 200 "));
    let rebound = status_with_host(&addr, &format!("attacker.example:{port}"));
    assert!(rebound.contains(" 421 "), "{rebound}");
    let other_port = status_with_host(&addr, "127.0.0.1:1");
    assert!(other_port.contains(" 421 "), "{other_port}");
    stop(child);
}

#[test]
fn listening_beyond_loopback_warns() {
    let dir = tempfile::tempdir().unwrap();
    let (child, addr) = spawn_serve(dir.path(), "0.0.0.0:0");
    let port = addr.rsplit(':').next().unwrap();
    // Reached on 127.0.0.1, the connection's own address is what the Host must name.
    assert!(
        status_with_host(&format!("127.0.0.1:{port}"), &format!("127.0.0.1:{port}"))
            .contains(" 200 ")
    );
    let stderr = stop(child);
    assert!(stderr.contains("non-loopback"), "stderr: {stderr}");
    let (child, _) = spawn_serve(dir.path(), "127.0.0.1:0");
    let stderr = stop(child);
    assert!(!stderr.contains("non-loopback"), "stderr: {stderr}");
}

/// Serves `router` in-process within `limits`; returns its address.
async fn serve(router: Router, limits: Limits) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("bound address");
    tokio::spawn(emend::web::server::serve(
        listener,
        router,
        limits,
        std::future::pending(),
    ));
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_beyond_the_limit_wait_for_a_slot() {
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (r, m) = (running.clone(), most.clone());
    let router = Router::new().route(
        "/slow",
        get(move || {
            let (r, m) = (r.clone(), m.clone());
            async move {
                let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(200)).await;
                r.fetch_sub(1, Ordering::SeqCst);
                "done"
            }
        }),
    );
    let limits = Limits {
        requests: 3,
        ..Limits::default()
    };
    let addr = serve(router, limits).await;
    let client = reqwest::Client::new();
    let requests = (0..12).map(|_| {
        let client = client.clone();
        async move {
            let resp = client.get(format!("http://{addr}/slow")).send().await?;
            Ok::<_, reqwest::Error>(resp.status())
        }
    });
    let started = Instant::now();
    for status in futures_util::future::join_all(requests).await {
        assert_eq!(status.expect("answered"), 200);
    }
    assert_eq!(most.load(Ordering::SeqCst), 3, "at most 3 requests at once");
    // Twelve 200 ms requests three at a time take four rounds.
    assert!(started.elapsed() >= Duration::from_millis(750));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed() {
    let router = Router::new().route("/", get(|| async { "hi" }));
    let limits = Limits {
        idle_timeout: Duration::from_secs(1),
        ..Limits::default()
    };
    let addr = serve(router, limits).await;
    let outcome = tokio::task::spawn_blocking(move || {
        // One that never sends a byte, and one idle after a keep-alive request.
        let mut silent = TcpStream::connect(addr).unwrap();
        let mut kept = TcpStream::connect(addr).unwrap();
        write!(kept, "GET / HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
        let mut first = [0u8; 256];
        kept.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let n = kept.read(&mut first).unwrap();
        assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));
        let mut closed = Vec::new();
        for s in [&mut silent, &mut kept] {
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let started = Instant::now();
            let mut rest = Vec::new();
            // EOF (the server closed it) rather than a read timeout.
            let read = s.read_to_end(&mut rest);
            closed.push((read.is_ok(), started.elapsed()));
        }
        closed
    })
    .await
    .unwrap();
    for (eof, after) in outcome {
        assert!(eof, "connection still open after {after:?}");
        assert!(
            after < Duration::from_secs(4),
            "closed only after {after:?}"
        );
    }
}

/// A large response counts against its slot until it is on its way, not only until the
/// handler returns: before, hyper took a whole 14 MB history in one piece and let the slot
/// go, so 300 clients reading slowly held 300 responses at once (2.9 GB measured).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_response_holds_its_slot_until_the_client_has_taken_it() {
    let big = vec![b'x'; 32 * 1024 * 1024];
    let router = Router::new()
        .route("/big", get(move || std::future::ready(big.clone())))
        .route("/small", get(|| async { "small" }));
    let limits = Limits {
        requests: 1,
        ..Limits::default()
    };
    let addr = serve(router, limits).await;
    // A client that takes the first kilobyte of the large response, then stops reading.
    let slow = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        write!(s, "GET /big HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
        let mut first = [0u8; 1024];
        s.read_exact(&mut first).unwrap();
        assert!(first.starts_with(b"HTTP/1.1 200"));
        s
    })
    .await
    .unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let small = format!("http://{addr}/small");
    let waited = client.get(&small).send().await;
    assert!(
        waited.is_err(),
        "answered while the large response still held the only slot: {waited:?}"
    );
    // Once that client goes away, its slot is free again.
    drop(slow);
    let resp = client
        .get(&small)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("answered once the slot is free");
    assert_eq!(resp.status(), 200);
}
