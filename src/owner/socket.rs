//! Serving an [`Owner`] on its socket: created 0600, answering only the user who owns it,
//! and removed before the database is let go.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::oneshot;

use super::server::{self, Owner};
use super::socket_path;

/// Serves `owner` on the database's socket until `shutdown`, then removes the socket.
///
/// The caller holds the database lock, so a socket already there was left by an owner that
/// was killed: it is replaced.
#[cfg(unix)]
pub async fn serve(owner: Arc<Owner>, shutdown: impl Future<Output = ()> + Send + 'static) {
    let path = socket_path(owner.store_path());
    let _ = std::fs::remove_file(&path);
    let listener = match bind_private(&path) {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "no socket: other emend commands wait until this one lets go of the database");
            shutdown.await;
            return;
        }
    };
    if let Err(e) = axum::serve(listener, server::router(owner.clone()))
        .with_graceful_shutdown(shutdown)
        .await
    {
        tracing::warn!(error = %e, "socket stopped");
    }
    owner.stop_webs();
    let _ = std::fs::remove_file(&path);
}

/// Without Unix sockets other processes wait for the database instead.
#[cfg(not(unix))]
pub async fn serve(owner: Arc<Owner>, shutdown: impl Future<Output = ()> + Send + 'static) {
    shutdown.await;
    owner.stop_webs();
}

/// A socket served in the background by [`spawn`].
pub struct Serving {
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

/// Serves `owner` in the background until [`Serving::stop`].
pub fn spawn(owner: Arc<Owner>) -> Serving {
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(owner, async {
        let _ = stopped.await;
    }));
    Serving { stop, task }
}

impl Serving {
    /// Lets in-flight requests finish and removes the socket; call it before letting go of
    /// the database, so the socket never outlives the lock.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Binds `path` with mode 0600, behind a check that each peer runs as the socket's owner.
#[cfg(unix)]
fn bind_private(path: &std::path::Path) -> std::io::Result<SameUser> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let inner = tokio::net::UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    // The socket file is created with this process's effective uid: the one user to answer.
    let uid = std::fs::metadata(path)?.uid();
    Ok(SameUser { inner, uid })
}

/// A Unix listener that drops connections from any other user than `uid`. The 0600 mode
/// already keeps others out; this also holds when the directory or mode was loosened.
#[cfg(unix)]
struct SameUser {
    inner: tokio::net::UnixListener,
    uid: u32,
}

#[cfg(unix)]
impl axum::serve::Listener for SameUser {
    type Io = tokio::net::UnixStream;
    type Addr = tokio::net::unix::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (io, addr) = axum::serve::Listener::accept(&mut self.inner).await;
            match io.peer_cred() {
                Ok(cred) if cred.uid() == self.uid => return (io, addr),
                Ok(cred) => {
                    tracing::warn!(
                        uid = cred.uid(),
                        "refused a socket connection from another user"
                    );
                }
                Err(e) => {
                    tracing::warn!(error = %e, "refused a socket connection: no peer credentials")
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Serves a one-route app behind [`SameUser`] answering `uid`, and returns what a
    /// request from this process gets back.
    async fn answer_for(uid_offset: u32) -> String {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.sock");
        let mut listener = bind_private(&path).expect("bind");
        listener.uid = listener.uid.wrapping_add(uid_offset);
        let app = axum::Router::new().route("/", axum::routing::get(|| async { "hello" }));
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let mut stream = tokio::net::UnixStream::connect(&path)
            .await
            .expect("connect");
        stream
            .write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .expect("write");
        let mut answer = String::new();
        // A refused peer sees the connection closed (or reset) without a response.
        let _ = stream.read_to_string(&mut answer).await;
        server.abort();
        answer
    }

    #[tokio::test]
    async fn the_socket_answers_its_own_user() {
        assert!(answer_for(0).await.contains("hello"));
    }

    #[tokio::test]
    async fn the_socket_refuses_another_user() {
        assert_eq!(answer_for(1).await, "");
    }

    #[test]
    fn the_socket_is_created_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.sock");
        let _listener = rt.block_on(async { bind_private(&path) }).expect("bind");
        let mode = std::fs::metadata(&path).expect("stat").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
