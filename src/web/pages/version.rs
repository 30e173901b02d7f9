//! One version of an article: its text, title and metadata with where each came from. Also
//! a Memento: it carries `Memento-Datetime` and the RFC 7089 `Link` header.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderValue;
use axum::response::Response;
use serde::Deserialize;

use super::canonical;
use crate::model::{FieldSource, Version};
use crate::web::AppState;
use crate::web::links;
use crate::web::memento::{self, Memento};
use crate::web::respond::{WebError, blocking, page as render};
use crate::web::view;

/// Query naming a version.
#[derive(Debug, Default, Deserialize)]
pub struct VersionQuery {
    /// The article's URL.
    pub url: Option<String>,
    /// Version number (default: the latest).
    pub n: Option<u32>,
}

struct Field {
    name: &'static str,
    value: String,
    source: String,
}

#[derive(Template)]
#[template(path = "version.html")]
struct VersionPage {
    title: String,
    feed: String,
    timemap: String,
    article_href: String,
    prev_href: Option<String>,
    next_href: Option<String>,
    diff_href: String,
    /// Links to the captured body (text, bytes), when one is stored.
    raw_hrefs: Option<(String, String)>,
    number: u32,
    count: usize,
    kind: &'static str,
    kind_label: &'static str,
    at: String,
    fields: Vec<Field>,
    text: String,
}

fn source(s: Option<FieldSource>) -> String {
    match s {
        Some(FieldSource::Selector) => "site selector (sites.toml)",
        Some(FieldSource::JsonLd) => "JSON-LD",
        Some(FieldSource::Meta) => "<meta> tag",
        Some(FieldSource::Itemprop) => "microdata itemprop",
        Some(FieldSource::Time) => "<time> element",
        Some(FieldSource::Text) => "visible text",
        None => "",
    }
    .to_owned()
}

fn fields(url: &str, v: &Version) -> Vec<Field> {
    let a = &v.article;
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    vec![
        Field {
            name: "Title",
            value: opt(&a.title),
            source: source(a.sources.title),
        },
        Field {
            name: "Byline",
            value: opt(&a.byline),
            source: source(a.sources.byline),
        },
        Field {
            name: "Published",
            value: opt(&a.published),
            source: source(a.sources.published),
        },
        Field {
            name: "Last update",
            value: opt(&a.last_update),
            source: source(a.sources.last_update),
        },
        Field {
            name: "Canonical",
            value: opt(&a.canonical),
            source: "<link rel=canonical>".to_owned(),
        },
        Field {
            name: "Fetched from",
            value: v.fetched_url.clone(),
            source: String::new(),
        },
        Field {
            name: "Article",
            value: url.to_owned(),
            source: String::new(),
        },
        Field {
            name: "Text hash",
            value: v.text_hash.clone(),
            source: "blake3 of title and text".to_owned(),
        },
        Field {
            name: "Raw body",
            value: opt(&v.body_hash),
            source: "blake3 of the response".to_owned(),
        },
        Field {
            name: "Encoding",
            value: opt(&v.encoding),
            source: "used to decode the body".to_owned(),
        },
        Field {
            name: "Extractor",
            value: v.extractor_version.to_string(),
            source: String::new(),
        },
    ]
}

/// `GET /version?url=&n=`.
pub async fn page(
    State(state): State<AppState>,
    Query(q): Query<VersionQuery>,
) -> Result<Response, WebError> {
    blocking(move || {
        let url = canonical(&*state.store, q.url.as_deref().unwrap_or(""))?;
        let versions = state.store.versions(&url)?;
        let wanted =
            q.n.or_else(|| versions.last().map(|v| v.number))
                .unwrap_or(1);
        let v = versions
            .iter()
            .find(|v| v.number == wanted)
            .ok_or_else(|| {
                WebError::NotFound(format!(
                    "{url}: no version {wanted} (the article has {})",
                    versions.len()
                ))
            })?;
        let mementos: Vec<Memento> = versions
            .iter()
            .map(|v| Memento {
                number: v.number,
                at: v.fetched_at,
            })
            .collect();
        let has = |n: u32| versions.iter().any(|v| v.number == n);
        let mut resp = render(&VersionPage {
            title: view::title_or_url(v.article.title.as_deref(), &url),
            feed: links::feed_article(&url),
            timemap: links::timemap(&url),
            article_href: links::article(&url),
            prev_href: (wanted > 1 && has(wanted - 1)).then(|| links::version(&url, wanted - 1)),
            next_href: has(wanted + 1).then(|| links::version(&url, wanted + 1)),
            diff_href: view::change_diff_href(&url, v),
            raw_hrefs: v.body_hash.as_ref().map(|_| {
                (
                    links::raw(&url, v.number, false),
                    links::raw(&url, v.number, true),
                )
            }),
            number: v.number,
            count: versions.len(),
            kind: v.change.as_str(),
            kind_label: view::kind_label(v.change),
            at: view::when(v.fetched_at),
            fields: fields(&url, v),
            text: v.article.text.clone(),
        })?;
        let h = resp.headers_mut();
        if let Ok(d) = HeaderValue::from_str(&memento::http_date(v.fetched_at)) {
            h.insert("memento-datetime", d);
        }
        if let Ok(l) =
            HeaderValue::from_str(&memento::memento_link(&state.base, &url, &mementos, wanted))
        {
            h.insert(axum::http::header::LINK, l);
        }
        Ok(resp)
    })
    .await
}
