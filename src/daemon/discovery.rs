//! Per-site discovery: reads feeds, sitemaps and index pages every `interval`, and puts
//! new article URLs (those matching `article_pattern`, on the site's hosts) on the schedule.
//!
//! Bounded whatever the site serves: at most [`MAX_SITEMAPS`] sitemaps read (and queued) per
//! round, [`MAX_NEW_PER_ROUND`] new articles per round with their first checks spread at the
//! site's rate, URLs over [`crate::discover::MAX_URL_LEN`] bytes dropped; each cap reached is
//! logged.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use url::Url;

use super::Shared;
use super::queue::to_chrono;
use crate::config::Site;
use crate::discover::{self, Discovered};
use crate::error::Result;
use crate::fetch::{
    Conditional, FetchOptions, Fetcher, PageResponse, Resource, ResourceKind, ResourceResponse,
    Scope, SiteScope, shown,
};
use crate::politeness::{RobotsVerdict, host_key};
use crate::schedule;
use crate::store::ScheduleState;

/// Sitemaps (configured ones and index children) read per site per round, against runaway
/// indexes; children beyond it wait for a later round, newest `lastmod` first.
pub(super) const MAX_SITEMAPS: usize = 64;
/// New articles recorded per site per round. A source listing more (a 100,000-URL sitemap)
/// gives the rest in later rounds: its validators are forgotten, so it is read in full again.
const MAX_NEW_PER_ROUND: usize = 1_000;
/// New articles are spread over this much time (or the site's interval, if shorter).
pub(super) const START_SPREAD: Duration = Duration::from_secs(5);

/// Runs discovery for `config.sites[index]` until the stop flag is raised.
pub(super) async fn run(shared: Arc<Shared>, index: usize, mut stop: watch::Receiver<bool>) {
    let Some(site) = shared.config.sites.get(index) else {
        return;
    };
    // Sites start at different moments, so a restart is not a burst on every host.
    let first = START_SPREAD
        .min(site.interval)
        .mul_f64(rand::random_range(0.0..1.0));
    if wait_or_stop(&mut stop, first).await {
        return;
    }
    let mut seen = Memory::default();
    let scope = Scope::Site(Arc::new(SiteScope::of(site)));
    loop {
        // A round may wait long on a held-off host; a stop abandons it (it writes nothing
        // that a later round would not write again).
        let counts = tokio::select! {
            n = round(&shared, site, &scope, &mut seen) => n,
            _ = stop.wait_for(|s| *s) => return,
        };
        tracing::info!(
            site = %site.name,
            links = counts.links,
            matched = counts.matched,
            new = counts.new,
            next_in = %humantime::format_duration(site.interval),
            "discovery round done"
        );
        if wait_or_stop(&mut stop, site.interval).await {
            return;
        }
    }
}

/// What one source, or one round, of discovery gave.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    /// Links listed.
    links: usize,
    /// Those `article_pattern` kept.
    matched: usize,
    /// Those that were new articles.
    new: usize,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.links += other.links;
        self.matched += other.matched;
        self.new += other.new;
    }
}

/// Logs what one source gave: a wrong `article_pattern` shows as `matched=0`.
fn source_read(site: &Site, kind: &str, url: &Url, c: Counts) {
    tracing::info!(site = %site.name, links = c.links, matched = c.matched, new = c.new, url = %shown(url), "{kind} read");
}

/// True when stopped while waiting.
pub(super) async fn wait_or_stop(stop: &mut watch::Receiver<bool>, d: Duration) -> bool {
    tokio::select! {
        () = tokio::time::sleep(d) => {}
        _ = stop.wait_for(|s| *s) => {}
    }
    *stop.borrow()
}

