//! The shareable diff card (issue 14): the seed article's silent edit drawn by
//! `emend diff --card` and served by the web UI's `/card`, decoded and looked into.

mod common;
mod web_support;

use common::route::Route;
use common::server::TestServer;
use common::{emend, fixture_text};
use emend::store::Store;
use web_support::{Server, enc};

const PATH: &str = "/politics/lachin-district-returned";

/// The seed's first three states: new, declared update, silent edit.
fn seeded(dir: &std::path::Path) -> (TestServer, String) {
    let server = TestServer::start("127.0.0.1");
    let url = server.url(PATH);
    for page in ["v1-original", "v2-declared-update", "v3-silent-edit"] {
        server.set(
            PATH,
            Route::html(fixture_text(&format!("seed/{page}.html"))),
        );
        emend(dir)
            .args(["--db", "db", "snapshot", &url])
            .assert()
            .success();
    }
    (server, url)
}

/// Width, height and RGB pixels of a PNG.
fn decode(bytes: &[u8]) -> (u32, u32, Vec<[u8; 3]>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("a valid PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let channels = info.color_type.samples();
    let pixels = buf[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (info.width, info.height, pixels)
}

/// A card of the right size with text on it, deletions and insertions tinted, and the
/// silent edit's red band along the top.
fn assert_is_the_silent_edit_card(bytes: &[u8]) {
    let (w, h, px) = decode(bytes);
    assert_eq!((w, h), (1200, 630), "sized for social posts");
    let count = |pred: &dyn Fn(&[u8; 3]) -> bool| px.iter().filter(|p| pred(p)).count();
    let dark = count(&|p| p.iter().all(|&c| c < 90));
    assert!(dark > 5_000, "text is drawn ({dark} dark pixels)");
    let deleted_tint = count(&|p| *p == [0xfd, 0xe4, 0xe2]);
    let inserted_tint = count(&|p| *p == [0xd7, 0xf5, 0xde]);
    assert!(deleted_tint > 500, "deletions marked ({deleted_tint} px)");
    assert!(
        inserted_tint > 500,
        "insertions marked ({inserted_tint} px)"
    );
    assert_eq!(px[5 * 1200 + 600], [0xb4, 0x23, 0x18], "silent-edit band");
}

#[test]
fn diff_card_draws_the_seed_silent_edit_as_a_png() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_server, url) = seeded(dir.path());
    let out = dir.path().join("card.png");
    emend(dir.path())
        .args(["--db", "db", "diff", &url, "--card"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicates::str::contains("v2 → v3"));
    assert_is_the_silent_edit_card(&std::fs::read(&out).expect("card written"));
    if let Some(keep) = std::env::var_os("EMEND_KEEP_CARD") {
        std::fs::copy(&out, keep).expect("copy the card");
    }

    emend(dir.path())
        .args([
            "--db", "db", "diff", &url, "--from", "3", "--to", "2", "--card",
        ])
        .arg(dir.path().join("bad.png"))
        .assert()
        .code(2);
    assert!(!dir.path().join("bad.png").exists());
}

#[tokio::test]
async fn web_card_route_serves_the_png() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_site, url) = seeded(dir.path());
    let server = Server::start_with(Store::open(&dir.path().join("db")).expect("open")).await;

    let resp = server
        .get(&format!("/card?url={}&from=2&to=3", enc(&url)))
        .await;
    assert_eq!(resp.status(), 200);
    let kind = resp.headers()["content-type"].to_str().expect("ascii");
    assert_eq!(kind, "image/png");
    assert_is_the_silent_edit_card(&resp.bytes().await.expect("body"));

    // The latest change by default; the first version drawn as its text.
    let resp = server.get(&format!("/card?url={}", enc(&url))).await;
    assert_eq!(resp.status(), 200);
    let first = server
        .get(&format!("/card?url={}&from=0&to=1", enc(&url)))
        .await;
    let (w, h, _) = decode(&first.bytes().await.expect("body"));
    assert_eq!((w, h), (1200, 630));

    let bad = server
        .get(&format!("/card?url={}&from=3&to=2", enc(&url)))
        .await;
    assert_eq!(bad.status(), 400);
    let missing = server.get("/card?url=https%3A%2F%2Fnowhere.test%2F").await;
    assert_eq!(missing.status(), 404);
    server.stop().await;
}
