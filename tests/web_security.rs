//! Security of the web interface: hostile article content never reaches a page as markup,
//! untrusted URLs never become `javascript:` links, every response carries the strict
//! headers, and nothing but GET and HEAD is answered.

#![allow(
    clippy::unwrap_used,
    reason = "the checks are shared by both engines' #[test]s, outside them"
)]

#[path = "common/postgres.rs"]
mod pg_cluster;
mod web_support;

use scraper::{Html, Selector};
use web_support::{HARBOUR, Server, XSS_SITE, XSS_TITLE, XSS_URL, enc, header};

/// Every way a page could run script: script/iframe/object elements, event-handler
/// attributes, and script-bearing URLs in any attribute.
fn assert_inert(path: &str, body: &str) {
    let doc = Html::parse_document(body);
    for tag in [
        "script", "iframe", "object", "embed", "img", "b", "i", "base",
    ] {
        let n = doc
            .select(&Selector::parse(tag).expect("test helper"))
            .count();
        assert_eq!(n, 0, "{path}: a <{tag}> element came through:\n{body}");
    }
    for el in doc.select(&Selector::parse("*").expect("test helper")) {
        for (name, value) in el.value().attrs() {
            assert!(
                !name.starts_with("on"),
                "{path}: event handler {name}={value}"
            );
            let v = value.trim().to_ascii_lowercase();
            // Attributes a browser follows or loads; others (an input's value) are inert.
            if matches!(
                name,
                "href" | "src" | "action" | "formaction" | "poster" | "data" | "srcset"
            ) {
                assert!(
                    !(v.starts_with("javascript:")
                        || v.starts_with("data:")
                        || v.starts_with("vbscript:")),
                    "{path}: {name}=\"{value}\" in <{}>",
                    el.value().name()
                );
                assert!(
                    v.starts_with('/')
                        || v.starts_with("http://")
                        || v.starts_with("https://")
                        || v.starts_with('#'),
                    "{path}: unexpected link target {value}"
                );
            }
        }
    }
}

async fn hostile_title_byline_body_site_and_url_stay_text(s: Server) {
    let u = enc(XSS_URL);
    let pages = [
        "/".to_owned(),
        "/articles".to_owned(),
        "/sites".to_owned(),
        format!("/site?name={}", enc(XSS_SITE)),
        format!("/?site={}", enc(XSS_SITE)),
        format!("/article?url={u}"),
        format!("/version?url={u}&n=1"),
        format!("/version?url={u}&n=2"),
        format!("/diff?url={u}&from=1&to=2"),
        format!("/diff?url={u}&from=1&to=2&view=side"),
        format!("/diff?url={u}&from=0&to=2"),
        "/search?q=mayor".to_owned(),
        format!("/search?q={}", enc("<script>alert(1)</script>")),
        format!("/article?url={}", enc("<script>alert(7)</script>")),
    ];
    for path in &pages {
        let resp = s.get(path).await;
        let status = resp.status();
        let body = resp.text().await.unwrap();
        assert!(status == 200 || status == 404, "{path}: {status}");
        assert_inert(path, &body);
    }
    // The hostile strings are shown, as text.
    let version = s.text(&format!("/version?url={u}&n=1"), "text/html").await;
    let doc = Html::parse_document(&version);
    let text: String = doc.root_element().text().collect();
    assert!(text.contains(XSS_TITLE), "title shown verbatim as text");
    assert!(text.contains("<img src=x onerror=alert('byline')>"));
    assert!(text.contains("<script>alert('body')</script>"));
    assert!(text.contains(XSS_URL), "the URL is shown but never linked");
    let diff = s
        .text(&format!("/diff?url={u}&from=1&to=2"), "text/html")
        .await;
    let doc = Html::parse_document(&diff);
    let ins: String = doc
        .select(&Selector::parse("ins").unwrap())
        .flat_map(|e| e.text())
        .collect();
    assert!(
        ins.contains("<iframe src=\"javascript:alert(6)\"></iframe>"),
        "{ins}"
    );
    s.stop().await;
}

async fn feeds_and_memento_headers_carry_no_live_markup(s: Server) {
    let u = enc(XSS_URL);
    for path in [
        "/feed.atom".to_owned(),
        format!("/feed/article.atom?url={u}"),
        format!("/feed/site.atom?name={}", enc(XSS_SITE)),
    ] {
        let xml = s.text(&path, "application/atom+xml").await;
        let feed = feed_rs::parser::parse(xml.as_bytes()).unwrap();
        for e in &feed.entries {
            if let Some(body) = e.content.as_ref().and_then(|c| c.body.as_deref()) {
                assert_inert(&path, body);
            }
            for l in &e.links {
                assert!(
                    l.href.starts_with(&s.base) || l.href.starts_with("https://"),
                    "{path}: {}",
                    l.href
                );
            }
        }
    }
    let resp = s.get(&format!("/version?url={u}&n=1")).await;
    let link = header(&resp, "link");
    // The original is data for Memento clients, percent-safe inside its brackets.
    assert!(
        link.starts_with("<javascript:alert(document.cookie)//x>; rel=\"original\""),
        "{link}"
    );
    s.stop().await;
}

async fn every_response_has_strict_headers(s: Server) {
    for path in [
        "/".to_owned(),
        format!("/diff?url={}", enc(HARBOUR)),
        format!("/card?url={}", enc(XSS_URL)),
        "/api/list".to_owned(),
        "/feed.atom".to_owned(),
        "/nope".to_owned(),
        "/api/history?url=nope".to_owned(),
        "/style.css".to_owned(),
        "/metrics".to_owned(),
    ] {
        let r = s.get(&path).await;
        let csp = header(&r, "content-security-policy");
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(csp.contains("style-src 'self'") && csp.contains("form-action 'self'"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(
            !csp.contains("script-src"),
            "no script source is ever allowed"
        );
        assert_eq!(header(&r, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&r, "x-frame-options"), "DENY");
        assert!(
            !header(&r, "content-type").is_empty(),
            "{path}: a declared content type"
        );
    }
    // Markup in every field is only pixels on a card.
    let card = s.get(&format!("/card?url={}", enc(XSS_URL))).await;
    assert_eq!(card.status(), 200);
    assert_eq!(header(&card, "content-type"), "image/png");
}

async fn only_get_and_head_are_answered(s: Server) {
    let client = reqwest::Client::new();
    for (method, path) in [
        (reqwest::Method::POST, "/"),
        (reqwest::Method::POST, "/api/history"),
        (reqwest::Method::PUT, "/api/list"),
        (reqwest::Method::DELETE, "/article"),
        (reqwest::Method::PATCH, "/nope"),
        (
            reqwest::Method::POST,
            "/timegate/https://news.example/city/harbour-bridge",
        ),
    ] {
        let r = client
            .request(method.clone(), format!("{}{path}", s.base))
            .body("url=https://attacker.example/")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405, "{method} {path}");
        assert_eq!(header(&r, "allow"), "GET, HEAD");
    }
    // Nothing was added by those requests.
    let list = s.text("/api/list", "application/json").await;
    assert!(!list.contains("attacker"));
    s.stop().await;
}

on_both_engines!(
    hostile_title_byline_body_site_and_url_stay_text,
    feeds_and_memento_headers_carry_no_live_markup,
    every_response_has_strict_headers,
    only_get_and_head_are_answered,
);
