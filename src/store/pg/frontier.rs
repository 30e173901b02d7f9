//! The shared frontier: tracked URLs, when each is due, and which daemon may fetch from
//! which host.
//!
//! The model is StormCrawler's and Brozzler's: the frontier lives in the database, bucketed
//! by host. A daemon leases a share of the hosts (a row with owner and expiry, renewed while
//! it works) and claims only due URLs of its own hosts, with `FOR UPDATE SKIP LOCKED`, so
//! every host is fetched by one daemon at a time and that daemon's per-host limiter stays
//! exact across the cluster. A dead daemon's leases expire and the others take its hosts;
//! its claims expire with them. Every time is the server's `now()`.

use std::time::Duration;

use chrono::{DateTime, Utc};

use tokio_postgres::types::Json;

use super::Postgres;
use crate::error::Result;
use crate::store::ScheduleState;

/// One due URL handed to this daemon, on a host it leases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The URL to check.
    pub url: String,
    /// Its host (the lease under which it was claimed).
    pub host: String,
    /// When it fell due.
    pub due_at: DateTime<Utc>,
    /// Its re-check state (interval, streak, failures, end of tracking); `None` until its
    /// first check schedules it.
    pub state: Option<ScheduleState>,
}

/// A host this daemon holds, and the earliest moment its next request may go out (the
/// previous holder's rate, Crawl-delay or Retry-After, carried across a take-over).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostLease {
    /// The host.
    pub host: String,
    /// No request to the host before this.
    pub not_before: DateTime<Utc>,
}

/// One daemon's view of the shared frontier.
#[derive(Debug, Clone)]
pub struct Frontier {
    pg: Postgres,
    worker: String,
    lease: Duration,
}

impl Frontier {
    /// The frontier as seen by daemon `worker` (unique in the cluster, e.g. host name and
    /// pid), whose leases last `lease` unless renewed (renew at a third of it or sooner).
    pub fn new(pg: Postgres, worker: impl Into<String>, lease: Duration) -> Self {
        Frontier {
            pg,
            worker: worker.into(),
            lease,
        }
    }

    /// This daemon's name in the cluster.
    pub fn worker(&self) -> &str {
        &self.worker
    }

    fn lease_secs(&self) -> f64 {
        self.lease.as_secs_f64()
    }

    /// Tracks `url` on `host`, due at `due`. Returns false when it was already tracked
    /// (its schedule is left as it was).
    pub async fn add(&self, url: &str, host: &str, due: DateTime<Utc>) -> Result<bool> {
        let client = self.pg.client().await?;
        let run = async {
            client.execute(ADD_HOST, &[&host]).await?;
            client
                .execute(
                    "INSERT INTO frontier (url, host, due_at) VALUES ($1, $2, $3)
                     ON CONFLICT (url) DO NOTHING",
                    &[&url, &host, &due],
                )
                .await
        };
        Ok(run.await.map_err(|e| self.pg.error(e))? == 1)
    }

    /// Announces this daemon as live (its share of the hosts counts it from now on).
    pub async fn heartbeat(&self) -> Result<()> {
        let client = self.pg.client().await?;
        client
            .execute(HEARTBEAT, &[&self.worker])
            .await
            .map_err(|e| self.pg.error(e))?;
        Ok(())
    }

    /// Makes `hosts` leasable (a host is otherwise known once a URL on it is added): the
    /// hosts of discovery sources, which no tracked URL may name yet.
    pub async fn add_hosts(&self, hosts: &[String]) -> Result<()> {
        let client = self.pg.client().await?;
        client
            .execute(
                "INSERT INTO leases (scope, key) SELECT 'host', h FROM unnest($1::text[]) AS h
                 ON CONFLICT DO NOTHING",
                &[&hosts],
            )
            .await
            .map_err(|e| self.pg.error(e))?;
        Ok(())
    }

    /// Heartbeats, renews this daemon's host leases, then moves toward a fair share of the
    /// hosts (all hosts over the live daemons, rounded up): free or expired leases are taken
    /// when below it, leases with no URL in flight released when above it (a daemon that
    /// joins gets hosts without anyone dying). Returns the hosts held afterwards.
    pub async fn balance(&self) -> Result<Vec<HostLease>> {
        let mut client = self.pg.client().await?;
        let (me, secs) = (self.worker.as_str(), self.lease_secs());
        let run = async {
            let tx = client.transaction().await?;
            tx.execute(HEARTBEAT, &[&me]).await?;
            let share: i64 = tx.query_one(FAIR_SHARE, &[&secs]).await?.try_get(0)?;
            let held = tx.execute(RENEW, &[&me, &secs]).await? as i64;
            if held > share {
                tx.execute(RELEASE_EXCESS, &[&me, &(held - share)]).await?;
            } else if held < share {
                tx.execute(TAKE_FREE, &[&me, &secs, &(share - held)])
                    .await?;
            }
            let rows = tx.query(HELD, &[&me]).await?;
            tx.commit().await?;
            rows.iter()
                .map(host_lease)
                .collect::<std::result::Result<Vec<_>, _>>()
        };
        run.await
            .map_err(|e: tokio_postgres::Error| self.pg.error(e))
    }

