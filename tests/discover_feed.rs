//! Feeds → article URLs and dates: RSS 2.0 with content:encoded, Atom, JSON Feed, malformed input.

mod common;

use chrono::{DateTime, Utc};
use emend::Error;
use emend::discover::{Discovered, parse_feed};
use url::Url;

fn fixture(name: &str) -> Vec<u8> {
    common::fixture_bytes(&format!("discover/{name}"))
}

fn at(s: &str) -> Option<DateTime<Utc>> {
    Some(common::utc(s))
}

/// (url, updated, published)
type Found<'a> = (&'a str, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

fn found(items: &[Discovered]) -> Vec<Found<'_>> {
    items
        .iter()
        .map(|d| (d.url.as_str(), d.updated, d.published))
        .collect()
}

#[test]
fn rss2_with_content_encoded_relative_links_and_tracking() {
    let feed_url = Url::parse("https://example.org/rss.xml").unwrap();
    let items = parse_feed(&fixture("rss2.xml"), &feed_url).unwrap();
    // RSS items have no "updated" of their own: feed-rs reports pubDate for both, which still
    // works as a re-check hint (it moves when the site re-dates the item).
    assert_eq!(
        found(&items),
        vec![
            (
                "https://example.org/news/2024/05/07/council-budget",
                at("2024-05-07T07:30:00Z"),
                at("2024-05-07T07:30:00Z")
            ),
            (
                "https://example.org/news/2024/05/06/harbour-reopens?page=2",
                at("2024-05-06T17:05:00Z"),
                at("2024-05-06T17:05:00Z")
            ),
            (
                "https://example.org/news/2024/05/05/guid-only",
                at("2024-05-05T12:00:00Z"),
                at("2024-05-05T12:00:00Z")
            ),
        ]
    );
}

#[test]
fn atom_alternate_link_xml_base_and_dates() {
    let feed_url = Url::parse("https://blog.example.net/atom.xml").unwrap();
    let items = parse_feed(&fixture("atom.xml"), &feed_url).unwrap();
    assert_eq!(
        found(&items),
        vec![
            (
                "https://blog.example.net/posts/bridge-figures?lang=en",
                at("2024-05-07T10:00:00Z"),
                at("2024-05-01T07:00:00Z")
            ),
            (
                "https://blog.example.net/posts/second",
                at("2024-04-30T08:00:00Z"),
                None
            ),
        ]
    );
}

#[test]
fn json_feed_urls_and_dates() {
    let feed_url = Url::parse("https://json.example.com/feed.json").unwrap();
    let items = parse_feed(&fixture("feed.json"), &feed_url).unwrap();
    assert_eq!(
        found(&items),
        vec![
            (
                "https://json.example.com/stories/one",
                at("2024-05-03T08:15:00Z"),
                at("2024-05-02T15:00:00Z")
            ),
            (
                "https://json.example.com/stories/two",
                None,
                at("2024-05-01T00:00:00Z")
            ),
        ]
    );
}

#[test]
fn malformed_feeds_are_parse_errors_naming_the_url() {
    let feed_url = Url::parse("https://example.org/rss.xml").unwrap();
    let inputs: [&[u8]; 6] = [
        b"",
        b"<html><body>Not a feed</body></html>",
        b"{\"not\": \"a feed\"}",
        b"\xff\xfe\x00garbage",
        b"<rss version=\"2.0\"><channel><item><title>cut off",
        b"<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry></feed>",
    ];
    for input in inputs {
        match parse_feed(input, &feed_url) {
            Err(Error::Parse { url, kind, .. }) => {
                assert_eq!(url, feed_url.as_str());
                assert_eq!(kind, "feed");
            }
            other => panic!("{:?} gave {other:?}", String::from_utf8_lossy(input)),
        }
    }
}
