//! Pure schedule maths: adaptive re-check intervals, start-up jitter, tracking window, early re-checks.
//!
//! No clocks are read here: every function takes the times it needs, and randomness comes in
//! as an argument, so the daemon's schedule is reproducible in tests.

use std::ops::Add;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::{Rng, RngExt};

/// The gap before the next check of an article, after a check that found it `changed` or not.
///
/// A change resets the gap to `base` (the site's `interval`): a story that moves is likely to
/// move again soon. An unchanged check widens it by half, never beyond `max` (the site's
/// `max_interval`) and never below `base`. If `max` is shorter than `base`, `base` wins.
pub fn next_interval(current: Duration, changed: bool, base: Duration, max: Duration) -> Duration {
    if changed {
        return base;
    }
    let widened = current.max(base).saturating_add(current.max(base) / 2);
    widened.min(max.max(base))
}

/// A random offset in `[0, spread)`, for spreading checks over a window.
pub fn jitter<R: Rng + ?Sized>(spread: Duration, rng: &mut R) -> Duration {
    let nanos = u64::try_from(spread.as_nanos()).unwrap_or(u64::MAX);
    if nanos == 0 {
        return Duration::ZERO;
    }
    Duration::from_nanos(rng.random_range(0..nanos))
}

/// `at` delayed by a random offset in `[0, spread)`.
///
/// Used at start-up so that a million articles all due "now" after a restart are spread over
/// one interval instead of stampeding the hosts together. Works for any time type that adds a
/// [`Duration`] (`Instant`, tokio's `Instant`, `DateTime<Utc>`); pass a seeded RNG in tests.
pub fn jittered<T, R>(at: T, spread: Duration, rng: &mut R) -> T
where
    T: Add<Duration, Output = T>,
    R: Rng + ?Sized,
{
    at + jitter(spread, rng)
}

