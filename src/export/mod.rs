//! Exports of the stored history: WARC for archives and replay tools (`warc.rs`), one row
//! per version for datasets (`dataset.rs`). Both stream article by article, so memory stays
//! flat however large the database.

mod dataset;
mod warc;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::model::{ArticleRecord, Version};
use crate::store::ArchiveRead;

pub use dataset::{Format, export_dataset};
pub use warc::{WarcStats, export_warc};

/// Articles read per page while walking the whole database or a site.
const PAGE: usize = 500;

/// Which versions an export holds.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// These articles only (any URL of each: aliases resolve); empty means all.
    pub urls: Vec<String>,
    /// Articles of this site only.
    pub site: Option<String>,
    /// Versions and checks at or after this time only.
    pub since: Option<DateTime<Utc>>,
}

impl Selection {
    /// Whether something fetched at `t` is in the selection's time range.
    pub fn includes(&self, t: DateTime<Utc>) -> bool {
        self.since.is_none_or(|s| t >= s)
    }

    /// Calls `f` with each selected article and all of its versions (oldest first; the
    /// caller applies [`Selection::includes`], since a later record may refer to an earlier
    /// version). A named URL that is not tracked is [`Error::NotTracked`].
    pub fn for_each(
        &self,
        store: &dyn ArchiveRead,
        mut f: impl FnMut(&ArticleRecord, Vec<Version>) -> Result<()>,
    ) -> Result<()> {
        if !self.urls.is_empty() {
            for url in &self.urls {
                let not_tracked = || Error::NotTracked { url: url.clone() };
                let rec = store.article(url)?.ok_or_else(not_tracked)?;
                if self
                    .site
                    .as_deref()
                    .is_none_or(|s| rec.site.as_deref() == Some(s))
                {
                    let versions = store.versions(&rec.url)?;
                    f(&rec, versions)?;
                }
            }
            return Ok(());
        }
        let mut after: Option<String> = None;
        loop {
            let page = match &self.site {
                Some(site) => store.list_site(site, after.as_deref(), PAGE)?,
                None => store.list(after.as_deref(), PAGE)?,
            };
            let Some(last) = page.last() else {
                return Ok(());
            };
            after = Some(last.url.clone());
            for rec in &page {
                if rec.versions > 0 {
                    f(rec, store.versions(&rec.url)?)?;
                }
            }
        }
    }
}
