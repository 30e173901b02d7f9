//! Hostile input: huge pages, deep nesting, malformed markup and binary garbage must return within a time bound, never panic.

use std::sync::mpsc;
use std::time::Duration;

use emend::extract::{Options, extract};
use emend::model::Article;
use proptest::prelude::*;

/// Runs the extractor on its own thread (with a normal 2 MiB stack) and fails if it takes longer than `limit`.
/// Bounds are generous because tests run unoptimised; release builds are ~10x faster.
fn bounded(html: String, limit: Duration) -> Article {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let a = extract(&html, &Options::default());
            let _ = tx.send(a);
        })
        .expect("test helper");
    rx.recv_timeout(limit)
        .expect("extraction did not finish in time (or panicked)")
}

#[test]
fn ten_mebibyte_page() {
    let para = "<p>A long paragraph of article text, with commas, clauses, and enough words to score well.</p>\n";
    let mut html = String::from("<html><head><title>Big</title></head><body><article>");
    while html.len() < 10 << 20 {
        html.push_str(para);
    }
    html.push_str("</article></body></html>");
    let a = bounded(html, Duration::from_secs(60));
    assert!(a.text.len() > 1 << 20);
}

#[test]
fn ten_thousand_deep_nesting() {
    for tag in ["div", "span", "section", "li"] {
        let html = format!(
            "<html><body>{}<p>Deep text, deep down, with commas, and words.</p>{}</body></html>",
            format!("<{tag}>").repeat(10_000),
            format!("</{tag}>").repeat(10_000)
        );
        let a = bounded(html, Duration::from_secs(60));
        assert!(a.text.contains("Deep text"), "{tag}: {:?}", a.text);
    }
}

#[test]
fn unclosed_and_misnested_formatting_tags() {
    let html = format!(
        "<html><body><p>{}text</p></body></html>",
        "<b><i><a href=x>".repeat(3_000)
    );
    let _ = bounded(html, Duration::from_secs(60));
}

#[test]
fn malformed_markup() {
    let html = r#"<html><body><div class="article-body"><p>First paragraph, with text, that matters a lot.<p>Second <b>bold <i>nested</b> wrong</i> order and more words here.</div></p></td><table><tr><td>cell<td>cell 2</table><p attr=unquoted>Third paragraph, unterminated <!-- comment <script>var x = "</p>";</script>"#;
    let a = bounded(html.to_owned(), Duration::from_secs(10));
    assert!(a.text.contains("First paragraph"));
    assert!(!a.text.contains("var x"));
}

#[test]
fn binary_garbage() {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..2 << 20)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let html = String::from_utf8_lossy(&bytes).into_owned();
    let _ = bounded(html, Duration::from_secs(60));
}

#[test]
fn empty_and_tiny_inputs() {
    for html in [
        "",
        " ",
        "<",
        "<html>",
        "</p>",
        "\u{0}",
        "<script>",
        "<title>Only a title</title>",
    ] {
        let _ = bounded(html.to_owned(), Duration::from_secs(5));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,400}") {
        let _ = extract(&s, &Options::default());
    }

    #[test]
    fn arbitrary_tag_soup_never_panics(parts in proptest::collection::vec(
        prop_oneof![
            Just("<div>".to_owned()), Just("</div>".to_owned()), Just("<p>".to_owned()), Just("</p>".to_owned()),
            Just("<table><tr><td>".to_owned()), Just("</td>".to_owned()), Just("<ul><li>".to_owned()),
            Just("<a href='x'>".to_owned()), Just("</a>".to_owned()), Just("<br>".to_owned()),
            Just("<script type='application/ld+json'>{\"@type\":\"NewsArticle\",\"dateModified\":".to_owned()),
            Just("</script>".to_owned()), Just("<time datetime='2024-13-45T99:99'>".to_owned()),
            Just("Updated: ".to_owned()), Just("By ".to_owned()), "[a-zA-Z0-9 ,.:]{0,60}",
        ], 0..80)) {
        let html = parts.concat();
        let _ = extract(&html, &Options::default());
    }
}

#[test]
fn nested_lookalike_wrappers_stay_linear() {
    // Classes that trigger the embed, byline and stamp look-ups, nested deep, with a quote and a time at the bottom.
    let open = "<div class=\"social-embed author\"><span class=\"updated\">".repeat(5_000);
    let close = "</span></div>".repeat(5_000);
    let html = format!(
        "<html><body><article>{open}<blockquote><p>Quoted words, with commas, and more words to count.</p></blockquote><time datetime=\"2024-04-25T16:32:00Z\">now</time>{close}</article></body></html>"
    );
    let _ = bounded(html, Duration::from_secs(60));
}
