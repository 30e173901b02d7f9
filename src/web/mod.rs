//! The read-only web UI, JSON API, Atom feeds and Memento endpoints (issue 5).

use std::future::Future;

use crate::error::Result;
use crate::store::Store;

/// Serves the web UI on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Store,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let _ = (listener, store);
    shutdown.await;
    Ok(())
}
