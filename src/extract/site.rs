//! Per-site overrides from sites.toml (`[site.selectors]`): content, title, byline, last_update and exclude, with a warning once per selector that matches nothing.

use std::collections::{HashMap, HashSet};
use std::sync::{LazyLock, Mutex};

use scraper::{Html, Selector};

use super::dates::{self, Hints};
use super::dom::{Dom, attr};
use super::metadata::Found;
use super::stamps::{self, StampKind};
use crate::config::Selectors;
use crate::model::FieldSource;

/// Selectors already reported, so a daemon checking a site hourly logs each problem once.
static WARNED: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(|| Mutex::new(HashSet::new()));

fn warn_once(host: &str, field: &str, css: &str, why: &str) {
    let key = format!("{host}\u{0}{field}\u{0}{css}");
    let first = WARNED.lock().map(|mut w| w.insert(key)).unwrap_or(false);
    if first {
        tracing::warn!(
            site = host,
            field,
            selector = css,
            "site selector {why}; using the generic extractor"
        );
    }
}

/// The site's selectors, resolved against one page.
pub(crate) struct Site<'d, 'a> {
    doc: &'a Html,
    sel: Option<&'d Selectors>,
    index: HashMap<ego_tree::NodeId, usize>,
    dom: &'d Dom<'a>,
    host: String,
}

impl<'d, 'a> Site<'d, 'a> {
    /// Prepares the lookups; cheap when the site has no selectors.
    pub(crate) fn new(
        doc: &'a Html,
        dom: &'d Dom<'a>,
        sel: Option<&'d Selectors>,
        url: Option<&url::Url>,
    ) -> Self {
        let any = sel.is_some_and(|s| {
            s.content.is_some()
                || s.title.is_some()
                || s.byline.is_some()
                || s.last_update.is_some()
                || !s.exclude.is_empty()
        });
        let index = if any {
            dom.nodes
                .iter()
                .enumerate()
                .map(|(i, n)| (n.id, i))
                .collect()
        } else {
            HashMap::new()
        };
        let host = url
            .and_then(|u| u.host_str())
            .unwrap_or("(unknown site)")
            .to_owned();
        Site {
            doc,
            sel,
            index,
            dom,
            host,
        }
    }

    fn matches(&self, field: &str, css: &str) -> Vec<usize> {
        let Ok(selector) = Selector::parse(css) else {
            warn_once(&self.host, field, css, "does not parse");
            return Vec::new();
        };
        let found: Vec<usize> = self
            .doc
            .select(&selector)
            .filter_map(|e| self.index.get(&e.id()).copied())
            .collect();
        if found.is_empty() {
            warn_once(&self.host, field, css, "matches nothing");
        }
        found
    }

    /// Flags for the subtrees `exclude` drops.
    pub(crate) fn exclude(&self, n: usize) -> Vec<bool> {
        let mut flags = vec![false; n];
        for css in self.sel.map(|s| s.exclude.as_slice()).unwrap_or_default() {
            for i in self.matches("exclude", css) {
                if let Some(f) = flags.get_mut(i) {
                    *f = true;
                }
            }
        }
        flags
    }

    /// The content roots, outermost matches only, or `None` to use the generic path.
    pub(crate) fn content(&self) -> Option<Vec<usize>> {
        let css = self.sel?.content.as_deref()?;
        let found = self.matches("content", css);
        let mut roots: Vec<usize> = Vec::new();
        for i in found {
            if !roots.iter().any(|&r| self.dom.contains(r, i)) {
                roots.push(i);
            }
        }
        (!roots.is_empty()).then_some(roots)
    }

    fn first_text(&self, field: &str, css: Option<&str>) -> Option<String> {
        let i = *self.matches(field, css?).first()?;
        let t = self.dom.text_of(i);
        (!t.is_empty()).then_some(t)
    }

    /// The headline by selector.
    pub(crate) fn title(&self) -> Found {
        self.first_text("title", self.sel?.title.as_deref())
            .map(|t| (t, FieldSource::Selector))
    }

    /// The byline by selector.
    pub(crate) fn byline(&self) -> Found {
        self.first_text("byline", self.sel?.byline.as_deref())
            .map(|t| stamps::clean_byline(&t))
            .filter(|t| !t.is_empty())
            .map(|t| (t, FieldSource::Selector))
    }

    /// The stamp by selector: `datetime`/`content` attribute, else its text (label allowed), normalised when parseable.
    pub(crate) fn last_update(&self, hints: &Hints<'_>) -> Found {
        let css = self.sel?.last_update.as_deref()?;
        let i = *self.matches("last_update", css).first()?;
        let el = self.dom.element(i)?;
        let raw = attr(el, "datetime")
            .or_else(|| attr(el, "content"))
            .map(str::to_owned)
            .unwrap_or_else(|| self.dom.text_of(i));
        let value = stamps::labelled(&raw, StampKind::Updated, hints)
            .map(|s| s.format(hints))
            .or_else(|| dates::normalize(&raw, hints))
            .unwrap_or(raw);
        (!value.is_empty()).then_some((value, FieldSource::Selector))
    }
}
