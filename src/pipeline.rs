//! One check of one URL: fetch (conditionally), extract, compare with the last version, store.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;

use crate::config::Config;
use crate::diff::{classify, content_hash, word_count, word_counts, word_diff};
use crate::discover::MAX_URL_LEN;
use crate::error::{Error, Result};
use crate::extract::{self, EXTRACTOR_VERSION};
use crate::fetch::{Conditional, FetchOptions, Fetcher, Page, PageResponse, Scope};
use crate::model::{
    Article, ArticleRecord, ChangeKind, Check, CheckOutcome, HttpExchange, Version,
};
use crate::notify::{Candidate, matching};
use crate::store::{Archive, CheckLog, Commit, NewVersion, Reschedule, Store};

/// Wall time one page's extraction may take before its check fails. Pages take
/// milliseconds; this only stops a hostile one from holding a check forever.
pub const EXTRACT_BUDGET: Duration = Duration::from_secs(10);

/// How many times a check compares and tries to commit when other checks of the same article
/// keep storing versions in between (each retry means one did).
const COMMIT_ATTEMPTS: u32 = 4;

/// What a scheduled check gives back once it waits only for its log entry's flush (see
/// [`Pipeline::check_scheduled`]).
pub type Release = Box<dyn FnOnce() + Send>;

/// Per-check options.
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckOptions {
    /// Fetch even when robots.txt disallows the URL (a user's explicit one-off choice).
    pub ignore_robots: bool,
    /// Fetch from any host and address (a URL the user fetches once by hand), rather than
    /// within the scope of the article's site (see [`Scope::for_article`]).
    pub anywhere: bool,
    /// Refuse to start a history for a page whose main text is under
    /// [`MIN_ARTICLE_WORDS`] (a front page snapshotted by mistake): [`Error::NotAnArticle`].
    pub require_article: bool,
    /// A check answered 304 reports no version: the latest is not read (and decompressed)
    /// just to be reported. For callers that need only the outcome (the daemon).
    pub outcome_only: bool,
}

/// Main text shorter than this, in words, is not an article (see
/// [`CheckOptions::require_article`]). Short enough for a news brief.
pub const MIN_ARTICLE_WORDS: u32 = 50;

/// What one check found.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// The article's key in the store: the canonical URL (or the page's own URL, when its
    /// canonical names another article's history).
    pub url: String,
    /// How the page compared with the last stored version.
    pub change: ChangeKind,
    /// The version now current (the new one, or the latest stored when unchanged).
    pub version: Option<Version>,
    /// HTTP status of the final response.
    pub status: u16,
    /// Fetch wall time.
    pub elapsed: Duration,
    /// The URL's next schedule (given to [`Pipeline::check_then`]) was written with the
    /// check's log entry, unless the URL had left the schedule meanwhile.
    pub rescheduled: bool,
}

impl CheckReport {
    /// The article as it stands after this check.
    pub fn article(&self) -> Option<&Article> {
        self.version.as_ref().map(|v| &v.article)
    }
}

/// Fetch → extract → compare → store, sharing one fetcher and archive across checks. The
/// archive is sled's [`Store`] unless said otherwise (PostgreSQL for a cluster of daemons).
#[derive(Clone)]
pub struct Pipeline<A: Archive = Store> {
    fetcher: Fetcher,
    store: A,
    config: Arc<Config>,
    /// Batches the log of checks that made no version (the daemon's); else one write each.
    check_log: Option<CheckLog>,
}

impl Pipeline<Store> {
    /// The store this pipeline writes to.
    pub fn store(&self) -> &Store {
        &self.store
    }
}

impl<A: Archive> Pipeline<A> {
    /// Builds a pipeline over an opened archive.
    pub fn new(config: Arc<Config>, fetcher: Fetcher, store: A) -> Self {
        Pipeline {
            fetcher,
            store,
            config,
            check_log: None,
        }
    }

    /// Logs checks that made no version through `log`: batched, and answered once flushed.
    pub fn with_check_log(mut self, log: CheckLog) -> Self {
        self.check_log = Some(log);
        self
    }

