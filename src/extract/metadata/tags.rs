//! The page's `<meta>` tags, keyed by lowercased `property`/`name`/`http-equiv`, and the key lists that date an article.

use std::collections::HashMap;

use super::super::dom::{Dom, Kind, Tag, attr};
use super::super::normalize::{collapse, decode_entities};

/// First-publication keys that name the article itself (OpenGraph, schema.org, Dublin Core, PRISM, Parse.ly...).
pub(super) const PUBLISHED: &[&str] = &[
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "article:published",
    "datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "prism.publicationdate",
    "citation_publication_date",
    "citation_date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "bt:pubdate",
    "originalpublicationdate",
];

/// Keys that often carry the publication day but sometimes the render or revision time.
pub(super) const PUBLISHED_WEAK: &[&str] = &[
    "dc.date",
    "dcterms.date",
    "dc.date.created",
    "dcterms.created",
    "date",
    "datecreated",
];

/// Update keys, `http-equiv="last-modified"` included (explicit markup, unlike the HTTP header).
pub(super) const MODIFIED: &[&str] = &[
    "article:modified_time",
    "og:article:modified_time",
    "og:updated_time",
    "article:modified",
    "datemodified",
    "dateupdate",
    "dateupdated",
    "last-modified",
    "lastmodified",
    "last_modified",
    "dcterms.modified",
    "dc.date.modified",
    "bt:moddate",
];

/// `<meta>` values; the first occurrence of a key wins.
pub(super) struct MetaTags<'a>(HashMap<String, &'a str>);

impl<'a> MetaTags<'a> {
    /// Reads every `<meta content>`; `itemprop` keys only in the head, since body microdata
    /// is scoped to the element it sits in and read with the article's other elements.
    pub(super) fn new(dom: &Dom<'a>) -> Self {
        let mut m = HashMap::new();
        let mut in_body = false;
        for n in &dom.nodes {
            let Kind::Element(tag, el) = n.kind else {
                continue;
            };
            in_body |= tag == Tag::Body;
            if tag != Tag::Meta {
                continue;
            }
            let Some(content) = attr(el, "content") else {
                continue;
            };
            let keys: &[&str] = if in_body {
                &["property", "name", "http-equiv"]
            } else {
                &["property", "name", "http-equiv", "itemprop"]
            };
            for key in keys {
                // `property="og:title twitter:title"` names several keys at once.
                for k in attr(el, key).unwrap_or("").split_whitespace() {
                    m.entry(k.to_ascii_lowercase()).or_insert(content);
                }
            }
        }
        MetaTags(m)
    }

    /// The first non-empty value among `keys`, entities decoded and whitespace collapsed.
    pub(super) fn first(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|k| self.get(k))
    }

    /// The value of one key.
    pub(super) fn get(&self, key: &str) -> Option<String> {
        let v = collapse(&decode_entities(self.0.get(key)?));
        (!v.is_empty()).then_some(v)
    }

    /// Every non-empty value among `keys`, in key order.
    pub(super) fn all<'k>(&'k self, keys: &'k [&str]) -> impl Iterator<Item = String> + 'k {
        keys.iter().filter_map(|k| self.get(k))
    }
}
