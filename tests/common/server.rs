//! A loopback HTTP test server on its own thread: canned routes or any axum router, every request logged.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::{self, Next};
use axum::response::Response;
use tokio::sync::oneshot;
use url::Url;

use super::route::{Route, Routes};

/// One request the server received.
#[allow(dead_code, reason = "each test crate uses a different subset")]
#[derive(Clone, Debug)]
pub struct Logged {
    /// Path and query, as requested.
    pub path: String,
    pub at: Instant,
    pub headers: HeaderMap,
}

#[allow(dead_code, reason = "each test crate uses a different subset")]
impl Logged {
    /// A request header as text, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

type Log = Arc<Mutex<Vec<Logged>>>;

/// A server running until dropped.
#[allow(dead_code, reason = "each test crate uses a different subset")]
pub struct TestServer {
    pub addr: SocketAddr,
    log: Log,
    /// Present when started with [`TestServer::start`].
    routes: Option<Arc<Routes>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

#[allow(dead_code, reason = "each test crate uses a different subset")]
impl TestServer {
    /// Starts a server on `ip`:0 (e.g. "127.0.0.1", or "127.0.0.2" for a second host) that
    /// answers from the routes given to [`TestServer::set`], 404 for any other path.
    pub fn start(ip: &str) -> TestServer {
        let routes = Arc::new(Routes::default());
        let mut server = TestServer::with_router(ip, Arc::clone(&routes).router());
        server.routes = Some(routes);
        server
    }

    /// Starts a server on `ip`:0 that answers with `router`, for responses a canned route
    /// cannot give (stalls, streams, per-call state).
    pub fn with_router(ip: &str, router: Router) -> TestServer {
        let log = Log::default();
        let router = router.layer(middleware::from_fn_with_state(Arc::clone(&log), record));
        let listener = std::net::TcpListener::bind((ip, 0)).expect("bind test server");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = oneshot::channel::<()>();
        // Its own runtime, so sync tests (which run the binary) and async ones share one server.
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("test server runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                // Not a graceful shutdown: a test may leave a response stalled for ever, and
                // dropping the runtime afterwards cancels every open connection.
                tokio::select! {
                    served = axum::serve(listener, router) => served.expect("serve"),
                    _ = stopped => {}
                }
            });
        });
        TestServer {
            addr,
            log,
            routes: None,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Absolute URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// [`TestServer::url`], parsed.
    pub fn parsed_url(&self, path: &str) -> Url {
        Url::parse(&self.url(path)).expect("test server URL")
    }

    /// Serves `route` at `path` (with query string, if any) from now on.
    pub fn set(&self, path: &str, route: Route) {
        self.routes
            .as_ref()
            .expect("set needs a server from TestServer::start")
            .set(path, route);
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Logged> {
        self.log.lock().expect("test server log").clone()
    }

    /// Requests for `path` so far.
    pub fn hits(&self, path: &str) -> Vec<Logged> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// The path of every request so far, in arrival order.
    pub fn paths(&self) -> Vec<String> {
        self.requests().into_iter().map(|r| r.path).collect()
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

/// Logs a request on arrival, before any handler can stall or fail.
#[allow(dead_code, reason = "each test crate uses a different subset")]
async fn record(State(log): State<Log>, req: Request, next: Next) -> Response {
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    log.lock().expect("test server log").push(Logged {
        path,
        at: Instant::now(),
        headers: req.headers().clone(),
    });
    next.run(req).await
}
