//! Key layouts of every tree. URLs never contain NUL (checked on the way in), so NUL
//! separates a URL from what follows and a prefix scan over `url\0` finds exactly its keys.

use chrono::{DateTime, Utc};

use super::codec::{KeyName, corrupt, time_key};
use crate::error::{Error, Result};
use crate::model::ChangeKind;

/// Separator between a variable-length string and the fields after it.
pub(crate) const SEP: u8 = 0;

/// Tree names. `meta` holds the schema version and the counters.
pub(crate) mod tree {
    pub const META: &str = "meta";
    pub const ARTICLES: &str = "articles";
    pub const ALIASES: &str = "aliases";
    pub const VERSIONS: &str = "versions";
    pub const BODIES: &str = "bodies";
    pub const CHECKS: &str = "checks";
    pub const RECENT: &str = "recent";
    pub const BY_SITE: &str = "by_site";
    pub const SCHEDULE: &str = "schedule";
    pub const DUE: &str = "due";
    pub const OUTBOX: &str = "outbox";
    pub const STATS: &str = "stats";
    pub const CAPTURES: &str = "captures";
}

/// Keys of the `meta` tree.
pub(crate) mod meta {
    pub const SCHEMA: &[u8] = b"schema_version";
    pub const UPGRADES: &[u8] = b"upgrades";
    pub const ARTICLES: &[u8] = b"count/articles";
    pub const VERSIONS: &[u8] = b"count/versions";
    pub const BODIES: &[u8] = b"count/bodies";
    pub const BODY_BYTES: &[u8] = b"count/body_bytes";
    pub const CHECKS: &[u8] = b"count/checks";
    pub const ALIASES: &[u8] = b"count/aliases";
    pub const SCHEDULED: &[u8] = b"count/scheduled";
}

/// Rejects strings that would break the NUL-separated key layout.
pub(crate) fn check_key_text(what: &str, s: &str) -> Result<()> {
    if s.is_empty() || s.as_bytes().contains(&SEP) {
        return Err(Error::InvalidUrl {
            input: s.to_owned(),
            reason: format!("{what} must be non-empty and contain no NUL byte"),
        });
    }
    Ok(())
}

/// `url \0`: the prefix of an article's versions and checks.
pub(crate) fn url_prefix(url: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(url.len() + 1);
    k.extend_from_slice(url.as_bytes());
    k.push(SEP);
    k
}

/// `url \0 number(BE u32)` in `versions`.
pub(crate) fn version(url: &str, number: u32) -> Vec<u8> {
    let mut k = url_prefix(url);
    k.extend_from_slice(&number.to_be_bytes());
    k
}

/// `url \0 seq(BE u64)` in `checks`: seq is sled's monotonic id, so order is insertion order.
pub(crate) fn check(url: &str, seq: u64) -> Vec<u8> {
    let mut k = url_prefix(url);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

/// `site \0 url` in `by_site`.
pub(crate) fn by_site(site: &str, url: &str) -> Vec<u8> {
    let mut k = url_prefix(site);
    k.extend_from_slice(url.as_bytes());
    k
}

/// `due(BE time) url` in `due`.
pub(crate) fn due(at: DateTime<Utc>, url: &str) -> Vec<u8> {
    let mut k = time_key(at).to_vec();
    k.extend_from_slice(url.as_bytes());
    k
}

/// One byte per change kind in recent-change keys (stable: stored on disk).
pub(crate) fn kind_byte(kind: ChangeKind) -> u8 {
    match kind {
        ChangeKind::New => 1,
        ChangeKind::Unchanged => 2,
        ChangeKind::DeclaredUpdate => 3,
        ChangeKind::SilentEdit => 4,
        ChangeKind::StampOnly => 5,
    }
}

/// The index a recent-changes query walks: all changes, one site, one kind, or both.
/// Every version is written under all four so each filter is a single range scan.
pub(crate) fn recent_prefix(site: Option<&str>, kind: Option<ChangeKind>) -> Vec<u8> {
    match (site, kind) {
        (None, None) => vec![b'a'],
        (Some(s), None) => {
            let mut k = vec![b's'];
            k.extend_from_slice(&url_prefix(s));
            k
        }
        (None, Some(kind)) => vec![b'k', kind_byte(kind)],
        (Some(s), Some(kind)) => {
            let mut k = vec![b'b'];
            k.extend_from_slice(&url_prefix(s));
            k.push(kind_byte(kind));
            k
        }
    }
}

/// `time(BE) url \0 number(BE)`: what follows a recent-changes prefix.
pub(crate) fn recent_suffix(at: DateTime<Utc>, url: &str, number: u32) -> Vec<u8> {
    let mut k = time_key(at).to_vec();
    k.extend_from_slice(&version(url, number));
    k
}

/// Splits a recent-changes suffix back into (url, version number).
pub(crate) fn parse_recent_suffix(suffix: &[u8]) -> Result<(String, u32)> {
    let bad = || {
        corrupt(
            &*String::from_utf8_lossy(suffix),
            "malformed recent-changes key",
        )
    };
    if suffix.len() < 8 + 1 + 1 + 4 {
        return Err(bad());
    }
    let (rest, num) = suffix.split_at(suffix.len() - 4);
    let number = u32::from_be_bytes(num.try_into().map_err(|_| bad())?);
    let url = rest.get(8..rest.len() - 1).ok_or_else(bad)?;
    if rest.last() != Some(&SEP) {
        return Err(bad());
    }
    let url = std::str::from_utf8(url).map_err(|_| bad())?;
    Ok((url.to_owned(), number))
}

/// The smallest key greater than every key starting with `prefix`, if any.
pub(crate) fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// A key's name in `tree`, formatted by [`show`] only if an error needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Named<'a> {
    tree: &'static str,
    key: &'a [u8],
}

/// The lazy name of `key` in `tree`.
pub(crate) fn name<'a>(tree: &'static str, key: &'a [u8]) -> Named<'a> {
    Named { tree, key }
}

impl KeyName for Named<'_> {
    fn key_name(&self) -> String {
        show(self.tree, self.key)
    }
}

/// Human-readable form of a key for [`Error::Corrupt`].
pub(crate) fn show(tree: &str, key: &[u8]) -> String {
    format!("{tree}/{}", String::from_utf8_lossy(key).replace('\0', "/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_suffix_round_trips() {
        let t = DateTime::from_timestamp(1_700_000_000, 5_000).unwrap();
        let s = recent_suffix(t, "https://e.org/a?b=1", 42);
        assert_eq!(
            parse_recent_suffix(&s).unwrap(),
            ("https://e.org/a?b=1".to_owned(), 42)
        );
        assert!(parse_recent_suffix(b"short").is_err());
    }

    #[test]
    fn prefix_end_bounds_the_prefix() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(&[1, 255]), Some(vec![2]));
        assert_eq!(prefix_end(&[255]), None);
    }

    #[test]
    fn nul_in_url_is_rejected() {
        assert!(check_key_text("url", "https://e.org/\0x").is_err());
        assert!(check_key_text("url", "").is_err());
        assert!(check_key_text("url", "https://e.org/").is_ok());
    }
}
