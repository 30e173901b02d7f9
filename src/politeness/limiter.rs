//! Per-host pacing: a governor limiter with a burst of one, the Crawl-delay floor and Retry-After hold-offs.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::time::Instant;

/// The gate every request to one host passes through.
pub(crate) struct HostGate {
    state: Mutex<GateState>,
}

struct GateState {
    /// Rate set for this host by the caller, if any (else the politeness default).
    rate: f64,
    /// Whether `rate` came from a configured site (see [`HostGate::apply_site_rate`]).
    configured: bool,
    /// robots.txt `Crawl-delay`, when the host declared one.
    crawl_delay: Option<Duration>,
    /// Spacing between two requests, from `rate` and `crawl_delay`.
    interval: Duration,
    limiter: Arc<DefaultDirectRateLimiter>,
    held_until: Option<Instant>,
    last_grant: Option<Instant>,
}

/// Spacing for `rate` requests per second, never shorter than the crawl delay.
fn interval_for(rate: f64, crawl_delay: Option<Duration>) -> Duration {
    let from_rate = if rate.is_finite() && rate > 0.0 {
        Duration::try_from_secs_f64(1.0 / rate).unwrap_or(Duration::MAX)
    } else {
        Duration::from_secs(1)
    };
    // Capped at a day: governor cannot represent much longer periods, and config
    // validation and the Crawl-delay cap keep real values below it anyway.
    from_rate
        .max(crawl_delay.unwrap_or(Duration::ZERO))
        .clamp(Duration::from_nanos(1), Duration::from_secs(86_400))
}

fn limiter_for(interval: Duration) -> Arc<DefaultDirectRateLimiter> {
    // Burst of one: a host with rate r sees at most r + 1 requests in any one-second window.
    let quota = Quota::with_period(interval)
        .unwrap_or_else(|| Quota::per_second(std::num::NonZeroU32::MIN));
    Arc::new(RateLimiter::direct(quota))
}

impl HostGate {
    pub(crate) fn new(rate: f64) -> HostGate {
        let interval = interval_for(rate, None);
        HostGate {
            state: Mutex::new(GateState {
                rate,
                configured: false,
                crawl_delay: None,
                interval,
                limiter: limiter_for(interval),
                held_until: None,
                last_grant: None,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, GateState> {
        // A panic elsewhere while holding the lock leaves plain numbers behind; they are still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn set_rate(&self, rate: f64) {
        let mut s = self.lock();
        s.rate = rate;
        s.rebuild();
    }

    /// A configured site's rate: replaces the default, and of several sites naming this
    /// host the strictest wins. A no-op when nothing changes, so it may run per request.
    pub(crate) fn apply_site_rate(&self, rate: f64) {
        let mut s = self.lock();
        if !s.configured || rate < s.rate {
            s.rate = rate;
            s.configured = true;
            s.rebuild();
        }
    }

    pub(crate) fn set_crawl_delay(&self, delay: Option<Duration>) {
        let mut s = self.lock();
        if s.crawl_delay != delay {
            s.crawl_delay = delay;
            s.rebuild();
        }
    }

    pub(crate) fn interval(&self) -> Duration {
        self.lock().interval
    }

    pub(crate) fn hold_off(&self, until: Instant) {
        let mut s = self.lock();
        if s.held_until.is_none_or(|t| t < until) {
            s.held_until = Some(until);
        }
    }

    pub(crate) fn held_until(&self) -> Option<Instant> {
        self.lock().held_until.filter(|t| *t > Instant::now())
    }

    /// Waits until a request to this host may go out, and books it. Gives up at once,
    /// returning when the host will be free, if that is more than `patience` away (a
    /// Retry-After, robots.txt unreachable, a long Crawl-delay): the caller can do other
    /// work meanwhile instead of sleeping on a concurrency slot.
    pub(crate) async fn until_ready(&self, patience: Duration) -> Result<(), Instant> {
        loop {
            let (held, limiter, next_slot) = {
                let s = self.lock();
                let next_slot = s.last_grant.map(|t| t + s.interval);
                (s.held_until, Arc::clone(&s.limiter), next_slot)
            };
            let now = Instant::now();
            let too_far = |t: Instant| now.checked_add(patience).is_some_and(|limit| t > limit);
            if let Some(t) = held.filter(|t| *t > now) {
                if too_far(t) {
                    return Err(t);
                }
                tokio::time::sleep_until(t).await;
                continue;
            }
            if let Some(t) = next_slot.filter(|t| too_far(*t)) {
                return Err(t);
            }
            limiter.until_ready().await;
            let mut s = self.lock();
            // A hold-off or a new rate may have arrived while we waited; the cell we took is
            // simply wasted, which only ever makes us slower, never faster.
            if s.held_until.is_some_and(|t| t > Instant::now())
                || !Arc::ptr_eq(&s.limiter, &limiter)
            {
                continue;
            }
            s.last_grant = Some(Instant::now());
            return Ok(());
        }
    }
}

impl GateState {
    fn rebuild(&mut self) {
        let interval = interval_for(self.rate, self.crawl_delay);
        if interval == self.interval {
            return;
        }
        self.interval = interval;
        self.limiter = limiter_for(interval);
        // A fresh limiter forgets the last request; keep the new spacing from it.
        if let Some(last) = self.last_grant {
            let next = last + interval;
            if self.held_until.is_none_or(|t| t < next) {
                self.held_until = Some(next);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crawl_delay_wins_only_when_stricter() {
        assert_eq!(interval_for(10.0, None), Duration::from_millis(100));
        assert_eq!(
            interval_for(10.0, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            interval_for(0.1, Some(Duration::from_secs(2))),
            Duration::from_secs(10)
        );
        assert_eq!(interval_for(f64::NAN, None), Duration::from_secs(1));
    }

    #[tokio::test]
    async fn consecutive_requests_are_spaced() {
        let gate = HostGate::new(20.0);
        let start = std::time::Instant::now();
        for _ in 0..5 {
            gate.until_ready(Duration::MAX).await.unwrap();
        }
        // First is immediate, four more at 50 ms spacing.
        assert!(
            start.elapsed() >= Duration::from_millis(190),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn hold_off_is_waited_out() {
        let gate = HostGate::new(1000.0);
        let until = Instant::now() + Duration::from_secs(30);
        gate.hold_off(until);
        assert_eq!(gate.held_until(), Some(until));
        gate.until_ready(Duration::from_secs(60)).await.unwrap();
        assert!(Instant::now() >= until);
        assert_eq!(gate.held_until(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_hold_beyond_patience_is_reported_not_slept() {
        let gate = HostGate::new(1000.0);
        let until = Instant::now() + Duration::from_secs(600);
        gate.hold_off(until);
        let start = Instant::now();
        assert_eq!(gate.until_ready(Duration::from_secs(30)).await, Err(until));
        assert_eq!(Instant::now(), start, "returned without sleeping");
        // A slow host (one request a minute) is the same once its slot is taken.
        let slow = HostGate::new(1.0 / 60.0);
        slow.until_ready(Duration::from_secs(30)).await.unwrap();
        assert!(slow.until_ready(Duration::from_secs(30)).await.is_err());
    }
}