    /// Logs a check that made no version, with the exchange of a 304 (`capture`). Batched
    /// when the pipeline has a check log, `then` (the URL's next schedule) written in the
    /// same transaction; true when it was. `release` is called once the check is handed
    /// to the batch, before waiting for its flush.
    async fn log_check(
        &self,
        key: &str,
        check: Check,
        capture: Option<Box<HttpExchange>>,
        then: Option<Reschedule>,
        release: Option<Release>,
    ) -> Result<bool> {
        match &self.check_log {
            Some(log) => {
                let folded = then.is_some();
                let flushed = log.submit(key, check, capture, then);
                if let Some(release) = release {
                    release();
                }
                flushed.await?;
                Ok(folded)
            }
            None => {
                self.store.record_check(key, check, capture).await?;
                Ok(false)
            }
        }
    }

    /// The archive this pipeline writes to.
    pub fn archive(&self) -> &A {
        &self.store
    }

    /// The fetcher this pipeline reads with.
    pub fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    /// What the store holds for `url` before a check: its key, record and latest version.
    async fn known(
        &self,
        url: &Url,
    ) -> Result<(Option<String>, Option<ArticleRecord>, Option<Version>)> {
        let (key, record) = self.known_record(url).await?;
        let latest = self.latest_of(record.as_ref()).await?;
        Ok((key, record, latest))
    }

    /// The key and record the store holds for `url`, without its latest version.
    async fn known_record(&self, url: &Url) -> Result<(Option<String>, Option<ArticleRecord>)> {
        let Some(key) = self.store.resolve(url.as_str()).await? else {
            return Ok((None, None));
        };
        let record = self.store.article_exact(&key).await?;
        Ok((Some(key), record))
    }

    /// The latest version of the article `record` describes, if it has one.
    async fn latest_of(&self, record: Option<&ArticleRecord>) -> Result<Option<Version>> {
        match record {
            Some(r) if r.versions > 0 => self.store.version_exact(&r.url, r.versions).await,
            _ => Ok(None),
        }
    }

    /// Checks `url` once. A new state is committed and flushed before this returns.
    ///
    /// A failed fetch of a tracked article is logged in its check log and returned as the error.
    pub async fn check(&self, url: &Url, opts: CheckOptions) -> Result<CheckReport> {
        self.check_then(url, opts, None).await
    }

    /// [`Pipeline::check`] of a scheduled URL: `then` is its next schedule should the page
    /// prove unchanged (answered 304, or read the same) and still answer at `then.url`. With
    /// a batched check log it is written in the check's own transaction, and the report's
    /// `rescheduled` says so; otherwise the caller reschedules.
    pub async fn check_then(
        &self,
        url: &Url,
        opts: CheckOptions,
        then: Option<Reschedule>,
    ) -> Result<CheckReport> {
        self.check_scheduled(url, opts, then, None).await
    }

