//! The delivery loop: one task per target drains that target's outbox oldest first, so a
//! failing target never holds up another and an article's changes arrive in order. An entry
//! is removed only after its target accepted it; a failure is retried with exponential
//! back-off (or the receiver's `Retry-After`) until the target's `give_up_after`.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;

use super::message::ChangeMessage;
use crate::config::Notify;
use crate::error::{Error, Result};
use crate::fetch::Poster;
use crate::store::{Delivery, Outbox, Store};

/// How often an idle target looks for new entries.
const POLL: Duration = Duration::from_millis(500);
/// First retry delay; it doubles per attempt up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// Longest delay between two attempts without a `Retry-After`.
const MAX_BACKOFF: Duration = Duration::from_secs(600);
/// Longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Delivers queued notifications from either engine's outbox; cheap to clone. On
/// PostgreSQL one daemon of a cluster sends at a time (see `daemon::cluster`).
#[derive(Clone)]
pub struct Sender<O: Outbox = Store> {
    store: O,
    targets: Arc<Vec<Notify>>,
    poster: Poster,
}

/// Delay before attempt `attempts + 1` when the receiver named none.
pub fn backoff(attempts: u32) -> Duration {
    let factor = 1u32 << attempts.saturating_sub(1).min(16);
    FIRST_BACKOFF.saturating_mul(factor).min(MAX_BACKOFF)
}

impl<O: Outbox> Sender<O> {
    /// A sender for `targets` over `store`.
    pub fn new(store: O, targets: Arc<Vec<Notify>>, poster: Poster) -> Self {
        Sender {
            store,
            targets,
            poster,
        }
    }

    /// Delivers until `stop` turns true: first sets aside entries of targets no longer
    /// configured (visible in `emend notify status`), then runs one loop per target.
    pub async fn run(self, stop: watch::Receiver<bool>) {
        if let Err(e) = self.orphans().await {
            tracing::error!(error = %e, "cannot read the notification outbox");
        }
        let mut tasks = tokio::task::JoinSet::new();
        for index in 0..self.targets.len() {
            tasks.spawn(self.clone().target_loop(index, stop.clone()));
        }
        while tasks.join_next().await.is_some() {}
    }

    async fn orphans(&self) -> Result<()> {
        for name in self.store.outbox_targets().await? {
            if self.targets.iter().any(|t| t.name == name) {
                continue;
            }
            for mut d in self.store.pending_deliveries(&name, usize::MAX).await? {
                d.last_error = Some(format!("no [[notify]] named {name:?} in the config"));
                self.store.give_up_delivery(&d).await?;
            }
            tracing::warn!(target_name = %name, "pending notifications for an unconfigured target marked failed");
        }
        Ok(())
    }

    async fn target_loop(self, index: usize, mut stop: watch::Receiver<bool>) {
        let Some(target) = self.targets.get(index) else {
            return;
        };
        while !*stop.borrow() {
            let wait = match self.step(target).await {
                Ok(wait) => wait,
                Err(e) => {
                    tracing::error!(notify = %target.name, error = %e, "notification outbox error");
                    Some(Duration::from_secs(5))
                }
            };
            if let Some(wait) = wait {
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }

    /// Tries the oldest entry of `target` if it is due; returns how long to wait, if at all.
    async fn step(&self, target: &Notify) -> Result<Option<Duration>> {
        let Some(mut d) = self.store.pending_deliveries(&target.name, 1).await?.pop() else {
            return Ok(Some(POLL));
        };
        let now = Utc::now();
        if d.next_attempt > now {
            let wait = (d.next_attempt - now).to_std().unwrap_or(POLL);
            return Ok(Some(wait.min(POLL * 4)));
        }
        let outcome = match self.message(&d, target).await {
            Ok(m) => super::send(&self.poster, target, &m).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(()) => {
                self.store.delivered(&d).await?;
                tracing::info!(notify = %target.name, id = %d.id, url = %d.url, attempts = d.attempts + 1, "notification delivered");
            }
            Err(e) => self.failed(target, &mut d, &e).await?,
        }
        Ok(None)
    }

    /// The message of a queued delivery, from the versions it names.
    async fn message(&self, d: &Delivery, target: &Notify) -> Result<ChangeMessage> {
        let after = self
            .store
            .version_exact(&d.url, d.version)
            .await?
            .ok_or_else(|| Error::NoSuchVersion {
                url: d.url.clone(),
                version: d.version,
                count: 0,
            })?;
        let before = match d.version {
            0 | 1 => None,
            n => self.store.version_exact(&d.url, n - 1).await?,
        };
        Ok(ChangeMessage::new(
            &d.url,
            d.site.as_deref(),
            before.as_ref(),
            &after,
            target.base_url.as_ref(),
        ))
    }

    async fn failed(&self, target: &Notify, d: &mut Delivery, e: &Error) -> Result<()> {
        d.attempts += 1;
        d.last_error = Some(e.to_string());
        let now = Utc::now();
        let age = (now - d.queued_at).to_std().unwrap_or_default();
        if age >= target.give_up_after {
            tracing::error!(notify = %target.name, id = %d.id, url = %d.url, attempts = d.attempts, error = %e, "notification given up");
            return self.store.give_up_delivery(d).await;
        }
        let delay = match e {
            Error::HttpStatus {
                retry_after: Some(s),
                ..
            } => Duration::from_secs(*s).min(MAX_RETRY_AFTER),
            _ => backoff(d.attempts),
        };
        d.next_attempt = now + chrono::Duration::from_std(delay).unwrap_or_default();
        tracing::warn!(notify = %target.name, id = %d.id, url = %d.url, attempts = d.attempts, retry_in = ?delay, error = %e, "notification failed; will retry");
        self.store.reschedule_delivery(d).await
    }
}
