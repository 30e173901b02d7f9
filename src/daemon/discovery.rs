//! Per-site discovery: reads feeds, sitemaps and index pages every `interval`, and puts
//! new article URLs (those matching `article_pattern`) on the schedule.

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
    Conditional, FetchOptions, PageResponse, Resource, ResourceKind, ResourceResponse,
};
use crate::politeness::{RobotsVerdict, host_key};
use crate::schedule;
use crate::store::ScheduleState;

/// Child sitemaps followed from one site's sitemaps per round, against runaway indexes.
const MAX_SITEMAPS: usize = 64;
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
    loop {
        // A round may wait long on a held-off host; a stop abandons it (it writes nothing
        // that a later round would not write again).
        let counts = tokio::select! {
            n = round(&shared, site, &mut seen) => n,
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
    tracing::info!(site = %site.name, links = c.links, matched = c.matched, new = c.new, %url, "{kind} read");
}

/// True when stopped while waiting.
async fn wait_or_stop(stop: &mut watch::Receiver<bool>, d: Duration) -> bool {
    tokio::select! {
        () = tokio::time::sleep(d) => {}
        _ = stop.wait_for(|s| *s) => {}
    }
    *stop.borrow()
}

/// One discovery round; returns what its sources gave.
async fn round(shared: &Shared, site: &Site, seen: &mut Memory) -> Counts {
    let mut total = Counts::default();
    for feed in &site.feeds {
        match read_feed(shared, seen, feed).await {
            Ok(items) => {
                let c = offer_all(shared, site, items, &mut seen.hints);
                source_read(site, "feed", feed, c);
                total.add(c);
            }
            Err(e) => {
                shared.metrics.add_error(&host_key(feed));
                tracing::warn!(site = %site.name, error = %e, "feed failed");
            }
        }
    }
    let mut sitemaps: VecDeque<Url> = site.sitemaps.iter().cloned().collect();
    let mut visited: HashSet<Url> = HashSet::new();
    while let Some(url) = sitemaps.pop_front() {
        if !visited.insert(url.clone()) || visited.len() > MAX_SITEMAPS {
            continue;
        }
        match read_sitemap(shared, seen, &url).await {
            Ok(map) => {
                let c = offer_all(shared, site, map.urls, &mut seen.hints);
                source_read(site, "sitemap", &url, c);
                total.add(c);
                sitemaps.extend(map.sitemaps.into_iter().map(|d| d.url));
            }
            Err(e) => {
                shared.metrics.add_error(&host_key(&url));
                tracing::warn!(site = %site.name, error = %e, "sitemap failed");
            }
        }
    }
    for page in &site.start_urls {
        match read_index(shared, page).await {
            Ok(items) => {
                let c = offer_all(shared, site, items, &mut seen.hints);
                source_read(site, "index page", page, c);
                total.add(c);
            }
            Err(e) => {
                shared.metrics.add_error(&host_key(page));
                tracing::warn!(site = %site.name, error = %e, "index page failed")
            }
        }
    }
    total
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
        url: &Url,
        kind: ResourceKind,
    ) -> Result<Option<Resource>> {
        let cond = self.validators.get(url).cloned().unwrap_or_default();
        match shared
            .pipeline
            .fetcher()
            .fetch_resource(url, kind, &cond)
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

async fn read_feed(shared: &Shared, seen: &mut Memory, url: &Url) -> Result<Vec<Discovered>> {
    match seen.fetch(shared, url, ResourceKind::Feed).await? {
        Some(res) => discover::parse_feed(&res.body, &res.final_url),
        None => Ok(Vec::new()),
    }
}

async fn read_sitemap(shared: &Shared, seen: &mut Memory, url: &Url) -> Result<discover::Sitemap> {
    match seen.fetch(shared, url, ResourceKind::Sitemap).await? {
        Some(res) => discover::parse_sitemap(&res.body, &res.final_url),
        None => Ok(discover::Sitemap::default()),
    }
}

/// Every link of an index page: the pattern is applied in [`offer_all`], which counts it.
async fn read_index(shared: &Shared, url: &Url) -> Result<Vec<Discovered>> {
    let response = shared
        .pipeline
        .fetcher()
        .fetch_page(url, &Conditional::default(), FetchOptions::default())
        .await?;
    let PageResponse::Page(page) = response else {
        return Ok(Vec::new());
    };
    let every = regex::Regex::new("").map_err(|e| crate::error::Error::InvalidUrl {
        input: url.to_string(),
        reason: e.to_string(),
    })?;
    Ok(
        discover::index_links(&page.text, &page.response.final_url, &every)
            .into_iter()
            .map(|url| Discovered {
                url,
                updated: None,
                published: None,
            })
            .collect(),
    )
}

fn offer_all(shared: &Shared, site: &Site, items: Vec<Discovered>, hints: &mut Hints) -> Counts {
    let links = items.len();
    let kept = discover::filter(items, &site.article_pattern);
    let mut counts = Counts {
        links,
        matched: kept.len(),
        new: 0,
    };
    // One entry per article (a URL listed twice keeps its latest date), pattern applied.
    for item in kept {
        let previous_hint = hints.update(&item.url, item.updated);
        match offer(shared, site, &item, previous_hint) {
            Ok(true) => counts.new += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::error!(url = %item.url, error = %e, "could not record a discovered article")
            }
        }
    }
    if counts.new > 0 {
        shared.wake.notify_one();
    }
    counts
}

/// Records one discovered URL; true when it is a new article.
///
/// `article_pattern` applies to every URL whatever its source; robots.txt is applied
/// by the fetcher, which never requests a disallowed URL.
fn offer(
    shared: &Shared,
    site: &Site,
    item: &Discovered,
    previous_hint: Option<DateTime<Utc>>,
) -> Result<bool> {
    let url = discover::canonicalize(&item.url);
    if !site.article_pattern.is_match(url.as_str()) {
        return Ok(false);
    }
    // Known-disallowed URLs are not even recorded; unknown hosts are checked at fetch time.
    let politeness = shared.pipeline.fetcher().politeness();
    if politeness.allowed(&url) == RobotsVerdict::Disallowed {
        tracing::debug!(url = %url, "discovered URL disallowed by robots.txt; skipped");
        return Ok(false);
    }
    let store = shared.store();
    let now = Utc::now();
    let (record, created) = store.ensure_article(url.as_str(), Some(&site.name), now)?;
    if created {
        politeness.apply_site_rate(&host_key(&url), site.rate);
        let spread = START_SPREAD
            .min(site.interval)
            .mul_f64(rand::random_range(0.0..0.1));
        store.set_schedule(
            url.as_str(),
            &ScheduleState {
                next_due: Some(now + to_chrono(spread)),
                interval_secs: site.interval.as_secs(),
                unchanged_streak: 0,
                failures: 0,
                track_until: Some(schedule::track_until(now, site.track_for)),
            },
        )?;
        return Ok(true);
    }
    // A feed or sitemap saying the article moved since our last look: re-check early.
    if schedule::hint_moved(previous_hint, item.updated, record.last_checked)
        && let Some(mut state) = store.schedule(url.as_str())?
        && state.next_due.is_some_and(|due| due > now)
    {
        state.next_due = Some(now);
        store.set_schedule(url.as_str(), &state)?;
        return Ok(false);
    }
    Ok(false)
}
