//! The WARC export: per version a `response` and its `request` (or, for a version stored
//! before exchanges were kept, a `resource`), and a `metadata` record with what emend made
//! of it; per conditional re-check answered 304 a `revisit` (profile server-not-modified)
//! and its `request`. One `warcinfo` record opens the file.
//!
//! Bodies are kept after content-decoding, so a response record carries the decoded body
//! with no `Transfer-Encoding` and a `Content-Length` that is the body's own length; every
//! other header is as received.

use std::io::Write;

use chrono::{DateTime, Utc};
use url::Url;

use super::Selection;
use crate::error::{Error, Result};
use crate::model::{ArticleRecord, HttpExchange, RequestHead, ResponseHead, Version};
use crate::store::ArchiveRead;
use crate::warc::{self, Writer, one_line};

/// What an export wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct WarcStats {
    /// Articles with at least one record.
    pub articles: u64,
    /// Versions written (each as response + request + metadata, or resource + metadata).
    pub versions: u64,
    /// Of those, versions stored without their HTTP exchange, written as `resource`.
    pub resources: u64,
    /// 304 re-checks written as `revisit`.
    pub revisits: u64,
    /// Versions skipped because their raw body is missing from the store.
    pub missing_bodies: u64,
    /// Records written, warcinfo included.
    pub records: u64,
    /// Uncompressed bytes of all records.
    pub record_bytes: u64,
    /// Bytes of the gzipped file.
    pub file_bytes: u64,
}

/// Writes the selected history to `out` as WARC/1.1, one gzip member per record;
/// `filename` goes into the warcinfo record and error messages.
pub fn export_warc<W: Write>(
    store: &dyn ArchiveRead,
    sel: &Selection,
    filename: &str,
    out: W,
) -> Result<(W, WarcStats)> {
    let io = |e: std::io::Error| Error::io(filename, e);
    let mut w = Writer::new(out);
    let mut stats = WarcStats::default();
    write_warcinfo(&mut w, filename).map_err(io)?;
    stats.records += 1;
    sel.for_each(store, |rec, versions| {
        let before = stats.records;
        write_article(store, sel, &mut w, rec, &versions, &mut stats).map_err(|e| match e {
            Error::Io { cause, .. } => io(cause),
            other => other,
        })?;
        stats.articles += u64::from(stats.records > before);
        Ok(())
    })?;
    stats.record_bytes = w.record_bytes();
    stats.file_bytes = w.file_bytes();
    Ok((w.finish().map_err(io)?, stats))
}

fn write_warcinfo<W: Write>(w: &mut Writer<W>, filename: &str) -> std::io::Result<()> {
    // Microseconds, as the versions' own times are kept.
    let now = Utc::now();
    let now = warc::date(DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now));
    let block = format!(
        "software: emend/{}\r\nformat: WARC File Format 1.1\r\n\
         conformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n\
         description: article versions recorded by emend\r\n",
        env!("CARGO_PKG_VERSION")
    );
    let id = warc::record_id(&[b"warcinfo", filename.as_bytes(), now.as_bytes()]);
    w.record(
        &[
            ("WARC-Type", "warcinfo"),
            ("WARC-Record-ID", &id),
            ("WARC-Date", &now),
            ("WARC-Filename", &one_line(filename)),
            ("Content-Type", warc::WARC_FIELDS),
        ],
        &[block.as_bytes()],
    )
}

/// The record ID of version `number`'s response (or resource) record: revisits refer to it.
fn version_id(article: &str, number: u32) -> String {
    warc::record_id(&[b"version", article.as_bytes(), &number.to_be_bytes()])
}

/// Writes one article's selected versions and 304 re-checks in time order.
fn write_article<W: Write>(
    store: &dyn ArchiveRead,
    sel: &Selection,
    w: &mut Writer<W>,
    rec: &ArticleRecord,
    versions: &[Version],
    stats: &mut WarcStats,
) -> Result<()> {
    let revisits = store.not_modified_captures(&rec.url)?;
    let mut revisits = revisits.into_iter().peekable();
    let mut digests: Vec<Option<String>> = Vec::with_capacity(versions.len());
    for (i, v) in versions.iter().enumerate() {
        // 304s answered before this version was fetched refer to the one before it.
        while let Some((at, ex)) = revisits.next_if(|(at, _)| *at < v.fetched_at) {
            let prior = i
                .checked_sub(1)
                .map(|p| (&versions[p], digests[p].as_deref()));
            write_revisit(sel, w, rec, prior, at, &ex, stats)?;
        }
        digests.push(write_version(store, sel, w, rec, v, stats)?);
    }
    let last = versions.len().checked_sub(1);
    for (at, ex) in revisits {
        let prior = last.map(|p| (&versions[p], digests[p].as_deref()));
        write_revisit(sel, w, rec, prior, at, &ex, stats)?;
    }
    Ok(())
}

