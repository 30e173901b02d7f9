//! [`ArchiveRead`] on PostgreSQL: the web UI's queries (change lists, article lists and
//! search, statistics) as SQL over the archive tables.
//!
//! The trait is synchronous (the web calls it on the blocking pool); each call here waits
//! on the runtime for its query, which is allowed on a blocking thread and nowhere else.

use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use tokio_postgres::types::Json;

use super::Postgres;
use super::archive::{SELECT_ARTICLE, article_record};
use crate::error::{Error, Result};
use crate::model::{ArticleRecord, ChangeKind, Check, HttpExchange, Version};
use crate::store::{ArchiveRead, ChangeCounts, ChangeCursor, ChangeFilter, StoreStats, WeekCounts};

/// Counts of one scope (every article when `$1` is NULL, else one site): articles with a
/// version, versions, edited and silently edited articles, and the two middle times to a
/// first edit (in whole seconds, as the sled engine counts them).
const SCOPE_COUNTS: &str = "
    WITH v AS (
        SELECT v.url, v.number, v.fetched_at, v.change
        FROM versions v JOIN articles a ON a.url = v.url
        WHERE $1::text IS NULL OR a.site = $1
    ), per AS (
        SELECT url,
               min(fetched_at) FILTER (WHERE number = 1) AS first,
               min(fetched_at) FILTER (WHERE change IN ('declared_update', 'silent_edit'))
                   AS first_edit,
               bool_or(change = 'silent_edit') AS silent
        FROM v GROUP BY url
    ), gaps AS (
        SELECT ((EXTRACT(EPOCH FROM first_edit) - EXTRACT(EPOCH FROM first)) * 1000000)::bigint
               / 1000000 AS gap
        FROM per WHERE first IS NOT NULL AND first_edit IS NOT NULL
    )
    SELECT (SELECT count(*) FROM per), (SELECT count(*) FROM v),
           (SELECT count(*) FROM per WHERE first_edit IS NOT NULL),
           (SELECT count(*) FROM per WHERE silent),
           (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY gap) FROM gaps),
           (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY gap DESC) FROM gaps)";

/// Changes per ISO week (UTC) by kind, of one scope as in [`SCOPE_COUNTS`].
const SCOPE_WEEKS: &str = "
    SELECT date_trunc('week', v.fetched_at AT TIME ZONE 'UTC')::date AS monday,
           count(*) FILTER (WHERE v.change = 'new'),
           count(*) FILTER (WHERE v.change = 'declared_update'),
           count(*) FILTER (WHERE v.change = 'silent_edit'),
           count(*) FILTER (WHERE v.change = 'stamp_only')
    FROM versions v JOIN articles a ON a.url = v.url
    WHERE ($1::text IS NULL OR a.site = $1) AND v.change <> 'unchanged'
    GROUP BY monday ORDER BY monday";

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

    /// Every article's change counts and each site's (the sites with versions), with weeks
    /// as far back as `max_weeks` before the latest week with a change.
    pub async fn change_counts(
        &self,
        max_weeks: usize,
    ) -> Result<(ChangeCounts, Vec<ChangeCounts>)> {
        let all = self.scope_counts(None, max_weeks).await?;
        let names: Vec<String> = self
            .column(
                "SELECT DISTINCT a.site FROM articles a
                 WHERE a.site IS NOT NULL AND a.versions > 0 ORDER BY a.site",
                &[],
            )
            .await?;
        let mut sites = Vec::with_capacity(names.len());
        for name in names {
            sites.push(self.scope_counts(Some(name), max_weeks).await?);
        }
        Ok((all, sites))
    }

    async fn scope_counts(&self, site: Option<String>, max_weeks: usize) -> Result<ChangeCounts> {
        let client = self.client().await?;
        let row = client
            .query_one(SCOPE_COUNTS, &[&site])
            .await
            .map_err(|e| self.error(e))?;
        let weeks = client
            .query(SCOPE_WEEKS, &[&site])
            .await
            .map_err(|e| self.error(e))?;
        let read = || {
            let n = |i: usize| row.try_get::<_, i64>(i).map(|n| n as u64);
            let low: Option<i64> = row.try_get(4)?;
            let high: Option<i64> = row.try_get(5)?;
            let weeks = weeks
                .iter()
                .map(|w| {
                    let c = |i: usize| w.try_get::<_, i64>(i).map(|n| n as u64);
                    Ok(WeekCounts {
                        monday: w.try_get(0)?,
                        new: c(1)?,
                        declared_update: c(2)?,
                        silent_edit: c(3)?,
                        stamp_only: c(4)?,
                    })
                })
                .collect::<std::result::Result<Vec<_>, tokio_postgres::Error>>()?;
            Ok::<_, tokio_postgres::Error>(ChangeCounts {
                site: site.clone(),
                articles: n(0)?,
                versions: n(1)?,
                edited_articles: n(2)?,
                silently_edited_articles: n(3)?,
                median_secs_to_first_edit: low.zip(high).map(|(l, h)| (l + h) / 2),
                weeks: last_weeks(weeks, max_weeks),
            })
        };
        read().map_err(|e| self.error(e))
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

/// The weeks among the `max_weeks` up to the latest one (`weeks` oldest first).
fn last_weeks(mut weeks: Vec<WeekCounts>, max_weeks: usize) -> Vec<WeekCounts> {
    let Some(last) = weeks.last().map(|w| w.monday) else {
        return weeks;
    };
    let span = i64::try_from(max_weeks.max(1) - 1).unwrap_or(i64::MAX);
    let start = chrono::Duration::try_weeks(span)
        .and_then(|d| last.checked_sub_signed(d))
        .unwrap_or(NaiveDate::MIN);
    weeks.retain(|w| w.monday >= start);
    weeks
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
