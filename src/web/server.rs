//! The HTTP server under the router: bounded connections, bounded concurrent requests (each
//! holding its slot until its body is sent), a per-request timeout, and idle connections
//! closed, so a crowd of clients or a pile of idle sockets cannot take the process's
//! memory or descriptors from the crawler it runs beside.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

use crate::error::Result;

/// Bounds of one server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Open connections at once; further clients wait in the listen backlog.
    pub connections: usize,
    /// Requests handled at once, from routing until the last byte of the response body.
    pub requests: usize,
    /// How long a request may wait for a slot, then take to answer, before a 503.
    pub request_timeout: Duration,
    /// How long a connection may sit without sending a request (or finishing its headers)
    /// before it is closed.
    pub idle_timeout: Duration,
}

impl Default for Limits {
    /// Eight requests at once: one history of a 7 MB article costs about 35 MB to build
    /// and send, so eight stay within a few hundred MB however many clients ask (measured:
    /// 300 clients, 569 MB peak with sixteen slots). A read-only UI answers its small pages
    /// in milliseconds, so eight slots keep up. 256 connections stay well inside a
    /// 1,024-descriptor limit.
    fn default() -> Self {
        Limits {
            connections: 256,
            requests: 8,
            request_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(15),
        }
    }
}

/// The local address a request arrived on (inserted by the server for the `Host` check).
#[derive(Debug, Clone, Copy)]
pub struct LocalAddr(pub SocketAddr);

/// Serves `router` on `listener` within `limits` until `shutdown` completes; connections
/// still open then are closed once their current response is sent.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let slots = Arc::new(Semaphore::new(limits.requests));
    let router = router.layer(axum::middleware::from_fn(move |req, next| {
        bounded(slots.clone(), limits.request_timeout, req, next)
    }));
    let connections = Arc::new(Semaphore::new(limits.connections));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let Ok(permit) = connections.clone().acquire_owned().await else {
            break;
        };
        let (stream, _) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "web server: accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let Ok(local) = stream.local_addr() else {
            continue;
        };
        let router = router.clone();
        let stop = stop_rx.clone();
        tokio::spawn(connection(
            stream,
            local,
            router,
            limits.idle_timeout,
            stop,
            permit,
        ));
    }
    // The listener is dropped on return: no new connections; open ones finish their
    // current response and close.
    let _ = stop_tx.send(true);
    Ok(())
}

/// Serves one connection (HTTP/1.1) until it closes, idles out or the server stops.
async fn connection(
    stream: tokio::net::TcpStream,
    local: SocketAddr,
    router: Router,
    idle: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    let service = hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(LocalAddr(local));
        router.clone().oneshot(req.map(Body::new))
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    // hyper's header timer runs while a connection waits for its next request too, so
    // it closes idle keep-alive connections as well as slow senders.
    builder.timer(TokioTimer::new()).header_read_timeout(idle);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = stop.wait_for(|s| *s) => {}
    }
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}

/// Waits for a request slot and answers within `timeout`; the slot is held by the
/// response body until it is sent, so large responses being written count against it.
async fn bounded(slots: Arc<Semaphore>, timeout: Duration, req: Request, next: Next) -> Response {
    let answer = tokio::time::timeout(timeout, async move {
        let permit = slots.acquire_owned().await.ok()?;
        Some((permit, next.run(req).await))
    })
    .await;
    match answer {
        Ok(Some((permit, resp))) => {
            // A client that stops reading would hold the slot for as long as it likes;
            // past the timeout its slot is given back (its connection stays bounded by
            // the connection limit).
            let slot = Arc::new(std::sync::Mutex::new(Some(permit)));
            let held = slot.clone();
            tokio::spawn(async move {
                tokio::time::sleep(timeout).await;
                held.lock().map(|mut p| p.take()).ok();
            });
            resp.map(|body| {
                Body::new(Permitted {
                    inner: body,
                    rest: bytes::Bytes::new(),
                    slot,
                })
            })
        }
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(axum::http::header::RETRY_AFTER, "5")],
            "busy; try again shortly\n",
        )
            .into_response(),
    }
}

/// The most a response hands to hyper at once. hyper drops a body as soon as it has taken
/// its last frame, however much of it still waits in its write buffer for a slow client;
/// handing a large response over in pieces keeps the slot held (and the memory counted)
/// until nearly all of it is on its way.
const FRAME: usize = 64 * 1024;

/// A response body holding its request slot until it is dropped (or the timeout).
struct Permitted {
    inner: Body,
    /// What is left of the last data frame `inner` gave, handed on [`FRAME`] bytes at a time.
    rest: bytes::Bytes,
    slot: Arc<std::sync::Mutex<Option<OwnedSemaphorePermit>>>,
}

impl Drop for Permitted {
    fn drop(&mut self) {
        if let Ok(mut p) = self.slot.lock() {
            p.take();
        }
    }
}

impl http_body::Body for Permitted {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<http_body::Frame<Self::Data>, Self::Error>>> {
        if self.rest.is_empty() {
            match std::task::ready!(Pin::new(&mut self.inner).poll_frame(cx)) {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => self.rest = data,
                    Err(frame) => return Poll::Ready(Some(Ok(frame))),
                },
                other => return Poll::Ready(other),
            }
        }
        let n = self.rest.len().min(FRAME);
        let piece = self.rest.split_to(n);
        Poll::Ready(Some(Ok(http_body::Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        let inner = self.inner.size_hint();
        let rest = self.rest.len() as u64;
        // Upper first: set_lower panics on a lower bound above the current upper one.
        let mut hint = http_body::SizeHint::new();
        if let Some(upper) = inner.upper() {
            hint.set_upper(upper.saturating_add(rest));
        }
        hint.set_lower(inner.lower().saturating_add(rest));
        hint
    }
}
