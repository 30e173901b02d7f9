//! Response bodies: the streaming size cap (on decompressed bytes), content types and HTML sniffing.

use bytes::{Bytes, BytesMut};
use url::Url;

use super::client::network_error;
use crate::error::{Error, Result};

/// Reads the whole (already content-decoded) body, failing as soon as it passes `limit` bytes.
///
/// A `Content-Length` above the cap fails before any byte is read; a body that lies about its
/// length, or a compressed body that inflates past the cap (a gzip bomb), fails while streaming
/// with at most one chunk beyond the cap in memory.
pub(crate) async fn read_capped(
    mut resp: reqwest::Response,
    url: &Url,
    limit: u64,
) -> Result<Bytes> {
    let too_large = || Error::BodyTooLarge {
        url: super::shown(url),
        limit,
    };
    // reqwest drops Content-Length when it decompresses, so a value seen here is the body's size.
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut buf = BytesMut::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| network_error(url, &e))? {
        if (buf.len() + chunk.len()) as u64 > limit {
            return Err(too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// The media type and `charset` parameter of a `Content-Type` header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContentType {
    /// As the server sent it.
    pub(crate) raw: String,
    /// Lower-case `type/subtype`, when the value parses.
    pub(crate) essence: Option<String>,
    pub(crate) charset: Option<String>,
}

impl ContentType {
    pub(crate) fn parse(raw: &str) -> ContentType {
        let parsed = raw.parse::<mime::Mime>().ok();
        ContentType {
            raw: raw.to_owned(),
            essence: parsed
                .as_ref()
                .map(|m| m.essence_str().to_ascii_lowercase()),
            charset: parsed
                .as_ref()
                .and_then(|m| m.get_param(mime::CHARSET))
                .map(|c| c.as_str().to_owned()),
        }
    }

    /// `Some(true)` for HTML types, `Some(false)` for other types, `None` when unparseable.
    pub(crate) fn is_html(&self) -> Option<bool> {
        self.essence
            .as_deref()
            .map(|e| matches!(e, "text/html" | "application/xhtml+xml"))
    }
}

/// Whether bytes of unknown type look like HTML (the HTML-related rows of the WHATWG
/// MIME-sniffing table, plus an XML prolog followed by an `<html` tag).
pub(crate) fn sniff_html(body: &[u8]) -> bool {
    let mut b = body;
    if let Some(rest) = b.strip_prefix(b"\xEF\xBB\xBF") {
        b = rest;
    }
    let start = b
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c'))
        .unwrap_or(b.len());
    let b = &b[start..b.len().min(start + 512)];
    const TAGS: &[&[u8]] = &[
        b"<!doctype html",
        b"<html",
        b"<head",
        b"<script",
        b"<iframe",
        b"<h1",
        b"<div",
        b"<font",
        b"<table",
        b"<a",
        b"<style",
        b"<title",
        b"<b",
        b"<body",
        b"<br",
        b"<p",
        b"<!--",
        b"<meta",
    ];
    let tag_ends = |n: usize| {
        b.get(n)
            .is_none_or(|c| matches!(c, b' ' | b'>' | b'\t' | b'\n' | b'\r' | b'/' | b'!'))
    };
    for tag in TAGS {
        if b.len() >= tag.len()
            && b[..tag.len()].eq_ignore_ascii_case(tag)
            && (tag.starts_with(b"<!") || tag_ends(tag.len()))
        {
            return true;
        }
    }
    if b.starts_with(b"<?xml") {
        let lower = b.to_ascii_lowercase();
        return lower.windows(5).any(|w| w == b"<html");
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        let ct = ContentType::parse("Text/HTML; Charset=\"windows-1251\"");
        assert_eq!(ct.is_html(), Some(true));
        assert_eq!(ct.charset.as_deref(), Some("windows-1251"));
        assert_eq!(
            ContentType::parse("application/xhtml+xml").is_html(),
            Some(true)
        );
        assert_eq!(ContentType::parse("application/pdf").is_html(), Some(false));
        assert_eq!(ContentType::parse("garbage").is_html(), None);
    }

    #[test]
    fn sniffing() {
        assert!(sniff_html(b"\xEF\xBB\xBF  \n<!DOCTYPE html><p>x"));
        assert!(sniff_html(b"<html lang=en>"));
        assert!(sniff_html(b"<P>hi"));
        assert!(sniff_html(b"<?xml version='1.0'?><html xmlns='x'>"));
        assert!(!sniff_html(b"%PDF-1.7"));
        assert!(!sniff_html(b"<?xml version='1.0'?><rss>"));
        assert!(!sniff_html(b"<pre>")); // `<p` must end the tag name
        assert!(!sniff_html(b""));
    }
}
