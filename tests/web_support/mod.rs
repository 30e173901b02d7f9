//! Shared by the web tests: a fixture store built through the store API from
//! fixtures/web, and a server on 127.0.0.1:0 serving it.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use emend::diff::{classify, content_hash, word_counts, word_diff};
use emend::model::{Article, Check, CheckOutcome, FieldSource, Sources, Version};
use emend::store::{NewVersion, Store};
use emend::web::{SharedMetrics, WebOptions};

/// The well-behaved article: four versions (new, declared update, silent edit, stamp only).
pub const HARBOUR: &str = "https://news.example/city/harbour-bridge";
/// An alias that redirects to [`HARBOUR`].
pub const HARBOUR_ALIAS: &str = "https://news.example/?p=1928";
/// Site of [`HARBOUR`].
pub const SITE: &str = "harbour-news";
/// An article on another site.
pub const OTHER: &str = "https://other.example/sport/final";
/// The hostile article: a `javascript:` URL, markup in every field.
pub const XSS_URL: &str = "javascript:alert(document.cookie)//x";
/// Site of the hostile article, itself hostile.
pub const XSS_SITE: &str = "evil\"><script>alert('site')</script>";
/// Title of the hostile article.
pub const XSS_TITLE: &str =
    "<script>alert('title')</script>Mayor \"quits\" <b onmouseover=alert(5)>now</b>";

/// Reads a fixture file.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/web/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// 2024-03-01 at `h` hours (past 23 wraps into later days).
pub fn t(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap() + chrono::Duration::hours(h)
}

/// An article state.
pub fn article(title: &str, text: &str, stamp: &str) -> Article {
    Article {
        title: Some(title.to_owned()),
        byline: Some("By Ana Reyes".to_owned()),
        published: Some("2024-03-01T00:00:00Z".to_owned()),
        last_update: Some(stamp.to_owned()),
        text: text.trim().to_owned(),
        canonical: None,
        sources: Sources {
            title: Some(FieldSource::Meta),
            byline: Some(FieldSource::JsonLd),
            published: Some(FieldSource::JsonLd),
            last_update: Some(FieldSource::Time),
        },
    }
}

/// Stores `new` as the next version of `url`, classified and counted against the latest.
pub fn add(
    store: &Store,
    url: &str,
    site: Option<&str>,
    at: DateTime<Utc>,
    new: Article,
) -> Version {
    let prev = store.latest(url).unwrap();
    let change = classify(prev.as_ref().map(|v| &v.article), &new);
    let old = prev.as_ref().map(|v| v.article.text.as_str()).unwrap_or("");
    let (words_added, words_removed) = word_counts(&word_diff(old, &new.text));
    let body = format!("<html><body>{}</body></html>", new.text);
    store
        .commit_version(
            url,
            site,
            NewVersion {
                fetched_at: at,
                change,
                text_hash: content_hash(&new),
                article: new,
                words_added,
                words_removed,
                extractor_version: 1,
                encoding: Some("UTF-8".to_owned()),
                fetched_url: url.to_owned(),
            },
            body.as_bytes(),
            Check {
                at,
                status: Some(200),
                bytes: body.len() as u64,
                etag: None,
                last_modified: None,
                elapsed_ms: 12,
                outcome: CheckOutcome::Checked {
                    change,
                    version: None,
                },
            },
        )
        .unwrap()
}

/// The fixture store: [`HARBOUR`] in four versions (hours 1, 5, 9, 13), [`OTHER`] in one
/// (hour 3), the hostile article in two (hours 2, 6).
pub fn build(store: &Store) {
    let (v1, v2, v3) = (
        fixture("harbour-v1.txt"),
        fixture("harbour-v2.txt"),
        fixture("harbour-v3.txt"),
    );
    let title = "Harbour bridge to close to cars";
    add(
        store,
        HARBOUR,
        Some(SITE),
        t(1),
        article(title, &v1, "2024-03-01T01:00:00Z"),
    );
    add(
        store,
        HARBOUR,
        Some(SITE),
        t(5),
        article(title, &v2, "2024-03-01T05:00:00Z"),
    );
    add(
        store,
        HARBOUR,
        Some(SITE),
        t(9),
        article(title, &v3, "2024-03-01T05:00:00Z"),
    );
    add(
        store,
        HARBOUR,
        Some(SITE),
        t(13),
        article(title, &v3, "2024-03-01T13:00:00Z"),
    );
    store.add_alias(HARBOUR_ALIAS, HARBOUR).unwrap();
    add(
        store,
        OTHER,
        Some("other"),
        t(3),
        article(
            "Cup final ends in a draw",
            "Nobody scored.\n\nFans left early.",
            "2024-03-01T03:00:00Z",
        ),
    );

    let xss_body = fixture("xss.txt");
    let mut a = article(XSS_TITLE, &xss_body, "<i>2024</i>");
    a.byline = Some("<img src=x onerror=alert('byline')>".to_owned());
    add(store, XSS_URL, Some(XSS_SITE), t(2), a.clone());
    a.text
        .push_str("\n\n<iframe src=\"javascript:alert(6)\"></iframe> more");
    a.last_update = Some("<i>2025</i>".to_owned());
    add(store, XSS_URL, Some(XSS_SITE), t(6), a);
}

