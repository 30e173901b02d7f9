//! `emend migrate`: copies a sled database into PostgreSQL — articles, every version with its
//! raw body and exchange, the check log with its 304 exchanges, aliases and the schedule —
//! then reads the copy back and compares it with the source.
//!
//! Each article goes over in one transaction, so an interrupted copy leaves whole articles
//! only; a re-run skips the articles the destination already has and copies the rest.

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::model::{ArticleRecord, Check, CheckOutcome, HttpExchange, Version};
use crate::store::{ScheduleState, Store, codec, keys};

use super::Postgres;
use super::archive::{PackedBody, insert_body, insert_check, insert_delivery, insert_version};

/// What a copy did, and what its verification found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CopyReport {
    /// Articles copied.
    pub articles: u64,
    /// Articles the destination already had (left as they were).
    pub skipped: u64,
    /// Versions copied.
    pub versions: u64,
    /// Distinct bodies copied (bodies shared by several versions count once).
    pub bodies: u64,
    /// Check-log entries copied.
    pub checks: u64,
    /// Aliases copied.
    pub aliases: u64,
    /// Schedule entries copied into the frontier.
    pub scheduled: u64,
    /// Pending and failed notifications copied (with their attempts and errors).
    pub deliveries: u64,
    /// Articles whose copy was read back and found equal (versions, bodies by hash, checks).
    pub verified: u64,
}

/// One article as read from sled, ready to write.
struct Dump {
    record: ArticleRecord,
    versions: Vec<(Version, Option<HttpExchange>)>,
    bodies: Vec<PackedBody>,
    /// Oldest first, each with its 304 exchange when it had one.
    checks: Vec<(Check, Option<HttpExchange>)>,
    schedule: Option<ScheduleState>,
}

/// Copies everything in `from` into `to` and verifies the copy.
pub async fn copy(from: &Store, to: &Postgres) -> Result<CopyReport> {
    let mut report = CopyReport::default();
    let mut after: Option<String> = None;
    loop {
        let (store, cursor) = (from.clone(), after.clone());
        let page = blocking(move || store.list(cursor.as_deref(), 256)).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.url.clone());
        for record in page {
            copy_article(from, to, record, &mut report).await?;
        }
    }
    report.aliases = copy_aliases(from, to).await?;
    report.deliveries = copy_outbox(from, to).await?;
    Ok(report)
}

/// Copies the pending and failed notifications under their own sequence numbers, and moves
/// the destination's sequence past them so new ones queue after.
async fn copy_outbox(from: &Store, to: &Postgres) -> Result<u64> {
    let store = from.clone();
    let (pending, failed) =
        blocking(move || Ok((store.deliveries(false)?, store.deliveries(true)?))).await?;
    let mut client = to.client().await?;
    let run = async {
        let tx = client.transaction().await?;
        let mut copied = 0;
        for (list, failed) in [(&pending, false), (&failed, true)] {
            for d in list {
                copied += insert_delivery(&tx, d, failed).await?;
            }
        }
        tx.execute(
            "SELECT setval('outbox_seq', greatest((SELECT max(seq) FROM outbox), 1))",
            &[],
        )
        .await?;
        tx.commit().await?;
        Ok(copied)
    };
    run.await.map_err(|e| to.error(e))
}

async fn copy_article(
    from: &Store,
    to: &Postgres,
    record: ArticleRecord,
    report: &mut CopyReport,
) -> Result<()> {
    let store = from.clone();
    let dump = blocking(move || read_article(&store, record)).await?;
    if let Some(new_bodies) = write_article(to, &dump).await? {
        report.articles += 1;
        report.versions += dump.versions.len() as u64;
        report.bodies += new_bodies;
        report.checks += dump.checks.len() as u64;
        report.scheduled += u64::from(dump.schedule.is_some());
    } else {
        report.skipped += 1;
    }
    verify_article(to, &dump).await?;
    report.verified += 1;
    Ok(())
}

fn read_article(store: &Store, record: ArticleRecord) -> Result<Dump> {
    let url = record.url.clone();
    let mut versions = Vec::new();
    let mut bodies = Vec::new();
    let mut seen = HashSet::new();
    for v in store.versions(&url)? {
        if let Some(hash) = v
            .body_hash
            .as_deref()
            .filter(|h| seen.insert(h.to_string()))
        {
            let raw = store
                .raw_body(hash)?
                .ok_or_else(|| missing_body(&url, &v, hash))?;
            let body = PackedBody::of(&raw)?;
            if body.hash != hash {
                return Err(codec::corrupt(
                    &format!("{url} version {}", v.number),
                    format!("body {hash} reads back as {}", body.hash),
                ));
            }
            bodies.push(body);
        }
        let capture = store.capture(&url, v.number)?;
        versions.push((v, capture));
    }
    let mut revisits = store.not_modified_captures(&url)?.into_iter().peekable();
    let mut checks = Vec::new();
    for check in store.checks(&url, usize::MAX)?.into_iter().rev() {
        let capture = match check.outcome {
            CheckOutcome::NotModified => revisits.next_if(|(at, _)| *at == check.at).map(|c| c.1),
            _ => None,
        };
        checks.push((check, capture));
    }
    let schedule = store.schedule(&url)?;
    Ok(Dump {
        record,
        versions,
        bodies,
        checks,
        schedule,
    })
}

