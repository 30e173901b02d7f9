//! Versions and the check log: committing a new version atomically with its body, record
//! update, check entry and change indexes, and reading histories back.

use chrono::{DateTime, Utc};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::articles::{adopt_site, new_record, put_in as put_record, record_in, resolve_in};
use super::tx::{TxResult, abort, bump};
use super::{Store, bodies, capture, codec, keys, outbox, recent, stats};
use crate::error::{Error, Result};
use crate::model::{Article, ChangeKind, Check, CheckOutcome, HttpExchange, Version};

/// What the pipeline knows about a new version; the store assigns its number and body hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVersion {
    /// When the response was received.
    pub fetched_at: DateTime<Utc>,
    /// How it differs from the previous version.
    pub change: ChangeKind,
    /// Extracted article and metadata.
    pub article: Article,
    /// blake3 of the normalised title + text, hex.
    pub text_hash: String,
    /// Words inserted relative to the previous version.
    pub words_added: u32,
    /// Words deleted relative to the previous version.
    pub words_removed: u32,
    /// Extractor version that produced `article`.
    pub extractor_version: u32,
    /// Encoding the body was decoded with (WHATWG name).
    pub encoding: Option<String>,
    /// The URL that answered (after redirects).
    pub fetched_url: String,
}

impl NewVersion {
    /// The stored version: this one numbered `number`, its raw body under `body_hash`.
    pub(crate) fn numbered(self, number: u32, body_hash: &str) -> Version {
        Version {
            number,
            fetched_at: self.fetched_at,
            change: self.change,
            article: self.article,
            text_hash: self.text_hash,
            words_added: self.words_added,
            words_removed: self.words_removed,
            extractor_version: self.extractor_version,
            body_hash: Some(body_hash.to_owned()),
            encoding: self.encoding,
            fetched_url: self.fetched_url,
        }
    }
}

/// The check that stored version `number`, its outcome pointing at that version.
pub(crate) fn check_of(mut check: Check, number: u32) -> Check {
    if let CheckOutcome::Checked { version, .. } = &mut check.outcome {
        *version = Some(number);
    }
    check
}

/// Where a committed version is filed beyond its article: the site that claims it and the
/// `[[notify]]` targets whose outbox it joins (in the same transaction).
#[derive(Debug, Clone, Copy, Default)]
pub struct Route<'a> {
    /// Site name from sites.toml.
    pub site: Option<&'a str>,
    /// Names of the notification targets the change is queued for.
    pub notify: &'a [String],
    /// The HTTP exchange that fetched the version, kept with it for the archive.
    pub capture: Option<&'a HttpExchange>,
}

impl Store {
    /// Stores a new version of `url` (or of the article it is an alias of), creating the
    /// article if needed, and returns it with its number. In one transaction: the version,
    /// the raw body (compressed, stored once per distinct content), the article record
    /// (count, times, title, and the check's validators `etag`/`last_modified`, which
    /// replace the previous ones), the check (its outcome's version number filled in) and the
    /// recent-changes indexes. Flushed before returning: an acknowledged version survives a
    /// crash.
    ///
    /// Unconditional: the version goes after whatever the article has by then. A caller that
    /// computed `new.change` against a version it read earlier (the pipeline) uses
    /// [`Store::commit_version_after`], so a concurrent commit cannot make it store the same
    /// state twice.
    pub fn commit_version(
        &self,
        url: &str,
        site: Option<&str>,
        new: NewVersion,
        raw_body: &[u8],
        check: Check,
    ) -> Result<Version> {
        let route = Route {
            site,
            ..Route::default()
        };
        self.commit(url, None, route, new, raw_body, check)
    }

    /// [`Store::commit_version`], only if the article's latest version is still number
    /// `based_on` (0: the article has no version yet), the one `new` was compared against.
    /// Otherwise nothing is written and the result is [`Error::StaleVersion`]: another check
    /// stored a version in between, and the caller must compare with that one instead. The
    /// test and the write are one transaction.
    pub fn commit_version_after(
        &self,
        url: &str,
        based_on: u32,
        site: Option<&str>,
        new: NewVersion,
        raw_body: &[u8],
        check: Check,
    ) -> Result<Version> {
        let route = Route {
            site,
            ..Route::default()
        };
        self.commit(url, Some(based_on), route, new, raw_body, check)
    }