/// A running server over a fixture store.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The daemon-style metrics it reports.
    pub metrics: Arc<SharedMetrics>,
    client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<emend::Result<()>>>,
    _dir: tempfile::TempDir,
    /// What the archive served needs kept alive while it is served (a database server).
    _keep: Option<Box<dyn std::any::Any + Send>>,
}

impl Server {
    /// Builds the fixture store in a temporary directory and serves it.
    pub async fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        build(&store);
        Server::serve(store, dir).await
    }

    /// Serves an already built store.
    pub async fn start_with(store: Store) -> Server {
        Server::serve(store, tempfile::tempdir().unwrap()).await
    }

    /// The fixture store copied into the PostgreSQL database at `conninfo` (as `emend
    /// migrate` copies it) and served from there, keeping `keep` (its server) alive.
    pub async fn start_postgres(conninfo: &str, keep: Box<dyn std::any::Any + Send>) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        build(&store);
        let pg = emend::store::pg::Postgres::connect(conninfo).await.unwrap();
        emend::store::pg::copy(&store, &pg).await.unwrap();
        Server::start_archive(pg, Box::new((keep, dir))).await
    }

    /// Serves `archive` (on either engine), keeping `keep` alive until the server is dropped.
    pub async fn start_archive(
        archive: impl emend::store::ArchiveRead,
        keep: Box<dyn std::any::Any + Send>,
    ) -> Server {
        let mut server = Server::serve(archive, tempfile::tempdir().unwrap()).await;
        server._keep = Some(keep);
        server
    }

    async fn serve(store: impl emend::store::ArchiveRead, dir: tempfile::TempDir) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let metrics = Arc::new(SharedMetrics::default());
        metrics.set_queue("news.example", 4);
        metrics.add_error("other.example");
        let router = emend::web::router(
            store,
            WebOptions {
                metrics: Some(metrics.clone()),
                base_url: Some(base.clone()),
            },
        );
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(emend::web::serve_router(listener, router, async {
            let _ = rx.await;
        }));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Server {
            base,
            metrics,
            client,
            stop: Some(tx),
            task: Some(task),
            _dir: dir,
            _keep: None,
        }
    }

    /// GET `path` without following redirects.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.get_with(path, &[]).await
    }

    /// GET `path` with extra headers, without following redirects.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut req = self.client.get(format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().await.unwrap()
    }

    /// GET `path`, asserting 200 and the content type's start; returns the body.
    pub async fn text(&self, path: &str, content_type: &str) -> String {
        let resp = self.get(path).await;
        let status = resp.status();
        let ct = header(&resp, "content-type");
        let body = resp.text().await.unwrap();
        assert_eq!(status, 200, "GET {path}: {body}");
        assert!(
            ct.starts_with(content_type),
            "GET {path}: content type {ct}"
        );
        body
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }
}

/// A response header as text ("" when absent).
pub fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// `s` percent-encoded for a query value, as the pages build links.
pub fn enc(s: &str) -> String {
    emend::web::links::enc(s)
}

/// Runs each check `async fn NAME(s: Server)` of the crate against the fixture on sled
/// (`sled::NAME`) and on PostgreSQL (`postgres::NAME`, skipped without a server). The crate
/// declares `#[path = "common/postgres.rs"] mod pg_cluster;`.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sled {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::web_support::Server::start().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(cluster) = $crate::pg_cluster::Cluster::start(stringify!($name))
                    else {
                        return;
                    };
                    let conninfo = cluster.conninfo.clone();
                    let s = super::web_support::Server::start_postgres(&conninfo, Box::new(cluster))
                        .await;
                    super::$name(s).await;
                }
            )*
        }
    };
}
