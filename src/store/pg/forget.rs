//! Forgetting an article on PostgreSQL: its record, versions, check log, aliases and
//! schedule go in one transaction, as on sled (`store/forget.rs`); raw bodies stay, shared
//! by content hash.

use super::Postgres;
use crate::error::Result;
use crate::store::Forgotten;

impl Postgres {
    /// Removes the article `url` (or the one it is an alias of, or a pasted form's) and its
    /// whole history, committed before it returns; `None` when it is not known. A URL still
    /// listed by a configured feed is discovered again on the next round.
    pub async fn forget(&self, url: &str) -> Result<Option<Forgotten>> {
        let Some(canonical) = self.resolve(url).await? else {
            return Ok(None);
        };
        let mut client = self.client().await?;
        let run = async {
            let tx = client.transaction().await?;
            let Some(row) = tx
                .query_opt(
                    "SELECT versions FROM articles WHERE url = $1 FOR UPDATE",
                    &[&canonical],
                )
                .await?
            else {
                return Ok(None);
            };
            let versions = row.try_get::<_, i32>(0)? as u32;
            let checks: i64 = tx
                .query_one("SELECT count(*) FROM checks WHERE url = $1", &[&canonical])
                .await?
                .try_get(0)?;
            let aliases: Vec<String> = tx
                .query(
                    "DELETE FROM aliases WHERE url = $1 RETURNING alias",
                    &[&canonical],
                )
                .await?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<std::result::Result<_, _>>()?;
            tx.execute(
                "DELETE FROM frontier WHERE url = $1 OR url = ANY($2)",
                &[&canonical, &aliases],
            )
            .await?;
            // Versions and checks go with the record (ON DELETE CASCADE).
            tx.execute("DELETE FROM articles WHERE url = $1", &[&canonical])
                .await?;
            tx.commit().await?;
            Ok(Some(Forgotten {
                url: canonical.clone(),
                versions,
                checks: checks as u64,
                aliases: aliases.len() as u64,
            }))
        };
        run.await.map_err(|e: tokio_postgres::Error| self.error(e))
    }
}