/// Writes version `v` if selected; returns its payload digest (computed either way, for
/// the revisits that refer to it) or `None` when its body is missing.
fn write_version<W: Write>(
    store: &dyn ArchiveRead,
    sel: &Selection,
    w: &mut Writer<W>,
    rec: &ArticleRecord,
    v: &Version,
    stats: &mut WarcStats,
) -> Result<Option<String>> {
    let body = match v.body_hash.as_deref() {
        Some(h) => store.raw_body(h)?,
        None => None,
    };
    let Some(body) = body else {
        if sel.includes(v.fetched_at) {
            stats.missing_bodies += 1;
            tracing::warn!(url = %rec.url, version = v.number, "raw body missing; version not exported");
        }
        return Ok(None);
    };
    let payload_digest = warc::digest(&[&body]);
    if !sel.includes(v.fetched_at) {
        return Ok(Some(payload_digest));
    }
    let io = |e: std::io::Error| Error::io("", e);
    let date = warc::date(v.fetched_at);
    let id = version_id(&rec.url, v.number);
    match store.capture(&rec.url, v.number)? {
        Some(ex) => {
            let target = one_line(&v.fetched_url);
            write_exchange(w, &ex, &target, &id, &date, &body, &payload_digest).map_err(io)?;
            stats.records += 1 + u64::from(ex.request.is_some());
        }
        None => {
            write_resource(w, v, &id, &date, &body, &payload_digest).map_err(io)?;
            stats.resources += 1;
            stats.records += 1;
        }
    }
    write_metadata(w, rec, v, &id, &date).map_err(io)?;
    stats.records += 1;
    stats.versions += 1;
    Ok(Some(payload_digest))
}

/// The response record of a version and the request that fetched it.
fn write_exchange<W: Write>(
    w: &mut Writer<W>,
    ex: &HttpExchange,
    target: &str,
    id: &str,
    date: &str,
    body: &[u8],
    payload_digest: &str,
) -> std::io::Result<()> {
    let (head, protocol) = response_head(&ex.response, Some(body.len()));
    let block_digest = warc::digest(&[&head, body]);
    let mut fields = vec![
        ("WARC-Type", "response"),
        ("WARC-Record-ID", id),
        ("WARC-Date", date),
        ("WARC-Target-URI", target),
    ];
    let ip = ex.ip.as_deref().map(one_line);
    if let Some(ip) = &ip {
        fields.push(("WARC-IP-Address", ip));
    }
    if let Some(p) = protocol {
        fields.push(("WARC-Protocol", p));
    }
    fields.extend([
        ("Content-Type", warc::HTTP_RESPONSE),
        ("WARC-Payload-Digest", payload_digest),
        ("WARC-Block-Digest", &block_digest),
    ]);
    w.record(&fields, &[&head, body])?;
    match &ex.request {
        Some(req) => write_request(w, req, id, date),
        None => Ok(()),
    }
}

/// The request record concurrent to the record `to`.
fn write_request<W: Write>(
    w: &mut Writer<W>,
    req: &RequestHead,
    to: &str,
    date: &str,
) -> std::io::Result<()> {
    let head = request_head(req);
    let id = warc::record_id(&[b"request", to.as_bytes()]);
    let target = one_line(&req.url);
    w.record(
        &[
            ("WARC-Type", "request"),
            ("WARC-Record-ID", &id),
            ("WARC-Date", date),
            ("WARC-Target-URI", &target),
            ("WARC-Concurrent-To", to),
            ("Content-Type", warc::HTTP_REQUEST),
            ("WARC-Block-Digest", &warc::digest(&[&head])),
        ],
        &[&head],
    )
}

/// A version stored without its exchange: the body alone, typed by the charset it was
/// decoded with.
fn write_resource<W: Write>(
    w: &mut Writer<W>,
    v: &Version,
    id: &str,
    date: &str,
    body: &[u8],
    digest: &str,
) -> std::io::Result<()> {
    let content_type = match &v.encoding {
        Some(e) => format!("text/html; charset={}", one_line(e)),
        None => "text/html".to_owned(),
    };
    let target = one_line(&v.fetched_url);
    w.record(
        &[
            ("WARC-Type", "resource"),
            ("WARC-Record-ID", id),
            ("WARC-Date", date),
            ("WARC-Target-URI", &target),
            ("Content-Type", &content_type),
            ("WARC-Payload-Digest", digest),
            ("WARC-Block-Digest", digest),
        ],
        &[body],
    )
}

