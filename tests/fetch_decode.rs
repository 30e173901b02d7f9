//! Successful fetches: text decoding (windows-1251 with no declaration, `<meta charset>`),
//! content-encoding, conditional GET and the headers the page carries back.

mod common;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use common::fetcher::{HTML, UA, crawler, fetcher, fetcher_with};
use common::server::TestServer;
use emend::fetch::{
    Conditional, FetchOptions, PageResponse, ResourceKind, ResourceResponse, Scope,
};

const RUSSIAN: &str = "Правительство объявило о новых мерах поддержки. Министр заявил, что \
    изменения вступят в силу с понедельника, а региональные власти получат дополнительное \
    финансирование на ремонт дорог и школ.";

fn cp1251(s: &str) -> Vec<u8> {
    encoding_rs::WINDOWS_1251.encode(s).0.into_owned()
}

async fn page(f: &emend::fetch::Fetcher, url: &url::Url) -> emend::fetch::Page {
    match f
        .fetch_page(url, &Conditional::default(), FetchOptions::default())
        .await
        .expect("test helper")
    {
        PageResponse::Page(p) => p,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn windows_1251_without_any_charset_comes_out_as_cyrillic() {
    let body = cp1251(&format!(
        "<!doctype html><html><head><title>Новости</title></head><body><article><p>{RUSSIAN}</p></article></body></html>"
    ));
    let s = TestServer::with_router(
        "127.0.0.1",
        Router::new().route(
            "/ru",
            get(move || {
                let b = body.clone();
                async move { ([(header::CONTENT_TYPE, "text/html")], b) }
            }),
        ),
    );
    let p = page(&fetcher(), &s.parsed_url("/ru")).await;
    assert_eq!(p.encoding, "windows-1251");
    assert!(p.text.contains(RUSSIAN));
    assert!(p.text.contains("<title>Новости</title>"));
    assert_eq!(p.response.content_type.as_deref(), Some("text/html"));
}

#[tokio::test]
async fn meta_charset_and_http_charset_are_honoured() {
    let meta = cp1251(&format!(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\"></head><body>{RUSSIAN}"
    ));
    // Declared koi8-r over HTTP, although the page claims otherwise: HTTP wins.
    let koi = encoding_rs::KOI8_R
        .encode(&format!("<meta charset=utf-8><p>{RUSSIAN}"))
        .0
        .into_owned();
    let s = TestServer::with_router(
        "127.0.0.1",
        Router::new()
            .route(
                "/meta",
                get(move || {
                    let b = meta.clone();
                    async move { ([(header::CONTENT_TYPE, "text/html")], b) }
                }),
            )
            .route(
                "/koi",
                get(move || {
                    let b = koi.clone();
                    async move { ([(header::CONTENT_TYPE, "text/html; charset=KOI8-R")], b) }
                }),
            ),
    );
    let f = fetcher();
    let p = page(&f, &s.parsed_url("/meta")).await;
    assert_eq!(p.encoding, "windows-1251");
    assert!(p.text.contains(RUSSIAN));
    let p = page(&f, &s.parsed_url("/koi")).await;
    assert_eq!(p.encoding, "KOI8-R");
    assert!(p.text.contains(RUSSIAN));
}

#[tokio::test]
async fn gzip_pages_are_decoded_and_body_is_the_decompressed_bytes() {
    use std::io::Write;
    let html = format!(
        "<html><body><p>{}</p></body></html>",
        "Привет, мир. ".repeat(200)
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(html.as_bytes()).unwrap();
    let compressed = gz.finish().unwrap();
    let s = TestServer::with_router(
        "127.0.0.1",
        Router::new().route(
            "/gz",
            get(move |h: HeaderMap| {
                let b = compressed.clone();
                async move {
                    let accepts = h
                        .get(header::ACCEPT_ENCODING)
                        .map(|v| v.to_str().unwrap().contains("gzip"))
                        .unwrap_or(false);
                    assert!(accepts, "client must offer gzip");
                    (
                        [
                            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                            (header::CONTENT_ENCODING, "gzip"),
                        ],
                        b,
                    )
                }
            }),
        ),
    );
    let p = page(&fetcher(), &s.parsed_url("/gz")).await;
    assert_eq!(p.response.body.as_ref(), html.as_bytes());
    assert_eq!(p.text, html);
}

#[tokio::test]
async fn matching_etag_gives_not_modified_and_validators_are_sent() {
    let s = TestServer::with_router(
        "127.0.0.1",
        Router::new().route(
            "/a",
            get(|h: HeaderMap| async move {
                if h.get(header::IF_NONE_MATCH).map(|v| v.as_bytes()) == Some(b"\"v1\"") {
                    return StatusCode::NOT_MODIFIED.into_response();
                }
                (
                    [
                        (header::CONTENT_TYPE, "text/html"),
                        (header::ETAG, "\"v1\""),
                        (header::LAST_MODIFIED, "Wed, 21 Oct 2015 07:28:00 GMT"),
                    ],
                    HTML,
                )
                    .into_response()
            }),
        ),
    );
    let f = fetcher();
    let first = page(&f, &s.parsed_url("/a")).await;
    assert_eq!(first.response.etag.as_deref(), Some("\"v1\""));
    assert_eq!(
        first.response.last_modified.as_deref(),
        Some("Wed, 21 Oct 2015 07:28:00 GMT")
    );
    let cond = Conditional {
        etag: first.response.etag.clone(),
        last_modified: first.response.last_modified.clone(),
    };
    let second = f
        .fetch_page(&s.parsed_url("/a"), &cond, FetchOptions::default())
        .await
        .unwrap();
    match second {
        PageResponse::NotModified {
            final_url, status, ..
        } => {
            assert_eq!(status, 304);
            assert_eq!(final_url, s.parsed_url("/a"));
        }
        other => panic!("{other:?}"),
    }
    let hits = s.hits("/a");
    assert_eq!(hits[0].header("if-none-match"), None);
    assert_eq!(hits[1].header("if-none-match"), Some("\"v1\""));
    assert_eq!(
        hits[1].header("if-modified-since"),
        Some("Wed, 21 Oct 2015 07:28:00 GMT")
    );
    assert_eq!(hits[0].header("user-agent"), Some(UA));
}

#[tokio::test]
async fn resources_of_any_type_are_fetched_and_robots_checked() {
    let s = TestServer::with_router(
        "127.0.0.1",
        Router::new()
            .route(
                "/robots.txt",
                get(|| async { "User-agent: *\nDisallow: /hidden\n" }),
            )
            .route(
                "/feed.xml",
                get(|| async { ([(header::CONTENT_TYPE, "application/rss+xml")], "<rss/>") }),
            )
            .route("/hidden/feed.xml", get(|| async { "<rss/>" })),
    );
    let f = fetcher();
    let r = f
        .fetch_resource(
            &s.parsed_url("/feed.xml"),
            ResourceKind::Feed,
            &Conditional::default(),
            &Scope::Any,
        )
        .await
        .unwrap();
    let ResourceResponse::Resource(r) = r else {
        panic!()
    };
    assert_eq!(r.body.as_ref(), b"<rss/>");
    assert_eq!(r.content_type.as_deref(), Some("application/rss+xml"));
    let err = f
        .fetch_resource(
            &s.parsed_url("/hidden/feed.xml"),
            ResourceKind::Sitemap,
            &Conditional::default(),
            &Scope::Any,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, emend::Error::RobotsDisallowed { .. }),
        "{err:?}"
    );
    let robots = f
        .fetch_resource(
            &s.parsed_url("/robots.txt"),
            ResourceKind::Robots,
            &Conditional::default(),
            &Scope::Any,
        )
        .await
        .unwrap();
    assert!(matches!(robots, ResourceResponse::Resource(_)));
    assert_eq!(s.hits("/hidden/feed.xml").len(), 0);
}

#[test]
fn fetch_futures_are_send() {
    fn is_send<T: Send>(_: &T) {}
    let f = fetcher_with(crawler(), 1.0);
    let url = url::Url::parse("http://127.0.0.1:9/").unwrap();
    let cond = Conditional::default();
    is_send(&f.fetch_page(&url, &cond, FetchOptions::default()));
    is_send(&f.fetch_resource(&url, ResourceKind::Feed, &cond, &Scope::Any));
}
