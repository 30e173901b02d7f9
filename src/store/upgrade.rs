//! Schema versions and in-place upgrades.
//!
//! The rule: any change to the on-disk layout that an older release would misread or leave
//! inconsistent (a new record format, a tree its writes would not keep in step) bumps
//! [`SCHEMA_VERSION`] and adds a step to [`STEPS`]. Opening a database of an older schema
//! runs the steps from its version up, each in one sled transaction that also writes the
//! step's new version number, then flushes: a crash leaves the database at the last whole
//! step and the next open goes on from there. Each step is recorded in `meta/upgrades`. A
//! database of a newer schema is refused untouched, so an old release never writes to a
//! layout it does not know. No step discards information.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use sled::transaction::TransactionalTree;

use super::keys::meta;
use super::tx::{TxResult, abort};
use super::{SCHEMA_VERSION, Store, codec};
use crate::error::{Error, Result};

/// One upgrade, from schema `from` to `from + 1`.
struct Step {
    from: u32,
    /// What it changes, for the upgrade log.
    what: &'static str,
    /// Work too large for one transaction, run before it: it must be idempotent, since a
    /// crash before the step is recorded runs it again on the next open.
    prepare: fn(&Store) -> Result<()>,
    /// Its data changes, inside the transaction that records it.
    run: fn(&Store, &TransactionalTree) -> TxResult<()>,
}

/// Every upgrade, oldest first.
const STEPS: &[Step] = &[
    Step {
        from: 1,
        what: "HTTP exchanges of new versions and 304 checks kept in `captures`; bodies may \
               be stored as deltas",
        // Nothing to rewrite: old versions simply have no exchange, and whole bodies stay
        // readable. The number moves so that a schema-1 release refuses what it cannot read.
        prepare: |_| Ok(()),
        run: |_, _| Ok(()),
    },
    Step {
        from: 2,
        what: "statistics counters in `stats`, kept with every version commit",
        // Recounted from the recent-changes index (no version is decoded); the rebuild
        // replaces the whole tree, so running it twice gives the same counters.
        prepare: super::stats::rebuild,
        run: |_, _| Ok(()),
    },
];

/// One entry of `meta/upgrades`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradeRecord {
    /// Schema before the step.
    pub from: u32,
    /// Schema after it.
    pub to: u32,
    /// When it ran.
    pub at: chrono::DateTime<Utc>,
    /// What it changed.
    pub what: String,
}

/// Writes the schema version into a new database, or checks an existing one's and upgrades
/// it when it is older.
pub(crate) fn check_schema(store: &Store) -> Result<()> {
    let found = match store
        .meta
        .get(meta::SCHEMA)
        .map_err(|e| store.sled_err(e))?
    {
        Some(v) => parse_version(store, &v)?,
        None => return initialise(store),
    };
    if found > SCHEMA_VERSION {
        return Err(Error::Store {
            path: store.path().to_owned(),
            message: format!(
                "database schema version {found} is newer than this emend reads ({SCHEMA_VERSION}): \
                 it was written by a later release; use that release or a newer one"
            ),
        });
    }
    for step in STEPS.iter().filter(|s| s.from >= found) {
        run_step(store, step)?;
    }
    Ok(())
}

fn parse_version(store: &Store, v: &[u8]) -> Result<u32> {
    <[u8; 4]>::try_from(v)
        .map(u32::from_be_bytes)
        .map_err(|_| Error::Store {
            path: store.path().to_owned(),
            message: "schema version key is malformed".into(),
        })
}

/// A database without a schema version: new (write the current one) or not emend's.
fn initialise(store: &Store) -> Result<()> {
    let populated = !store.articles.is_empty() || !store.versions.is_empty();
    if populated {
        return Err(Error::Store {
            path: store.path().to_owned(),
            message: "not an emend database (no schema version)".into(),
        });
    }
    store
        .meta
        .insert(meta::SCHEMA, &SCHEMA_VERSION.to_be_bytes())
        .map_err(|e| store.sled_err(e))?;
    store.flush()
}

/// Runs `step` and records it, atomically; a step another process finished meanwhile is
/// not run again (the version is re-read inside the transaction).
fn run_step(store: &Store, step: &Step) -> Result<()> {
    let to = step.from + 1;
    (step.prepare)(store)?;
    store
        .meta
        .transaction(|m| {
            let current = m.get(meta::SCHEMA)?;
            if current.as_deref() != Some(&step.from.to_be_bytes()[..]) {
                return Ok(());
            }
            (step.run)(store, m)?;
            let mut log = upgrades_in(m)?;
            log.push(UpgradeRecord {
                from: step.from,
                to,
                at: Utc::now(),
                what: step.what.to_owned(),
            });
            m.insert(meta::UPGRADES, abort(codec::encode("meta/upgrades", &log))?)?;
            m.insert(meta::SCHEMA, &to.to_be_bytes())?;
            Ok(())
        })
        .map_err(|e| store.tx_err(e))?;
    tracing::info!(path = %store.path().display(), from = step.from, to, "database schema upgraded");
    store.flush()
}

fn upgrades_in(m: &TransactionalTree) -> TxResult<Vec<UpgradeRecord>> {
    match m.get(meta::UPGRADES)? {
        Some(v) => abort(codec::decode("meta/upgrades", &v)),
        None => Ok(Vec::new()),
    }
}

impl Store {
    /// The schema upgrades this database went through, oldest first.
    pub fn upgrades(&self) -> Result<Vec<UpgradeRecord>> {
        match self
            .meta
            .get(meta::UPGRADES)
            .map_err(|e| self.sled_err(e))?
        {
            Some(v) => codec::decode("meta/upgrades", &v),
            None => Ok(Vec::new()),
        }
    }

    /// The database's schema version.
    pub fn schema_version(&self) -> Result<u32> {
        match self.meta.get(meta::SCHEMA).map_err(|e| self.sled_err(e))? {
            Some(v) => parse_version(self, &v),
            None => Ok(0),
        }
    }
}
