//! How block HTML becomes reader text: blank lines between paragraphs, headings and list items on
//! their own lines, tables as rows of cells, `<br>` as a line break, source newlines as spaces.

use emend::extract::{Options, extract};

fn text(body: &str) -> String {
    let html = format!(
        "<html><head><title>T</title></head><body><nav><a href=/>Home</a></nav><article><h1>T</h1>{body}</article><footer>© Site</footer></body></html>"
    );
    extract(&html, &Options::default()).text
}

const P1: &str =
    "The first paragraph is long enough to be article text, with commas, clauses, and detail.";
const P2: &str =
    "The second paragraph continues the story, adding more words, names, and numbers like 42.";

#[test]
fn paragraphs_headings_and_lists() {
    let t = text(&format!(
        "<p>{P1}</p><h2>A subheading</h2><p>{P2}</p><ul><li>First point of the list</li><li>Second point of the list</li></ul><p>{P1}</p>"
    ));
    assert_eq!(
        t,
        format!(
            "{P1}\n\nA subheading\n\n{P2}\n\nFirst point of the list\nSecond point of the list\n\n{P1}"
        )
    );
}

#[test]
fn source_newlines_are_spaces_and_br_is_a_break() {
    let t = text(&format!(
        "<p>{P1}</p><p>Line one of an\naddress block,<br>line two of it,<br/>and line three.</p><p>{P2}</p>"
    ));
    assert!(
        t.contains("Line one of an address block,\nline two of it,\nand line three."),
        "{t}"
    );
}

#[test]
fn data_tables_become_rows_of_cells() {
    let t = text(&format!(
        "<p>{P1}</p><table><tr><th>Team</th><th></th><th>Points</th></tr><tr><td>Reds</td><td><img src=x></td><td>12</td></tr><tr><td>Blues</td><td></td><td>9</td></tr></table><p>{P2}</p>"
    ));
    assert!(
        t.contains("\n\nTeam | Points\nReds | 12\nBlues | 9\n\n"),
        "{t}"
    );
}

#[test]
fn captions_share_bars_and_related_links_stay_out() {
    let t = text(&format!(
        "<p>{P1}</p><figure><img src=x><figcaption>A caption under the photo</figcaption></figure><div class=share-bar><a href=#>Facebook</a><a href=#>Twitter</a></div><p>{P2}</p><div class=related-articles><h3>Related</h3><ul><li><a href=/a>Another headline here</a></li></ul></div>"
    ));
    assert_eq!(t, format!("{P1}\n\n{P2}"));
}

#[test]
fn preformatted_text_keeps_its_layout() {
    let t = text(&format!(
        "<p>{P1}</p><pre>fn main() {{\n    println!(\"hi\");\n}}</pre><p>{P2}</p>"
    ));
    assert!(t.contains("fn main() {\n    println!(\"hi\");\n}"), "{t}");
}

#[test]
fn visit_counters_are_not_text() {
    for counter in [
        "12 comments",
        "1,204 Shares",
        "3 Kommentare",
        "15 комментариев",
    ] {
        let t = text(&format!("<p>{P1}</p><p>{counter}</p><p>{P2}</p>"));
        assert_eq!(t, format!("{P1}\n\n{P2}"), "{counter}");
    }
}