    /// Claims up to `limit` due URLs on hosts this daemon leases, earliest due first. A URL
    /// is claimed by one daemon at a time; the claim lasts as long as the host's lease.
    pub async fn claim_due(&self, limit: i64) -> Result<Vec<Claim>> {
        let client = self.pg.client().await?;
        let rows = client
            .query(
                "UPDATE frontier f SET claimed_by = $1, claim_expires = l.expires
                 FROM leases l
                 WHERE l.scope = 'host' AND l.key = f.host AND f.url IN (
                     SELECT c.url FROM frontier c
                     JOIN leases h ON h.scope = 'host' AND h.key = c.host
                     WHERE h.owner = $1 AND h.expires > now() AND c.due_at <= now()
                       AND (c.claimed_by IS NULL OR c.claim_expires <= now())
                     ORDER BY c.due_at LIMIT $2
                     FOR UPDATE OF c SKIP LOCKED)
                 RETURNING f.url, f.host, f.due_at, f.state",
                &[&self.worker, &limit],
            )
            .await
            .map_err(|e| self.pg.error(e))?;
        let mut claims = rows
            .iter()
            .map(|row| {
                Ok(Claim {
                    url: row.try_get(0)?,
                    host: row.try_get(1)?,
                    due_at: row.try_get(2)?,
                    state: row
                        .try_get::<_, Option<Json<ScheduleState>>>(3)?
                        .map(|j| j.0),
                })
            })
            .collect::<std::result::Result<Vec<Claim>, tokio_postgres::Error>>()
            .map_err(|e| self.pg.error(e))?;
        claims.sort_by(|a, b| a.due_at.cmp(&b.due_at).then_with(|| a.url.cmp(&b.url)));
        Ok(claims)
    }

    /// Ends this daemon's claim on `url` and schedules its next check. Returns false when
    /// the claim was no longer this daemon's (its lease expired and another took the host):
    /// the caller must then not record the check as the schedule's.
    pub async fn finish(&self, url: &str, next_due: DateTime<Utc>) -> Result<bool> {
        let client = self.pg.client().await?;
        let n = client
            .execute(
                "UPDATE frontier SET due_at = $3, claimed_by = NULL, claim_expires = NULL
                 WHERE url = $1 AND claimed_by = $2 AND claim_expires > now()",
                &[&url, &self.worker, &next_due],
            )
            .await
            .map_err(|e| self.pg.error(e))?;
        Ok(n == 1)
    }

    /// [`Frontier::finish`] with the URL's whole re-check state: due at `state.next_due`,
    /// or, when that is `None` (tracking over, or never to be requested again), taken out of
    /// the frontier (its history stays). Returns false when the claim was no longer this
    /// daemon's.
    pub async fn reschedule(&self, url: &str, state: &ScheduleState) -> Result<bool> {
        let client = self.pg.client().await?;
        let n = match state.next_due {
            Some(due) => {
                client
                    .execute(
                        "UPDATE frontier SET due_at = $3, state = $4, claimed_by = NULL,
                         claim_expires = NULL
                     WHERE url = $1 AND claimed_by = $2 AND claim_expires > now()",
                        &[&url, &self.worker, &due, &Json(state)],
                    )
                    .await
            }
            None => {
                client
                    .execute(
                        "DELETE FROM frontier
                     WHERE url = $1 AND claimed_by = $2 AND claim_expires > now()",
                        &[&url, &self.worker],
                    )
                    .await
            }
        };
        Ok(n.map_err(|e| self.pg.error(e))? == 1)
    }

    /// [`Frontier::finish`] for many URLs in one statement (a daemon's finished checks of
    /// one round): one round trip instead of one per URL. Returns the URLs whose claims were
    /// still this daemon's; the others' checks must not be recorded as the schedule's.
    pub async fn finish_many(&self, done: &[(String, DateTime<Utc>)]) -> Result<Vec<String>> {
        if done.is_empty() {
            return Ok(Vec::new());
        }
        let (urls, dues): (Vec<&str>, Vec<DateTime<Utc>>) =
            done.iter().map(|(u, d)| (u.as_str(), *d)).unzip();
        let client = self.pg.client().await?;
        let rows = client
            .query(
                "UPDATE frontier f SET due_at = d.due, claimed_by = NULL, claim_expires = NULL
                 FROM unnest($1::text[], $2::timestamptz[]) AS d(url, due)
                 WHERE f.url = d.url AND f.claimed_by = $3 AND f.claim_expires > now()
                 RETURNING f.url",
                &[&urls, &dues, &self.worker],
            )
            .await
            .map_err(|e| self.pg.error(e))?;
        rows.iter()
            .map(|row| row.try_get(0))
            .collect::<std::result::Result<Vec<String>, _>>()
            .map_err(|e| self.pg.error(e))
    }

