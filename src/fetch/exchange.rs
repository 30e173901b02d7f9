//! Recording the HTTP exchange of a fetch for archiving: the request headers are set
//! explicitly on every request (rather than left to the client's defaults), so what is
//! recorded is what was sent.

use reqwest::header::{
    ACCEPT, ACCEPT_ENCODING, HeaderName, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH, USER_AGENT,
};
use url::Url;

use super::Conditional;
use crate::model::{HttpExchange, RequestHead, ResponseHead};

/// What every request accepts: any type (pages are told apart by their `Content-Type`).
const ACCEPT_ANY: &str = "*/*";
/// The content codings the client decodes (gzip, deflate and brotli are enabled in
/// `client::build`).
const ENCODINGS: &str = "gzip,deflate,br";

/// The headers of one GET of `url`, besides the `Host` the connection adds. A validator
/// that cannot be a header value is left out: the fetch stays unconditional.
pub(crate) fn request_headers(
    cond: &Conditional,
    user_agent: &str,
) -> Vec<(HeaderName, HeaderValue)> {
    let mut out = Vec::with_capacity(5);
    if let Ok(ua) = HeaderValue::from_str(user_agent) {
        out.push((USER_AGENT, ua));
    }
    out.push((ACCEPT, HeaderValue::from_static(ACCEPT_ANY)));
    out.push((ACCEPT_ENCODING, HeaderValue::from_static(ENCODINGS)));
    let validators = [
        (IF_NONE_MATCH, cond.etag.as_deref()),
        (IF_MODIFIED_SINCE, cond.last_modified.as_deref()),
    ];
    for (name, value) in validators {
        if let Some(v) = value.and_then(|v| HeaderValue::from_str(v).ok()) {
            out.push((name, v));
        }
    }
    out
}

/// The request head as sent: `Host` (what HTTP/1.1 sends; HTTP/2's `:authority` carries
/// the same) then `headers`.
pub(crate) fn request_head(url: &Url, headers: &[(HeaderName, HeaderValue)]) -> RequestHead {
    let host = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        (None, _) => String::new(),
    };
    let mut lines = vec![("Host".to_owned(), host)];
    lines.extend(
        headers
            .iter()
            .map(|(n, v)| (title_case(n.as_str()), text(v))),
    );
    RequestHead {
        method: "GET".into(),
        url: url.to_string(),
        headers: lines,
    }
}

/// The exchange that ended a fetch: `request` and `resp`'s status line, headers and peer.
pub(crate) fn of(request: RequestHead, resp: &reqwest::Response) -> HttpExchange {
    let status = resp.status();
    // hyper keeps an HTTP/1 reason phrase only when it is not the canonical one.
    let reason = resp
        .extensions()
        .get::<hyper::ext::ReasonPhrase>()
        .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned())
        .or_else(|| status.canonical_reason().map(str::to_owned))
        .unwrap_or_default();
    let headers = resp
        .headers()
        .iter()
        .map(|(n, v)| (title_case(n.as_str()), text(v)))
        .collect();
    HttpExchange {
        request: Some(request),
        response: ResponseHead {
            version: format!("{:?}", resp.version()),
            status: status.as_u16(),
            reason,
            headers,
        },
        ip: resp.remote_addr().map(|a| a.ip().to_string()),
    }
}

fn text(v: &HeaderValue) -> String {
    String::from_utf8_lossy(v.as_bytes()).into_owned()
}

/// `content-type` → `Content-Type`: the HTTP client lower-cases names (HTTP/2 requires it);
/// archives and their readers expect the usual spelling. Names are case-insensitive.
fn title_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        out.push(if upper { c.to_ascii_uppercase() } else { c });
        upper = c == '-';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_title_cased() {
        assert_eq!(title_case("content-type"), "Content-Type");
        assert_eq!(title_case("etag"), "Etag");
        assert_eq!(title_case("x-a-b"), "X-A-B");
    }

    #[test]
    fn host_carries_a_port_only_when_not_the_default() {
        let h = request_head(&Url::parse("https://e.test/a").unwrap(), &[]);
        assert_eq!(h.headers[0], ("Host".into(), "e.test".into()));
        let h = request_head(&Url::parse("http://127.0.0.1:8080/a").unwrap(), &[]);
        assert_eq!(h.headers[0], ("Host".into(), "127.0.0.1:8080".into()));
    }

    #[test]
    fn an_unusable_validator_is_not_sent() {
        let cond = Conditional {
            etag: Some("\"ok\"".into()),
            last_modified: Some("bad\nvalue".into()),
        };
        let names: Vec<_> = request_headers(&cond, "emend/1")
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, [USER_AGENT, ACCEPT, ACCEPT_ENCODING, IF_NONE_MATCH]);
    }
}
