//! WARC (ISO 28500) records: writing WARC/1.1 with one gzip member per record, and reading
//! WARC/1.0 and 1.1 files from other tools, gzipped per record or plain. Pure: no store,
//! no network.
//!
//! Written by hand rather than with a crate: records are a short header block and a body,
//! and the reader must be lenient where other crawlers differ (wget's `<…>` around target
//! URIs, bare LF line ends) and precise where files are damaged (a truncated gzip member is
//! reported as the record it cut, not taken for the end of the file).

mod read;
mod write;

use chrono::{DateTime, SecondsFormat, Utc};

pub use read::{ReadError, Reader, Record};
pub use write::Writer;

/// Profile URI of a revisit record for a conditional request answered 304.
pub const PROFILE_NOT_MODIFIED: &str =
    "http://netpreserve.org/warc/1.1/revisit/server-not-modified";

/// `Content-Type` of a request record's block.
pub const HTTP_REQUEST: &str = "application/http;msgtype=request";
/// `Content-Type` of a response or revisit record's block.
pub const HTTP_RESPONSE: &str = "application/http;msgtype=response";
/// `Content-Type` of warcinfo and metadata blocks: `name: value` lines.
pub const WARC_FIELDS: &str = "application/warc-fields";

/// The labelled SHA-1 digest WARC tools expect (`sha1:` and base 32), of all `parts` in turn.
pub fn digest(parts: &[&[u8]]) -> String {
    let mut h = sha1_smol::Sha1::new();
    for p in parts {
        h.update(p);
    }
    format!("sha1:{}", data_encoding::BASE32.encode(&h.digest().bytes()))
}

/// A record ID (`<urn:uuid:…>`) derived from `seed`: the same database exports to the same
/// IDs, so two exports can be compared and records cross-referenced before they are written.
pub fn record_id(seed: &[&[u8]]) -> String {
    let mut h = blake3::Hasher::new();
    for s in seed {
        h.update(&(s.len() as u64).to_le_bytes());
        h.update(s);
    }
    let b = h.finalize();
    let mut u = [0u8; 16];
    u.copy_from_slice(&b.as_bytes()[..16]);
    // RFC 9562 version 8 (custom), variant 10.
    u[6] = (u[6] & 0x0f) | 0x80;
    u[8] = (u[8] & 0x3f) | 0x80;
    let x = data_encoding::HEXLOWER.encode(&u);
    format!(
        "<urn:uuid:{}-{}-{}-{}-{}>",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..]
    )
}

/// A `WARC-Date`: UTC, with as many fractional digits as the time has (WARC/1.1 allows up
/// to nine; whole seconds print none).
pub fn date(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Parses a `WARC-Date` (ISO 8601 UTC, whole or fractional seconds; WARC/1.0 files also
/// carry dates cut to the minute or day).
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let s = s.strip_suffix('Z').unwrap_or(s);
    for fmt in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc());
        }
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// A header or warc-fields value on one line: CR and LF (which would end the field) become
/// spaces.
pub fn one_line(v: &str) -> String {
    v.replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_digest_is_labelled_base32() {
        // SHA-1 of the empty string, base 32.
        assert_eq!(digest(&[]), "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ");
        assert_eq!(digest(&[b"ab", b"c"]), digest(&[b"abc"]));
    }

    #[test]
    fn record_ids_are_stable_uuids() {
        let a = record_id(&[b"response", b"https://e.test/"]);
        assert_eq!(a, record_id(&[b"response", b"https://e.test/"]));
        assert_ne!(a, record_id(&[b"request", b"https://e.test/"]));
        assert_eq!(a.len(), "<urn:uuid:>".len() + 36);
        assert_eq!(&a[24..25], "8");
    }

    #[test]
    fn dates_round_trip_and_old_forms_parse() {
        let t = DateTime::parse_from_rfc3339("2026-11-28T09:30:02.25Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(date(t), "2026-11-28T09:30:02.250Z");
        assert_eq!(parse_date(&date(t)), Some(t));
        assert!(parse_date("2026-11-28T09:30:02Z").is_some());
        assert!(parse_date("2026-11-28T09:30Z").is_some());
        assert!(parse_date("2026-11-28").is_some());
        assert!(parse_date("yesterday").is_none());
    }
}
