//! Temporary shim until the discovery branch lands.
#![allow(missing_docs)]
use chrono::{DateTime, Utc};
use regex::Regex;
use url::Url;
pub struct Discovered {
    pub url: Url,
    pub updated: Option<DateTime<Utc>>,
    pub published: Option<DateTime<Utc>>,
}
#[derive(Default)]
pub struct Sitemap {
    pub urls: Vec<Discovered>,
    pub sitemaps: Vec<Url>,
}
pub fn canonicalize(u: &Url) -> Url {
    let mut u = u.clone();
    u.set_fragment(None);
    u
}
pub fn parse_feed(_b: &[u8], _u: &Url) -> crate::Result<Vec<Discovered>> {
    Ok(vec![])
}
pub fn parse_sitemap(_b: &[u8], _u: &Url) -> crate::Result<Sitemap> {
    Ok(Sitemap::default())
}
pub fn index_links(_h: &str, _u: &Url, _p: &Regex) -> Vec<Url> {
    vec![]
}
