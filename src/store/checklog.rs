//! Batched durability for the check log: checks that made no version (a 304, an unchanged
//! page) are gathered for a short window, written in one transaction and made durable by
//! one flush, and each caller is answered only after that flush. A check the daemon
//! acknowledges therefore survives `kill -9`, and a thousand re-checks cost one sync, not a
//! thousand transactions.

use std::time::Duration;

use sled::Transactional;
use sled::transaction::ConflictableTransactionError;
use tokio::sync::{mpsc, oneshot};

use super::Store;
use super::articles::{record_in, resolve_in};
use super::keys;
use super::tx::bump;
use super::versions::log_check_in;
use crate::error::{Error, Result};
use crate::model::Check;

/// How long a batch gathers checks before it is written and flushed.
pub const BATCH_WINDOW: Duration = Duration::from_millis(50);
/// Most checks in one batch; a larger backlog is written in several.
const BATCH_MAX: usize = 2048;

struct Pending {
    url: String,
    check: Check,
    done: oneshot::Sender<Result<()>>,
}

/// Hands checks to the batch writer; cheap to clone. The writer ends, after writing what it
/// holds, once every clone is dropped.
#[derive(Clone, Debug)]
pub struct CheckLog {
    tx: mpsc::UnboundedSender<Pending>,
    path: std::path::PathBuf,
}

impl CheckLog {
    /// Starts the writer on the current tokio runtime; await the handle after dropping
    /// every [`CheckLog`] to know the last batch is on disk.
    pub fn start(store: Store) -> (CheckLog, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let path = store.path().to_owned();
        (
            CheckLog { tx, path },
            tokio::spawn(write_batches(store, rx)),
        )
    }

    /// Logs `check` of `url` (resolving aliases, as [`Store::record_check`] does) and
    /// returns once it is flushed to disk.
    pub async fn record(&self, url: &str, check: Check) -> Result<()> {
        let (done, answer) = oneshot::channel();
        let pending = Pending {
            url: url.to_owned(),
            check,
            done,
        };
        let stopped = || {
            store_error(
                &self.path,
                format!("check log writer stopped before logging {url}"),
            )
        };
        self.tx.send(pending).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// A store failure every check of a batch shares (errors are not `Clone`).
fn store_error(path: &std::path::Path, message: String) -> Error {
    Error::Store {
        path: path.to_owned(),
        message,
    }
}

async fn write_batches(store: Store, mut rx: mpsc::UnboundedReceiver<Pending>) {
    let mut batch = Vec::new();
    while rx.recv_many(&mut batch, BATCH_MAX).await > 0 {
        let deadline = tokio::time::Instant::now() + BATCH_WINDOW;
        while batch.len() < BATCH_MAX {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(p)) => batch.push(p),
                _ => break,
            }
        }
        let items = std::mem::take(&mut batch);
        let writer = store.clone();
        let written = tokio::task::spawn_blocking(move || {
            let entries: Vec<(&str, &Check)> =
                items.iter().map(|p| (p.url.as_str(), &p.check)).collect();
            let results = writer.record_checks(&entries);
            (items, results)
        })
        .await;
        let Ok((items, results)) = written else {
            continue; // the writer thread panicked: its callers see the writer as stopped
        };
        match results {
            Ok(each) => {
                for (p, r) in items.into_iter().zip(each) {
                    let _ = p.done.send(r);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "logging a batch of checks failed");
                for p in items {
                    let _ = p.done.send(Err(store_error(store.path(), e.to_string())));
                }
            }
        }
    }
}

impl Store {
    /// Logs many checks that made no version in one transaction and flushes once; one
    /// result per check ([`Error::NotTracked`] for a URL no longer tracked). The outer
    /// error is the store's own failure, which every check shares.
    pub fn record_checks(&self, checks: &[(&str, &Check)]) -> Result<Vec<Result<()>>> {
        let mut seqs = Vec::with_capacity(checks.len());
        for _ in checks {
            seqs.push(self.db.generate_id().map_err(|e| self.sled_err(e))?);
        }
        let results = (&self.articles, &self.aliases, &self.checks, &self.meta)
            .transaction(|(articles, aliases, checks_t, meta)| {
                let mut out = Vec::with_capacity(checks.len());
                let mut logged = 0;
                for (&(url, check), &seq) in checks.iter().zip(&seqs) {
                    let Some(canonical) = resolve_in(articles, aliases, url)? else {
                        out.push(Err(not_tracked(url)));
                        continue;
                    };
                    let Some(mut rec) = record_in(articles, &canonical)? else {
                        out.push(Err(not_tracked(url)));
                        continue;
                    };
                    log_check_in(articles, checks_t, &mut rec, seq, check)?;
                    logged += 1;
                    out.push(Ok(()));
                }
                bump(meta, keys::meta::CHECKS, logged)?;
                Ok::<_, ConflictableTransactionError<Error>>(out)
            })
            .map_err(|e| self.tx_err(e))?;
        self.flush()?;
        Ok(results)
    }
}

fn not_tracked(url: &str) -> Error {
    Error::NotTracked {
        url: url.to_owned(),
    }
}
