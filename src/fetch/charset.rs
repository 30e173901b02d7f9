//! Text decoding of HTML bytes: HTTP charset, then BOM, then the `<meta>` prescan, then chardetng.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
use url::Url;

/// How many leading bytes the `<meta charset>` prescan looks at (as the HTML standard does).
const PRESCAN_LIMIT: usize = 1024;

/// HTML bytes turned into text, and the encoding that was used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The decoded text (malformed sequences become U+FFFD).
    pub text: String,
    /// The encoding's WHATWG name, e.g. `UTF-8`, `windows-1251`.
    pub encoding: &'static str,
}

/// Decodes an HTML document.
///
/// The encoding is the first of: the HTTP `charset` parameter (`http_charset`), a byte order
/// mark, a `<meta charset>` / `http-equiv="Content-Type"` in the first 1024 bytes, and
/// chardetng's guess (helped by the top-level domain of `url`, when given).
pub fn decode_html(bytes: &[u8], http_charset: Option<&str>, url: Option<&Url>) -> Decoded {
    let encoding = http_charset
        .and_then(|label| Encoding::for_label(label.trim().as_bytes()))
        .map(html_override)
        .or_else(|| Encoding::for_bom(bytes).map(|(e, _)| e))
        .or_else(|| prescan(bytes))
        .unwrap_or_else(|| detect(bytes, url));
    // A BOM matching the chosen encoding is not text.
    let (text, _) = encoding.decode_with_bom_removal(bytes);
    Decoded {
        text: text.into_owned(),
        encoding: encoding.name(),
    }
}

/// The HTML standard's substitutions for labels a document cannot really be in.
fn html_override(e: &'static Encoding) -> &'static Encoding {
    if e == encoding_rs::X_USER_DEFINED {
        WINDOWS_1252
    } else {
        e
    }
}

fn detect(bytes: &[u8], url: Option<&Url>) -> &'static Encoding {
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(bytes, true);
    det.guess(url.and_then(tld), chardetng::Utf8Detection::Allow)
}

/// The last label of a domain host, in the form chardetng accepts (lower-case ASCII, no dot).
fn tld(url: &Url) -> Option<&[u8]> {
    let Some(url::Host::Domain(d)) = url.host() else {
        return None;
    };
    let label = d.trim_end_matches('.').rsplit('.').next()?;
    let ok = !label.is_empty()
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    ok.then_some(label.as_bytes())
}

/// The HTML standard's "prescan a byte stream to determine its encoding", on the first 1024 bytes.
fn prescan(bytes: &[u8]) -> Option<&'static Encoding> {
    let b = &bytes[..bytes.len().min(PRESCAN_LIMIT)];
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"<!--") {
            i += 4 + find(&rest[4..], b"-->").map_or(rest.len(), |p| p + 3);
        } else if starts_with_ci(rest, b"<meta")
            && rest.get(5).is_some_and(|c| is_space(*c) || *c == b'/')
        {
            let mut p = i + 5;
            if let Some(e) = meta_charset(b, &mut p) {
                return Some(e);
            }
            i = p.max(i + 1);
        } else if rest.len() > 2
            && rest[0] == b'<'
            && (rest[1].is_ascii_alphabetic() || (rest[1] == b'/' && rest[2].is_ascii_alphabetic()))
        {
            // Some other tag: step over its name and attributes, so a `<meta` inside an
            // attribute value is not taken for a tag.
            let mut p = i + 1;
            while p < b.len() && !is_space(b[p]) && b[p] != b'>' {
                p += 1;
            }
            while attribute(b, &mut p).is_some() {}
            i = p.max(i + 1);
        } else if rest.starts_with(b"<!") || rest.starts_with(b"</") || rest.starts_with(b"<?") {
            i += find(rest, b">").map_or(rest.len(), |p| p + 1);
        } else {
            i += 1;
        }
    }
    None
}

