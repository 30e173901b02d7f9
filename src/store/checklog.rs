//! Batched durability for the check log: checks that made no version (a 304, an unchanged
//! page) are gathered for a short window, written in one transaction and made durable by
//! one flush, and each caller is answered only after that flush. A check the daemon
//! acknowledges therefore survives `kill -9`, and a thousand re-checks cost one sync, not a
//! thousand transactions.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use tokio::sync::{mpsc, oneshot};

use super::articles::{record_in, resolve_in};
use super::schedule::{ScheduleState, set_in};
use super::tx::{TxResult, bump};
use super::versions::log_check_in;
use super::{Store, capture, keys};
use crate::error::{Error, Result};
use crate::model::{ArticleRecord, Check, HttpExchange};

/// How long a batch gathers checks before it is written and flushed.
pub const BATCH_WINDOW: Duration = Duration::from_millis(50);
/// Most checks in one batch; a larger backlog is written in several.
const BATCH_MAX: usize = 2048;

struct Pending {
    url: String,
    check: Check,
    /// The exchange of a check answered 304, kept with it.
    capture: Option<Box<HttpExchange>>,
    /// The schedule the check leaves its URL with.
    then: Option<Reschedule>,
    done: oneshot::Sender<Result<()>>,
}

/// The schedule a re-check leaves its URL with, written in the check's own transaction:
/// one write per re-check instead of two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reschedule {
    /// The URL as the schedule holds it.
    pub url: String,
    /// Its state after the check; `next_due` is set from the check's time.
    pub state: ScheduleState,
    /// How long after the check it is due again.
    pub after: Duration,
}

impl Reschedule {
    /// The state to store for a check at `at`: due `after` it, or never again once the
    /// tracking period is over.
    pub fn state_at(&self, at: DateTime<Utc>) -> ScheduleState {
        let mut state = self.state.clone();
        state.next_due = if state.tracking_over(at) {
            None
        } else {
            Some(at + chrono::Duration::from_std(self.after).unwrap_or(chrono::Duration::MAX))
        };
        state
    }
}

/// Hands checks to the batch writer; cheap to clone. The writer ends, after writing what it
/// holds, once every clone is dropped.
#[derive(Clone, Debug)]
pub struct CheckLog {
    tx: mpsc::UnboundedSender<Pending>,
    path: std::sync::Arc<std::path::Path>,
}

impl CheckLog {
    /// Starts the writer on the current tokio runtime; await the handle after dropping
    /// every [`CheckLog`] to know the last batch is on disk.
    pub fn start(store: Store) -> (CheckLog, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let path: std::sync::Arc<std::path::Path> = store.path().into();
        (
            CheckLog { tx, path },
            tokio::spawn(write_batches(store, rx)),
        )
    }

    /// Logs `check` of `url` (resolving aliases, as [`Store::record_check`] does) and
    /// returns once it is flushed to disk.
    pub async fn record(&self, url: &str, check: Check) -> Result<()> {
        self.record_with(url, check, None, None).await
    }

    /// [`CheckLog::record`], keeping `capture` (the exchange of a check answered 304) and
    /// writing `then` (the URL's next schedule, unless it left the schedule meanwhile) in
    /// the same transaction.
    pub async fn record_with(
        &self,
        url: &str,
        check: Check,
        capture: Option<Box<HttpExchange>>,
        then: Option<Reschedule>,
    ) -> Result<()> {
        self.submit(url, check, capture, then).await
    }

