//! The daemon as one of several sharing a PostgreSQL database: hosts leased through the
//! shared frontier, each discovery source read by its host's holder, checks stored with the
//! database's one-version-per-state rule, notifications sent by one daemon at a time.
//!
//! Every host is fetched by the one daemon that leases it, so that daemon's per-host
//! limiter, robots.txt cache and Retry-After holds are the whole cluster's. A lease lasts
//! [`LEASE`] and is renewed every third of it; a daemon that dies loses its hosts at expiry
//! and the others take them, keeping the pace the dead one recorded (`not_before`).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use url::Url;

use crate::config::{Config, DEFAULT_INTERVAL, DEFAULT_MAX_INTERVAL, Site};
use crate::discover::{self, Discovered};
use crate::error::{Error, Result};
use crate::fetch::{
    Conditional, Fetcher, Poster, ResourceKind, ResourceResponse, Scope, SiteScope,
};
use crate::model::ChangeKind;
use crate::notify::Sender;
use crate::pipeline::{CheckOptions, Pipeline};
use crate::politeness::host_key;
use crate::schedule;
use crate::store::ScheduleState;
use crate::store::pg::{Claim, Frontier, Postgres};

use super::discovery::wait_or_stop;

/// How long a host lease lasts unless renewed: a dead daemon's hosts are taken over within
/// this (and one renewal period).
pub const LEASE: Duration = Duration::from_secs(15);

/// How long a daemon announces itself before taking hosts, so daemons started together
/// divide the hosts at once instead of the first taking all and handing them over (which
/// would make each new holder read robots.txt again).
const JOIN_WINDOW: Duration = Duration::from_secs(2);

/// How often an idle daemon looks for due URLs.
const POLL: Duration = Duration::from_millis(200);

/// What the cluster daemon's tasks share.
struct Cluster {
    config: Arc<Config>,
    frontier: Frontier,
    pipeline: Pipeline<Postgres>,
    /// Hosts this daemon holds, and whether the first request may go yet.
    held: Mutex<HashMap<String, chrono::DateTime<Utc>>>,
}

/// Crawls the configured sites as daemon `worker` of the cluster on `pg` until `shutdown`,
/// then lets in-flight checks finish (up to [`super::DRAIN_TIMEOUT`]) and gives its hosts
/// back at once.
pub async fn run(
    config: Arc<Config>,
    pg: Postgres,
    worker: String,
    options: super::DaemonOptions,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let fetcher = Fetcher::new(&config.crawler)?;
    for site in &config.sites {
        fetcher.politeness().apply_site(site);
    }
    let frontier = Frontier::new(pg.clone(), worker.clone(), LEASE);
    let cluster = Arc::new(Cluster {
        pipeline: Pipeline::new(config.clone(), fetcher, pg.clone()),
        config: config.clone(),
        frontier,
        held: Mutex::new(HashMap::new()),
    });
    tracing::info!(db = %pg.target(), %worker, sites = config.sites.len(), "cluster daemon started; SIGINT or SIGTERM stops it");
    let (stop_tx, stop_rx) = watch::channel(false);
    // The sources' hosts are leased like the articles' (discovery reads them).
    let sources = config.sites.iter().flat_map(|s| {
        s.feeds
            .iter()
            .chain(&s.sitemaps)
            .chain(&s.start_urls)
            .map(host_key)
    });
    cluster
        .frontier
        .add_hosts(&sources.collect::<Vec<_>>())
        .await?;
    let mut tasks = JoinSet::new();
    tasks.spawn(keep_leases(cluster.clone(), stop_rx.clone()));
    for index in 0..config.sites.len() {
        tasks.spawn(discover_site(cluster.clone(), index, stop_rx.clone()));
    }
    tasks.spawn(check_due(cluster.clone(), stop_rx.clone()));
    if !config.notify.is_empty() {
        tasks.spawn(send_notifications(
            cluster.clone(),
            pg.clone(),
            stop_rx.clone(),
        ));
    }
    if let Some(listener) = options.listener {
        // No live queue figures: another daemon may hold any host.
        let web = crate::web::WebOptions {
            metrics: None,
            base_url: options.base_url,
        };
        let router = crate::web::router(pg.clone(), web);
        let stop = super::stopped(stop_rx.clone());
        tasks.spawn(async move {
            if let Err(e) = crate::web::serve_router(listener, router, stop).await {
                tracing::error!(error = %e, "web server stopped");
            }
        });
    }
    shutdown.await;
    tracing::info!("stopping: finishing in-flight checks");
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(super::DRAIN_TIMEOUT, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tasks.abort_all();
    }
    cluster.frontier.release_all().await?;
    tracing::info!("stopped; hosts released");
    Ok(())
}

