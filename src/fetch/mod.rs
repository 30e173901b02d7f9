//! HTTP fetching: the only module that talks to reqwest.
//!
//! [`Fetcher::fetch_page`] gets an HTML page: robots.txt first (cached), every request and
//! redirect hop through the shared [`Politeness`] gate, a body cap on decompressed bytes, and
//! text decoded by HTTP charset, BOM, `<meta>` prescan and detection.

mod body;
mod charset;
mod client;
mod exchange;
pub mod local;
mod policy;
mod post;
mod redirect;
mod resolve;
mod robots;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, ETAG, HeaderMap, LAST_MODIFIED, RETRY_AFTER};
use url::Url;

use crate::config::Crawler;
use crate::error::{Error, Result};
use crate::model::HttpExchange;
use crate::politeness::{DEFAULT_RETRY_AFTER, Politeness, ceil_secs, host_key, parse_retry_after};

pub use charset::{Decoded, decode_html};
pub use policy::{Scope, SiteScope, is_public};
pub use post::{Outgoing, Poster};
pub use redirect::MAX_REDIRECTS;

/// Validators from the last stored response, sent as `If-None-Match` / `If-Modified-Since`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditional {
    /// The `ETag` the server sent last time.
    pub etag: Option<String>,
    /// The `Last-Modified` the server sent last time, verbatim.
    pub last_modified: Option<String>,
}

/// Per-call switches of [`Fetcher::fetch_page`].
#[derive(Debug, Clone, Default)]
pub struct FetchOptions {
    /// Skip robots.txt (the user's `--ignore-robots`); rate limits still apply.
    pub ignore_robots: bool,
    /// Where the page and each of its redirects may be fetched from.
    pub scope: Scope,
}

/// What [`Fetcher::fetch_page`] got back.
#[derive(Debug, Clone)]
pub enum PageResponse {
    /// 304: the page is unchanged since the validators in [`Conditional`].
    NotModified {
        /// The URL that answered, after redirects.
        final_url: Url,
        /// The HTTP status (304).
        status: u16,
        /// Time from the first request sent to the answer.
        elapsed: Duration,
        /// The request and the 304's head, for the archive.
        exchange: Box<HttpExchange>,
    },
    /// A 2xx HTML page.
    Page(Page),
}

/// A fetched HTML page: the response as for any resource, plus its decoded text.
#[derive(Debug, Clone)]
pub struct Page {
    /// The response; its `body` is as received, after content-decoding (gzip/brotli/deflate),
    /// before text decoding.
    pub response: Resource,
    /// The body decoded to text.
    pub text: String,
    /// The encoding used for `text` (WHATWG name, e.g. `windows-1251`).
    pub encoding: &'static str,
}

/// What a non-page resource is, for [`Fetcher::fetch_resource`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// A robots.txt file: fetched without a robots check.
    Robots,
    /// An RSS/Atom/JSON feed.
    Feed,
    /// A sitemap or sitemap index (a `.xml.gz` arrives still gzipped in `body`).
    Sitemap,
}

impl ResourceKind {
    fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Robots => "robots",
            ResourceKind::Feed => "feed",
            ResourceKind::Sitemap => "sitemap",
        }
    }
}

/// What [`Fetcher::fetch_resource`] got back.
#[derive(Debug, Clone)]
pub enum ResourceResponse {
    /// 304: unchanged since the validators in [`Conditional`].
    NotModified {
        /// The URL that answered, after redirects.
        final_url: Url,
        /// The HTTP status (304).
        status: u16,
        /// Time from the first request sent to the answer.
        elapsed: Duration,
    },
    /// A 2xx response of any content type.
    Resource(Resource),
}

/// A fetched feed, sitemap or robots.txt.
#[derive(Debug, Clone)]
pub struct Resource {
    /// The URL that answered, after redirects.
    pub final_url: Url,
    /// The HTTP status (2xx).
    pub status: u16,
    /// The `Content-Type` header as sent, if any.
    pub content_type: Option<String>,
    /// The `ETag` header.
    pub etag: Option<String>,
    /// The `Last-Modified` header, verbatim.
    pub last_modified: Option<String>,
    /// The body after content-decoding.
    pub body: Bytes,
    /// Time from the first request sent to the last body byte.
    pub elapsed: Duration,
    /// Each redirect target in order.
    pub redirects: Vec<Url>,
    /// The final request and the response's head, for the archive (`None` for a page that
    /// came without them, such as a WARC `resource` record).
    pub exchange: Option<Box<HttpExchange>>,
}

