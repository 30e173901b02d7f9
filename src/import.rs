//! `emend import --warc`: HTML pages from WARC files written by other crawlers (wget,
//! warcio, pywb, Heritrix, Browsertrix) into the history. Each HTML response becomes a
//! check of its URL at its `WARC-Date`, in date order across all files, through the same
//! extraction, comparison and commit as a live check. Bad records are reported and skipped.
//!
//! Captures are held in memory (bodies zstd-compressed) until every file is read, so that
//! they can be replayed in date order whatever order the files and records come in.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use url::Url;

use crate::error::Result;
use crate::fetch::{Page, Resource, charset_of, decode_html, is_html};
use crate::model::{ChangeKind, HttpExchange, RequestHead, ResponseHead};
use crate::pipeline::Pipeline;
use crate::store::Archive;
use crate::warc::{Reader, Record, parse_date};

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// Records read, across all files.
    pub records: u64,
    /// HTML pages found (2xx responses and resources).
    pub pages: u64,
    /// Pages that made a new version.
    pub versions: u64,
    /// Pages that matched the version before them.
    pub unchanged: u64,
    /// Pages older than the history already stored for their article, left out.
    pub older: u64,
    /// Every problem, one line each, naming the file and record.
    pub problems: Vec<String>,
}

/// One HTML page read from a WARC file.
struct Capture {
    at: DateTime<Utc>,
    url: Url,
    /// `WARC-Record-ID` and the IDs it is concurrent to, to find its request.
    id: Option<String>,
    concurrent: Vec<String>,
    head: Option<ResponseHead>,
    ip: Option<String>,
    content_type: Option<String>,
    /// The body after transfer and content decoding, zstd-compressed while waiting.
    packed: Vec<u8>,
    /// Where it came from, for reports.
    origin: String,
}

/// Reads every file, then replays its HTML pages in date order through `pipeline`.
/// `max_body` bounds a page as it bounds a fetch.
pub async fn import_warcs<A: Archive>(
    pipeline: &Pipeline<A>,
    files: &[PathBuf],
    max_body: u64,
) -> Result<ImportReport> {
    let mut report = ImportReport::default();
    let mut captures = Vec::new();
    let mut requests: HashMap<String, RequestHead> = HashMap::new();
    for file in files {
        read_file(file, max_body, &mut report, &mut captures, &mut requests);
    }
    // Stable: pages of one time keep their file order.
    captures.sort_by_key(|c| c.at);
    for c in captures {
        replay(pipeline, c, &requests, &mut report).await?;
    }
    Ok(report)
}

fn read_file(
    file: &Path,
    max_body: u64,
    report: &mut ImportReport,
    captures: &mut Vec<Capture>,
    requests: &mut HashMap<String, RequestHead>,
) {
    let name = file.display().to_string();
    let reader = std::fs::File::open(file)
        .map(|f| std::io::BufReader::with_capacity(256 * 1024, f))
        .and_then(|f| Reader::new(f, max_body));
    let reader = match reader {
        Ok(r) => r,
        Err(e) => {
            report.problems.push(format!("{name}: cannot read: {e}"));
            return;
        }
    };
    for item in reader {
        let rec = match item {
            Ok(r) => r,
            Err(e) => {
                report.problems.push(format!("{name}: {e}"));
                continue;
            }
        };
        report.records += 1;
        match take(&rec, max_body, &name) {
            Ok(Taken::Page(c)) => captures.push(*c),
            Ok(Taken::Request(key, head)) => {
                requests.insert(key, head);
            }
            Ok(Taken::Other) => {}
            Err(why) => report
                .problems
                .push(format!("{name}: record {}: {why}", rec.describe())),
        }
    }
}

enum Taken {
    Page(Box<Capture>),
    /// A request, under the ID of the record it is concurrent to (else its own ID).
    Request(String, RequestHead),
    Other,
}

