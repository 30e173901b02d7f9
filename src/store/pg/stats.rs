//! The change statistics (`/stats`) on PostgreSQL: computed from the versions in two
//! grouped passes (every article, and each site, in one `GROUPING SETS` each), where sled
//! keeps counters in every commit. Same figures as sled's: articles with a version,
//! versions, edited and silently edited articles, the median whole seconds from first
//! capture to first edit, and changes per ISO week (UTC) by kind.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use tokio_postgres::Row;

use super::Postgres;
use crate::error::Result;
use crate::store::{ChangeCounts, WeekCounts};

/// Per scope (`all` true: every article; else one site): article, version, edited and
/// silently edited counts, and the two middle times to a first edit.
const COUNTS: &str = "
    WITH per AS (
        SELECT a.site, v.url, count(*) AS n,
               min(v.fetched_at) FILTER (WHERE v.number = 1) AS first,
               min(v.fetched_at) FILTER (WHERE v.change IN ('declared_update', 'silent_edit'))
                   AS first_edit,
               bool_or(v.change = 'silent_edit') AS silent
        FROM versions v JOIN articles a ON a.url = v.url
        GROUP BY a.site, v.url
    ), gaps AS (
        SELECT site, n, first_edit, silent,
               ((EXTRACT(EPOCH FROM first_edit) - EXTRACT(EPOCH FROM first)) * 1000000)::bigint
                   / 1000000 AS gap
        FROM per
    )
    SELECT site, GROUPING(site) = 1 AS all_articles, count(*), sum(n)::bigint,
           count(first_edit), count(*) FILTER (WHERE silent),
           percentile_disc(0.5) WITHIN GROUP (ORDER BY gap),
           percentile_disc(0.5) WITHIN GROUP (ORDER BY gap DESC)
    FROM gaps GROUP BY GROUPING SETS ((), (site))";

/// Per scope as in [`COUNTS`] and week: changes by kind.
const WEEKS: &str = "
    SELECT a.site, GROUPING(a.site) = 1,
           date_trunc('week', v.fetched_at AT TIME ZONE 'UTC')::date AS monday,
           count(*) FILTER (WHERE v.change = 'new'),
           count(*) FILTER (WHERE v.change = 'declared_update'),
           count(*) FILTER (WHERE v.change = 'silent_edit'),
           count(*) FILTER (WHERE v.change = 'stamp_only')
    FROM versions v JOIN articles a ON a.url = v.url
    WHERE v.change <> 'unchanged'
    GROUP BY GROUPING SETS ((monday), (a.site, monday))
    ORDER BY monday";

/// A scope: `None` for every article, else a site.
type Scope = Option<String>;

impl Postgres {
    /// Every article's change counts, and each site's (those with versions) by name; weeks
    /// as far back as `max_weeks` before the scope's latest week with a change.
    pub async fn change_counts(
        &self,
        max_weeks: usize,
    ) -> Result<(ChangeCounts, Vec<ChangeCounts>)> {
        let client = self.client().await?;
        let counts = client.query(COUNTS, &[]).await.map_err(|e| self.error(e))?;
        let weeks = client.query(WEEKS, &[]).await.map_err(|e| self.error(e))?;
        let mut by_scope: BTreeMap<Scope, ChangeCounts> = BTreeMap::new();
        for row in &counts {
            if let Some(c) = scope_counts(row).map_err(|e| self.error(e))? {
                by_scope.insert(c.site.clone(), c);
            }
        }
        for row in &weeks {
            if let Some((scope, week)) = scope_week(row).map_err(|e| self.error(e))?
                && let Some(c) = by_scope.get_mut(&scope)
            {
                c.weeks.push(week);
            }
        }
        for c in by_scope.values_mut() {
            last_weeks(&mut c.weeks, max_weeks);
        }
        let all = by_scope.remove(&None).unwrap_or_else(|| ChangeCounts {
            site: None,
            articles: 0,
            versions: 0,
            edited_articles: 0,
            silently_edited_articles: 0,
            median_secs_to_first_edit: None,
            weeks: Vec::new(),
        });
        Ok((all, by_scope.into_values().collect()))
    }
}

/// The scope a grouped row counts: every article, a site, or (`None`) the articles without
/// a site, which have no scope of their own.
fn scope_of(row: &Row) -> std::result::Result<Option<Scope>, tokio_postgres::Error> {
    let site: Option<String> = row.try_get(0)?;
    let all: bool = row.try_get(1)?;
    Ok(match (all, site) {
        (true, _) => Some(None),
        (false, Some(site)) => Some(Some(site)),
        (false, None) => None,
    })
}

fn scope_counts(row: &Row) -> std::result::Result<Option<ChangeCounts>, tokio_postgres::Error> {
    let Some(site) = scope_of(row)? else {
        return Ok(None);
    };
    let n = |i: usize| row.try_get::<_, i64>(i).map(|n| n as u64);
    let low: Option<i64> = row.try_get(6)?;
    let high: Option<i64> = row.try_get(7)?;
    Ok(Some(ChangeCounts {
        site,
        articles: n(2)?,
        versions: n(3)?,
        edited_articles: n(4)?,
        silently_edited_articles: n(5)?,
        median_secs_to_first_edit: low.zip(high).map(|(l, h)| (l + h) / 2),
        weeks: Vec::new(),
    }))
}

fn scope_week(
    row: &Row,
) -> std::result::Result<Option<(Scope, WeekCounts)>, tokio_postgres::Error> {
    let Some(scope) = scope_of(row)? else {
        return Ok(None);
    };
    let n = |i: usize| row.try_get::<_, i64>(i).map(|n| n as u64);
    let week = WeekCounts {
        monday: row.try_get(2)?,
        new: n(3)?,
        declared_update: n(4)?,
        silent_edit: n(5)?,
        stamp_only: n(6)?,
    };
    Ok(Some((scope, week)))
}

/// Keeps the weeks among the `max_weeks` up to the latest one (`weeks` oldest first).
fn last_weeks(weeks: &mut Vec<WeekCounts>, max_weeks: usize) {
    let Some(last) = weeks.last().map(|w| w.monday) else {
        return;
    };
    let span = i64::try_from(max_weeks.max(1) - 1).unwrap_or(i64::MAX);
    let start = chrono::Duration::try_weeks(span)
        .and_then(|d| last.checked_sub_signed(d))
        .unwrap_or(NaiveDate::MIN);
    weeks.retain(|w| w.monday >= start);
}
