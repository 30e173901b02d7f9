//! Plain data shared by every layer: extracted articles, stored versions, checks and change kinds.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

mod exchange;
pub use exchange::{Header, HttpExchange, RequestHead, ResponseHead};

/// How a new state of an article relates to the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// First version ever stored.
    New,
    /// Nothing that matters changed; a check, not a version.
    Unchanged,
    /// Text and the article's own "last update" stamp both changed.
    DeclaredUpdate,
    /// Text changed but the stamp did not: an edit the site did not announce.
    SilentEdit,
    /// Only the stamp moved.
    StampOnly,
}

impl ChangeKind {
    /// The name used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::New => "new",
            ChangeKind::Unchanged => "unchanged",
            ChangeKind::DeclaredUpdate => "declared_update",
            ChangeKind::SilentEdit => "silent_edit",
            ChangeKind::StampOnly => "stamp_only",
        }
    }

    /// Parses the name used in JSON and on the command line.
    pub fn parse(s: &str) -> Option<Self> {
        [
            ChangeKind::New,
            ChangeKind::Unchanged,
            ChangeKind::DeclaredUpdate,
            ChangeKind::SilentEdit,
            ChangeKind::StampOnly,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a metadata field was found in the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FieldSource {
    /// A site selector from sites.toml.
    Selector,
    /// schema.org JSON-LD.
    JsonLd,
    /// A `<meta>` tag (OpenGraph, `article:*`, Dublin Core, `name=author`...).
    Meta,
    /// A microdata `itemprop` attribute.
    Itemprop,
    /// A `<time datetime>` element.
    Time,
    /// Visible text ("Last update: ...", "By ...", `<h1>`, `<title>`).
    Text,
}

/// Where each metadata field of an [`Article`] came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sources {
    /// Source of the title.
    pub title: Option<FieldSource>,
    /// Source of the byline.
    pub byline: Option<FieldSource>,
    /// Source of the publication time.
    pub published: Option<FieldSource>,
    /// Source of the "last update" stamp.
    pub last_update: Option<FieldSource>,
}

/// What the extractor found in one HTML page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    /// Headline.
    pub title: Option<String>,
    /// Authors, as the page names them.
    pub byline: Option<String>,
    /// Publication time, RFC 3339 when parseable, else verbatim.
    pub published: Option<String>,
    /// The article's own "last update" stamp, RFC 3339 when parseable, else verbatim.
    pub last_update: Option<String>,
    /// Normalised main text: paragraphs separated by blank lines.
    pub text: String,
    /// `<link rel="canonical">`, resolved against the page URL when one was given.
    pub canonical: Option<String>,
    /// Where each metadata field came from.
    pub sources: Sources,
}

/// One stored state of an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    /// 1-based, consecutive per article.
    pub number: u32,
    /// When the response was received.
    pub fetched_at: DateTime<Utc>,
    /// How this version differs from the previous one.
    pub change: ChangeKind,
    /// Extracted article and metadata.
    pub article: Article,
    /// blake3 of the normalised title + text, hex.
    pub text_hash: String,
    /// Words inserted relative to the previous version.
    pub words_added: u32,
    /// Words deleted relative to the previous version.
    pub words_removed: u32,
    /// [`crate::extract::EXTRACTOR_VERSION`] that produced `article`.
    pub extractor_version: u32,
    /// blake3 (hex) of the raw response body, the key of the stored compressed copy.
    pub body_hash: Option<String>,
    /// Encoding the body was decoded with (WHATWG name, e.g. `windows-1251`), so the stored
    /// raw body decodes the same way when it is re-extracted even if the charset came only
    /// from the HTTP header. `None` in versions stored before it was recorded.
    #[serde(default)]
    pub encoding: Option<String>,
    /// The URL that answered (after redirects).
    pub fetched_url: String,
}

/// What a single fetch of an article led to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CheckOutcome {
    /// The page was read and compared; `change` says what it was.
    Checked {
        /// The change kind (`unchanged` when no version was made).
        change: ChangeKind,
        /// The version made, if any.
        version: Option<u32>,
    },
    /// The server answered 304 Not Modified.
    NotModified,
    /// The fetch or extraction failed.
    Failed {
        /// One-line reason.
        error: String,
    },
}

impl CheckOutcome {
    /// The one word for this outcome, the same in the daemon's log, `emend checks`, the
    /// JSON and the web UI: a change kind (`new`, `unchanged`, `silent_edit`…),
    /// `not_modified` (a 304) or `failed`.
    pub fn word(&self) -> &'static str {
        match self {
            CheckOutcome::Checked { change, .. } => change.as_str(),
            CheckOutcome::NotModified => NOT_MODIFIED,
            CheckOutcome::Failed { .. } => FAILED,
        }
    }
}

/// [`CheckOutcome::word`] of a 304.
pub const NOT_MODIFIED: &str = "not_modified";
/// [`CheckOutcome::word`] of a failed check.
pub const FAILED: &str = "failed";

/// One entry of an article's check log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// When the check finished.
    pub at: DateTime<Utc>,
    /// HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// Body bytes received.
    pub bytes: u64,
    /// `ETag` of the response.
    pub etag: Option<String>,
    /// `Last-Modified` of the response.
    pub last_modified: Option<String>,
    /// Wall time of the fetch, milliseconds.
    pub elapsed_ms: u64,
    /// What came of it.
    pub outcome: CheckOutcome,
}

impl Check {
    /// A check finishing now that read no body (a 304, a failure); a read page adds its
    /// byte count and validators with struct update syntax.
    pub fn now(outcome: CheckOutcome, status: Option<u16>, elapsed: std::time::Duration) -> Self {
        Check {
            at: Utc::now(),
            status,
            bytes: 0,
            etag: None,
            last_modified: None,
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            outcome,
        }
    }
}

/// The per-article record: identity, validators for conditional GET, counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleRecord {
    /// Canonical URL: the key.
    pub url: String,
    /// Site name from sites.toml, when the article was discovered through one.
    pub site: Option<String>,
    /// When it was first seen.
    pub first_seen: DateTime<Utc>,
    /// When it was last checked (any outcome).
    pub last_checked: Option<DateTime<Utc>>,
    /// When the last version was stored.
    pub last_changed: Option<DateTime<Utc>>,
    /// Number of stored versions.
    pub versions: u32,
    /// `ETag` of the last successful response, for `If-None-Match`.
    pub etag: Option<String>,
    /// `Last-Modified` of the last successful response, for `If-Modified-Since`.
    pub last_modified: Option<String>,
    /// Title of the latest version.
    pub title: Option<String>,
}
