//! Getting at a database: take it, go through the process that holds it, or wait for it
//! with back-off (like SQLite's busy timeout) and then name the holder.

use std::path::Path;
use std::time::{Duration, Instant};

use super::holder::{Holder, HolderRecord};
use super::socket_path;
use crate::error::{Error, Result};
use crate::fetch::local::LocalClient;
use crate::store::Store;

/// First pause between attempts: a one-shot holder usually lets go within milliseconds.
const FIRST_PAUSE: Duration = Duration::from_millis(5);
/// Longest pause between attempts.
const MAX_PAUSE: Duration = Duration::from_millis(200);

/// What a command needs from a process that already holds the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Reads: any owner's socket will do.
    Reads,
    /// Checks or a web UI: only a long-running owner's socket will do; wait out the rest.
    Actions,
}

/// How to get at the database.
#[derive(Debug, Clone)]
pub struct AccessOptions {
    /// Create the database when missing (else it is [`Error::NoDatabase`]).
    pub create: bool,
    /// How long to wait for a holder that serves nothing this command can use.
    pub wait: Duration,
    /// This command, as a waiting one will name it (`emend snapshot`).
    pub command: &'static str,
    /// Whether this command, once holding the database, runs until stopped.
    pub long_running: bool,
    /// What a current holder must offer to be gone through ([`acquire`] only).
    pub needs: Needs,
}

/// The database, held by this process.
pub struct Held {
    // Declared first so it is dropped first: the record goes before the lock does.
    record: HolderRecord,
    /// The open store.
    pub store: Store,
}

impl Held {
    /// Splits off the store, keeping the holder record for as long as `record` lives.
    pub fn into_parts(self) -> (Store, HolderRecord) {
        (self.store, self.record)
    }
}

/// The database, held by another process that answers on its socket.
pub struct Remote {
    /// A client of its socket.
    pub client: LocalClient,
    /// Who it is.
    pub holder: Holder,
}

/// Either way in.
pub enum Access {
    /// This process took the database.
    Held(Held),
    /// Another process holds it and serves what this command needs.
    Remote(Remote),
}

/// Takes the database at `db`, or reaches the process holding it, retrying with back-off
/// for up to `opts.wait`; then [`Error::StoreBusy`], naming the holder.
pub async fn acquire(db: &Path, opts: &AccessOptions) -> Result<Access> {
    let mut backoff = Backoff::new(opts.wait);
    loop {
        if let Some(held) = try_take(db, opts)? {
            return Ok(Access::Held(held));
        }
        if let Some(remote) = reach(db, opts.needs).await {
            return Ok(Access::Remote(remote));
        }
        backoff.pause().await.map_err(|waited| busy(db, waited))?;
    }
}

/// Takes the database at `db` itself (the daemon: it never goes through another process),
/// waiting up to `opts.wait` for a one-shot holder to let go; then [`Error::StoreBusy`]. A
/// holder that runs until stopped (`serve`) is named at once, with what to run instead.
pub async fn acquire_lock(db: &Path, opts: &AccessOptions) -> Result<Held> {
    let mut backoff = Backoff::new(opts.wait);
    loop {
        if let Some(held) = try_take(db, opts)? {
            return Ok(held);
        }
        if let Some(remote) = reach(db, Needs::Actions).await {
            return Err(Error::StoreBusy {
                path: db.to_owned(),
                holder: remote.holder.describe(),
                detail: format!(
                    ", which runs until stopped: stop it (`kill {}`) and run `{} --listen ADDR`, which serves the web UI as well",
                    remote.holder.pid, opts.command
                ),
            });
        }
        backoff.pause().await.map_err(|waited| busy(db, waited))?;
    }
}

/// One attempt at the lock: `None` while another process holds it.
fn try_take(db: &Path, opts: &AccessOptions) -> Result<Option<Held>> {
    let opened = if opts.create {
        Store::open(db)
    } else {
        Store::open_existing(db)
    };
    match opened {
        Ok(store) => Ok(Some(take(db, store, opts))),
        Err(Error::StoreInUse { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Exponential pauses with jitter, up to a deadline.
struct Backoff {
    started: Instant,
    limit: Duration,
    pause: Duration,
}

impl Backoff {
    fn new(limit: Duration) -> Backoff {
        Backoff {
            started: Instant::now(),
            limit,
            pause: FIRST_PAUSE,
        }
    }

    /// Sleeps before the next attempt, or returns how long was waited once past the limit.
    async fn pause(&mut self) -> std::result::Result<(), Duration> {
        let waited = self.started.elapsed();
        if waited >= self.limit {
            return Err(waited);
        }
        tokio::time::sleep(self.pause.min(self.limit - waited) + jitter(self.pause)).await;
        self.pause = (self.pause * 2).min(MAX_PAUSE);
        Ok(())
    }
}

/// Records this process as holder. The lock is ours, so a socket still there belongs to an
/// owner that was killed: removed, so nobody tries it again.
fn take(db: &Path, store: Store, opts: &AccessOptions) -> Held {
    let _ = std::fs::remove_file(socket_path(db));
    let record = HolderRecord::write(db, Holder::me(opts.command, opts.long_running));
    Held { record, store }
}

/// The holder's socket, when it answers and offers what `needs` asks. A socket that refuses
/// (its owner was killed) answers at once, so this never hangs on a stale one.
async fn reach(db: &Path, needs: Needs) -> Option<Remote> {
    let socket = socket_path(db);
    if !socket.exists() {
        return None;
    }
    let client = LocalClient::new(&socket).ok()?;
    let holder: Holder = client
        .get("/hello", || Error::OwnerUnreachable {
            socket: socket.clone(),
            message: "no /hello".into(),
        })
        .await
        .ok()?;
    (needs == Needs::Reads || holder.long_running).then_some(Remote { client, holder })
}

fn busy(db: &Path, waited: Duration) -> Error {
    let holder = Holder::read(db);
    let mut detail = format!(
        " and was not released within {} s (--wait SECS waits longer)",
        waited.as_secs_f64().round()
    );
    if let Some(h) = holder.as_ref().filter(|h| h.long_running) {
        detail.push_str(&format!(
            "; it runs until stopped (`kill {}` stops it)",
            h.pid
        ));
    }
    Error::StoreBusy {
        path: db.to_owned(),
        holder: holder.map_or_else(|| "another emend process".to_owned(), |h| h.describe()),
        detail,
    }
}

/// Up to half of `pause`, so processes that collided do not retry in lockstep.
fn jitter(pause: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let half = pause.as_nanos() as u64 / 2;
    Duration::from_nanos(if half == 0 {
        0
    } else {
        u64::from(nanos) % half
    })
}