/// One discovery round; returns what its sources gave.
async fn round(shared: &Shared, site: &Site, scope: &Scope, seen: &mut Memory) -> Counts {
    let mut budget = Budget::new(MAX_NEW_PER_ROUND);
    let mut total = Counts::default();
    for feed in &site.feeds {
        match read_feed(shared, scope, seen, feed).await {
            Ok(items) => {
                let c = offer_all(shared, site, scope, feed, items, seen, &mut budget);
                source_read(site, "feed", feed, c);
                total.add(c);
            }
            Err(e) => {
                shared.metrics.add_error(&host_key(feed));
                tracing::warn!(site = %site.name, url = %shown(feed), error = %e, "feed failed");
            }
        }
    }
    total.add(read_sitemaps(shared, site, scope, seen, &mut budget).await);
    for page in &site.start_urls {
        match read_index(shared.pipeline.fetcher(), scope, page).await {
            Ok(items) => {
                let c = offer_all(shared, site, scope, page, items, seen, &mut budget);
                source_read(site, "index page", page, c);
                total.add(c);
            }
            Err(e) => {
                shared.metrics.add_error(&host_key(page));
                tracing::warn!(site = %site.name, url = %shown(page), error = %e, "index page failed")
            }
        }
    }
    if budget.skipped > 0 {
        tracing::warn!(
            site = %site.name, cap = MAX_NEW_PER_ROUND, left_for_later = budget.skipped,
            "new-article cap of this round reached; the rest are recorded in later rounds"
        );
    }
    total
}

/// Reads the site's sitemaps and, breadth first, the children of its indexes on the site's
/// hosts: at most [`MAX_SITEMAPS`] in all, and never more than that queued, however many
/// children an index lists.
async fn read_sitemaps(
    shared: &Shared,
    site: &Site,
    scope: &Scope,
    seen: &mut Memory,
    budget: &mut Budget,
) -> Counts {
    let mut total = Counts::default();
    let mut queue: VecDeque<Url> = site.sitemaps.iter().take(MAX_SITEMAPS).cloned().collect();
    let mut visited: HashSet<Url> = HashSet::new();
    let (mut off_site, mut over_cap) = (0usize, 0usize);
    while let Some(url) = queue.pop_front() {
        if !visited.insert(url.clone()) {
            continue;
        }
        let map = match read_sitemap(shared, scope, seen, &url).await {
            Ok(map) => map,
            Err(e) => {
                shared.metrics.add_error(&host_key(&url));
                tracing::warn!(site = %site.name, url = %shown(&url), error = %e, "sitemap failed");
                continue;
            }
        };
        if map.truncated {
            tracing::warn!(
                site = %site.name, url = %shown(&url), cap = discover::MAX_SITEMAP_ENTRIES,
                "sitemap lists more entries than the cap; the rest are ignored"
            );
        }
        let c = offer_all(shared, site, scope, &url, map.urls, seen, budget);
        source_read(site, "sitemap", &url, c);
        total.add(c);
        let mut children = map.sitemaps;
        // The newest children first: on a news site they are where new articles are.
        children.sort_by_key(|c| std::cmp::Reverse(c.updated));
        for child in children {
            if scope.check(&child.url).is_err() {
                off_site += 1;
            } else if visited.contains(&child.url) || queue.contains(&child.url) {
            } else if visited.len() + queue.len() < MAX_SITEMAPS {
                queue.push_back(child.url);
            } else {
                over_cap += 1;
            }
        }
    }
    if off_site > 0 {
        tracing::warn!(site = %site.name, skipped = off_site, "sitemap index children not on the site's hosts were skipped");
    }
    if over_cap > 0 {
        tracing::warn!(
            site = %site.name, cap = MAX_SITEMAPS, skipped = over_cap,
            "sitemaps-per-round cap reached; the oldest children were not read this round"
        );
    }
    total
}

/// How many new articles a round may still record, and what it recorded and left.
struct Budget {
    left: usize,
    new: usize,
    skipped: usize,
}

impl Budget {
    fn new(cap: usize) -> Budget {
        Budget {
            left: cap,
            new: 0,
            skipped: 0,
        }
    }
}

/// What discovery remembers between rounds: validators of the feeds and sitemaps read so
/// far (unchanged ones cost a 304), and the date each source last gave each article.
#[derive(Default)]
struct Memory {
    validators: HashMap<Url, Conditional>,
    hints: Hints,
}

