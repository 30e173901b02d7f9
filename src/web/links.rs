//! Every URL the web UI writes: internal page paths with the article URL percent-encoded,
//! and the only way an untrusted URL becomes an `href` ([`safe_href`]).

use url::form_urlencoded::byte_serialize;

/// `s` percent-encoded for a query-string value.
pub fn enc(s: &str) -> String {
    byte_serialize(s.as_bytes()).collect()
}

/// The article's timeline page.
pub fn article(url: &str) -> String {
    format!("/article?url={}", enc(url))
}

/// One version's page (also its Memento URI).
pub fn version(url: &str, n: u32) -> String {
    format!("/version?url={}&n={n}", enc(url))
}

/// A version's captured response body: as text, or (`bytes`) exactly as received.
pub fn raw(url: &str, n: u32, bytes: bool) -> String {
    let tail = if bytes { "&bytes=1" } else { "" };
    format!("/raw?url={}&n={n}{tail}", enc(url))
}

/// The diff page between two versions (`from` 0 is the empty text).
pub fn diff(url: &str, from: u32, to: u32) -> String {
    format!("/diff?url={}&from={from}&to={to}", enc(url))
}

/// A site's page.
pub fn site(name: &str) -> String {
    format!("/site?name={}", enc(name))
}

/// The recent-changes page with optional filters.
pub fn recent(site: Option<&str>, kind: Option<&str>, before: Option<&str>) -> String {
    let mut params = Vec::new();
    if let Some(s) = site {
        params.push(format!("site={}", enc(s)));
    }
    if let Some(k) = kind {
        params.push(format!("kind={}", enc(k)));
    }
    if let Some(b) = before {
        params.push(format!("before={}", enc(b)));
    }
    if params.is_empty() {
        "/".to_owned()
    } else {
        format!("/?{}", params.join("&"))
    }
}

/// Atom feed of all changes.
pub fn feed_all() -> String {
    "/feed.atom".to_owned()
}

/// Atom feed of one site's changes.
pub fn feed_site(name: &str) -> String {
    format!("/feed/site.atom?name={}", enc(name))
}

/// Atom feed of one article's versions.
pub fn feed_article(url: &str) -> String {
    format!("/feed/article.atom?url={}", enc(url))
}

/// The article's Memento TimeGate: the original URL appended verbatim, as Memento clients
/// build it.
pub fn timegate(url: &str) -> String {
    format!("/timegate/{}", path_safe(url))
}

/// The article's Memento TimeMap in link format.
pub fn timemap(url: &str) -> String {
    format!("/timemap/link/{}", path_safe(url))
}

/// `url` with anything that may not appear raw in a request path or inside `<...>` of a
/// Link header percent-encoded. Stored URLs are already serialised by the `url` crate, so
/// this changes nothing for them; it guards against a hand-made record.
pub fn path_safe(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for b in url.bytes() {
        if b.is_ascii_graphic()
            && !matches!(
                b,
                b'<' | b'>' | b'"' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}'
            )
        {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `url` as a link target when it is an absolute http(s) URL, else `None`: untrusted URLs
/// (`javascript:`, `data:`, relative paths) are never made clickable.
pub fn safe_href(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    match parsed.scheme() {
        "http" | "https" if parsed.host().is_some() => Some(parsed.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_become_links() {
        assert_eq!(
            safe_href("https://example.org/a?b=1").as_deref(),
            Some("https://example.org/a?b=1")
        );
        assert_eq!(safe_href("javascript:alert(1)"), None);
        assert_eq!(safe_href(" JavaScript:alert(1)"), None);
        assert_eq!(safe_href("data:text/html,<script>"), None);
        assert_eq!(safe_href("/relative"), None);
        assert_eq!(safe_href("http:///nohost"), Some("http://nohost/".into()));
        let quoted = safe_href("https://e.org/\"><script>").unwrap_or_default();
        assert!(!quoted.contains('"') && !quoted.contains('<'), "{quoted}");
    }

    #[test]
    fn article_urls_are_encoded_in_query_values() {
        assert_eq!(
            version("https://e.org/a?x=1&y=2", 3),
            "/version?url=https%3A%2F%2Fe.org%2Fa%3Fx%3D1%26y%3D2&n=3"
        );
        assert_eq!(recent(None, None, None), "/");
        assert_eq!(
            recent(Some("a b"), Some("silent_edit"), None),
            "/?site=a+b&kind=silent_edit"
        );
    }

    #[test]
    fn path_safe_keeps_urls_and_encodes_delimiters() {
        assert_eq!(
            timegate("https://e.org/a?b=1"),
            "/timegate/https://e.org/a?b=1"
        );
        assert_eq!(path_safe("a b<c>\"é"), "a%20b%3Cc%3E%22%C3%A9");
    }
}
