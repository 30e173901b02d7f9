//! Bad input for `Fetcher::fetch_page`: every failure is the right `Error` variant, names the
//! URL, and leaves nothing half-done.

mod common;

use std::io::Write;

use futures_util::StreamExt;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use common::fetcher::{HTML, crawler, fetcher, fetcher_with};
use common::server::TestServer;
use emend::Error;
use emend::fetch::{Conditional, FetchOptions, PageResponse};

fn none() -> Conditional {
    Conditional::default()
}

/// Options of a fetch that skips robots.txt (`snapshot --ignore-robots`).
fn ignoring_robots() -> FetchOptions {
    FetchOptions {
        ignore_robots: true,
        ..FetchOptions::default()
    }
}

fn robots_allow_all() -> Router {
    Router::new().route(
        "/robots.txt",
        get(|| async { "User-agent: *\nDisallow:\n" }),
    )
}

#[tokio::test]
async fn http_404_and_500_are_status_errors_naming_the_url() {
    let s = TestServer::with_router(
        "127.0.0.1",
        robots_allow_all()
            .route("/gone", get(|| async { StatusCode::NOT_FOUND }))
            .route("/boom", get(|| async { StatusCode::INTERNAL_SERVER_ERROR })),
    );
    let f = fetcher();
    for (path, code) in [("/gone", 404), ("/boom", 500)] {
        let url = s.parsed_url(path);
        let err = f
            .fetch_page(&url, &none(), FetchOptions::default())
            .await
            .unwrap_err();
        match &err {
            Error::HttpStatus {
                url: u,
                status,
                retry_after,
            } => {
                assert_eq!(u, url.as_str());
                assert_eq!(*status, code);
                assert_eq!(*retry_after, None);
            }
            other => panic!("{path}: {other:?}"),
        }
        assert!(err.to_string().contains(url.as_str()));
    }
}

#[tokio::test]
async fn connection_refused_is_a_network_error_saying_so() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let url = url::Url::parse(&format!("http://{addr}/article")).unwrap();
    let f = fetcher();
    for opts in [FetchOptions::default(), ignoring_robots()] {
        let err = f.fetch_page(&url, &none(), opts).await.unwrap_err();
        let Error::Network { url: u, message } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(u, url.as_str());
        assert!(
            message.to_lowercase().contains("connection refused"),
            "{message}"
        );
        assert!(!message.contains('\n'));
    }
}

#[tokio::test]
async fn non_html_is_refused_before_reading_and_missing_types_are_sniffed() {
    let s = TestServer::with_router(
        "127.0.0.1",
        robots_allow_all()
            .route(
                "/doc.pdf",
                get(|| async { ([(header::CONTENT_TYPE, "application/pdf")], "%PDF-1.7") }),
            )
            .route(
                "/untyped-html",
                get(|| async { ([(header::CONTENT_TYPE, "")], HTML) }),
            )
            .route(
                "/untyped-bin",
                get(|| async { ([(header::CONTENT_TYPE, "")], &b"\x89PNG\r\n\x1a\n"[..]) }),
            ),
    );
    let f = fetcher();
    let err = f
        .fetch_page(&s.parsed_url("/doc.pdf"), &none(), FetchOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::NotHtml { content_type, .. } if content_type == "application/pdf"),
        "{err:?}"
    );
    assert!(err.to_string().contains("/doc.pdf"));

    let ok = f
        .fetch_page(
            &s.parsed_url("/untyped-html"),
            &none(),
            FetchOptions::default(),
        )
        .await
        .unwrap();
    let PageResponse::Page(page) = ok else {
        panic!()
    };
    assert!(page.text.contains("Hello"));

    let err = f
        .fetch_page(
            &s.parsed_url("/untyped-bin"),
            &none(),
            FetchOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotHtml { .. }), "{err:?}");
}

