//! Reading WARC/1.0 and 1.1 files as other tools write them: gzipped per record, gzipped
//! whole or plain; CRLF or bare LF; target URIs with or without wget's angle brackets.
//! A damaged gzip member or malformed record is reported and reading goes on at the next
//! record; a record cut short by the end of the file is reported, never taken for a whole one.

use std::io::{self, BufRead, BufReader, Read};

use flate2::bufread::GzDecoder;

/// One record read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// `WARC/1.0` or `WARC/1.1`.
    pub version: String,
    /// The named fields in order, names as written.
    pub fields: Vec<(String, String)>,
    /// The block, empty when it was over the size limit (see `oversized`).
    pub block: Vec<u8>,
    /// Its block was larger than the reader's limit and was skipped.
    pub oversized: bool,
    /// Position of the record in the uncompressed stream.
    pub offset: u64,
}

impl Record {
    /// The first value of field `name` (case-insensitive).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `WARC-Type`, lower-cased.
    pub fn kind(&self) -> String {
        self.field("WARC-Type").unwrap_or("").to_ascii_lowercase()
    }

    /// `WARC-Target-URI` without the angle brackets wget's WARC/1.0 puts around it.
    pub fn target_uri(&self) -> Option<&str> {
        self.field("WARC-Target-URI").map(|u| {
            let u = u.trim();
            u.strip_prefix('<')
                .and_then(|u| u.strip_suffix('>'))
                .unwrap_or(u)
        })
    }

    /// How the record names itself in a report: its ID, else its target, else its offset.
    pub fn describe(&self) -> String {
        let id = self.field("WARC-Record-ID").unwrap_or("(no record ID)");
        match self.target_uri() {
            Some(u) => format!("{id} ({u}) at offset {}", self.offset),
            None => format!("{id} at offset {}", self.offset),
        }
    }
}

/// A record that could not be read: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// Position in the uncompressed stream where the problem was met.
    pub offset: u64,
    /// The record's ID (or target) when its header was read.
    pub record: Option<String>,
    /// What was wrong.
    pub message: String,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.record {
            Some(r) => write!(f, "record {r}: {}", self.message),
            None => write!(f, "at offset {}: {}", self.offset, self.message),
        }
    }
}

/// Reads records from a WARC file, gzipped or not.
pub struct Reader<R: BufRead> {
    src: BufReader<Members<R>>,
    offset: u64,
    max_block: u64,
    done: bool,
    /// Results read but not yet returned (a report of junk precedes the record after it).
    queue: std::collections::VecDeque<Result<Record, ReadError>>,
}

impl<R: BufRead> std::fmt::Debug for Reader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader")
            .field("offset", &self.offset)
            .finish()
    }
}

impl<R: BufRead> Reader<R> {
    /// A reader of `input`; blocks longer than `max_block` bytes are skipped.
    pub fn new(mut input: R, max_block: u64) -> io::Result<Self> {
        let gzipped = input.fill_buf()?.starts_with(&[0x1f, 0x8b]);
        Ok(Reader {
            src: BufReader::with_capacity(64 * 1024, Members::new(input, gzipped)),
            offset: 0,
            max_block,
            done: false,
            queue: Default::default(),
        })
    }

    fn error(&self, record: Option<String>, message: impl Into<String>) -> ReadError {
        ReadError {
            offset: self.offset,
            record,
            message: message.into(),
        }
    }

    /// The next line, without its line end; `None` at the end of the stream.
    fn line(&mut self) -> io::Result<Option<String>> {
        let mut buf = Vec::new();
        // Header lines are short; a "line" this long is a block read out of step.
        let n = (&mut self.src)
            .take(64 * 1024)
            .read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.offset += n as u64;
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
    }

    /// Skips to the next `WARC/` version line (blank lines between records are normal);
    /// `Err` names what was skipped when it was anything else.
    fn version_line(&mut self) -> io::Result<Option<(String, Option<String>)>> {
        let mut skipped: Option<String> = None;
        loop {
            let Some(line) = self.line()? else {
                return Ok(None);
            };
            if line.starts_with("WARC/") {
                return Ok(Some((line, skipped)));
            }
            if !line.trim().is_empty() && skipped.is_none() {
                skipped = Some(line.chars().take(60).collect());
            }
        }
    }

