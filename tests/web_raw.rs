//! The captured response body of a version: readable source that stays inert, the exact
//! bytes whose blake3 is the version's body hash, and decoding with the recorded encoding.

mod web_support;

use emend::diff::content_hash;
use emend::model::{Article, ChangeKind, Check, CheckOutcome};
use emend::store::{NewVersion, Store};
use web_support::{HARBOUR, HARBOUR_ALIAS, Server, XSS_URL, enc, header, t};

const TEXT: &str = "text/plain; charset=utf-8";

#[tokio::test]
async fn raw_body_is_inert_source_or_the_exact_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    web_support::build(&store);
    let v1 = store.version(HARBOUR, 1).unwrap().unwrap();
    let s = Server::start_with(store).await;

    let page = s
        .text(&format!("/version?url={}&n=1", enc(HARBOUR)), "text/html")
        .await;
    let link = format!("/raw?url={}&#38;n=1", enc(HARBOUR));
    assert!(
        page.contains(&format!("href=\"{link}\">view source</a>")),
        "{page}"
    );
    assert!(page.contains(&format!("href=\"{link}&#38;bytes=1\">download")));
    assert!(page.contains("UTF-8"), "the encoding is shown");

    let source = s
        .text(&format!("/raw?url={}&n=1", enc(HARBOUR)), TEXT)
        .await;
    assert!(source.starts_with("<html><body>"), "{source}");
    assert!(source.contains(&v1.article.text[..40]));

    let resp = s
        .get(&format!("/raw?url={}&n=1&bytes=1", enc(HARBOUR)))
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "content-type"), "application/octet-stream");
    assert!(header(&resp, "content-disposition").starts_with("attachment; filename=\"emend-v1-"));
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(&bytes[..], source.as_bytes());
    assert_eq!(
        Some(blake3::hash(&bytes).to_hex().to_string()),
        v1.body_hash,
        "the download is what was hashed and stored"
    );

    // An alias answers for its article; bad requests are told apart from missing ones.
    let alias = s.get(&format!("/raw?url={}&n=1", enc(HARBOUR_ALIAS))).await;
    assert_eq!(alias.status(), 200);
    assert_eq!(
        s.get(&format!("/raw?url={}", enc(HARBOUR))).await.status(),
        400
    );
    assert_eq!(
        s.get(&format!("/raw?url={}&n=99", enc(HARBOUR)))
            .await
            .status(),
        404
    );
    assert_eq!(
        s.get("/raw?url=https%3A%2F%2Fnowhere.test%2F&n=1")
            .await
            .status(),
        404
    );
    s.stop().await;
}

#[tokio::test]
async fn a_hostile_capture_is_shown_as_text_never_as_a_page() {
    let s = Server::start().await;
    let resp = s.get(&format!("/raw?url={}&n=2", enc(XSS_URL))).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "content-type"), TEXT);
    assert_eq!(header(&resp, "x-content-type-options"), "nosniff");
    assert!(header(&resp, "content-security-policy").contains("default-src 'none'"));
    let body = resp.text().await.unwrap();
    assert!(
        body.contains("<iframe src=\"javascript:alert(6)\">"),
        "kept verbatim: {body}"
    );
    s.stop().await;
}

#[tokio::test]
async fn source_is_decoded_with_the_encoding_recorded_at_fetch_time() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let url = "https://news.example/ru/most";
    // windows-1251 bytes under a wrong `<meta charset="utf-8">` (a common CMS slip): the
    // HTTP header's charset, which wins over the meta, is the only correct witness.
    let (html, _, _) = encoding_rs::WINDOWS_1251.encode(
        "<html><head><meta charset=\"utf-8\"></head>\
         <body><p>Мост закроют для машин с понедельника.</p></body></html>",
    );
    let article = Article {
        text: "Мост закроют для машин с понедельника.".to_owned(),
        ..Article::default()
    };
    let check = Check::now(
        CheckOutcome::Checked {
            change: ChangeKind::New,
            version: None,
        },
        Some(200),
        std::time::Duration::from_millis(5),
    );
    store
        .commit_version(
            url,
            None,
            NewVersion {
                fetched_at: t(1),
                change: ChangeKind::New,
                text_hash: content_hash(&article),
                article,
                words_added: 6,
                words_removed: 0,
                extractor_version: 1,
                encoding: Some("windows-1251".to_owned()),
                fetched_url: url.to_owned(),
            },
            &html,
            check,
        )
        .unwrap();
    let s = Server::start_with(store).await;
    let source = s.text(&format!("/raw?url={}&n=1", enc(url)), TEXT).await;
    assert!(source.contains("Мост закроют для машин"), "{source}");
    s.stop().await;
}
