//! Before parsing: drops the attributes the extractor never reads (`data-*`, image sources,
//! event handlers, sizes), about a fifth of a news page's markup. The HTML tokenizer copies
//! an attribute value one character at a time, so these were a large share of the parse.
//!
//! Only attributes whose removal cannot change the tree go: the tree builder reads none of
//! them, and no pass of the extractor does (it reads `class`, `id`, `style`, `itemprop`,
//! `href`, `content`… by name). `href` is the one read by value: a `<link>`'s (the canonical
//! URL), one containing `/author` (a byline's author link) and one inside an `<h1>` (a
//! masthead's link home) are read, every other goes; it
//! was the largest attribute left, about a tenth of the parsed bytes. Site selectors may match any attribute, so a page extracted
//! with selectors is parsed whole. Raw-text content (`<title>`, a JSON-LD `<script>`,
//! `<textarea>`…) is text, not markup, and is left alone.

use std::borrow::Cow;

use super::depth::{self, MAX_DEPTH, Nesting};

/// Elements whose content the tokenizer reads as text up to their end tag.
const RAW_TEXT: &[&[u8]] = &[
    b"script",
    b"style",
    b"textarea",
    b"title",
    b"xmp",
    b"iframe",
    b"noembed",
    b"noframes",
    b"noscript",
    b"plaintext",
];

/// Attribute names (lower-case) that are dropped, besides `data-*` and `on*`.
const DROPPED: &[&[u8]] = &[
    b"src",
    b"srcset",
    b"sizes",
    b"alt",
    b"width",
    b"height",
    b"loading",
    b"decoding",
    b"target",
    b"xlink:href",
    b"aria-label",
    b"d",
];

fn dropped(name: &[u8]) -> bool {
    let prefix = |p: &[u8]| {
        name.get(..p.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(p))
    };
    match name.first().map(u8::to_ascii_lowercase) {
        Some(b'd') => prefix(b"data-") || DROPPED.iter().any(|d| d.eq_ignore_ascii_case(name)),
        Some(b'o') => name.len() > 2 && prefix(b"on"),
        // The first letters of the other dropped names: `class`, `id`, `itemprop`, `rel`,
        // `role`, `content` stop at this test.
        Some(b's' | b'a' | b'w' | b'h' | b'l' | b't' | b'x') => {
            DROPPED.iter().any(|d| d.eq_ignore_ascii_case(name))
        }
        _ => false,
    }
}

/// Whether `attr` (the whole `href=value` bytes) is an `href` the extractor never reads: any
/// but a `<link>`'s, unless its value holds `/author` or a character reference (which could
/// decode to one; otherwise the parsed value is the raw one).
fn unread_href(tag: &[u8], attr: &[u8]) -> bool {
    !tag.eq_ignore_ascii_case(b"link")
        && !memchr::memchr2_iter(b'&', b'/', attr)
            .any(|i| attr[i] == b'&' || attr[i + 1..].starts_with(b"author"))
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// `html` without the dropped attributes, capped at [`MAX_DEPTH`] as [`depth::cap`] does
/// (one walk over the tags for both); borrowed when nothing goes.
pub(crate) fn strip(html: &str) -> Cow<'_, str> {
    let b = html.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut pos = 0;
    let mut cap = depth::Cap::new(MAX_DEPTH);
    // Open <h1>s: their links' targets tell a masthead from a headline.
    let mut in_h1: u32 = 0;
    while let Some(k) = memchr::memchr(b'<', b.get(pos..).unwrap_or_default()) {
        let lt = pos + k;
        let closing = b.get(lt + 1) == Some(&b'/');
        let name_start = lt + 1 + usize::from(closing);
        if !b.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            pos = depth::skip_markup(b, lt);
            continue;
        }
        let name_end = (name_start..b.len())
            .find(|&i| is_space(b[i]) || b[i] == b'/' || b[i] == b'>')
            .unwrap_or(b.len());
        let name = &b[name_start..name_end];
        let kind = depth::kind(name);
        let deep = (closing || kind != Nesting::RawText) && cap.drops(closing, kind);
        if name.eq_ignore_ascii_case(b"h1") {
            in_h1 = if closing {
                in_h1.saturating_sub(1)
            } else {
                in_h1 + 1
            };
        }
        // End tags are walked too (their attributes are ignored, and kept) so that a quoted
        // '<' in one is not taken for a tag.
        let Some(end) = attributes(b, name, name_end, in_h1 > 0, |from, to| {
            if closing || deep {
                return;
            }
            // Both ends sit on ASCII bytes (a name's first byte, a quote or the byte before
            // a space or '>'), so they are char boundaries.
            let o = out.get_or_insert_with(|| String::with_capacity(html.len()));
            o.push_str(&html[copied..from]);
            copied = to;
        }) else {
            break;
        };
        if deep {
            // '<' and the byte past '>' are char boundaries.
            let o = out.get_or_insert_with(|| String::with_capacity(html.len()));
            o.push_str(&html[copied..lt]);
            copied = end;
        }
        pos = end;
        if let Some(raw) = RAW_TEXT
            .iter()
            .find(|r| !closing && r.eq_ignore_ascii_case(name))
        {
            pos = depth::end_of_raw_text(b, pos, raw);
        }
    }
    match out {
        Some(mut o) => {
            o.push_str(&html[copied..]);
            Cow::Owned(o)
        }
        None => Cow::Borrowed(html),
    }
}

