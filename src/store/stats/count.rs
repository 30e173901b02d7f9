//! Keeping the statistics' counters: every stored version adds to them, and forgetting an
//! article takes its versions away again, inside the transaction that writes the versions,
//! so the figures are exact whatever commits run at once.
//!
//! Keys of the `stats` tree, per scope (`""` for every article, else a site name; neither
//! holds a NUL): `c scope \0` → [articles, versions, edited, silently edited];
//! `w scope \0 monday` → [new, declared update, silent edit, stamp only] that week;
//! `a scope \0 url` → the article's first capture, first edit and whether one was silent;
//! `h scope \0 bucket` → edited articles whose time to first edit falls in the bucket;
//! `g scope \0 bucket secs` → how many took exactly `secs`. The buckets let the median be
//! found by reading a few hundred counters and one bucket, not every edited article.

use std::cell::RefCell;
use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sled::IVec;
use sled::transaction::TransactionalTree;

use super::super::codec;
use super::super::keys::{self, SEP};
use super::super::tx::{TxResult, abort};
use crate::model::ChangeKind;

pub(super) const COUNTS: u8 = b'c';
pub(super) const WEEK: u8 = b'w';
const ARTICLE: u8 = b'a';
pub(super) const BUCKET: u8 = b'h';
pub(super) const GAP: u8 = b'g';

/// One stored version as the statistics count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Event<'a> {
    /// The article (canonical URL).
    pub url: &'a str,
    /// The version number.
    pub number: u32,
    /// When it was fetched.
    pub at: DateTime<Utc>,
    /// How it differs from the version before.
    pub kind: ChangeKind,
}

/// Where counters are read and written: a transaction's view of the tree, or memory while
/// the counters are rebuilt.
pub(crate) trait Cells {
    fn get(&self, key: &[u8]) -> TxResult<Option<IVec>>;
    fn put(&self, key: Vec<u8>, value: Vec<u8>) -> TxResult<()>;
    fn del(&self, key: Vec<u8>) -> TxResult<()>;
}

impl Cells for TransactionalTree {
    fn get(&self, key: &[u8]) -> TxResult<Option<IVec>> {
        Ok(TransactionalTree::get(self, key)?)
    }
    fn put(&self, key: Vec<u8>, value: Vec<u8>) -> TxResult<()> {
        self.insert(key, value)?;
        Ok(())
    }
    fn del(&self, key: Vec<u8>) -> TxResult<()> {
        self.remove(key)?;
        Ok(())
    }
}

/// Counters built in memory, written to the tree in one batch.
#[derive(Default)]
pub(crate) struct Memory(RefCell<BTreeMap<Vec<u8>, Vec<u8>>>);

impl Cells for Memory {
    fn get(&self, key: &[u8]) -> TxResult<Option<IVec>> {
        Ok(self.0.borrow().get(key).map(|v| IVec::from(v.as_slice())))
    }
    fn put(&self, key: Vec<u8>, value: Vec<u8>) -> TxResult<()> {
        self.0.borrow_mut().insert(key, value);
        Ok(())
    }
    fn del(&self, key: Vec<u8>) -> TxResult<()> {
        self.0.borrow_mut().remove(&key);
        Ok(())
    }
}

impl Memory {
    /// Every counter as one batch of inserts.
    pub(crate) fn into_batch(self) -> sled::Batch {
        let mut batch = sled::Batch::default();
        for (k, v) in self.0.into_inner() {
            batch.insert(k, v);
        }
        batch
    }
}

/// The scopes a version of an article of `site` counts in.
pub(crate) fn scopes(site: Option<&str>) -> impl Iterator<Item = &str> {
    std::iter::once("").chain(site)
}

/// Counts `e` in `scope`.
pub(crate) fn add_in(cells: &impl Cells, scope: &str, e: &Event<'_>) -> TxResult<()> {
    let akey = key(ARTICLE, scope, e.url.as_bytes());
    let old = cells
        .get(&akey)?
        .map(|v| ArticleState::decode(&akey, &v))
        .transpose()?;
    let mut new = old.unwrap_or_default();
    let at = e.at.timestamp_micros();
    if e.number == 1 {
        new.first = Some(at);
    }
    if matches!(e.kind, ChangeKind::DeclaredUpdate | ChangeKind::SilentEdit) {
        new.first_edit = Some(new.first_edit.map_or(at, |t| t.min(at)));
        new.silent |= e.kind == ChangeKind::SilentEdit;
    }
    let was = old.unwrap_or_default();
    let delta = [
        i64::from(old.is_none()),
        1,
        flag(new.first_edit.is_some()) - flag(was.first_edit.is_some()),
        flag(new.silent) - flag(was.silent),
    ];
    add(cells, key(COUNTS, scope, b""), delta)?;
    if let Some(slot) = week_slot(e.kind) {
        add(cells, week_key(scope, e.at), one_hot(slot, 1))?;
    }
    move_gap(cells, scope, old.and_then(|s| s.gap()), new.gap())?;
    cells.put(akey, new.encode())
}

