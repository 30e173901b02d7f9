//! One database, many processes: whichever emend process holds the database (sled allows
//! one) serves it to the others on a Unix socket inside the database directory, for as long
//! as it holds it; every other process goes through that owner, or waits its turn.
//!
//! Sits above [`crate::pipeline`] and [`crate::web`] (a long-running owner checks URLs and
//! starts web UIs for its clients) and below [`crate::daemon`] and [`crate::cli`], which
//! take the database and serve it. The client side of the socket is
//! [`crate::fetch::local`], as every HTTP client is in `fetch`.

mod access;
pub mod actions;
pub mod holder;
mod server;
mod socket;

use std::path::{Path, PathBuf};

pub use access::{Access, AccessOptions, Held, Needs, Remote, acquire, acquire_lock};
pub use actions::{SnapshotReply, WatchReply};
pub use holder::Holder;
pub use server::{Owner, WebReply};
pub use socket::{Serving, serve, spawn};

/// File name of the socket inside the database directory.
pub const SOCKET_NAME: &str = "emend.sock";

/// Where the owner of the database at `db` listens.
pub fn socket_path(db: &Path) -> PathBuf {
    db.join(SOCKET_NAME)
}
