//! A loopback webhook receiver for the notification tests: records every request body, and
//! answers 503 with `Retry-After: 1` while switched down.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::common::server::TestServer;

/// One request the receiver got.
#[allow(dead_code, reason = "each test crate uses a different subset")]
#[derive(Debug, Clone)]
pub struct Received {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// Whether it was accepted (200) rather than refused (503).
    pub accepted: bool,
}

#[allow(dead_code, reason = "each test crate uses a different subset")]
impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
pub struct Receiver {
    down: AtomicBool,
    log: Mutex<Vec<Received>>,
}

#[allow(dead_code, reason = "each test crate uses a different subset")]
impl Receiver {
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// Every request so far, in arrival order.
    pub fn all(&self) -> Vec<Received> {
        self.log.lock().expect("receiver log").clone()
    }

    /// Accepted requests to `path`, in arrival order.
    pub fn accepted(&self, path: &str) -> Vec<Received> {
        self.all()
            .into_iter()
            .filter(|r| r.accepted && r.path == path)
            .collect()
    }
}

async fn receive(
    State(rx): State<Arc<Receiver>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let accepted = !rx.down.load(Ordering::SeqCst);
    rx.log.lock().expect("receiver log").push(Received {
        method,
        path: uri.path().to_owned(),
        headers,
        body: body.to_vec(),
        accepted,
    });
    if accepted {
        StatusCode::OK.into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "1")],
            "down",
        )
            .into_response()
    }
}

/// Starts a receiver on 127.0.0.1, port 0.
pub fn start() -> (TestServer, Arc<Receiver>) {
    let rx = Arc::new(Receiver::default());
    let router = Router::new().fallback(receive).with_state(Arc::clone(&rx));
    (TestServer::with_router("127.0.0.1", router), rx)
}
