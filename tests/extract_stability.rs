//! Change tracking relies on this: renderings of one article that differ only in rotating
//! furniture (ads, most read, trending, comment counts, cookie banners, render times, related links)
//! must extract to byte-identical text and metadata.

use emend::diff::{classify, content_hash};
use emend::extract::{Options, extract};
use emend::model::ChangeKind;
use proptest::prelude::*;

const TEMPLATE: &str = include_str!("../fixtures/extract/seed_template.html");

#[derive(Debug, Clone)]
struct Furniture {
    header_stamp: String,
    ad: String,
    comments: u32,
    most_read: Vec<String>,
    related: Vec<String>,
    cookie: String,
    rendered: String,
}

fn page(f: &Furniture) -> String {
    let li = |items: &[String]| {
        items
            .iter()
            .map(|t| format!("<li><a href=\"/s/{}\">{t}</a></li>", t.len()))
            .collect::<String>()
    };
    TEMPLATE
        .replace("{{HEADER_STAMP}}", &f.header_stamp)
        .replace("{{UPDATED}}", "")
        .replace("{{EXTRA}}", "")
        .replace("{{AD_TOP}}", &f.ad)
        .replace("{{COMMENTS}}", &f.comments.to_string())
        .replace("{{MOST_READ}}", &li(&f.most_read))
        .replace("{{RELATED}}", &li(&f.related))
        .replace("{{COOKIE}}", &f.cookie)
        .replace("{{RENDERED}}", &f.rendered)
}

fn headline() -> impl Strategy<Value = String> {
    "[A-Z][a-z]{2,9}( [a-z]{2,9}){2,9}"
}

fn furniture() -> impl Strategy<Value = Furniture> {
    (
        (1u32..28, 0u32..24, 0u32..60)
            .prop_map(|(d, h, m)| format!("April {d}, 2024 {h:02}:{m:02}")),
        "(Advertisement|Sponsored|Ad)?[A-Za-z ,.]{0,80}",
        0u32..100_000,
        proptest::collection::vec(headline(), 0..8),
        proptest::collection::vec(headline(), 0..6),
        "[A-Za-z ,.]{0,120}",
        (0u32..24, 0u32..60, 0u32..60)
            .prop_map(|(h, m, s)| format!("2024-04-25 {h:02}:{m:02}:{s:02}")),
    )
        .prop_map(
            |(header_stamp, ad, comments, most_read, related, cookie, rendered)| Furniture {
                header_stamp,
                ad,
                comments,
                most_read,
                related,
                cookie,
                rendered,
            },
        )
}

fn baseline() -> Furniture {
    Furniture {
        header_stamp: "April 25, 2024 16:32".into(),
        ad: "Advertisement".into(),
        comments: 3,
        most_read: vec!["A story people read".into()],
        related: vec!["Something related".into()],
        cookie: "We value your privacy.".into(),
        rendered: "2024-04-25 16:32:00".into(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn furniture_changes_do_not_change_the_extraction(f in furniture()) {
        let opts = Options::default();
        let base = extract(&page(&baseline()), &opts);
        let other = extract(&page(&f), &opts);
        prop_assert_eq!(&base.text, &other.text);
        prop_assert_eq!(&base.title, &other.title);
        prop_assert_eq!(&base.byline, &other.byline);
        prop_assert_eq!(&base.published, &other.published);
        prop_assert_eq!(&base.last_update, &other.last_update);
    }
}

#[test]
fn invisible_variants_extract_identically() {
    let a = page(&baseline());
    let b = a
        .replace("Lachin district", "Lachin\u{00A0}district")
        .replace("situated", "situ\u{00AD}ated")
        .replace("returned", "re\u{200B}turned");
    let opts = Options::default();
    assert_eq!(extract(&a, &opts).text, extract(&b, &opts).text);
}

/// Quotes are kept as printed, so a curly and a straight render differ in text; the states
/// still compare as the same content, so the flip is no version.
#[test]
fn quote_variants_keep_their_quotes_and_compare_unchanged() {
    let a = page(&baseline());
    let b = a.replace("Armenia's", "Armenia\u{2019}s");
    let opts = Options::default();
    let (straight, curly) = (extract(&a, &opts), extract(&b, &opts));
    assert!(straight.text.contains("Armenia's"));
    assert!(curly.text.contains("Armenia\u{2019}s"));
    assert_eq!(classify(Some(&straight), &curly), ChangeKind::Unchanged);
    assert_eq!(content_hash(&straight), content_hash(&curly));
}
