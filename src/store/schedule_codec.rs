//! The compact binary form of a schedule record: about 30 bytes instead of 150 of JSON, and
//! no parser on the queue's hot path. Records written before it (tagged JSON, see `codec.rs`)
//! still decode, so an old database keeps working and converts entry by entry as the
//! daemon reschedules.
//!
//! Layout: tag, flags (bit 0: `next_due` present, bit 1: `track_until` present),
//! `interval_secs` u64, `unchanged_streak` u32, `failures` u32, then each present time as
//! seconds i64 and nanoseconds u32; integers little-endian.

use chrono::{DateTime, Utc};

use super::codec;
use super::schedule::ScheduleState;
use crate::error::Result;

/// Format tag of a binary schedule record; `codec.rs` uses 1 and 2 for JSON records.
const TAG_BINARY: u8 = 3;
const HAS_NEXT_DUE: u8 = 1;
const HAS_TRACK_UNTIL: u8 = 2;

/// Encodes `state` in the binary form.
pub(crate) fn encode(state: &ScheduleState) -> Vec<u8> {
    let mut out = Vec::with_capacity(42);
    let flags = u8::from(state.next_due.is_some()) * HAS_NEXT_DUE
        + u8::from(state.track_until.is_some()) * HAS_TRACK_UNTIL;
    out.extend([TAG_BINARY, flags]);
    out.extend(state.interval_secs.to_le_bytes());
    out.extend(state.unchanged_streak.to_le_bytes());
    out.extend(state.failures.to_le_bytes());
    for t in [state.next_due, state.track_until].into_iter().flatten() {
        out.extend(t.timestamp().to_le_bytes());
        out.extend(t.timestamp_subsec_nanos().to_le_bytes());
    }
    out
}

/// Decodes either form; `name` shows the record's key in a corruption error.
pub(crate) fn decode<K: codec::KeyName + ?Sized>(name: &K, bytes: &[u8]) -> Result<ScheduleState> {
    match bytes.split_first() {
        Some((&TAG_BINARY, rest)) => {
            decode_binary(rest).ok_or_else(|| codec::corrupt(name, "truncated schedule record"))
        }
        _ => codec::decode(name, bytes),
    }
}

fn decode_binary(bytes: &[u8]) -> Option<ScheduleState> {
    let mut r = Reader(bytes);
    let flags = r.take::<1>()?[0];
    let interval_secs = u64::from_le_bytes(r.take()?);
    let unchanged_streak = u32::from_le_bytes(r.take()?);
    let failures = u32::from_le_bytes(r.take()?);
    let next_due = r.time_if(flags & HAS_NEXT_DUE != 0)?;
    let track_until = r.time_if(flags & HAS_TRACK_UNTIL != 0)?;
    r.0.is_empty().then_some(ScheduleState {
        next_due,
        interval_secs,
        unchanged_streak,
        failures,
        track_until,
    })
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }

    /// `Some(None)` when absent, `None` when truncated or out of range.
    fn time_if(&mut self, present: bool) -> Option<Option<DateTime<Utc>>> {
        if !present {
            return Some(None);
        }
        let secs = i64::from_le_bytes(self.take()?);
        let nanos = u32::from_le_bytes(self.take()?);
        DateTime::from_timestamp(secs, nanos).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(next: Option<i64>, until: Option<i64>) -> ScheduleState {
        let t = |s| DateTime::from_timestamp(s, 123_456_789).unwrap();
        ScheduleState {
            next_due: next.map(t),
            interval_secs: 900,
            unchanged_streak: 7,
            failures: 2,
            track_until: until.map(t),
        }
    }

    #[test]
    fn round_trips_every_shape_exactly() {
        for s in [
            state(Some(1_800_000_000), Some(1_900_000_000)),
            state(None, Some(-5)),
            state(Some(0), None),
            state(None, None),
        ] {
            let bytes = encode(&s);
            assert!(bytes.len() <= 42);
            assert_eq!(decode("k", &bytes).unwrap(), s);
        }
    }

    #[test]
    fn old_json_records_still_decode() {
        let s = state(Some(1_800_000_000), None);
        let json = codec::encode("k", &s).unwrap();
        assert_eq!(json[1], b'{');
        assert_eq!(decode("k", &json).unwrap(), s);
    }

    #[test]
    fn truncated_or_padded_records_are_corrupt_not_panics() {
        let bytes = encode(&state(Some(1), Some(2)));
        for cut in 1..bytes.len() {
            assert!(decode("k", &bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut long = bytes;
        long.push(0);
        assert!(decode("k", &long).is_err());
    }
}