/// Reads a `<meta>` tag's attributes from `*p` and returns the encoding it declares, if any.
fn meta_charset(b: &[u8], p: &mut usize) -> Option<&'static Encoding> {
    let mut got_pragma = false;
    let mut need_pragma: Option<bool> = None;
    let mut charset: Option<&'static Encoding> = None;
    let mut seen: Vec<Vec<u8>> = Vec::new();
    while let Some((name, value)) = attribute(b, p) {
        if seen.contains(&name) {
            continue;
        }
        match name.as_slice() {
            b"http-equiv" => got_pragma |= value.eq_ignore_ascii_case(b"content-type"),
            b"content" if charset.is_none() => {
                if let Some(e) = charset_from_content(&value) {
                    charset = Some(e);
                    need_pragma = Some(true);
                }
            }
            b"charset" => {
                charset = Encoding::for_label(trim(&value));
                need_pragma = Some(false);
            }
            _ => {}
        }
        seen.push(name);
    }
    let charset = charset?;
    if need_pragma == Some(true) && !got_pragma {
        return None;
    }
    // A document that really were UTF-16 could not have been prescanned as ASCII.
    if charset == encoding_rs::UTF_16BE || charset == encoding_rs::UTF_16LE {
        return Some(UTF_8);
    }
    Some(html_override(charset))
}

/// "Get an attribute" from the HTML standard: lower-cased name and raw value; `None` at `>` or the end.
fn attribute(b: &[u8], p: &mut usize) -> Option<(Vec<u8>, Vec<u8>)> {
    while *p < b.len() && (is_space(b[*p]) || b[*p] == b'/') {
        *p += 1;
    }
    if *p >= b.len() || b[*p] == b'>' {
        if *p < b.len() {
            *p += 1;
        }
        return None;
    }
    let mut name = Vec::new();
    while *p < b.len() {
        let c = b[*p];
        if (c == b'=' && !name.is_empty()) || is_space(c) || c == b'/' || c == b'>' {
            break;
        }
        name.push(c.to_ascii_lowercase());
        *p += 1;
    }
    while *p < b.len() && is_space(b[*p]) {
        *p += 1;
    }
    if b.get(*p) != Some(&b'=') {
        return Some((name, Vec::new()));
    }
    *p += 1;
    while *p < b.len() && is_space(b[*p]) {
        *p += 1;
    }
    let mut value = Vec::new();
    match b.get(*p) {
        Some(&q) if q == b'"' || q == b'\'' => {
            *p += 1;
            while *p < b.len() && b[*p] != q {
                value.push(b[*p].to_ascii_lowercase());
                *p += 1;
            }
            *p += 1;
        }
        _ => {
            while *p < b.len() && !is_space(b[*p]) && b[*p] != b'>' {
                value.push(b[*p].to_ascii_lowercase());
                *p += 1;
            }
        }
    }
    Some((name, value))
}

/// "Extract a character encoding from a meta element" (the `content` attribute form).
fn charset_from_content(v: &[u8]) -> Option<&'static Encoding> {
    let mut i = 0;
    loop {
        let at = i + find_ci(&v[i..], b"charset")?;
        let mut p = at + 7;
        while p < v.len() && is_space(v[p]) {
            p += 1;
        }
        if v.get(p) != Some(&b'=') {
            i = at + 7;
            continue;
        }
        p += 1;
        while p < v.len() && is_space(v[p]) {
            p += 1;
        }
        let rest = &v[p..];
        let label = match rest.first() {
            Some(&q) if q == b'"' || q == b'\'' => {
                let end = rest[1..].iter().position(|c| *c == q)?;
                &rest[1..=end]
            }
            _ => {
                let end = rest
                    .iter()
                    .position(|c| is_space(*c) || *c == b';')
                    .unwrap_or(rest.len());
                &rest[..end]
            }
        };
        return Encoding::for_label(label);
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r')
}

fn trim(v: &[u8]) -> &[u8] {
    let start = v.iter().position(|c| !is_space(*c)).unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|c| !is_space(*c))
        .map_or(start, |e| e + 1);
    &v[start..end]
}

