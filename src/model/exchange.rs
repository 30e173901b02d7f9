//! The HTTP exchange behind a stored version or check: what a WARC `request` and `response`
//! record need besides the body.

use serde::{Deserialize, Serialize};

/// One header line as sent or received: name and value, the value decoded as UTF-8 (lossily:
/// header values are nearly always ASCII, and a WARC record re-encodes them as UTF-8).
pub type Header = (String, String);

/// The request line and headers emend sent for the final hop of a fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestHead {
    /// `GET`.
    pub method: String,
    /// The absolute URL requested.
    pub url: String,
    /// Every header emend set, in the order sent, `Host` first.
    pub headers: Vec<Header>,
}

/// The status line and headers of the response that ended a fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseHead {
    /// `HTTP/1.1`, `HTTP/2.0`…
    pub version: String,
    /// The status code.
    pub status: u16,
    /// The reason phrase (the canonical one for the code: HTTP/2 carries none).
    pub reason: String,
    /// The headers as received, in order. Bodies are stored after content-decoding, and the
    /// HTTP client drops `Content-Encoding` and `Content-Length` when it decodes one.
    pub headers: Vec<Header>,
}

/// A request and the response that answered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpExchange {
    /// What was sent; `None` for an imported response whose request was not archived.
    pub request: Option<RequestHead>,
    /// What came back (without the body).
    pub response: ResponseHead,
    /// The server's IP address, when the connection reported it.
    #[serde(default)]
    pub ip: Option<String>,
}

impl ResponseHead {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}
