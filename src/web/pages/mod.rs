//! The HTML pages and the small operational endpoints, one file per page.

pub mod article;
pub mod articles;
pub mod card;
pub mod diff;
pub mod memento;
pub mod ops;
pub mod raw;
pub mod recent;
pub mod search;
pub mod sites;
pub mod stats;
pub mod version;

use super::respond::WebError;
use crate::store::ArchiveRead;

/// The canonical URL of a tracked article (resolving aliases), or a 404.
pub(crate) fn canonical(store: &dyn ArchiveRead, url: &str) -> Result<String, WebError> {
    let url = url.trim();
    if url.is_empty() {
        return Err(WebError::BadRequest("missing ?url= parameter".to_owned()));
    }
    store
        .resolve(url)?
        .ok_or_else(|| WebError::NotFound(format!("{url}: not tracked")))
}
