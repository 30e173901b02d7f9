//! What an owner does for itself and for its clients alike: check a URL now, watch one.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::config::Config;
use crate::error::Result;
use crate::model::{ChangeKind, Version};
use crate::pipeline::{CheckOptions, CheckReport, Pipeline};
use crate::store::{Archive, ScheduleState, Schedules};
use crate::watchlist::{self, FirstCheck};

/// The outcome of a `snapshot`, as the socket carries it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapshotReply {
    /// The article's key: its canonical URL.
    pub url: String,
    /// How the page compared with the last stored version.
    pub change: ChangeKind,
    /// The version now current.
    pub version: Option<Version>,
}

impl From<CheckReport> for SnapshotReply {
    fn from(r: CheckReport) -> Self {
        SnapshotReply {
            url: r.url,
            change: r.change,
            version: r.version,
        }
    }
}

/// The outcome of a `watch`, as the socket carries it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WatchReply {
    /// The article (its canonical URL once checked).
    pub url: String,
    /// Its schedule from now on.
    pub state: ScheduleState,
}

/// Checks `url` now.
pub async fn snapshot<A: Archive>(
    pipeline: &Pipeline<A>,
    url: &Url,
    ignore_robots: bool,
    force: bool,
) -> Result<SnapshotReply> {
    let report = pipeline
        .check(
            url,
            CheckOptions {
                ignore_robots,
                // A URL the user fetches once by hand may be anywhere, their intranet included.
                anywhere: true,
                // A page without an article body is stored only when asked for.
                require_article: !force,
                outcome_only: false,
            },
        )
        .await?;
    Ok(report.into())
}

/// Checks `url` now, as `snapshot` does (a URL that cannot be read fails here, not later in
/// a daemon's log), then schedules its re-checks one interval on, where the page answered.
pub async fn watch_checked<A: Schedules>(
    pipeline: &Pipeline<A>,
    config: &Arc<Config>,
    url: &Url,
) -> Result<WatchReply> {
    let report = pipeline.check(url, CheckOptions::default()).await?;
    let at = report
        .version
        .as_ref()
        .and_then(|v| Url::parse(&v.fetched_url).ok())
        .unwrap_or_else(|| url.clone());
    let state = watchlist::watch(
        pipeline.archive(),
        config,
        &at,
        chrono::Utc::now(),
        FirstCheck::AfterInterval,
    )
    .await?;
    Ok(WatchReply {
        url: report.url,
        state,
    })
}