/// Takes away from `scope` the article `url` and its versions `counted` there.
pub(crate) fn forget_in(
    cells: &impl Cells,
    scope: &str,
    url: &str,
    counted: &[Event<'_>],
) -> TxResult<()> {
    let akey = key(ARTICLE, scope, url.as_bytes());
    let Some(old) = cells.get(&akey)? else {
        return Ok(());
    };
    let old = ArticleState::decode(&akey, &old)?;
    let delta = [
        -1,
        -i64::try_from(counted.len()).unwrap_or(i64::MAX),
        -flag(old.first_edit.is_some()),
        -flag(old.silent),
    ];
    add(cells, key(COUNTS, scope, b""), delta)?;
    for e in counted {
        if let Some(slot) = week_slot(e.kind) {
            add(cells, week_key(scope, e.at), one_hot(slot, -1))?;
        }
    }
    move_gap(cells, scope, old.gap(), None)?;
    cells.del(akey)
}

fn flag(b: bool) -> i64 {
    i64::from(b)
}

fn one_hot(slot: usize, by: i64) -> [i64; 4] {
    let mut d = [0; 4];
    d[slot] = by;
    d
}

/// The week counter a change kind adds to; unchanged versions are not drawn.
fn week_slot(kind: ChangeKind) -> Option<usize> {
    match kind {
        ChangeKind::New => Some(0),
        ChangeKind::DeclaredUpdate => Some(1),
        ChangeKind::SilentEdit => Some(2),
        ChangeKind::StampOnly => Some(3),
        ChangeKind::Unchanged => None,
    }
}

/// Moves an article's time to first edit from one value to another in the median's index.
fn move_gap(cells: &impl Cells, scope: &str, from: Option<i64>, to: Option<i64>) -> TxResult<()> {
    if from == to {
        return Ok(());
    }
    for (gap, by) in [(from, -1), (to, 1)] {
        if let Some(g) = gap {
            add(cells, bucket_key(scope, bucket(g)), [by])?;
            add(cells, gap_key(scope, g), [by])?;
        }
    }
    Ok(())
}

/// What the statistics remember of one article in one scope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct ArticleState {
    /// Fetch time of version 1 (microseconds), when counted in this scope.
    first: Option<i64>,
    /// Fetch time of the earliest edit.
    first_edit: Option<i64>,
    /// Whether any edit was silent.
    silent: bool,
}

impl ArticleState {
    /// Whole seconds from first capture to first edit, as `chrono` counts them.
    fn gap(&self) -> Option<i64> {
        Some((self.first_edit? - self.first?) / 1_000_000)
    }

    fn encode(&self) -> Vec<u8> {
        let flags = u8::from(self.first.is_some())
            | u8::from(self.first_edit.is_some()) << 1
            | u8::from(self.silent) << 2;
        let mut out = vec![flags];
        out.extend(self.first.unwrap_or(0).to_be_bytes());
        out.extend(self.first_edit.unwrap_or(0).to_be_bytes());
        out
    }

    fn decode(key: &[u8], v: &[u8]) -> TxResult<ArticleState> {
        let bad = || {
            abort(Err(codec::corrupt(
                &show(key),
                "malformed article statistics",
            )))
        };
        let (Some(&flags), Some(a), Some(b)) = (v.first(), v.get(1..9), v.get(9..17)) else {
            return bad();
        };
        let time = |bytes: &[u8], bit: u8| {
            let t = i64::from_be_bytes(bytes.try_into().unwrap_or_default());
            (flags & bit != 0).then_some(t)
        };
        Ok(ArticleState {
            first: time(a, 1),
            first_edit: time(b, 2),
            silent: flags & 4 != 0,
        })
    }
}

/// Adds `delta` to the counters at `key`, removing the key once they are all zero so that
/// an emptied week or site leaves nothing behind.
fn add<const N: usize>(cells: &impl Cells, key: Vec<u8>, delta: [i64; N]) -> TxResult<()> {
    let old = cells.get(&key)?;
    let mut counts: [u64; N] = abort(read(&key, old.as_deref()))?;
    for (c, d) in counts.iter_mut().zip(delta) {
        *c = c.saturating_add_signed(d);
    }
    if counts.iter().all(|&c| c == 0) {
        return cells.del(key);
    }
    cells.put(key, counts.iter().flat_map(|c| c.to_be_bytes()).collect())
}