fn missing_body(url: &str, v: &Version, hash: &str) -> Error {
    codec::corrupt(
        &format!("{url} version {}", v.number),
        format!("its body {hash} is not in the database (run `emend verify`)"),
    )
}

/// Writes one article in one transaction and returns how many of its bodies were new to the
/// destination; `None` when the destination already had the article.
async fn write_article(to: &Postgres, dump: &Dump) -> Result<Option<u64>> {
    let mut client = to.client().await?;
    let run = async {
        let tx = client.transaction().await?;
        let r = &dump.record;
        let inserted = tx
            .execute(
                "INSERT INTO articles (url, site, first_seen, last_checked, last_changed,
                     versions, etag, last_modified, title)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
                &[
                    &r.url,
                    &r.site,
                    &r.first_seen,
                    &r.last_checked,
                    &r.last_changed,
                    &(r.versions as i32),
                    &r.etag,
                    &r.last_modified,
                    &r.title,
                ],
            )
            .await?;
        if inserted == 0 {
            return Ok(None);
        }
        let mut new_bodies = 0;
        for body in &dump.bodies {
            new_bodies += insert_body(&tx, body).await?;
        }
        for (v, capture) in &dump.versions {
            insert_version(&tx, &r.url, v, capture.as_ref()).await?;
        }
        for (check, capture) in &dump.checks {
            insert_check(&tx, &r.url, check, capture.as_ref()).await?;
        }
        if let Some(state) = &dump.schedule {
            schedule(&tx, &r.url, state).await?;
        }
        tx.commit().await?;
        Ok(Some(new_bodies))
    };
    run.await.map_err(|e| to.error(e))
}

/// Puts a sled schedule entry into the frontier (due now when it had no due time left, so
/// the first daemon on PostgreSQL decides).
async fn schedule(
    tx: &deadpool_postgres::Transaction<'_>,
    url: &str,
    state: &ScheduleState,
) -> std::result::Result<(), tokio_postgres::Error> {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    let due = state.next_due.unwrap_or_else(chrono::Utc::now);
    tx.execute(super::frontier::ADD_HOST, &[&host]).await?;
    tx.execute(
        "INSERT INTO frontier (url, host, due_at, state) VALUES ($1, $2, $3, $4)
         ON CONFLICT (url) DO NOTHING",
        &[&url, &host, &due, &tokio_postgres::types::Json(state)],
    )
    .await?;
    Ok(())
}

/// Reads the article back from PostgreSQL and compares it with what sled holds.
async fn verify_article(to: &Postgres, dump: &Dump) -> Result<()> {
    let url = &dump.record.url;
    let differs = |what: String| {
        to.failed(format!(
            "copy of {url} differs from the source: {what} (the source is unchanged)"
        ))
    };
    let got = to.versions(url).await?;
    let want: Vec<&Version> = dump.versions.iter().map(|(v, _)| v).collect();
    if got.iter().collect::<Vec<_>>() != want {
        return Err(differs(format!(
            "{} versions read back, {} in the source, or their content differs",
            got.len(),
            want.len()
        )));
    }
    for body in &dump.bodies {
        if to.raw_body(&body.hash).await?.is_none() {
            return Err(differs(format!("body {} is missing", body.hash)));
        }
    }
    let checks = to.checks(url, i64::MAX).await?;
    if checks.len() != dump.checks.len() {
        return Err(differs(format!(
            "{} checks read back, {} in the source",
            checks.len(),
            dump.checks.len()
        )));
    }
    Ok(())
}

async fn copy_aliases(from: &Store, to: &Postgres) -> Result<u64> {
    let store = from.clone();
    let aliases = blocking(move || {
        let mut out = Vec::new();
        for item in store.aliases.iter() {
            let (k, v) = item.map_err(|e| store.sled_err(e))?;
            let name = keys::show(keys::tree::ALIASES, &k);
            let alias = String::from_utf8(k.to_vec()).map_err(|e| codec::corrupt(&name, e))?;
            let target = String::from_utf8(v.to_vec()).map_err(|e| codec::corrupt(&name, e))?;
            out.push((alias, target));
        }
        Ok(out)
    })
    .await?;
    let mut copied = 0;
    for (alias, target) in &aliases {
        // add_alias files an alias only under an article that exists: one whose article is
        // gone (`emend verify --repair` drops those) is left out, one already there counts
        // once.
        if to.add_alias(alias, target).await? {
            copied += 1;
        }
    }
    Ok(copied)
}

/// Runs sled work off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Postgres {
            target: "migrate".into(),
            message: format!("copy task failed: {e}"),
        })?
}
