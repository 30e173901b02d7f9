//! Response hardening for every route: a strict Content-Security-Policy, nosniff and
//! friends, the read-only rule (GET and HEAD only, whatever the path), and the `Host`
//! check that defeats DNS rebinding.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// No scripts, no frames, no plugins; styles and images only from this server; forms only
/// submit here. Pages need nothing else.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Refuses anything but GET and HEAD, then adds the security headers to the response.
pub async fn harden(req: Request<Body>, next: Next) -> Response {
    let mut resp = if req.method() == Method::GET || req.method() == Method::HEAD {
        next.run(req).await
    } else {
        let mut r = (
            StatusCode::METHOD_NOT_ALLOWED,
            "emend's web interface is read-only\n",
        )
            .into_response();
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        r
    };
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    resp
}

/// The names a request's `Host` may give besides the address it arrived on: the base URL's.
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts {
    /// Host and explicit port (none for the scheme's default, as browsers send it).
    base: Option<Arc<(String, Option<u16>)>>,
}

impl AllowedHosts {
    /// Allows the host and port of `base_url` (an absolute http(s) URL; "" for none).
    pub fn new(base_url: &str) -> Self {
        let base = url::Url::parse(base_url).ok().and_then(|u| {
            let host = u.host_str()?.trim_matches(['[', ']']).to_ascii_lowercase();
            Some(Arc::new((host, u.port())))
        });
        AllowedHosts { base }
    }

    /// Whether `host` (a `Host` header value) names this server, reached on `local`.
    fn allows(&self, host: &str, local: SocketAddr) -> bool {
        let Some((name, port)) = split_host(host) else {
            return false;
        };
        if self
            .base
            .as_deref()
            .is_some_and(|(n, p)| *n == name && *p == port)
        {
            return true;
        }
        if port.unwrap_or(80) != local.port() {
            return false;
        }
        match name.parse::<IpAddr>() {
            Ok(ip) => ip == local.ip() || ip.to_canonical() == local.ip().to_canonical(),
            Err(_) => name == "localhost" && local.ip().is_loopback(),
        }
    }
}

/// Lower-cased host (without IPv6 brackets) and port, if given, of a `Host` value.
fn split_host(value: &str) -> Option<(String, Option<u16>)> {
    let authority: axum::http::uri::Authority = value.parse().ok()?;
    let host = authority.host().trim_matches(['[', ']']);
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    Some((host, authority.port_u16()))
}

/// Refuses a request whose `Host` names neither the address it arrived on (or `localhost`
/// on a loopback address) nor the configured base URL: a page on another site whose name
/// was re-pointed at this address (DNS rebinding) gets nothing. Requests without `Host`
/// (HTTP/1.0) name nothing to re-point and are answered, as are requests not arriving
/// through [`crate::web::server`] (no local address to compare with).
pub async fn check_host(
    State(allowed): State<AllowedHosts>,
    req: Request<Body>,
    next: Next,
) -> Response {
    let local = req
        .extensions()
        .get::<crate::web::server::LocalAddr>()
        .map(|l| l.0);
    let host = req
        .headers()
        .get(header::HOST)
        .map(|h| h.to_str().unwrap_or(""));
    match (local, host) {
        (Some(local), Some(host)) if !allowed.allows(host, local) => (
            StatusCode::MISDIRECTED_REQUEST,
            "this Host is not the address emend listens on; to reach it under a name, \
             pass that name's URL as --base-url\n",
        )
            .into_response(),
        _ => next.run(req).await,
    }
}

/// Escapes text for HTML built outside templates (feed entry content).
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_must_name_the_listen_address_or_the_base_url() {
        let local: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let none = AllowedHosts::new("");
        assert!(none.allows("127.0.0.1:8080", local));
        assert!(none.allows("LOCALHOST:8080", local));
        assert!(!none.allows("127.0.0.1:9090", local));
        assert!(!none.allows("attacker.example:8080", local));
        assert!(!none.allows("", local));
        let lan: SocketAddr = "192.168.1.5:80".parse().unwrap();
        assert!(none.allows("192.168.1.5", lan));
        assert!(!none.allows("localhost", lan));
        let named = AllowedHosts::new("https://news.example/");
        assert!(named.allows("news.example", local));
        assert!(!named.allows("news.example:8443", local));
        assert!(!named.allows("other.example", local));
        assert!(named.allows("[::ffff:127.0.0.1]:8080", local));
    }

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape_html("<img src=x onerror=\"a('b')\">&"),
            "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;"
        );
    }
}