/// The date a source last gave each article, keyed by a 64-bit hash of its URL: a sitemap
/// can list a million URLs, and keyed by `Url` a million entries took 302 MB where this
/// takes 50 MB (measured, 70-character URLs). A collision only makes one article look
/// moved, i.e. re-checked early: harmless.
#[derive(Default)]
struct Hints(HashMap<u64, DateTime<Utc>>);

impl Hints {
    fn key(url: &Url) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::DefaultHasher::new();
        url.as_str().hash(&mut h);
        h.finish()
    }

    /// Records `hint` for `url` (when the source gave one); returns the previous one.
    fn update(&mut self, url: &Url, hint: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
        let key = Self::key(url);
        match hint {
            Some(h) => self.0.insert(key, h),
            None => self.0.get(&key).copied(),
        }
    }
}

impl Memory {
    /// Fetches `url` conditionally; `None` when it has not changed since the last round.
    async fn fetch(
        &mut self,
        shared: &Shared,
        scope: &Scope,
        url: &Url,
        kind: ResourceKind,
    ) -> Result<Option<Resource>> {
        let cond = self.validators.get(url).cloned().unwrap_or_default();
        match shared
            .pipeline
            .fetcher()
            .fetch_resource(url, kind, &cond, scope)
            .await?
        {
            ResourceResponse::NotModified { .. } => Ok(None),
            ResourceResponse::Resource(res) => {
                self.validators.insert(
                    url.clone(),
                    Conditional {
                        etag: res.etag.clone(),
                        last_modified: res.last_modified.clone(),
                    },
                );
                Ok(Some(res))
            }
        }
    }
}

async fn read_feed(
    shared: &Shared,
    scope: &Scope,
    seen: &mut Memory,
    url: &Url,
) -> Result<Vec<Discovered>> {
    match seen.fetch(shared, scope, url, ResourceKind::Feed).await? {
        Some(res) => discover::parse_feed(&res.body, &res.final_url),
        None => Ok(Vec::new()),
    }
}

async fn read_sitemap(
    shared: &Shared,
    scope: &Scope,
    seen: &mut Memory,
    url: &Url,
) -> Result<discover::Sitemap> {
    match seen
        .fetch(shared, scope, url, ResourceKind::Sitemap)
        .await?
    {
        Some(res) => discover::parse_sitemap(&res.body, &res.final_url),
        None => Ok(discover::Sitemap::default()),
    }
}

/// Every link of an index page: `article_pattern` is applied by [`offer_all`], which counts
/// what it kept.
pub(super) async fn read_index(
    fetcher: &Fetcher,
    scope: &Scope,
    url: &Url,
) -> Result<Vec<Discovered>> {
    let opts = FetchOptions {
        ignore_robots: false,
        scope: scope.clone(),
    };
    let response = fetcher
        .fetch_page(url, &Conditional::default(), opts)
        .await?;
    let PageResponse::Page(page) = response else {
        return Ok(Vec::new());
    };
    Ok(
        discover::index_links(&page.text, &page.response.final_url, None)
            .into_iter()
            .map(|url| Discovered {
                url,
                updated: None,
                published: None,
            })
            .collect(),
    )
}

