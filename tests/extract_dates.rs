//! The article's own dates: every markup form a page may use for `published` and `last_update`
//! is read, values are RFC 3339 in the page's offset or null, and dates of comments, embeds,
//! references, related lists and the site's header never become the article's.

use emend::extract::{Options, extract};
use emend::model::{Article, FieldSource};

fn fixture(name: &str) -> Article {
    let path = format!("{}/fixtures/dates/{name}.html", env!("CARGO_MANIFEST_DIR"));
    let html = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    extract(&html, &Options::default())
}

/// (fixture, published, last_update)
const FORMS: &[(&str, Option<&str>, Option<&str>)] = &[
    (
        "hatom_abbr",
        Some("2016-12-23T05:11:00-05:00"),
        Some("2016-12-24T08:30:00-05:00"),
    ),
    (
        "itemprop_content",
        Some("2021-03-04T10:00:00+01:00"),
        Some("2021-03-05T11:00:00+01:00"),
    ),
    ("itemprop_datetime", Some("2021-04-05T09:00:00+02:00"), None),
    ("itemprop_title", Some("2020-05-06"), None),
    (
        "og_article_published",
        Some("2019-02-03T08:00:00+00:00"),
        Some("2019-02-04T09:00:00+00:00"),
    ),
    (
        "dc_date",
        Some("2018-07-09"),
        Some("2018-07-10T12:00:00+02:00"),
    ),
    ("prism", Some("2017-11-12"), None),
    (
        "http_equiv",
        Some("2021-04-01T09:00:00+02:00"),
        Some("2021-04-05T10:00:00+02:00"),
    ),
    (
        "name_lastmodified",
        Some("2022-01-02T10:00:00+00:00"),
        Some("2022-01-03T12:00:00+00:00"),
    ),
    (
        "itemprop_dateupdate",
        Some("2020-06-01T08:00:00+02:00"),
        Some("2020-06-02T09:30:00+02:00"),
    ),
    (
        "itemprop_datemodified",
        Some("2020-06-01T08:00:00+02:00"),
        Some("2020-06-03T07:15:00+02:00"),
    ),
    (
        "jsonld_lenient",
        Some("2020-09-14T07:45:00+02:00"),
        Some("2020-09-15T10:00:00+02:00"),
    ),
    ("jsonld_entities", Some("2020-10-01T06:00:00+02:00"), None),
    ("compact_iso", Some("2020-11-23T11:02:35+00:00"), None),
    ("java_date", Some("2020-01-28T15:28:56+01:00"), None),
    ("foreign_dates", Some("2020-03-03"), None),
    ("utc_local_day", Some("2023-11-08T18:09:55-07:00"), None),
    (
        "wordpress_entry_date",
        Some("2021-06-07T08:09:10+00:00"),
        Some("2021-06-07T08:09:10+00:00"),
    ),
    ("unparseable", None, None),
    ("site_header_last_update", Some("2024-04-24"), None),
    ("dateline_above_headline", Some("2022-01-12"), None),
    (
        "article_header_before_headline",
        Some("2023-11-05T14:09:00"),
        None,
    ),
    ("taxonomy_classes", Some("2019-07-13T15:52:31+02:00"), None),
    // The day the article shows is its `dateModified`: that structured stamp, not `datePublished`.
    (
        "shown_modified",
        Some("2022-01-12T14:27:30+00:00"),
        Some("2022-01-12T14:27:30+00:00"),
    ),
    // A `date` meta later than the article's "Stand:" cannot be its publication.
    (
        "weak_date_after_update",
        Some("2020-04-28T18:00:00"),
        Some("2020-04-28T18:00:00"),
    ),
    ("label_after_de", Some("2011-12-03T10:15:00"), None),
    // "… von Anna geschrieben": German word order puts "written" after the date it labels.
    ("label_after_written_de", Some("2014-03-09T08:05:00"), None),
    // A post's metadata paragraph, longer than a dateline, still carries its labelled date.
    ("postmetadata_long", Some("2013-06-04T09:12:00"), None),
    // `<meta itemprop>` of the Article item that wraps the body, outside the `<article>` element.
    ("article_item_metas", Some("2021-10-18"), Some("2021-10-19")),
    // The dateline under a headline that sits apart from the body, in a page-wide wrapper.
    (
        "dateline_between_headline_and_body",
        Some("2021-03-03"),
        None,
    ),
    // A kicker line, a line break, then the dateline with its category.
    ("dateline_after_kicker_line", Some("2021-05-14"), None),
    (
        "written_label",
        Some("2023-11-07T15:03:30"),
        Some("2023-11-07T15:30:46"),
    ),
    ("dateline_with_credits", Some("2020-11-22T04:30:00"), None),
];

#[test]
fn every_date_markup_form_is_read() {
    let mut wrong = Vec::new();
    for &(name, published, last_update) in FORMS {
        let a = fixture(name);
        if a.published.as_deref() != published || a.last_update.as_deref() != last_update {
            wrong.push(format!(
                "{name}: got published {:?} last_update {:?}, want {published:?} {last_update:?}",
                a.published, a.last_update
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn visible_labels_in_eight_languages() {
    let want = [
        ("en", "2020-03-11"),
        ("de", "2019-08-16"),
        ("fr", "2021-04-03"),
        ("es", "2020-05-05"),
        ("it", "2020-06-06"),
        ("pt", "2020-07-07"),
        ("nl", "2020-08-08"),
        ("ru", "2020-09-09"),
    ];
    for (lang, day) in want {
        let a = fixture(&format!("visible_{lang}"));
        assert_eq!(a.published.as_deref(), Some(day), "{lang}");
        assert_eq!(a.sources.published, Some(FieldSource::Text), "{lang}");
        assert_eq!(a.last_update, None, "{lang}");
    }
}

#[test]
fn comment_embed_reference_and_related_dates_are_not_the_articles() {
    let a = fixture("foreign_dates");
    for foreign in ["2019-01-01", "1988", "2020-03-05", "2019-12-12"] {
        assert!(
            !a.published.as_deref().unwrap_or("").starts_with(foreign),
            "published {:?} came from a foreign element",
            a.published
        );
    }
    assert_eq!(a.last_update, None);
}

#[test]
fn site_header_last_update_is_never_the_articles_stamp() {
    let a = fixture("site_header_last_update");
    assert_eq!(a.last_update, None);
}

#[test]
fn unparseable_values_become_null_not_text() {
    let a = fixture("unparseable");
    assert_eq!(a.published, None);
    assert_eq!(a.sources.published, None);
}

#[test]
fn extract_cli_prints_the_articles_dates() {
    let dir = format!("{}/fixtures/dates", env!("CARGO_MANIFEST_DIR"));
    let out = assert_cmd::Command::cargo_bin("emend")
        .expect("binary")
        .env_remove("EMEND_DB")
        .args(["extract", "--json"])
        .arg(format!("{dir}/utc_local_day.html"))
        .arg(format!("{dir}/hatom_abbr.html"))
        .output()
        .expect("run emend");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["published"], "2023-11-08T18:09:55-07:00");
    assert_eq!(lines[1]["published"], "2016-12-23T05:11:00-05:00");
    assert_eq!(lines[1]["last_update"], "2016-12-24T08:30:00-05:00");
}
