//! Schedule arithmetic, pure: adaptive re-check intervals, start-up jitter, tracking period.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Growth of the re-check interval after each unchanged check.
pub const BACKOFF_FACTOR: f64 = 1.5;

/// The gap before the next check: back to `base` after a change, else ×1.5 up to `max`.
pub fn next_interval(current: Duration, changed: bool, base: Duration, max: Duration) -> Duration {
    if changed {
        base
    } else {
        current.max(base).mul_f64(BACKOFF_FACTOR).min(max)
    }
}

/// `at` moved forward by a fraction `unit` (in [0, 1)) of `spread`, so checks that fall
/// due together (a restart, a big feed) are spread out instead of arriving as a burst.
/// The caller supplies `unit` (e.g. `rand::random_range(0.0..1.0)`), keeping this testable.
pub fn jittered(at: DateTime<Utc>, spread: Duration, unit: f64) -> DateTime<Utc> {
    let offset = spread.mul_f64(unit.clamp(0.0, 1.0));
    at + chrono::Duration::from_std(offset).unwrap_or_default()
}

/// When re-checking stops: `track_for` after the article was first seen.
pub fn track_until(first_seen: DateTime<Utc>, track_for: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(track_for)
        .ok()
        .and_then(|d| first_seen.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    #[test]
    fn unchanged_widens_by_half_up_to_the_cap_and_change_resets() {
        let base = 10 * MIN;
        let max = 30 * MIN;
        let mut i = base;
        let mut seen = vec![];
        for _ in 0..5 {
            i = next_interval(i, false, base, max);
            seen.push(i.as_secs() / 60);
        }
        assert_eq!(seen, [15, 22, 30, 30, 30]);
        assert_eq!(next_interval(i, true, base, max), base);
    }

    #[test]
    fn jitter_stays_inside_the_spread() {
        let t = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(jittered(t, MIN, 0.0), t);
        assert_eq!(jittered(t, MIN, 0.5), t + chrono::Duration::seconds(30));
        assert!(jittered(t, MIN, 7.0) <= t + chrono::Duration::seconds(60));
    }

    #[test]
    fn tracking_ends_after_track_for_and_never_overflows() {
        let t = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let until = track_until(t, Duration::from_secs(30 * 24 * 3600));
        assert_eq!(until.to_rfc3339(), "2026-01-31T00:00:00+00:00");
        assert_eq!(track_until(t, Duration::MAX), DateTime::<Utc>::MAX_UTC);
    }
}