/// What emend made of a version, as `name: value` lines, concurrent to its capture.
fn write_metadata<W: Write>(
    w: &mut Writer<W>,
    rec: &ArticleRecord,
    v: &Version,
    to: &str,
    date: &str,
) -> std::io::Result<()> {
    let mut block = String::new();
    let mut line = |name: &str, value: Option<&str>| {
        if let Some(value) = value {
            block.push_str(&format!("{name}: {}\r\n", one_line(value)));
        }
    };
    let a = &v.article;
    line("emend-article", Some(&rec.url));
    line("emend-site", rec.site.as_deref());
    line("emend-version", Some(&v.number.to_string()));
    line("emend-change", Some(v.change.as_str()));
    line("title", a.title.as_deref());
    line("byline", a.byline.as_deref());
    line("published", a.published.as_deref());
    line("last-update", a.last_update.as_deref());
    line("words-added", Some(&v.words_added.to_string()));
    line("words-removed", Some(&v.words_removed.to_string()));
    line("text-hash", Some(&format!("blake3:{}", v.text_hash)));
    let body = v.body_hash.as_deref().map(|h| format!("blake3:{h}"));
    line("body-hash", body.as_deref());
    line("encoding", v.encoding.as_deref());
    line("extractor-version", Some(&v.extractor_version.to_string()));
    let id = warc::record_id(&[b"metadata", to.as_bytes()]);
    let target = one_line(&v.fetched_url);
    w.record(
        &[
            ("WARC-Type", "metadata"),
            ("WARC-Record-ID", &id),
            ("WARC-Date", date),
            ("WARC-Target-URI", &target),
            ("WARC-Concurrent-To", to),
            ("Content-Type", warc::WARC_FIELDS),
            ("WARC-Block-Digest", &warc::digest(&[block.as_bytes()])),
        ],
        &[block.as_bytes()],
    )
}

/// A 304 re-check at `at`: a revisit referring to the version it confirmed (`prior`, with
/// its payload digest), and its request.
fn write_revisit<W: Write>(
    sel: &Selection,
    w: &mut Writer<W>,
    rec: &ArticleRecord,
    prior: Option<(&Version, Option<&str>)>,
    at: DateTime<Utc>,
    ex: &HttpExchange,
    stats: &mut WarcStats,
) -> Result<()> {
    if !sel.includes(at) {
        return Ok(());
    }
    let date = warc::date(at);
    let id = warc::record_id(&[b"revisit", rec.url.as_bytes(), date.as_bytes()]);
    let target = one_line(ex.request.as_ref().map_or(rec.url.as_str(), |r| &r.url));
    let (head, protocol) = response_head(&ex.response, None);
    let block_digest = warc::digest(&[&head]);
    let mut fields = vec![
        ("WARC-Type", "revisit"),
        ("WARC-Record-ID", id.as_str()),
        ("WARC-Date", &date),
        ("WARC-Target-URI", &target),
        ("WARC-Profile", warc::PROFILE_NOT_MODIFIED),
    ];
    let (refers_id, refers_uri, refers_date);
    if let Some((v, digest)) = prior {
        refers_id = version_id(&rec.url, v.number);
        refers_uri = one_line(&v.fetched_url);
        refers_date = warc::date(v.fetched_at);
        fields.extend([
            ("WARC-Refers-To", refers_id.as_str()),
            ("WARC-Refers-To-Target-URI", &refers_uri),
            ("WARC-Refers-To-Date", &refers_date),
        ]);
        if let Some(d) = digest {
            fields.push(("WARC-Payload-Digest", d));
        }
    }
    if let Some(p) = protocol {
        fields.push(("WARC-Protocol", p));
    }
    fields.extend([
        ("Content-Type", warc::HTTP_RESPONSE),
        ("WARC-Block-Digest", &block_digest),
    ]);
    let io = |e: std::io::Error| Error::io("", e);
    w.record(&fields, &[&head]).map_err(io)?;
    if let Some(req) = &ex.request {
        write_request(w, req, &id, &date).map_err(io)?;
        stats.records += 1;
    }
    stats.revisits += 1;
    stats.records += 1;
    Ok(())
}

/// The HTTP/1.1 form of a response head ending in its blank line, and the `WARC-Protocol`
/// of a response that came over HTTP/2 or later (whose head is written in HTTP/1.1 form,
/// as replay tools read it). `body_len`, when given, replaces the received framing headers.
fn response_head(r: &ResponseHead, body_len: Option<usize>) -> (Vec<u8>, Option<&'static str>) {
    let (version, protocol) = match r.version.as_str() {
        "HTTP/1.0" | "HTTP/1.1" => (r.version.as_str(), None),
        "HTTP/2.0" => ("HTTP/1.1", Some("h2")),
        "HTTP/3.0" => ("HTTP/1.1", Some("h3")),
        _ => ("HTTP/1.1", None),
    };
    let mut out = format!("{version} {} {}\r\n", r.status, one_line(&r.reason));
    for (name, value) in &r.headers {
        let framing = name.eq_ignore_ascii_case("transfer-encoding")
            || name.eq_ignore_ascii_case("content-length");
        if body_len.is_some() && framing {
            continue;
        }
        out.push_str(&format!("{}: {}\r\n", one_line(name), one_line(value)));
    }
    if let Some(n) = body_len {
        out.push_str(&format!("Content-Length: {n}\r\n"));
    }
    out.push_str("\r\n");
    (out.into_bytes(), protocol)
}

/// The request line (origin form: path and query) and headers, ending in the blank line.
fn request_head(r: &RequestHead) -> Vec<u8> {
    let target = match Url::parse(&r.url) {
        Ok(u) => match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        },
        Err(_) => r.url.clone(),
    };
    let mut out = format!("{} {} HTTP/1.1\r\n", one_line(&r.method), one_line(&target));
    for (name, value) in &r.headers {
        out.push_str(&format!("{}: {}\r\n", one_line(name), one_line(value)));
    }
    out.push_str("\r\n");
    out.into_bytes()
}
