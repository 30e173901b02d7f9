//! The reqwest client (rustls, timeouts, decompression, no automatic redirects) and its error wording.

use std::error::Error as StdError;

use url::Url;

use super::resolve::{NonPublicAddress, PublicOnly};
use crate::config::Crawler;
use crate::error::{Error, Result};

/// Builds an HTTP client; with `public_only`, host names resolve to public addresses only
/// (see [`PublicOnly`]).
pub(crate) fn build(config: &Crawler, public_only: bool) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder();
    if public_only {
        builder = builder.dns_resolver(std::sync::Arc::new(PublicOnly));
    }
    builder
        .tls_backend_rustls()
        .user_agent(config.user_agent.as_str())
        .connect_timeout(config.connect_timeout)
        .timeout(config.timeout)
        .gzip(true)
        .brotli(true)
        .deflate(true)
        // Every hop must be rate-limited and robots-checked, so redirects are ours to follow.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::Network {
            url: String::new(),
            message: format!("cannot build the HTTP client: {}", chain(&e)),
        })
}

/// An [`Error::Network`] for `url`, with reqwest's whole cause chain on one line
/// (e.g. `error sending request: client error (Connect): tcp connect error: Connection refused (os error 111)`).
pub(crate) fn network_error(url: &Url, e: &reqwest::Error) -> Error {
    let mut source = e.source();
    while let Some(s) = source {
        if let Some(refused) = s.downcast_ref::<NonPublicAddress>() {
            return Error::AddressRefused {
                url: super::shown(url),
                reason: format!(
                    "{refused}; only a site with allow_private = true (or configured at such an address) may reach one"
                ),
            };
        }
        source = s.source();
    }
    let mut message = chain(e);
    if e.is_timeout() && !message.contains("timed out") {
        message = format!("timed out: {message}");
    }
    Error::Network {
        url: super::shown(url),
        message,
    }
}

fn chain(e: &reqwest::Error) -> String {
    // reqwest's own Display repeats the URL; the error already names it.
    let top = e.to_string();
    let top = top
        .split(" for url (")
        .next()
        .unwrap_or(top.as_str())
        .to_owned();
    let mut parts = vec![top];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        // Layers often wrap and repeat their cause's message; print each fact once.
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}
