//! Title and byline on pages whose structured data says less than the page: the visible
//! headline over a title rewritten for search, the site's name cut, a person's byline over a
//! publisher named as author, and labels and roles cut from the name.

use emend::extract::{Options, extract};
use emend::model::Article;

fn fixture(name: &str) -> Article {
    let path = format!(
        "{}/fixtures/metadata/{name}.html",
        env!("CARGO_MANIFEST_DIR")
    );
    let html = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    extract(&html, &Options::default())
}

#[test]
fn visible_headline_and_person_byline_win_over_search_title_and_publisher() {
    let a = fixture("seo_title_org_author");
    assert_eq!(
        a.title.as_deref(),
        Some("River bridge repairs divide the council")
    );
    assert_eq!(a.byline.as_deref(), Some("Ann Writer"));
}

#[test]
fn an_h1_that_is_the_site_name_is_not_the_title() {
    let a = fixture("site_name_h1");
    assert_eq!(
        a.title.as_deref(),
        Some("Defer, panic and recover in three steps")
    );
    assert_eq!(a.byline.as_deref(), Some("Ann Writer, Bo Reader"));
}

#[test]
fn byline_labels_and_reading_times_are_cut() {
    let path = format!(
        "{}/fixtures/metadata/site_name_h1.html",
        env!("CARGO_MANIFEST_DIR")
    );
    let html = std::fs::read_to_string(&path).expect("fixture");
    // Without JSON-LD, the byline comes from the author element's own text.
    let start = html.find("<script").expect("script");
    let end = html.find("</script>").expect("script end") + "</script>".len();
    let bare = format!("{}{}", &html[..start], &html[end..]);
    let a = extract(&bare, &Options::default());
    assert_eq!(a.byline.as_deref(), Some("Ann Writer"));
}

#[test]
fn a_masthead_h1_a_site_named_og_title_and_a_blogs_name_are_not_the_title() {
    // The first <h1> links to the section the page sits in; the first og:title is the site's
    // name; the JSON-LD is the Blog, whose one post is the article.
    let a = fixture("masthead_h1");
    assert_eq!(a.title.as_deref(), Some("How the tide tables are computed"));
    // The JSON-LD author is a template's unfilled variable; the visible byline is the name,
    // without its bullet and reading time.
    assert_eq!(a.byline.as_deref(), Some("Mara Quill"));
}

#[test]
fn a_two_word_title_the_h1_repeats_is_kept_and_dates_or_prose_are_no_byline() {
    // The <h1> and the <title>'s short head agree (the tail is the site's name), and two
    // sources the reader sees outvote a JSON-LD headline that tells another story.
    let a = fixture("section_title");
    assert_eq!(a.title.as_deref(), Some("Webcams"));
    assert_eq!(a.byline, None);
}
