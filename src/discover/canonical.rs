//! URL canonicalisation: one article, one key, however it was linked.

use url::Url;

/// Query parameters that only track where a click came from.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "mc_cid",
    "mc_eid",
    "igshid",
    "_ga",
    "_gl",
    "ref_src",
    "ref_url",
    "cmpid",
    "ocid",
    "smid",
    "smtyp",
    "at_medium",
    "at_campaign",
    "__twitter_impression",
];

fn is_tracking(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("utm_") || TRACKING_PARAMS.contains(&lower.as_str())
}

/// Drops the fragment and tracking parameters (`utm_*`, `fbclid`, …), keeping the other
/// parameters in their order; scheme and host are already lower-cased and default ports
/// dropped by [`Url`]'s parser. The path keeps its case: servers may treat it as significant.
pub fn canonicalize(url: &Url) -> Url {
    let mut out = url.clone();
    out.set_fragment(None);
    if url.query().is_some() {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !is_tracking(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            out.set_query(None);
        } else {
            out.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        let cases = [
            (
                "HTTPS://Example.ORG:443/News/A?utm_source=x&id=3#top",
                "https://example.org/News/A?id=3",
            ),
            ("http://example.org:80/a?fbclid=abc", "http://example.org/a"),
            ("https://example.org/a?", "https://example.org/a"),
            (
                "https://example.org/a?b=2&a=1&UTM_medium=m",
                "https://example.org/a?b=2&a=1",
            ),
            ("https://example.org:8443/a", "https://example.org:8443/a"),
        ];
        for (input, want) in cases {
            let got = canonicalize(&Url::parse(input).unwrap());
            assert_eq!(got.as_str(), want, "{input}");
        }
    }
}
