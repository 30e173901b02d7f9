//! A URL's schedule on PostgreSQL outside discovery (`emend watch`): its row in the shared
//! frontier, where whichever daemon leases its host claims it.

use chrono::{DateTime, Utc};
use tokio_postgres::types::Json;

use super::Postgres;
use crate::error::Result;
use crate::politeness::host_key;
use crate::store::ScheduleState;

impl Postgres {
    /// Creates the record of `url` with `site` when there is none (an existing record
    /// without a site adopts it).
    pub async fn ensure_article(
        &self,
        url: &str,
        site: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO articles (url, site, first_seen) VALUES ($1, $2, $3)
                 ON CONFLICT (url) DO UPDATE SET site = COALESCE(articles.site, excluded.site)",
                &[&url, &site, &now],
            )
            .await
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// The re-check state of exactly `url`; `None` when it is not in the frontier or has
    /// not been checked from it yet (its first check gives it one).
    pub async fn schedule(&self, url: &str) -> Result<Option<ScheduleState>> {
        let states: Vec<Option<Json<ScheduleState>>> = self
            .column("SELECT state FROM frontier WHERE url = $1", &[&url])
            .await?;
        Ok(states.into_iter().flatten().next().map(|j| j.0))
    }

    /// Puts exactly `url` in the frontier due at `state.next_due` with `state` (its host
    /// made leasable), or takes it out when `next_due` is `None`. A claim in progress is
    /// left to finish; its holder then writes the state it computed.
    pub async fn set_schedule(&self, url: &str, state: &ScheduleState) -> Result<()> {
        let Some(due) = state.next_due else {
            return self.clear_schedule(url).await.map(drop);
        };
        let host = url::Url::parse(url)
            .map(|u| host_key(&u))
            .map_err(|e| self.failed(format!("{url}: {e}")))?;
        let client = self.client().await?;
        let run = async {
            client.execute(super::frontier::ADD_HOST, &[&host]).await?;
            client
                .execute(
                    "INSERT INTO frontier (url, host, due_at, state) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (url) DO UPDATE SET due_at = $3, state = $4",
                    &[&url, &host, &due, &Json(state)],
                )
                .await
        };
        run.await.map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Takes exactly `url` out of the frontier (its history stays); false when it was not
    /// there.
    pub async fn clear_schedule(&self, url: &str) -> Result<bool> {
        let client = self.client().await?;
        let n = client
            .execute("DELETE FROM frontier WHERE url = $1", &[&url])
            .await
            .map_err(|e| self.error(e))?;
        Ok(n == 1)
    }
}
