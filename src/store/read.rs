//! [`ArchiveRead`]: what the web UI and the exports read from a storage engine, implemented
//! by both, so one set of pages, APIs, feeds and export writers serves sled or PostgreSQL.
//!
//! `emend export` reads through it too.
//!
//! Synchronous and object-safe: the web runs every read on the blocking pool (a history can
//! be megabytes to decode and diff) behind one `Arc<dyn ArchiveRead>`. sled answers in
//! place; PostgreSQL waits there for its queries (see `pg/read.rs`).

use chrono::{DateTime, Utc};

use super::{ChangeCounts, ChangeCursor, ChangeFilter, Store, StoreStats};
use crate::error::Result;
use crate::model::{ArticleRecord, Check, HttpExchange, Version};

/// The read-only archive queries of the web UI, resolving aliases wherever a URL is taken.
pub trait ArchiveRead: Send + Sync + 'static {
    /// The canonical URL of `url` (itself, its alias target, or a pasted variant's), if known.
    fn resolve(&self, url: &str) -> Result<Option<String>>;
    /// The record of the article `url` names.
    fn article(&self, url: &str) -> Result<Option<ArticleRecord>>;
    /// Every version of `url`, oldest first; [`crate::error::Error::NotTracked`] if unknown.
    fn versions(&self, url: &str) -> Result<Vec<Version>>;
    /// Version `number` of `url`.
    fn version(&self, url: &str, number: u32) -> Result<Option<Version>>;
    /// The newest version of `url`.
    fn latest(&self, url: &str) -> Result<Option<Version>>;
    /// The HTTP exchange that fetched version `number` of the article under exactly `url`.
    fn capture(&self, url: &str, number: u32) -> Result<Option<HttpExchange>>;
    /// The exchanges of the checks of the article under exactly `url` answered 304, with
    /// their times, oldest first.
    fn not_modified_captures(&self, url: &str) -> Result<Vec<(DateTime<Utc>, HttpExchange)>>;
    /// Up to `limit` checks of `url`, newest first.
    fn checks(&self, url: &str, limit: usize) -> Result<Vec<Check>>;
    /// The raw response body stored under blake3 `hash` (hex).
    fn raw_body(&self, hash: &str) -> Result<Option<Vec<u8>>>;
    /// Up to `limit` articles after `after`, in URL order.
    fn list(&self, after: Option<&str>, limit: usize) -> Result<Vec<ArticleRecord>>;
    /// Up to `limit` articles of `site` after `after`, in URL order.
    fn list_site(
        &self,
        site: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ArticleRecord>>;
    /// The names of the sites that have articles, in name order.
    fn sites(&self) -> Result<Vec<String>>;
    /// Up to `limit` articles whose URL or title contains `query` (any case), in URL order.
    fn search(&self, query: &str, limit: usize) -> Result<Vec<ArticleRecord>>;
    /// Changes across all articles, newest first, strictly older than `before` when given.
    fn recent_changes(
        &self,
        before: Option<&ChangeCursor>,
        limit: usize,
        filter: &ChangeFilter,
    ) -> Result<Vec<(String, Version)>>;
    /// Every article's change counts, and each site's by name.
    fn change_counts(&self, max_weeks: usize) -> Result<(ChangeCounts, Vec<ChangeCounts>)>;
    /// Record, version, body and check counts.
    fn stats(&self) -> Result<StoreStats>;
    /// Pending (or `failed`) notifications per target, by target name.
    fn outbox_counts(&self, failed: bool) -> Result<Vec<(String, u64)>>;
    /// Ok when the archive answers (the health check: cheaper than [`ArchiveRead::stats`]).
    fn ping(&self) -> Result<()>;
}

impl ArchiveRead for Store {
    fn resolve(&self, url: &str) -> Result<Option<String>> {
        Store::resolve(self, url)
    }

    fn article(&self, url: &str) -> Result<Option<ArticleRecord>> {
        Store::article(self, url)
    }

    fn versions(&self, url: &str) -> Result<Vec<Version>> {
        Store::versions(self, url)
    }

    fn version(&self, url: &str, number: u32) -> Result<Option<Version>> {
        Store::version(self, url, number)
    }

    fn latest(&self, url: &str) -> Result<Option<Version>> {
        Store::latest(self, url)
    }

    fn capture(&self, url: &str, number: u32) -> Result<Option<HttpExchange>> {
        Store::capture(self, url, number)
    }

    fn not_modified_captures(&self, url: &str) -> Result<Vec<(DateTime<Utc>, HttpExchange)>> {
        Store::not_modified_captures(self, url)
    }

    fn checks(&self, url: &str, limit: usize) -> Result<Vec<Check>> {
        Store::checks(self, url, limit)
    }

    fn raw_body(&self, hash: &str) -> Result<Option<Vec<u8>>> {
        Store::raw_body(self, hash)
    }

    fn list(&self, after: Option<&str>, limit: usize) -> Result<Vec<ArticleRecord>> {
        Store::list(self, after, limit)
    }

    fn list_site(
        &self,
        site: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ArticleRecord>> {
        Store::list_site(self, site, after, limit)
    }

    fn sites(&self) -> Result<Vec<String>> {
        Store::sites(self)
    }

    fn search(&self, query: &str, limit: usize) -> Result<Vec<ArticleRecord>> {
        Store::search(self, query, limit)
    }

    fn recent_changes(
        &self,
        before: Option<&ChangeCursor>,
        limit: usize,
        filter: &ChangeFilter,
    ) -> Result<Vec<(String, Version)>> {
        Store::recent_changes(self, before, limit, filter)
    }

    fn change_counts(&self, max_weeks: usize) -> Result<(ChangeCounts, Vec<ChangeCounts>)> {
        Store::change_counts(self, max_weeks)
    }

    fn stats(&self) -> Result<StoreStats> {
        Store::stats(self)
    }

    fn outbox_counts(&self, failed: bool) -> Result<Vec<(String, u64)>> {
        Store::outbox_counts(self, failed)
    }

    fn ping(&self) -> Result<()> {
        Store::stats(self).map(|_| ())
    }
}
