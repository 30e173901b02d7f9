//! One scheduled check: run the pipeline, log one line, and set the article's next check
//! (widening while unchanged, reset on change, backing off on errors, honouring Retry-After).

use std::time::{Duration, Instant};

use backon::{BackoffBuilder, ExponentialBuilder};
use chrono::Utc;
use url::Url;

use super::Shared;
use super::queue::to_chrono;
use crate::config::{DEFAULT_INTERVAL, DEFAULT_MAX_INTERVAL, Site};
use crate::error::Error;
use crate::model::ChangeKind;
use crate::pipeline::{CheckOptions, Release};
use crate::politeness::{ROBOTS_RETRY, RobotsVerdict, host_key};
use crate::schedule;
use crate::store::{Reschedule, ScheduleState};

/// Checks `url` once and reschedules it. Never fails: errors are logged and scheduled around.
/// `release` gives the host's request slot back early (see [`Pipeline::check_scheduled`]).
///
/// [`Pipeline::check_scheduled`]: crate::pipeline::Pipeline::check_scheduled
pub(super) async fn check(shared: &Shared, url: &str, state: ScheduleState, release: Release) {
    let started = Instant::now();
    let Ok(parsed) = Url::parse(url) else {
        return;
    };
    let host = host_key(&parsed);
    let site = shared.config.site_for(&parsed);
    // The site's rate reaches its article hosts here too, not only when discovery first
    // saw an article: after a restart nothing is "first seen" again.
    if let Some(s) = site {
        shared
            .pipeline
            .fetcher()
            .politeness()
            .apply_site_rate(&host, s.rate);
    }
    let (base, max) = site.map_or((DEFAULT_INTERVAL, DEFAULT_MAX_INTERVAL), |s: &Site| {
        (s.interval, s.max_interval)
    });
    let current = Duration::from_secs(state.interval_secs).max(Duration::from_secs(1));
    // Should the page prove unchanged, its next schedule is written with its check-log
    // entry (one transaction per re-check, not two).
    let (unchanged, after) = succeeded(&state, false, current, base, max);
    let then = Reschedule {
        url: url.to_owned(),
        state: unchanged,
        after,
    };
    let opts = CheckOptions {
        outcome_only: true,
        ..CheckOptions::default()
    };
    let result = shared
        .pipeline
        .check_scheduled(&parsed, opts, Some(then), Some(release))
        .await;
    let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let now = Utc::now();
    let mut next = state.clone();
    let mut fetch_url = url.to_owned();
    let delay = match &result {
        Ok(report) => {
            let changed = report.change != ChangeKind::Unchanged;
            // The words and the fetch time `emend checks` shows for this check.
            let outcome = if report.status == 304 {
                crate::model::NOT_MODIFIED
            } else {
                report.change.as_str()
            };
            let ms = u64::try_from(report.elapsed.as_millis()).unwrap_or(u64::MAX);
            tracing::info!(
                host = %host, url = %url, status = report.status, outcome,
                version = report.version.as_ref().map(|v| v.number), ms, "check"
            );
            if report.rescheduled {
                if state.tracking_over(now) {
                    tracing::info!(url = %url, "tracking period over; no more re-checks");
                }
                return;
            }
            if let Some(v) = &report.version {
                // Re-check where the article answers now (after redirects), not an alias.
                fetch_url = v.fetched_url.clone();
            }
            let (after_check, interval) = succeeded(&state, changed, current, base, max);
            next = after_check;
            interval
        }
        // Not a failure of the URL: its host is busy for a while (another check got a 429,
        // robots.txt is unreachable). Try again when the host is free, without back-off.
        Err(Error::HostHeldOff { until, .. }) => {
            tracing::debug!(host = %host, url = %url, until = %until, "host held off; check postponed");
            (*until - now)
                .to_std()
                .unwrap_or(Duration::ZERO)
                .mul_f64(rand::random_range(1.0..1.1))
                .max(Duration::from_secs(1))
        }
        Err(err) if err.is_store_failure() => {
            // Not this URL's fault: its schedule (leased) is left as it is for a restart.
            shared.fail(err);
            return;
        }
        Err(err) => {
            tracing::warn!(host = %host, url = %url, outcome = crate::model::FAILED, error = %err, ms, "check");
            shared.metrics.add_error(&host);
            next.failures = state.failures.saturating_add(1);
            let politeness = shared.pipeline.fetcher().politeness();
            match err {
                // robots.txt unreachable: the whole host waits for the next robots attempt,
                // instead of every URL failing one by one.
                _ if matches!(
                    politeness.allowed(&parsed),
                    RobotsVerdict::Unreachable { .. }
                ) =>
                {
                    politeness.hold_off(&host, tokio::time::Instant::now() + ROBOTS_RETRY);
                    ROBOTS_RETRY.mul_f64(rand::random_range(1.0..1.5))
                }
                Error::RobotsDisallowed { .. } => {
                    // Never requested again; its history (if any) stays.
                    clear(shared, url);
                    return;
                }
                Error::HttpStatus {
                    retry_after: Some(secs),
                    ..
                } => Duration::from_secs(*secs).max(Duration::from_secs(1)),
                _ => backoff(base, max, next.failures),
            }
        }
    };
    if next.tracking_over(now) {
        tracing::info!(url = %url, "tracking period over; no more re-checks");
        next.next_due = None;
    } else {
        next.next_due = Some(now + to_chrono(delay));
    }
    match shared.store().reschedule(url, &fetch_url, &next) {
        Ok(true) => {}
        Ok(false) => tracing::info!(url = %url, "taken off the schedule during its check"),
        Err(e) if e.is_store_failure() => shared.fail(&e),
        Err(e) => tracing::error!(url = %url, error = %e, "could not save the schedule"),
    }
}

