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

/// An [`Error::Network`] for `url` naming the host and the cause in plain words
/// (`cannot connect to a.test:8080: connection refused`); reqwest's whole cause chain
/// goes to the debug log.
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
    let detail = chain(e);
    tracing::debug!(url = %url, error = %detail, "request failed");
    let host = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => url.to_string(),
    };
    let message = match plain_cause(&detail, e.is_timeout()) {
        Some(cause) if e.is_connect() || e.is_timeout() => {
            format!("cannot connect to {host}: {cause}")
        }
        Some(cause) => format!("{host}: {cause}"),
        None => detail,
    };
    Error::Network {
        url: super::shown(url),
        message,
    }
}

/// The cause a person can act on, recognised in reqwest's cause chain; `None` when the
/// chain says nothing better known.
pub(crate) fn plain_cause(detail: &str, timeout: bool) -> Option<&'static str> {
    let d = detail.to_ascii_lowercase();
    let known: &[(&[&str], &str)] = &[
        (&["connection refused"], "connection refused"),
        (
            &[
                "dns error",
                "failed to lookup address",
                "name or service not known",
            ],
            "no such host (DNS lookup failed)",
        ),
        (
            &[
                "invalidcontenttype",
                "corrupt message",
                "wrong version number",
            ],
            "TLS handshake failed (TLS to a plain-HTTP port?)",
        ),
        (
            &["certificate", "unknownissuer"],
            "TLS certificate rejected",
        ),
        (&["connection reset"], "connection reset by the server"),
        (
            &["network is unreachable", "no route to host"],
            "network unreachable",
        ),
    ];
    if let Some((_, cause)) = known
        .iter()
        .find(|(needles, _)| needles.iter().any(|n| d.contains(n)))
    {
        return Some(cause);
    }
    (timeout || d.contains("timed out")).then_some("timed out")
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
