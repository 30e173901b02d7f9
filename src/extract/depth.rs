//! The nesting-depth cap, applied to the markup before any tree is built: html5ever walks
//! the stack of open elements for most tags, so a page nesting elements thousands deep
//! (150,000 `<div>`s in 1.6 MB) takes minutes to parse. Browsers stop nesting at 512; so
//! does this, by a linear scan that estimates each tag's depth.
//!
//! The estimate counts start and end tags of elements that nest, skipping void elements,
//! elements whose end tag is optional (`p`, `li`, `td`…, closed implicitly by the parser)
//! and the content of raw-text elements. It never honours `/>` on an HTML element, as the
//! parser does not either (`<div/>` opens a `div`).

use std::borrow::Cow;

use memchr::memmem;

/// Deepest nesting kept. Start tags deeper than this (and their end tags) are dropped, so
/// their content joins the element at this depth, as in a browser.
pub const MAX_DEPTH: usize = 512;

/// How the scan treats a tag by its (lower-cased) name.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Nesting {
    /// Void elements (no content, never pushed on the stack) and elements the parser closes
    /// implicitly (their end tags are optional: counting them would make a page of unclosed
    /// paragraphs or list items look deep when its tree is flat).
    Flat,
    /// Elements whose content the tokenizer reads as text up to their end tag.
    RawText,
    /// Everything else.
    Nests,
}

/// A `match` rather than lists searched per tag: the scan runs over every tag of every page.
fn nesting(name: &[u8]) -> Nesting {
    match name {
        // void
        b"area" | b"base" | b"br" | b"col" | b"embed" | b"hr" | b"img" | b"input" | b"keygen"
        | b"link" | b"meta" | b"param" | b"source" | b"track" | b"wbr" | b"basefont"
        | b"bgsound" | b"frame" | b"image"
        // optional end tag
        | b"p" | b"li" | b"dt" | b"dd" | b"option" | b"optgroup" | b"tr" | b"td" | b"th"
        | b"tbody" | b"thead" | b"tfoot" | b"colgroup" | b"caption" | b"rb" | b"rt" | b"rtc"
        | b"rp" | b"html" | b"head" | b"body" => Nesting::Flat,
        b"script" | b"style" | b"textarea" | b"title" | b"xmp" | b"iframe" | b"noembed"
        | b"noframes" | b"noscript" => Nesting::RawText,
        _ => Nesting::Nests,
    }
}

/// How the scan treats the tag named `name`, in any case.
pub(super) fn kind(name: &[u8]) -> Nesting {
    // Lower-cased on the stack: the scan runs over every tag of every page.
    let mut buf = [0u8; 12];
    match buf.get_mut(..name.len()) {
        Some(dst) => {
            for (d, s) in dst.iter_mut().zip(name) {
                *d = s.to_ascii_lowercase();
            }
            nesting(dst)
        }
        // Longer than every listed name: an ordinary (custom) element that nests.
        None => Nesting::Nests,
    }
}

/// The nesting count, for a pass that reads the tags itself ([`scan`], and the attribute
/// pass, which caps as it goes so that the page is walked once).
pub(super) struct Cap {
    depth: usize,
    /// Start tags dropped and not closed yet.
    excess: usize,
    limit: usize,
}

impl Cap {
    pub(super) fn new(limit: usize) -> Cap {
        Cap {
            depth: 0,
            excess: 0,
            limit,
        }
    }

    /// Counts a tag of `kind` (raw-text start tags are the caller's to skip); true when the
    /// tag goes: a start tag deeper than the limit, or an end tag closing one.
    pub(super) fn drops(&mut self, closing: bool, kind: Nesting) -> bool {
        if kind == Nesting::Flat {
            false
        } else if closing {
            if self.excess > 0 {
                self.excess -= 1;
                true
            } else {
                self.depth = self.depth.saturating_sub(1);
                false
            }
        } else if self.depth >= self.limit {
            self.excess += 1;
            true
        } else {
            self.depth += 1;
            false
        }
    }

    /// The estimated depth, dropped start tags included.
    fn reached(&self) -> usize {
        self.depth + self.excess
    }
}

/// The estimated deepest nesting of `html`.
pub fn deepest(html: &str) -> usize {
    scan(html, usize::MAX).0
}

/// `html` with start tags nested deeper than [`MAX_DEPTH`] removed, with their end tags;
/// borrowed when nothing is that deep.
pub(crate) fn cap(html: &str) -> Cow<'_, str> {
    match scan(html, MAX_DEPTH).1 {
        Some(out) => Cow::Owned(out),
        None => Cow::Borrowed(html),
    }
}

/// One tag found by the scan.
struct Tag<'a> {
    closing: bool,
    name: &'a [u8],
    /// Byte offset just past its `>`.
    end: usize,
}

