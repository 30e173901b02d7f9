//! Discovery from saved feeds, sitemaps and an index page (issue 4): the URLs and dates found,
//! canonicalised; malformed input is an error, never a panic.

mod common;

use std::io::Write;

use common::fixture_text;
use emend::discover::{index_links, parse_feed, parse_sitemap};
use regex::Regex;
use url::Url;

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn urls(found: &[emend::discover::Discovered]) -> Vec<&str> {
    found.iter().map(|d| d.url.as_str()).collect()
}

#[test]
fn rss2_with_content_encoded_relative_links_and_tracking_parameters() {
    let found = parse_feed(
        fixture_text("discover/rss2.xml").as_bytes(),
        &url("https://newsroom.example/rss.xml"),
    )
    .unwrap();
    assert_eq!(
        urls(&found),
        [
            "https://newsroom.example/politics/lachin-district-returned",
            "https://newsroom.example/business/budget-2021",
            "https://newsroom.example/society/snow-closes-roads",
        ]
    );
    assert_eq!(
        found[0].published.unwrap().to_rfc3339(),
        "2020-12-02T06:05:00+00:00"
    );
}

#[test]
fn atom_takes_the_alternate_link_and_its_updated_time() {
    let found = parse_feed(
        fixture_text("discover/atom.xml").as_bytes(),
        &url("https://newsroom.example/world/atom.xml"),
    )
    .unwrap();
    assert_eq!(
        urls(&found),
        ["https://newsroom.example/world/lachin-corridor"]
    );
    assert_eq!(
        found[0].updated.unwrap().to_rfc3339(),
        "2020-12-03T05:15:00+00:00"
    );
}

#[test]
fn json_feed() {
    let found = parse_feed(
        fixture_text("discover/feed.json").as_bytes(),
        &url("https://newsroom.example/feed.json"),
    )
    .unwrap();
    assert_eq!(
        urls(&found),
        ["https://newsroom.example/society/museum-collection"]
    );
    assert!(found[0].updated.is_some());
}

#[test]
fn sitemap_index_lists_children_resolved_against_its_url() {
    let map = parse_sitemap(
        fixture_text("discover/sitemap-index.xml").as_bytes(),
        &url("https://newsroom.example/sitemap.xml"),
    )
    .unwrap();
    assert!(map.urls.is_empty());
    let children: Vec<&str> = map.sitemaps.iter().map(Url::as_str).collect();
    assert_eq!(
        children,
        [
            "https://newsroom.example/sitemaps/news.xml",
            "https://newsroom.example/sitemaps/2020-12.xml.gz"
        ]
    );
}

#[test]
fn news_sitemap_plain_and_gzipped() {
    let text = fixture_text("discover/sitemap-news.xml");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let base = url("https://newsroom.example/sitemaps/news.xml");
    for bytes in [text.as_bytes(), gz.as_slice()] {
        let map = parse_sitemap(bytes, &base).unwrap();
        assert_eq!(
            urls(&map.urls),
            [
                "https://newsroom.example/politics/lachin-district-returned",
                "https://newsroom.example/search?q=lachin&page=2",
                "https://newsroom.example/world/lachin-corridor",
            ]
        );
        assert_eq!(
            map.urls[0].updated.unwrap().to_rfc3339(),
            "2020-12-03T05:15:00+00:00"
        );
        assert_eq!(
            map.urls[0].published.unwrap().to_rfc3339(),
            "2020-12-02T06:05:00+00:00"
        );
        assert_eq!(
            map.urls[1].updated.unwrap().to_rfc3339(),
            "2020-12-01T00:00:00+00:00"
        );
    }
}

#[test]
fn index_page_links_matching_the_pattern_once_each() {
    let pattern = Regex::new(r"^https://newsroom\.example/(politics|world)/[a-z-]+$").unwrap();
    let found = index_links(
        &fixture_text("discover/index.html"),
        &url("https://newsroom.example/"),
        &pattern,
    );
    let found: Vec<&str> = found.iter().map(Url::as_str).collect();
    assert_eq!(
        found,
        [
            "https://newsroom.example/politics/lachin-district-returned",
            "https://newsroom.example/world/lachin-corridor"
        ]
    );
}

#[test]
fn malformed_input_is_a_parse_error_naming_the_url() {
    let base = url("https://newsroom.example/x.xml");
    for bad in [
        &b"<rss><channel><item>"[..],
        b"\x00\x01binary",
        b"{\"version\": 3",
    ] {
        let err = parse_feed(bad, &base).unwrap_err().to_string();
        assert!(
            err.contains("https://newsroom.example/x.xml") && err.contains("feed"),
            "{err}"
        );
    }
    for bad in [
        &b"<html><body>not a sitemap</body></html>"[..],
        b"<urlset><url><loc>x</loc></url",
        b"\x1f\x8bnot gzip",
        b"",
    ] {
        let err = parse_sitemap(bad, &base).unwrap_err().to_string();
        assert!(err.contains("sitemap"), "{err}");
    }
}

#[test]
fn a_gzip_bomb_sitemap_is_refused() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(b"<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">")
        .unwrap();
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..60 {
        gz.write_all(&spaces).unwrap();
    }
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 1 << 20);
    let err = parse_sitemap(&bomb, &url("https://newsroom.example/s.xml.gz"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("uncompressed"), "{err}");
}
