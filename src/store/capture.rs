//! The HTTP exchanges behind stored versions and not-modified checks (schema 2 on), kept for
//! the WARC export: the request emend sent and the response's status line and headers.
//!
//! Keys in the `captures` tree: `v url \0 number(BE u32)` for a version (written in the
//! version's own transaction) and `c url \0 time(BE)` for a check answered 304. Versions
//! stored before schema 2 have none.

use chrono::{DateTime, Utc};
use sled::transaction::TransactionalTree;

use super::tx::{TxResult, abort};
use super::{Store, codec, keys};
use crate::error::Result;
use crate::model::HttpExchange;

/// Key prefix of version captures.
const VERSION: u8 = b'v';
/// Key prefix of not-modified check captures.
const NOT_MODIFIED: u8 = b'c';

fn version_key(url: &str, number: u32) -> Vec<u8> {
    let mut k = vec![VERSION];
    k.extend_from_slice(&keys::version(url, number));
    k
}

fn check_key(url: &str, at: DateTime<Utc>) -> Vec<u8> {
    let mut k = vec![NOT_MODIFIED];
    k.extend_from_slice(&keys::url_prefix(url));
    k.extend_from_slice(&codec::time_key(at));
    k
}

/// The two key prefixes under which `url`'s captures live (for forgetting it).
pub(crate) fn prefixes(url: &str) -> [Vec<u8>; 2] {
    [VERSION, NOT_MODIFIED].map(|p| {
        let mut k = vec![p];
        k.extend_from_slice(&keys::url_prefix(url));
        k
    })
}

/// Stores the exchange of version `number` of `url` inside the version's transaction.
pub(crate) fn put_version_in(
    captures: &TransactionalTree,
    url: &str,
    number: u32,
    exchange: Option<&HttpExchange>,
) -> TxResult<()> {
    let Some(exchange) = exchange else {
        return Ok(());
    };
    put_in(captures, version_key(url, number), exchange)
}

/// Stores the exchange of a check of `url` (canonical) answered 304 at `at` inside the
/// check's transaction.
pub(crate) fn put_check_in(
    captures: &TransactionalTree,
    url: &str,
    at: DateTime<Utc>,
    exchange: &HttpExchange,
) -> TxResult<()> {
    put_in(captures, check_key(url, at), exchange)
}

fn put_in(captures: &TransactionalTree, key: Vec<u8>, exchange: &HttpExchange) -> TxResult<()> {
    let bytes = abort(codec::encode(&show(&key), exchange))?;
    captures.insert(key, bytes)?;
    Ok(())
}

fn show(key: &[u8]) -> keys::Named<'_> {
    keys::name(keys::tree::CAPTURES, key)
}

impl Store {
    /// The exchange that fetched version `number` of the article stored under exactly
    /// `url`; `None` for versions stored before exchanges were kept.
    pub fn capture(&self, url: &str, number: u32) -> Result<Option<HttpExchange>> {
        let key = version_key(url, number);
        let v = self.captures.get(&key).map_err(|e| self.sled_err(e))?;
        v.map(|v| codec::decode(&show(&key), &v)).transpose()
    }

    /// Keeps the exchange of a check of `url` (resolving aliases) answered 304 at `at`, the
    /// time of its check-log entry. Not flushed, like the check itself.
    pub fn record_not_modified(
        &self,
        url: &str,
        at: DateTime<Utc>,
        exchange: &HttpExchange,
    ) -> Result<()> {
        let canonical = self.resolve(url)?.unwrap_or_else(|| url.to_owned());
        keys::check_key_text("URL", &canonical)?;
        let key = check_key(&canonical, at);
        let bytes = codec::encode(&show(&key), exchange)?;
        self.captures
            .insert(key, bytes)
            .map_err(|e| self.sled_err(e))?;
        Ok(())
    }

    /// The 304 exchanges kept for the article stored under exactly `url`, oldest first.
    pub fn not_modified_captures(&self, url: &str) -> Result<Vec<(DateTime<Utc>, HttpExchange)>> {
        let prefix = &prefixes(url)[1];
        let mut out = Vec::new();
        for item in self.captures.scan_prefix(prefix) {
            let (k, v) = item.map_err(|e| self.sled_err(e))?;
            let name = show(&k);
            let at = codec::time_from_key(&name, &k[prefix.len()..])?;
            out.push((at, codec::decode(&name, &v)?));
        }
        Ok(out)
    }
}