    /// [`Pipeline::check_then`] calling `release` once the check has done its work and
    /// only waits for its batched log entry to be flushed (a 304, an unchanged page): the
    /// daemon gives the host's request slot back then, so the batch window does not limit
    /// how many checks a host gets through. Not called for a check that stores a version
    /// or fails.
    #[tracing::instrument(level = "debug", skip(self, then, release), fields(url = %url))]
    pub async fn check_scheduled(
        &self,
        url: &Url,
        opts: CheckOptions,
        then: Option<Reschedule>,
        release: Option<Release>,
    ) -> Result<CheckReport> {
        // The latest version is read only once it is needed (a page to compare, a 304 to
        // report): decompressing it for every conditional GET was most of a 304's store reads.
        let (key, record) = self.known_record(url).await?;
        // Validators are only worth sending when we hold the version they describe.
        let cond = match &record {
            Some(r) if r.versions > 0 => Conditional {
                etag: r.etag.clone(),
                last_modified: r.last_modified.clone(),
            },
            _ => Conditional::default(),
        };
        let scope = if opts.anywhere {
            Scope::Any
        } else {
            let site = record.as_ref().and_then(|r| r.site.as_deref());
            Scope::for_article(&self.config, site, url)
        };
        let fetch_opts = FetchOptions {
            ignore_robots: opts.ignore_robots,
            scope: scope.clone(),
        };
        let started = std::time::Instant::now();
        let response = match self.fetcher.fetch_page(url, &cond, fetch_opts).await {
            Ok(r) => r,
            Err(err) => {
                // A check put off because its host is held off sent nothing: not a check.
                if let Some(k) = key
                    .as_ref()
                    .filter(|_| !matches!(err, Error::HostHeldOff { .. }))
                {
                    self.log_failure(k, &err, started.elapsed()).await?;
                }
                return Err(err);
            }
        };
        let page = match response {
            PageResponse::NotModified {
                status,
                elapsed,
                exchange,
                ..
            } => {
                let key = key.unwrap_or_else(|| url.to_string());
                let check = Check::now(CheckOutcome::NotModified, Some(status), elapsed);
                let latest = if opts.outcome_only {
                    None
                } else {
                    self.latest_of(record.as_ref()).await?
                };
                let then = then.filter(|t| answers_at(latest.as_ref(), &t.url));
                let rescheduled = self
                    .log_check(&key, check, Some(exchange), then, release)
                    .await?;
                return Ok(CheckReport {
                    url: key,
                    change: ChangeKind::Unchanged,
                    version: latest,
                    status,
                    elapsed,
                    rescheduled,
                });
            }
            PageResponse::Page(page) => page,
        };
        let latest = self.latest_of(record.as_ref()).await?;
        let seen = Seen {
            key,
            latest,
            scope,
            then,
            release,
        };
        self.store_page(url, seen, page, opts, None).await
    }

    /// Stores what a WARC file holds: a page fetched from `url` at `at` by another tool,
    /// through the same extraction, comparison and commit as a live check (the key and
    /// latest version are read first, as a check reads them before fetching).
    pub async fn import_page(
        &self,
        url: &Url,
        page: Page,
        at: DateTime<Utc>,
    ) -> Result<CheckReport> {
        let (key, record, latest) = self.known(url).await?;
        let site = record.as_ref().and_then(|r| r.site.as_deref());
        let scope = Scope::for_article(&self.config, site, url);
        let seen = Seen {
            key,
            latest,
            scope,
            then: None,
            release: None,
        };
        self.store_page(url, seen, page, CheckOptions::default(), Some(at))
            .await
    }