/// What a record gives the import; `Err` says why a record that should have been a page
/// could not be.
fn take(rec: &Record, max_body: u64, origin: &str) -> std::result::Result<Taken, String> {
    let kind = rec.kind();
    if !matches!(kind.as_str(), "response" | "resource" | "request") {
        return Ok(Taken::Other);
    }
    let Some(uri) = rec.target_uri() else {
        return Err("no WARC-Target-URI".into());
    };
    let Ok(url) = Url::parse(uri) else {
        return Err(format!("target {uri:?} is not a URL"));
    };
    if !matches!(url.scheme(), "http" | "https") {
        return Ok(Taken::Other);
    }
    let at = rec
        .field("WARC-Date")
        .and_then(parse_date)
        .ok_or("no valid WARC-Date")?;
    if rec.oversized {
        return Err(format!("block over the {max_body}-byte limit"));
    }
    let id = rec.field("WARC-Record-ID").map(str::to_owned);
    let concurrent: Vec<String> = rec
        .fields
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("WARC-Concurrent-To"))
        .map(|(_, v)| v.clone())
        .collect();
    let (head, body, content_type) = match kind.as_str() {
        "request" => {
            let head = parse_request(&rec.block, &url).ok_or("malformed HTTP request")?;
            let key = concurrent.first().cloned().or(id).unwrap_or_default();
            return Ok(Taken::Request(key, head));
        }
        "response" => {
            let (head, body) = parse_response(&rec.block, max_body)?;
            if !(200..300).contains(&head.status) {
                return Ok(Taken::Other);
            }
            let ct = head.header("content-type").map(str::to_owned);
            (Some(head), body, ct)
        }
        _ => (
            None,
            rec.block.clone(),
            rec.field("Content-Type").map(str::to_owned),
        ),
    };
    if !is_html(content_type.as_deref(), &body) {
        return Ok(Taken::Other);
    }
    let packed = zstd::bulk::compress(&body, 1).map_err(|e| e.to_string())?;
    Ok(Taken::Page(Box::new(Capture {
        at,
        url,
        id,
        concurrent,
        head,
        ip: rec.field("WARC-IP-Address").map(str::to_owned),
        content_type,
        packed,
        origin: format!("{origin}: record {}", rec.describe()),
    })))
}

/// Stores one page (unless its article already has a later history).
async fn replay<A: Archive>(
    pipeline: &Pipeline<A>,
    c: Capture,
    requests: &HashMap<String, RequestHead>,
    report: &mut ImportReport,
) -> Result<()> {
    report.pages += 1;
    let store = pipeline.archive();
    if let Some(key) = store.resolve(c.url.as_str()).await? {
        if let Some(latest) = store.latest(&key).await? {
            if latest.fetched_at > c.at {
                report.older += 1;
                return Ok(());
            }
        }
    }
    let body = match zstd::bulk::decompress(&c.packed, usize::MAX >> 1) {
        Ok(b) => b,
        Err(e) => {
            report.problems.push(format!("{}: {e}", c.origin));
            return Ok(());
        }
    };
    let request =
        c.id.iter()
            .chain(&c.concurrent)
            .find_map(|id| requests.get(id))
            .cloned();
    let exchange = c.head.clone().map(|response| {
        Box::new(HttpExchange {
            request,
            response,
            ip: c.ip.clone(),
        })
    });
    let charset = c.content_type.as_deref().and_then(charset_of);
    let decoded = decode_html(&body, charset.as_deref(), Some(&c.url));
    let header = |n: &str| c.head.as_ref().and_then(|h| h.header(n)).map(str::to_owned);
    let page = Page {
        response: Resource {
            final_url: c.url.clone(),
            status: c.head.as_ref().map_or(200, |h| h.status),
            content_type: c.content_type.clone(),
            etag: header("etag"),
            last_modified: header("last-modified"),
            body: body.into(),
            elapsed: std::time::Duration::ZERO,
            redirects: Vec::new(),
            exchange,
        },
        text: decoded.text,
        encoding: decoded.encoding,
    };
    match pipeline.import_page(&c.url, page, c.at).await {
        Ok(r) if r.change == ChangeKind::Unchanged => report.unchanged += 1,
        Ok(_) => report.versions += 1,
        Err(e) if e.is_store_failure() => return Err(e),
        Err(e) => report.problems.push(format!("{}: {e}", c.origin)),
    }
    Ok(())
}

