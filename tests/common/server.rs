//! A loopback HTTP server for tests: canned responses per path, a request log, ETag/304 handling.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;

/// A canned response.
#[derive(Clone, Debug)]
pub struct Route {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Replace `{{REQ}}` in the body with a per-path request counter, so each
    /// response differs (rotating ads, page-wide clocks, comment counts).
    pub rotating: bool,
}

impl Route {
    /// 200 text/html; charset=utf-8.
    pub fn html(body: impl Into<Vec<u8>>) -> Route {
        Route::new(200, "text/html; charset=utf-8", body)
    }

    /// A response with a status, content type and body.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Route {
        Route {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            rotating: false,
        }
    }

    /// Makes `{{REQ}}` in the body change on every request.
    pub fn rotating(mut self) -> Route {
        self.rotating = true;
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Route {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn etag(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("etag"))
            .map(|(_, v)| v.as_str())
    }
}

/// One request the server saw.
#[derive(Clone, Debug)]
pub struct Logged {
    pub path: String,
    pub at: Instant,
    pub headers: HeaderMap,
}

#[derive(Default)]
struct Shared {
    routes: Mutex<HashMap<String, Route>>,
    log: Mutex<Vec<Logged>>,
}

/// A server running on its own thread until dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server on `ip`:0 (e.g. "127.0.0.1", or "127.0.0.2" for a second host).
    pub fn start(ip: &str) -> TestServer {
        let shared = Arc::new(Shared::default());
        let std_listener = std::net::TcpListener::bind((ip, 0)).expect("bind test server");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let addr = std_listener.local_addr().expect("local addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let state = shared.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("test server runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).expect("listener");
                let app = axum::Router::new().fallback(handle).with_state(state);
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .expect("serve");
            });
        });
        TestServer {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Absolute URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Serves `route` at `path` (with query string, if any) from now on.
    pub fn set(&self, path: &str, route: Route) {
        self.shared
            .routes
            .lock()
            .expect("test server")
            .insert(path.to_owned(), route);
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Logged> {
        self.shared.log.lock().expect("test server").clone()
    }

    /// Requests for `path` so far.
    pub fn hits(&self, path: &str) -> Vec<Logged> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let headers = req.headers().clone();
    shared.log.lock().expect("test server").push(Logged {
        path: path.clone(),
        at: Instant::now(),
        headers: headers.clone(),
    });
    let route = shared
        .routes
        .lock()
        .expect("test server")
        .get(&path)
        .cloned();
    let Some(route) = route else {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header("content-type", "text/plain")
            .body(Body::from("not found"))
            .expect("test server");
    };
    if let (Some(etag), Some(inm)) = (route.etag(), headers.get("if-none-match"))
        && inm.to_str().is_ok_and(|v| v == etag)
    {
        return Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header("etag", etag)
            .body(Body::empty())
            .expect("test server");
    }
    let mut resp = Response::builder().status(route.status);
    for (k, v) in &route.headers {
        resp = resp.header(
            HeaderName::from_bytes(k.as_bytes()).expect("test server"),
            HeaderValue::from_str(v).expect("test server"),
        );
    }
    let body = if route.rotating {
        let n = shared
            .log
            .lock()
            .expect("test server")
            .iter()
            .filter(|r| r.path == path)
            .count();
        String::from_utf8_lossy(&route.body)
            .replace("{{REQ}}", &n.to_string())
            .into_bytes()
    } else {
        route.body
    };
    resp.body(Body::from(body)).expect("test server")
}