/// Walks the tags of `html`, returning the deepest estimated nesting and, when any start
/// tag lies deeper than `limit`, the markup without those tags and their end tags.
fn scan(html: &str, limit: usize) -> (usize, Option<String>) {
    let b = html.as_bytes();
    let mut cap = Cap::new(limit);
    let mut deepest = 0usize;
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut pos = 0;
    while let Some(k) = memchr::memchr(b'<', &b[pos..]) {
        let lt = pos + k;
        let Some(tag) = read_tag(b, lt) else {
            pos = skip_markup(b, lt);
            continue;
        };
        pos = tag.end;
        let kind = kind(tag.name);
        if !tag.closing && kind == Nesting::RawText {
            pos = end_of_raw_text(b, pos, tag.name);
            continue;
        }
        let dropped = cap.drops(tag.closing, kind);
        deepest = deepest.max(cap.reached());
        if dropped {
            // Both ends are ASCII ('<' and '>'), so they are char boundaries.
            let o = out.get_or_insert_with(|| String::with_capacity(html.len()));
            o.push_str(&html[copied..lt]);
            copied = tag.end;
        }
    }
    if let Some(o) = out.as_mut() {
        o.push_str(&html[copied..]);
    }
    (deepest, out)
}

/// The start or end tag opening at `lt`, if `<` begins one that is terminated.
fn read_tag(b: &[u8], lt: usize) -> Option<Tag<'_>> {
    let closing = b.get(lt + 1) == Some(&b'/');
    let start = lt + 1 + usize::from(closing);
    if !b.get(start)?.is_ascii_alphabetic() {
        return None;
    }
    let len = b[start..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-' || **c == b':')
        .count();
    let name = &b[start..start + len];
    // Attribute values may hold '>' when quoted; jump from one quote or '>' to the next.
    let mut i = start + len;
    loop {
        i += memchr::memchr3(b'>', b'"', b'\'', b.get(i..)?)?;
        match b[i] {
            b'>' => {
                return Some(Tag {
                    closing,
                    name,
                    end: i + 1,
                });
            }
            q => i += 1 + memchr::memchr(q, b.get(i + 1..)?)? + 1,
        }
    }
}

/// Past a comment, doctype or processing instruction at `lt`, or one byte on for a stray `<`.
pub(super) fn skip_markup(b: &[u8], lt: usize) -> usize {
    let rest = &b[lt..];
    if rest.starts_with(b"<!--") {
        return memmem::find(&rest[4..], b"-->").map_or(b.len(), |k| lt + 4 + k + 3);
    }
    if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
        return memchr::memchr(b'>', rest).map_or(b.len(), |k| lt + k + 1);
    }
    lt + 1
}

/// Where the raw text of element `name`, starting at `from`, ends: at its end tag, or at
/// the end of the page when it has none (as the tokenizer reads it: `</name` then a space,
/// `/` or `>`).
pub(super) fn end_of_raw_text(b: &[u8], from: usize, name: &[u8]) -> usize {
    let mut pos = from;
    while let Some(k) = memmem::find(&b[pos..], b"</") {
        let at = pos + k;
        let after = at + 2 + name.len();
        if b.get(at + 2..after)
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
            && b.get(after)
                .is_some_and(|&c| c.is_ascii_whitespace() || c == b'/' || c == b'>')
        {
            return at;
        }
        pos = at + 2;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(n: usize) -> String {
        format!("{}deep{}", "<div>".repeat(n), "</div>".repeat(n))
    }

    #[test]
    fn flat_pages_are_left_alone() {
        let html = "<html><body><p>a<p>b<ul><li>x<li>y</ul><img src=a><br>\
                    <div title='a>b'>c</div></body></html>";
        assert!(matches!(cap(html), Cow::Borrowed(_)));
        assert_eq!(deepest(html), 1);
    }

    #[test]
    fn tags_past_the_cap_go_with_their_end_tags_and_text_stays() {
        let html = nested(MAX_DEPTH + 100);
        assert_eq!(deepest(&html), MAX_DEPTH + 100);
        let capped = cap(&html);
        assert_eq!(deepest(&capped), MAX_DEPTH);
        assert_eq!(capped, nested(MAX_DEPTH));
    }

    #[test]
    fn self_closing_divs_still_nest() {
        assert_eq!(deepest(&"<div/>".repeat(600)), 600);
    }

    #[test]
    fn raw_text_and_comments_are_not_markup() {
        let html = format!(
            "<textarea>{}</textarea><!-- {} --><script>'{}'</script><p>ok",
            "<div>".repeat(900),
            "<div>".repeat(900),
            "<div>".repeat(900)
        );
        assert_eq!(deepest(&html), 0);
    }
}
