//! The archive on PostgreSQL: articles, versions, raw bodies, the check log and aliases.
//!
//! The rule the sled engine keeps inside one process — a version is numbered after the one
//! its change was computed against, and never stored twice — is kept here by the database
//! for every process at once: a commit locks the article's row, compares its version count
//! with the caller's `based_on`, and inserts under the primary key (url, number). Two
//! daemons that saw the same new state race for one number; the second gets
//! [`Error::StaleVersion`] and compares again, as it would on sled.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::types::Json;

use super::Postgres;
use crate::error::{Error, Result};
use crate::model::{ArticleRecord, Check, HttpExchange, Version};
use crate::store::codec;
use crate::store::versions::check_of;
use crate::store::{Delivery, NewVersion, Route};

/// A query parameter.
pub(super) type Param<'a> = dyn tokio_postgres::types::ToSql + Sync + 'a;

/// A body ready to insert: its blake3 (hex) and zstd frame, computed before the
/// transaction so the row lock is held for the inserts only.
pub(crate) struct PackedBody {
    pub hash: String,
    pub size: i64,
    pub zstd: Vec<u8>,
}

impl PackedBody {
    pub(crate) fn of(raw: &[u8]) -> Result<PackedBody> {
        let hash = blake3::hash(raw).to_hex().to_string();
        let zstd = codec::compress(raw).map_err(|e| codec::corrupt(&format!("body {hash}"), e))?;
        Ok(PackedBody {
            hash,
            size: raw.len() as i64,
            zstd,
        })
    }
}