    /// [`Store::commit_version_after`], filing the version under `route`: its site, and an
    /// outbox entry per notification target in the same transaction, so a stored change is
    /// never left unannounced and an unstored one never announced.
    pub fn commit_version_routed(
        &self,
        url: &str,
        based_on: u32,
        route: Route<'_>,
        new: NewVersion,
        raw_body: &[u8],
        check: Check,
    ) -> Result<Version> {
        self.commit(url, Some(based_on), route, new, raw_body, check)
    }

    fn commit(
        &self,
        url: &str,
        based_on: Option<u32>,
        route: Route<'_>,
        new: NewVersion,
        raw_body: &[u8],
        check: Check,
    ) -> Result<Version> {
        keys::check_key_text("URL", url)?;
        let site = route.site;
        if let Some(s) = site {
            keys::check_key_text("site name", s)?;
        }
        let seq = self.db.generate_id().map_err(|e| self.sled_err(e))?;
        let previous = self.latest_body_hash(url)?;
        let body = self.prepare_body(raw_body, previous.as_deref())?;
        let version = (
            &self.articles,
            &self.aliases,
            &self.by_site,
            &self.versions,
            &self.bodies,
            &self.checks,
            &self.recent,
            &self.meta,
            &self.outbox,
            &self.stats,
            &self.captures,
        )
            .transaction(
                |(
                    articles,
                    aliases,
                    by_site,
                    versions,
                    bodies_t,
                    checks,
                    recent_t,
                    meta,
                    out,
                    st,
                    caps,
                )| {
                    let canonical =
                        resolve_in(articles, aliases, url)?.unwrap_or_else(|| url.to_owned());
                    let existing = record_in(articles, &canonical)?;
                    let current = existing.as_ref().map_or(0, |r| r.versions);
                    if let Some(based_on) = based_on.filter(|&b| b != current) {
                        return Err(ConflictableTransactionError::Abort(Error::StaleVersion {
                            url: canonical,
                            based_on,
                            current,
                        }));
                    }
                    let mut rec = match existing {
                        Some(r) => r,
                        None => {
                            bump(meta, keys::meta::ARTICLES, 1)?;
                            new_record(&canonical, None, new.fetched_at)
                        }
                    };
                    adopt_site(by_site, &mut rec, site)?;
                    bodies::put_in(bodies_t, meta, &body)?;
                    let version = new.clone().numbered(rec.versions + 1, &body.hash);
                    let vkey = keys::version(&canonical, version.number);
                    let name = keys::name(keys::tree::VERSIONS, &vkey);
                    let bytes = abort(codec::encode_compressed(&name, &version))?;
                    versions.insert(vkey, bytes)?;
                    capture::put_version_in(caps, &canonical, version.number, route.capture)?;

                    let check = check_of(check.clone(), version.number);
                    put_check(checks, &canonical, seq, &check)?;

                    rec.versions = version.number;
                    rec.last_checked = Some(rec.last_checked.map_or(check.at, |t| t.max(check.at)));
                    rec.last_changed = Some(version.fetched_at);
                    rec.title = version.article.title.clone();
                    rec.etag = check.etag.clone();
                    rec.last_modified = check.last_modified.clone();
                    put_record(articles, &rec)?;

                    recent::index_in(recent_t, rec.site.as_deref(), &version, &canonical)?;
                    stats::count_in(st, rec.site.as_deref(), &version, &canonical)?;
                    let site = rec.site.as_deref();
                    outbox::queue_in(out, meta, route.notify, &canonical, site, &version)?;
                    bump(meta, keys::meta::VERSIONS, 1)?;
                    bump(meta, keys::meta::CHECKS, 1)?;
                    Ok(version)
                },
            )
            .map_err(|e| self.tx_err(e))?;
        self.flush()?;
        Ok(version)
    }