/// Heartbeats and rebalances the host leases every third of [`LEASE`]. A daemon that cannot
/// renew stops fetching before its leases can expire under it.
async fn keep_leases(cluster: Arc<Cluster>, mut stop: watch::Receiver<bool>) {
    if let Err(e) = cluster.frontier.heartbeat().await {
        tracing::warn!(error = %e, "cannot announce this daemon");
    }
    if wait_or_stop(&mut stop, JOIN_WINDOW).await {
        return;
    }
    loop {
        match cluster.frontier.balance().await {
            Ok(leases) => {
                let now = Utc::now();
                let mut held = cluster.held.lock().unwrap_or_else(|p| p.into_inner());
                let before = held.len();
                *held = leases
                    .into_iter()
                    .map(|l| {
                        let gate = held.get(&l.host).copied().unwrap_or(l.not_before.max(now));
                        (l.host, gate)
                    })
                    .collect();
                if held.len() != before {
                    tracing::info!(hosts = held.len(), "host leases");
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot renew host leases; fetching paused");
                cluster
                    .held
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clear();
            }
        }
        if wait_or_stop(&mut stop, LEASE / 3).await {
            return;
        }
    }
}

/// Sends the queued notifications while this daemon holds the cluster's `notify` lease: one
/// daemon sends at a time, and another takes over when it dies (delivery stays at least
/// once, each change with its stable id, as on sled).
async fn send_notifications(cluster: Arc<Cluster>, pg: Postgres, mut stop: watch::Receiver<bool>) {
    let config = &cluster.config;
    let poster = match Poster::new(&config.crawler.user_agent, config.crawler.timeout) {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "cannot send notifications");
            return;
        }
    };
    let targets = Arc::new(config.notify.clone());
    let mut sending: Option<(watch::Sender<bool>, tokio::task::JoinHandle<()>)> = None;
    while !wait_or_stop(
        &mut stop,
        if sending.is_some() {
            LEASE / 3
        } else {
            JOIN_WINDOW
        },
    )
    .await
    {
        let held = match cluster.frontier.try_lease("notify", "outbox").await {
            Ok(held) => held,
            Err(e) => {
                tracing::warn!(error = %e, "cannot renew the notification lease");
                false
            }
        };
        if held && sending.is_none() {
            tracing::info!("sending the cluster's notifications from this daemon");
            let (tx, rx) = watch::channel(false);
            let sender = Sender::new(pg.clone(), targets.clone(), poster.clone());
            sending = Some((tx, tokio::spawn(sender.run(rx))));
        } else if !held && let Some((tx, task)) = sending.take() {
            let _ = tx.send(true);
            let _ = task.await;
        }
    }
    if let Some((tx, task)) = sending {
        let _ = tx.send(true);
        let _ = task.await;
    }
}

/// Claims due URLs of the held hosts and checks them, at most `concurrency` at once.
async fn check_due(cluster: Arc<Cluster>, mut stop: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(cluster.config.crawler.concurrency.get()));
    let mut checks = JoinSet::new();
    loop {
        while checks.try_join_next().is_some() {}
        let free = slots.available_permits() as i64;
        let claims = if free > 0 && !cluster.held_hosts().is_empty() {
            match cluster.frontier.claim_due(free).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot claim due URLs");
                    Vec::new()
                }
            }
        } else {
            Vec::new()
        };
        let idle = claims.is_empty();
        for claim in claims {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                break;
            };
            let cluster = cluster.clone();
            checks.spawn(async move {
                cluster.check(claim).await;
                drop(permit);
            });
        }
        if idle && wait_or_stop(&mut stop, POLL).await {
            break;
        }
        if *stop.borrow() {
            break;
        }
    }
    while checks.join_next().await.is_some() {}
}