    /// Records that no request may go to `host` before `not_before` (the limiter's next
    /// slot, a Crawl-delay, a Retry-After), so a daemon that takes the host over keeps the
    /// pace. Only the holder may set it.
    pub async fn hold_host(&self, host: &str, not_before: DateTime<Utc>) -> Result<bool> {
        let client = self.pg.client().await?;
        let n = client
            .execute(
                "UPDATE leases SET not_before = greatest(not_before, $3)
                 WHERE scope = 'host' AND key = $1 AND owner = $2 AND expires > now()",
                &[&host, &self.worker, &not_before],
            )
            .await
            .map_err(|e| self.pg.error(e))?;
        Ok(n == 1)
    }

    /// Takes or renews the lease `scope`/`key` (e.g. a site's discovery) if it is free,
    /// expired or already this daemon's. Returns whether this daemon holds it now.
    pub async fn try_lease(&self, scope: &str, key: &str) -> Result<bool> {
        let client = self.pg.client().await?;
        let n = client
            .execute(
                "INSERT INTO leases (scope, key, owner, expires)
                 VALUES ($1, $2, $3, now() + make_interval(secs => $4))
                 ON CONFLICT (scope, key) DO UPDATE
                 SET owner = excluded.owner, expires = excluded.expires
                 WHERE leases.owner IS NULL OR leases.expires <= now()
                    OR leases.owner = excluded.owner",
                &[&scope, &key, &self.worker, &self.lease_secs()],
            )
            .await
            .map_err(|e| self.pg.error(e))?;
        Ok(n == 1)
    }

    /// Gives back every lease and claim of this daemon and removes its heartbeat (a clean
    /// shutdown), so the others take its hosts at once instead of at expiry.
    pub async fn release_all(&self) -> Result<()> {
        let mut client = self.pg.client().await?;
        let me = self.worker.as_str();
        let run = async {
            let tx = client.transaction().await?;
            tx.execute(
                "UPDATE frontier SET claimed_by = NULL, claim_expires = NULL WHERE claimed_by = $1",
                &[&me],
            )
            .await?;
            tx.execute(
                "UPDATE leases SET owner = NULL, expires = NULL WHERE owner = $1",
                &[&me],
            )
            .await?;
            tx.execute("DELETE FROM workers WHERE id = $1", &[&me])
                .await?;
            tx.commit().await
        };
        run.await.map_err(|e| self.pg.error(e))
    }
}

/// Makes host $1 leasable (a no-op when it is already known).
pub(super) const ADD_HOST: &str =
    "INSERT INTO leases (scope, key) VALUES ('host', $1) ON CONFLICT DO NOTHING";

/// The daemon's heartbeat ($1: its name).
const HEARTBEAT: &str = "INSERT INTO workers (id, heartbeat) VALUES ($1, now())
     ON CONFLICT (id) DO UPDATE SET heartbeat = now()";

/// Hosts over live daemons, rounded up ($1: the lease in seconds, also the liveness window).
const FAIR_SHARE: &str = "SELECT ceil((SELECT count(*) FROM leases WHERE scope = 'host')::float8
      / greatest(1, (SELECT count(*) FROM workers
                     WHERE heartbeat > now() - make_interval(secs => $1))))::int8";

/// Extends the daemon's unexpired host leases ($1: daemon, $2: seconds); counts them.
const RENEW: &str = "UPDATE leases SET expires = now() + make_interval(secs => $2)
     WHERE scope = 'host' AND owner = $1 AND expires > now()";

/// Frees $2 of the daemon's ($1) hosts that have no URL in flight.
const RELEASE_EXCESS: &str = "UPDATE leases SET owner = NULL, expires = NULL
     WHERE scope = 'host' AND (scope, key) IN (
         SELECT scope, key FROM leases l WHERE l.scope = 'host' AND l.owner = $1
           AND NOT EXISTS (SELECT 1 FROM frontier f WHERE f.host = l.key
                           AND f.claimed_by = $1 AND f.claim_expires > now())
         ORDER BY key DESC LIMIT $2 FOR UPDATE)";

/// Takes up to $3 free or expired host leases for daemon $1, for $2 seconds; rows another
/// daemon is taking at the same moment are skipped, never waited on.
const TAKE_FREE: &str = "UPDATE leases SET owner = $1, expires = now() + make_interval(secs => $2)
     WHERE (scope, key) IN (
         SELECT scope, key FROM leases
         WHERE scope = 'host' AND (owner IS NULL OR expires <= now())
         ORDER BY key LIMIT $3 FOR UPDATE SKIP LOCKED)";

/// The daemon's ($1) live host leases.
const HELD: &str = "SELECT key, not_before FROM leases
     WHERE scope = 'host' AND owner = $1 AND expires > now() ORDER BY key";

fn host_lease(row: &tokio_postgres::Row) -> std::result::Result<HostLease, tokio_postgres::Error> {
    Ok(HostLease {
        host: row.try_get(0)?,
        not_before: row
            .try_get::<_, Option<DateTime<Utc>>>(1)?
            .unwrap_or(DateTime::<Utc>::MIN_UTC),
    })
}
