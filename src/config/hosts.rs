//! Validation of a site's `hosts` entries (`name`, `name:port`, `[v6]:port`).

use url::Url;

use super::SiteHost;

/// Parses one `hosts` entry; the error says what is wrong with it.
pub(super) fn parse_site_host(entry: &str) -> Result<SiteHost, String> {
    let entry = entry.trim();
    if entry.is_empty() {
        return Err("is empty".into());
    }
    if entry.contains(['/', '@', '?', '#']) || entry.contains("://") {
        return Err("must be a host name or address with an optional port, not a URL".into());
    }
    // The URL parser does the host syntax (IDNA, IPv4/IPv6 forms) exactly as fetches will.
    let url = Url::parse(&format!("http://{entry}/")).map_err(|e| e.to_string())?;
    let host = url.host_str().ok_or("has no host")?.to_ascii_lowercase();
    Ok(SiteHost {
        host,
        port: url.port(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_entries_parse_with_and_without_port() {
        let h = parse_site_host("CDN.Example.com").unwrap();
        assert_eq!((h.host.as_str(), h.port), ("cdn.example.com", None));
        let h = parse_site_host("10.0.0.5:8080").unwrap();
        assert_eq!((h.host.as_str(), h.port), ("10.0.0.5", Some(8080)));
        let h = parse_site_host("[::1]:81").unwrap();
        assert_eq!((h.host.as_str(), h.port), ("[::1]", Some(81)));
        assert!(parse_site_host("https://example.com/").is_err());
        assert!(parse_site_host("user@example.com").is_err());
        assert!(parse_site_host("").is_err());
        assert!(parse_site_host("bad host").is_err());
    }
}
