//! A `Fetcher` for the fetch tests: a fixed user agent, short timeouts, a fast default host rate.

use std::sync::Arc;
use std::time::Duration;

use emend::config::Crawler;
use emend::fetch::Fetcher;
use emend::politeness::Politeness;

/// The user agent of [`crawler`].
#[allow(dead_code, reason = "each test crate uses a different subset")]
pub const UA: &str = "emend-test/1.0 (+https://example.org/emend)";

/// A minimal HTML page.
#[allow(dead_code, reason = "each test crate uses a different subset")]
pub const HTML: &str =
    "<!doctype html><html><head><title>t</title></head><body><p>Hello</p></body></html>";

/// Crawler settings with [`UA`] and timeouts short enough for tests.
#[allow(dead_code, reason = "each test crate uses a different subset")]
pub fn crawler() -> Crawler {
    Crawler {
        user_agent: UA.to_owned(),
        timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(2),
        ..Crawler::default()
    }
}

/// A fetcher whose hosts default to a high rate, so tests not about rates stay fast.
#[allow(dead_code, reason = "each test crate uses a different subset")]
pub fn fetcher() -> Fetcher {
    fetcher_with(crawler(), 200.0)
}

/// A fetcher with `config` whose hosts default to `default_rate` requests a second.
#[allow(dead_code, reason = "each test crate uses a different subset")]
pub fn fetcher_with(config: Crawler, default_rate: f64) -> Fetcher {
    let pol = Arc::new(Politeness::with_default_rate(
        &config.user_agent,
        default_rate,
    ));
    Fetcher::with_politeness(&config, pol).expect("test fetcher")
}
