//! Validation of the raw config into [`Config`] types, collecting every error with its position.

use std::num::NonZeroUsize;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use regex::Regex;
use toml::Spanned;
use url::Url;

use super::raw::{RawCrawler, RawSelectors, RawSite};
use super::{
    Crawler, DEFAULT_INTERVAL, DEFAULT_MAX_INTERVAL, DEFAULT_TRACK_FOR, Selectors, Site, located,
};
use crate::error::Error;

/// Slowest accepted `rate`: one request a day. Slower rates would mean spacings the rate
/// limiter cannot represent, and no site needs them.
const MIN_RATE: f64 = 1.0 / 86_400.0;
/// Fastest accepted `rate`.
const MAX_RATE: f64 = 1000.0;
/// Longest accepted duration (`interval`, `max_interval`, `track_for`): longer ones would
/// overflow date arithmetic and mean "never" anyway.
const MAX_DURATION: Duration = Duration::from_secs(10 * 365 * 86_400);

pub(super) struct Validator<'a> {
    pub(super) path: &'a Path,
    pub(super) text: &'a str,
    pub(super) errors: Vec<Error>,
}

impl Validator<'_> {
    pub(super) fn err(&mut self, span: Range<usize>, message: String) {
        self.errors
            .push(located(self.path, self.text, span, message));
    }

    pub(super) fn crawler(&mut self, raw: RawCrawler) -> Crawler {
        let mut c = Crawler::default();
        if let Some(ua) = raw.user_agent {
            if ua.get_ref().trim().is_empty() {
                self.err(ua.span(), "[crawler] user_agent must not be empty".into());
            } else {
                c.user_agent = ua.into_inner();
            }
        }
        c.db = raw.db;
        if let Some(n) = raw.concurrency {
            match usize::try_from(*n.get_ref())
                .ok()
                .and_then(NonZeroUsize::new)
            {
                Some(n) => c.concurrency = n,
                None => self.err(n.span(), "[crawler] concurrency must be at least 1".into()),
            }
        }
        if let Some(d) = raw
            .timeout
            .and_then(|d| self.duration("[crawler] timeout", d))
        {
            c.timeout = d;
        }
        if let Some(d) = raw
            .connect_timeout
            .and_then(|d| self.duration("[crawler] connect_timeout", d))
        {
            c.connect_timeout = d;
        }
        if let Some(n) = raw.max_body {
            match u64::try_from(*n.get_ref()) {
                Ok(b) if b >= 1024 => c.max_body = b,
                _ => self.err(
                    n.span(),
                    "[crawler] max_body must be at least 1024 bytes".into(),
                ),
            }
        }
        if let Some(l) = raw.listen {
            match l.get_ref().parse() {
                Ok(a) => c.listen = Some(a),
                Err(e) => self.err(l.span(), format!("[crawler] listen {:?}: {e}", l.get_ref())),
            }
        }
        c
    }

    pub(super) fn duration(&mut self, what: &str, raw: Spanned<String>) -> Option<Duration> {
        match humantime::parse_duration(raw.get_ref()) {
            Ok(d) if !d.is_zero() && d <= MAX_DURATION => Some(d),
            Ok(d) if d.is_zero() => {
                self.err(raw.span(), format!("{what} must be longer than zero"));
                None
            }
            Ok(_) => {
                self.err(raw.span(), format!("{what} must be at most 10 years"));
                None
            }
            Err(e) => {
                self.err(
                    raw.span(),
                    format!(
                        "{what} {:?}: {e} (write e.g. \"90s\", \"15m\", \"1d\")",
                        raw.get_ref()
                    ),
                );
                None
            }
        }
    }

    fn urls(&mut self, site: &str, key: &str, raw: Vec<Spanned<String>>) -> Vec<Url> {
        let mut out = Vec::with_capacity(raw.len());
        for u in raw {
            match Url::parse(u.get_ref()) {
                Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {
                    out.push(url)
                }
                Ok(_) => self.err(
                    u.span(),
                    format!(
                        "site {site:?}: {key} entry {:?} is not an http(s) URL",
                        u.get_ref()
                    ),
                ),
                Err(e) => self.err(
                    u.span(),
                    format!("site {site:?}: {key} entry {:?}: {e}", u.get_ref()),
                ),
            }
        }
        out
    }

    pub(super) fn site(&mut self, raw: RawSite) -> Option<Site> {
        let name_span = raw.name.span();
        let name = raw.name.into_inner();
        if name.trim().is_empty() {
            self.err(name_span.clone(), "site name must not be empty".into());
        }
        let feeds = self.urls(&name, "feeds", raw.feeds);
        let sitemaps = self.urls(&name, "sitemaps", raw.sitemaps);
        let start_urls = self.urls(&name, "start_urls", raw.start_urls);
        if feeds.is_empty() && sitemaps.is_empty() && start_urls.is_empty() {
            self.err(
                name_span.clone(),
                format!("site {name:?}: needs at least one of feeds, sitemaps or start_urls"),
            );
        }
        let article_pattern = match raw.article_pattern {
            Some(p) => match Regex::new(p.get_ref()) {
                Ok(r) => Some(r),
                Err(e) => {
                    // Multi-line on purpose: the regex crate draws a caret under the fault.
                    self.err(p.span(), format!("site {name:?}: article_pattern: {e}"));
                    None
                }
            },
            None => {
                self.err(
                    name_span.clone(),
                    format!("site {name:?}: article_pattern is required"),
                );
                None
            }
        };
        let what = |k: &str| format!("site {name:?}: {k}");
        let interval = match raw.interval {
            Some(d) => self.duration(&what("interval"), d),
            None => Some(DEFAULT_INTERVAL),
        };
        let max_span = raw.max_interval.as_ref().map(Spanned::span);
        let max_interval = match raw.max_interval {
            Some(d) => self.duration(&what("max_interval"), d),
            None => interval.map(|i| i.max(DEFAULT_MAX_INTERVAL)),
        };
        if let (Some(i), Some(m), Some(span)) = (interval, max_interval, max_span)
            && m < i
        {
            self.err(
                span,
                format!("site {name:?}: max_interval must not be shorter than interval"),
            );
        }
        let track_for = match raw.track_for {
            Some(d) => self.duration(&what("track_for"), d),
            None => Some(DEFAULT_TRACK_FOR),
        };
        let rate = match raw.rate {
            Some(r) if (MIN_RATE..=MAX_RATE).contains(r.get_ref()) => Some(*r.get_ref()),
            Some(r) => {
                self.err(
                    r.span(),
                    format!(
                        "site {name:?}: rate must be a number of requests per second from \
                         {MIN_RATE:.7} (one a day) to {MAX_RATE}"
                    ),
                );
                None
            }
            None => Some(1.0),
        };
        let selectors = match raw.selectors {
            Some(s) => {
                let span = s.span();
                self.selectors(&name, span, s.into_inner())
            }
            None => Some(Selectors::default()),
        };
        let mut hosts = Vec::with_capacity(raw.hosts.len());
        for entry in raw.hosts {
            match super::hosts::parse_site_host(entry.get_ref()) {
                Ok(h) => hosts.push(h),
                Err(e) => self.err(
                    entry.span(),
                    format!("site {name:?}: hosts entry {:?} {e}", entry.get_ref()),
                ),
            }
        }
        Some(Site {
            name,
            feeds,
            sitemaps,
            start_urls,
            article_pattern: article_pattern?,
            interval: interval?,
            max_interval: max_interval?,
            rate: rate?,
            track_for: track_for?,
            selectors: selectors?,
            hosts,
            allow_private: raw.allow_private.unwrap_or(false),
        })
    }

    fn selectors(
        &mut self,
        site: &str,
        span: Range<usize>,
        raw: RawSelectors,
    ) -> Option<Selectors> {
        let mut ok = true;
        let fields = [
            ("content", &raw.content),
            ("title", &raw.title),
            ("byline", &raw.byline),
            ("last_update", &raw.last_update),
        ];
        let all = fields
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| (*k, v)))
            .chain(raw.exclude.iter().map(|v| ("exclude", v)));
        for (key, css) in all {
            if let Err(e) = scraper::Selector::parse(css) {
                self.err(
                    span.clone(),
                    format!(
                        "site {site:?}: selectors.{key} {css:?} is not a valid CSS selector: {e}"
                    ),
                );
                ok = false;
            }
        }
        if let Some(tz) = &raw.timezone
            && tz.parse::<chrono_tz::Tz>().is_err()
            && tz.parse::<chrono::FixedOffset>().is_err()
        {
            self.err(
                span.clone(),
                format!("site {site:?}: selectors.timezone {tz:?} is neither an IANA zone nor an offset like +04:00"),
            );
            ok = false;
        }
        ok.then_some(Selectors {
            content: raw.content,
            title: raw.title,
            byline: raw.byline,
            last_update: raw.last_update,
            format: raw.format,
            timezone: raw.timezone,
            exclude: raw.exclude,
        })
    }
}
