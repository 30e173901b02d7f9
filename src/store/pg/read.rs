//! [`ArchiveRead`] on PostgreSQL: the web UI's and the exports' queries (change lists,
//! article lists and search, counts; the change statistics are in `stats.rs`) as SQL over
//! the archive tables.
//!
//! The trait is synchronous (the web calls it on the blocking pool); each call here waits
//! on the runtime for its query, which is allowed on a blocking thread and nowhere else.

use std::future::Future;

use chrono::{DateTime, Utc};
use tokio_postgres::types::Json;

use super::Postgres;
use super::archive::{SELECT_ARTICLE, article_record};
use crate::error::{Error, Result};
use crate::model::{ArticleRecord, ChangeKind, Check, HttpExchange, Version};
use crate::store::{ArchiveRead, ChangeCounts, ChangeCursor, ChangeFilter, StoreStats};

impl Postgres {
    /// Changes newest first, strictly older than `before`, filtered by site and kind. URLs
    /// of one instant are ordered bytewise (`COLLATE "C"`), as sled's index keys are.
    pub async fn recent_changes(
        &self,
        before: Option<&ChangeCursor>,
        limit: usize,
        filter: &ChangeFilter,
    ) -> Result<Vec<(String, Version)>> {
        let kind = filter.kind.map(ChangeKind::as_str);
        let at = before.map(|c| c.at);
        let url = before.map(|c| c.url.as_str());
        let number = before.map(|c| c.number as i32);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let client = self.client().await?;
        let rows = client
            .query(
                r#"SELECT v.url, v.doc FROM versions v JOIN articles a ON a.url = v.url
                   WHERE ($1::text IS NULL OR a.site = $1) AND ($2::text IS NULL OR v.change = $2)
                     AND ($3::timestamptz IS NULL
                          OR (v.fetched_at, v.url COLLATE "C", v.number) < ($3, $4, $5))
                   ORDER BY v.fetched_at DESC, v.url COLLATE "C" DESC, v.number DESC
                   LIMIT $6"#,
                &[&filter.site, &kind, &at, &url, &number, &limit],
            )
            .await
            .map_err(|e| self.error(e))?;
        rows.iter()
            .map(|r| {
                let doc: Json<Version> = r.try_get(1)?;
                Ok((r.try_get(0)?, doc.0))
            })
            .collect::<std::result::Result<_, tokio_postgres::Error>>()
            .map_err(|e| self.error(e))
    }

    /// Up to `limit` articles of `site` after `after`, in URL order.
    pub async fn list_site(
        &self,
        site: &str,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ArticleRecord>> {
        self.articles_where(
            "WHERE site = $1 AND url > COALESCE($2, '') ORDER BY url LIMIT $3",
            &[&site, &after, &limit],
        )
        .await
    }

    /// Up to `limit` articles whose URL or title contains `query`, ignoring case.
    pub async fn search(&self, query: &str, limit: i64) -> Result<Vec<ArticleRecord>> {
        let needle = query.to_lowercase();
        self.articles_where(
            "WHERE strpos(lower(url), $1) > 0 OR strpos(lower(COALESCE(title, '')), $1) > 0
             ORDER BY url LIMIT $2",
            &[&needle, &limit],
        )
        .await
    }

    async fn articles_where(
        &self,
        filter: &str,
        params: &[&super::archive::Param<'_>],
    ) -> Result<Vec<ArticleRecord>> {
        let client = self.client().await?;
        let rows = client
            .query(&format!("{SELECT_ARTICLE} {filter}"), params)
            .await
            .map_err(|e| self.error(e))?;
        rows.iter()
            .map(article_record)
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| self.error(e))
    }

    /// The names of the sites that have articles, in name order.
    pub async fn sites(&self) -> Result<Vec<String>> {
        self.column(
            "SELECT DISTINCT site FROM articles WHERE site IS NOT NULL ORDER BY site",
            &[],
        )
        .await
    }

    /// Record, version, body and check counts, as the sled engine keeps them.
    pub async fn store_stats(&self) -> Result<StoreStats> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM versions),
                        (SELECT count(*) FROM bodies),
                        (SELECT COALESCE(sum(octet_length(zstd)), 0)::bigint FROM bodies),
                        (SELECT count(*) FROM checks), (SELECT count(*) FROM aliases),
                        (SELECT count(*) FROM frontier)",
                &[],
            )
            .await
            .map_err(|e| self.error(e))?;
        let get = |i: usize| row.try_get::<_, i64>(i).map(|n| n as u64);
        let stats = (|| {
            Ok::<_, tokio_postgres::Error>(StoreStats {
                articles: get(0)?,
                versions: get(1)?,
                bodies: get(2)?,
                body_bytes: get(3)?,
                checks: get(4)?,
                aliases: get(5)?,
                scheduled: get(6)?,
            })
        })();
        stats.map_err(|e| self.error(e))
    }

    /// Pending (or `failed`) notifications per target, by target name.
    pub async fn outbox_counts(&self, failed: bool) -> Result<Vec<(String, u64)>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT target, count(*) FROM outbox WHERE failed = $1
                 GROUP BY target ORDER BY target",
                &[&failed],
            )
            .await
            .map_err(|e| self.error(e))?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get::<_, i64>(1)? as u64)))
            .collect::<std::result::Result<_, tokio_postgres::Error>>()
            .map_err(|e| self.error(e))
    }

    /// The exchanges of the 304 checks of the article under exactly `url`, oldest first.
    pub async fn not_modified_captures(
        &self,
        url: &str,
    ) -> Result<Vec<(DateTime<Utc>, HttpExchange)>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT at, capture FROM checks WHERE url = $1 AND capture IS NOT NULL
                 ORDER BY at, id",
                &[&url],
            )
            .await
            .map_err(|e| self.error(e))?;
        rows.iter()
            .map(|r| {
                let capture: Json<HttpExchange> = r.try_get(1)?;
                Ok((r.try_get(0)?, capture.0))
            })
            .collect::<std::result::Result<_, tokio_postgres::Error>>()
            .map_err(|e| self.error(e))
    }

    /// Whether the server answers.
    pub async fn ping(&self) -> Result<()> {
        let client = self.client().await?;
        client
            .simple_query("SELECT 1")
            .await
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Runs `query` to completion from a blocking thread.
    fn wait<T>(&self, query: impl Future<Output = Result<T>>) -> Result<T> {
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => runtime.block_on(query),
            Err(e) => Err(self.failed(format!("no runtime to query on: {e}"))),
        }
    }

    /// The canonical URL `url` names, or [`Error::NotTracked`].
    async fn tracked(&self, url: &str) -> Result<String> {
        self.resolve(url).await?.ok_or_else(|| Error::NotTracked {
            url: url.to_owned(),
        })
    }
}

