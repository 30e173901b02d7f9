//! The JSON shapes of history, diff, list and recent changes, shared by the CLI's `--json` and the web API, and of the check log and re-extraction (CLI only).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::diff::{DiffOp, FieldChange, field_changes};
use crate::model::{ArticleRecord, Check, CheckOutcome, Version};
use crate::reextract::{Comparison, Field};
use crate::store::ScheduleState;

/// RFC 3339 with second precision and `Z`, the form every JSON output uses.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `emend history --json` output; also the web API's shape.
#[derive(Debug, Serialize)]
pub struct HistoryJson<'a> {
    /// Canonical URL of the article.
    pub url: &'a str,
    /// Versions, oldest first.
    pub versions: Vec<VersionJson<'a>>,
}

/// One version in [`HistoryJson`].
#[derive(Debug, Serialize)]
pub struct VersionJson<'a> {
    /// 1-based version number.
    pub version: u32,
    /// RFC 3339 fetch time.
    pub fetched_at: String,
    /// The article's own stamp.
    pub last_update: Option<&'a str>,
    /// Change kind relative to the previous version.
    pub change: &'static str,
    /// Headline.
    pub title: Option<&'a str>,
    /// Authors as the page names them.
    pub byline: Option<&'a str>,
    /// Publication time (RFC 3339 when it could be parsed).
    pub published: Option<&'a str>,
    /// Main text.
    pub text: &'a str,
    /// Words inserted relative to the previous version.
    pub words_added: u32,
    /// Words deleted relative to the previous version.
    pub words_removed: u32,
    /// Every field besides the text that differs from the previous version, with both
    /// values (empty for the first version).
    pub fields: Vec<FieldChange>,
    /// Provenance: the URL that answered (after redirects).
    pub fetched_url: &'a str,
    /// Provenance: blake3 (hex) of the raw response body kept in the store.
    pub body_hash: Option<&'a str>,
    /// Provenance: the encoding the body was decoded with.
    pub encoding: Option<&'a str>,
    /// Provenance: the extractor version that read the body.
    pub extractor_version: u32,
}

impl<'a> HistoryJson<'a> {
    /// Builds the JSON shape from stored versions.
    pub fn new(url: &'a str, versions: &'a [Version]) -> Self {
        let mut prev: Option<&Version> = None;
        let versions = versions
            .iter()
            .map(|v| {
                let mut json = VersionJson::from(v);
                json.fields = prev.map_or_else(Vec::new, |p| field_changes(&p.article, &v.article));
                prev = Some(v);
                json
            })
            .collect();
        HistoryJson { url, versions }
    }
}

impl<'a> From<&'a Version> for VersionJson<'a> {
    fn from(v: &'a Version) -> Self {
        VersionJson {
            version: v.number,
            fetched_at: rfc3339(v.fetched_at),
            last_update: v.article.last_update.as_deref(),
            change: v.change.as_str(),
            title: v.article.title.as_deref(),
            byline: v.article.byline.as_deref(),
            published: v.article.published.as_deref(),
            text: &v.article.text,
            words_added: v.words_added,
            words_removed: v.words_removed,
            fields: Vec::new(),
            fetched_url: &v.fetched_url,
            body_hash: v.body_hash.as_deref(),
            encoding: v.encoding.as_deref(),
            extractor_version: v.extractor_version,
        }
    }
}

/// `emend checks --json` output: an article's check log, newest first.
#[derive(Debug, Serialize)]
pub struct ChecksJson<'a> {
    /// Canonical URL of the article.
    pub url: &'a str,
    /// Checks, newest first.
    pub checks: Vec<CheckJson<'a>>,
}

/// One check in [`ChecksJson`].
#[derive(Debug, Serialize)]
pub struct CheckJson<'a> {
    /// RFC 3339 time the check finished.
    pub at: String,
    /// `checked` (the page was read and compared), `not_modified` (a 304) or `failed`.
    pub outcome: &'static str,
    /// With `checked`: the change kind (`unchanged` when no version was made).
    pub change: Option<&'static str>,
    /// With `checked`: the version the check made, if any.
    pub version: Option<u32>,
    /// With `failed`: why.
    pub error: Option<&'a str>,
    /// HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// Body bytes received.
    pub bytes: u64,
    /// Wall time of the fetch, milliseconds.
    pub elapsed_ms: u64,
    /// `ETag` of the response.
    pub etag: Option<&'a str>,
    /// `Last-Modified` of the response.
    pub last_modified: Option<&'a str>,
}

