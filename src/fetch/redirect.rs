//! Sending a request and following its redirects by hand: every hop is robots-checked and
//! rate-limited like any other request and kept within the fetch's [`Scope`], loops and long
//! chains end in [`Error::Redirect`].

use std::collections::HashSet;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::LOCATION;
use url::Url;

use super::client::network_error;
use super::policy::Scope;
use super::{Conditional, Fetcher, exchange, shown};
use crate::discover::MAX_URL_LEN;
use crate::error::{Error, Result};
use crate::model::RequestHead;
use crate::politeness::host_key;

/// Most redirects followed for one fetch.
pub const MAX_REDIRECTS: usize = 10;

/// The response that ended a redirect chain.
pub(crate) struct Reply {
    pub(crate) resp: reqwest::Response,
    pub(crate) final_url: Url,
    pub(crate) redirects: Vec<Url>,
    /// The request that got `resp`, as sent.
    pub(crate) request: RequestHead,
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
    /// must be allowed by its host's robots.txt (false only for robots.txt itself), `scope`
    /// where each hop may go (checked before its robots.txt is asked for).
    pub(crate) async fn follow(
        &self,
        url: &Url,
        cond: &Conditional,
        robots: bool,
        scope: &Scope,
    ) -> Result<Reply> {
        let mut hop = url.clone();
        let mut redirects: Vec<Url> = Vec::new();
        let mut seen: HashSet<String> = HashSet::from([without_fragment(url)]);
        let mut started: Option<Instant> = None;
        loop {
            scope.check(&hop).map_err(|reason| Error::AddressRefused {
                url: shown(&hop),
                reason,
            })?;
            if robots {
                self.check_robots(&hop, scope).await?;
            }
            let (resp, request) = self.send(&hop, cond, scope).await?;
            let started = *started.get_or_insert_with(Instant::now);
            let status = resp.status();
            let location = match resp.headers().get(LOCATION) {
                Some(l) if status.is_redirection() && status != StatusCode::NOT_MODIFIED => l,
                _ => {
                    return Ok(Reply {
                        resp,
                        final_url: hop,
                        redirects,
                        request,
                        started,
                    });
                }
            };
            let redirect_error = |message: String| Error::Redirect {
                url: shown(url),
                message,
            };
            if location.len() > MAX_URL_LEN {
                return Err(redirect_error(format!(
                    "{} redirects to a Location of {} bytes, over the {MAX_URL_LEN}-byte limit",
                    shown(&hop),
                    location.len()
                )));
            }
            let location = String::from_utf8_lossy(location.as_bytes()).into_owned();
            let next = hop.join(location.trim()).map_err(|e| {
                redirect_error(format!(
                    "{} redirects to an invalid Location {location:?}: {e}",
                    shown(&hop)
                ))
            })?;
            if !matches!(next.scheme(), "http" | "https") || !next.has_host() {
                return Err(redirect_error(format!(
                    "{} redirects to a non-HTTP URL {}",
                    shown(&hop),
                    shown(&next)
                )));
            }
            if !seen.insert(without_fragment(&next)) {
                let path: Vec<String> = std::iter::once(url)
                    .chain(&redirects)
                    .chain(std::iter::once(&next))
                    .map(shown)
                    .collect();
                return Err(redirect_error(format!(
                    "redirect loop: {}",
                    path.join(" -> ")
                )));
            }
            if redirects.len() >= MAX_REDIRECTS {
                return Err(redirect_error(format!(
                    "more than {MAX_REDIRECTS} redirects (the last to {})",
                    shown(&next)
                )));
            }
            redirects.push(next.clone());
            hop = next;
        }
    }

    /// One request, after the host's rate limit (and any hold-off) allows it, with its head
    /// as sent.
    async fn send(
        &self,
        url: &Url,
        cond: &Conditional,
        scope: &Scope,
    ) -> Result<(reqwest::Response, RequestHead)> {
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
        let headers = exchange::request_headers(cond, &self.user_agent);
        let head = exchange::request_head(url, &headers);
        let mut req = self.client_for(scope).get(url.clone());
        for (name, value) in headers {
            req = req.header(name, value);
        }
        let t0 = Instant::now();
        let result = req.send().await;
        let ms = millis(t0.elapsed());
        match result {
            Ok(resp) => {
                tracing::debug!(host, url = %shown(url), status = resp.status().as_u16(), ms, "http request");
                Ok((resp, head))
            }
            Err(e) => {
                let err = network_error(url, &e);
                tracing::debug!(host, url = %shown(url), ms, error = %err, "http request failed");
                Err(err)
            }
        }
    }
}

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
