//! The seed case: a news page whose site header prints a render-time "Last update" stamp while the
//! article carries its own date; the extractor must use the article's stamps and keep furniture out of the text.

use emend::config::Selectors;
use emend::extract::{Options, extract};
use emend::model::FieldSource;

const TEMPLATE: &str = include_str!("../fixtures/extract/seed_template.html");

#[derive(Clone)]
struct State<'a> {
    header_stamp: &'a str,
    updated: &'a str,
    extra: &'a str,
    head_extra: &'a str,
}

const BASE: State<'static> = State {
    header_stamp: "April 25, 2024 16:32",
    updated: "",
    extra: "",
    head_extra: "",
};

fn page(s: &State<'_>) -> String {
    TEMPLATE
        .replace("{{HEADER_STAMP}}", s.header_stamp)
        .replace("{{UPDATED}}", s.updated)
        .replace("{{EXTRA}}", s.extra)
        .replace("{{AD_TOP}}", "Advertisement: buy now")
        .replace("{{COMMENTS}}", "12")
        .replace(
            "{{MOST_READ}}",
            "<li><a href=\"/a\">Another story everyone reads</a></li>",
        )
        .replace("{{RELATED}}", "<li><a href=\"/b\">A related story</a></li>")
        .replace("{{COOKIE}}", "Read our policy.")
        .replace("{{RENDERED}}", "2024-04-25 16:32:07")
        .replace("</head>", &format!("{}</head>", s.head_extra))
}

fn run(s: &State<'_>) -> emend::model::Article {
    extract(&page(s), &Options::default())
}

#[test]
fn body_text_is_the_article_only() {
    let a = run(&BASE);
    assert!(
        a.text.starts_with("The Lachin district, situated between"),
        "{}",
        a.text
    );
    assert!(
        a.text.contains("\n\nThe Lachin district has been returned"),
        "paragraphs separated by blank lines"
    );
    for furniture in [
        "Last update",
        "Politics",
        "Advertisement",
        "comments",
        "Russian peacekeepers near",
        "Share on",
        "Most read",
        "related story",
        "cookies",
        "rendered",
        "By Vusala",
    ] {
        assert!(
            !a.text.contains(furniture),
            "{furniture:?} leaked into the text:\n{}",
            a.text
        );
    }
    assert_eq!(
        a.title.as_deref(),
        Some(
            "After Withdrawal Of Armenia's Troops, Azerbaijan Regains Control Over Lachin District"
        )
    );
    assert_eq!(a.byline.as_deref(), Some("Vusala Abbasova"));
}

#[test]
fn page_header_stamp_is_ignored_when_the_article_dates_itself() {
    let a = run(&BASE);
    assert_eq!(a.published.as_deref(), Some("2020-12-02"));
    assert_eq!(
        a.last_update, None,
        "the header's render-time stamp is not the article's"
    );
    let b = run(&State {
        header_stamp: "April 26, 2024 09:01",
        ..BASE
    });
    assert_eq!(
        a, b,
        "a new header stamp must not change anything extracted"
    );
}

#[test]
fn visible_update_stamp_inside_the_article_is_used() {
    let a = run(&State {
        updated: r#" <span class="upd">Updated: December 3, 2020 10:15</span>"#,
        ..BASE
    });
    assert_eq!(
        a.last_update.as_deref(),
        Some("2020-12-03T10:15:00"),
        "local time kept, no offset invented"
    );
    assert_eq!(a.sources.last_update, Some(FieldSource::Text));
    assert!(!a.text.contains("Updated"));
}

#[test]
fn time_element_with_update_marker_is_used() {
    let a = run(&State {
        updated: r#" <time class="updated" datetime="2020-12-03T10:15:00+04:00">Dec 3</time>"#,
        ..BASE
    });
    assert_eq!(a.last_update.as_deref(), Some("2020-12-03T10:15:00+04:00"));
    assert_eq!(a.sources.last_update, Some(FieldSource::Time));
}

