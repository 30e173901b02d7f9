//! Politeness measured by the server: per-host rate (at most rate + 1 requests in any 1 s
//! window, all request kinds counted), Crawl-delay, Retry-After hold-offs, host independence.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use common::fetcher::{HTML, fetcher};
use common::server::{Logged, TestServer};
use emend::Error;
use emend::fetch::{Conditional, FetchOptions, PageResponse, ResourceKind, Scope};

fn html() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/html")], HTML)
}

/// The most requests that fall in any half-open one-second window.
fn max_per_second(hits: &[Logged]) -> usize {
    let mut times: Vec<Instant> = hits.iter().map(|h| h.at).collect();
    times.sort();
    (0..times.len())
        .map(|i| {
            times[i..]
                .iter()
                .take_while(|t| t.duration_since(times[i]) < Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_second_sees_more_than_rate_plus_one_requests_of_any_kind() {
    let s = TestServer::with_router(
        "127.0.0.2",
        Router::new()
            .route("/robots.txt", get(|| async { "User-agent: *\nAllow: /\n" }))
            .route("/p/{n}", get(|| async { html() }))
            .route(
                "/r/{n}",
                get(
                    |axum::extract::Path(n): axum::extract::Path<u32>| async move {
                        Redirect::to(&format!("/p/{n}"))
                    },
                ),
            )
            .route("/feed.xml", get(|| async { "<rss/>" })),
    );
    let f = Arc::new(fetcher());
    f.politeness().set_host_rate("127.0.0.2", 10.0);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..24 {
        let f = Arc::clone(&f);
        let url = if i % 3 == 0 {
            s.parsed_url(&format!("/r/{i}"))
        } else {
            s.parsed_url(&format!("/p/{i}"))
        };
        tasks.push(tokio::spawn(async move {
            f.fetch_page(&url, &Conditional::default(), FetchOptions::default())
                .await
                .map(|_| ())
        }));
    }
    for _ in 0..3 {
        let f = Arc::clone(&f);
        let url = s.parsed_url("/feed.xml");
        tasks.push(tokio::spawn(async move {
            f.fetch_resource(
                &url,
                ResourceKind::Feed,
                &Conditional::default(),
                &Scope::Any,
            )
            .await
            .map(|_| ())
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let hits = s.requests();
    // robots.txt + 24 pages + 8 redirect hops + 3 feeds.
    assert_eq!(hits.len(), 36);
    assert_eq!(hits[0].path, "/robots.txt");
    let peak = max_per_second(&hits);
    assert!(peak <= 11, "{peak} requests in one second at rate 10");
    // The limiter really paced them: 36 requests at 10/s take at least 3.5 s.
    assert!(
        started.elapsed() >= Duration::from_millis(3400),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn crawl_delay_wins_over_a_faster_configured_rate() {
    let s = TestServer::with_router(
        "127.0.0.2",
        Router::new()
            .route(
                "/robots.txt",
                get(|| async { "User-agent: *\nCrawl-delay: 1\n" }),
            )
            .route("/p/{n}", get(|| async { html() })),
    );
    let f = fetcher();
    f.politeness().set_host_rate("127.0.0.2", 50.0);
    for i in 0..2 {
        f.fetch_page(
            &s.parsed_url(&format!("/p/{i}")),
            &Conditional::default(),
            FetchOptions::default(),
        )
        .await
        .unwrap();
    }
    let hits = s.requests();
    assert_eq!(hits.len(), 3);
    for pair in hits.windows(2) {
        let gap = pair[1].at.duration_since(pair[0].at);
        assert!(
            gap >= Duration::from_millis(950),
            "{gap:?} between {} and {}",
            pair[0].path,
            pair[1].path
        );
    }
}

#[tokio::test]
async fn retry_after_holds_off_the_whole_host() {
    let calls = Arc::new(AtomicUsize::new(0));
    let calls2 = Arc::clone(&calls);
    let s = TestServer::with_router(
        "127.0.0.3",
        Router::new()
            .route(
                "/busy",
                get(move || {
                    let n = calls2.fetch_add(1, Ordering::SeqCst);
                    async move {
                        if n == 0 {
                            (
                                StatusCode::TOO_MANY_REQUESTS,
                                [(header::RETRY_AFTER, "2")],
                                "slow down",
                            )
                                .into_response()
                        } else {
                            html().into_response()
                        }
                    }
                }),
            )
            .route("/other", get(|| async { html() })),
    );
    let f = fetcher();
    let err = f
        .fetch_page(
            &s.parsed_url("/busy"),
            &Conditional::default(),
            FetchOptions::default(),
        )
        .await
        .unwrap_err();
    match &err {
        Error::HttpStatus {
            status,
            retry_after,
            ..
        } => {
            assert_eq!(*status, 429);
            assert_eq!(*retry_after, Some(2));
        }
        other => panic!("{other:?}"),
    }
    assert!(f.politeness().held_until("127.0.0.3").is_some());
    // Another page of the same host waits too, then the retried page goes through.
    f.fetch_page(
        &s.parsed_url("/other"),
        &Conditional::default(),
        FetchOptions::default(),
    )
    .await
    .unwrap();
    f.fetch_page(
        &s.parsed_url("/busy"),
        &Conditional::default(),
        FetchOptions::default(),
    )
    .await
    .unwrap();
    let hits = s.requests();
    let refused = hits.iter().find(|h| h.path == "/busy").unwrap().at;
    for h in hits.iter().filter(|h| h.at > refused) {
        let gap = h.at.duration_since(refused);
        assert!(
            gap >= Duration::from_millis(1950),
            "{} only {gap:?} after the 429",
            h.path
        );
    }
    assert_eq!(hits.iter().filter(|h| h.at > refused).count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_or_held_off_host_does_not_delay_another() {
    let slow = TestServer::with_router(
        "127.0.0.2",
        Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    html()
                }),
            )
            .route(
                "/unavailable",
                get(|| async {
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        [(header::RETRY_AFTER, "30")],
                        "",
                    )
                }),
            ),
    );
    let fast = TestServer::with_router(
        "127.0.0.3",
        Router::new().route("/p/{n}", get(|| async { html() })),
    );
    let f = Arc::new(fetcher());
    f.politeness().set_host_rate("127.0.0.2", 1.0);
    f.politeness().set_host_rate("127.0.0.3", 20.0);

    // The 503 holds 127.0.0.2 for 30 s; a fetch queued behind it must not hold up 127.0.0.3.
    let err = f
        .fetch_page(
            &slow.parsed_url("/unavailable"),
            &Conditional::default(),
            FetchOptions {
                ignore_robots: true,
                ..FetchOptions::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::HttpStatus {
                status: 503,
                retry_after: Some(30),
                ..
            }
        ),
        "{err:?}"
    );
    let held = {
        let f = Arc::clone(&f);
        let url = slow.parsed_url("/slow");
        tokio::spawn(async move {
            f.fetch_page(
                &url,
                &Conditional::default(),
                FetchOptions {
                    ignore_robots: true,
                    ..FetchOptions::default()
                },
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    for i in 0..5 {
        let r = f
            .fetch_page(
                &fast.parsed_url(&format!("/p/{i}")),
                &Conditional::default(),
                FetchOptions::default(),
            )
            .await
            .unwrap();
        assert!(matches!(r, PageResponse::Page(_)));
    }
    let took = started.elapsed();
    // robots.txt + 5 pages at 20/s: about 250 ms, nowhere near the other host's 30 s.
    assert!(took < Duration::from_secs(2), "fast host took {took:?}");
    assert!(!held.is_finished(), "the held-off host is still waiting");
    held.abort();
    assert_eq!(slow.hits("/slow").len(), 0);

    // A request stuck on a slow response does not block the other host either.
    let slow2 = TestServer::with_router(
        "127.0.0.4",
        Router::new().route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(3)).await;
                html()
            }),
        ),
    );
    let pending = {
        let f = Arc::clone(&f);
        let url = slow2.parsed_url("/slow");
        tokio::spawn(async move {
            f.fetch_page(
                &url,
                &Conditional::default(),
                FetchOptions {
                    ignore_robots: true,
                    ..FetchOptions::default()
                },
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    f.fetch_page(
        &fast.parsed_url("/p/9"),
        &Conditional::default(),
        FetchOptions::default(),
    )
    .await
    .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(!pending.is_finished());
    pending.abort();
}

/// A Retry-After longer than a request waits (`HOLD_PATIENCE`): the next request to that
/// host is not sent and not slept on; it fails at once saying until when the host is held,
/// so the daemon can give its concurrency slot to another host and come back later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_retry_after_is_reported_at_once_not_slept() {
    let s = TestServer::with_router(
        "127.0.0.4",
        Router::new()
            .route(
                "/busy",
                get(|| async {
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        [(header::RETRY_AFTER, "600")],
                        "maintenance",
                    )
                }),
            )
            .route("/other", get(|| async { html() })),
    );
    let f = fetcher();
    let opts = FetchOptions::default();
    let err = f
        .fetch_page(
            &s.parsed_url("/busy"),
            &Conditional::default(),
            opts.clone(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::HttpStatus {
                status: 503,
                retry_after: Some(600),
                ..
            }
        ),
        "{err:?}"
    );
    let started = Instant::now();
    let err = f
        .fetch_page(&s.parsed_url("/other"), &Conditional::default(), opts)
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "slept {:?}",
        started.elapsed()
    );
    match &err {
        Error::HostHeldOff { host, until } => {
            assert_eq!(host, "127.0.0.4");
            let ahead = *until - chrono::Utc::now();
            assert!(ahead > chrono::Duration::seconds(590), "{until}");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("127.0.0.4") && err.to_string().contains("held off until"));
    assert_eq!(s.hits("/other").len(), 0, "nothing sent while held off");
}
