//! Shared helpers for the fetch tests: an in-process axum server on a chosen loopback address
//! that logs every request it receives, and a fetcher configured for fast tests.

#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use emend::config::Crawler;
use emend::fetch::Fetcher;
use emend::politeness::Politeness;
use url::Url;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Hit {
    pub at: Instant,
    pub path: String,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
    pub user_agent: Option<String>,
}

pub struct Server {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<Hit>>>,
}

impl Server {
    pub fn url(&self, path: &str) -> Url {
        Url::parse(&format!("http://{}{}", self.addr, path)).unwrap()
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.log.lock().unwrap().clone()
    }

    pub fn paths(&self) -> Vec<String> {
        self.hits().into_iter().map(|h| h.path).collect()
    }

    pub fn count(&self, path: &str) -> usize {
        self.hits().iter().filter(|h| h.path == path).count()
    }
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

/// Serves `router` on `ip`, port 0, logging every request before it is handled.
pub async fn serve(ip: &str, router: Router) -> Server {
    let log: Arc<Mutex<Vec<Hit>>> = Arc::default();
    let log2 = Arc::clone(&log);
    let router = router.layer(middleware::from_fn(move |req: Request, next: Next| {
        let log = Arc::clone(&log2);
        async move {
            let path = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default();
            log.lock().unwrap().push(Hit {
                at: Instant::now(),
                path,
                if_none_match: header(&req, "if-none-match"),
                if_modified_since: header(&req, "if-modified-since"),
                user_agent: header(&req, "user-agent"),
            });
            let resp: Response = next.run(req).await;
            resp
        }
    }));
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    Server { addr, log }
}

pub const UA: &str = "emend-test/1.0 (+https://example.org/emend)";

pub fn crawler() -> Crawler {
    Crawler {
        user_agent: UA.to_owned(),
        timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(2),
        ..Crawler::default()
    }
}

/// A fetcher whose hosts default to a high rate, so tests not about rates stay fast.
pub fn fetcher() -> Fetcher {
    fetcher_with(crawler(), 200.0)
}

pub fn fetcher_with(config: Crawler, default_rate: f64) -> Fetcher {
    let pol = Arc::new(Politeness::with_default_rate(
        &config.user_agent,
        default_rate,
    ));
    Fetcher::with_politeness(&config, pol).unwrap()
}

pub const HTML: &str =
    "<!doctype html><html><head><title>t</title></head><body><p>Hello</p></body></html>";