    /// Extracts a fetched page, compares it with the article's latest version and stores a
    /// version or a check. `at` is the check's time when it is not now (an imported capture).
    async fn store_page(
        &self,
        url: &Url,
        seen: Seen,
        mut page: Page,
        opts: CheckOptions,
        at: Option<DateTime<Utc>>,
    ) -> Result<CheckReport> {
        let Seen {
            key,
            latest,
            scope,
            mut then,
            mut release,
        } = seen;
        let site = self.config.site_for(&page.response.final_url);
        let article = self
            .extract(key.as_deref(), &mut page, site.map(|s| s.selectors.clone()))
            .await?;
        let final_url = &page.response.final_url;
        let words = word_count(&article.text);
        if opts.require_article && latest.is_none() && words < MIN_ARTICLE_WORDS {
            return Err(Error::NotAnArticle {
                url: final_url.to_string(),
                words,
                min: MIN_ARTICLE_WORDS,
            });
        }
        let own = crate::discover::canonicalize(final_url).to_string();
        let declared = canonical_key(final_url, article.canonical.as_deref(), &scope);
        // A tracked article read before the fetch is where `choose_key` would land first;
        // its version is reused rather than read and decompressed again. Should another
        // check store a version meanwhile, the conditional commit refuses and the retry
        // reads afresh.
        let mut known = match (key, latest) {
            (Some(k), Some(v)) => Some((k, Some(v))),
            _ => None,
        };
        let mut attempt = 1;
        loop {
            let (key, latest) = match known.take() {
                Some(found) => found,
                None => {
                    self.choose_key(url, &declared, &own, final_url, &article)
                        .await?
                }
            };
            let change = classify(latest.as_ref().map(|v| &v.article), &article);
            let check = checked(&page, change, at);
            if change == ChangeKind::Unchanged {
                let then = then.take().filter(|t| answers_at(latest.as_ref(), &t.url));
                let rescheduled = self
                    .log_check(&key, check, None, then, release.take())
                    .await?;
                self.add_aliases(&key, url, final_url).await?;
                return Ok(CheckReport {
                    url: key,
                    change,
                    version: latest,
                    status: page.response.status,
                    elapsed: page.response.elapsed,
                    rescheduled,
                });
            }
            let site_name = site.map(|s| s.name.clone());
            let based_on = latest.as_ref().map_or(0, |v| v.number);
            let version = new_version(latest.as_ref(), &article, change, &page, check.at);
            let notify = matching(
                &self.config.notify,
                &Candidate {
                    site: site_name.as_deref(),
                    change,
                    before: latest.as_ref().map(|v| &v.article),
                    after: &article,
                    words: version.words_added + version.words_removed,
                },
            );
            let commit = Commit {
                key: key.clone(),
                based_on,
                site: site_name,
                notify,
                version,
                body: page.response.body.clone(),
                exchange: page.response.exchange.clone(),
                check,
            };
            let stored = match self.store.commit(commit).await {
                Ok(v) => v,
                // Another check (another URL of this article) stored a version since we
                // compared: compare again with it, which may well find this state unchanged.
                Err(Error::StaleVersion { current, .. }) if attempt < COMMIT_ATTEMPTS => {
                    tracing::debug!(url = %key, based_on, current, attempt, "stale comparison; comparing again");
                    attempt += 1;
                    continue;
                }
                Err(e) => return Err(e),
            };
            self.add_aliases(&key, url, final_url).await?;
            tracing::info!(url = %key, version = stored.number, change = %change, "stored version");
            return Ok(CheckReport {
                url: key,
                change,
                version: Some(stored),
                status: page.response.status,
                elapsed: page.response.elapsed,
                rescheduled: false,
            });
        }
    }

    /// The article in `page` (its HTML is taken), read off the async workers with its site's
    /// `selectors`; a page that cannot be read is a failed check of the tracked article `key`.
    async fn extract(
        &self,
        key: Option<&str>,
        page: &mut Page,
        selectors: Option<crate::config::Selectors>,
    ) -> Result<Article> {
        let read = extract_off_workers(
            std::mem::take(&mut page.text),
            page.response.final_url.clone(),
            selectors,
        )
        .await;
        if let (Err(err), Some(k)) = (&read, key) {
            self.log_failure(k, err, page.response.elapsed).await?;
        }
        read
    }

    /// The key of the article a fetched page is a state of, and that article's latest version.
    ///
    /// An article with a history keeps its key even if the page's canonical link moves.
    /// Otherwise the page's declared canonical (`declared`) is the key, and every other way in
    /// becomes an alias of it, when that key has no history yet, or when it is the page's own
    /// URL, or when the page is plausibly the same document reached another way (see
    /// [`same_document`]). A page that declares as canonical an article whose history is a
    /// different document (syndicated copies all naming the wire's URL, a site pointing many
    /// articles at one section page) is keyed by its own canonicalised URL (`own`) instead, so
    /// distinct articles never share one record and flip between each other on every check.
    /// So is a page naming an article that is already tracked but not read yet (found by a
    /// feed or sitemap, or watched): that article's first version must come from its own page,
    /// never from another page claiming to be it.
    async fn choose_key(
        &self,
        url: &Url,
        declared: &str,
        own: &str,
        final_url: &Url,
        article: &Article,
    ) -> Result<(String, Option<Version>)> {
        if let Some(k) = self.store.resolve(url.as_str()).await? {
            if let Some(latest) = self.store.latest(&k).await? {
                return Ok((k, Some(latest)));
            }
        }
        let target = self
            .store
            .resolve(declared)
            .await?
            .unwrap_or_else(|| declared.to_owned());
        // The record before its version: a record read first tells truly whether the
        // article has versions, where reading the version first could miss one committed
        // in between and then find its record, taking a fresh article for a version-less
        // one (and storing a duplicate under the page's own URL).
        // `target` is resolved already: its record is read as it is, not looked up again.
        let record = self.store.article_exact(&target).await?;
        let latest = match &record {
            Some(r) if r.versions > 0 => self.store.latest(&target).await?,
            _ => None,
        };
        let latest = match latest {
            None if declared != own && record.is_some() => return self.own_key(own).await,
            None => return Ok((target, None)),
            Some(v) => v,
        };
        if declared == own || same_document(&latest, final_url, article) {
            return Ok((target, Some(latest)));
        }
        // Own URL already an alias of `target` (it was let in before): still the same article.
        let own_key = self
            .store
            .resolve(own)
            .await?
            .unwrap_or_else(|| own.to_owned());
        let latest = if own_key == target {
            Some(latest)
        } else {
            self.store.latest(&own_key).await?
        };
        Ok((own_key, latest))
    }

