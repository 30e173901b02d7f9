//! Group flushing: callers that ask for durability while a flush is running wait for the
//! next one, which covers all of them, so a burst of commits (32 checks storing versions
//! at once) costs a few syncs rather than one each. Every caller is still answered only
//! after a flush that started after its writes.
//!
//! The flush runs on a thread of its own, so a caller can give up on a disk that never
//! answers (see [`Store::flush_within`]). The thread stays for the next group while flushes
//! keep coming (the daemon's check log asks every 50 ms) and ends after [`IDLE`] without
//! one; it holds the database only while flushing, so the database is not held open once
//! every [`Store`] is dropped.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::Store;
use crate::error::{Error, Result};

/// Shared by the clones of one store.
#[derive(Debug, Default)]
pub(crate) struct Flusher {
    state: Mutex<State>,
    flushed: Condvar,
    /// Wakes the flush thread for its next job.
    work: Condvar,
}

/// How long the flush thread waits for another job before it ends.
const IDLE: Duration = Duration::from_secs(1);

#[derive(Debug, Default)]
struct State {
    /// Tickets handed out: one per caller.
    requested: u64,
    /// Every ticket up to this one is covered by a finished flush.
    done: u64,
    /// A flush is running or waiting for the thread.
    running: bool,
    /// The next flush for the thread: the database, and the last ticket it covers.
    job: Option<(sled::Db, u64)>,
    /// The flush thread exists (flushing, or waiting for a job).
    thread: bool,
    /// How the last finished flush went: the store's message for sled's error, as
    /// `Store::sled_err` words it ("No space left on device"), kept as text since the
    /// error is not `Clone`.
    last: Option<String>,
}

impl Store {
    /// Makes every write so far durable, or fails after `timeout`.
    ///
    /// On a full or failing disk sled's flush can wait for ever; it runs on its own thread
    /// so the caller gets an error it can stop on instead of hanging with it (the thread is
    /// left to sled). Callers arriving while a flush runs share the next one.
    pub fn flush_within(&self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        let flusher = &self.flusher;
        let mut state = flusher
            .state
            .lock()
            .map_err(|_| self.flush_failed("lock"))?;
        state.requested += 1;
        let ticket = state.requested;
        loop {
            if state.done >= ticket {
                return match &state.last {
                    None => Ok(()),
                    Some(message) => Err(Error::Store {
                        path: self.path().to_owned(),
                        message: message.clone(),
                    }),
                };
            }
            if !state.running {
                // This flush starts after every write of every ticket handed out so far.
                state.running = true;
                let covers = state.requested;
                if let Err(e) = self.start_flush(&mut state, covers) {
                    state.running = false;
                    return Err(e);
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::Store {
                    path: self.path().to_owned(),
                    message: format!(
                        "writing to disk did not finish within {timeout:?} (is the disk full or failing?)"
                    ),
                });
            }
            state = flusher
                .flushed
                .wait_timeout(state, left)
                .map_err(|_| self.flush_failed("wait"))?
                .0;
        }
    }

    /// Has the flush thread flush for every ticket up to `covers`, starting it if none is
    /// waiting. Called with the state locked.
    fn start_flush(&self, state: &mut State, covers: u64) -> Result<()> {
        state.job = Some((self.db.clone(), covers));
        if state.thread {
            self.flusher.work.notify_one();
            return Ok(());
        }
        let path = self.path().to_owned();
        let flusher: Arc<Flusher> = self.flusher.clone();
        let spawned = std::thread::Builder::new()
            .name("emend-flush".into())
            .spawn(move || flush_jobs(&flusher, &path));
        match spawned {
            Ok(_) => {
                state.thread = true;
                Ok(())
            }
            Err(e) => {
                state.job = None;
                Err(Error::io(self.path(), e))
            }
        }
    }

    fn flush_failed(&self, what: &str) -> Error {
        Error::Store {
            path: self.path().to_owned(),
            message: format!("the flush {what} was poisoned by a panic"),
        }
    }
}

/// The flush thread: runs each job handed to it, and ends once none came for [`IDLE`].
fn flush_jobs(flusher: &Flusher, path: &std::path::Path) {
    let Ok(mut state) = flusher.state.lock() else {
        return;
    };
    loop {
        let Some((db, covers)) = state.job.take() else {
            let (next, waited) = match flusher.work.wait_timeout(state, IDLE) {
                Ok(w) => w,
                Err(_) => return,
            };
            state = next;
            if waited.timed_out() && state.job.is_none() {
                state.thread = false;
                return;
            }
            continue;
        };
        drop(state);
        let flushed = db.flush();
        // Release this handle before answering: a caller that drops the store next
        // expects the database unlocked.
        drop(db);
        state = match flusher.state.lock() {
            Ok(s) => s,
            Err(_) => return,
        };
        state.done = state.done.max(covers);
        state.running = false;
        state.last = flushed
            .err()
            .map(|e| match super::open::sled_error(path, e) {
                Error::Store { message, .. } => message,
                other => other.to_string(),
            });
        flusher.flushed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use crate::store::Store;

    #[test]
    fn concurrent_flushes_all_return_and_share_syncs() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let threads: Vec<_> = (0..16)
            .map(|i| {
                let s = store.clone();
                std::thread::spawn(move || {
                    s.meta.insert(format!("t{i}"), &[1u8]).unwrap();
                    s.flush().unwrap();
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let state = store.flusher.state.lock().unwrap();
        assert_eq!(state.done, state.requested);
        assert!(!state.running);
        drop(state);
        drop(store);
        // The database is released once the store is dropped.
        let again = Store::open(&dir.path().join("db")).unwrap();
        assert_eq!(again.meta.get("t3").unwrap().as_deref(), Some(&[1u8][..]));
    }
}
