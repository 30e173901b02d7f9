//! Typography through the binary: the stored text keeps the quotes the publisher printed, and a
//! page whose quote style flips between checks (a CMS re-render, an older release's folded
//! text) is one version; only a real edit makes another, counted without the quote flips.

mod common;

use common::emend_json;
use common::route::Route;
use common::server::TestServer;
use serde_json::Value;

const ARTICLE: &str = "/world/harbour-reopens";

/// A small article in one quote style; `word` is the one word a real edit changes.
fn page(curly: bool, word: &str) -> String {
    let (l, r, apos) = if curly {
        ("\u{201C}", "\u{201D}", "\u{2019}")
    } else {
        ("\"", "\"", "'")
    };
    format!(
        "<html><head><title>The harbour{apos}s reopening</title></head><body>\
         <header><a href=\"/\">Home</a> <a href=\"/world\">World</a></header>\
         <article><h1>The harbour{apos}s reopening</h1>\
         <p>The harbour{apos}s north quay reopened on Monday after a winter of repairs, \
         and the first ferries tied up before noon while dockers cleared the last crates.</p>\
         <p>{l}We{apos}re back to a full timetable,{r} the harbour master said, adding that \
         the {word} berth would follow within a fortnight once the cranes were tested.</p>\
         <p>Traders on the quay said the closure had cost them most of the season{apos}s \
         visitors, and the council promised a review of how the works were scheduled.</p>\
         </article><footer>Contact us</footer></body></html>"
    )
}

#[test]
fn a_quote_flip_is_no_version_and_the_text_keeps_the_printed_quotes() {
    let server = TestServer::start("127.0.0.1");
    server.set(
        "/robots.txt",
        Route::new(200, "text/plain", "User-agent: *\nAllow: /\n"),
    );
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let db = db.to_str().unwrap();
    let url = server.url(ARTICLE);
    let snapshot = |html: String| -> Value {
        server.set(ARTICLE, Route::html(html));
        emend_json(dir.path(), &["--db", db, "snapshot", &url, "--json"])
    };

    let first = snapshot(page(true, "south"));
    assert_eq!(first["change"], "new");
    let text = first["text"].as_str().unwrap();
    assert!(
        text.contains("\u{201C}We\u{2019}re back to a full timetable,\u{201D}"),
        "{text}"
    );
    assert_eq!(first["title"], "The harbour\u{2019}s reopening");
    // Straight quotes (as an older release stored them), then curly again: same content.
    assert_eq!(snapshot(page(false, "south"))["change"], "unchanged");
    assert_eq!(snapshot(page(true, "south"))["change"], "unchanged");
    // A real edit in the other quote style: one word, not every quoted word.
    assert_eq!(snapshot(page(false, "east"))["change"], "silent_edit");

    let history = emend_json(dir.path(), &["--db", db, "history", &url, "--json"]);
    let versions = history["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "{history}");
    assert!(
        versions[0]["text"]
            .as_str()
            .unwrap()
            .contains("harbour\u{2019}s north quay"),
        "the first version keeps its curly quotes"
    );
    assert_eq!(
        (
            versions[1]["words_added"].as_u64(),
            versions[1]["words_removed"].as_u64()
        ),
        (Some(1), Some(1)),
        "{}",
        versions[1]
    );
    assert_eq!(
        versions[1]["fields"],
        serde_json::json!([]),
        "the title's quotes flipped, its words did not"
    );
}