impl Cluster {
    fn held_hosts(&self) -> Vec<String> {
        let held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        held.keys().cloned().collect()
    }

    /// Waits for the host's gate (a previous holder's pace), checks the claimed URL,
    /// reschedules it as the sled daemon does (widening while unchanged, reset on change,
    /// back-off on failure, Retry-After, end of tracking) and records the host's pace for
    /// whoever holds it next.
    async fn check(&self, claim: Claim) {
        let Claim {
            url, host, state, ..
        } = claim;
        let gate = self
            .held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&host)
            .copied();
        if let Some(wait) = gate.and_then(|g| (g - Utc::now()).to_std().ok()) {
            tokio::time::sleep(wait).await;
        }
        let Ok(parsed) = Url::parse(&url) else {
            tracing::warn!(url, "not a URL in the frontier; dropped from the schedule");
            let _ = self
                .frontier
                .reschedule(&url, &ScheduleState::ended())
                .await;
            return;
        };
        let site = self.config.site_for(&parsed);
        let (base, max) = site.map_or((DEFAULT_INTERVAL, DEFAULT_MAX_INTERVAL), |s| {
            (s.interval, s.max_interval)
        });
        let now = Utc::now();
        let state = state.unwrap_or_else(|| ScheduleState {
            next_due: None,
            interval_secs: base.as_secs(),
            unchanged_streak: 0,
            failures: 0,
            track_until: site.map(|s| schedule::track_until(now, s.track_for)),
        });
        let opts = CheckOptions {
            outcome_only: true,
            ..CheckOptions::default()
        };
        let result = self.pipeline.check(&parsed, opts).await;
        let next = next_state(&state, &result, base, max);
        match &result {
            Ok(report) => tracing::info!(
                host,
                url,
                status = report.status,
                outcome = report.change.as_str(),
                "check"
            ),
            Err(e) => tracing::warn!(host, url, error = %e, "check failed"),
        }
        match self.frontier.reschedule(&url, &next).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(url, "claim lost during the check (lease expired)"),
            Err(e) => tracing::warn!(url, error = %e, "cannot schedule the next check"),
        }
        let gap = site.map_or(1.0, |s| 1.0 / s.rate);
        let pace = Utc::now() + chrono::Duration::milliseconds((gap * 1000.0) as i64);
        if let Err(e) = self.frontier.hold_host(&host, pace).await {
            tracing::debug!(host, error = %e, "cannot record the host's pace");
        }
    }
}

/// The re-check state after a check that ended in `result`.
fn next_state(
    state: &ScheduleState,
    result: &Result<crate::pipeline::CheckReport>,
    base: Duration,
    max: Duration,
) -> ScheduleState {
    let now = Utc::now();
    let current = Duration::from_secs(state.interval_secs).max(Duration::from_secs(1));
    let (mut next, delay) = match result {
        Ok(report) => {
            let changed = report.change != ChangeKind::Unchanged;
            super::recheck::succeeded(state, changed, current, base, max)
        }
        // Its host is busy (a Retry-After, robots.txt unreachable): not the URL's failure.
        Err(Error::HostHeldOff { until, .. }) => (
            state.clone(),
            (*until - now)
                .to_std()
                .unwrap_or_default()
                .max(Duration::from_secs(1)),
        ),
        // Never requested again; its history stays.
        Err(Error::RobotsDisallowed { .. }) => return ScheduleState::ended(),
        Err(err) => {
            let mut failed = state.clone();
            failed.failures = state.failures.saturating_add(1);
            let delay = match err {
                Error::HttpStatus {
                    retry_after: Some(secs),
                    ..
                } => Duration::from_secs(*secs).max(Duration::from_secs(1)),
                _ => super::recheck::backoff(base, max, failed.failures),
            };
            (failed, delay)
        }
    };
    next.next_due = if next.tracking_over(now) {
        None
    } else {
        Some(now + chrono::Duration::from_std(delay).unwrap_or_default())
    };
    next
}

