//! Writing WARC/1.1 records, each its own gzip member (so an index can point at any record
//! and a reader can start there).

use std::io::{self, Write};

use flate2::Compression;
use flate2::write::GzEncoder;

/// Writes records to `out`, one gzip member each.
#[derive(Debug)]
pub struct Writer<W: Write> {
    out: CountingWriter<W>,
    /// Uncompressed bytes of all records so far.
    record_bytes: u64,
    level: Compression,
}

impl<W: Write> Writer<W> {
    /// A writer compressing at zlib level 1: pages compress to within a few percent of
    /// level 6 at two to three times the speed, which is what bounds an export.
    pub fn new(out: W) -> Self {
        Writer {
            out: CountingWriter { inner: out, n: 0 },
            record_bytes: 0,
            level: Compression::fast(),
        }
    }

    /// Writes one record: the `WARC/1.1` line, `fields` in order (the caller gives
    /// `WARC-Type`, `WARC-Record-ID`, `WARC-Date` and the rest), `Content-Length` of the
    /// block, a blank line, the block (the concatenation of `block`) and the two CRLFs that
    /// end a record. Field values must be single lines (see [`super::one_line`]).
    pub fn record(&mut self, fields: &[(&str, &str)], block: &[&[u8]]) -> io::Result<()> {
        let len: usize = block.iter().map(|b| b.len()).sum();
        let mut head = String::with_capacity(512);
        head.push_str("WARC/1.1\r\n");
        for (name, value) in fields {
            if value.contains(['\r', '\n']) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("WARC field {name} spans lines"),
                ));
            }
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        head.push_str(&format!("Content-Length: {len}\r\n\r\n"));
        let mut gz = GzEncoder::new(&mut self.out, self.level);
        gz.write_all(head.as_bytes())?;
        for b in block {
            gz.write_all(b)?;
        }
        gz.write_all(b"\r\n\r\n")?;
        gz.finish()?;
        self.record_bytes += (head.len() + len + 4) as u64;
        Ok(())
    }

    /// Uncompressed bytes written so far (headers, blocks, record ends).
    pub fn record_bytes(&self) -> u64 {
        self.record_bytes
    }

    /// Compressed bytes written so far.
    pub fn file_bytes(&self) -> u64 {
        self.out.n
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out.inner)
    }
}

/// Counts the bytes that pass to `inner`.
#[derive(Debug)]
struct CountingWriter<W> {
    inner: W,
    n: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.n += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn each_record_is_its_own_gzip_member() {
        let mut w = Writer::new(Vec::new());
        w.record(&[("WARC-Type", "resource")], &[b"ab", b"c"])
            .unwrap();
        let first = w.file_bytes() as usize;
        w.record(&[("WARC-Type", "resource")], &[b"xyz"]).unwrap();
        let out = w.finish().unwrap();
        let mut one = String::new();
        flate2::read::GzDecoder::new(&out[..first])
            .read_to_string(&mut one)
            .unwrap();
        assert_eq!(
            one,
            "WARC/1.1\r\nWARC-Type: resource\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n"
        );
        let mut two = String::new();
        flate2::read::GzDecoder::new(&out[first..])
            .read_to_string(&mut two)
            .unwrap();
        assert!(two.ends_with("xyz\r\n\r\n"));
    }

    #[test]
    fn a_field_spanning_lines_is_refused() {
        let mut w = Writer::new(Vec::new());
        assert!(w.record(&[("WARC-Target-URI", "a\r\nb")], &[]).is_err());
    }
}
