//! Sending a request and following its redirects by hand: every hop is robots-checked and
//! rate-limited like any other request, loops and long chains end in [`Error::Redirect`].

use std::collections::HashSet;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH, LOCATION};
use url::Url;

use super::client::network_error;
use super::{Conditional, Fetcher};
use crate::error::{Error, Result};
use crate::politeness::host_key;

/// Most redirects followed for one fetch.
pub const MAX_REDIRECTS: usize = 10;

/// The response that ended a redirect chain.
pub(crate) struct Reply {
    pub(crate) resp: reqwest::Response,
    pub(crate) final_url: Url,
    pub(crate) redirects: Vec<Url>,
    /// When the first request of the chain was sent.
    pub(crate) started: Instant,
}

fn without_fragment(u: &Url) -> String {
    let mut u = u.clone();
    u.set_fragment(None);
    u.into()
}

impl Fetcher {
    /// GETs `url`, following up to [`MAX_REDIRECTS`] redirects; `robots` says whether each hop
    /// must be allowed by its host's robots.txt (false only for robots.txt itself).
    pub(crate) async fn follow(
        &self,
        url: &Url,
        cond: &Conditional,
        robots: bool,
    ) -> Result<Reply> {
        let mut hop = url.clone();
        let mut redirects: Vec<Url> = Vec::new();
        let mut seen: HashSet<String> = HashSet::from([without_fragment(url)]);
        let mut started: Option<Instant> = None;
        loop {
            if robots {
                self.check_robots(&hop).await?;
            }
            let resp = self.send(&hop, cond).await?;
            let started = *started.get_or_insert_with(Instant::now);
            let status = resp.status();
            let location = match resp.headers().get(LOCATION) {
                Some(l) if status.is_redirection() && status != StatusCode::NOT_MODIFIED => l,
                _ => {
                    return Ok(Reply {
                        resp,
                        final_url: hop,
                        redirects,
                        started,
                    });
                }
            };
            let location = String::from_utf8_lossy(location.as_bytes()).into_owned();
            let next = hop.join(location.trim()).map_err(|e| Error::Redirect {
                url: url.to_string(),
                message: format!("{hop} redirects to an invalid Location {location:?}: {e}"),
            })?;
            if !matches!(next.scheme(), "http" | "https") || !next.has_host() {
                return Err(Error::Redirect {
                    url: url.to_string(),
                    message: format!("{hop} redirects to a non-HTTP URL {next}"),
                });
            }
            if !seen.insert(without_fragment(&next)) {
                let mut path: Vec<String> = std::iter::once(url.to_string())
                    .chain(redirects.iter().map(Url::to_string))
                    .collect();
                path.push(next.to_string());
                return Err(Error::Redirect {
                    url: url.to_string(),
                    message: format!("redirect loop: {}", path.join(" -> ")),
                });
            }
            if redirects.len() >= MAX_REDIRECTS {
                return Err(Error::Redirect {
                    url: url.to_string(),
                    message: format!("more than {MAX_REDIRECTS} redirects (the last to {next})"),
                });
            }
            redirects.push(next.clone());
            hop = next;
        }
    }

    /// One request, after the host's rate limit (and any hold-off) allows it.
    async fn send(&self, url: &Url, cond: &Conditional) -> Result<reqwest::Response> {
        let host = host_key(url);
        if let Err(free_at) = self.politeness().until_ready(&host).await {
            let wait = free_at.saturating_duration_since(tokio::time::Instant::now());
            return Err(Error::HostHeldOff {
                host,
                until: chrono::Utc::now()
                    .checked_add_signed(
                        chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX),
                    )
                    .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC),
            });
        }
        let mut req = self.client.get(url.clone());
        // A validator we cannot put in a header is just not sent: the fetch stays unconditional.
        if let Some(v) = cond
            .etag
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            req = req.header(IF_NONE_MATCH, v);
        }
        if let Some(v) = cond
            .last_modified
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            req = req.header(IF_MODIFIED_SINCE, v);
        }
        let t0 = Instant::now();
        let result = req.send().await;
        let ms = millis(t0.elapsed());
        match result {
            Ok(resp) => {
                tracing::debug!(host, url = %url, status = resp.status().as_u16(), ms, "http request");
                Ok(resp)
            }
            Err(e) => {
                let err = network_error(url, &e);
                tracing::debug!(host, url = %url, ms, error = %err, "http request failed");
                Err(err)
            }
        }
    }
}

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
