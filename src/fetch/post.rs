//! Outgoing requests that deliver something (notification webhooks): one request, no robots
//! or crawl politeness (the user configured the endpoint), the answer's status and
//! `Retry-After` reported so the caller can back off.

use std::time::{Duration, SystemTime};

use reqwest::header::RETRY_AFTER;
use url::Url;

use super::client::network_error;
use crate::error::{Error, Result};
use crate::politeness::{ceil_secs, parse_retry_after};

/// A request to send: method, headers and body are the caller's.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    /// `POST`, or `PUT` for endpoints that take an idempotent transaction id.
    pub put: bool,
    /// Where to.
    pub url: &'a Url,
    /// Content-Type of `body`.
    pub content_type: &'a str,
    /// Extra headers (names and values as configured).
    pub headers: &'a [(String, String)],
    /// The body.
    pub body: Vec<u8>,
}

/// Sends requests for notification targets; cheap to clone.
#[derive(Debug, Clone)]
pub struct Poster {
    client: reqwest::Client,
}

impl Poster {
    /// A client with the crawler's User-Agent and a whole-request `timeout`.
    pub fn new(user_agent: &str, timeout: Duration) -> Result<Poster> {
        let client = reqwest::Client::builder()
            .tls_backend_rustls()
            .user_agent(user_agent)
            .timeout(timeout)
            .build()
            .map_err(|e| Error::Network {
                url: String::new(),
                message: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Poster { client })
    }

    /// Sends `req`; any 2xx is success. Another status is [`Error::HttpStatus`] with the
    /// server's `Retry-After` in seconds, if it sent one.
    pub async fn send(&self, req: Outgoing<'_>) -> Result<()> {
        let url = req.url.clone();
        let mut builder = if req.put {
            self.client.put(url.clone())
        } else {
            self.client.post(url.clone())
        };
        builder = builder.header(reqwest::header::CONTENT_TYPE, req.content_type);
        for (name, value) in req.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let resp = builder
            .body(req.body)
            .send()
            .await
            .map_err(|e| network_error(&url, &e))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()))
            .map(ceil_secs);
        Err(Error::HttpStatus {
            url: url.to_string(),
            status: status.as_u16(),
            retry_after,
        })
    }
}
