//! Politeness: robots.txt rules, per-host rate limits and Retry-After hold-offs (pure state, no I/O).
//!
//! One [`Politeness`] is shared (in an `Arc`) by everything that talks to the network, so the
//! same host budget covers robots.txt, feeds, sitemaps, redirect hops and articles alike.

mod limiter;
mod retry_after;
mod robots;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;
use url::Url;

use limiter::HostGate;
pub use retry_after::{DEFAULT_RETRY_AFTER, MAX_RETRY_AFTER, ceil_secs, parse_retry_after};
pub use robots::{ROBOTS_RETRY, ROBOTS_TTL, RobotsFetch, RobotsVerdict, product_token, robots_url};

/// Requests per second to a host nobody configured a rate for.
pub const DEFAULT_RATE: f64 = 1.0;

/// The longest a request waits for its host to be free before giving up with the time it
/// will be (see [`Politeness::until_ready`]). Ordinary rate spacing is far shorter; longer
/// waits come from a Retry-After, an unreachable robots.txt or a long Crawl-delay.
pub const HOLD_PATIENCE: Duration = Duration::from_secs(30);

/// Shared politeness state: one gate per host, one robots.txt entry per origin.
pub struct Politeness {
    user_agent: String,
    product: String,
    default_rate: f64,
    hosts: Mutex<HashMap<String, Arc<HostGate>>>,
    robots: Mutex<HashMap<String, robots::Entry>>,
    robots_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl std::fmt::Debug for Politeness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Politeness")
            .field("user_agent", &self.user_agent)
            .field("product", &self.product)
            .field("default_rate", &self.default_rate)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The maps hold plain data that stays consistent even if a holder panicked.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The key hosts are limited by: the lower-case host name or IP, without the port (one
/// machine is one budget, whichever port it serves on).
pub fn host_key(url: &Url) -> String {
    url.host_str().unwrap_or("").to_ascii_lowercase()
}

impl Politeness {
    /// State for a crawler announcing itself as `user_agent`; unknown hosts get [`DEFAULT_RATE`].
    pub fn new(user_agent: &str) -> Politeness {
        Politeness::with_default_rate(user_agent, DEFAULT_RATE)
    }

    /// Like [`Politeness::new`], with another rate for hosts that have none set.
    pub fn with_default_rate(user_agent: &str, default_rate: f64) -> Politeness {
        Politeness {
            user_agent: user_agent.to_owned(),
            product: product_token(user_agent),
            default_rate,
            hosts: Mutex::new(HashMap::new()),
            robots: Mutex::new(HashMap::new()),
            robots_locks: Mutex::new(HashMap::new()),
        }
    }

    /// The User-Agent this state was made for.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// The robots.txt product token groups are matched against (e.g. `emend`).
    pub fn product_token(&self) -> &str {
        &self.product
    }

    fn gate(&self, host: &str) -> Arc<HostGate> {
        let mut hosts = lock(&self.hosts);
        Arc::clone(
            hosts
                .entry(host.to_ascii_lowercase())
                .or_insert_with(|| Arc::new(HostGate::new(self.default_rate))),
        )
    }

    /// Sets the requests-per-second budget of `host` (a host name or IP, as [`host_key`] gives).
    /// robots.txt `Crawl-delay` still wins when it is stricter.
    pub fn set_host_rate(&self, host: &str, rate: f64) {
        self.gate(host).set_rate(rate);
    }

    /// Applies a configured site's `rate` to `host`: it replaces the default, and when
    /// several sites (a feed host, an article host) name the same host the strictest wins.
    /// Cheap when nothing changes, so the daemon applies it before each request of a site.
    pub fn apply_site_rate(&self, host: &str, rate: f64) {
        self.gate(host).apply_site_rate(rate);
    }

    /// Applies `site`'s rate to every host it names: those of its feeds, sitemaps and index
    /// pages, and its `hosts` (where its articles live), before any request is sent.
    pub fn apply_site(&self, site: &crate::config::Site) {
        let sources = site
            .feeds
            .iter()
            .chain(&site.sitemaps)
            .chain(&site.start_urls)
            .map(host_key);
        let named = site.hosts.iter().map(|h| h.host.clone());
        for host in sources.chain(named) {
            self.apply_site_rate(&host, site.rate);
        }
    }

    /// The spacing currently enforced between two requests to `host`.
    pub fn host_interval(&self, host: &str) -> Duration {
        self.gate(host).interval()
    }

    /// Waits until a request to `host` may be sent (rate limit and any hold-off), and counts
    /// it. Waiting for one host never delays another. When the host is not free for more
    /// than [`HOLD_PATIENCE`], returns at once with the instant it will be.
    pub async fn until_ready(&self, host: &str) -> Result<(), Instant> {
        let gate = self.gate(host);
        gate.until_ready(HOLD_PATIENCE).await
    }

    /// Sends no request to `host` before `until` (e.g. after a 429/503 with `Retry-After`).
    /// An earlier deadline never shortens a longer hold-off already in place.
    pub fn hold_off(&self, host: &str, until: Instant) {
        tracing::debug!(
            host,
            wait_ms = until.saturating_duration_since(Instant::now()).as_millis() as u64,
            "holding off host"
        );
        self.gate(host).hold_off(until);
    }

    /// The end of the hold-off on `host`, if one is in force.
    pub fn held_until(&self, host: &str) -> Option<Instant> {
        self.gate(host).held_until()
    }

    /// What the cached robots.txt says about `url`; [`RobotsVerdict::Unknown`] when it must
    /// be fetched first. robots.txt itself is always allowed.
    pub fn allowed(&self, url: &Url) -> RobotsVerdict {
        if url.path() == "/robots.txt" {
            return RobotsVerdict::Allowed;
        }
        match lock(&self.robots).get(&robots::origin_key(url)) {
            Some(entry) => entry.verdict(url),
            None => RobotsVerdict::Unknown,
        }
    }

    /// Records the outcome of fetching the robots.txt that governs `url` (any URL of the origin).
    pub fn record_robots(&self, url: &Url, fetch: RobotsFetch) {
        let (entry, delay) = robots::interpret(&self.product, fetch);
        self.gate(&host_key(url)).set_crawl_delay(delay);
        lock(&self.robots).insert(robots::origin_key(url), entry);
    }

    /// Serialises robots.txt fetches per origin: hold the guard while fetching, so concurrent
    /// requests to one site fetch its robots.txt once.
    pub async fn robots_guard(&self, url: &Url) -> tokio::sync::OwnedMutexGuard<()> {
        let m = Arc::clone(
            lock(&self.robots_locks)
                .entry(robots::origin_key(url))
                .or_default(),
        );
        m.lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robots_verdicts_per_origin() {
        let p = Politeness::new("emend/0.1");
        let a = Url::parse("http://a.test/private/1").unwrap();
        let b = Url::parse("http://b.test/private/1").unwrap();
        assert_eq!(p.allowed(&a), RobotsVerdict::Unknown);
        p.record_robots(
            &a,
            RobotsFetch::Status {
                status: 200,
                body: "User-agent: emend\nDisallow: /private\nCrawl-delay: 3\n".into(),
            },
        );
        assert_eq!(p.allowed(&a), RobotsVerdict::Disallowed);
        assert_eq!(
            p.allowed(&Url::parse("http://a.test/robots.txt").unwrap()),
            RobotsVerdict::Allowed
        );
        assert_eq!(p.allowed(&b), RobotsVerdict::Unknown);
        assert_eq!(p.host_interval("a.test"), Duration::from_secs(3));
        assert_eq!(p.host_interval("b.test"), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn hold_off_blocks_one_host_only() {
        let p = Politeness::with_default_rate("emend", 1000.0);
        let until = Instant::now() + Duration::from_secs(120);
        p.hold_off("slow.test", until);
        let start = Instant::now();
        p.until_ready("fast.test").await.unwrap();
        assert_eq!(Instant::now(), start);
        // Beyond the patience the wait is reported, not slept...
        assert_eq!(p.until_ready("slow.test").await, Err(until));
        // ...and within it, slept.
        tokio::time::sleep_until(until - HOLD_PATIENCE / 2).await;
        p.until_ready("slow.test").await.unwrap();
        assert!(Instant::now() >= until);
    }
}
