//! The re-check queue: pulls due articles from the store's next-check index into small
//! per-host queues and dispatches them round-robin, so a slow or dead host never holds
//! up another host's schedule.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;
use url::Url;

use super::{Shared, recheck};
use crate::pipeline::Release;
use crate::politeness::{Politeness, host_key};
use crate::store::ScheduleState;

/// Due entries read from the store per pass.
const PULL: usize = 512;
/// URLs waiting in memory per host; the rest of a host's backlog is spread out in the store.
const HOST_QUEUE: usize = 8;
/// Checks in flight per host at once (the host's rate limiter spaces them further).
const HOST_IN_FLIGHT: usize = 2;
/// A pulled entry left waiting in memory is leased in the store for the time its host
/// needs to drain its queue plus this margin: the next pull does not see it again, and
/// after a crash it falls due again soon instead of being lost. (One dispatched at once is
/// not leased: the pull passes over it while it is in flight.)
const LEASE_MARGIN: Duration = Duration::from_secs(10);
/// Upper bound on one idle wait, so schedule changes by other writers are noticed.
const MAX_IDLE: Duration = Duration::from_secs(30);
/// Overflow URLs given a later slot per second, at most. A large backlog (after downtime)
/// is spread out gradually instead of in one burst of writes that costs CPU and memory.
const SPREAD_PER_SEC: f64 = 200.0;
/// How long in-flight checks may take to finish once the daemon is told to stop.
const CHECK_GRACE: Duration = Duration::from_secs(5);
/// Least time between two pulls while URLs are still waiting in memory: a check finishing
/// frees one slot, not worth a walk over the due index each time.
const PULL_GAP: Duration = Duration::from_millis(10);
/// Wait before the next pull when the spreading budget ran out.
const SPREAD_PAUSE: Duration = Duration::from_millis(250);

#[derive(Default)]
struct Queues {
    by_host: HashMap<String, VecDeque<Leased>>,
    /// Hosts in the order they are served; rotated after each dispatch.
    order: VecDeque<String>,
    in_flight: HashMap<String, usize>,
    /// The host of each dispatched check (by its slot number) until it gives its request
    /// slot back: when its request is done and it waits only for its log's flush, or when
    /// it ends.
    holding: HashMap<u64, String>,
    queued: HashSet<String>,
    /// Hosts whose queue length `/metrics` shows.
    reported: HashSet<String>,
    /// Per host, the next free moment for a URL its full queue could not take.
    next_slot: HashMap<String, chrono::DateTime<Utc>>,
    /// Overflow URLs that may still be given a slot now (refilled at [`SPREAD_PER_SEC`]).
    spread_budget: f64,
    spread_refilled: Option<std::time::Instant>,
    last_pull: Option<std::time::Instant>,
    /// Leases of the last pull not written yet: a URL dispatched at once needs none.
    pending_leases: Vec<(String, ScheduleState)>,
    /// URLs in flight that were never leased: still in the due index at their old time,
    /// which the pull passes over. After a crash they are simply due, and checked first.
    unleased: HashSet<String>,
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

    /// The next URL from the first host (in rotation) that has work, room in flight, and is
    /// not held off (Retry-After, robots.txt unreachable).
    fn pop_ready(&mut self, politeness: &Politeness) -> Option<(String, Leased)> {
        let now = tokio::time::Instant::now();
        for _ in 0..self.order.len() {
            let host = self.order.pop_front()?;
            let busy = self.in_flight.get(&host).copied().unwrap_or(0) >= HOST_IN_FLIGHT
                || politeness
                    .held_until(&host)
                    .is_some_and(|until| until > now);
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
                self.unleased.insert(item.url.clone());
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

    /// The leases of URLs taken by the last pull that are still waiting (not dispatched):
    /// one transaction for the lot, none in the usual case of a host with room.
    fn waiting_leases(&mut self) -> Vec<(String, ScheduleState)> {
        let mut leases = std::mem::take(&mut self.pending_leases);
        leases.retain(|(url, _)| !self.unleased.contains(url));
        leases
    }

    /// A check's request is over: its host may take another (once per slot).
    fn release(&mut self, slot: u64) {
        let Some(host) = self.holding.remove(&slot) else {
            return;
        };
        if let Some(n) = self.in_flight.get_mut(&host) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.in_flight.remove(&host);
            }
        }
    }

    /// A check has ended: its URL may be pulled again once due.
    fn done(&mut self, slot: u64, url: &str) {
        self.queued.remove(url);
        self.unleased.remove(url);
        self.release(slot);
    }
}

