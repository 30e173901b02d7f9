//! The dataset export: one row per stored version, as JSON Lines or CSV, streamed.
//!
//! Columns, in order (CSV header names; JSON keys are the same):
//! `url` (the article's canonical URL), `site`, `version` (1-based), `fetched_at` (RFC 3339
//! UTC), `change` (`new`, `declared_update`, `silent_edit`, `stamp_only`), `title`,
//! `byline`, `published`, `last_update` (the article's own stamps, RFC 3339 when
//! parseable), `words_added`, `words_removed`, `text` (the normalised main text, paragraphs
//! separated by blank lines), `text_hash` (blake3 of title and text), `body_hash` (blake3 of
//! the raw body), `fetched_url`. Absent values are JSON `null` and empty CSV fields.

use std::io::Write;

use serde::Serialize;

use super::Selection;
use crate::error::{Error, Result};
use crate::model::{ArticleRecord, Version};
use crate::store::ArchiveRead;

/// The two dataset formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    JsonLines,
    /// RFC 4180 CSV with a header row.
    Csv,
}

/// One row.
#[derive(Debug, Serialize)]
struct Row<'a> {
    url: &'a str,
    site: Option<&'a str>,
    version: u32,
    fetched_at: String,
    change: &'static str,
    title: Option<&'a str>,
    byline: Option<&'a str>,
    published: Option<&'a str>,
    last_update: Option<&'a str>,
    words_added: u32,
    words_removed: u32,
    text: &'a str,
    text_hash: &'a str,
    body_hash: Option<&'a str>,
    fetched_url: &'a str,
}

/// The CSV header, in [`Row`]'s field order.
const COLUMNS: &[&str] = &[
    "url",
    "site",
    "version",
    "fetched_at",
    "change",
    "title",
    "byline",
    "published",
    "last_update",
    "words_added",
    "words_removed",
    "text",
    "text_hash",
    "body_hash",
    "fetched_url",
];

impl<'a> Row<'a> {
    fn new(rec: &'a ArticleRecord, v: &'a Version) -> Self {
        let a = &v.article;
        Row {
            url: &rec.url,
            site: rec.site.as_deref(),
            version: v.number,
            fetched_at: crate::api::rfc3339(v.fetched_at),
            change: v.change.as_str(),
            title: a.title.as_deref(),
            byline: a.byline.as_deref(),
            published: a.published.as_deref(),
            last_update: a.last_update.as_deref(),
            words_added: v.words_added,
            words_removed: v.words_removed,
            text: &a.text,
            text_hash: &v.text_hash,
            body_hash: v.body_hash.as_deref(),
            fetched_url: &v.fetched_url,
        }
    }

    fn csv_fields(&self) -> [String; 15] {
        let o = |s: Option<&str>| s.unwrap_or("").to_owned();
        [
            self.url.to_owned(),
            o(self.site),
            self.version.to_string(),
            self.fetched_at.clone(),
            self.change.to_owned(),
            o(self.title),
            o(self.byline),
            o(self.published),
            o(self.last_update),
            self.words_added.to_string(),
            self.words_removed.to_string(),
            self.text.to_owned(),
            self.text_hash.to_owned(),
            o(self.body_hash),
            self.fetched_url.to_owned(),
        ]
    }
}

/// Writes one row per selected version to `out`; returns the number of rows. `name` is
/// the output's name in errors.
pub fn export_dataset<W: Write>(
    store: &dyn ArchiveRead,
    sel: &Selection,
    format: Format,
    name: &str,
    out: &mut W,
) -> Result<u64> {
    let io = |e: std::io::Error| Error::io(name, e);
    if format == Format::Csv {
        write_csv_line(out, COLUMNS.iter().copied()).map_err(io)?;
    }
    let mut rows = 0;
    sel.for_each(store, |rec, versions| {
        for v in versions.iter().filter(|v| sel.includes(v.fetched_at)) {
            let row = Row::new(rec, v);
            match format {
                Format::JsonLines => {
                    serde_json::to_writer(&mut *out, &row).map_err(|e| io(e.into()))?;
                    out.write_all(b"\n").map_err(io)?;
                }
                Format::Csv => {
                    let fields = row.csv_fields();
                    write_csv_line(out, fields.iter().map(String::as_str)).map_err(io)?;
                }
            }
            rows += 1;
        }
        Ok(())
    })?;
    out.flush().map_err(io)?;
    Ok(rows)
}

/// One CSV record: fields quoted when they hold a comma, quote or line break, quotes
/// doubled, CRLF at the end (RFC 4180).
fn write_csv_line<'a, W: Write>(
    out: &mut W,
    fields: impl Iterator<Item = &'a str>,
) -> std::io::Result<()> {
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        if f.contains([',', '"', '\r', '\n']) {
            write!(out, "\"{}\"", f.replace('"', "\"\""))?;
        } else {
            out.write_all(f.as_bytes())?;
        }
    }
    out.write_all(b"\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_what_needs_it() {
        let mut out = Vec::new();
        write_csv_line(
            &mut out,
            ["a", "b,c", "say \"hi\"", "two\nlines"].into_iter(),
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n"
        );
    }
}
