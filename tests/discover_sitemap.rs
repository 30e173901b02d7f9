//! Sitemaps → article URLs: indexes, Google News urlsets, gzip, text sitemaps, bombs and garbage.

mod common;

use std::io::Write;

use chrono::{DateTime, Utc};
use emend::Error;
use emend::discover::{MAX_SITEMAP_BYTES, MAX_SITEMAP_ENTRIES, parse_sitemap};
use flate2::Compression;
use flate2::write::GzEncoder;
use url::Url;

fn fixture(name: &str) -> Vec<u8> {
    common::fixture_bytes(&format!("discover/{name}"))
}

fn at(s: &str) -> Option<DateTime<Utc>> {
    Some(common::utc(s))
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).expect("test helper");
    enc.finish().expect("test helper")
}

fn sitemap_url() -> Url {
    Url::parse("https://example.org/sitemap.xml").expect("test helper")
}

fn assert_parse_error(input: &[u8], what: &str) {
    match parse_sitemap(input, &sitemap_url()) {
        Err(Error::Parse { url, kind, message }) => {
            assert_eq!(url, sitemap_url().as_str(), "{what}");
            assert_eq!(kind, "sitemap", "{what}");
            assert!(!message.is_empty(), "{what}");
        }
        other => panic!("{what}: expected a parse error, got {other:?}"),
    }
}

#[test]
fn sitemap_index_lists_children_with_lastmod() {
    let map = parse_sitemap(&fixture("sitemap_index.xml"), &sitemap_url()).unwrap();
    assert!(map.urls.is_empty());
    assert!(!map.truncated);
    let children: Vec<_> = map
        .sitemaps
        .iter()
        .map(|d| (d.url.as_str(), d.updated))
        .collect();
    assert_eq!(
        children,
        vec![
            (
                "https://example.org/sitemaps/news.xml",
                at("2024-05-07T09:10:00Z")
            ),
            (
                "https://example.org/sitemaps/2024-04.xml.gz",
                at("2024-05-01T00:00:00Z")
            ),
            ("https://example.org/sitemaps/sections.xml", None),
        ]
    );
}

#[test]
fn news_urlset_reads_loc_lastmod_and_publication_date_by_namespace() {
    let map = parse_sitemap(&fixture("sitemap_news.xml"), &sitemap_url()).unwrap();
    assert!(map.sitemaps.is_empty());
    let urls: Vec<_> = map
        .urls
        .iter()
        .map(|d| (d.url.as_str(), d.updated, d.published))
        .collect();
    assert_eq!(
        urls,
        vec![
            (
                "https://example.org/news/2024/05/07/council-budget",
                at("2024-05-07T09:02:00Z"),
                at("2024-05-07T07:30:00Z")
            ),
            (
                // image:loc came first in this <url>; it must not be taken for the page.
                "https://example.org/news/2024/05/06/search?q=tom&jerry",
                at("2024-05-06T00:00:00Z"),
                None
            ),
            // A bad lastmod costs the date, not the URL.
            ("https://example.org/news/2024/05/05/cdata", None, None),
        ]
    );
}

#[test]
fn prefixed_sitemap_namespace_and_no_namespace_both_work() {
    let prefixed = br#"<?xml version="1.0"?>
<sm:urlset xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sm:url><sm:loc>https://example.org/news/a</sm:loc></sm:url>
  <url><loc>https://example.org/not-in-namespace-but-unbound-is-ok</loc></url>
</sm:urlset>"#;
    let map = parse_sitemap(prefixed, &sitemap_url()).unwrap();
    let urls: Vec<_> = map.urls.iter().map(|d| d.url.as_str()).collect();
    assert_eq!(
        urls,
        vec![
            "https://example.org/news/a",
            "https://example.org/not-in-namespace-but-unbound-is-ok"
        ]
    );

    let bare = b"<urlset><url><loc>https://example.org/news/b</loc><lastmod>2024-01-02T03:04:05+00:00</lastmod></url></urlset>";
    let map = parse_sitemap(bare, &sitemap_url()).unwrap();
    assert_eq!(map.urls[0].url.as_str(), "https://example.org/news/b");
    assert_eq!(map.urls[0].updated, at("2024-01-02T03:04:05Z"));

    // A <loc> from some other vocabulary is not the page's.
    let foreign = br#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:v="http://www.google.com/schemas/sitemap-video/1.1">
  <url><v:video><v:loc>https://cdn.example.org/v.mp4</v:loc></v:video></url>
</urlset>"#;
    assert!(
        parse_sitemap(foreign, &sitemap_url())
            .unwrap()
            .urls
            .is_empty()
    );
}

