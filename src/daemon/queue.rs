//! The re-check queue: pulls due articles from the store's next-check index into small
//! per-host queues and dispatches them round-robin, so a slow or dead host never holds
//! up another host's schedule.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use url::Url;

use super::{Shared, recheck};
use crate::politeness::host_key;
use crate::store::ScheduleState;

/// Due entries read from the store per pass.
const PULL: usize = 512;
/// URLs waiting in memory per host; the rest of a host's backlog is spread out in the store.
const HOST_QUEUE: usize = 8;
/// Checks in flight per host at once (the host's rate limiter spaces them further).
const HOST_IN_FLIGHT: usize = 2;
/// A pulled entry is leased in the store for the time its host needs to drain its queue
/// plus this margin: the next pull does not see it again, and after a crash it falls due
/// again soon instead of being lost.
const LEASE_MARGIN: Duration = Duration::from_secs(10);
/// Upper bound on one idle wait, so schedule changes by other writers are noticed.
const MAX_IDLE: Duration = Duration::from_secs(30);

#[derive(Default)]
struct Queues {
    by_host: HashMap<String, VecDeque<Leased>>,
    /// Hosts in the order they are served; rotated after each dispatch.
    order: VecDeque<String>,
    in_flight: HashMap<String, usize>,
    queued: HashSet<String>,
    /// Hosts whose queue length `/metrics` shows.
    reported: HashSet<String>,
    /// Per host, the next free moment for a URL its full queue could not take.
    next_slot: HashMap<String, chrono::DateTime<Utc>>,
}

/// A URL taken from the store, with the schedule it had before its lease.
struct Leased {
    url: String,
    state: ScheduleState,
}

impl Queues {
    fn len(&self, host: &str) -> usize {
        self.by_host.get(host).map_or(0, VecDeque::len)
    }

    fn push(&mut self, host: String, item: Leased) {
        self.queued.insert(item.url.clone());
        if !self.by_host.contains_key(&host) {
            self.order.push_back(host.clone());
        }
        self.by_host.entry(host).or_default().push_back(item);
    }

    /// The next URL from the first host (in rotation) that has work and room in flight.
    fn pop_ready(&mut self) -> Option<(String, Leased)> {
        for _ in 0..self.order.len() {
            let host = self.order.pop_front()?;
            let busy = self.in_flight.get(&host).copied().unwrap_or(0) >= HOST_IN_FLIGHT;
            let item = if busy {
                None
            } else {
                self.by_host.get_mut(&host).and_then(VecDeque::pop_front)
            };
            let empty = self.len(&host) == 0;
            if empty {
                self.by_host.remove(&host);
            } else {
                self.order.push_back(host.clone());
            }
            if let Some(item) = item {
                *self.in_flight.entry(host.clone()).or_default() += 1;
                return Some((host, item));
            }
        }
        None
    }

    /// Publishes each host's waiting URLs to `/metrics` (0 for hosts that emptied).
    fn report(&mut self, shared: &Shared) {
        for host in &self.reported {
            if !self.by_host.contains_key(host) {
                shared.metrics.set_queue(host, 0);
            }
        }
        self.reported.clear();
        for (host, q) in &self.by_host {
            shared.metrics.set_queue(host, q.len() as u64);
            self.reported.insert(host.clone());
        }
    }

    fn done(&mut self, host: &str, url: &str) {
        self.queued.remove(url);
        if let Some(n) = self.in_flight.get_mut(host) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.in_flight.remove(host);
            }
        }
    }
}

/// Runs the queue until the stop flag is raised; in-flight checks are awaited before returning.
pub(super) async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let permits = Arc::new(Semaphore::new(shared.config.crawler.concurrency.get()));
    let mut queues = Queues::default();
    let mut checks: JoinSet<(String, String)> = JoinSet::new();
    loop {
        if *stop.borrow() {
            break;
        }
        if let Err(e) = pull(&shared, &mut queues) {
            tracing::error!(error = %e, "reading the schedule failed");
        }
        while let Ok(permit) = permits.clone().try_acquire_owned() {
            let Some((host, item)) = queues.pop_ready() else {
                drop(permit);
                break;
            };
            let shared = shared.clone();
            checks.spawn(async move {
                recheck::check(&shared, &item.url, item.state).await;
                drop(permit);
                (host, item.url)
            });
        }
        queues.report(&shared);
        let idle = idle_wait(&shared);
        tokio::select! {
            Some(done) = checks.join_next(), if !checks.is_empty() => {
                if let Ok((host, url)) = done {
                    queues.done(&host, &url);
                }
            }
            () = shared.wake.notified() => {}
            () = tokio::time::sleep(idle) => {}
            _ = stop.changed() => {}
        }
    }
    // Give queued-but-unstarted URLs their schedule back, so a restart checks them on time.
    for item in queues.by_host.into_values().flatten() {
        if let Err(e) = shared.store().set_schedule(&item.url, &item.state) {
            tracing::warn!(url = %item.url, error = %e, "could not restore schedule");
        }
    }
    while let Some(done) = checks.join_next().await {
        if let Err(e) = done {
            tracing::warn!(error = %e, "check task failed");
        }
    }
}

/// Moves due entries from the store into per-host queues, leasing them; a host whose
/// queue is full has its due entries spread over the time its rate needs to reach them.
fn pull(shared: &Shared, queues: &mut Queues) -> crate::Result<()> {
    let store = shared.store();
    let now = Utc::now();
    for (_, url) in store.due(now, PULL)? {
        if queues.queued.contains(&url) {
            continue;
        }
        let Some(state) = store.schedule(&url)? else {
            continue;
        };
        let Ok(parsed) = Url::parse(&url) else {
            tracing::warn!(url = %url, "dropping unparseable URL from the schedule");
            store.clear_schedule(&url)?;
            continue;
        };
        let host = host_key(&parsed);
        let waiting = queues.len(&host);
        let per_request = shared.pipeline.fetcher().politeness().host_interval(&host);
        let mut leased = state.clone();
        if waiting < HOST_QUEUE {
            let drain = per_request.saturating_mul(HOST_QUEUE as u32);
            leased.next_due = Some(now + to_chrono(drain + LEASE_MARGIN));
            store.set_schedule(&url, &leased)?;
            queues.push(host, Leased { url, state });
        } else {
            // Each overflow URL gets its own slot at the host's pace, so a backlog of
            // thousands is written once and falls due as the host can take it.
            let earliest = now + to_chrono(per_request.saturating_mul(HOST_QUEUE as u32));
            let slot = queues
                .next_slot
                .get(&host)
                .copied()
                .filter(|s| *s > earliest)
                .unwrap_or(earliest);
            queues.next_slot.insert(host, slot + to_chrono(per_request));
            leased.next_due = Some(slot);
            store.set_schedule(&url, &leased)?;
        }
    }
    Ok(())
}

/// How long to sleep when nothing is ready: until the next due entry, at most [`MAX_IDLE`].
fn idle_wait(shared: &Shared) -> Duration {
    match shared.store().next_due_time() {
        Ok(Some(at)) => (at - Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO)
            .clamp(Duration::from_millis(20), MAX_IDLE),
        _ => MAX_IDLE,
    }
}

pub(super) fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}