impl Postgres {
    /// Stores a new version of `url` (or of the article it is an alias of), numbered after
    /// `based_on` (0: the article has no version yet), with its raw body, its check and its
    /// exchange, in one transaction that is committed (and so durable) before this returns.
    /// When the article's latest version is no longer `based_on`, nothing is written and the
    /// result is [`Error::StaleVersion`].
    pub async fn commit_version(
        &self,
        url: &str,
        based_on: u32,
        route: Route<'_>,
        new: NewVersion,
        raw_body: &[u8],
        check: Check,
    ) -> Result<Version> {
        let body = PackedBody::of(raw_body)?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.error(e))?;
        let canonical = resolve(&tx, url).await.map_err(|e| self.error(e))?;
        let current = lock_article(&tx, &canonical, route.site, new.fetched_at)
            .await
            .map_err(|e| self.error(e))?;
        if current != based_on {
            return Err(Error::StaleVersion {
                url: canonical,
                based_on,
                current,
            });
        }
        let version = new.numbered(current + 1, &body.hash);
        let check = check_of(check, version.number);
        let write = async {
            insert_body(&tx, &body).await?;
            insert_version(&tx, &canonical, &version, route.capture).await?;
            insert_check(&tx, &canonical, &check, None).await?;
            queue(&tx, route, &canonical, &version).await?;
            tx.execute(
                "UPDATE articles SET versions = $2, last_changed = $3, title = $4,
                     last_checked = greatest(last_checked, $5), etag = $6, last_modified = $7
                 WHERE url = $1",
                &[
                    &canonical,
                    &(version.number as i32),
                    &version.fetched_at,
                    &version.article.title,
                    &check.at,
                    &check.etag,
                    &check.last_modified,
                ],
            )
            .await?;
            tx.commit().await
        };
        write.await.map_err(|e| self.error(e))?;
        Ok(version)
    }

    /// Appends a check that made no version to the log of `url` (resolving aliases), with
    /// the exchange of a 304 answer when there is one, and updates the article's
    /// last-checked time and validators. An untracked URL is [`Error::NotTracked`].
    pub async fn record_check(
        &self,
        url: &str,
        check: &Check,
        not_modified: Option<&HttpExchange>,
    ) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.error(e))?;
        let run = async {
            let canonical = resolve(&tx, url).await?;
            let n = tx
                .execute(
                    "UPDATE articles SET last_checked = greatest(last_checked, $2),
                         etag = COALESCE($3, etag), last_modified = COALESCE($4, last_modified)
                     WHERE url = $1",
                    &[&canonical, &check.at, &check.etag, &check.last_modified],
                )
                .await?;
            if n == 1 {
                insert_check(&tx, &canonical, check, not_modified).await?;
                tx.commit().await?;
            }
            Ok::<_, tokio_postgres::Error>(n == 1)
        };
        match run.await.map_err(|e| self.error(e))? {
            true => Ok(()),
            false => Err(Error::NotTracked { url: url.into() }),
        }
    }

    /// Files `alias` under the article `canonical` (or the article that one is an alias of).
    /// A version-less record under `alias` (a discovered URL that turned out to redirect)
    /// is folded into the alias, as on sled. Returns false, changing nothing, when `alias`
    /// is the article itself, already an alias, or has a history of its own.
    pub async fn add_alias(&self, alias: &str, canonical: &str) -> Result<bool> {
        let mut client = self.client().await?;
        let run = async {
            let tx = client.transaction().await?;
            let target = resolve(&tx, canonical).await?;
            if target == alias {
                return Ok(false);
            }
            tx.execute(
                "DELETE FROM articles WHERE url = $1 AND versions = 0",
                &[&alias],
            )
            .await?;
            let n = tx
                .execute(
                    "INSERT INTO aliases (alias, url) SELECT $1, $2
                     WHERE NOT EXISTS (SELECT 1 FROM articles WHERE url = $1)
                       AND EXISTS (SELECT 1 FROM articles WHERE url = $2)
                     ON CONFLICT DO NOTHING",
                    &[&alias, &target],
                )
                .await?;
            tx.commit().await?;
            Ok(n == 1)
        };
        run.await.map_err(|e: tokio_postgres::Error| self.error(e))
    }

    /// The canonical URL `url` is filed under, if it is tracked at all. A URL as pasted (no
    /// scheme, other case, a fragment, tracking parameters) is also looked up in its
    /// normalised forms, as on sled.
    pub async fn resolve(&self, url: &str) -> Result<Option<String>> {
        if let Some(found) = self.resolve_exact(url).await? {
            return Ok(Some(found));
        }
        for form in crate::urlnorm::lookup_forms(url) {
            if let Some(found) = self.resolve_exact(&form).await? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    async fn resolve_exact(&self, url: &str) -> Result<Option<String>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT url FROM articles WHERE url = $1
                 UNION ALL SELECT url FROM aliases WHERE alias = $1 LIMIT 1",
                &[&url],
            )
            .await
            .map_err(|e| self.error(e))?;
        row.map(|r| r.try_get(0))
            .transpose()
            .map_err(|e| self.error(e))
    }

    /// The record of the article stored under exactly `url`.
    pub async fn article(&self, url: &str) -> Result<Option<ArticleRecord>> {
        let client = self.client().await?;
        let row = client
            .query_opt(&format!("{SELECT_ARTICLE} WHERE url = $1"), &[&url])
            .await
            .map_err(|e| self.error(e))?;
        row.map(|r| article_record(&r))
            .transpose()
            .map_err(|e| self.error(e))
    }

    /// Up to `limit` article records after `after` in URL order (a page of `emend list`).
    pub async fn list(&self, after: Option<&str>, limit: i64) -> Result<Vec<ArticleRecord>> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!("{SELECT_ARTICLE} WHERE url > COALESCE($1, '') ORDER BY url LIMIT $2"),
                &[&after, &limit],
            )
            .await
            .map_err(|e| self.error(e))?;
        rows.iter()
            .map(article_record)
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| self.error(e))
    }

    /// Every version of the article stored under exactly `url`, oldest first.
    pub async fn versions(&self, url: &str) -> Result<Vec<Version>> {
        self.version_docs("WHERE url = $1 ORDER BY number", &[&url])
            .await
    }

    /// Version `number` of the article stored under exactly `url`.
    pub async fn version(&self, url: &str, number: u32) -> Result<Option<Version>> {
        let n = number as i32;
        Ok(self
            .version_docs("WHERE url = $1 AND number = $2", &[&url, &n])
            .await?
            .pop())
    }

    /// The newest version of the article stored under exactly `url`.
    pub async fn latest(&self, url: &str) -> Result<Option<Version>> {
        Ok(self
            .version_docs("WHERE url = $1 ORDER BY number DESC LIMIT 1", &[&url])
            .await?
            .pop())
    }

    pub(super) async fn version_docs(
        &self,
        filter: &str,
        params: &[&Param<'_>],
    ) -> Result<Vec<Version>> {
        let docs: Vec<Json<Version>> = self
            .column(&format!("SELECT doc FROM versions {filter}"), params)
            .await?;
        Ok(docs.into_iter().map(|j| j.0).collect())
    }

    /// The first column of every row `sql` returns.
    pub(super) async fn column<T>(&self, sql: &str, params: &[&Param<'_>]) -> Result<Vec<T>>
    where
        T: for<'a> tokio_postgres::types::FromSql<'a>,
    {
        let client = self.client().await?;
        let rows = client.query(sql, params).await.map_err(|e| self.error(e))?;
        rows.iter()
            .map(|r| r.try_get(0))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| self.error(e))
    }

    /// The `doc` column of every row `sql` returns, decoded.
    pub(super) async fn docs<T>(&self, sql: &str, params: &[&Param<'_>]) -> Result<Vec<T>>
    where
        T: serde::de::DeserializeOwned,
    {
        let docs: Vec<Json<T>> = self.column(sql, params).await?;
        Ok(docs.into_iter().map(|j| j.0).collect())
    }

    /// The exchange that fetched version `number` of the article under exactly `url`.
    pub async fn capture(&self, url: &str, number: u32) -> Result<Option<HttpExchange>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT capture FROM versions WHERE url = $1 AND number = $2",
                &[&url, &(number as i32)],
            )
            .await
            .map_err(|e| self.error(e))?;
        let capture = row
            .map(|r| r.try_get::<_, Option<Json<HttpExchange>>>(0))
            .transpose()
            .map_err(|e| self.error(e))?;
        Ok(capture.flatten().map(|j| j.0))
    }

    /// Up to `limit` checks of the article under exactly `url`, newest first.
    pub async fn checks(&self, url: &str, limit: i64) -> Result<Vec<Check>> {
        self.docs(
            "SELECT doc FROM checks WHERE url = $1 ORDER BY id DESC LIMIT $2",
            &[&url, &limit],
        )
        .await
    }

    /// The raw body with blake3 `hash` (hex), decompressed and checked against its hash.
    pub async fn raw_body(&self, hash: &str) -> Result<Option<Vec<u8>>> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT zstd FROM bodies WHERE hash = $1", &[&hash])
            .await
            .map_err(|e| self.error(e))?;
        let Some(row) = row else { return Ok(None) };
        let frame: Vec<u8> = row.try_get(0).map_err(|e| self.error(e))?;
        let name = format!("{}: body {hash}", self.target);
        let raw = codec::decompress(&frame).map_err(|e| codec::corrupt(&name, e))?;
        if blake3::hash(&raw).to_hex().as_str() != hash {
            return Err(codec::corrupt(&name, "content does not match its hash"));
        }
        Ok(Some(raw))
    }

    /// Every pending (`failed` false) or failed notification, by target then commit order.
    pub async fn deliveries(&self, failed: bool) -> Result<Vec<Delivery>> {
        self.docs(
            "SELECT doc FROM outbox WHERE failed = $1 ORDER BY target, seq",
            &[&failed],
        )
        .await
    }

    /// Names of the targets with pending deliveries.
    pub async fn outbox_targets(&self) -> Result<Vec<String>> {
        self.column(
            "SELECT DISTINCT target FROM outbox WHERE NOT failed ORDER BY target",
            &[],
        )
        .await
    }

    /// Up to `limit` pending deliveries of `target`, oldest first.
    pub async fn pending_deliveries(&self, target: &str, limit: usize) -> Result<Vec<Delivery>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.docs(
            "SELECT doc FROM outbox WHERE target = $1 AND NOT failed ORDER BY seq LIMIT $2",
            &[&target, &limit],
        )
        .await
    }

    /// Removes a delivered entry (committed, so durable): it is never sent again.
    pub async fn delivered(&self, d: &Delivery) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "DELETE FROM outbox WHERE target = $1 AND seq = $2",
                &[&d.target, &(d.seq as i64)],
            )
            .await
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Stores a pending entry's attempts, next attempt and last error, or (`failed`) moves
    /// it to the failed ones.
    pub(crate) async fn update_delivery(&self, d: &Delivery, failed: bool) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE outbox SET failed = $3, next_attempt = $4, doc = $5
                 WHERE target = $1 AND seq = $2",
                &[
                    &d.target,
                    &(d.seq as i64),
                    &failed,
                    &d.next_attempt,
                    &Json(d),
                ],
            )
            .await
            .map_err(|e| self.error(e))?;
        Ok(())
    }
}

