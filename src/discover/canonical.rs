//! URL canonicalisation: one article is one record however it was reached (feed, share link, index).

use url::Url;
use url::form_urlencoded;

/// Query parameters that only say how a reader arrived, never which page they see.
///
/// Deliberately conservative: dropping a parameter that selects content would merge distinct
/// pages into one record, which is worse than a duplicate, so generic names like `ref` or `id`
/// are not here.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "gclsrc",
    "gbraid",
    "wbraid",
    "dclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "yclid",
    "ysclid",
    "_ga",
    "_gl",
    "ref_src",
    "ref_url",
    "igshid",
    "igsh",
    "twclid",
    "ttclid",
    "li_fat_id",
    "mkt_tok",
    "_hsenc",
    "_hsmi",
    "oly_anon_id",
    "oly_enc_id",
    "vero_id",
    "xtor",
    "at_medium",
    "at_campaign",
    "at_platform",
    "at_link",
    "at_ptr_name",
    "ocid",
    "smid",
    "cmpid",
    "ns_mchannel",
    "ns_source",
    "ns_campaign",
    "ns_linkname",
    "ns_fee",
];

/// True when a query parameter name is a tracking parameter (`utm_*` and the known click ids).
///
/// Compared case-insensitively, since campaign tools are not consistent about case.
pub fn is_tracking_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("utm_") || TRACKING_PARAMS.contains(&name.as_str())
}

/// `url` without the user name and password it may carry: how a URL from sites.toml (whose
/// credentials are sent, never shown) appears in errors and logs.
pub fn without_credentials(url: &Url) -> Url {
    let mut out = url.clone();
    // Only fails for URLs that cannot carry credentials, which then have none to drop.
    let _ = out.set_username("");
    let _ = out.set_password(None);
    out
}

/// The canonical form of `url`, used as the article's key.
///
/// Scheme and host are lower-cased and default ports dropped (the `url` crate already does both
/// when parsing), the fragment and any user name and password are removed (credentials given
/// for one feed must never travel with, nor be shown as part of, an article's URL), and tracking parameters are dropped while the other
/// parameters keep their order and exact encoding (re-encoding could turn one page's URL into
/// another's). An empty query (`?`) is dropped. Path case is kept: servers may treat it as
/// significant.
pub fn canonicalize(url: &Url) -> Url {
    let mut out = without_credentials(url);
    out.set_fragment(None);
    let kept: Option<String> = url.query().map(|query| {
        query
            .split('&')
            .filter(|piece| !piece.is_empty())
            .filter(|piece| {
                let name = form_urlencoded::parse(piece.as_bytes())
                    .next()
                    .map(|(name, _)| name.into_owned())
                    .unwrap_or_default();
                !is_tracking_param(&name)
            })
            .collect::<Vec<_>>()
            .join("&")
    });
    match kept {
        Some(q) if !q.is_empty() => out.set_query(Some(&q)),
        _ => out.set_query(None),
    }
    out
}