    /// Appends a check that made no version (unchanged, 304, failure) to the log of `url`
    /// (resolving aliases), and updates the record's last-checked time and, when the check
    /// carries them, its validators. Not flushed: losing the last check in a crash is harmless.
    pub fn record_check(&self, url: &str, check: &Check) -> Result<()> {
        let seq = self.db.generate_id().map_err(|e| self.sled_err(e))?;
        (&self.articles, &self.aliases, &self.checks, &self.meta)
            .transaction(|(articles, aliases, checks, meta)| {
                let not_tracked = || {
                    ConflictableTransactionError::Abort(Error::NotTracked {
                        url: url.to_owned(),
                    })
                };
                let canonical = resolve_in(articles, aliases, url)?.ok_or_else(not_tracked)?;
                let mut rec = record_in(articles, &canonical)?.ok_or_else(not_tracked)?;
                log_check_in(articles, checks, &mut rec, seq, check)?;
                bump(meta, keys::meta::CHECKS, 1)
            })
            .map_err(|e| self.tx_err(e))
    }

    /// The last `limit` checks of `url` (resolving aliases), newest first.
    pub fn checks(&self, url: &str, limit: usize) -> Result<Vec<Check>> {
        let Some(canonical) = self.resolve(url)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for item in self
            .checks
            .scan_prefix(keys::url_prefix(&canonical))
            .rev()
            .take(limit)
        {
            let (k, v) = item.map_err(|e| self.sled_err(e))?;
            out.push(codec::decode(&keys::name(keys::tree::CHECKS, &k), &v)?);
        }
        Ok(out)
    }

    /// All versions of `url` (resolving aliases), oldest first.
    /// [`Error::NotTracked`] when the URL is unknown.
    pub fn versions(&self, url: &str) -> Result<Vec<Version>> {
        let canonical = self.resolve(url)?.ok_or_else(|| Error::NotTracked {
            url: url.to_owned(),
        })?;
        let mut out = Vec::new();
        for item in self.versions.scan_prefix(keys::url_prefix(&canonical)) {
            let (k, v) = item.map_err(|e| self.sled_err(e))?;
            out.push(codec::decode(&keys::name(keys::tree::VERSIONS, &k), &v)?);
        }
        Ok(out)
    }

    /// Version `number` (1-based) of `url`, resolving aliases.
    pub fn version(&self, url: &str, number: u32) -> Result<Option<Version>> {
        match self.resolve(url)? {
            Some(canonical) => self.version_exact(&canonical, number),
            None => Ok(None),
        }
    }

    /// The newest version of `url`, resolving aliases.
    pub fn latest(&self, url: &str) -> Result<Option<Version>> {
        let Some(rec) = self.article(url)? else {
            return Ok(None);
        };
        if rec.versions == 0 {
            return Ok(None);
        }
        self.version_exact(&rec.url, rec.versions)
    }

    /// The body hash of the latest version of `url` (resolving aliases), the base a new
    /// body is compressed against.
    fn latest_body_hash(&self, url: &str) -> Result<Option<String>> {
        Ok(self.latest(url)?.and_then(|v| v.body_hash))
    }

    /// Version `number` stored under exactly `url`.
    pub(crate) fn version_exact(&self, url: &str, number: u32) -> Result<Option<Version>> {
        let key = keys::version(url, number);
        let v = self.versions.get(&key).map_err(|e| self.sled_err(e))?;
        v.map(|v| codec::decode(&keys::name(keys::tree::VERSIONS, &key), &v))
            .transpose()
    }
}

/// Logs `check` of the article `rec` inside a transaction: the entry, and the record's last
/// check time (never moved back by a late-finishing check) and validators.
pub(super) fn log_check_in(
    articles: &TransactionalTree,
    checks: &TransactionalTree,
    rec: &mut crate::model::ArticleRecord,
    seq: u64,
    check: &Check,
) -> TxResult<()> {
    rec.last_checked = Some(rec.last_checked.map_or(check.at, |t| t.max(check.at)));
    if let Some(e) = &check.etag {
        rec.etag = Some(e.clone());
    }
    if let Some(m) = &check.last_modified {
        rec.last_modified = Some(m.clone());
    }
    put_record(articles, rec)?;
    put_check(checks, &rec.url, seq, check)
}

/// Writes a check-log entry inside a transaction.
pub(super) fn put_check(
    checks: &TransactionalTree,
    url: &str,
    seq: u64,
    check: &Check,
) -> TxResult<()> {
    let key = keys::check(url, seq);
    let bytes = abort(codec::encode(&keys::name(keys::tree::CHECKS, &key), check))?;
    checks.insert(key, bytes)?;
    Ok(())
}