/// Walks the attributes of a start tag from `i` (just past its name), calling `drop` with
/// the byte range of each dropped attribute (every `href` stays when `keep_hrefs`); returns
/// the offset past the tag's `>`, or `None` when the tag runs to the end of the page (which
/// is then left as it is).
fn attributes(
    b: &[u8],
    tag: &[u8],
    mut i: usize,
    keep_hrefs: bool,
    mut drop: impl FnMut(usize, usize),
) -> Option<usize> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut first_href: Option<bool> = None;
    loop {
        while is_space(*b.get(i)?) || b[i] == b'/' {
            i += 1;
        }
        if b[i] == b'>' {
            break;
        }
        // A name runs to a space, '/', '>' or '='; a leading '=' belongs to it.
        let start = i;
        i += 1;
        while !matches!(*b.get(i)?, b'/' | b'>' | b'=') && !is_space(b[i]) {
            i += 1;
        }
        let name = &b[start..i];
        let mut j = i;
        while is_space(*b.get(j)?) {
            j += 1;
        }
        if b[j] == b'=' {
            j += 1;
            while is_space(*b.get(j)?) {
                j += 1;
            }
            i = match b[j] {
                q @ (b'"' | b'\'') => j + 1 + memchr::memchr(q, b.get(j + 1..)?)? + 1,
                b'>' => j,
                _ => {
                    let mut e = j;
                    while !is_space(*b.get(e)?) && b[e] != b'>' {
                        e += 1;
                    }
                    e
                }
            };
        }
        // The tokenizer keeps only the first of duplicate attributes: it decides for the rest.
        let href = name.eq_ignore_ascii_case(b"href")
            && !keep_hrefs
            && *first_href.get_or_insert_with(|| unread_href(tag, &b[start..i]));
        if href || dropped(name) {
            spans.push((start, i));
        }
    }
    // Only a complete tag is rewritten.
    for (from, to) in spans {
        drop(from, to);
    }
    Some(i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unread_attributes_go_read_ones_stay() {
        let html = r#"<div class="a" data-x='1>2' id=b><img src=x.jpg alt="An image" srcset="a 1x, b 2x"><a rel=author onclick="f()" target=_blank>t</a></div>"#;
        assert_eq!(
            strip(html),
            r#"<div class="a"  id=b><img   ><a rel=author  >t</a></div>"#
        );
    }

    #[test]
    fn the_depth_cap_applies_in_the_same_walk() {
        let nested = |n: usize| {
            format!(
                "{}<p data-x=1>deep{}",
                "<div>".repeat(n),
                "</div>".repeat(n)
            )
        };
        let html = nested(MAX_DEPTH + 40);
        assert_eq!(strip(&html), nested(MAX_DEPTH).replace("data-x=1", ""));
        assert_eq!(strip(&html), depth::cap(&strip(&html)));
    }

    #[test]
    fn only_hrefs_read_stay() {
        let html = r#"<LINK rel=canonical href="/c"><a href="/p">p</a><a HREF='/author/x'>x</a><a href="&#x2F;author">y</a><base href=/><a href=/p href=/author>"#;
        assert_eq!(
            strip(html),
            r#"<LINK rel=canonical href="/c"><a >p</a><a HREF='/author/x'>x</a><a href="&#x2F;author">y</a><base ><a  >"#
        );
        let masthead = r#"<h1><a href="/blog/">Blog</a></h1><p><a href="/p">p</a></p>"#;
        assert_eq!(
            strip(masthead),
            r#"<h1><a href="/blog/">Blog</a></h1><p><a >p</a></p>"#
        );
    }

    #[test]
    fn raw_text_end_tags_and_unterminated_tags_are_left_alone() {
        let html = r#"<title><img src=x></title><script type="application/ld+json">"<b data-x=1>"</script></p data-x=1><p data-y="open"#;
        assert_eq!(strip(html), html);
        assert!(matches!(strip("<p class=a>x</p>"), Cow::Borrowed(_)));
        // A quoted '<' in an end tag is no tag; a raw-text end tag needs its delimiter.
        let html = r#"</p title="<b data-x=1>"><textarea></textarea-x><i data-y=2></textarea>"#;
        assert_eq!(strip(html), html);
    }
}