/// The canonical URL of `url`: the article an alias points at, else `url` itself.
pub(crate) async fn resolve(
    c: &impl GenericClient,
    url: &str,
) -> std::result::Result<String, tokio_postgres::Error> {
    let row = c
        .query_opt("SELECT url FROM aliases WHERE alias = $1", &[&url])
        .await?;
    Ok(match row {
        Some(r) => r.try_get(0)?,
        None => url.to_owned(),
    })
}

/// Creates the article if missing (adopting `site` if it has none), locks its row for the
/// rest of the transaction and returns its version count.
async fn lock_article(
    c: &impl GenericClient,
    url: &str,
    site: Option<&str>,
    first_seen: DateTime<Utc>,
) -> std::result::Result<u32, tokio_postgres::Error> {
    c.execute(
        "INSERT INTO articles (url, site, first_seen) VALUES ($1, $2, $3)
         ON CONFLICT (url) DO UPDATE SET site = COALESCE(articles.site, excluded.site)",
        &[&url, &site, &first_seen],
    )
    .await?;
    let row = c
        .query_one(
            "SELECT versions FROM articles WHERE url = $1 FOR UPDATE",
            &[&url],
        )
        .await?;
    Ok(row.try_get::<_, i32>(0)? as u32)
}

pub(crate) async fn insert_body(
    c: &impl GenericClient,
    body: &PackedBody,
) -> std::result::Result<u64, tokio_postgres::Error> {
    c.execute(
        "INSERT INTO bodies (hash, size, zstd) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        &[&body.hash, &body.size, &body.zstd],
    )
    .await
}