/// Runs the queue until the stop flag is raised; in-flight checks are awaited before returning.
pub(super) async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let permits = Arc::new(Semaphore::new(shared.config.crawler.concurrency.get()));
    let mut queues = Queues::default();
    let mut checks: JoinSet<()> = JoinSet::new();
    // Which slot and URL each running check holds, so its slot is given back even if the
    // task panicked (a JoinError carries only the task id).
    let mut running: HashMap<tokio::task::Id, (u64, String)> = HashMap::new();
    // Checks give their slot back here once their request is done: a check then waits for
    // its log's batched flush without holding its host (nor the concurrency limit), so the
    // batch window does not cap a host's checks per second and a batch holds many checks.
    let (released, mut releases) = mpsc::unbounded_channel::<u64>();
    let mut slots: u64 = 0;
    loop {
        if *stop.borrow() {
            break;
        }
        let mut throttled = false;
        let pull_now =
            queues.by_host.is_empty() || queues.last_pull.is_none_or(|t| t.elapsed() >= PULL_GAP);
        if pull_now {
            queues.last_pull = Some(std::time::Instant::now());
            match pull(&shared, &mut queues) {
                Ok(t) => throttled = t,
                Err(e) if e.is_store_failure() => shared.fail(&e),
                Err(e) => tracing::error!(error = %e, "reading the schedule failed"),
            }
        }
        while let Ok(permit) = permits.clone().try_acquire_owned() {
            let Some((host, item)) = queues.pop_ready(shared.pipeline.fetcher().politeness())
            else {
                drop(permit);
                break;
            };
            let shared = shared.clone();
            let url = item.url.clone();
            slots += 1;
            let slot = slots;
            let released = released.clone();
            // Called when the request is done, or dropped (with the permit) when the
            // check ends without calling it.
            let release: Release = Box::new(move || {
                drop(permit);
                let _ = released.send(slot);
            });
            let task = checks.spawn(async move {
                recheck::check(&shared, &item.url, item.state, release).await;
            });
            queues.holding.insert(slot, host);
            running.insert(task.id(), (slot, url));
        }
        let leases = queues.waiting_leases();
        if !leases.is_empty()
            && let Err(e) = shared.store().set_schedules(&leases)
        {
            if e.is_store_failure() {
                shared.fail(&e);
            } else {
                tracing::error!(error = %e, "leasing due URLs failed");
            }
        }
        queues.report(&shared);
        let mut idle = idle_wait(&shared);
        if throttled {
            idle = idle.max(SPREAD_PAUSE);
        }
        tokio::select! {
            Some(done) = checks.join_next_with_id(), if !checks.is_empty() => {
                let id = match done {
                    Ok((id, ())) => id,
                    Err(e) => {
                        tracing::error!(error = %e, "check task failed");
                        e.id()
                    }
                };
                if let Some((slot, url)) = running.remove(&id) {
                    queues.done(slot, &url);
                }
            }
            Some(slot) = releases.recv() => queues.release(slot),
            () = shared.wake.notified() => {}
            () = tokio::time::sleep(idle) => {}
            _ = stop.changed() => {}
        }
    }
    // Give queued-but-unstarted URLs their schedule back, so a restart checks them on time
    // (unless the database is failing: their leases expire soon enough after a restart).
    let restorable = if shared.failed() {
        Default::default()
    } else {
        queues.by_host
    };
    for item in restorable.into_values().flatten() {
        if let Err(e) = shared.store().set_schedule(&item.url, &item.state) {
            tracing::warn!(url = %item.url, error = %e, "could not restore schedule");
        }
    }
    // In-flight checks get a grace period; one still waiting on a host's rate or
    // Retry-After is abandoned (its URL keeps its lease and is checked after a restart).
    let drained = tokio::time::timeout(CHECK_GRACE, async {
        while let Some(done) = checks.join_next().await {
            if let Err(e) = done {
                tracing::warn!(error = %e, "check task failed");
            }
        }
    })
    .await;
    if drained.is_err() {
        tracing::info!(
            abandoned = checks.len(),
            "in-flight checks abandoned at stop"
        );
        checks.abort_all();
    }
}