/// Runs the site's discovery every `interval`. Each source is read by the daemon holding
/// its host, like any other request to that host: one limiter and one robots.txt per host
/// across the cluster, and one reader per source at a time.
async fn discover_site(cluster: Arc<Cluster>, index: usize, mut stop: watch::Receiver<bool>) {
    let site = &cluster.config.sites[index];
    if wait_or_stop(&mut stop, JOIN_WINDOW + POLL).await {
        return;
    }
    loop {
        match cluster.discover(site).await {
            Ok((0, 0)) => {
                tracing::debug!(site = %site.name, "no source of this site on this daemon's hosts")
            }
            Ok((sources, added)) => {
                tracing::info!(site = %site.name, sources, new = added, "discovery round")
            }
            Err(e) => tracing::warn!(site = %site.name, error = %e, "discovery failed"),
        }
        if wait_or_stop(&mut stop, site.interval).await {
            return;
        }
    }
}

impl Cluster {
    /// One discovery round over the site's sources on hosts this daemon holds: feeds,
    /// sitemaps (and their index's children) and index pages. New article URLs join the
    /// frontier, due now. Returns the sources read and the URLs added.
    async fn discover(&self, site: &Site) -> Result<(usize, usize)> {
        let scope = Scope::Site(Arc::new(SiteScope::of(site)));
        let mut found: Vec<Discovered> = Vec::new();
        let fetcher = self.pipeline.fetcher();
        let held = self.held_hosts();
        let mine = |u: &Url| held.contains(&host_key(u));
        let mut sources = 0;
        for feed in site.feeds.iter().filter(|u| mine(u)) {
            sources += 1;
            if let Some(body) = self.resource(feed, ResourceKind::Feed, &scope).await? {
                found.extend(discover::parse_feed(&body.0, &body.1)?);
            }
        }
        let mut sitemaps: Vec<Url> = site.sitemaps.iter().filter(|u| mine(u)).cloned().collect();
        let mut read = 0;
        while let Some(url) = sitemaps.pop() {
            if !mine(&url) {
                continue;
            }
            sources += 1;
            read += 1;
            if read > super::discovery::MAX_SITEMAPS {
                break;
            }
            if let Some(body) = self.resource(&url, ResourceKind::Sitemap, &scope).await? {
                let map = discover::parse_sitemap(&body.0, &body.1)?;
                found.extend(map.urls);
                sitemaps.extend(map.sitemaps.into_iter().map(|d| d.url));
            }
        }
        for page in site.start_urls.iter().filter(|u| mine(u)) {
            sources += 1;
            found.extend(super::discovery::read_index(fetcher, &scope, page).await?);
        }
        let mut added = 0;
        let now = Utc::now();
        for item in discover::filter(found, &site.article_pattern) {
            let url = discover::canonicalize(&item.url);
            if scope.check(&url).is_err() {
                continue;
            }
            if self
                .frontier
                .add(url.as_str(), &host_key(&url), now)
                .await?
            {
                added += 1;
            }
        }
        Ok((sources, added))
    }

    /// A feed's or sitemap's body and final URL.
    async fn resource(
        &self,
        url: &Url,
        kind: ResourceKind,
        scope: &Scope,
    ) -> Result<Option<(bytes::Bytes, Url)>> {
        let fetcher = self.pipeline.fetcher();
        match fetcher
            .fetch_resource(url, kind, &Conditional::default(), scope)
            .await
        {
            Ok(ResourceResponse::Resource(res)) => Ok(Some((res.body, res.final_url))),
            Ok(ResourceResponse::NotModified { .. }) => Ok(None),
            Err(e @ Error::Postgres { .. }) => Err(e),
            Err(e) => {
                tracing::warn!(url = %url, error = %e, "source failed");
                Ok(None)
            }
        }
    }
}