fn starts_with_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len() && hay[..needle.len()].eq_ignore_ascii_case(needle)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUSSIAN: &str = "Правительство объявило о новых мерах поддержки. Министр заявил, что \
        изменения вступят в силу с понедельника, а региональные власти получат дополнительное \
        финансирование на ремонт дорог и школ.";

    fn cp1251(s: &str) -> Vec<u8> {
        encoding_rs::WINDOWS_1251.encode(s).0.into_owned()
    }

    #[test]
    fn http_charset_comes_first() {
        let body = cp1251(&format!("<meta charset=utf-8><p>{RUSSIAN}</p>"));
        let d = decode_html(&body, Some("windows-1251"), None);
        assert_eq!(d.encoding, "windows-1251");
        assert!(d.text.contains(RUSSIAN));
    }

    #[test]
    fn bom_before_meta() {
        let mut body = b"\xEF\xBB\xBF".to_vec();
        body.extend_from_slice(format!("<meta charset=windows-1251><p>{RUSSIAN}").as_bytes());
        let d = decode_html(&body, None, None);
        assert_eq!(d.encoding, "UTF-8");
        assert!(d.text.starts_with("<meta"), "BOM is stripped");
        assert!(d.text.contains(RUSSIAN));
    }

    #[test]
    fn meta_charset_and_http_equiv() {
        let body = cp1251(&format!(
            "<!doctype html><html><head><!-- <meta charset=koi8-r> --><title>x</title>\
             <meta charset=\"windows-1251\"></head><body>{RUSSIAN}"
        ));
        let d = decode_html(&body, None, None);
        assert_eq!(d.encoding, "windows-1251");
        assert!(d.text.contains(RUSSIAN));

        let body = cp1251(&format!(
            "<html><head><META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=windows-1251'>\
             </head><body>{RUSSIAN}"
        ));
        assert_eq!(decode_html(&body, None, None).encoding, "windows-1251");

        // `content` without `http-equiv` declares nothing.
        let body = b"<meta content='text/html; charset=koi8-r'><p>plain ascii</p>";
        assert_ne!(decode_html(body, None, None).encoding, "KOI8-R");
    }

    #[test]
    fn meta_after_1024_bytes_is_ignored_and_detection_takes_over() {
        let body = cp1251(&format!(
            "<html><head><title>t</title>{}<meta charset=iso-8859-2></head><body><p>{RUSSIAN}</p>",
            " ".repeat(1100)
        ));
        let d = decode_html(&body, None, None);
        assert_eq!(d.encoding, "windows-1251");
        assert!(d.text.contains(RUSSIAN));
    }

    #[test]
    fn windows_1251_without_any_declaration_is_detected() {
        let body = cp1251(&format!("<html><body><p>{RUSSIAN}</p></body></html>"));
        let url = Url::parse("https://news.example.ru/a").unwrap();
        let d = decode_html(&body, None, Some(&url));
        assert_eq!(d.encoding, "windows-1251");
        assert!(d.text.contains(RUSSIAN));
        assert_eq!(decode_html(&body, None, None).encoding, "windows-1251");
    }

    #[test]
    fn plain_utf8_and_odd_hosts() {
        let body = format!("<p>{RUSSIAN}</p>");
        let url = Url::parse("http://127.0.0.2:8080/").unwrap();
        assert_eq!(
            decode_html(body.as_bytes(), None, Some(&url)).encoding,
            "UTF-8"
        );
        let url = Url::parse("http://xn--e1afmkfd.xn--p1ai./").unwrap();
        assert_eq!(
            decode_html(body.as_bytes(), None, Some(&url)).encoding,
            "UTF-8"
        );
    }

    #[test]
    fn garbage_never_panics() {
        for body in [
            &b"<meta"[..],
            b"<meta charset",
            b"<meta charset='",
            b"<!--",
            b"<a b='",
            b"<",
        ] {
            let _ = decode_html(body, Some("no-such-charset"), None);
        }
    }
}
