//! Opening a database: sled configuration, lock-failure mapping, then the schema check
//! and upgrade (`upgrade.rs`).

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use super::Store;
use super::keys::tree;
use crate::error::{Error, Result};

/// sled's page cache. Its default (1 GiB) would let a large store grow the daemon's
/// resident memory far past the 300 MB goal; 64 MiB keeps the hot index pages resident.
const CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// The file sled keeps its data in (and takes its lock on); its presence marks a database.
const DATA_FILE: &str = "db";

/// Opens the store at `path`, creating it (a directory only its owner may enter) if missing.
pub(crate) fn open(path: &Path) -> Result<Store> {
    create_private_dir(path)?;
    open_dir(path)
}

/// Opens the store at `path` without creating anything: a directory that holds no
/// database is [`Error::NoDatabase`].
pub(crate) fn open_existing(path: &Path) -> Result<Store> {
    if !path.join(DATA_FILE).is_file() {
        return Err(Error::NoDatabase {
            path: path.to_owned(),
        });
    }
    open_dir(path)
}

/// Creates the database directory with mode 0700 whatever the umask: it holds every page
/// emend kept and the socket that answers for them. An existing directory is left as it is.
fn create_private_dir(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    if path.exists() {
        return Err(Error::Store {
            path: path.to_owned(),
            message: "not a directory".into(),
        });
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    let io = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::PermissionDenied => Error::StoreReadOnly {
            path: path.to_owned(),
        },
        _ => Error::Store {
            path: path.to_owned(),
            message: format!("cannot create the database directory: {e}"),
        },
    };
    builder.create(path).map_err(io)?;
    // The mode above is filtered through the umask; a umask such as 0277 would leave it unusable.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
    }
    Ok(())
}

/// When this process last let go of each database it opened. sled's I/O threads can drop
/// their last handle, and with it the file lock, a moment after the last `Store` is gone,
/// so a reopen in the same process right after may find the lock still held by itself.
static RELEASED: LazyLock<Mutex<HashMap<PathBuf, Instant>>> = LazyLock::new(Default::default);

/// How long after this process released a database its lock may still be held by sled.
const RELEASE_LAG: Duration = Duration::from_secs(2);

/// Records, when the last clone of a [`Store`] drops, that this process released `path`.
#[derive(Debug)]
pub(crate) struct Released(PathBuf);

impl Drop for Released {
    fn drop(&mut self) {
        if let Ok(mut released) = RELEASED.lock() {
            released.insert(self.0.clone(), Instant::now());
        }
    }
}

/// Opens the sled database in the existing directory `path`, waiting out sled's release
/// lag when this very process let it go a moment ago; another holder is reported at once.
fn open_dir(path: &Path) -> Result<Store> {
    loop {
        match open_dir_once(path) {
            Err(Error::StoreInUse { .. }) if released_just_now(path) => {
                std::thread::sleep(Duration::from_millis(20));
            }
            opened => {
                if opened.is_ok()
                    && let Ok(mut released) = RELEASED.lock()
                {
                    released.remove(path);
                }
                return opened;
            }
        }
    }
}

fn released_just_now(path: &Path) -> bool {
    RELEASED
        .lock()
        .ok()
        .and_then(|r| r.get(path).copied())
        .is_some_and(|at| at.elapsed() < RELEASE_LAG)
}

fn open_dir_once(path: &Path) -> Result<Store> {
    let config = sled::Config::new()
        .path(path)
        .cache_capacity(CACHE_BYTES)
        .mode(sled::Mode::LowSpace);
    // sled 0.34 panics on some damaged files instead of returning an error; a user pointing
    // --db at the wrong directory deserves a message, not a crash.
    super::recover::discard_incomplete_snapshots(path)?;
    let db = match std::panic::catch_unwind(AssertUnwindSafe(|| config.open())) {
        Ok(Ok(db)) => db,
        Ok(Err(e)) => return Err(super::recover::after_failed_open(path, sled_error(path, e))),
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("unknown cause");
            return Err(Error::Store {
                path: path.to_owned(),
                message: format!("cannot open (damaged database?): {what}"),
            });
        }
    };
    let t = |name: &str| db.open_tree(name).map_err(|e| sled_error(path, e));
    let store = Store {
        path: Arc::new(path.to_owned()),
        meta: t(tree::META)?,
        articles: t(tree::ARTICLES)?,
        aliases: t(tree::ALIASES)?,
        versions: t(tree::VERSIONS)?,
        bodies: t(tree::BODIES)?,
        checks: t(tree::CHECKS)?,
        recent: t(tree::RECENT)?,
        by_site: t(tree::BY_SITE)?,
        schedule: t(tree::SCHEDULE)?,
        due: t(tree::DUE)?,
        outbox: t(tree::OUTBOX)?,
        stats: t(tree::STATS)?,
        captures: t(tree::CAPTURES)?,
        flusher: Default::default(),
        db,
        _released: Arc::new(Released(path.to_owned())),
    };
    super::upgrade::check_schema(&store)?;
    Ok(store)
}

/// Maps a sled error, recognising the lock failure sled reports as a plain io error.
pub(crate) fn sled_error(path: &Path, e: sled::Error) -> Error {
    let path: PathBuf = path.to_owned();
    match e {
        sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
            Error::StoreInUse { path }
        }
        sled::Error::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
            Error::StoreReadOnly { path }
        }
        sled::Error::Io(io) => Error::Store {
            path,
            message: super::recover::describe_io(&io),
        },
        sled::Error::Corruption { at, .. } => Error::Store {
            path,
            message: format!("database file is corrupt (at {at:?})"),
        },
        other => Error::Store {
            path,
            message: other.to_string(),
        },
    }
}
