//! Temporary shim until the discovery branch lands.
#![allow(missing_docs)]
use chrono::{DateTime, Utc};
use std::time::Duration;
pub fn next_interval(current: Duration, changed: bool, base: Duration, max: Duration) -> Duration {
    if changed {
        base
    } else {
        current.mul_f64(1.5).min(max)
    }
}
pub fn track_until(first: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    first + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}
