//! Atom feeds of changes: all sites, one site, one article. One entry per version with a
//! stable `tag:` id, the change kind as a category and a diff summary as content.

use atom_syndication::{Category, Content, Entry, Feed, FixedDateTime, Link, Person, Text};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};

use super::AppState;
use super::diff_view::{self, Span};
use super::links;
use super::pages::article::UrlQuery;
use super::pages::articles::ListQuery;
use super::pages::canonical;
use super::pages::recent::{self, RecentQuery};
use super::respond::{WebError, blocking, with_type};
use super::security::escape_html;
use super::view;
use crate::diff::{Field, FieldChange, Op, field_changes, headline_phrase, word_diff};
use crate::model::Version;
use crate::store::ArchiveRead;

/// Entries per feed.
const ENTRIES: usize = 50;
/// Changed phrases quoted in an entry.
const SUMMARY_PHRASES: usize = 10;
/// Atom's media type.
pub const ATOM: &str = "application/atom+xml; charset=utf-8";
/// Fixed authority and date of every `tag:` URI, so ids never change.
const TAG: &str = "tag:emend,2024:";

/// The stable id of `version` of `url`.
pub fn entry_id(url: &str, number: u32) -> String {
    format!("{TAG}version:{}:{number}", links::enc(url))
}

/// What the feed is about.
#[derive(Debug, Clone)]
pub struct FeedMeta {
    /// Feed title.
    pub title: String,
    /// Stable feed id.
    pub id: String,
    /// Path of the feed itself.
    pub self_path: String,
    /// Path of the HTML page it mirrors.
    pub html_path: String,
}

/// One version to publish, with the diff summary against its predecessor.
#[derive(Debug, Clone)]
pub struct FeedItem {
    /// Canonical article URL.
    pub url: String,
    /// Site name.
    pub site: Option<String>,
    /// The version.
    pub version: Version,
    /// The first changed phrases.
    pub summary: Vec<Span>,
    /// Every field besides the text that changed, with both values.
    pub fields: Vec<FieldChange>,
}

fn fixed(t: DateTime<Utc>) -> FixedDateTime {
    t.fixed_offset()
}

fn link(href: String, rel: &str, mime: Option<&str>) -> Link {
    Link {
        href,
        rel: rel.to_owned(),
        mime_type: mime.map(str::to_owned),
        ..Link::default()
    }
}

/// The entry's HTML content: kind, counts, the changed phrases. Every piece of page text
/// is escaped here; the XML writer escapes the whole again as Atom requires.
fn content_html(base: &str, item: &FeedItem) -> String {
    let v = &item.version;
    let words = match headline_phrase(v) {
        Some(p) => p.to_owned(),
        None => format!("+{} / −{} words", v.words_added, v.words_removed),
    };
    let mut html = format!(
        "<p><strong>{}</strong>: {words}, version {} fetched {}.",
        view::kind_label(v.change),
        v.number,
        view::when(v.fetched_at),
    );
    let stamp = v.article.last_update.as_deref().map(escape_html);
    let moved = item.fields.iter().find(|f| f.field == Field::LastUpdate);
    match (stamp, moved) {
        (Some(s), None) if v.number > 1 => {
            html.push_str(&format!(" Article stamp: {s} (unchanged)."))
        }
        (Some(s), Some(m)) => html.push_str(&format!(
            " Article stamp: {s} (moved from {}).",
            escape_html(m.from.as_deref().unwrap_or("none"))
        )),
        (Some(s), None) => html.push_str(&format!(" Article stamp: {s}.")),
        (None, _) => {}
    }
    html.push_str("</p>");
    for f in item.fields.iter().filter(|f| f.field != Field::LastUpdate) {
        let value = |x: &Option<String>| escape_html(x.as_deref().unwrap_or("(none)"));
        html.push_str(&format!(
            "<p>{}: <del>{}</del> → <ins>{}</ins></p>",
            f.field.as_str(),
            value(&f.from),
            value(&f.to)
        ));
    }
    if !item.summary.is_empty() {
        html.push_str("<ul>");
        for s in &item.summary {
            let tag = if s.op == Op::Insert { "ins" } else { "del" };
            html.push_str(&format!("<li><{tag}>{}</{tag}></li>", escape_html(&s.text)));
        }
        html.push_str("</ul>");
    }
    html.push_str(&format!(
        "<p><a href=\"{}\">Full diff</a>",
        escape_html(&format!("{base}{}", view::change_diff_href(&item.url, v)))
    ));
    if let Some(orig) = links::safe_href(&item.url) {
        html.push_str(&format!(
            " · <a href=\"{}\">original</a>",
            escape_html(&orig)
        ));
    }
    html.push_str("</p>");
    html
}

