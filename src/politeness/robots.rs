//! robots.txt: the per-origin cache and its RFC 9309 reading of fetch outcomes.

use std::sync::Arc;
use std::time::Duration;

use texting_robots::Robot;
use tokio::time::Instant;
use url::Url;

/// How long a fetched robots.txt (or a 4xx "allow all") is trusted.
pub const ROBOTS_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// How long an unreachable robots.txt keeps its host closed before we ask again.
pub const ROBOTS_RETRY: Duration = Duration::from_secs(10 * 60);

/// Whether a URL may be fetched, as far as robots.txt is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RobotsVerdict {
    /// The rules allow it (or the host has no robots.txt).
    Allowed,
    /// The rules forbid it for our user agent.
    Disallowed,
    /// robots.txt answered 5xx or could not be reached: RFC 9309 says treat the site as disallowed.
    Unreachable {
        /// Why robots.txt could not be read.
        reason: String,
    },
    /// robots.txt of this origin is not cached (or expired): fetch it, then ask again.
    Unknown,
}

/// What a robots.txt fetch came back with, to be recorded with [`super::Politeness::record_robots`].
#[derive(Debug, Clone)]
pub enum RobotsFetch {
    /// The server answered with this status (after redirects) and body.
    Status {
        /// Final HTTP status.
        status: u16,
        /// The body (only read for 2xx).
        body: bytes::Bytes,
    },
    /// No usable answer: 5xx-like trouble, network failure, timeout.
    Unreachable {
        /// One-line reason, shown to the user.
        reason: String,
    },
    /// The server pointed somewhere we cannot follow (too many redirects, a loop): RFC 9309
    /// §2.3.1.2 lets us treat that as "unavailable", i.e. allow all.
    Unavailable,
}

pub(crate) enum Rules {
    Parsed(Arc<Robot>),
    AllowAll,
    Unreachable(String),
}

pub(crate) struct Entry {
    pub(crate) rules: Rules,
    pub(crate) expires: Instant,
}

impl Entry {
    pub(crate) fn verdict(&self, url: &Url) -> RobotsVerdict {
        if self.expires <= Instant::now() {
            return RobotsVerdict::Unknown;
        }
        match &self.rules {
            Rules::AllowAll => RobotsVerdict::Allowed,
            Rules::Parsed(robot) => {
                if robot.allowed(url.as_str()) {
                    RobotsVerdict::Allowed
                } else {
                    RobotsVerdict::Disallowed
                }
            }
            Rules::Unreachable(reason) => RobotsVerdict::Unreachable {
                reason: reason.clone(),
            },
        }
    }
}

/// Reads a fetch outcome the RFC 9309 way; also returns the Crawl-delay, if any.
pub(crate) fn interpret(product: &str, fetch: RobotsFetch) -> (Entry, Option<Duration>) {
    let now = Instant::now();
    let (rules, ttl, delay) = match fetch {
        RobotsFetch::Status { status, body } if (200..300).contains(&status) => {
            match Robot::new(product, &body) {
                Ok(robot) => {
                    let delay = robot
                        .delay
                        .filter(|d| d.is_finite() && *d > 0.0)
                        .and_then(|d| Duration::try_from_secs_f32(d).ok())
                        .map(|d| d.min(Duration::from_secs(24 * 60 * 60)));
                    (Rules::Parsed(Arc::new(robot)), ROBOTS_TTL, delay)
                }
                // An unparseable file states no rules; crawlers treat it like an empty one.
                Err(e) => {
                    tracing::warn!(error = %e, "robots.txt unparseable, treating as allow-all");
                    (Rules::AllowAll, ROBOTS_TTL, None)
                }
            }
        }
        // 429 is a "slow down", not "no robots.txt here": treat it like a server error, as
        // the large crawlers do, rather than as a licence to crawl everything.
        RobotsFetch::Status { status: 429, .. } => (
            Rules::Unreachable("robots.txt answered HTTP 429".into()),
            ROBOTS_RETRY,
            None,
        ),
        RobotsFetch::Status { status, .. } if (400..500).contains(&status) => {
            (Rules::AllowAll, ROBOTS_TTL, None)
        }
        RobotsFetch::Status { status, .. } => (
            Rules::Unreachable(format!("robots.txt answered HTTP {status}")),
            ROBOTS_RETRY,
            None,
        ),
        RobotsFetch::Unreachable { reason } => (Rules::Unreachable(reason), ROBOTS_RETRY, None),
        RobotsFetch::Unavailable => (Rules::AllowAll, ROBOTS_TTL, None),
    };
    (
        Entry {
            rules,
            expires: now + ttl,
        },
        delay,
    )
}

