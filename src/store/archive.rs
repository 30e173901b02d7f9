//! [`Archive`]: what a check needs from a storage engine, implemented by both engines, so
//! one pipeline stores into sled or PostgreSQL.
//!
//! sled's calls are quick and synchronous and run in place, except the commit, whose fsync
//! goes to the blocking pool; PostgreSQL's are network round trips.

use std::future::Future;

use bytes::Bytes;

use super::pg::Postgres;
use chrono::{DateTime, Utc};

use super::{Delivery, NewVersion, Route, ScheduleState, Store};
use crate::error::{Error, Result};
use crate::model::{ArticleRecord, Check, HttpExchange, Version};

/// One version ready to commit, owned so it can cross to a blocking thread.
#[derive(Debug)]
pub struct Commit {
    /// The article's key (canonical URL).
    pub key: String,
    /// The version `version` was compared against (0: none).
    pub based_on: u32,
    /// The site from sites.toml that claims the page.
    pub site: Option<String>,
    /// The notification targets the change is queued for.
    pub notify: Vec<String>,
    /// The version.
    pub version: NewVersion,
    /// The raw response body.
    pub body: Bytes,
    /// The HTTP exchange that fetched it.
    pub exchange: Option<Box<HttpExchange>>,
    /// The check that found it.
    pub check: Check,
}

/// The archive operations of one check, on either engine. Each returns a `Send` future, so a
/// check can run on any worker.
pub trait Archive: Clone + Send + Sync + 'static {
    /// The canonical URL of `url` (itself, its alias target, or a pasted variant's), if known.
    fn resolve(&self, url: &str) -> impl Future<Output = Result<Option<String>>> + Send;
    /// The record stored under exactly `key`.
    fn article_exact(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Option<ArticleRecord>>> + Send;
    /// Version `number` of the article under exactly `key`.
    fn version_exact(
        &self,
        key: &str,
        number: u32,
    ) -> impl Future<Output = Result<Option<Version>>> + Send;
    /// The newest version of the article under exactly `key`.
    fn latest(&self, key: &str) -> impl Future<Output = Result<Option<Version>>> + Send;
    /// Files `alias` under `key`; false when it changed nothing.
    fn add_alias(&self, alias: &str, key: &str) -> impl Future<Output = Result<bool>> + Send;
    /// Logs a check that made no version, with a 304's exchange.
    fn record_check(
        &self,
        key: &str,
        check: Check,
        not_modified: Option<Box<HttpExchange>>,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Commits a version durably; [`Error::StaleVersion`] when another check stored one
    /// after `based_on`.
    fn commit(&self, commit: Commit) -> impl Future<Output = Result<Version>> + Send;
    /// Where the archive is, for messages.
    fn describe(&self) -> String;
}

impl Archive for Store {
    async fn resolve(&self, url: &str) -> Result<Option<String>> {
        Store::resolve(self, url)
    }

    async fn article_exact(&self, key: &str) -> Result<Option<ArticleRecord>> {
        Store::article_exact(self, key)
    }

    async fn version_exact(&self, key: &str, number: u32) -> Result<Option<Version>> {
        Store::version_exact(self, key, number)
    }

    async fn latest(&self, key: &str) -> Result<Option<Version>> {
        Store::latest(self, key)
    }

    async fn add_alias(&self, alias: &str, key: &str) -> Result<bool> {
        Store::add_alias(self, alias, key)
    }

    async fn record_check(
        &self,
        key: &str,
        check: Check,
        not_modified: Option<Box<HttpExchange>>,
    ) -> Result<()> {
        // The exchange first: the check then makes both visible together.
        if let Some(exchange) = &not_modified {
            self.record_not_modified(key, check.at, exchange)?;
        }
        Store::record_check(self, key, &check)
    }

    async fn commit(&self, c: Commit) -> Result<Version> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || {
            let route = Route {
                site: c.site.as_deref(),
                notify: &c.notify,
                capture: c.exchange.as_deref(),
            };
            store.commit_version_routed(&c.key, c.based_on, route, c.version, &c.body, c.check)
        })
        .await
        .map_err(|e| Error::Store {
            path: self.path().to_owned(),
            message: format!("commit task failed: {e}"),
        })?
    }

    fn describe(&self) -> String {
        self.path().display().to_string()
    }
}

impl Archive for Postgres {
    async fn resolve(&self, url: &str) -> Result<Option<String>> {
        Postgres::resolve(self, url).await
    }

    async fn article_exact(&self, key: &str) -> Result<Option<ArticleRecord>> {
        self.article(key).await
    }

    async fn version_exact(&self, key: &str, number: u32) -> Result<Option<Version>> {
        self.version(key, number).await
    }

    async fn latest(&self, key: &str) -> Result<Option<Version>> {
        Postgres::latest(self, key).await
    }

    async fn add_alias(&self, alias: &str, key: &str) -> Result<bool> {
        Postgres::add_alias(self, alias, key).await
    }