pub(crate) async fn insert_version(
    c: &impl GenericClient,
    url: &str,
    v: &Version,
    capture: Option<&HttpExchange>,
) -> std::result::Result<u64, tokio_postgres::Error> {
    c.execute(
        "INSERT INTO versions (url, number, fetched_at, change, text_hash, body_hash, doc, capture)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &url,
            &(v.number as i32),
            &v.fetched_at,
            &v.change.as_str(),
            &v.text_hash,
            &v.body_hash,
            &Json(v),
            &capture.map(Json),
        ],
    )
    .await
}

/// Queues the change `v` of `url` for every notification target of `route`, in the
/// version's own transaction (a stored change is never left unannounced).
async fn queue(
    c: &impl GenericClient,
    route: Route<'_>,
    url: &str,
    v: &Version,
) -> std::result::Result<(), tokio_postgres::Error> {
    if route.notify.is_empty() {
        return Ok(());
    }
    // The article's site as the commit left it (its own, else the route's).
    let site: Option<String> = c
        .query_one("SELECT site FROM articles WHERE url = $1", &[&url])
        .await?
        .try_get(0)?;
    for target in route.notify {
        let seq: i64 = c
            .query_one("SELECT nextval('outbox_seq')", &[])
            .await?
            .try_get(0)?;
        let d = Delivery::queued(seq as u64, target, url, site.as_deref(), v);
        insert_delivery(c, &d, false).await?;
    }
    Ok(())
}

/// Queues (or, copied from sled, keeps) a delivery under its own sequence number.
pub(crate) async fn insert_delivery(
    c: &impl GenericClient,
    d: &Delivery,
    failed: bool,
) -> std::result::Result<u64, tokio_postgres::Error> {
    c.execute(
        "INSERT INTO outbox (target, seq, failed, next_attempt, doc)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        &[
            &d.target,
            &(d.seq as i64),
            &failed,
            &d.next_attempt,
            &Json(d),
        ],
    )
    .await
}

pub(crate) async fn insert_check(
    c: &impl GenericClient,
    url: &str,
    check: &Check,
    capture: Option<&HttpExchange>,
) -> std::result::Result<u64, tokio_postgres::Error> {
    c.execute(
        "INSERT INTO checks (url, at, doc, capture) VALUES ($1, $2, $3, $4)",
        &[&url, &check.at, &Json(check), &capture.map(Json)],
    )
    .await
}

pub(super) const SELECT_ARTICLE: &str =
    "SELECT url, site, first_seen, last_checked, last_changed, versions,
     etag, last_modified, title FROM articles";

pub(super) fn article_record(r: &Row) -> std::result::Result<ArticleRecord, tokio_postgres::Error> {
    Ok(ArticleRecord {
        url: r.try_get(0)?,
        site: r.try_get(1)?,
        first_seen: r.try_get(2)?,
        last_checked: r.try_get(3)?,
        last_changed: r.try_get(4)?,
        versions: r.try_get::<_, i32>(5)? as u32,
        etag: r.try_get(6)?,
        last_modified: r.try_get(7)?,
        title: r.try_get(8)?,
    })
}
