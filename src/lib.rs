//! emend watches news articles and records how they change after publication.
//!
//! Module map, in dependency order (a module only uses those above it):
//!
//! - [`error`], [`model`]: the error type and plain data.
//! - [`config`]: sites.toml, validated.
//! - [`extract`], [`diff`], [`store`], [`politeness`]: pure extraction, pure diffing,
//!   the sled-backed history, robots.txt and per-host rate limits.
//! - [`discover`], [`schedule`]: pure parsing of feeds, sitemaps and index pages into canonical
//!   article URLs, and the pure maths of when to check each one next.
//! - [`watchlist`]: putting one URL on the re-check schedule by hand, and taking it off.
//! - [`urlnorm`]: pasted URLs (no scheme, fragments, tracking parameters) to the stored form.
//! - [`warc`]: WARC records, written and read (pure).
//! - [`export`]: the stored history out as WARC, JSON Lines or CSV.
//! - [`fetch`]: the only user of reqwest.
//! - [`reextract`]: a stored raw body through the current extractor, compared with the
//!   stored version (read-only).
//! - [`api`]: the JSON shapes shared by the CLI and the web API.
//! - [`notify`]: change messages and their delivery from the store's outbox.
//! - [`card`]: a change drawn as a PNG diff card (tiny-skia, ab_glyph, an embedded font).
//! - [`pipeline`]: one check of one URL: fetch → extract → compare → store.
//! - [`import`]: pages from other crawlers' WARC files through the pipeline.
//! - [`web`]: the read-only web UI.
//! - [`owner`]: the process holding the database, serving it to the others on its socket.
//! - [`daemon`]: the long-running crawler.
//! - [`cli`]: the subcommands, driven by the thin `emend` binary.

pub mod api;
pub mod card;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod diff;
pub mod discover;
pub mod error;
pub mod export;
pub mod extract;
pub mod fetch;
pub mod import;
pub mod model;
pub mod notify;
pub mod owner;
pub mod pipeline;
pub mod politeness;
pub mod reextract;
pub mod schedule;
pub mod store;
pub mod urlnorm;
pub mod warc;
pub mod watchlist;
pub mod web;

pub use error::{Error, Result};