/// The Atom document for `items` (newest first).
pub fn atom(base: &str, meta: &FeedMeta, items: &[FeedItem]) -> String {
    let entries: Vec<Entry> = items
        .iter()
        .map(|item| {
            let v = &item.version;
            let title = view::title_or_url(v.article.title.as_deref(), &item.url);
            let mut categories = vec![Category {
                term: v.change.as_str().to_owned(),
                label: Some(view::kind_label(v.change).to_owned()),
                ..Category::default()
            }];
            if let Some(site) = &item.site {
                categories.push(Category {
                    term: site.clone(),
                    scheme: Some("urn:emend:site".to_owned()),
                    ..Category::default()
                });
            }
            let mut entry_links = vec![link(
                format!("{base}{}", view::change_diff_href(&item.url, v)),
                "alternate",
                Some("text/html"),
            )];
            if let Some(orig) = links::safe_href(&item.url) {
                entry_links.push(link(orig, "related", Some("text/html")));
            }
            Entry {
                id: entry_id(&item.url, v.number),
                title: Text::plain(format!("[{}] {title}", view::kind_label(v.change))),
                updated: fixed(v.fetched_at),
                published: Some(fixed(v.fetched_at)),
                categories,
                links: entry_links,
                content: Some(Content {
                    value: Some(content_html(base, item)),
                    content_type: Some("html".to_owned()),
                    ..Content::default()
                }),
                ..Entry::default()
            }
        })
        .collect();
    let updated = items
        .iter()
        .map(|i| i.version.fetched_at)
        .max()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let feed = Feed {
        title: Text::plain(meta.title.clone()),
        id: meta.id.clone(),
        updated: fixed(updated),
        authors: vec![Person {
            name: "emend".to_owned(),
            ..Person::default()
        }],
        links: vec![
            link(
                format!("{base}{}", meta.self_path),
                "self",
                Some("application/atom+xml"),
            ),
            link(
                format!("{base}{}", meta.html_path),
                "alternate",
                Some("text/html"),
            ),
        ],
        entries,
        ..Feed::default()
    };
    feed.to_string()
}

/// The summary of what `v` changed against the previous version of `url`: the first
/// changed phrases and every changed field besides the text.
fn summarise(
    store: &dyn ArchiveRead,
    url: &str,
    v: &Version,
) -> Result<(Vec<Span>, Vec<FieldChange>), WebError> {
    let prev = match v.number.checked_sub(1).filter(|n| *n > 0) {
        Some(n) => store.version(url, n)?,
        None => None,
    };
    let Some(prev) = prev else {
        // A new article: quote its opening rather than the whole text as an insertion.
        let opening = diff_view::shorten(v.article.text.trim(), 300);
        let spans = vec![Span {
            op: Op::Insert,
            text: opening,
        }];
        return Ok((spans, Vec::new()));
    };
    let fields = field_changes(&prev.article, &v.article);
    if crate::diff::same_text(&prev.article.text, &v.article.text) {
        return Ok((Vec::new(), fields));
    }
    let spans = diff_view::summary(
        &word_diff(&prev.article.text, &v.article.text),
        SUMMARY_PHRASES,
    );
    Ok((spans, fields))
}

fn respond(base: &str, meta: &FeedMeta, items: &[FeedItem]) -> Response {
    with_type(StatusCode::OK, atom(base, meta, items), ATOM)
}

fn items_from_recent(store: &dyn ArchiveRead, q: &RecentQuery) -> Result<Vec<FeedItem>, WebError> {
    let page = recent::load(store, q)?;
    page.items
        .into_iter()
        .map(|(url, site, version)| {
            let (summary, fields) = summarise(store, &url, &version)?;
            Ok(FeedItem {
                url,
                site,
                version,
                summary,
                fields,
            })
        })
        .collect()
}

/// `GET /feed.atom`: changes across all sites.
pub(crate) async fn all(State(state): State<AppState>) -> Result<Response, WebError> {
    blocking(move || {
        let q = RecentQuery {
            limit: Some(ENTRIES),
            ..RecentQuery::default()
        };
        let items = items_from_recent(&*state.store, &q)?;
        let meta = FeedMeta {
            title: "emend: recent changes".to_owned(),
            id: format!("{TAG}feed:all"),
            self_path: links::feed_all(),
            html_path: links::recent(None, None, None),
        };
        Ok(respond(&state.base, &meta, &items))
    })
    .await
}

/// `GET /feed/site.atom?name=`: one site's changes.
pub(crate) async fn site(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let Some(name) = q.site_name().map(str::to_owned) else {
        return Err(WebError::BadRequest("missing ?name= parameter".to_owned()));
    };
    blocking(move || {
        let rq = RecentQuery {
            site: Some(name.clone()),
            limit: Some(ENTRIES),
            ..RecentQuery::default()
        };
        let items = items_from_recent(&*state.store, &rq)?;
        let meta = FeedMeta {
            title: format!("emend: changes on {name}"),
            id: format!("{TAG}feed:site:{}", links::enc(&name)),
            self_path: links::feed_site(&name),
            html_path: links::recent(Some(&name), None, None),
        };
        Ok(respond(&state.base, &meta, &items))
    })
    .await
}

/// `GET /feed/article.atom?url=`: one article's versions.
pub(crate) async fn article(
    State(state): State<AppState>,
    Query(q): Query<UrlQuery>,
) -> Result<Response, WebError> {
    blocking(move || {
        let store = &*state.store;
        let url = canonical(store, q.url.as_deref().unwrap_or(""))?;
        let site = store.article(&url)?.and_then(|a| a.site);
        let mut versions = store.versions(&url)?;
        let title = view::title_or_url(
            versions.last().and_then(|v| v.article.title.as_deref()),
            &url,
        );
        versions.reverse();
        versions.truncate(ENTRIES);
        let mut items = Vec::with_capacity(versions.len());
        for version in versions {
            let (summary, fields) = summarise(store, &url, &version)?;
            items.push(FeedItem {
                url: url.clone(),
                site: site.clone(),
                version,
                summary,
                fields,
            });
        }
        let meta = FeedMeta {
            title: format!("emend: {title}"),
            id: format!("{TAG}feed:article:{}", links::enc(&url)),
            self_path: links::feed_article(&url),
            html_path: links::article(&url),
        };
        Ok(respond(&state.base, &meta, &items))
    })
    .await
}
