//! The sled-backed history of articles, versions, checks, raw bodies and the re-check
//! schedule: the only sled user. Its API speaks of articles and versions, so another engine
//! could replace sled without touching callers.
//!
//! Layout (one sled tree each, key layouts in `keys.rs`): `articles` (url → record),
//! `aliases` (alias → canonical url), `versions` (url, number → version), `bodies` (blake3 →
//! zstd body), `checks` (url, seq → check), `recent` (time-ordered change indexes),
//! `by_site` (site, url), `schedule` (url → state), `due` (time, url), `outbox` (pending and
//! failed notifications, see `outbox.rs`), `stats` (per-site change counters, see
//! `stats/count.rs`), `captures` (the HTTP exchange of each version and 304 check, see
//! `capture.rs`), `meta` (schema version, upgrade log and counters).
//!
//! Schema versions: an older database is upgraded in place when opened, a newer one refused;
//! the rule for changing the layout is in `upgrade.rs`.

mod archive;
mod articles;
mod bodies;
mod capture;
mod checklog;
mod codec;
mod delta;
mod flush;
mod forget;
mod keys;
mod open;
mod outbox;
pub mod pg;
mod read;
mod recent;
mod recover;
mod schedule;
mod schedule_codec;
mod stats;
mod tx;
mod upgrade;
mod verify;
mod versions;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};

pub use archive::{Archive, Commit, Outbox, Schedules};
pub use articles::NewArticle;
pub use checklog::{CheckLog, LoggedCheck, Reschedule};
pub use forget::Forgotten;
pub use outbox::{Delivery, change_id};
pub use read::ArchiveRead;
pub use recent::{ChangeCursor, ChangeFilter};
pub use schedule::ScheduleState;
pub use upgrade::UpgradeRecord;
pub use verify::{Damage, VerifyReport};
pub use versions::{NewVersion, Route};

/// How long a flush may take before the store is taken to be failing. Far beyond any
/// healthy disk's sync, even a busy one.
pub const FLUSH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
pub use stats::{ChangeCounts, WeekCounts};

/// Version of the on-disk layout; [`Store::open`] upgrades an older database in place and
/// refuses a newer one (the steps are in `upgrade.rs`).
pub const SCHEMA_VERSION: u32 = 3;

/// Handle on an emend database. Cheap to clone (all clones share one database), and
/// usable from many threads at once.
#[derive(Clone)]
pub struct Store {
    path: Arc<PathBuf>,
    db: sled::Db,
    meta: sled::Tree,
    articles: sled::Tree,
    aliases: sled::Tree,
    versions: sled::Tree,
    bodies: sled::Tree,
    checks: sled::Tree,
    recent: sled::Tree,
    by_site: sled::Tree,
    schedule: sled::Tree,
    due: sled::Tree,
    outbox: sled::Tree,
    stats: sled::Tree,
    captures: sled::Tree,
    /// Groups concurrent flushes (see `flush.rs`).
    flusher: Arc<flush::Flusher>,
    /// Notes when the last clone lets the database go (see `open.rs`); last, so it drops
    /// after every sled handle above.
    _released: Arc<open::Released>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// Counts kept alongside the data (never computed by scanning).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct StoreStats {
    /// Article records.
    pub articles: u64,
    /// Stored versions across all articles.
    pub versions: u64,
    /// Distinct raw bodies stored.
    pub bodies: u64,
    /// Compressed bytes of all stored bodies.
    pub body_bytes: u64,
    /// Check-log entries.
    pub checks: u64,
    /// Alias URLs pointing at a canonical article.
    pub aliases: u64,
    /// Articles with a pending next check in the schedule.
    pub scheduled: u64,
}

impl Store {
    /// Opens the database at `path`, creating it if missing (mode 0700 on Unix).
    ///
    /// A database held by another process (or another open handle) is
    /// [`Error::StoreInUse`]; an unreadable or damaged one is [`Error::Store`].
    pub fn open(path: &Path) -> Result<Store> {
        open::open(path)
    }

    /// Opens the database at `path` as [`Store::open`] does, but never creates one: a
    /// directory without a database is [`Error::NoDatabase`], and nothing is written there.
    pub fn open_existing(path: &Path) -> Result<Store> {
        open::open_existing(path)
    }

    /// The database directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Makes every write so far durable, within [`FLUSH_TIMEOUT`].
    pub fn flush(&self) -> Result<()> {
        self.flush_within(FLUSH_TIMEOUT)
    }

    /// Record, version, body and check counts.
    pub fn stats(&self) -> Result<StoreStats> {
        let read = |key: &[u8]| -> Result<u64> {
            let v = self.meta.get(key).map_err(|e| self.sled_err(e))?;
            codec::counter(&keys::name(keys::tree::META, key), v.as_deref())
        };
        Ok(StoreStats {
            articles: read(keys::meta::ARTICLES)?,
            versions: read(keys::meta::VERSIONS)?,
            bodies: read(keys::meta::BODIES)?,
            body_bytes: read(keys::meta::BODY_BYTES)?,
            checks: read(keys::meta::CHECKS)?,
            aliases: read(keys::meta::ALIASES)?,
            scheduled: read(keys::meta::SCHEDULED)?,
        })
    }

    /// Bytes the database occupies on disk.
    pub fn size_on_disk(&self) -> Result<u64> {
        self.db.size_on_disk().map_err(|e| self.sled_err(e))
    }

    /// Wraps a sled error with the database path.
    fn sled_err(&self, e: sled::Error) -> Error {
        open::sled_error(&self.path, e)
    }

    /// Maps a transaction failure to the library error.
    fn tx_err(&self, e: sled::transaction::TransactionError<Error>) -> Error {
        match e {
            sled::transaction::TransactionError::Abort(e) => e,
            sled::transaction::TransactionError::Storage(e) => self.sled_err(e),
        }
    }
}

#[cfg(test)]
mod tests;
