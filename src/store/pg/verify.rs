//! `emend verify` on PostgreSQL: every stored body re-hashed against its blake3 key, and
//! every article's version count against its versions. The references sled's verify walks
//! (a version's article and body, an alias's article) are foreign keys here, kept by the
//! database, and there are no counters to drift: nothing for `--repair` to fix.

use super::Postgres;
use crate::error::Result;
use crate::store::VerifyReport;

/// Bodies read per query while re-hashing.
const PAGE: i64 = 100;

impl Postgres {
    /// Checks the whole archive (see the module comment).
    pub async fn verify(&self) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        let mut after = String::new();
        loop {
            let hashes: Vec<String> = self
                .column(
                    "SELECT hash FROM bodies WHERE hash > $1 ORDER BY hash LIMIT $2",
                    &[&after, &PAGE],
                )
                .await?;
            let Some(last) = hashes.last() else { break };
            after = last.clone();
            for hash in &hashes {
                report.bodies += 1;
                // raw_body decompresses and compares the content with its hash.
                if let Err(e) = self.raw_body(hash).await {
                    report.found(format!("bodies/{hash}"), e.to_string(), false);
                }
            }
        }
        let counts = self.store_stats().await?;
        report.articles = counts.articles;
        report.versions = counts.versions;
        report.checks = counts.checks;
        let drifted: Vec<String> = self
            .column(
                "SELECT a.url FROM articles a
                 LEFT JOIN (SELECT url, count(*) AS n, max(number) AS last FROM versions
                            GROUP BY url) v ON v.url = a.url
                 WHERE a.versions <> COALESCE(v.n, 0) OR a.versions <> COALESCE(v.last, 0)
                 ORDER BY a.url",
                &[],
            )
            .await?;
        for url in drifted {
            report.found(
                format!("articles/{url}"),
                "its version count disagrees with its versions (numbers missing)",
                false,
            );
        }
        Ok(report)
    }
}
