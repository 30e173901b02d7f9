//! Forgetting an article: its record, versions, check log, aliases, recent-change entries,
//! schedule and its part of the statistics go in one transaction (a page snapshotted by
//! mistake, a URL not wanted).

use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::TransactionalTree;

use super::tx::{TxResult, bump};
use super::{Store, capture, keys, recent, schedule, stats};
use crate::error::Result;
use crate::model::Version;

/// What [`Store::forget`] removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forgotten {
    /// The article's canonical URL.
    pub url: String,
    /// Versions removed.
    pub versions: u32,
    /// Check-log entries removed.
    pub checks: u64,
    /// Alias URLs removed.
    pub aliases: u64,
}

impl Store {
    /// Removes the article `url` (or the one it is an alias of) and its whole history;
    /// `None` when it is not known. Flushed before it returns.
    ///
    /// Raw response bodies stay: they are shared by content hash and carry no URL. A URL
    /// still listed by a configured feed is discovered again on the next round.
    pub fn forget(&self, url: &str) -> Result<Option<Forgotten>> {
        let Some(canonical) = self.resolve(url)? else {
            return Ok(None);
        };
        let record = self.article_exact(&canonical)?;
        let site = record.as_ref().and_then(|r| r.site.clone());
        let versions = self.versions(&canonical)?;
        let recent_keys: Vec<Vec<u8>> = versions
            .iter()
            .flat_map(|v| recent::index_keys(site.as_deref(), v, &canonical))
            .collect();
        let check_keys = self.keys_under(&self.checks, &keys::url_prefix(&canonical))?;
        let aliases = self.aliases_of(&canonical)?;
        let mut capture_keys = Vec::new();
        for prefix in capture::prefixes(&canonical) {
            capture_keys.extend(self.keys_under(&self.captures, &prefix)?);
        }
        (
            &self.articles,
            &self.aliases,
            &self.by_site,
            &self.versions,
            &self.checks,
            &self.recent,
            &self.schedule,
            &self.due,
            &self.meta,
            &self.stats,
            &self.captures,
        )
            .transaction(
                |(
                    articles,
                    aliases_t,
                    by_site,
                    versions_t,
                    checks,
                    recent_t,
                    sched,
                    due,
                    meta,
                    st,
                    caps,
                )| {
                    if articles.remove(canonical.as_bytes())?.is_some() {
                        bump(meta, keys::meta::ARTICLES, -1)?;
                    }
                    if let Some(s) = &site {
                        by_site.remove(keys::by_site(s, &canonical))?;
                    }
                    for v in &versions {
                        versions_t.remove(keys::version(&canonical, v.number))?;
                    }
                    bump(meta, keys::meta::VERSIONS, -(versions.len() as i64))?;
                    for k in &check_keys {
                        checks.remove(k.as_slice())?;
                    }
                    bump(meta, keys::meta::CHECKS, -(check_keys.len() as i64))?;
                    // Before the index goes: it says which versions the site counted.
                    uncount_in(st, recent_t, site.as_deref(), &canonical, &versions)?;
                    for k in &recent_keys {
                        recent_t.remove(k.as_slice())?;
                    }
                    for a in &aliases {
                        aliases_t.remove(a.as_bytes())?;
                    }
                    bump(meta, keys::meta::ALIASES, -(aliases.len() as i64))?;
                    schedule::clear_in(sched, due, meta, &canonical)?;
                    for k in &capture_keys {
                        caps.remove(k.as_slice())?;
                    }
                    Ok(())
                },
            )
            .map_err(|e| self.tx_err(e))?;
        self.flush()?;
        Ok(Some(Forgotten {
            url: canonical,
            versions: versions.len() as u32,
            checks: check_keys.len() as u64,
            aliases: aliases.len() as u64,
        }))
    }

    /// Every key of `tree` starting with `prefix`.
    fn keys_under(&self, tree: &sled::Tree, prefix: &[u8]) -> Result<Vec<Vec<u8>>> {
        tree.scan_prefix(prefix)
            .keys()
            .map(|k| k.map(|k| k.to_vec()).map_err(|e| self.sled_err(e)))
            .collect()
    }

    /// The alias URLs pointing at `canonical`: a scan of all aliases (forgetting is rare).
    fn aliases_of(&self, canonical: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for item in self.aliases.iter() {
            let (k, v) = item.map_err(|e| self.sled_err(e))?;
            if v.as_ref() == canonical.as_bytes() {
                out.push(String::from_utf8_lossy(&k).into_owned());
            }
        }
        Ok(out)
    }
}

/// Takes `versions` of `url` out of the statistics: from every article's, and from the
/// site's those that were filed under it.
fn uncount_in(
    stats_t: &TransactionalTree,
    recent_t: &TransactionalTree,
    site: Option<&str>,
    url: &str,
    versions: &[Version],
) -> TxResult<()> {
    let all: Vec<_> = versions.iter().map(|v| stats::event(url, v)).collect();
    stats::forget_in(stats_t, "", url, &all)?;
    let Some(site) = site else { return Ok(()) };
    let mut filed = Vec::new();
    for (v, e) in versions.iter().zip(&all) {
        if recent::filed_under_in(recent_t, site, v, url)? {
            filed.push(*e);
        }
    }
    stats::forget_in(stats_t, site, url, &filed)
}
