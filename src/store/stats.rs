//! Change statistics per site: counters kept in the transaction of every version commit
//! (see `count.rs`), so the statistics page reads a few hundred keys whatever the store's
//! size, and the walk over the recent-changes index that rebuilds them on upgrade.

mod count;
mod rebuild;

use chrono::NaiveDate;
use serde::Serialize;
use sled::transaction::TransactionalTree;

use super::Store;
use super::tx::TxResult;
use crate::error::Result;
use crate::model::Version;

pub(crate) use count::forget_in;
pub(crate) use rebuild::rebuild;

/// `version` of `url` as the counters see it.
pub(crate) fn event<'a>(url: &'a str, version: &Version) -> count::Event<'a> {
    count::Event {
        url,
        number: version.number,
        at: version.fetched_at,
        kind: version.change,
    }
}

/// Counts `version` of `url`, filed under `site`, inside its commit's transaction.
pub(crate) fn count_in(
    tree: &TransactionalTree,
    site: Option<&str>,
    version: &Version,
    url: &str,
) -> TxResult<()> {
    let e = event(url, version);
    for scope in count::scopes(site) {
        count::add_in(tree, scope, &e)?;
    }
    Ok(())
}

/// Versions of one ISO week (Monday to Sunday, UTC) by change kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WeekCounts {
    /// The Monday the week starts on.
    pub monday: NaiveDate,
    /// First captures.
    pub new: u64,
    /// Edits the article's stamp announced.
    pub declared_update: u64,
    /// Edits with the stamp unchanged.
    pub silent_edit: u64,
    /// Stamp moved, content unchanged.
    pub stamp_only: u64,
}

/// The counts of one site, or of every article (`site: None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeCounts {
    /// The site, `None` for every article.
    pub site: Option<String>,
    /// Articles with at least one version.
    pub articles: u64,
    /// Stored versions.
    pub versions: u64,
    /// Articles whose title or text changed at least once (a declared update or silent edit).
    pub edited_articles: u64,
    /// Of those, the ones edited silently at least once.
    pub silently_edited_articles: u64,
    /// Median whole seconds from first capture to first edit, over edited articles whose
    /// first capture counts here too.
    pub median_secs_to_first_edit: Option<i64>,
    /// Weeks with at least one change, oldest first: those of the `max_weeks` weeks up to
    /// the latest one with a change.
    pub weeks: Vec<WeekCounts>,
}

impl Store {
    /// Every article's counts, and each site's by name; weeks as far back as `max_weeks`
    /// before the latest week with a change. Reads counters only: its cost does not grow
    /// with the number of versions.
    pub fn change_counts(&self, max_weeks: usize) -> Result<(ChangeCounts, Vec<ChangeCounts>)> {
        let all = self.scope_counts("", max_weeks)?;
        let mut sites = Vec::new();
        for item in self.stats.scan_prefix([count::COUNTS]) {
            let (k, _) = item.map_err(|e| self.sled_err(e))?;
            let scope = self.scope_of(&k)?;
            if !scope.is_empty() {
                sites.push(self.scope_counts(&scope, max_weeks)?);
            }
        }
        Ok((all, sites))
    }

    fn scope_of(&self, key: &[u8]) -> Result<String> {
        let name = key.get(1..key.len().saturating_sub(1)).unwrap_or_default();
        String::from_utf8(name.to_vec())
            .map_err(|_| super::codec::corrupt(&count::show(key), "site is not UTF-8"))
    }

    fn scope_counts(&self, scope: &str, max_weeks: usize) -> Result<ChangeCounts> {
        let k = count::key(count::COUNTS, scope, b"");
        let v = self.stats.get(&k).map_err(|e| self.sled_err(e))?;
        let [articles, versions, edited, silent] = count::read::<4>(&k, v.as_deref())?;
        Ok(ChangeCounts {
            site: (!scope.is_empty()).then(|| scope.to_owned()),
            articles,
            versions,
            edited_articles: edited,
            silently_edited_articles: silent,
            median_secs_to_first_edit: self.median_gap(scope)?,
            weeks: self.weeks(scope, max_weeks)?,
        })
    }

    /// The weeks with changes among the `max_weeks` up to the latest one.
    fn weeks(&self, scope: &str, max_weeks: usize) -> Result<Vec<WeekCounts>> {
        let prefix = count::key(count::WEEK, scope, b"");
        let Some(last) = self.stats.scan_prefix(&prefix).next_back() else {
            return Ok(Vec::new());
        };
        let (k, _) = last.map_err(|e| self.sled_err(e))?;
        let last = count::week_from(&k, &k[prefix.len()..])?;
        let span = i64::try_from(max_weeks.max(1) - 1).unwrap_or(i64::MAX);
        let start = chrono::Duration::try_weeks(span)
            .and_then(|d| last.checked_sub_signed(d))
            .unwrap_or(NaiveDate::MIN);
        let from = count::key(count::WEEK, scope, &count::week_bytes(start));
        let mut out = Vec::new();
        for item in self.stats.range(from..) {
            let (k, v) = item.map_err(|e| self.sled_err(e))?;
            if !k.starts_with(&prefix) {
                break;
            }
            let monday = count::week_from(&k, &k[prefix.len()..])?;
            let [new, declared_update, silent_edit, stamp_only] = count::read::<4>(&k, Some(&v))?;
            out.push(WeekCounts {
                monday,
                new,
                declared_update,
                silent_edit,
                stamp_only,
            });
        }
        Ok(out)
    }

    /// The median of the times to first edit: the bucket counters say which bucket holds
    /// the middle, and only that bucket's values are read.
    fn median_gap(&self, scope: &str) -> Result<Option<i64>> {
        let prefix = count::key(count::BUCKET, scope, b"");
        let mut buckets = Vec::new();
        for item in self.stats.scan_prefix(&prefix) {
            let (k, v) = item.map_err(|e| self.sled_err(e))?;
            let [n] = count::read::<1>(&k, Some(&v))?;
            let b = k[prefix.len()..].try_into().map(u16::from_be_bytes);
            let b = b.map_err(|_| super::codec::corrupt(&count::show(&k), "bad bucket"))?;
            buckets.push((b, n));
        }
        let total: u64 = buckets.iter().map(|(_, n)| n).sum();
        if total == 0 {
            return Ok(None);
        }
        let low = self.nth_gap(scope, &buckets, (total - 1) / 2)?;
        let high = self.nth_gap(scope, &buckets, total / 2)?;
        Ok(Some((low + high) / 2))
    }

    /// The `rank`-th smallest time to first edit (0-based).
    fn nth_gap(&self, scope: &str, buckets: &[(u16, u64)], rank: u64) -> Result<i64> {
        let mut before = 0;
        for &(b, n) in buckets {
            if rank >= before + n {
                before += n;
                continue;
            }
            let mut prefix = count::bucket_key(scope, b);
            prefix[0] = count::GAP;
            for item in self.stats.scan_prefix(&prefix) {
                let (k, v) = item.map_err(|e| self.sled_err(e))?;
                let [n] = count::read::<1>(&k, Some(&v))?;
                before += n;
                if rank < before {
                    return count::gap_from(&k);
                }
            }
            break;
        }
        Err(super::codec::corrupt(
            &count::show(&count::key(count::BUCKET, scope, b"")),
            "bucket counters disagree with the times they count",
        ))
    }
}

#[cfg(test)]
mod tests;