/// Splits an HTTP message into its head lines and the bytes after the blank line.
fn split_head(block: &[u8]) -> Option<(Vec<String>, &[u8])> {
    let (end, skip) = memchr::memmem::find(block, b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| memchr::memmem::find(block, b"\n\n").map(|i| (i, 2)))?;
    let head = String::from_utf8_lossy(&block[..end]);
    let lines = head
        .lines()
        .map(|l| l.trim_end_matches('\r').to_owned())
        .collect();
    Some((lines, &block[end + skip..]))
}

fn parse_headers(lines: &[String]) -> Vec<(String, String)> {
    lines
        .iter()
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

fn parse_request(block: &[u8], url: &Url) -> Option<RequestHead> {
    let (lines, _) = split_head(block)?;
    let method = lines.first()?.split_whitespace().next()?.to_owned();
    Some(RequestHead {
        method,
        url: url.to_string(),
        headers: parse_headers(&lines[1..]),
    })
}

/// The head and decoded body of an archived HTTP response. The body is de-chunked and
/// content-decoded (gzip, deflate) as a live fetch stores it, and the head loses the
/// framing and coding headers that no longer describe it.
fn parse_response(
    block: &[u8],
    max_body: u64,
) -> std::result::Result<(ResponseHead, Vec<u8>), String> {
    let (lines, raw) = split_head(block).ok_or("no end to the HTTP head")?;
    let status_line = lines.first().ok_or("empty HTTP head")?;
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default().to_owned();
    let status = parts
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|_| version.starts_with("HTTP/"))
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let reason = parts.next().unwrap_or_default().to_owned();
    let mut headers = parse_headers(&lines[1..]);
    let value = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    let chunked = value("transfer-encoding").is_some_and(|v| v.contains("chunked"));
    let coding = value("content-encoding").filter(|v| v != "identity");
    let mut body = if chunked { dechunk(raw)? } else { raw.to_vec() };
    if let Some(coding) = &coding {
        body = decode(&body, coding, max_body)?;
    }
    headers.retain(|(n, _)| {
        !(n.eq_ignore_ascii_case("transfer-encoding")
            || (coding.is_some() && n.eq_ignore_ascii_case("content-encoding"))
            || (coding.is_some() && n.eq_ignore_ascii_case("content-length")))
    });
    Ok((
        ResponseHead {
            version,
            status,
            reason,
            headers,
        },
        body,
    ))
}

/// Undoes chunked transfer coding; a body cut short keeps what arrived.
fn dechunk(mut raw: &[u8]) -> std::result::Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(raw.len());
    loop {
        let Some(eol) = memchr::memmem::find(raw, b"\r\n") else {
            return Ok(out);
        };
        let size_text = String::from_utf8_lossy(&raw[..eol]);
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        raw = &raw[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        let take = size.min(raw.len());
        out.extend_from_slice(&raw[..take]);
        raw = raw.get(take + 2..).unwrap_or(&[]);
    }
}

fn decode(body: &[u8], coding: &str, max_body: u64) -> std::result::Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let read = match coding {
        "gzip" | "x-gzip" => flate2::read::MultiGzDecoder::new(body)
            .take(max_body + 1)
            .read_to_end(&mut out),
        "deflate" => flate2::read::ZlibDecoder::new(body)
            .take(max_body + 1)
            .read_to_end(&mut out),
        other => return Err(format!("content coding {other:?} is not supported")),
    };
    read.map_err(|e| format!("cannot decode {coding} body: {e}"))?;
    if out.len() as u64 > max_body {
        return Err(format!("decoded body over the {max_body}-byte limit"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_and_gzipped_responses_are_decoded_and_their_head_cleaned() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, b"<p>hello</p>").unwrap();
        let zipped = gz.finish().unwrap();
        let mut block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n".to_vec();
        block.extend(format!("{:x}\r\n", zipped.len()).as_bytes());
        block.extend(&zipped);
        block.extend(b"\r\n0\r\n\r\n");
        let (head, body) = parse_response(&block, 1 << 20).unwrap();
        assert_eq!(body, b"<p>hello</p>");
        assert_eq!(head.status, 200);
        assert_eq!(
            head.headers,
            [("Content-Type".to_owned(), "text/html".to_owned())]
        );
    }

    #[test]
    fn a_bad_status_line_is_an_error() {
        assert!(parse_response(b"garbage\r\n\r\nbody", 100).is_err());
        assert!(parse_response(b"no head end", 100).is_err());
    }
}