impl<'a> From<&'a Check> for CheckJson<'a> {
    fn from(c: &'a Check) -> Self {
        let (outcome, change, version, error) = match &c.outcome {
            CheckOutcome::Checked { change, version } => {
                ("checked", Some(change.as_str()), *version, None)
            }
            CheckOutcome::NotModified => ("not_modified", None, None, None),
            CheckOutcome::Failed { error } => ("failed", None, None, Some(error.as_str())),
        };
        CheckJson {
            at: rfc3339(c.at),
            outcome,
            change,
            version,
            error,
            status: c.status,
            bytes: c.bytes,
            elapsed_ms: c.elapsed_ms,
            etag: c.etag.as_deref(),
            last_modified: c.last_modified.as_deref(),
        }
    }
}

/// `emend watch --json` output.
#[derive(Debug, Serialize)]
pub struct WatchJson<'a> {
    /// The article (its canonical URL once checked).
    pub url: &'a str,
    /// Whether the daemon re-checks it from now on (`false` after `--stop`).
    pub watching: bool,
    /// RFC 3339 time of the next check.
    pub next_due: Option<String>,
    /// The gap between checks, seconds (widens while the article is unchanged).
    pub interval_secs: Option<u64>,
    /// RFC 3339 time after which re-checks stop.
    pub track_until: Option<String>,
}

impl<'a> WatchJson<'a> {
    /// The shape for `url` and its schedule (`None`: no longer watched).
    pub fn new(url: &'a str, state: Option<&ScheduleState>) -> Self {
        WatchJson {
            url,
            watching: state.is_some(),
            next_due: state.and_then(|s| s.next_due).map(rfc3339),
            interval_secs: state.map(|s| s.interval_secs),
            track_until: state.and_then(|s| s.track_until).map(rfc3339),
        }
    }
}

/// `emend diff --json` output; also the web API's shape.
#[derive(Debug, Serialize)]
pub struct DiffJson<'a> {
    /// Canonical URL of the article.
    pub url: &'a str,
    /// Older version number (0 = empty, when the newer one is the first).
    pub from: u32,
    /// Newer version number.
    pub to: u32,
    /// Every field besides the text whose value differs, with both values.
    pub fields: &'a [FieldChange],
    /// Word-level operations; concatenating equal+insert gives the new text.
    pub ops: &'a [DiffOp],
}

/// `emend list --json` output; also the web API's shape.
#[derive(Debug, Serialize)]
pub struct ListJson<'a> {
    /// Tracked articles, by URL.
    pub articles: Vec<ArticleJson<'a>>,
}

/// One article in [`ListJson`].
#[derive(Debug, Serialize)]
pub struct ArticleJson<'a> {
    /// Canonical URL.
    pub url: &'a str,
    /// Site name from sites.toml, if discovered through one.
    pub site: Option<&'a str>,
    /// Title of the latest version.
    pub title: Option<&'a str>,
    /// Stored versions.
    pub versions: u32,
    /// RFC 3339 time of the last check.
    pub last_checked: Option<String>,
    /// RFC 3339 time of the last stored version.
    pub last_changed: Option<String>,
}

impl<'a> From<&'a ArticleRecord> for ArticleJson<'a> {
    fn from(a: &'a ArticleRecord) -> Self {
        ArticleJson {
            url: &a.url,
            site: a.site.as_deref(),
            title: a.title.as_deref(),
            versions: a.versions,
            last_checked: a.last_checked.map(rfc3339),
            last_changed: a.last_changed.map(rfc3339),
        }
    }
}

/// The web API's recent-changes shape: changes newest first, with the cursor of the next page.
#[derive(Debug, Serialize)]
pub struct RecentJson<'a> {
    /// Changes across articles, newest first.
    pub changes: Vec<ChangeJson<'a>>,
    /// Opaque cursor for the next (older) page, `None` on the last page.
    pub next: Option<String>,
}