#[test]
fn json_ld_beats_meta_beats_visible_stamp() {
    let visible = r#" <span class="upd">Updated: December 3, 2020 10:15</span>"#;
    let meta = r#"<meta property="article:modified_time" content="2020-12-04T08:00:00+04:00">"#;
    let ld = r#"<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"NewsArticle","headline":"Lachin","dateModified":"2020-12-05T09:30:00+04:00","datePublished":"2020-12-02T11:00:00+04:00","author":{"@type":"Person","name":"Vusala Abbasova"}}]}</script>"#;
    let a = run(&State {
        updated: visible,
        head_extra: meta,
        ..BASE
    });
    assert_eq!(a.last_update.as_deref(), Some("2020-12-04T08:00:00+04:00"));
    assert_eq!(a.sources.last_update, Some(FieldSource::Meta));
    let both = format!("{meta}{ld}");
    let b = run(&State {
        updated: visible,
        head_extra: &both,
        ..BASE
    });
    assert_eq!(b.last_update.as_deref(), Some("2020-12-05T09:30:00+04:00"));
    assert_eq!(b.sources.last_update, Some(FieldSource::JsonLd));
    assert_eq!(b.published.as_deref(), Some("2020-12-02T11:00:00+04:00"));
    assert_eq!(b.sources.byline, Some(FieldSource::JsonLd));
}

#[test]
fn site_selector_beats_everything() {
    let ld = r#"<script type="application/ld+json">{"@type":"NewsArticle","dateModified":"2020-12-05T09:30:00+04:00"}</script>"#;
    let sel = Selectors {
        last_update: Some(".upd".into()),
        timezone: Some("Asia/Baku".into()),
        exclude: vec![".article-body p:first-child".into()],
        ..Selectors::default()
    };
    let html = page(&State {
        updated: r#" <span class="upd">Updated: December 3, 2020 10:15</span>"#,
        head_extra: ld,
        ..BASE
    });
    let a = extract(
        &html,
        &Options {
            url: None,
            selectors: Some(&sel),
        },
    );
    assert_eq!(a.last_update.as_deref(), Some("2020-12-03T10:15:00+04:00"));
    assert_eq!(a.sources.last_update, Some(FieldSource::Selector));
    assert!(
        !a.text.contains("situated between"),
        "excluded paragraph must be gone"
    );
}

#[test]
fn content_selector_that_matches_nothing_falls_back() {
    let sel = Selectors {
        content: Some("#no-such-thing".into()),
        title: Some("h1".into()),
        ..Selectors::default()
    };
    let a = extract(
        &page(&BASE),
        &Options {
            url: None,
            selectors: Some(&sel),
        },
    );
    assert!(a.text.starts_with("The Lachin district"));
    assert_eq!(a.sources.title, Some(FieldSource::Selector));
}

#[test]
fn page_wide_stamp_is_the_last_resort() {
    let html = "<html><body><div class=top>Last update: April 25, 2024 16:32</div><div><p>Some article text that is long enough to count as a paragraph, with commas, and more words to read.</p></div></body></html>";
    let a = extract(html, &Options::default());
    assert_eq!(a.last_update.as_deref(), Some("2024-04-25T16:32:00"));
    assert_eq!(a.sources.last_update, Some(FieldSource::Text));
}

#[test]
fn paragraph_added_is_in_the_text() {
    let a = run(&State {
        extra: "<p>A new paragraph was added after publication, with fresh details.</p>",
        ..BASE
    });
    assert!(
        a.text
            .ends_with("A new paragraph was added after publication, with fresh details."),
        "{}",
        a.text
    );
}

#[test]
fn header_stamp_in_the_same_wrapper_as_the_article_is_still_ignored() {
    // No <article>, no <header>: the site bar and the story share one wrapper.
    let html = r#"<html><body><div class="wrap"><div class="bar">Last update: April 25, 2024 16:32</div>
        <div class="story"><h1>Azerbaijan Regains Control Over Lachin District</h1>
        <div class="meta">By Vusala Abbasova December 2, 2020</div>
        <p>The Lachin district, situated between the Nagorno-Karabakh region of Azerbaijan and Armenia, was the last of the three areas to be returned.</p>
        <p>The Lachin district has been returned to Azerbaijan on December 1 after 28 years, following the terms of a ceasefire deal.</p></div></div></body></html>"#;
    let a = extract(html, &Options::default());
    assert_eq!(a.last_update, None, "{:?}", a.sources.last_update);
    assert_eq!(a.published.as_deref(), Some("2020-12-02"));
    let with_update = html.replace(
        "December 2, 2020</div>",
        "December 2, 2020 · Updated: December 3, 2020 09:00</div>",
    );
    let b = extract(&with_update, &Options::default());
    assert_eq!(b.last_update.as_deref(), Some("2020-12-03T09:00:00"));
}
