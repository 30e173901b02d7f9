//! The global recent-changes index: every version under four time-ordered keys (all, per
//! site, per kind, per site and kind), so each filter of the changes page is one reverse
//! range scan that answers in O(log n + page size).

use std::ops::Bound;

use chrono::{DateTime, Utc};
use sled::transaction::TransactionalTree;

use super::tx::TxResult;
use super::{Store, codec, keys};
use crate::error::Result;
use crate::model::{ChangeKind, Version};

/// Which changes to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeFilter {
    /// Only this site's articles.
    pub site: Option<String>,
    /// Only this change kind.
    pub kind: Option<ChangeKind>,
}

/// Position in the recent-changes list: the last change of the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeCursor {
    /// The change's fetch time.
    pub at: DateTime<Utc>,
    /// The article.
    pub url: String,
    /// The version number.
    pub number: u32,
}

impl ChangeCursor {
    /// The cursor just past `version` of `url`.
    pub fn of(url: &str, version: &Version) -> Self {
        ChangeCursor {
            at: version.fetched_at,
            url: url.to_owned(),
            number: version.number,
        }
    }

    /// A compact text form for a query parameter (`micros.number.url`).
    pub fn to_token(&self) -> String {
        format!(
            "{}.{}.{}",
            self.at.timestamp_micros(),
            self.number,
            self.url
        )
    }

    /// Parses [`ChangeCursor::to_token`]'s output; `None` for anything else.
    pub fn parse(token: &str) -> Option<Self> {
        let mut parts = token.splitn(3, '.');
        let micros: i64 = parts.next()?.parse().ok()?;
        let number: u32 = parts.next()?.parse().ok()?;
        let url = parts.next()?;
        if url.is_empty() || url.contains('\0') {
            return None;
        }
        Some(ChangeCursor {
            at: DateTime::from_timestamp_micros(micros)?,
            url: url.to_owned(),
            number,
        })
    }
}

impl Store {
    /// Changes across all articles, newest first, strictly older than `before` when given,
    /// at most `limit`, filtered by site and/or kind.
    pub fn recent_changes(
        &self,
        before: Option<&ChangeCursor>,
        limit: usize,
        filter: &ChangeFilter,
    ) -> Result<Vec<(String, Version)>> {
        let prefix = keys::recent_prefix(filter.site.as_deref(), filter.kind);
        let end = match before {
            Some(c) => {
                let mut k = prefix.clone();
                k.extend(keys::recent_suffix(c.at, &c.url, c.number));
                Bound::Excluded(k)
            }
            None => match keys::prefix_end(&prefix) {
                Some(e) => Bound::Excluded(e),
                None => Bound::Unbounded,
            },
        };
        let mut out = Vec::with_capacity(limit.min(1024));
        for item in self
            .recent
            .range((Bound::Included(prefix.clone()), end))
            .rev()
            .take(limit)
        {
            let (k, _) = item.map_err(|e| self.sled_err(e))?;
            let (url, number) = keys::parse_recent_suffix(&k[prefix.len()..])?;
            match self.version_exact(&url, number)? {
                Some(v) => out.push((url, v)),
                None => {
                    return Err(codec::corrupt(
                        &keys::show(keys::tree::RECENT, &k),
                        "index names a missing version",
                    ));
                }
            }
        }
        Ok(out)
    }
}

/// Adds a version to every recent-changes index inside a transaction.
pub(crate) fn index_in(
    recent: &TransactionalTree,
    site: Option<&str>,
    version: &Version,
    url: &str,
) -> TxResult<()> {
    for k in index_keys(site, version, url) {
        recent.insert(k, &[])?;
    }
    Ok(())
}

/// Whether `version` of `url` is filed under `site` (an article adopts a site after its
/// first versions when it is first claimed by one).
pub(crate) fn filed_under_in(
    recent: &TransactionalTree,
    site: &str,
    version: &Version,
    url: &str,
) -> TxResult<bool> {
    let mut k = keys::recent_prefix(Some(site), Some(version.change));
    k.extend(keys::recent_suffix(version.fetched_at, url, version.number));
    Ok(recent.get(k)?.is_some())
}

/// The keys under which [`index_in`] files a version.
pub(crate) fn index_keys(site: Option<&str>, version: &Version, url: &str) -> Vec<Vec<u8>> {
    let suffix = keys::recent_suffix(version.fetched_at, url, version.number);
    let mut prefixes = vec![
        keys::recent_prefix(None, None),
        keys::recent_prefix(None, Some(version.change)),
    ];
    if site.is_some() {
        prefixes.push(keys::recent_prefix(site, None));
        prefixes.push(keys::recent_prefix(site, Some(version.change)));
    }
    for k in &mut prefixes {
        k.extend_from_slice(&suffix);
    }
    prefixes
}