#[tokio::test]
async fn bodies_over_the_cap_fail_declared_or_streamed() {
    let big = "x".repeat(2 << 20);
    let big2 = big.clone();
    let s = TestServer::with_router(
        "127.0.0.1",
        robots_allow_all()
            .route(
                "/declared",
                get(move || {
                    let b = big.clone();
                    async move { ([(header::CONTENT_TYPE, "text/html")], b) }
                }),
            )
            .route(
                "/chunked",
                get(move || {
                    let b = big2.clone();
                    async move {
                        // A stream has no Content-Length: the cap must bite while reading.
                        let chunks = b
                            .into_bytes()
                            .chunks(64 * 1024)
                            .map(|c| Ok::<_, std::io::Error>(bytes::Bytes::copy_from_slice(c)))
                            .collect::<Vec<_>>();
                        (
                            [(header::CONTENT_TYPE, "text/html")],
                            axum::body::Body::from_stream(futures_util::stream::iter(chunks)),
                        )
                    }
                }),
            ),
    );
    let mut cfg = crawler();
    cfg.max_body = 1 << 20;
    let f = fetcher_with(cfg, 200.0);
    for path in ["/declared", "/chunked"] {
        let err = f
            .fetch_page(&s.parsed_url(path), &none(), FetchOptions::default())
            .await
            .unwrap_err();
        match &err {
            Error::BodyTooLarge { url, limit } => {
                assert!(url.ends_with(path));
                assert_eq!(*limit, 1 << 20);
            }
            other => panic!("{path}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn gzip_bomb_is_body_too_large() {
    // 16 MiB of zeros compress to ~16 KiB; the cap is 1 MiB.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..16 {
        gz.write_all(&zeros).unwrap();
    }
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 200 * 1024);
    let s = TestServer::with_router(
        "127.0.0.1",
        robots_allow_all().route(
            "/bomb",
            get(move || {
                let b = bomb.clone();
                async move {
                    (
                        [
                            (header::CONTENT_TYPE, "text/html"),
                            (header::CONTENT_ENCODING, "gzip"),
                        ],
                        b,
                    )
                }
            }),
        ),
    );
    let mut cfg = crawler();
    cfg.max_body = 1 << 20;
    let f = fetcher_with(cfg, 200.0);
    let err = f
        .fetch_page(&s.parsed_url("/bomb"), &none(), FetchOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BodyTooLarge { .. }), "{err:?}");
}

#[tokio::test]
async fn redirect_loops_and_long_chains_fail_and_ten_hops_succeed() {
    let s = TestServer::with_router(
        "127.0.0.1",
        robots_allow_all()
            .route("/a", get(|| async { Redirect::temporary("/b") }))
            .route("/b", get(|| async { Redirect::permanent("/a#frag") }))
            .route(
                "/chain/{n}",
                get(
                    |axum::extract::Path(n): axum::extract::Path<u32>| async move {
                        if n == 0 {
                            ([(header::CONTENT_TYPE, "text/html")], HTML).into_response()
                        } else {
                            Redirect::to(&format!("/chain/{}", n - 1)).into_response()
                        }
                    },
                ),
            ),
    );
    let f = fetcher();
    let err = f
        .fetch_page(&s.parsed_url("/a"), &none(), FetchOptions::default())
        .await
        .unwrap_err();
    let Error::Redirect { url, message } = &err else {
        panic!("{err:?}")
    };
    assert!(url.ends_with("/a"));
    assert!(message.contains("loop"), "{message}");
    assert_eq!(
        s.hits("/a").len(),
        1,
        "a loop is detected without going round twice"
    );

    let err = f
        .fetch_page(&s.parsed_url("/chain/11"), &none(), FetchOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Redirect { message, .. } if message.contains("more than 10")),
        "{err:?}"
    );
    assert_eq!(s.hits("/chain/1").len(), 1, "the 10th redirect is followed");
    assert_eq!(s.hits("/chain/0").len(), 0, "the 11th is not");

    let ok = f
        .fetch_page(&s.parsed_url("/chain/10"), &none(), FetchOptions::default())
        .await
        .unwrap();
    let PageResponse::Page(page) = ok else {
        panic!()
    };
    assert_eq!(page.response.redirects.len(), 10);
    assert_eq!(page.response.final_url, s.parsed_url("/chain/0"));
}

#[tokio::test]
async fn robots_disallow_blocks_pages_and_redirect_hops() {
    let s = TestServer::with_router(
        "127.0.0.1",
        Router::new()
            .route(
                "/robots.txt",
                get(|| async {
                    "User-agent: *\nDisallow: /\n\nUser-agent: emend-test\nDisallow: /private/\n"
                }),
            )
            .route(
                "/private/x",
                get(|| async { ([(header::CONTENT_TYPE, "text/html")], HTML) }),
            )
            .route(
                "/public",
                get(|| async { ([(header::CONTENT_TYPE, "text/html")], HTML) }),
            )
            .route("/jump", get(|| async { Redirect::to("/private/x") })),
    );
    let f = fetcher();
    let err = f
        .fetch_page(
            &s.parsed_url("/private/x"),
            &none(),
            FetchOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::RobotsDisallowed { url } if url.ends_with("/private/x")),
        "{err:?}"
    );
    assert!(err.to_string().contains("--ignore-robots"));

    let err = f
        .fetch_page(&s.parsed_url("/jump"), &none(), FetchOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::RobotsDisallowed { url } if url.ends_with("/private/x")),
        "{err:?}"
    );

    // Our product token's group applies, not the `*` group that disallows everything.
    assert!(matches!(
        f.fetch_page(&s.parsed_url("/public"), &none(), FetchOptions::default())
            .await,
        Ok(PageResponse::Page(_))
    ));
    assert_eq!(
        s.hits("/private/x").len(),
        0,
        "a disallowed path is never requested"
    );
    assert_eq!(s.hits("/robots.txt").len(), 1, "robots.txt is cached");
    assert_eq!(s.paths()[0], "/robots.txt", "robots.txt comes first");

    // --ignore-robots: fetched anyway.
    let ok = f
        .fetch_page(&s.parsed_url("/private/x"), &none(), ignoring_robots())
        .await
        .unwrap();
    assert!(matches!(ok, PageResponse::Page(_)));
}

