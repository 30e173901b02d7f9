//! The PostgreSQL engine: a pooled connection, its schema migrations and the shared frontier
//! that lets several daemons crawl one set of sites (see `frontier.rs`).
//!
//! The second storage engine: the frontier with its host leases, the archive (articles,
//! versions, bodies, checks; `archive.rs`), which `emend migrate` fills from a sled database
//! (`copy.rs`), and the web UI's queries over it (`read.rs`).

mod archive;
mod copy;
mod forget;
mod frontier;
mod migrate;
mod read;
mod stats;
mod verify;
mod watch;

use std::str::FromStr;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;
use tokio_postgres::config::Host;

use crate::error::{Error, Result};

pub use copy::{CopyReport, copy};
pub use frontier::{Claim, Frontier, HostLease};
pub use migrate::{Outcome as MigrateOutcome, SCHEMA_VERSION};

/// Connections a process keeps open: enough for a daemon's check workers and its lease
/// keeper without crowding a server shared by several daemons.
const POOL_SIZE: usize = 8;

/// Handle on an emend PostgreSQL database. Cheap to clone (clones share one pool).
#[derive(Clone)]
pub struct Postgres {
    pool: Pool,
    target: String,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("target", &self.target)
            .finish()
    }
}

impl Postgres {
    /// Connects to `conninfo` (a `postgres://` URL or `key=value` pairs) and brings the
    /// schema up to date. A database written by a newer release is refused unchanged.
    pub async fn connect(conninfo: &str) -> Result<Self> {
        Self::open(conninfo, true).await
    }

    /// [`Postgres::connect`] for a reader: a database without emend's schema is
    /// [`Error::NoDatabase`] and is left as it was (reading never creates a database); an
    /// older schema is upgraded in place, as the sled engine does when opened.
    pub async fn connect_existing(conninfo: &str) -> Result<Self> {
        Self::open(conninfo, false).await
    }

    async fn open(conninfo: &str, create: bool) -> Result<Self> {
        let config = tokio_postgres::Config::from_str(conninfo).map_err(|e| Error::Postgres {
            target: "connection string".into(),
            message: e.to_string(),
        })?;
        let target = describe(&config);
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| Error::Postgres {
                target: target.clone(),
                message: e.to_string(),
            })?;
        let pg = Postgres { pool, target };
        let mut client = pg.client().await?;
        if !create && !migrate::present(&client).await.map_err(|e| pg.error(e))? {
            return Err(Error::NoDatabase {
                path: pg.target.clone().into(),
            });
        }
        match migrate::run(&mut client).await.map_err(|e| pg.error(e))? {
            migrate::Outcome::Newer { found } => Err(pg.failed(format!(
                "schema version {found} was written by a newer emend (this one knows {SCHEMA_VERSION}); upgrade emend"
            ))),
            _ => Ok(pg),
        }
    }

    /// The server and database this handle talks to, for messages (never the password).
    pub fn target(&self) -> &str {
        &self.target
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => self.error(e),
            other => self.failed(other),
        })
    }

    fn failed(&self, message: impl ToString) -> Error {
        Error::Postgres {
            target: self.target.clone(),
            message: message.to_string(),
        }
    }

    fn error(&self, e: tokio_postgres::Error) -> Error {
        // The server's own message ("relation … does not exist") says more than Display's
        // "db error".
        match e.as_db_error() {
            Some(db) => self.failed(format!("{}: {}", db.code().code(), db.message())),
            None => self.failed(e),
        }
    }
}

/// Whether a `--db` value names a PostgreSQL database (a `postgres://` or `postgresql://`
/// URL) rather than a sled directory.
pub fn is_conninfo(db: &std::path::Path) -> bool {
    db.to_str()
        .is_some_and(|s| s.starts_with("postgres://") || s.starts_with("postgresql://"))
}

/// The connection string a `--db` value gives when it names a PostgreSQL database (see
/// [`is_conninfo`]); `None` for a sled directory.
pub fn conninfo(db: &std::path::Path) -> Option<&str> {
    db.to_str().filter(|_| is_conninfo(db))
}

/// `host/dbname` for messages: a socket directory or host name, and the database.
fn describe(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(name)) => name.clone(),
        Some(Host::Unix(dir)) => dir.display().to_string(),
        None => "localhost".into(),
    };
    let db = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    format!("{host}/{db}")
}