/// The schedule after a successful check that found the page `changed` or not, and the
/// gap before the next check (`next_due` is left to the caller).
pub(super) fn succeeded(
    state: &ScheduleState,
    changed: bool,
    current: Duration,
    base: Duration,
    max: Duration,
) -> (ScheduleState, Duration) {
    let interval = schedule::next_interval(current, changed, base, max);
    let next = ScheduleState {
        failures: 0,
        unchanged_streak: if changed {
            0
        } else {
            state.unchanged_streak.saturating_add(1)
        },
        interval_secs: interval.as_secs(),
        ..state.clone()
    };
    (next, interval)
}

fn clear(shared: &Shared, url: &str) {
    if let Err(e) = shared.store().clear_schedule(url) {
        tracing::error!(url = %url, error = %e, "could not clear the schedule");
    }
}

/// Per-URL exponential back-off (backon): from a minute (or the site's interval, if
/// shorter), doubling per consecutive failure, with jitter so failing URLs of one host do
/// not retry in lockstep, and never beyond the site's max interval.
pub(super) fn backoff(base: Duration, max: Duration, failures: u32) -> Duration {
    let attempt = failures.saturating_sub(1).min(64) as usize;
    ExponentialBuilder::new()
        .with_min_delay(Duration::from_secs(60).min(base))
        .with_max_delay(max)
        .with_factor(2.0)
        .with_jitter()
        .without_max_times()
        .build()
        .nth(attempt)
        .map_or(max, |d| {
            // backon's jitter adds up to 100 % on top of its cap: keep the cap a cap, with
            // the jitter below it.
            if d > max {
                max.mul_f64(rand::random_range(0.9..=1.0))
            } else {
                d
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let base = Duration::from_secs(900);
        let max = Duration::from_secs(3600);
        let first = backoff(base, max, 1);
        assert!(first >= Duration::from_secs(60) && first <= Duration::from_secs(120));
        let fourth = backoff(base, max, 4);
        assert!(fourth >= Duration::from_secs(480) && fourth <= Duration::from_secs(960));
        let late = backoff(base, max, 30);
        assert!(late >= max.mul_f64(0.9) && late <= max, "{late:?}");
    }
}