fn limit_of(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl ArchiveRead for Postgres {
    fn resolve(&self, url: &str) -> Result<Option<String>> {
        self.wait(Postgres::resolve(self, url))
    }

    fn article(&self, url: &str) -> Result<Option<ArticleRecord>> {
        self.wait(async {
            match Postgres::resolve(self, url).await? {
                Some(key) => Postgres::article(self, &key).await,
                None => Ok(None),
            }
        })
    }

    fn versions(&self, url: &str) -> Result<Vec<Version>> {
        self.wait(async { Postgres::versions(self, &self.tracked(url).await?).await })
    }

    fn version(&self, url: &str, number: u32) -> Result<Option<Version>> {
        self.wait(async {
            match Postgres::resolve(self, url).await? {
                Some(key) => Postgres::version(self, &key, number).await,
                None => Ok(None),
            }
        })
    }

    fn latest(&self, url: &str) -> Result<Option<Version>> {
        self.wait(async {
            match Postgres::resolve(self, url).await? {
                Some(key) => Postgres::latest(self, &key).await,
                None => Ok(None),
            }
        })
    }

    fn capture(&self, url: &str, number: u32) -> Result<Option<HttpExchange>> {
        self.wait(Postgres::capture(self, url, number))
    }

    fn not_modified_captures(&self, url: &str) -> Result<Vec<(DateTime<Utc>, HttpExchange)>> {
        self.wait(Postgres::not_modified_captures(self, url))
    }

    fn checks(&self, url: &str, limit: usize) -> Result<Vec<Check>> {
        self.wait(async {
            match Postgres::resolve(self, url).await? {
                Some(key) => Postgres::checks(self, &key, limit_of(limit)).await,
                None => Ok(Vec::new()),
            }
        })
    }

    fn raw_body(&self, hash: &str) -> Result<Option<Vec<u8>>> {
        self.wait(Postgres::raw_body(self, hash))
    }

    fn list(&self, after: Option<&str>, limit: usize) -> Result<Vec<ArticleRecord>> {
        self.wait(Postgres::list(self, after, limit_of(limit)))
    }

    fn list_site(
        &self,
        site: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ArticleRecord>> {
        self.wait(Postgres::list_site(self, site, after, limit_of(limit)))
    }

    fn sites(&self) -> Result<Vec<String>> {
        self.wait(Postgres::sites(self))
    }

    fn search(&self, query: &str, limit: usize) -> Result<Vec<ArticleRecord>> {
        self.wait(Postgres::search(self, query, limit_of(limit)))
    }

    fn recent_changes(
        &self,
        before: Option<&ChangeCursor>,
        limit: usize,
        filter: &ChangeFilter,
    ) -> Result<Vec<(String, Version)>> {
        self.wait(Postgres::recent_changes(self, before, limit, filter))
    }

    fn change_counts(&self, max_weeks: usize) -> Result<(ChangeCounts, Vec<ChangeCounts>)> {
        self.wait(Postgres::change_counts(self, max_weeks))
    }

    fn stats(&self) -> Result<StoreStats> {
        self.wait(self.store_stats())
    }

    fn outbox_counts(&self, failed: bool) -> Result<Vec<(String, u64)>> {
        self.wait(Postgres::outbox_counts(self, failed))
    }

    fn ping(&self) -> Result<()> {
        self.wait(Postgres::ping(self))
    }
}
