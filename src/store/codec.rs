//! Record encoding: a one-byte format tag, then JSON (optionally zstd-compressed), and the
//! big-endian time encoding that makes sled's byte order match chronological order.
//!
//! JSON rather than a binary format because the shared model uses serde features binary
//! formats cannot decode (internally tagged enums), and because a missing `Option` field
//! decodes as `None`: adding a field to a model type does not invalidate stored records.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// Plain JSON.
const TAG_JSON: u8 = 1;
/// zstd-compressed JSON, for records that carry article text.
const TAG_JSON_ZSTD: u8 = 2;
/// zstd level: bodies and versions are written once and read rarely; 3 is zstd's default
/// and keeps a commit well under a millisecond for a typical page.
pub(crate) const ZSTD_LEVEL: i32 = 3;

/// A record's name for error messages, formatted only when an error is built: formatting
/// it for every record read or written was ~2 % of a 304 re-check's CPU.
pub(crate) trait KeyName {
    /// The name as an error shows it.
    fn key_name(&self) -> String;
}

impl KeyName for str {
    fn key_name(&self) -> String {
        self.to_owned()
    }
}

impl KeyName for String {
    fn key_name(&self) -> String {
        self.clone()
    }
}

/// Encodes a small record as tagged JSON.
pub(crate) fn encode<T: Serialize, K: KeyName + ?Sized>(key: &K, value: &T) -> Result<Vec<u8>> {
    let mut out = vec![TAG_JSON];
    serde_json::to_writer(&mut out, value).map_err(|e| corrupt(key, e))?;
    Ok(out)
}

/// Encodes a record that carries article text as tagged, compressed JSON.
pub(crate) fn encode_compressed<T: Serialize, K: KeyName + ?Sized>(
    key: &K,
    value: &T,
) -> Result<Vec<u8>> {
    let json = serde_json::to_vec(value).map_err(|e| corrupt(key, e))?;
    let mut out = vec![TAG_JSON_ZSTD];
    out.extend(compress(&json).map_err(|e| corrupt(key, e))?);
    Ok(out)
}

/// Decodes either encoding; anything unexpected is [`Error::Corrupt`] naming `key`.
pub(crate) fn decode<T: DeserializeOwned, K: KeyName + ?Sized>(key: &K, bytes: &[u8]) -> Result<T> {
    match bytes.split_first() {
        Some((&TAG_JSON, json)) => serde_json::from_slice(json).map_err(|e| corrupt(key, e)),
        Some((&TAG_JSON_ZSTD, packed)) => {
            let json = decompress(packed).map_err(|e| corrupt(key, e))?;
            serde_json::from_slice(&json).map_err(|e| corrupt(key, e))
        }
        Some((tag, _)) => Err(corrupt(key, format!("unknown record format tag {tag}"))),
        None => Err(corrupt(key, "empty record")),
    }
}

/// Builds [`Error::Corrupt`].
pub(crate) fn corrupt<K: KeyName + ?Sized>(key: &K, message: impl std::fmt::Display) -> Error {
    Error::Corrupt {
        key: key.key_name(),
        message: message.to_string(),
    }
}

/// Eight bytes whose lexicographic order is the chronological order of `t` (microseconds,
/// sign bit flipped so times before 1970 still sort first).
pub(crate) fn time_key(t: DateTime<Utc>) -> [u8; 8] {
    ((t.timestamp_micros() as u64) ^ (1 << 63)).to_be_bytes()
}

/// Inverse of [`time_key`].
pub(crate) fn time_from_key<K: KeyName + ?Sized>(key: &K, bytes: &[u8]) -> Result<DateTime<Utc>> {
    let raw: [u8; 8] = bytes
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| corrupt(key, "truncated time key"))?;
    let micros = (u64::from_be_bytes(raw) ^ (1 << 63)) as i64;
    DateTime::from_timestamp_micros(micros).ok_or_else(|| corrupt(key, "time out of range"))
}

/// A big-endian u64 counter value; absent means zero.
pub(crate) fn counter<K: KeyName + ?Sized>(key: &K, bytes: Option<&[u8]>) -> Result<u64> {
    match bytes {
        None => Ok(0),
        Some(b) => b
            .try_into()
            .map(u64::from_be_bytes)
            .map_err(|_| corrupt(key, "counter is not 8 bytes")),
    }
}

thread_local! {
    /// One zstd context per thread: building one per record cost ~4 % of a check's CPU.
    static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { std::cell::RefCell::new(None) };
    /// The same for reading: a fresh context per record was ~3 % of a 304 re-check's CPU
    /// (every check reads the latest version).
    static DECOMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// Frames claiming more than this go through the streaming decoder instead of one
/// up-front allocation of the size their header claims (a damaged header cannot
/// demand a huge buffer).
const BULK_LIMIT: usize = 1 << 30;

/// Decompresses one zstd frame, reusing this thread's context when the frame records its
/// size (every frame [`compress`] writes does).
pub(crate) fn decompress(frame: &[u8]) -> std::io::Result<Vec<u8>> {
    let sized = zstd::bulk::Decompressor::upper_bound(frame).is_some_and(|n| n <= BULK_LIMIT);
    if !sized {
        return zstd::stream::decode_all(frame);
    }
    DECOMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(zstd::bulk::Decompressor::new()?);
        }
        match slot.as_mut() {
            Some(d) => d.decompress(frame, BULK_LIMIT),
            None => zstd::stream::decode_all(frame),
        }
    })
}

/// zstd-compresses `data` at [`ZSTD_LEVEL`], reusing this thread's context.
pub(crate) fn compress(data: &[u8]) -> std::io::Result<Vec<u8>> {
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(zstd::bulk::Compressor::new(ZSTD_LEVEL)?);
        }
        match slot.as_mut() {
            Some(c) => c.compress(data),
            None => zstd::bulk::compress(data, ZSTD_LEVEL),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ArticleRecord;

    #[test]
    fn time_keys_sort_chronologically_across_the_epoch() {
        let times = [
            DateTime::from_timestamp(-86_400, 0).unwrap(),
            DateTime::from_timestamp(0, 0).unwrap(),
            DateTime::from_timestamp(0, 1_000).unwrap(),
            DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        ];
        for pair in times.windows(2) {
            assert!(time_key(pair[0]) < time_key(pair[1]));
        }
        for t in times {
            assert_eq!(time_from_key("k", &time_key(t)).unwrap(), t);
        }
    }

    #[test]
    fn garbage_decodes_to_corrupt_not_panic() {
        for bytes in [&b""[..], b"\x01{not json", b"\x02\x00\x01", b"\x09abc"] {
            let err = decode::<ArticleRecord, _>("articles/x", bytes).unwrap_err();
            assert!(matches!(err, Error::Corrupt { ref key, .. } if key == "articles/x"));
        }
    }

    #[test]
    fn frames_round_trip_through_the_reused_contexts() {
        for len in [0usize, 1, 11_000, 3_000_000] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let frame = compress(&data).unwrap();
            assert_eq!(decompress(&frame).unwrap(), data, "{len} bytes");
        }
    }

    #[test]
    fn a_damaged_frame_is_an_error_not_a_panic() {
        let mut frame = compress(&[7u8; 5000]).unwrap();
        let mid = frame.len() / 2;
        frame[mid] ^= 0xff;
        frame.truncate(frame.len() - 3);
        assert!(decompress(&frame).is_err());
        assert!(decompress(b"not zstd").is_err());
    }
}