/// One change in [`RecentJson`]: a version of an article.
#[derive(Debug, Serialize)]
pub struct ChangeJson<'a> {
    /// Canonical URL of the article.
    pub url: &'a str,
    /// Site name from sites.toml, if discovered through one.
    pub site: Option<&'a str>,
    /// 1-based version number.
    pub version: u32,
    /// RFC 3339 fetch time.
    pub fetched_at: String,
    /// The article's own stamp.
    pub last_update: Option<&'a str>,
    /// Change kind relative to the previous version.
    pub change: &'static str,
    /// Headline of this version.
    pub title: Option<&'a str>,
    /// Words inserted relative to the previous version.
    pub words_added: u32,
    /// Words deleted relative to the previous version.
    pub words_removed: u32,
}

impl<'a> ChangeJson<'a> {
    /// Builds the JSON shape of `version` of `url`.
    pub fn new(url: &'a str, site: Option<&'a str>, v: &'a Version) -> Self {
        ChangeJson {
            url,
            site,
            version: v.number,
            fetched_at: rfc3339(v.fetched_at),
            last_update: v.article.last_update.as_deref(),
            change: v.change.as_str(),
            title: v.article.title.as_deref(),
            words_added: v.words_added,
            words_removed: v.words_removed,
        }
    }
}

/// `emend reextract --json` output.
#[derive(Debug, Serialize)]
pub struct ReextractJson<'a> {
    /// Canonical URL of the article.
    pub url: &'a str,
    /// [`crate::extract::EXTRACTOR_VERSION`] of the extractor that re-read the bodies.
    pub extractor_version: u32,
    /// The versions re-extracted, oldest first.
    pub versions: Vec<ReextractVersionJson<'a>>,
}

/// One version in [`ReextractJson`].
#[derive(Debug, Serialize)]
pub struct ReextractVersionJson<'a> {
    /// 1-based version number.
    pub version: u32,
    /// RFC 3339 fetch time.
    pub fetched_at: String,
    /// Extractor version that produced the stored article.
    pub extractor_version: u32,
    /// `same`, `changed`, or `no_body` when no raw body is stored for this version.
    pub result: &'static str,
    /// Names of the fields whose re-extracted value differs from the stored one.
    pub changed: Vec<&'static str>,
    /// Stored and re-extracted values of each changed field other than the text.
    pub fields: Vec<FieldChangeJson<'a>>,
    /// Words the re-extracted text has that the stored one lacks (`null` without a body).
    pub words_added: Option<u32>,
    /// Words the stored text has that the re-extracted one lacks (`null` without a body).
    pub words_removed: Option<u32>,
}

/// One changed metadata field in [`ReextractVersionJson`].
#[derive(Debug, Serialize)]
pub struct FieldChangeJson<'a> {
    /// Field name, as in `changed`.
    pub field: &'static str,
    /// The value stored with the version.
    pub stored: Option<&'a str>,
    /// The value the current extractor finds.
    pub reextracted: Option<&'a str>,
}

impl<'a> ReextractVersionJson<'a> {
    /// Builds the JSON shape of `version` and its comparison, `None` when it has no stored body.
    pub fn new(version: &'a Version, comparison: Option<&'a Comparison>) -> Self {
        let (result, changed, fields, words) = match comparison {
            None => ("no_body", Vec::new(), Vec::new(), None),
            Some(c) => (
                if c.is_same() { "same" } else { "changed" },
                c.changed.iter().map(|f| f.as_str()).collect(),
                c.changed
                    .iter()
                    // The text is summarised by the word counts; both copies would swamp the output.
                    .filter(|f| **f != Field::Text)
                    .map(|f| FieldChangeJson {
                        field: f.as_str(),
                        stored: f.get(&version.article),
                        reextracted: f.get(&c.article),
                    })
                    .collect(),
                Some((c.words_added, c.words_removed)),
            ),
        };
        ReextractVersionJson {
            version: version.number,
            fetched_at: rfc3339(version.fetched_at),
            extractor_version: version.extractor_version,
            result,
            changed,
            fields,
            words_added: words.map(|w| w.0),
            words_removed: words.map(|w| w.1),
        }
    }
}