/// Moves due entries from the store into per-host queues; a host whose queue is full has
/// its due entries spread over the time its rate needs to reach them, [`SPREAD_PER_SEC`]
/// at most. True when that budget ran out with entries left.
///
/// Decisions are made from the index keys alone: a schedule record is read only for an
/// entry that is taken or given a slot. The leases of taken entries are left in
/// `pending_leases`: the caller writes those still waiting after dispatch (one
/// transaction), so a URL checked at once costs no lease write.
fn pull(shared: &Shared, queues: &mut Queues) -> crate::Result<bool> {
    let store = shared.store();
    let now = Utc::now();
    let elapsed = queues
        .spread_refilled
        .map_or(1.0, |t| t.elapsed().as_secs_f64());
    queues.spread_budget = (queues.spread_budget + elapsed * SPREAD_PER_SEC).min(SPREAD_PER_SEC);
    queues.spread_refilled = Some(std::time::Instant::now());
    let mut throttled = false;
    let politeness = shared.pipeline.fetcher().politeness();
    let mut writes: Vec<(String, ScheduleState)> = Vec::new();
    let mut taken: Vec<(String, Leased)> = Vec::new();
    let mut taking: HashMap<String, usize> = HashMap::new();
    let mut leases: Vec<(String, ScheduleState)> = Vec::new();
    // In-flight URLs that were never leased sit in the window too: read past them.
    let unleased = &queues.unleased;
    for (_, url) in store.due_except(now, PULL, |url| unleased.contains(url))? {
        let fresh = !queues.queued.contains(&url);
        // Most entries of a pull are skipped while their host's queue is full: their host
        // is read off the URL text, and the URL is parsed only when it is taken.
        if fresh
            && queues.spread_budget < 1.0
            && let Some(host) = plain_host(&url)
            && queues.len(host) + taking.get(host).copied().unwrap_or(0) >= HOST_QUEUE
        {
            throttled = true;
            continue;
        }
        let Ok(parsed) = Url::parse(&url) else {
            tracing::warn!(url = %url, "dropping unparseable URL from the schedule");
            store.clear_schedule(&url)?;
            continue;
        };
        let host = host_key(&parsed);
        let waiting = queues.len(&host) + taking.get(&host).copied().unwrap_or(0);
        if fresh && waiting >= HOST_QUEUE && queues.spread_budget < 1.0 {
            throttled = true;
            continue;
        }
        let Some(state) = store.schedule(&url)? else {
            continue;
        };
        let per_request = politeness.host_interval(&host);
        // A held-off host (Retry-After, robots.txt unreachable) drains only after its hold.
        let held = politeness.held_until(&host).map_or(Duration::ZERO, |t| {
            t.saturating_duration_since(tokio::time::Instant::now())
        });
        let lease = held + per_request.saturating_mul(HOST_QUEUE as u32) + LEASE_MARGIN;
        let mut leased = state.clone();
        if !fresh || waiting < HOST_QUEUE {
            // A URL still waiting in memory past its lease (its host is held off or slow)
            // has the lease extended, or it would stay at the head of the due index and
            // crowd out every other host's entries from the pull window.
            leased.next_due = Some(now + to_chrono(lease));
            if fresh {
                *taking.entry(host.clone()).or_default() += 1;
                taken.push((
                    host,
                    Leased {
                        url: url.clone(),
                        state,
                    },
                ));
                // Written after dispatch, and only if the URL is still waiting then.
                leases.push((url, leased));
                continue;
            }
        } else {
            queues.spread_budget -= 1.0;
            // Each overflow URL gets its own slot at the host's pace, so a backlog of
            // thousands is written once and falls due as the host can take it.
            let earliest = now + to_chrono(held + per_request.saturating_mul(HOST_QUEUE as u32));
            let slot = queues
                .next_slot
                .get(&host)
                .copied()
                .filter(|s| *s > earliest)
                .unwrap_or(earliest);
            queues.next_slot.insert(host, slot + to_chrono(per_request));
            leased.next_due = Some(slot);
        }
        writes.push((url, leased));
    }
    if !writes.is_empty() {
        store.set_schedules(&writes)?;
    }
    for (host, item) in taken {
        queues.push(host, item);
    }
    queues.pending_leases = leases;
    Ok(throttled)
}

/// The host of a stored URL as [`host_key`] gives it, read off the text when it is a plain
/// lower-case name or IPv4 address (what the store's canonical URLs hold); `None` for
/// anything else, which is parsed in full.
fn plain_host(url: &str) -> Option<&str> {
    let rest = &url[url.find("://")? + 3..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = authority.split_once(':').map_or(authority, |(h, _)| h);
    let plain = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    plain.then_some(host)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_given_back_once_whether_released_early_or_at_the_end() {
        let politeness = Politeness::new("emend-test");
        let mut queues = Queues::default();
        for i in 0..3 {
            let item = Leased {
                url: format!("http://h.example/{i}"),
                state: ScheduleState::ended(),
            };
            queues.push("h.example".into(), item);
        }
        let (host, first) = queues.pop_ready(&politeness).unwrap();
        queues.holding.insert(1, host.clone());
        let (_, second) = queues.pop_ready(&politeness).unwrap();
        queues.holding.insert(2, host.clone());
        // Two requests in flight: the host takes no third.
        assert!(queues.pop_ready(&politeness).is_none());
        // The first check's request is done; it still waits for its flush.
        queues.release(1);
        assert!(queues.unleased.contains(&first.url));
        let (_, third) = queues.pop_ready(&politeness).unwrap();
        queues.holding.insert(3, host.clone());
        // Its end gives nothing back a second time, but lets its URL be pulled again.
        queues.done(1, &first.url);
        assert!(!queues.unleased.contains(&first.url));
        assert_eq!(queues.in_flight.get(&host), Some(&2));
        queues.done(2, &second.url);
        queues.done(3, &third.url);
        assert!(queues.in_flight.is_empty() && queues.holding.is_empty());
    }

    #[test]
    fn plain_host_agrees_with_the_parsed_host() {
        for url in [
            "http://127.0.0.2:8080/a/1",
            "https://news.example.org/2026/12/story?x=1#top",
            "https://example.org",
            "https://example.org?q=1",
            "https://sub-1.example.org:443/",
        ] {
            let parsed = host_key(&Url::parse(url).unwrap());
            assert_eq!(plain_host(url), Some(parsed.as_str()), "{url}");
        }
        // Anything unusual is left to the full parse.
        for url in [
            "https://user@example.org/",
            "http://[::1]:80/",
            "https://ÉX.org/",
            "nonsense",
        ] {
            assert_eq!(plain_host(url), None, "{url}");
        }
    }
}