    /// The key a page has by its own URL (`own`, canonicalised), and that article's latest
    /// version.
    async fn own_key(&self, own: &str) -> Result<(String, Option<Version>)> {
        let key = self
            .store
            .resolve(own)
            .await?
            .unwrap_or_else(|| own.to_owned());
        let latest = self.store.latest(&key).await?;
        Ok((key, latest))
    }

    /// Records the requested and the final URL as aliases of `key` (both may be `key` itself).
    ///
    /// Only once the check is stored under `key`: a check that lost a race and chose another
    /// key on its retry must not have aliased its URL into the first key's article.
    async fn add_aliases(&self, key: &str, url: &Url, final_url: &Url) -> Result<()> {
        for alias in [url.as_str(), final_url.as_str()] {
            if alias != key {
                self.store.add_alias(alias, key).await?;
            }
        }
        Ok(())
    }

    async fn log_failure(&self, key: &str, err: &Error, elapsed: Duration) -> Result<()> {
        let status = match err {
            Error::HttpStatus { status, .. } => Some(*status),
            _ => None,
        };
        let check = Check::now(
            CheckOutcome::Failed {
                error: err.to_string(),
            },
            status,
            elapsed,
        );
        self.store.record_check(key, check, None).await
    }
}

/// The check a fetched page makes, at `at` when it is not now (an imported capture).
fn checked(page: &Page, change: ChangeKind, at: Option<DateTime<Utc>>) -> Check {
    let mut check = Check {
        bytes: page.response.body.len() as u64,
        etag: page.response.etag.clone(),
        last_modified: page.response.last_modified.clone(),
        ..Check::now(
            CheckOutcome::Checked {
                change,
                version: None,
            },
            Some(page.response.status),
            page.response.elapsed,
        )
    };
    if let Some(at) = at {
        check.at = at;
    }
    check
}

/// The version `article` makes after `latest` (a `change`), with its word counts.
fn new_version(
    latest: Option<&Version>,
    article: &Article,
    change: ChangeKind,
    page: &Page,
    fetched_at: DateTime<Utc>,
) -> NewVersion {
    let (words_added, words_removed) = match latest {
        Some(prev) => word_counts(&word_diff(&prev.article.text, &article.text)),
        // A first version adds every word; no diff needed to count them.
        None => (word_count(&article.text), 0),
    };
    NewVersion {
        fetched_at,
        change,
        text_hash: content_hash(article),
        article: article.clone(),
        words_added,
        words_removed,
        extractor_version: EXTRACTOR_VERSION,
        encoding: Some(page.encoding.to_owned()),
        fetched_url: page.response.final_url.to_string(),
    }
}

/// What a check knew of the article before its page arrived: the key it was found under,
/// its latest version, and where its pages may come from.
struct Seen {
    key: Option<String>,
    latest: Option<Version>,
    scope: Scope,
    /// The next schedule of the URL should the page prove unchanged.
    then: Option<Reschedule>,
    /// Called once an unchanged check waits only for its log entry's flush.
    release: Option<Release>,
}

