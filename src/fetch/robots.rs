//! Fetching robots.txt on demand and asking the shared cache whether a URL may be fetched.

use url::Url;

use super::body::read_capped;
use super::policy::Scope;
use super::{Fetcher, shown};
use crate::error::{Error, Result};
use crate::politeness::{RobotsFetch, RobotsVerdict, host_key, robots_url};

impl Fetcher {
    /// Ok when robots.txt of `url`'s origin allows it, fetching robots.txt first if not cached
    /// (that fetch counts against the host's rate like any other). Lets discovery drop
    /// disallowed URLs before scheduling them. robots.txt is fetched within `scope`.
    ///
    /// Errors: [`Error::RobotsDisallowed`]; [`Error::RobotsUnavailable`] while robots.txt is
    /// 5xx/unreachable (re-asked after [`crate::politeness::ROBOTS_RETRY`]); [`Error::Network`]
    /// when this very call found the host unreachable.
    pub async fn check_robots(&self, url: &Url, scope: &Scope) -> Result<()> {
        let pol = self.politeness();
        let mut verdict = pol.allowed(url);
        if verdict == RobotsVerdict::Unknown {
            // One fetch per origin even when many requests to it start at once.
            let _guard = pol.robots_guard(url).await;
            verdict = pol.allowed(url);
            if verdict == RobotsVerdict::Unknown {
                let (fetch, network) = self.fetch_robots(url, scope).await;
                pol.record_robots(url, fetch);
                // The host itself is down (refused, DNS, timeout): say so plainly, naming the
                // page asked for, rather than blaming robots.txt. Later calls within the retry
                // window get RobotsUnavailable.
                if let Some(message) = network {
                    return Err(Error::Network {
                        url: shown(url),
                        message,
                    });
                }
                verdict = pol.allowed(url);
            }
        }
        match verdict {
            RobotsVerdict::Allowed => Ok(()),
            RobotsVerdict::Disallowed => Err(Error::RobotsDisallowed { url: shown(url) }),
            RobotsVerdict::Unreachable { reason } => Err(Error::RobotsUnavailable {
                host: host_key(url),
                reason,
            }),
            RobotsVerdict::Unknown => Err(Error::RobotsUnavailable {
                host: host_key(url),
                reason: "robots.txt could not be cached".into(),
            }),
        }
    }

    /// The outcome to cache, and the network failure behind it, if that is what it was.
    async fn fetch_robots(&self, url: &Url, scope: &Scope) -> (RobotsFetch, Option<String>) {
        let Some(robots) = robots_url(url) else {
            return (RobotsFetch::Unavailable, None);
        };
        let mut network = None;
        // Boxed: robots.txt is fetched from inside `follow`, which it calls again (robots-free).
        let conditional = Default::default();
        let fetch = match Box::pin(self.follow(&robots, &conditional, false, scope)).await {
            Ok(reply) => {
                let status = reply.resp.status();
                if status.is_success() {
                    match read_capped(reply.resp, &reply.final_url, self.max_body).await {
                        Ok(body) => RobotsFetch::Status {
                            status: status.as_u16(),
                            body,
                        },
                        Err(e) => RobotsFetch::Unreachable {
                            reason: e.to_string(),
                        },
                    }
                } else if status.is_redirection() {
                    // A redirect without a usable Location: nothing to read, per RFC 9309 "unavailable".
                    RobotsFetch::Unavailable
                } else {
                    // 429/503 also close the host for their Retry-After, like any other request.
                    let _ = self.status_error(&reply.final_url, &reply.resp);
                    RobotsFetch::Status {
                        status: status.as_u16(),
                        body: bytes::Bytes::new(),
                    }
                }
            }
            // A redirect that cannot be followed (too many, or out of the site's reach) is
            // "unavailable" per RFC 9309; the page itself is held to the same policy.
            Err(Error::Redirect { .. } | Error::AddressRefused { .. }) => RobotsFetch::Unavailable,
            Err(Error::Network { message, .. }) => {
                network = Some(message.clone());
                RobotsFetch::Unreachable { reason: message }
            }
            Err(e) => RobotsFetch::Unreachable {
                reason: e.to_string(),
            },
        };
        tracing::debug!(host = host_key(url), robots = %robots, outcome = ?fetch_summary(&fetch), "robots.txt");
        (fetch, network)
    }
}

fn fetch_summary(f: &RobotsFetch) -> String {
    match f {
        RobotsFetch::Status { status, body } => format!("HTTP {status}, {} bytes", body.len()),
        RobotsFetch::Unreachable { reason } => format!("unreachable: {reason}"),
        RobotsFetch::Unavailable => "unavailable (allow all)".into(),
    }
}