/// Offers what `source` listed, within the round's budget. A source cut short by the budget
/// has its validators forgotten, so the next round reads it in full (not a 304) and offers
/// the rest.
fn offer_all(
    shared: &Shared,
    site: &Site,
    scope: &Scope,
    source: &Url,
    items: Vec<Discovered>,
    seen: &mut Memory,
    budget: &mut Budget,
) -> Counts {
    let before = budget.new;
    let links = items.len();
    // One entry per article (a URL listed twice keeps its latest date), pattern applied.
    let items = discover::filter(items, &site.article_pattern);
    let total = items.len();
    for (i, item) in items.into_iter().enumerate() {
        if scope.check(&item.url).is_err() {
            tracing::debug!(site = %site.name, url = %item.url, "discovered URL not on the site's hosts; skipped");
            continue;
        }
        let previous_hint = seen.hints.update(&item.url, item.updated);
        match offer(shared, site, &item, previous_hint, budget) {
            Ok(Offered::New | Offered::Known) => {}
            Ok(Offered::OverBudget) => {
                budget.skipped += total - i;
                seen.validators.remove(source);
                break;
            }
            // A database that cannot be written stops the daemon, as a failing check does.
            Err(e) if e.is_store_failure() => {
                shared.fail(&e);
                break;
            }
            Err(e) => {
                tracing::error!(url = %item.url, error = %e, "could not record a discovered article")
            }
        }
    }
    if budget.new > before {
        shared.wake.notify_one();
    }
    Counts {
        links,
        matched: total,
        new: budget.new - before,
    }
}

/// What [`offer`] did with a discovered URL.
enum Offered {
    /// Recorded as a new article and scheduled.
    New,
    /// Already known (or not to be tracked).
    Known,
    /// New, but the round's budget is spent: not recorded.
    OverBudget,
}

/// Records one discovered URL as an article, if it is a new one and the budget allows. Its
/// first check is due after the new articles before it in this round at the site's rate, so
/// a large sitemap becomes a steady stream rather than one burst of due checks.
///
/// `article_pattern` applies to every URL whatever its source; robots.txt is applied
/// by the fetcher, which never requests a disallowed URL.
fn offer(
    shared: &Shared,
    site: &Site,
    item: &Discovered,
    previous_hint: Option<DateTime<Utc>>,
    budget: &mut Budget,
) -> Result<Offered> {
    let url = discover::canonicalize(&item.url);
    if !site.article_pattern.is_match(url.as_str()) {
        return Ok(Offered::Known);
    }
    // Known-disallowed URLs are not even recorded; unknown hosts are checked at fetch time.
    let politeness = shared.pipeline.fetcher().politeness();
    if politeness.allowed(&url) == RobotsVerdict::Disallowed {
        tracing::debug!(url = %url, "discovered URL disallowed by robots.txt; skipped");
        return Ok(Offered::Known);
    }
    let store = shared.store();
    let now = Utc::now();
    let record = match store.article(url.as_str())? {
        Some(r) => r,
        None if budget.left == 0 => return Ok(Offered::OverBudget),
        None => {
            let (record, created) = store.ensure_article(url.as_str(), Some(&site.name), now)?;
            if created {
                schedule_new(shared, site, &url, budget.new, now)?;
                budget.left -= 1;
                budget.new += 1;
                return Ok(Offered::New);
            }
            record
        }
    };
    // A feed or sitemap saying the article moved since our last look: re-check early.
    if schedule::hint_moved(previous_hint, item.updated, record.last_checked)
        && let Some(mut state) = store.schedule(url.as_str())?
        && state.next_due.is_some_and(|due| due > now)
    {
        state.next_due = Some(now);
        store.set_schedule(url.as_str(), &state)?;
    }
    Ok(Offered::Known)
}

/// Puts a new article on the schedule, its first check `nth` new articles (at the site's
/// rate) after now, plus a little jitter.
fn schedule_new(
    shared: &Shared,
    site: &Site,
    url: &Url,
    nth: usize,
    now: DateTime<Utc>,
) -> Result<()> {
    shared
        .pipeline
        .fetcher()
        .politeness()
        .apply_site_rate(&host_key(url), site.rate);
    let jitter = START_SPREAD
        .min(site.interval)
        .mul_f64(rand::random_range(0.0..0.1));
    let queued = Duration::from_secs_f64(nth as f64 / site.rate);
    shared.store().set_schedule(
        url.as_str(),
        &ScheduleState {
            next_due: Some(now + to_chrono(jitter + queued)),
            interval_secs: site.interval.as_secs(),
            unchanged_streak: 0,
            failures: 0,
            track_until: Some(schedule::track_until(now, site.track_for)),
        },
    )
}
