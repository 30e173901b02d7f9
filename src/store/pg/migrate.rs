//! The PostgreSQL schema's versioned migrations and the runner that applies them.
//!
//! Hand-written rather than refinery: refinery's tokio-postgres driver pulls in native-tls
//! (OpenSSL) beside the rustls emend already uses, and what is needed here is one table and
//! one advisory lock, so that daemons starting together apply each step exactly once.

use tokio_postgres::Client;

/// Every step of the schema, in order: (version, name, SQL). A step is never edited once
/// released; a change is a new step.
const STEPS: &[(i32, &str, &str)] = &[
    (1, "frontier", include_str!("migrations/0001_frontier.sql")),
    (2, "archive", include_str!("migrations/0002_archive.sql")),
    (
        3,
        "bytewise order",
        include_str!("migrations/0003_bytewise_order.sql"),
    ),
];

/// The schema version this release writes.
pub const SCHEMA_VERSION: i32 = STEPS[STEPS.len() - 1].0;

/// What the migration run found and did (`Postgres::connect` runs it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The database was at `from` and is now at [`SCHEMA_VERSION`].
    Upgraded {
        /// The version found before the upgrade (0: a new database).
        from: i32,
    },
    /// Nothing to do.
    Current,
    /// The database was written by a newer release; nothing was changed.
    Newer {
        /// The version found.
        found: i32,
    },
}

/// Whether the database holds an emend schema at all.
pub async fn present(client: &Client) -> Result<bool, tokio_postgres::Error> {
    let row = client
        .query_one("SELECT to_regclass('emend_schema') IS NOT NULL", &[])
        .await?;
    row.try_get(0)
}

/// Brings the database up to [`SCHEMA_VERSION`] in one transaction. Concurrent callers
/// serialise on an advisory lock, so the second one finds the work done.
pub async fn run(client: &mut Client) -> Result<Outcome, tokio_postgres::Error> {
    let tx = client.transaction().await?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('emend schema'))",
        &[],
    )
    .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS emend_schema (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    )
    .await?;
    let found: i32 = tx
        .query_one("SELECT COALESCE(max(version), 0) FROM emend_schema", &[])
        .await?
        .try_get(0)?;
    if found > SCHEMA_VERSION {
        return Ok(Outcome::Newer { found });
    }
    for &(version, name, sql) in STEPS.iter().filter(|step| step.0 > found) {
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO emend_schema (version, name) VALUES ($1, $2)",
            &[&version, &name],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(if found == SCHEMA_VERSION {
        Outcome::Current
    } else {
        Outcome::Upgraded { from: found }
    })
}