/// The RFC 9309 product token of a User-Agent: `emend/0.1 (+https://…)` → `emend`.
pub fn product_token(user_agent: &str) -> String {
    let token: String = user_agent
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    if token.is_empty() {
        "*".to_owned()
    } else {
        token.to_ascii_lowercase()
    }
}

/// The robots.txt URL governing `url` (same scheme, host and port).
pub fn robots_url(url: &Url) -> Option<Url> {
    if !url.has_host() || !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let mut r = url.clone();
    r.set_path("/robots.txt");
    r.set_query(None);
    r.set_fragment(None);
    // Credentials belong to the page, not to robots.txt; failing to clear them is harmless.
    let _ = r.set_username("");
    let _ = r.set_password(None);
    Some(r)
}

/// The cache key of `url`'s robots.txt: its origin (scheme, host, port), as RFC 9309 scopes it.
pub(crate) fn origin_key(url: &Url) -> String {
    url.origin().ascii_serialization()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn ok(body: &str) -> RobotsFetch {
        RobotsFetch::Status {
            status: 200,
            body: bytes::Bytes::from(body.to_owned()),
        }
    }

    #[test]
    fn product_token_is_the_name_before_the_slash() {
        assert_eq!(product_token("emend/0.1 (+https://x)"), "emend");
        assert_eq!(product_token("My-Bot"), "my-bot");
        assert_eq!(product_token("  "), "*");
    }

    #[test]
    fn our_group_is_chosen_over_the_star_group() {
        let body = "User-agent: *\nDisallow: /\n\nUser-agent: emend\nDisallow: /private\n";
        let (e, _) = interpret("emend", ok(body));
        assert_eq!(e.verdict(&url("http://a/news/1")), RobotsVerdict::Allowed);
        assert_eq!(
            e.verdict(&url("http://a/private/x")),
            RobotsVerdict::Disallowed
        );
        let (other, _) = interpret("otherbot", ok(body));
        assert_eq!(
            other.verdict(&url("http://a/news/1")),
            RobotsVerdict::Disallowed
        );
    }

    #[test]
    fn status_semantics_follow_rfc_9309() {
        let u = url("http://a/x");
        let status = |s| RobotsFetch::Status {
            status: s,
            body: bytes::Bytes::new(),
        };
        assert_eq!(
            interpret("emend", status(404)).0.verdict(&u),
            RobotsVerdict::Allowed
        );
        assert_eq!(
            interpret("emend", status(403)).0.verdict(&u),
            RobotsVerdict::Allowed
        );
        assert!(matches!(
            interpret("emend", status(503)).0.verdict(&u),
            RobotsVerdict::Unreachable { .. }
        ));
        assert!(matches!(
            interpret("emend", status(429)).0.verdict(&u),
            RobotsVerdict::Unreachable { .. }
        ));
        let unreachable = RobotsFetch::Unreachable {
            reason: "connection refused".into(),
        };
        assert_eq!(
            interpret("emend", unreachable).0.verdict(&u),
            RobotsVerdict::Unreachable {
                reason: "connection refused".into()
            }
        );
        assert_eq!(
            interpret("emend", RobotsFetch::Unavailable).0.verdict(&u),
            RobotsVerdict::Allowed
        );
    }

    #[test]
    fn crawl_delay_is_reported() {
        let (_, delay) = interpret("emend", ok("User-agent: *\nCrawl-delay: 2\n"));
        assert_eq!(delay, Some(Duration::from_secs(2)));
    }

    #[tokio::test(start_paused = true)]
    async fn entries_expire() {
        let u = url("http://a/x");
        let (ok_entry, _) = interpret("emend", ok(""));
        let (bad, _) = interpret(
            "emend",
            RobotsFetch::Status {
                status: 500,
                body: bytes::Bytes::new(),
            },
        );
        tokio::time::advance(ROBOTS_RETRY + Duration::from_secs(1)).await;
        assert_eq!(bad.verdict(&u), RobotsVerdict::Unknown);
        assert_eq!(ok_entry.verdict(&u), RobotsVerdict::Allowed);
        tokio::time::advance(ROBOTS_TTL).await;
        assert_eq!(ok_entry.verdict(&u), RobotsVerdict::Unknown);
    }

    #[test]
    fn robots_url_keeps_scheme_host_port() {
        assert_eq!(
            robots_url(&url("https://u:p@a.org:8443/x/y?q=1#f"))
                .unwrap()
                .as_str(),
            "https://a.org:8443/robots.txt"
        );
        assert!(robots_url(&url("mailto:x@y")).is_none());
    }
}