    fn read_record(&mut self) -> Result<Option<Record>, ReadError> {
        let offset = self.offset;
        let io = |me: &Self, e: io::Error| me.error(None, describe(&e));
        let (version, skipped) = match self.version_line() {
            Ok(Some(v)) => v,
            Ok(None) => return Ok(None),
            Err(e) => return Err(io(self, e)),
        };
        if let Some(junk) = skipped {
            // Report the junk, then carry on with the record found after it.
            let e = self.error(
                None,
                format!("skipped bytes that are not a WARC record: {junk:?}"),
            );
            self.queue.push_back(Err(e));
        }
        let mut fields = Vec::new();
        loop {
            match self.line() {
                Ok(Some(l)) if l.is_empty() => break,
                Ok(Some(l)) => match l.split_once(':') {
                    Some((n, v)) => fields.push((n.trim().to_owned(), v.trim().to_owned())),
                    // A continuation line (WARC allows folding): part of the previous value.
                    None if l.starts_with([' ', '\t']) => {
                        if let Some((_, v)) = fields.last_mut() {
                            v.push(' ');
                            v.push_str(l.trim());
                        }
                    }
                    None => {
                        return Err(self.error(None, format!("malformed header line {l:?}")));
                    }
                },
                Ok(None) => return Err(self.error(None, "file ends inside a record header")),
                Err(e) => return Err(io(self, e)),
            }
        }
        let mut record = Record {
            version,
            fields,
            block: Vec::new(),
            oversized: false,
            offset,
        };
        let name = Some(record.describe());
        let len = match record
            .field("Content-Length")
            .map(|v| v.trim().parse::<u64>())
        {
            Some(Ok(n)) => n,
            _ => return Err(self.error(name, "no valid Content-Length")),
        };
        let mut take = (&mut self.src).take(len);
        let got = if len > self.max_block {
            record.oversized = true;
            io::copy(&mut take, &mut io::sink())
        } else {
            take.read_to_end(&mut record.block).map(|n| n as u64)
        };
        match got {
            Ok(n) if n == len => self.offset += n,
            Ok(n) => {
                self.offset += n;
                self.done = true;
                return Err(self.error(
                    name,
                    format!("truncated: the file ends {n} bytes into a {len}-byte block"),
                ));
            }
            Err(e) => return Err(self.error(name, describe(&e))),
        }
        Ok(Some(record))
    }
}

/// What a read error means for the record it interrupted.
fn describe(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        "truncated: the file ends inside this record".into()
    } else {
        // A deflate stream cut short and one damaged in the middle look alike to the decoder.
        format!("damaged or truncated gzip data: {e}")
    }
}

impl<R: BufRead> Iterator for Reader<R> {
    type Item = Result<Record, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.queue.is_empty() && !self.done {
            match self.read_record() {
                Ok(Some(r)) => self.queue.push_back(Ok(r)),
                Ok(None) => self.done = true,
                Err(e) => self.queue.push_back(Err(e)),
            }
        }
        self.queue.pop_front()
    }
}

/// The decompressed stream of a file: every gzip member in turn (or the bytes as they are).
/// A damaged member yields one error, then reading resumes at the next member.
struct Members<R: BufRead> {
    /// The file between members; `None` while a member is being decoded.
    input: Option<R>,
    gzipped: bool,
    current: Option<GzDecoder<R>>,
}

impl<R: BufRead> Members<R> {
    fn new(input: R, gzipped: bool) -> Self {
        Members {
            input: Some(input),
            gzipped,
            current: None,
        }
    }
}

