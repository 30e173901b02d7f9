//! Before parsing: drops the bodies of `<script>` (except JSON-LD) and `<style>` elements, which are
//! about half the bytes of a news page and never text, so the HTML tokenizer need not walk them.

use std::borrow::Cow;

use memchr::memmem;

/// The raw-text elements whose content is skipped.
/// `svg` is not raw text, but its content is drawing, never article text.
const RAW: &[&[u8]] = &[b"script", b"style", b"svg"];

fn starts_with_ci(hay: &[u8], at: usize, needle: &[u8]) -> bool {
    hay.get(at..at + needle.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(needle))
}

fn is_delim(b: Option<&u8>) -> bool {
    matches!(
        b,
        Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>')
    )
}

/// Finds the end tag `</name` followed by a delimiter, as the tokenizer's raw-text states do.
fn find_end_tag(hay: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let finder = memmem::Finder::new(b"</");
    let mut pos = from;
    while let Some(k) = finder.find(hay.get(pos..)?) {
        let at = pos + k;
        if starts_with_ci(hay, at + 2, name) && is_delim(hay.get(at + 2 + name.len())) {
            return Some(at);
        }
        pos = at + 2;
    }
    None
}

/// The page with script (non-JSON-LD) and style contents removed; borrowed when there are none.
pub(crate) fn strip(html: &str) -> Cow<'_, str> {
    let b = html.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0; // bytes of `html` already handled
    let mut pos = 0;
    while let Some(k) = memchr::memchr(b'<', b.get(pos..).unwrap_or_default()) {
        let lt = pos + k;
        pos = lt + 1;
        // Most '<' open other tags: one byte tells (`!` a comment, `s` the raw elements).
        if !matches!(b.get(lt + 1), Some(b'!' | b's' | b'S')) {
            continue;
        }
        // Comments go whole (conditional comments included).
        if b.get(lt + 1..lt + 4) == Some(b"!--") {
            let Some(close) = memmem::find(b.get(lt + 4..).unwrap_or_default(), b"-->") else {
                break;
            };
            let end = lt + 4 + close + 3;
            // Streamed rendering's boundary marks (`<!--$?-->` … `<!--/$-->`) stay: they
            // delimit the fallback a streamed part replaces (`dom::Streamed`).
            if matches!(
                b.get(lt + 4..lt + 4 + close),
                Some(b"$" | b"$?" | b"$!" | b"/$")
            ) {
                pos = end;
                continue;
            }
            let o = out.get_or_insert_with(|| String::with_capacity(html.len() / 2));
            o.push_str(&html[copied..lt]);
            copied = end;
            pos = end;
            continue;
        }
        let Some(name) = RAW
            .iter()
            .find(|n| starts_with_ci(b, lt + 1, n) && is_delim(b.get(lt + 1 + n.len())))
        else {
            continue;
        };
        let Some(gt) = memchr::memchr(b'>', b.get(lt..).unwrap_or_default()).map(|g| lt + g) else {
            break;
        };
        let tag = &b[lt..gt];
        if *name == b"script" && memmem::find(&tag.to_ascii_lowercase(), b"ld+json").is_some() {
            pos = gt + 1;
            continue;
        }
        let Some(end) = find_end_tag(b, gt + 1, name) else {
            break;
        };
        if end > gt + 1 {
            // Both cut points sit on ASCII bytes ('>' and '<'), so they are char boundaries.
            let o = out.get_or_insert_with(|| String::with_capacity(html.len() / 2));
            o.push_str(&html[copied..=gt]);
            copied = end;
        }
        pos = end + 2;
    }
    match out {
        Some(mut o) => {
            o.push_str(&html[copied..]);
            Cow::Owned(o)
        }
        None => Cow::Borrowed(html),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_and_style_bodies_go_json_ld_stays() {
        let html = r#"<p>a</p><SCRIPT src=x>var s = "<p>no</p>";</SCRIPT ><style>p{}</style><script type="application/ld+json">{"a":1}</script><scripts>keep</scripts>"#;
        assert_eq!(
            strip(html),
            r#"<p>a</p><SCRIPT src=x></SCRIPT ><style></style><script type="application/ld+json">{"a":1}</script><scripts>keep</scripts>"#
        );
    }

    #[test]
    fn comments_and_svg_drawings_go() {
        let html =
            "<p>a<!-- x <p>hidden</p> --></p><svg viewBox='0 0 1 1'><path d='M0'/></svg><p>b</p>";
        assert_eq!(strip(html), "<p>a</p><svg viewBox='0 0 1 1'></svg><p>b</p>");
    }

    #[test]
    fn streamed_boundary_marks_stay() {
        let html =
            "<!--$?--><template id=\"B:0\"></template><i>Loading</i><!--/$--><!-- x --><!--$-->";
        assert_eq!(
            strip(html),
            "<!--$?--><template id=\"B:0\"></template><i>Loading</i><!--/$--><!--$-->"
        );
    }

    #[test]
    fn unterminated_script_is_left_alone() {
        let html = "<p>a</p><script>never closed <p>b";
        assert_eq!(strip(html), html);
    }
}