/// Decodes `N` big-endian counters; absent is all zero.
pub(super) fn read<const N: usize>(key: &[u8], v: Option<&[u8]>) -> crate::error::Result<[u64; N]> {
    let mut out = [0; N];
    let Some(v) = v else { return Ok(out) };
    if v.len() != N * 8 {
        return Err(codec::corrupt(&show(key), "counters of the wrong length"));
    }
    for (c, chunk) in out.iter_mut().zip(v.chunks_exact(8)) {
        *c = u64::from_be_bytes(chunk.try_into().unwrap_or_default());
    }
    Ok(out)
}

/// `tag scope \0 rest`.
pub(super) fn key(tag: u8, scope: &str, rest: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(scope.len() + rest.len() + 2);
    k.push(tag);
    k.extend_from_slice(scope.as_bytes());
    k.push(SEP);
    k.extend_from_slice(rest);
    k
}

fn week_key(scope: &str, at: DateTime<Utc>) -> Vec<u8> {
    key(WEEK, scope, &week_bytes(monday(at)))
}

/// The Monday of `t`'s ISO week (UTC).
pub(crate) fn monday(t: DateTime<Utc>) -> NaiveDate {
    let d = t.date_naive();
    d - chrono::Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// Days since 1970 with the sign bit flipped: byte order is date order.
pub(super) fn week_bytes(d: NaiveDate) -> [u8; 8] {
    let days = (d - NaiveDate::default()).num_days();
    ((days as u64) ^ (1 << 63)).to_be_bytes()
}

/// Inverse of [`week_bytes`].
pub(super) fn week_from(key: &[u8], b: &[u8]) -> crate::error::Result<NaiveDate> {
    let raw: [u8; 8] = b
        .try_into()
        .map_err(|_| codec::corrupt(&show(key), "malformed week"))?;
    let days = (u64::from_be_bytes(raw) ^ (1 << 63)) as i64;
    NaiveDate::default()
        .checked_add_signed(chrono::Duration::days(days))
        .ok_or_else(|| codec::corrupt(&show(key), "week out of range"))
}

/// Buckets that grow with the value, eight per power of two (negative gaps, from clocks
/// that went back, share bucket 0). Monotonic, so bucket order is value order.
pub(super) fn bucket(secs: i64) -> u16 {
    let Ok(g) = u64::try_from(secs) else { return 0 };
    if g < 8 {
        return 1 + g as u16;
    }
    let e = 63 - g.leading_zeros();
    let m = (g >> (e - 3)) & 7;
    (9 + (e - 3) * 8 + m as u32) as u16
}

pub(super) fn bucket_key(scope: &str, b: u16) -> Vec<u8> {
    key(BUCKET, scope, &b.to_be_bytes())
}

fn gap_key(scope: &str, secs: i64) -> Vec<u8> {
    let mut k = bucket_key(scope, bucket(secs));
    k[0] = GAP;
    k.extend(((secs as u64) ^ (1 << 63)).to_be_bytes());
    k
}

/// Seconds from the tail of a `g` key.
pub(super) fn gap_from(key: &[u8]) -> crate::error::Result<i64> {
    let raw: [u8; 8] = key
        .get(key.len().saturating_sub(8)..)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| codec::corrupt(&show(key), "malformed gap"))?;
    Ok((u64::from_be_bytes(raw) ^ (1 << 63)) as i64)
}

pub(super) fn show(key: &[u8]) -> String {
    keys::show(keys::tree::STATS, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_value_order() {
        let mut last = 0;
        for g in (-5..5000).chain([1 << 20, 1 << 40, i64::MAX]) {
            let b = bucket(g);
            assert!(b >= last, "{g}");
            last = b;
        }
        assert_eq!(bucket(i64::MAX), 9 + 59 * 8 + 7);
    }

    #[test]
    fn weeks_and_gaps_round_trip() {
        for d in ["1969-12-29", "2024-02-26", "2100-01-04"] {
            let d: NaiveDate = d.parse().unwrap();
            assert_eq!(week_from(b"w", &week_bytes(d)).unwrap(), d);
        }
        for g in [-7_i64, 0, 3600, i64::MAX] {
            assert_eq!(gap_from(&gap_key("s", g)).unwrap(), g);
        }
    }
}
