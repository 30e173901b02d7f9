//! Who holds the database: the pid and command written next to sled's lock by the process
//! that took it, so a command kept waiting can say whom it waited for.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// File name of the holder record inside the database directory.
pub const HOLDER_FILE: &str = "owner.json";

/// The process holding a database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// Its process id.
    pub pid: u32,
    /// What it runs, e.g. `emend daemon`.
    pub command: String,
    /// Whether it runs until stopped and checks URLs for its clients (`snapshot`, `watch`,
    /// the web UI) as well as answering reads. One-shot holders answer reads only: a
    /// client that wants more waits for them to finish.
    pub long_running: bool,
}

impl Holder {
    /// This process, running `command`.
    pub fn me(command: &str, long_running: bool) -> Holder {
        Holder {
            pid: std::process::id(),
            command: command.to_owned(),
            long_running,
        }
    }

    /// `pid N (emend daemon)`, as messages name it.
    pub fn describe(&self) -> String {
        format!("pid {} ({})", self.pid, self.command)
    }

    /// The holder recorded for the database at `db`, if the record is there and readable.
    /// A record left by a process that died is read too; callers only ask while the lock
    /// is held, and the next holder overwrites it.
    pub fn read(db: &Path) -> Option<Holder> {
        let bytes = std::fs::read(path(db)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

/// Where the holder record of the database at `db` lives.
pub fn path(db: &Path) -> PathBuf {
    db.join(HOLDER_FILE)
}

/// The record of this process as holder; removed when dropped, if it is still ours.
#[derive(Debug)]
pub struct HolderRecord {
    db: PathBuf,
    me: Holder,
}

impl HolderRecord {
    /// Writes `me` as the holder of `db`, atomically (temporary file, then rename), so a
    /// reader never sees half a record. Called only with the lock held. A failure to write
    /// is logged, not fatal: the record only improves a message.
    pub fn write(db: &Path, me: Holder) -> HolderRecord {
        let tmp = db.join(format!("{HOLDER_FILE}.{}", me.pid));
        let written = serde_json::to_vec(&me)
            .map_err(std::io::Error::other)
            .and_then(|bytes| std::fs::write(&tmp, bytes))
            .and_then(|()| std::fs::rename(&tmp, path(db)));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            tracing::debug!(db = %db.display(), error = %e, "cannot record the database holder");
        }
        HolderRecord {
            db: db.to_owned(),
            me,
        }
    }
}

impl Drop for HolderRecord {
    fn drop(&mut self) {
        if Holder::read(&self.db).is_some_and(|h| h.pid == self.me.pid) {
            let _ = std::fs::remove_file(path(&self.db));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_names_the_holder_and_goes_with_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let record = HolderRecord::write(dir.path(), Holder::me("emend snapshot", false));
        let read = Holder::read(dir.path()).expect("recorded");
        assert_eq!(read.pid, std::process::id());
        assert_eq!(
            read.describe(),
            format!("pid {} (emend snapshot)", read.pid)
        );
        drop(record);
        assert!(Holder::read(dir.path()).is_none());
    }

    #[test]
    fn a_record_never_removes_a_later_holders() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mine = HolderRecord::write(dir.path(), Holder::me("emend list", false));
        let next = Holder {
            pid: std::process::id().wrapping_add(1),
            command: "emend daemon".into(),
            long_running: true,
        };
        let json = serde_json::to_vec(&next).expect("json");
        std::fs::write(path(dir.path()), json).expect("write");
        drop(mine);
        assert_eq!(Holder::read(dir.path()), Some(next));
    }
}