/// When tracking of an article first seen at `first_seen` stops (its history is kept).
///
/// Saturates at the latest representable time, so a huge `track_for` means "forever".
pub fn track_until(first_seen: DateTime<Utc>, track_for: Duration) -> DateTime<Utc> {
    chrono::TimeDelta::from_std(track_for)
        .ok()
        .and_then(|d| first_seen.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// True while an article first seen at `first_seen` should still be re-checked at `now`.
pub fn is_tracked(first_seen: DateTime<Utc>, track_for: Duration, now: DateTime<Utc>) -> bool {
    now < track_until(first_seen, track_for)
}

/// True when a feed's or sitemap's date for an article says it changed since we last looked.
///
/// `previous_hint` is the date the source gave the last time it was read, `hint` the one it
/// gives now, `last_checked` when we last fetched the article. The hint must have moved forward
/// (so a source that merely starts giving dates does not trigger a re-check of every article at
/// once) and be later than our last check (else the version we hold already includes it).
pub fn hint_moved(
    previous_hint: Option<DateTime<Utc>>,
    hint: Option<DateTime<Utc>>,
    last_checked: Option<DateTime<Utc>>,
) -> bool {
    match (previous_hint, hint) {
        (Some(prev), Some(now)) if now > prev => last_checked.is_none_or(|c| now > c),
        _ => false,
    }
}

/// When an article scheduled for `next_due` should really be checked, given a source hint.
///
/// A moved hint (see [`hint_moved`]) brings the check forward to `now`; otherwise the schedule
/// stands. The check still goes through the host's rate limit, so early re-checks cannot burst.
pub fn due_after_hint(
    next_due: DateTime<Utc>,
    now: DateTime<Utc>,
    previous_hint: Option<DateTime<Utc>>,
    hint: Option<DateTime<Utc>>,
    last_checked: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    if hint_moved(previous_hint, hint, last_checked) {
        next_due.min(now)
    } else {
        next_due
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    const MIN: Duration = Duration::from_secs(60);

    fn t(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0).single().unwrap()
    }

    #[test]
    fn unchanged_widens_by_half_up_to_max() {
        let (base, max) = (15 * MIN, 60 * MIN);
        let mut gap = base;
        let mut seen = vec![];
        for _ in 0..6 {
            gap = next_interval(gap, false, base, max);
            seen.push(gap.as_secs() / 60);
        }
        // 15 → 22.5 → 33.75 → 50.6 → capped at 60.
        assert_eq!(
            seen,
            vec![22, 33, 50, 60, 60, 60],
            "minutes (truncated) after each unchanged check"
        );
        assert_eq!(next_interval(base, false, base, max), base * 3 / 2);
    }

    #[test]
    fn change_resets_to_base() {
        let (base, max) = (15 * MIN, 24 * 60 * MIN);
        assert_eq!(next_interval(max, true, base, max), base);
        assert_eq!(next_interval(base, true, base, max), base);
    }

    #[test]
    fn interval_never_below_base_nor_above_max() {
        let (base, max) = (15 * MIN, 60 * MIN);
        // A gap stored under an older, shorter interval is brought up to base first.
        assert_eq!(next_interval(MIN, false, base, max), base * 3 / 2);
        assert_eq!(
            next_interval(Duration::ZERO, false, base, max),
            base * 3 / 2
        );
        // max shorter than base: base wins.
        assert_eq!(next_interval(base, false, base, MIN), base);
        assert_eq!(
            next_interval(Duration::MAX, false, base, Duration::MAX),
            Duration::MAX
        );
    }

    #[test]
    fn jitter_spreads_within_window_and_is_seeded() {
        let spread = 15 * MIN;
        let mut rng = StdRng::seed_from_u64(7);
        let offsets: Vec<Duration> = (0..1000).map(|_| jitter(spread, &mut rng)).collect();
        assert!(offsets.iter().all(|d| *d < spread));
        // Spread over the whole window: every quarter gets a fair share, no herd at 0.
        for q in 0..4u32 {
            let lo = spread * q / 4;
            let hi = spread * (q + 1) / 4;
            let n = offsets.iter().filter(|d| **d >= lo && **d < hi).count();
            assert!((180..=320).contains(&n), "quarter {q} got {n} of 1000");
        }
        let again: Vec<Duration> = {
            let mut rng = StdRng::seed_from_u64(7);
            (0..1000).map(|_| jitter(spread, &mut rng)).collect()
        };
        assert_eq!(offsets, again, "same seed, same schedule");
        assert_eq!(jitter(Duration::ZERO, &mut rng), Duration::ZERO);
    }

    #[test]
    fn jittered_works_for_datetimes_and_instants() {
        let mut rng = StdRng::seed_from_u64(1);
        let at = t(0);
        let j = jittered(at, MIN, &mut rng);
        assert!(j >= at && j < at + MIN);
        let now = std::time::Instant::now();
        let j = jittered(now, MIN, &mut rng);
        assert!(j >= now && j < now + MIN);
    }

    #[test]
    fn tracking_window() {
        let days30 = Duration::from_secs(30 * 86_400);
        assert_eq!(track_until(t(0), days30), t(30 * 86_400));
        assert!(is_tracked(t(0), days30, t(30 * 86_400 - 1)));
        assert!(!is_tracked(t(0), days30, t(30 * 86_400)));
        assert_eq!(track_until(t(0), Duration::MAX), DateTime::<Utc>::MAX_UTC);
    }

    #[test]
    fn early_recheck_only_when_hint_moves_past_last_check() {
        // Moved forward, after our last check: re-check now.
        assert!(hint_moved(Some(t(0)), Some(t(100)), Some(t(50))));
        assert!(hint_moved(Some(t(0)), Some(t(100)), None));
        // Moved, but we already fetched after that moment.
        assert!(!hint_moved(Some(t(0)), Some(t(100)), Some(t(200))));
        // Not moved, moved backwards, appeared, or vanished.
        assert!(!hint_moved(Some(t(100)), Some(t(100)), None));
        assert!(!hint_moved(Some(t(100)), Some(t(50)), None));
        assert!(!hint_moved(None, Some(t(100)), None));
        assert!(!hint_moved(Some(t(100)), None, None));

        let due = t(3600);
        assert_eq!(
            due_after_hint(due, t(10), Some(t(0)), Some(t(5)), Some(t(1))),
            t(10)
        );
        assert_eq!(
            due_after_hint(due, t(10), Some(t(5)), Some(t(5)), None),
            due
        );
        // Already due earlier than now: keep the earlier time.
        assert_eq!(
            due_after_hint(t(1), t(10), Some(t(0)), Some(t(5)), None),
            t(1)
        );
    }
}