/// The HTTP client: polite (robots.txt, per-host rates, Retry-After) and bounded (timeouts,
/// body cap, redirect limit). Cheap to share behind an `Arc`.
#[derive(Debug, Clone)]
pub struct Fetcher {
    /// For scopes that may reach any address.
    client: reqwest::Client,
    /// For scopes limited to public addresses: its resolver drops every other address.
    public: reqwest::Client,
    politeness: Arc<Politeness>,
    max_body: u64,
    /// Sent on every request (and recorded with it).
    user_agent: String,
}

/// [`Error::NotHtml`] for a response from `url` of type `content_type`.
fn not_html(url: &Url, content_type: Option<&str>) -> Error {
    Error::NotHtml {
        url: shown(url),
        content_type: content_type.unwrap_or("none").to_owned(),
    }
}

fn header(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Whether a body of type `content_type` (as sent, if any) is an HTML page, as
/// [`Fetcher::fetch_page`] decides: by the declared type, else by sniffing the bytes.
pub fn is_html(content_type: Option<&str>, body: &[u8]) -> bool {
    match content_type.and_then(|c| body::ContentType::parse(c).is_html()) {
        Some(html) => html,
        None => body::sniff_html(body),
    }
}

/// The `charset` parameter of a `Content-Type` value.
pub fn charset_of(content_type: &str) -> Option<String> {
    body::ContentType::parse(content_type).charset
}

/// Parses a user-given article URL into the stored form (see [`crate::urlnorm`]): http or
/// https, `https://` assumed when no scheme is given, fragment and tracking parameters
/// dropped.
pub fn parse_article_url(input: &str) -> Result<Url> {
    if input.len() > crate::discover::MAX_URL_LEN {
        return Err(Error::InvalidUrl {
            input: input.chars().take(100).collect::<String>() + "…",
            reason: format!(
                "{} bytes long, over the {}-byte limit",
                input.len(),
                crate::discover::MAX_URL_LEN
            ),
        });
    }
    crate::urlnorm::parse_pasted(input)
        .map(|p| p.url)
        .map_err(|reason| Error::InvalidUrl {
            input: input.to_owned(),
            reason,
        })
}

/// `url` as errors and logs show it: without any user name and password it carries (a feed
/// URL in sites.toml may hold credentials; they are sent, never printed).
pub fn shown(url: &Url) -> String {
    crate::discover::without_credentials(url).to_string()
}

fn check_url(url: &Url) -> Result<()> {
    if matches!(url.scheme(), "http" | "https") && url.has_host() {
        Ok(())
    } else {
        Err(Error::InvalidUrl {
            input: shown(url),
            reason: "only http and https URLs can be fetched".into(),
        })
    }
}

impl Fetcher {
    /// A fetcher with its own [`Politeness`] state, configured from `[crawler]`.
    pub fn new(config: &Crawler) -> Result<Fetcher> {
        Fetcher::with_politeness(config, Arc::new(Politeness::new(&config.user_agent)))
    }

    /// A fetcher sharing `politeness` with other parts of the program.
    pub fn with_politeness(config: &Crawler, politeness: Arc<Politeness>) -> Result<Fetcher> {
        Ok(Fetcher {
            client: client::build(config, false)?,
            public: client::build(config, true)?,
            politeness,
            max_body: config.max_body,
            user_agent: config.user_agent.clone(),
        })
    }

    /// The client for `scope`: one whose resolver refuses non-public addresses unless the
    /// scope may reach them.
    fn client_for(&self, scope: &Scope) -> &reqwest::Client {
        if scope.private_ok() {
            &self.client
        } else {
            &self.public
        }
    }

    /// Ok when `url` may be fetched in `scope`: its host is within the scope and, unless the
    /// scope may reach private addresses, it resolves to a public address. For refusing a URL
    /// up front (`emend watch`) rather than at its first fetch; fetches check by themselves.
    ///
    /// Errors: [`Error::AddressRefused`]; [`Error::Network`] when the name does not resolve.
    pub async fn check_address(&self, url: &Url, scope: &Scope) -> Result<()> {
        check_url(url)?;
        scope.check(url).map_err(|reason| Error::AddressRefused {
            url: shown(url),
            reason,
        })?;
        if scope.private_ok() {
            return Ok(());
        }
        let Some(url::Host::Domain(name)) = url.host() else {
            return Ok(());
        };
        match resolve::public_addrs(name).await {
            Ok(_) => Ok(()),
            Err(e) => match e.downcast::<resolve::NonPublicAddress>() {
                Ok(refused) => Err(Error::AddressRefused {
                    url: shown(url),
                    reason: format!("{refused}{}", scope.private_hint()),
                }),
                Err(e) => Err(Error::Network {
                    url: shown(url),
                    message: format!("cannot resolve {name}: {e}"),
                }),
            },
        }
    }

    /// The shared politeness state (set per-host rates here).
    pub fn politeness(&self) -> &Arc<Politeness> {
        &self.politeness
    }

    /// Fetches an HTML page, conditionally when `cond` carries validators.
    ///
    /// Errors: [`Error::AddressRefused`] (the page or a redirect out of `opts.scope`),
    /// [`Error::RobotsDisallowed`] / [`Error::RobotsUnavailable`] (unless
    /// `opts.ignore_robots`), [`Error::Redirect`], [`Error::Network`], [`Error::HttpStatus`]
    /// (429/503 also hold the host off for its `Retry-After`), [`Error::NotHtml`],
    /// [`Error::BodyTooLarge`].
    pub async fn fetch_page(
        &self,
        url: &Url,
        cond: &Conditional,
        opts: FetchOptions,
    ) -> Result<PageResponse> {
        check_url(url)?;
        let reply = self
            .follow(url, cond, !opts.ignore_robots, &opts.scope)
            .await?;
        let status = reply.resp.status();
        if status == StatusCode::NOT_MODIFIED {
            let exchange = Box::new(exchange::of(reply.request, &reply.resp));
            return Ok(PageResponse::NotModified {
                final_url: reply.final_url,
                status: status.as_u16(),
                elapsed: reply.started.elapsed(),
                exchange,
            });
        }
        if !status.is_success() {
            return Err(self.status_error(&reply.final_url, &reply.resp));
        }
        // A type that says "not HTML" is refused before the body is read; no type at all
        // is decided by sniffing the body.
        let declared = header(reply.resp.headers(), CONTENT_TYPE);
        let declared_html = declared
            .as_deref()
            .and_then(|c| body::ContentType::parse(c).is_html());
        if declared_html == Some(false) {
            return Err(not_html(&reply.final_url, declared.as_deref()));
        }
        let response = self.read_resource(reply).await?;
        if declared_html.is_none() && !body::sniff_html(&response.body) {
            return Err(not_html(
                &response.final_url,
                response.content_type.as_deref(),
            ));
        }
        let ct = response
            .content_type
            .as_deref()
            .map(body::ContentType::parse);
        let charset = ct.as_ref().and_then(|c| c.charset.as_deref());
        let Decoded { text, encoding } =
            decode_html(&response.body, charset, Some(&response.final_url));
        Ok(PageResponse::Page(Page {
            response,
            text,
            encoding,
        }))
    }

    /// Fetches a feed, sitemap or robots.txt: any content type, same body cap, rate limits and
    /// redirect rules as pages; robots.txt is honoured except for [`ResourceKind::Robots`];
    /// `scope` says where it and its redirects may be fetched from.
    pub async fn fetch_resource(
        &self,
        url: &Url,
        kind: ResourceKind,
        cond: &Conditional,
        scope: &Scope,
    ) -> Result<ResourceResponse> {
        check_url(url)?;
        let reply = self
            .follow(url, cond, kind != ResourceKind::Robots, scope)
            .await?;
        let status = reply.resp.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(ResourceResponse::NotModified {
                final_url: reply.final_url,
                status: status.as_u16(),
                elapsed: reply.started.elapsed(),
            });
        }
        if !status.is_success() {
            return Err(self.status_error(&reply.final_url, &reply.resp));
        }
        let resource = self.read_resource(reply).await?;
        tracing::trace!(kind = kind.as_str(), url = %shown(&resource.final_url), bytes = resource.body.len(), "resource read");
        Ok(ResourceResponse::Resource(resource))
    }

    /// Reads a successful reply's body, within the size cap, with its status, type and
    /// validators.
    async fn read_resource(&self, reply: redirect::Reply) -> Result<Resource> {
        let headers = reply.resp.headers();
        let status = reply.resp.status().as_u16();
        let content_type = header(headers, CONTENT_TYPE);
        let etag = header(headers, ETAG);
        let last_modified = header(headers, LAST_MODIFIED);
        let exchange = Some(Box::new(exchange::of(reply.request, &reply.resp)));
        let body = body::read_capped(reply.resp, &reply.final_url, self.max_body).await?;
        Ok(Resource {
            final_url: reply.final_url,
            status,
            content_type,
            etag,
            last_modified,
            body,
            elapsed: reply.started.elapsed(),
            redirects: reply.redirects,
            exchange,
        })
    }

    /// The error for a non-success final status; 429 and 503 also hold the host off.
    pub(crate) fn status_error(&self, url: &Url, resp: &reqwest::Response) -> Error {
        let status = resp.status().as_u16();
        let retry_after = if matches!(status, 429 | 503) {
            let wait = resp
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, std::time::SystemTime::now()))
                .unwrap_or(DEFAULT_RETRY_AFTER);
            self.politeness
                .hold_off(&host_key(url), tokio::time::Instant::now() + wait);
            Some(ceil_secs(wait))
        } else {
            None
        };
        Error::HttpStatus {
            url: shown(url),
            status,
            retry_after,
        }
    }
}