impl<R: BufRead> Read for Members<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(mut dec) = self.current.take() {
                match dec.read(buf) {
                    Ok(0) if !buf.is_empty() => self.input = Some(dec.into_inner()),
                    Ok(n) => {
                        self.current = Some(dec);
                        return Ok(n);
                    }
                    Err(e) => {
                        let mut input = dec.into_inner();
                        skip_to_next_member(&mut input)?;
                        self.input = Some(input);
                        return Err(e);
                    }
                }
            }
            let Some(mut input) = self.input.take() else {
                return Ok(0);
            };
            if !self.gzipped {
                let n = input.read(buf);
                self.input = Some(input);
                return n;
            }
            if input.fill_buf()?.is_empty() {
                self.input = Some(input);
                return Ok(0);
            }
            self.current = Some(GzDecoder::new(input));
        }
    }
}

/// Moves `input` to the next gzip member header (`1f 8b 08`) after at least one byte, or to
/// its end.
fn skip_to_next_member<R: BufRead>(input: &mut R) -> io::Result<()> {
    let mut first = true;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        let from = usize::from(first);
        first = false;
        let found = (from..buf.len()).find(|&i| {
            buf[i] == 0x1f
                && buf.get(i + 1).is_none_or(|&b| b == 0x8b)
                && buf.get(i + 2).is_none_or(|&b| b == 0x08)
        });
        match found {
            Some(i) => {
                input.consume(i);
                return Ok(());
            }
            None => {
                let n = buf.len();
                input.consume(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::warc::Writer;

    fn records(bytes: &[u8]) -> Vec<Result<Record, ReadError>> {
        Reader::new(bytes, 1 << 20).unwrap().collect()
    }

    fn two_records() -> (Vec<u8>, usize) {
        let mut w = Writer::new(Vec::new());
        let f = |id| {
            [
                ("WARC-Type", "resource"),
                ("WARC-Record-ID", id),
                ("WARC-Target-URI", "http://a.test/"),
            ]
        };
        w.record(&f("<urn:1>"), &[b"first body"]).unwrap();
        let first = w.file_bytes() as usize;
        w.record(&f("<urn:2>"), &[b"second body"]).unwrap();
        (w.finish().unwrap(), first)
    }

    #[test]
    fn reads_what_the_writer_wrote() {
        let (bytes, _) = two_records();
        let got = records(&bytes);
        assert_eq!(got.len(), 2);
        let r = got[1].as_ref().unwrap();
        assert_eq!(r.block, b"second body");
        assert_eq!(r.field("warc-record-id"), Some("<urn:2>"));
        assert_eq!(r.version, "WARC/1.1");
    }

    #[test]
    fn plain_lf_files_and_angle_brackets_are_read() {
        let text = b"WARC/1.0\nWARC-Type: response\nWARC-Target-URI: <http://a.test/x>\nContent-Length: 3\n\nabc\n\n";
        let got = records(text);
        let r = got[0].as_ref().unwrap();
        assert_eq!(r.target_uri(), Some("http://a.test/x"));
        assert_eq!(r.block, b"abc");
    }

    #[test]
    fn a_truncated_last_member_is_reported_after_the_whole_ones() {
        let (bytes, first) = two_records();
        let cut = &bytes[..first + (bytes.len() - first) / 2];
        let got = records(cut);
        assert!(got[0].is_ok());
        let err = got.last().unwrap().as_ref().unwrap_err();
        assert!(
            err.to_string().contains("truncated") || err.to_string().contains("damaged"),
            "{err}"
        );
        assert_eq!(got.iter().filter(|r| r.is_ok()).count(), 1);
    }

    #[test]
    fn a_damaged_member_is_reported_and_the_next_one_read() {
        let (mut bytes, first) = two_records();
        let mut w = Writer::new(Vec::new());
        w.record(
            &[("WARC-Type", "resource"), ("WARC-Record-ID", "<urn:3>")],
            &[b"third"],
        )
        .unwrap();
        bytes.extend(w.finish().unwrap());
        // Flip a byte inside the second member's compressed data.
        bytes[first + 20] ^= 0xff;
        let got = records(&bytes);
        let ok: Vec<_> = got.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(ok.first().unwrap().field("WARC-Record-ID"), Some("<urn:1>"));
        assert_eq!(ok.last().unwrap().field("WARC-Record-ID"), Some("<urn:3>"));
        assert!(got.iter().any(|r| r.is_err()));
    }
}