    /// [`CheckLog::record_with`] in two steps: the check is handed to the writer now, and
    /// the future answers once it is flushed. A caller can give back what it holds (a
    /// host's request slot) in between, instead of keeping it through the batch window.
    pub fn submit(
        &self,
        url: &str,
        check: Check,
        capture: Option<Box<HttpExchange>>,
        then: Option<Reschedule>,
    ) -> impl Future<Output = Result<()>> + Send + 'static {
        let (done, answer) = oneshot::channel();
        let pending = Pending {
            url: url.to_owned(),
            check,
            capture,
            then,
            done,
        };
        let sent = self.tx.send(pending).is_ok();
        let (path, url) = (self.path.clone(), url.to_owned());
        async move {
            let stopped = || {
                store_error(
                    &path,
                    format!("check log writer stopped before logging {url}"),
                )
            };
            if !sent {
                return Err(stopped());
            }
            answer.await.map_err(|_| stopped())?
        }
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
        // The window is slept through, not spent waiting on the channel: a check arriving
        // meanwhile wakes no task (one wake-up per batch, not one per check).
        tokio::time::sleep(BATCH_WINDOW).await;
        while batch.len() < BATCH_MAX {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        let items = std::mem::take(&mut batch);
        let writer = store.clone();
        let written = tokio::task::spawn_blocking(move || {
            let entries: Vec<LoggedCheck<'_>> = items
                .iter()
                .map(|p| LoggedCheck {
                    url: &p.url,
                    check: &p.check,
                    capture: p.capture.as_deref(),
                    then: p.then.as_ref(),
                })
                .collect();
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

/// One check of a batch: the URL it was logged under, the check, and its 304 exchange.
#[derive(Debug, Clone, Copy)]
pub struct LoggedCheck<'a> {
    /// The URL checked (aliases are resolved).
    pub url: &'a str,
    /// What the check found.
    pub check: &'a Check,
    /// The exchange of a check answered 304, kept for the archive.
    pub capture: Option<&'a HttpExchange>,
    /// The URL's next schedule, written only if the check is logged and the URL is still
    /// scheduled (a URL taken off the schedule during its check stays off).
    pub then: Option<&'a Reschedule>,
}

impl Store {
    /// Logs many checks that made no version in one transaction and flushes once; one
    /// result per check ([`Error::NotTracked`] for a URL no longer tracked). The outer
    /// error is the store's own failure, which every check shares.
    pub fn record_checks(&self, checks: &[LoggedCheck<'_>]) -> Result<Vec<Result<()>>> {
        let mut seqs = Vec::with_capacity(checks.len());
        for _ in checks {
            seqs.push(self.db.generate_id().map_err(|e| self.sled_err(e))?);
        }
        let trees = (
            &self.articles,
            &self.aliases,
            &self.checks,
            &self.meta,
            &self.captures,
            &self.schedule,
            &self.due,
        );
        let results = trees
            .transaction(|(articles, aliases, checks_t, meta, caps, schedule, due)| {
                let mut out = Vec::with_capacity(checks.len());
                let mut logged = 0;
                for (c, &seq) in checks.iter().zip(&seqs) {
                    let Some(mut rec) = tracked_in(articles, aliases, c.url)? else {
                        out.push(Err(not_tracked(c.url)));
                        continue;
                    };
                    if let Some(exchange) = c.capture {
                        capture::put_check_in(caps, &rec.url, c.check.at, exchange)?;
                    }
                    log_check_in(articles, checks_t, &mut rec, seq, c.check)?;
                    if let Some(then) = c.then
                        && schedule.get(then.url.as_bytes())?.is_some()
                    {
                        set_in(schedule, due, meta, &then.url, &then.state_at(c.check.at))?;
                    }
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

/// The record `url` is logged under: its own, or its alias target's. A re-check is nearly
/// always of the key itself, so that record is read once, not looked up and then read.
fn tracked_in(
    articles: &TransactionalTree,
    aliases: &TransactionalTree,
    url: &str,
) -> TxResult<Option<ArticleRecord>> {
    if let Some(rec) = record_in(articles, url)? {
        return Ok(Some(rec));
    }
    match resolve_in(articles, aliases, url)? {
        Some(canonical) => record_in(articles, &canonical),
        None => Ok(None),
    }
}

fn not_tracked(url: &str) -> Error {
    Error::NotTracked {
        url: url.to_owned(),
    }
}
