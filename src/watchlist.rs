//! Watching one URL by hand (`emend watch`): putting it on the daemon's schedule outside any
//! site's discovery, and taking it off again. History is never touched.

use chrono::{DateTime, Utc};
use url::Url;

use crate::config::{Config, DEFAULT_INTERVAL, DEFAULT_TRACK_FOR};
use crate::error::Result;
use crate::schedule;
use crate::store::{ScheduleState, Schedules};

/// When a newly watched URL is first checked by the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstCheck {
    /// As soon as its host's rate allows.
    Now,
    /// One interval from now: the caller has just checked it.
    AfterInterval,
}

/// Schedules `url` for re-checks: at the interval of the configured site it belongs to (else
/// the default), for that site's `track_for` from `now` (else 30 days).
///
/// A URL already on the schedule keeps its adaptive interval; it is brought forward to the
/// first check if that is sooner, and its tracking window is extended, never shortened.
/// Returns the new state.
pub async fn watch(
    store: &impl Schedules,
    config: &Config,
    url: &Url,
    now: DateTime<Utc>,
    first: FirstCheck,
) -> Result<ScheduleState> {
    let site = config.site_for(url);
    let (interval, track_for) = site.map_or((DEFAULT_INTERVAL, DEFAULT_TRACK_FOR), |s| {
        (s.interval, s.track_for)
    });
    let first_due = match first {
        FirstCheck::Now => now,
        FirstCheck::AfterInterval => {
            now + chrono::Duration::from_std(interval).unwrap_or(chrono::Duration::MAX)
        }
    };
    let key = url.as_str();
    // An alias of a tracked article already has its record; a new URL gets one now, so
    // `list` shows it before its first check.
    if store.resolve(key).await?.is_none() {
        store
            .ensure_article(key, site.map(|s| s.name.as_str()), now)
            .await?;
    }
    let until = schedule::track_until(now, track_for);
    let state = match store.schedule(key).await? {
        Some(mut s) => {
            s.next_due = Some(s.next_due.map_or(first_due, |d| d.min(first_due)));
            s.track_until = Some(s.track_until.map_or(until, |t| t.max(until)));
            s.failures = 0;
            s
        }
        None => ScheduleState {
            next_due: Some(first_due),
            interval_secs: interval.as_secs(),
            unchanged_streak: 0,
            failures: 0,
            track_until: Some(until),
        },
    };
    store.set_schedule(key, &state).await?;
    Ok(state)
}

/// Takes `url` off the schedule: the URL as given, the article it is an alias of, and the
/// address the article last answered from (where the daemon moves its schedule entry).
/// Returns whether anything was scheduled.
pub async fn unwatch(store: &impl Schedules, url: &str) -> Result<bool> {
    let mut keys = vec![url.to_owned()];
    if let Some(canonical) = store.resolve(url).await? {
        if let Some(latest) = store.latest(&canonical).await? {
            keys.push(latest.fetched_url);
        }
        keys.push(canonical);
    }
    let mut found = false;
    for key in keys {
        found |= store.clear_schedule(&key).await?;
    }
    Ok(found)
}
