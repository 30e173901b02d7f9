//! Article identity: records keyed by canonical URL, aliases, discovery, listing and search.

use std::ops::Bound;

use chrono::{DateTime, Utc};
use sled::Transactional;
use sled::transaction::TransactionalTree;

use super::schedule::{ScheduleState, set_in};
use super::tx::{TxResult, abort, bump};
use super::{Store, codec, keys};
use crate::error::Result;
use crate::model::ArticleRecord;

/// Transactions in [`Store::ensure_articles_bulk`] carry this many articles: large enough
/// to amortise sled's per-transaction cost, small enough to keep the write set in memory.
const BULK_CHUNK: usize = 5_000;

/// An article to create in bulk, with its first scheduled check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewArticle {
    /// Canonical URL.
    pub url: String,
    /// Site name from sites.toml.
    pub site: Option<String>,
    /// Schedule to set when the article is created (left alone when it already exists).
    pub schedule: Option<ScheduleState>,
}

impl Store {
    /// The canonical URL for `url`: itself when it has a record, its target when it is an
    /// alias, `None` when unknown. A URL as pasted (no scheme, other case, a fragment,
    /// tracking parameters) is also looked up in its normalised forms.
    pub fn resolve(&self, url: &str) -> Result<Option<String>> {
        if let Some(found) = self.resolve_exact(url)? {
            return Ok(Some(found));
        }
        for form in crate::urlnorm::lookup_forms(url) {
            if let Some(found) = self.resolve_exact(&form)? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// [`Store::resolve`] of exactly `url`: its record or its alias.
    fn resolve_exact(&self, url: &str) -> Result<Option<String>> {
        if self
            .articles
            .contains_key(url)
            .map_err(|e| self.sled_err(e))?
        {
            return Ok(Some(url.to_owned()));
        }
        let alias = self.aliases.get(url).map_err(|e| self.sled_err(e))?;
        alias.map(|v| alias_target(url, &v)).transpose()
    }

    /// Records that `alias` (a redirecting or non-canonical URL) means `canonical`.
    ///
    /// An article record under `alias` that has no versions yet (a discovered URL that
    /// turned out to redirect) is folded into the alias, so one article stays one record.
    /// Returns false, changing nothing, when `alias` is `canonical` or has a history of its
    /// own (its versions are kept under it rather than silently hidden).
    pub fn add_alias(&self, alias: &str, canonical: &str) -> Result<bool> {
        keys::check_key_text("alias URL", alias)?;
        keys::check_key_text("canonical URL", canonical)?;
        if alias == canonical {
            return Ok(false);
        }
        (&self.articles, &self.aliases, &self.by_site, &self.meta)
            .transaction(|(articles, aliases, by_site, meta)| {
                // Point straight at the final target so resolution is one lookup.
                let target = match resolve_in(articles, aliases, canonical)? {
                    Some(t) => t,
                    None => canonical.to_owned(),
                };
                if target == alias {
                    return Ok(false);
                }
                if let Some(placeholder) = record_in(articles, alias)? {
                    if placeholder.versions > 0 {
                        return Ok(false);
                    }
                    articles.remove(alias.as_bytes())?;
                    if let Some(site) = &placeholder.site {
                        by_site.remove(keys::by_site(site, alias))?;
                    }
                    bump(meta, keys::meta::ARTICLES, -1)?;
                }
                let old = aliases.insert(alias, target.as_bytes())?;
                if old.is_none() {
                    bump(meta, keys::meta::ALIASES, 1)?;
                }
                Ok(true)
            })
            .map_err(|e| self.tx_err(e))
    }

    /// The record of `url` or of the article it is an alias of.
    pub fn article(&self, url: &str) -> Result<Option<ArticleRecord>> {
        let Some(canonical) = self.resolve(url)? else {
            return Ok(None);
        };
        self.article_exact(&canonical)
    }

    /// The record stored under exactly `url` (no alias resolution).
    pub(crate) fn article_exact(&self, url: &str) -> Result<Option<ArticleRecord>> {
        let v = self.articles.get(url).map_err(|e| self.sled_err(e))?;
        v.map(|v| codec::decode(&keys::name(keys::tree::ARTICLES, url.as_bytes()), &v))
            .transpose()
    }

    /// Returns the record for `url` (resolving aliases), creating it when unknown.
    /// The flag is true when the record was created. A site given for an article that has
    /// none is recorded.
    pub fn ensure_article(
        &self,
        url: &str,
        site: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(ArticleRecord, bool)> {
        keys::check_key_text("URL", url)?;
        if let Some(s) = site {
            keys::check_key_text("site name", s)?;
        }
        (&self.articles, &self.aliases, &self.by_site, &self.meta)
            .transaction(|(articles, aliases, by_site, meta)| {
                ensure_in(articles, aliases, by_site, meta, url, site, now)
            })
            .map_err(|e| self.tx_err(e))
    }

    /// Creates many articles quickly (discovery of a large sitemap, benchmarks), each with
    /// its first scheduled check. Articles already known (directly or by alias) are left
    /// untouched. Returns how many were created. Each chunk of articles is atomic; the
    /// whole call is flushed before it returns.
    pub fn ensure_articles_bulk<I>(&self, items: I, now: DateTime<Utc>) -> Result<usize>
    where
        I: IntoIterator<Item = NewArticle>,
    {
        let mut created = 0;
        let mut chunk = Vec::with_capacity(BULK_CHUNK);
        let mut items = items.into_iter().peekable();
        while items.peek().is_some() {
            chunk.clear();
            chunk.extend(items.by_ref().take(BULK_CHUNK));
            for a in &chunk {
                keys::check_key_text("URL", &a.url)?;
                if let Some(s) = &a.site {
                    keys::check_key_text("site name", s)?;
                }
            }
            created += (
                &self.articles,
                &self.aliases,
                &self.by_site,
                &self.schedule,
                &self.due,
                &self.meta,
            )
                .transaction(|(articles, aliases, by_site, schedule, due, meta)| {
                    let mut n = 0;
                    for a in &chunk {
                        let (_, new) = ensure_in(
                            articles,
                            aliases,
                            by_site,
                            meta,
                            &a.url,
                            a.site.as_deref(),
                            now,
                        )?;
                        if new {
                            n += 1;
                            if let Some(s) = &a.schedule {
                                set_in(schedule, due, meta, &a.url, s)?;
                            }
                        }
                    }
                    Ok(n)
                })
                .map_err(|e| self.tx_err(e))?;
        }
        self.flush()?;
        Ok(created)
    }

    /// Articles in URL order, starting after `after` (keyset pagination: pass the last URL
    /// of the previous page).
    pub fn list(&self, after: Option<&str>, limit: usize) -> Result<Vec<ArticleRecord>> {
        let start = match after {
            Some(a) => Bound::Excluded(a.as_bytes().to_vec()),
            None => Bound::Unbounded,
        };
        let mut out = Vec::with_capacity(limit.min(1024));
        for item in self
            .articles
            .range::<Vec<u8>, _>((start, Bound::Unbounded))
            .take(limit)
        {
            let (k, v) = item.map_err(|e| self.sled_err(e))?;
            out.push(codec::decode(&keys::name(keys::tree::ARTICLES, &k), &v)?);
        }
        Ok(out)
    }

    /// Articles of one site in URL order, starting after `after` (keyset pagination).
    pub fn list_site(
        &self,
        site: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ArticleRecord>> {
        let prefix = keys::url_prefix(site);
        let start = match after {
            Some(a) => Bound::Excluded(keys::by_site(site, a)),
            None => Bound::Included(prefix.clone()),
        };
        let end = match keys::prefix_end(&prefix) {
            Some(e) => Bound::Excluded(e),
            None => Bound::Unbounded,
        };
        let mut out = Vec::with_capacity(limit.min(1024));
        for item in self.by_site.range((start, end)).take(limit) {
            let (k, _) = item.map_err(|e| self.sled_err(e))?;
            let url = std::str::from_utf8(&k[prefix.len()..])
                .map_err(|e| codec::corrupt(&keys::name(keys::tree::BY_SITE, &k), e))?;
            match self.article_exact(url)? {
                Some(rec) => out.push(rec),
                None => {
                    return Err(codec::corrupt(
                        &keys::name(keys::tree::BY_SITE, &k),
                        "site index names a missing article",
                    ));
                }
            }
        }
        Ok(out)
    }

    /// The names of the sites that have articles, in name order. Skips from one site's
    /// entries to the next in the site index, so the cost grows with the number of sites,
    /// not of articles.
    pub fn sites(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut from: Bound<Vec<u8>> = Bound::Unbounded;
        loop {
            let Some(item) = self.by_site.range((from, Bound::Unbounded)).next() else {
                return Ok(out);
            };
            let (k, _) = item.map_err(|e| self.sled_err(e))?;
            let name = keys::show(keys::tree::BY_SITE, &k);
            let sep = k
                .iter()
                .position(|&b| b == keys::SEP)
                .ok_or_else(|| codec::corrupt(&name, "site index key without separator"))?;
            let site = std::str::from_utf8(&k[..sep]).map_err(|e| codec::corrupt(&name, e))?;
            out.push(site.to_owned());
            match keys::prefix_end(&keys::url_prefix(site)) {
                Some(end) => from = Bound::Included(end),
                None => return Ok(out),
            }
        }
    }

    /// Articles whose URL or title contains `query` (case-insensitive), in URL order, at
    /// most `limit`. A bounded scan: it walks the articles tree once, stopping at `limit`
    /// matches, skipping undecoded the records whose bytes cannot match (4-5 s per million
    /// articles when nothing matches, measured; meant for interactive use, not hot paths).
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<ArticleRecord>> {
        let needle = query.to_lowercase();
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        // Records are JSON, which keeps printable ASCII verbatim: for such a query, a record
        // whose bytes lack it (ignoring ASCII case) cannot match, and is skipped undecoded.
        let prefilter = query
            .bytes()
            .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\');
        for item in self.articles.iter() {
            let (k, v) = item.map_err(|e| self.sled_err(e))?;
            if prefilter && !contains_ascii_nocase(&v, needle.as_bytes()) {
                continue;
            }
            let rec: ArticleRecord = codec::decode(&keys::name(keys::tree::ARTICLES, &k), &v)?;
            let hit = rec.url.to_lowercase().contains(&needle)
                || rec
                    .title
                    .as_deref()
                    .is_some_and(|t| t.to_lowercase().contains(&needle));
            if hit {
                out.push(rec);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }
}

/// Whether `hay` contains `needle` (already lower-case ASCII), ignoring ASCII case.
fn contains_ascii_nocase(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Decodes an alias value.
fn alias_target(alias: &str, v: &[u8]) -> Result<String> {
    String::from_utf8(v.to_vec())
        .map_err(|e| codec::corrupt(&keys::name(keys::tree::ALIASES, alias.as_bytes()), e))
}

/// [`Store::resolve`] inside a transaction.
pub(crate) fn resolve_in(
    articles: &TransactionalTree,
    aliases: &TransactionalTree,
    url: &str,
) -> TxResult<Option<String>> {
    if articles.get(url)?.is_some() {
        return Ok(Some(url.to_owned()));
    }
    match aliases.get(url)? {
        Some(v) => Ok(Some(abort(alias_target(url, &v))?)),
        None => Ok(None),
    }
}

/// Reads the record stored under exactly `url` inside a transaction.
pub(crate) fn record_in(
    articles: &TransactionalTree,
    url: &str,
) -> TxResult<Option<ArticleRecord>> {
    match articles.get(url)? {
        Some(v) => Ok(Some(abort(codec::decode(
            &keys::name(keys::tree::ARTICLES, url.as_bytes()),
            &v,
        ))?)),
        None => Ok(None),
    }
}

/// Writes a record inside a transaction.
pub(crate) fn put_in(articles: &TransactionalTree, rec: &ArticleRecord) -> TxResult<()> {
    let key = keys::name(keys::tree::ARTICLES, rec.url.as_bytes());
    articles.insert(rec.url.as_bytes(), abort(codec::encode(&key, rec))?)?;
    Ok(())
}

/// Gives `rec` the site `site` when it has none, indexing it; true when changed.
pub(crate) fn adopt_site(
    by_site: &TransactionalTree,
    rec: &mut ArticleRecord,
    site: Option<&str>,
) -> TxResult<bool> {
    match (site, &rec.site) {
        (Some(s), None) => {
            rec.site = Some(s.to_owned());
            by_site.insert(keys::by_site(s, &rec.url), &[])?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// [`Store::ensure_article`] inside a transaction.
pub(crate) fn ensure_in(
    articles: &TransactionalTree,
    aliases: &TransactionalTree,
    by_site: &TransactionalTree,
    meta: &TransactionalTree,
    url: &str,
    site: Option<&str>,
    now: DateTime<Utc>,
) -> TxResult<(ArticleRecord, bool)> {
    let canonical = resolve_in(articles, aliases, url)?.unwrap_or_else(|| url.to_owned());
    if let Some(mut rec) = record_in(articles, &canonical)? {
        if adopt_site(by_site, &mut rec, site)? {
            put_in(articles, &rec)?;
        }
        return Ok((rec, false));
    }
    let rec = new_record(&canonical, site, now);
    put_in(articles, &rec)?;
    if let Some(s) = site {
        by_site.insert(keys::by_site(s, &canonical), &[])?;
    }
    bump(meta, keys::meta::ARTICLES, 1)?;
    Ok((rec, true))
}

/// A record for an article seen for the first time.
pub(crate) fn new_record(url: &str, site: Option<&str>, now: DateTime<Utc>) -> ArticleRecord {
    ArticleRecord {
        url: url.to_owned(),
        site: site.map(str::to_owned),
        first_seen: now,
        last_checked: None,
        last_changed: None,
        versions: 0,
        etag: None,
        last_modified: None,
        title: None,
    }
}
