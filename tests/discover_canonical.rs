//! Canonicalisation and index pages: one article is one record however it was reached.

mod common;

use emend::discover::{canonicalize, index_links};
use regex::Regex;
use url::Url;

#[test]
fn canonicalization_table() {
    let cases = [
        // Scheme and host case, default ports, fragments.
        ("HTTPS://Example.ORG/News/A", "https://example.org/News/A"),
        ("https://example.org:443/a", "https://example.org/a"),
        ("http://example.org:80/a", "http://example.org/a"),
        ("http://example.org:8080/a", "http://example.org:8080/a"),
        ("https://example.org/a#comments", "https://example.org/a"),
        ("https://example.org", "https://example.org/"),
        // Tracking parameters go, others keep order and encoding.
        (
            "https://example.org/a?utm_source=rss&utm_medium=feed",
            "https://example.org/a",
        ),
        (
            "https://example.org/a?UTM_Campaign=x&id=5",
            "https://example.org/a?id=5",
        ),
        (
            "https://example.org/a?b=2&fbclid=IwAR&a=1&gclid=x",
            "https://example.org/a?b=2&a=1",
        ),
        (
            "https://example.org/a?dclid=1&msclkid=2&mc_cid=3&mc_eid=4&yclid=5&_ga=6&ref_src=7&igshid=8",
            "https://example.org/a",
        ),
        (
            "https://example.org/a?q=caf%C3%A9+au+lait&xtor=RSS-1",
            "https://example.org/a?q=caf%C3%A9+au+lait",
        ),
        (
            "https://example.org/a?utm%5Fsource=encoded-name",
            "https://example.org/a",
        ),
        (
            "https://example.org/a?flag&utm_source=x",
            "https://example.org/a?flag",
        ),
        ("https://example.org/a?", "https://example.org/a"),
        ("https://example.org/a?&&", "https://example.org/a"),
        (
            "https://example.org/a?page=2#x",
            "https://example.org/a?page=2",
        ),
        // Look-alikes are not tracking parameters.
        (
            "https://example.org/a?ref=home&utm=1&source=x",
            "https://example.org/a?ref=home&utm=1&source=x",
        ),
        // Path case and trailing slash are the server's business.
        ("https://example.org/News/A/", "https://example.org/News/A/"),
        // IDN hosts end up in their ASCII form either way.
        (
            "https://BÜCHER.example/a",
            "https://xn--bcher-kva.example/a",
        ),
    ];
    for (input, want) in cases {
        let got = canonicalize(&Url::parse(input).unwrap());
        assert_eq!(got.as_str(), want, "canonicalize({input})");
        // Idempotent: canonicalising a key again must not give another key.
        assert_eq!(canonicalize(&got), got, "idempotent for {input}");
    }
}

#[test]
fn index_page_links_resolved_filtered_and_deduplicated() {
    let html = common::fixture_text("discover/index.html");
    let page = Url::parse("https://example.org/").unwrap();
    let pattern = Regex::new(r"^https://example\.org/news/\d{4}/").unwrap();
    let links = index_links(&html, &page, Some(&pattern));
    let links: Vec<_> = links.iter().map(Url::as_str).collect();
    assert_eq!(
        links,
        vec![
            // Relative to <base href="/news/">, tracking dropped; the #comments link merges.
            "https://example.org/news/2024/05/07/council-budget",
            "https://example.org/news/2024/05/06/harbour-reopens",
            "https://example.org/news/2024/05/05/guid-only",
            "https://example.org/news/2024/05/04/Mixed-Case",
        ]
    );
}

#[test]
fn index_page_without_base_and_with_broken_markup() {
    let page = Url::parse("https://example.org/section/world/").unwrap();
    let html = r#"<p><a href="story-1">one<a href='../other/2'>two</a><a href="ftp://example.org/f">ftp</a>
        <a href="http://[::1">bad</a><a>no href</a><a href="  story-1  ">again</a>"#;
    let links = index_links(html, &page, None);
    let links: Vec<_> = links.iter().map(Url::as_str).collect();
    assert_eq!(
        links,
        vec![
            "https://example.org/section/world/story-1",
            "https://example.org/section/other/2",
        ]
    );
    assert!(index_links("", &page, None).is_empty());
}

proptest::proptest! {
    /// Whatever the query, the canonical form is a fixed point and carries no tracking parameter,
    /// and every non-tracking parameter survives in order.
    #[test]
    fn canonical_form_is_stable(
        path in "[a-zA-Z0-9/_-]{0,20}",
        params in proptest::collection::vec(
            ("(utm_[a-z]{1,6}|fbclid|gclid|page|id|q|[a-z]{1,5})", "[a-zA-Z0-9%+.-]{0,8}"),
            0..6,
        ),
        fragment in proptest::option::of("[a-z]{0,5}"),
    ) {
        let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut input = format!("https://Example.org:443/{path}?{}", query.join("&"));
        if let Some(f) = fragment {
            input.push('#');
            input.push_str(&f);
        }
        let url = Url::parse(&input).unwrap();
        let once = canonicalize(&url);
        proptest::prop_assert_eq!(canonicalize(&once), once.clone());
        proptest::prop_assert!(once.fragment().is_none());
        proptest::prop_assert_eq!(once.host_str(), Some("example.org"));
        let kept: Vec<String> = once
            .query_pairs()
            .map(|(k, _)| k.into_owned())
            .collect();
        let want: Vec<String> = params
            .iter()
            .map(|(k, _)| k.clone())
            .filter(|k| !emend::discover::is_tracking_param(k))
            .collect();
        proptest::prop_assert_eq!(kept, want);
    }
}