    async fn record_check(
        &self,
        key: &str,
        check: Check,
        not_modified: Option<Box<HttpExchange>>,
    ) -> Result<()> {
        Postgres::record_check(self, key, &check, not_modified.as_deref()).await
    }

    async fn commit(&self, c: Commit) -> Result<Version> {
        let route = Route {
            site: c.site.as_deref(),
            notify: &c.notify,
            capture: c.exchange.as_deref(),
        };
        self.commit_version(&c.key, c.based_on, route, c.version, &c.body, c.check)
            .await
    }

    fn describe(&self) -> String {
        self.target().to_owned()
    }
}

/// The notification outbox, on either engine: what the delivery loop needs besides the
/// versions a message is made from ([`Archive::version_exact`]).
pub trait Outbox: Archive {
    /// Names of the targets with pending deliveries.
    fn outbox_targets(&self) -> impl Future<Output = Result<Vec<String>>> + Send;
    /// Up to `limit` pending deliveries of `target`, oldest first.
    fn pending_deliveries(
        &self,
        target: &str,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Delivery>>> + Send;
    /// Removes a delivered entry, durably: it is never sent again.
    fn delivered(&self, d: &Delivery) -> impl Future<Output = Result<()>> + Send;
    /// Stores an entry's attempts, next attempt time and last error.
    fn reschedule_delivery(&self, d: &Delivery) -> impl Future<Output = Result<()>> + Send;
    /// Moves an entry to the failed ones, durably, keeping its last error.
    fn give_up_delivery(&self, d: &Delivery) -> impl Future<Output = Result<()>> + Send;
}

impl Outbox for Store {
    async fn outbox_targets(&self) -> Result<Vec<String>> {
        Store::outbox_targets(self)
    }

    async fn pending_deliveries(&self, target: &str, limit: usize) -> Result<Vec<Delivery>> {
        Store::pending_deliveries(self, target, limit)
    }

    async fn delivered(&self, d: &Delivery) -> Result<()> {
        Store::delivered(self, d)
    }

    async fn reschedule_delivery(&self, d: &Delivery) -> Result<()> {
        Store::reschedule_delivery(self, d)
    }

    async fn give_up_delivery(&self, d: &Delivery) -> Result<()> {
        Store::give_up_delivery(self, d)
    }
}

impl Outbox for Postgres {
    async fn outbox_targets(&self) -> Result<Vec<String>> {
        Postgres::outbox_targets(self).await
    }

    async fn pending_deliveries(&self, target: &str, limit: usize) -> Result<Vec<Delivery>> {
        Postgres::pending_deliveries(self, target, limit).await
    }

    async fn delivered(&self, d: &Delivery) -> Result<()> {
        Postgres::delivered(self, d).await
    }

    async fn reschedule_delivery(&self, d: &Delivery) -> Result<()> {
        self.update_delivery(d, false).await
    }

    async fn give_up_delivery(&self, d: &Delivery) -> Result<()> {
        self.update_delivery(d, true).await
    }
}

/// A URL's place on the re-check schedule, on either engine: what `emend watch` changes.
pub trait Schedules: Archive {
    /// Creates the record of `key` (not an alias) with `site` when there is none.
    fn ensure_article(
        &self,
        key: &str,
        site: Option<&str>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The re-check state of exactly `key`, if it has one.
    fn schedule(&self, key: &str) -> impl Future<Output = Result<Option<ScheduleState>>> + Send;
    /// Replaces the re-check state of exactly `key` (no longer scheduled when its
    /// `next_due` is `None`).
    fn set_schedule(
        &self,
        key: &str,
        state: &ScheduleState,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Takes exactly `key` off the schedule; false when it was not on it.
    fn clear_schedule(&self, key: &str) -> impl Future<Output = Result<bool>> + Send;
}

impl Schedules for Store {
    async fn ensure_article(
        &self,
        key: &str,
        site: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        Store::ensure_article(self, key, site, now).map(drop)
    }

    async fn schedule(&self, key: &str) -> Result<Option<ScheduleState>> {
        Store::schedule(self, key)
    }

    async fn set_schedule(&self, key: &str, state: &ScheduleState) -> Result<()> {
        Store::set_schedule(self, key, state)
    }

    async fn clear_schedule(&self, key: &str) -> Result<bool> {
        let scheduled = Store::schedule(self, key)?.is_some();
        if scheduled {
            Store::clear_schedule(self, key)?;
        }
        Ok(scheduled)
    }
}

impl Schedules for Postgres {
    async fn ensure_article(
        &self,
        key: &str,
        site: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        Postgres::ensure_article(self, key, site, now).await
    }

    async fn schedule(&self, key: &str) -> Result<Option<ScheduleState>> {
        Postgres::schedule(self, key).await
    }

    async fn set_schedule(&self, key: &str, state: &ScheduleState) -> Result<()> {
        Postgres::set_schedule(self, key, state).await
    }

    async fn clear_schedule(&self, key: &str) -> Result<bool> {
        Postgres::clear_schedule(self, key).await
    }
}