/// Whether an unchanged article still answers at `url`, where its re-check is scheduled:
/// the daemon moves the schedule to where the latest version was fetched, so the schedule
/// can be written with the check only when that is `url` (or no version was read).
fn answers_at(latest: Option<&Version>, url: &str) -> bool {
    latest.is_none_or(|v| v.fetched_url == url)
}

/// Extracts `html` on the blocking pool, so parsing never holds an async worker (other
/// hosts' checks, the web UI and the socket run there), within [`EXTRACT_BUDGET`].
///
/// A page nested deeper than [`extract::depth::MAX_DEPTH`] is refused before parsing: no
/// article nests that deep, and the parser's cost grows with the square of the depth. A
/// page over budget fails its check; its thread finishes in the background.
async fn extract_off_workers(
    html: String,
    url: Url,
    selectors: Option<crate::config::Selectors>,
) -> Result<Article> {
    let page = url.to_string();
    let task = tokio::task::spawn_blocking(move || {
        let depth = extract::depth::deepest(&html);
        if depth > extract::depth::MAX_DEPTH {
            return Err(Error::Extract {
                url: url.to_string(),
                reason: format!(
                    "elements nested {depth} deep, over the limit of {}",
                    extract::depth::MAX_DEPTH
                ),
            });
        }
        let opts = extract::Options {
            url: Some(&url),
            selectors: selectors.as_ref(),
        };
        Ok(extract::extract(&html, &opts))
    });
    match tokio::time::timeout(EXTRACT_BUDGET, task).await {
        Ok(Ok(article)) => article,
        Ok(Err(e)) => Err(Error::Extract {
            url: page,
            reason: format!("extraction failed: {e}"),
        }),
        Err(_) => Err(Error::Extract {
            url: page,
            reason: format!("extraction took longer than {EXTRACT_BUDGET:?}"),
        }),
    }
}

/// Whether a page joining the history of the article whose latest version is `latest` (the
/// article its `rel=canonical` names) is that article reached through another URL (a trailing
/// slash, a `?ref=` parameter, a redirect), rather than a different article naming the same
/// canonical: it was fetched from the same host as `latest`, and it reads the same (title and
/// text, quotes folded; the stamp may differ).
///
/// Trade-offs: an article tracked from one host and later also reached through a URL on
/// another host that is neither its canonical nor redirected from a tracked URL (a site that
/// moved domain, a separate mobile host) starts a new record there; so does a second URL of an
/// article first seen just after an edit its history has not recorded yet. Both duplicate a
/// history rather than corrupt one; merging distinct articles would make one record flip
/// between them on every check.
fn same_document(latest: &Version, final_url: &Url, article: &Article) -> bool {
    let same_host = Url::parse(&latest.fetched_url)
        .is_ok_and(|u| u.host_str().is_some() && u.host_str() == final_url.host_str());
    same_host && crate::diff::same_content(&latest.article, article)
}

/// The store key of a fetched page: its `rel=canonical` when that is an http(s) URL no longer
/// than [`MAX_URL_LEN`] and, for a page of a configured site, on one of the site's hosts (a
/// canonical elsewhere would let one site's page write into the history of any URL); else
/// where it was fetched from. A page outside every site may name any host (a syndicated copy
/// naming the wire's URL); [`Pipeline::choose_key`] keeps such copies apart.
fn canonical_key(final_url: &Url, canonical: Option<&str>, scope: &Scope) -> String {
    let within = |c: &Url| match scope {
        Scope::Site(site) => site.has_host(c),
        Scope::Any | Scope::Public => true,
    };
    let chosen = canonical
        .filter(|c| c.len() <= MAX_URL_LEN)
        .and_then(|c| final_url.join(c).ok())
        .filter(|c| matches!(c.scheme(), "http" | "https") && within(c))
        .unwrap_or_else(|| final_url.clone());
    crate::discover::canonicalize(&chosen).to_string()
}