#[tokio::test]
async fn robots_404_allows_and_500_disallows_until_retry() {
    let ok_host = TestServer::with_router(
        "127.0.0.1",
        Router::new()
            .route("/robots.txt", get(|| async { StatusCode::NOT_FOUND }))
            .route(
                "/p",
                get(|| async { ([(header::CONTENT_TYPE, "text/html")], HTML) }),
            ),
    );
    let bad_host = TestServer::with_router(
        "127.0.0.2",
        Router::new()
            .route(
                "/robots.txt",
                get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
            )
            .route(
                "/p",
                get(|| async { ([(header::CONTENT_TYPE, "text/html")], HTML) }),
            ),
    );
    let f = fetcher();
    assert!(matches!(
        f.fetch_page(&ok_host.parsed_url("/p"), &none(), FetchOptions::default())
            .await,
        Ok(PageResponse::Page(_))
    ));
    for _ in 0..2 {
        let err = f
            .fetch_page(&bad_host.parsed_url("/p"), &none(), FetchOptions::default())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::RobotsUnavailable { host, reason } if host == "127.0.0.2" && reason.contains("500")),
            "{err:?}"
        );
    }
    assert_eq!(bad_host.hits("/p").len(), 0);
    assert_eq!(
        bad_host.hits("/robots.txt").len(),
        1,
        "the 5xx verdict is cached for a while"
    );
}

#[tokio::test]
async fn non_http_urls_are_invalid() {
    let f = fetcher();
    let url = url::Url::parse("ftp://example.org/x").unwrap();
    let err = f
        .fetch_page(&url, &none(), FetchOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
}

#[tokio::test]
async fn a_server_slower_than_the_timeout_is_a_network_error() {
    let s = TestServer::with_router(
        "127.0.0.1",
        Router::new().route(
            "/hang",
            get(|| async {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                HTML
            }),
        ),
    );
    let mut cfg = crawler();
    cfg.timeout = std::time::Duration::from_millis(300);
    let f = fetcher_with(cfg, 200.0);
    let started = std::time::Instant::now();
    let err = f
        .fetch_page(&s.parsed_url("/hang"), &none(), ignoring_robots())
        .await
        .unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    let Error::Network { url, message } = &err else {
        panic!("{err:?}")
    };
    assert!(url.ends_with("/hang"));
    assert!(message.contains("timed out"), "{message}");
}

#[tokio::test]
async fn a_content_length_over_the_cap_fails_before_the_body_arrives() {
    let s = TestServer::with_router(
        "127.0.0.1",
        Router::new().route(
            "/huge",
            get(|| async {
                // Announces 5 MiB, sends one chunk, then stalls: only an early check can end this quickly.
                let stream = futures_util::stream::once(async {
                    Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"<html>"))
                })
                .chain(futures_util::stream::pending());
                (
                    [
                        (header::CONTENT_TYPE, "text/html".to_owned()),
                        (header::CONTENT_LENGTH, (5u64 << 20).to_string()),
                    ],
                    axum::body::Body::from_stream(stream),
                )
            }),
        ),
    );
    let mut cfg = crawler();
    cfg.max_body = 1 << 20;
    let f = fetcher_with(cfg, 200.0);
    let started = std::time::Instant::now();
    let err = f
        .fetch_page(&s.parsed_url("/huge"), &none(), ignoring_robots())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BodyTooLarge { .. }), "{err:?}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_redirect_to_another_host_obeys_that_hosts_robots_txt() {
    let target = TestServer::with_router(
        "127.0.0.3",
        Router::new()
            .route(
                "/robots.txt",
                get(|| async { "User-agent: *\nDisallow: /members\n" }),
            )
            .route(
                "/members/x",
                get(|| async { ([(header::CONTENT_TYPE, "text/html")], HTML) }),
            ),
    );
    let to = target.parsed_url("/members/x").to_string();
    let origin = TestServer::with_router(
        "127.0.0.2",
        Router::new().route(
            "/story",
            get(move || {
                let to = to.clone();
                async move { Redirect::permanent(&to) }
            }),
        ),
    );
    let f = fetcher();
    let err = f
        .fetch_page(
            &origin.parsed_url("/story"),
            &none(),
            FetchOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::RobotsDisallowed { url } if url.contains("127.0.0.3") && url.ends_with("/members/x")),
        "{err:?}"
    );
    assert_eq!(target.paths(), ["/robots.txt"]);
    assert_eq!(origin.paths(), ["/robots.txt", "/story"]);
}
