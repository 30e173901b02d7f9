//! URLs as people paste them: a missing scheme, upper-case scheme or host, a `#fragment`,
//! tracking parameters. One normalised form is stored ([`crate::discover::canonicalize`]);
//! this module turns pasted text into that form for fetching and for lookups.

use url::Url;

use crate::discover::canonicalize;

/// A pasted URL, parsed and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pasted {
    /// The normalised URL: what is fetched and stored.
    pub url: Url,
    /// True when the text had no scheme and `https://` was assumed.
    pub assumed_https: bool,
}

/// Parses what a user typed: an absolute URL, or a host and path without a scheme
/// (`example.org/news/1`, tried as `https://`). `Err` carries the parser's reason.
pub fn parse_pasted(input: &str) -> Result<Pasted, String> {
    let text = input.trim();
    match Url::parse(text) {
        Ok(url) if is_web(&url) => Ok(Pasted {
            url: canonicalize(&url),
            assumed_https: false,
        }),
        // `example.org:8080/x` parses with the scheme `example.org`: no `://`, no scheme.
        Ok(url) if text.contains("://") => {
            Err(format!("scheme {:?} is not http or https", url.scheme()))
        }
        // Only text that starts like a host: `/path` is a relative URL, not a host.
        Ok(_) | Err(url::ParseError::RelativeUrlWithoutBase)
            if text.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '[') =>
        {
            let url = Url::parse(&format!("https://{text}")).map_err(|e| e.to_string())?;
            if !is_web(&url) {
                return Err("no host".into());
            }
            Ok(Pasted {
                url: canonicalize(&url),
                assumed_https: true,
            })
        }
        Ok(url) => Err(format!("scheme {:?} is not http or https", url.scheme())),
        Err(e) => Err(e.to_string()),
    }
}

/// The stored forms `input` may be known under, most likely first, without `input` itself:
/// its normalised form and, when it had no scheme, the `http://` one too.
pub fn lookup_forms(input: &str) -> Vec<String> {
    let Ok(pasted) = parse_pasted(input) else {
        return Vec::new();
    };
    let mut forms = vec![pasted.url.to_string()];
    if pasted.assumed_https {
        let mut plain = pasted.url.clone();
        if plain.set_scheme("http").is_ok() {
            forms.push(plain.to_string());
        }
    }
    forms.retain(|f| f != input);
    forms
}

fn is_web(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(input: &str) -> String {
        parse_pasted(input).unwrap().url.to_string()
    }

    #[test]
    fn pasted_variants_share_one_form() {
        let stored = "https://news.example/a/1?page=2";
        for variant in [
            stored,
            "HTTPS://News.Example/a/1?page=2",
            "https://news.example/a/1?page=2#comments",
            "https://news.example/a/1?utm_source=x&page=2&fbclid=y",
            "  https://news.example/a/1?page=2&gclid=z ",
            "news.example/a/1?page=2",
        ] {
            assert_eq!(norm(variant), stored, "{variant}");
        }
    }

    #[test]
    fn a_missing_scheme_is_https_and_said() {
        let p = parse_pasted("example.org:8080/x").unwrap();
        assert!(p.assumed_https);
        assert_eq!(p.url.as_str(), "https://example.org:8080/x");
        assert!(!parse_pasted("https://example.org/").unwrap().assumed_https);
    }

    #[test]
    fn non_web_schemes_are_refused() {
        assert!(parse_pasted("ftp://example.org/x").is_err());
        assert!(parse_pasted("").is_err());
        assert!(parse_pasted("/relative/path").is_err());
        assert!(parse_pasted("not a url").is_err());
    }

    #[test]
    fn lookups_try_https_then_http_without_a_scheme() {
        assert_eq!(
            lookup_forms("example.org/a#x"),
            ["https://example.org/a", "http://example.org/a"]
        );
        assert!(lookup_forms("https://example.org/a").is_empty());
    }
}
