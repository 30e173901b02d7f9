//! Canned responses for the test server: one [`Route`] per path, ETag/304 handling, rotating bodies.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;

/// A canned response.
#[allow(dead_code, reason = "each test crate uses a different subset")]
#[derive(Clone, Debug)]
pub struct Route {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Replace `{{REQ}}` in the body with a per-path request counter, so each
    /// response differs (rotating ads, page-wide clocks, comment counts).
    pub rotating: bool,
}

#[allow(dead_code, reason = "each test crate uses a different subset")]
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

/// The routes one server answers from, and how many requests each path has had.
#[allow(dead_code, reason = "each test crate uses a different subset")]
#[derive(Default)]
pub(super) struct Routes {
    routes: Mutex<HashMap<String, Route>>,
    requests: Mutex<HashMap<String, usize>>,
}

#[allow(dead_code, reason = "each test crate uses a different subset")]
impl Routes {
    pub(super) fn set(&self, path: &str, route: Route) {
        self.routes
            .lock()
            .expect("test routes")
            .insert(path.to_owned(), route);
    }

    /// A router that answers every request from these routes.
    pub(super) fn router(self: Arc<Routes>) -> Router {
        Router::new().fallback(answer).with_state(self)
    }
}

#[allow(dead_code, reason = "each test crate uses a different subset")]
async fn answer(State(routes): State<Arc<Routes>>, req: Request) -> Response {
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    // Counted before the lookup so that requests answered 404 or 304 count too.
    let n = {
        let mut requests = routes.requests.lock().expect("test routes");
        let n = requests.entry(path.clone()).or_default();
        *n += 1;
        *n
    };
    let route = routes
        .routes
        .lock()
        .expect("test routes")
        .get(&path)
        .cloned();
    let Some(route) = route else {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header("content-type", "text/plain")
            .body(Body::from("not found"))
            .expect("test server");
    };
    if let (Some(etag), Some(inm)) = (route.etag(), req.headers().get("if-none-match"))
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
        String::from_utf8_lossy(&route.body)
            .replace("{{REQ}}", &n.to_string())
            .into_bytes()
    } else {
        route.body
    };
    resp.body(Body::from(body)).expect("test server")
}