#[test]
fn gzipped_sitemap_is_detected_by_magic_bytes() {
    let gz = gzip(&fixture("sitemap_news.xml"));
    let url = Url::parse("https://example.org/sitemaps/2024-04.xml.gz").unwrap();
    let plain = parse_sitemap(&fixture("sitemap_news.xml"), &url).unwrap();
    let map = parse_sitemap(&gz, &url).unwrap();
    assert_eq!(map, plain);
    assert_eq!(map.urls.len(), 3);
    // Served without the .gz suffix (or with Content-Encoding stripped wrongly): still read.
    assert_eq!(parse_sitemap(&gz, &sitemap_url()).unwrap().urls.len(), 3);
}

#[test]
fn gzip_bomb_is_rejected() {
    // 51 MiB of zeros compresses to about 50 KiB.
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    let chunk = vec![b' '; 1024 * 1024];
    for _ in 0..(MAX_SITEMAP_BYTES / (1024 * 1024) + 1) {
        enc.write_all(&chunk).unwrap();
    }
    let bomb = enc.finish().unwrap();
    assert!(bomb.len() < 1024 * 1024, "bomb is {} bytes", bomb.len());
    match parse_sitemap(&bomb, &sitemap_url()) {
        Err(Error::Parse { kind, message, .. }) => {
            assert_eq!(kind, "sitemap");
            assert!(message.contains("limit"), "{message}");
        }
        other => panic!("bomb accepted: {other:?}"),
    }
}

#[test]
fn entries_are_bounded_per_protocol() {
    let mut doc = String::from(r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">"#);
    for i in 0..MAX_SITEMAP_ENTRIES + 10 {
        doc.push_str(&format!(
            "<url><loc>https://example.org/news/{i}</loc></url>"
        ));
    }
    doc.push_str("</urlset>");
    let map = parse_sitemap(doc.as_bytes(), &sitemap_url()).unwrap();
    assert_eq!(map.urls.len(), MAX_SITEMAP_ENTRIES);
    assert!(map.truncated);
    assert_eq!(
        map.urls.last().unwrap().url.as_str(),
        format!("https://example.org/news/{}", MAX_SITEMAP_ENTRIES - 1)
    );
}

#[test]
fn text_and_feed_sitemaps_are_read() {
    let text =
        b"https://example.org/news/1?utm_source=x\n\n  https://example.org/news/2  \nnot a url\n";
    let map = parse_sitemap(text, &sitemap_url()).unwrap();
    let urls: Vec<_> = map.urls.iter().map(|d| d.url.as_str()).collect();
    assert_eq!(
        urls,
        vec!["https://example.org/news/1", "https://example.org/news/2"]
    );

    let map = parse_sitemap(&fixture("atom.xml"), &sitemap_url()).unwrap();
    assert_eq!(map.urls.len(), 2);
}

#[test]
fn malformed_sitemaps_are_parse_errors() {
    assert_parse_error(b"<html><body>404 Not Found</body></html>", "HTML page");
    assert_parse_error(
        br#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://example.org/a</loc>"#,
        "truncated",
    );
    assert_parse_error(
        b"<urlset><url><loc>x</lo></url></urlset>",
        "mismatched tags",
    );
    assert_parse_error(b"<urlset><url>", "cut off");
    assert_parse_error(b"<?xml version=\"1.0\"?>", "no root");
    assert_parse_error(b"\x1f\x8b\x08\x00garbage", "corrupt gzip");
    assert_parse_error(b"Service unavailable, try later", "plain error text");
}

#[test]
fn empty_sitemaps_are_empty_not_errors() {
    let map = parse_sitemap(
        br#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>"#,
        &sitemap_url(),
    );
    // A self-closed root is legal XML and lists nothing.
    let map = map.unwrap();
    assert!(map.urls.is_empty() && map.sitemaps.is_empty());
    let map = parse_sitemap(b"", &sitemap_url()).unwrap();
    assert!(map.urls.is_empty());
}
