//! `emend sites test NAME`: read one site's feeds, sitemaps and index pages once, politely,
//! and show every link found, whether `article_pattern` keeps it, whether robots.txt allows
//! it, and what the extractor makes of the first article kept: a site's settings tried
//! before the daemon runs on them.

use std::fmt::Write as _;

use clap::{Args, Subcommand};
use url::Url;

use super::Context;
use super::output::print_text;
use crate::config::{Config, Site};
use crate::discover;
use crate::error::Error;
use crate::fetch::{
    Conditional, FetchOptions, Fetcher, PageResponse, ResourceKind, ResourceResponse, Scope,
};
use crate::pipeline::MIN_ARTICLE_WORDS;

/// Child sitemaps read from a sitemap index in one test: enough to see what it lists.
const MAX_CHILD_SITEMAPS: usize = 3;

/// `emend sites …`.
#[derive(Debug, Subcommand)]
pub enum SitesCommand {
    /// Read a site's feeds, sitemaps and index pages once and show what article_pattern keeps
    Test(TestArgs),
}

/// Arguments of `emend sites test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// The site's `name` in sites.toml
    pub name: String,
}

/// Runs `emend sites …`.
pub async fn run(ctx: &Context, cmd: &SitesCommand) -> anyhow::Result<()> {
    let SitesCommand::Test(args) = cmd;
    let config = ctx.config()?;
    if config.path.is_none() {
        return Err(super::daemon::no_config().into());
    }
    let site = find_site(&config, &args.name)?;
    let fetcher = Fetcher::new(&config.crawler)?;
    fetcher.politeness().apply_site(site);
    let mut out = format!(
        "site {} — article_pattern '{}'\n",
        site.name,
        site.article_pattern.as_str()
    );
    let mut links = Vec::new();
    for source in sources(site) {
        let found = read_source(&fetcher, &source).await;
        report_source(&fetcher, site, &source, &found, &mut out).await?;
        if let Ok(found) = found {
            links.extend(found);
        }
    }
    conclude(&fetcher, &config, site, &links, &mut out).await?;
    print_text(&out)
}

fn find_site<'c>(config: &'c Config, name: &str) -> Result<&'c Site, Error> {
    config.sites.iter().find(|s| s.name == name).ok_or_else(|| {
        let names: Vec<&str> = config.sites.iter().map(|s| s.name.as_str()).collect();
        Error::Config {
            file: config.path.clone().unwrap_or_default(),
            line: 1,
            column: 1,
            message: format!("no site named {name:?} (sites: {})", names.join(", ")),
        }
    })
}

/// One place links come from.
struct Source {
    kind: ResourceKind,
    /// Index pages are fetched as pages; feeds and sitemaps as resources.
    index: bool,
    url: Url,
}

fn sources(site: &Site) -> Vec<Source> {
    let of = |urls: &[Url], kind, index| {
        urls.iter()
            .map(move |u| Source {
                kind,
                index,
                url: u.clone(),
            })
            .collect::<Vec<_>>()
    };
    let mut all = of(&site.feeds, ResourceKind::Feed, false);
    all.extend(of(&site.sitemaps, ResourceKind::Sitemap, false));
    all.extend(of(&site.start_urls, ResourceKind::Feed, true));
    all
}

fn label(s: &Source) -> &'static str {
    match (s.index, s.kind) {
        (true, _) => "index page",
        (false, ResourceKind::Sitemap) => "sitemap",
        _ => "feed",
    }
}

/// The links one source gives (a sitemap index: those of its first few children too).
async fn read_source(fetcher: &Fetcher, source: &Source) -> Result<Vec<Url>, Error> {
    if source.index {
        let page = fetcher
            .fetch_page(
                &source.url,
                &Conditional::default(),
                FetchOptions::default(),
            )
            .await?;
        let PageResponse::Page(page) = page else {
            return Ok(Vec::new());
        };
        return Ok(discover::index_links(
            &page.text,
            &page.response.final_url,
            None,
        ));
    }
    let body = fetch_body(fetcher, &source.url, source.kind).await?;
    if source.kind == ResourceKind::Feed {
        let items = discover::parse_feed(&body.0, &body.1)?;
        return Ok(items.into_iter().map(|d| d.url).collect());
    }
    let map = discover::parse_sitemap(&body.0, &body.1)?;
    let mut urls: Vec<Url> = map.urls.into_iter().map(|d| d.url).collect();
    for child in map.sitemaps.iter().take(MAX_CHILD_SITEMAPS) {
        let body = fetch_body(fetcher, &child.url, ResourceKind::Sitemap).await?;
        let child_map = discover::parse_sitemap(&body.0, &body.1)?;
        urls.extend(child_map.urls.into_iter().map(|d| d.url));
    }
    Ok(urls)
}

/// `sites test` is a by-hand trial of a site's settings, like `snapshot`: it reads what the
/// settings name wherever it is, so a mistyped host shows up in its report rather than as a
/// refusal.
const TRIAL_SCOPE: Scope = Scope::Any;

async fn fetch_body(
    fetcher: &Fetcher,
    url: &Url,
    kind: ResourceKind,
) -> Result<(bytes::Bytes, Url), Error> {
    match fetcher
        .fetch_resource(url, kind, &Conditional::default(), &TRIAL_SCOPE)
        .await?
    {
        ResourceResponse::Resource(r) => Ok((r.body, r.final_url)),
        ResourceResponse::NotModified { final_url, .. } => Ok((bytes::Bytes::new(), final_url)),
    }
}

async fn report_source(
    fetcher: &Fetcher,
    site: &Site,
    source: &Source,
    found: &Result<Vec<Url>, Error>,
    out: &mut String,
) -> anyhow::Result<()> {
    let links = match found {
        Ok(links) => links,
        Err(e) => {
            writeln!(out, "{} {}: failed: {e}", label(source), source.url)?;
            return Ok(());
        }
    };
    let matched = links
        .iter()
        .filter(|u| site.article_pattern.is_match(u.as_str()))
        .count();
    writeln!(
        out,
        "{} {}: {}, {matched} matched",
        label(source),
        source.url,
        super::plural(links.len() as u64, "link", "links")
    )?;
    for link in links {
        let (pattern, robots) = if site.article_pattern.is_match(link.as_str()) {
            ("match   ", robots_word(fetcher, link).await)
        } else {
            ("no match", "robots not asked")
        };
        writeln!(out, "  {pattern}  {robots:<16}  {link}")?;
    }
    Ok(())
}

/// Whether robots.txt lets emend fetch `url` (fetching robots.txt once per host).
async fn robots_word(fetcher: &Fetcher, url: &Url) -> &'static str {
    match fetcher.check_robots(url, &TRIAL_SCOPE).await {
        Ok(()) => "robots allows",
        Err(Error::RobotsDisallowed { .. }) => "robots disallows",
        Err(_) => "robots unknown",
    }
}

/// The verdict: why nothing matched, or what the first allowed article extracts to.
async fn conclude(
    fetcher: &Fetcher,
    config: &Config,
    site: &Site,
    links: &[Url],
    out: &mut String,
) -> anyhow::Result<()> {
    let matched: Vec<&Url> = links
        .iter()
        .filter(|u| site.article_pattern.is_match(u.as_str()))
        .collect();
    if links.is_empty() {
        writeln!(
            out,
            "no links found: the feeds, sitemaps and index pages above gave none (see any failure above)"
        )?;
        return Ok(());
    }
    if matched.is_empty() {
        writeln!(
            out,
            "nothing would be watched: none of the {} matches article_pattern '{}' \
             (it must match the whole absolute URL, scheme and host included; e.g. {})",
            super::plural(links.len() as u64, "link", "links"),
            site.article_pattern.as_str(),
            links[0]
        )?;
        return Ok(());
    }
    writeln!(out, "{} of {} would be watched", matched.len(), links.len())?;
    for url in matched {
        if fetcher.check_robots(url, &TRIAL_SCOPE).await.is_err() {
            continue;
        }
        return show_extraction(fetcher, config, url, out).await;
    }
    writeln!(out, "no matched article may be fetched (robots.txt)")?;
    Ok(())
}

async fn show_extraction(
    fetcher: &Fetcher,
    config: &Config,
    url: &Url,
    out: &mut String,
) -> anyhow::Result<()> {
    writeln!(out, "first article: {url}")?;
    let page = match fetcher
        .fetch_page(url, &Conditional::default(), FetchOptions::default())
        .await
    {
        Ok(PageResponse::Page(page)) => page,
        Ok(PageResponse::NotModified { .. }) => return Ok(()),
        Err(e) => {
            writeln!(out, "  failed: {e}")?;
            return Ok(());
        }
    };
    let final_url = &page.response.final_url;
    let article = crate::extract::extract(
        &page.text,
        &crate::extract::Options {
            url: Some(final_url),
            selectors: config.site_for(final_url).map(|s| &s.selectors),
        },
    );
    let field = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let words = crate::diff::word_count(&article.text);
    writeln!(out, "  title:       {}", field(&article.title))?;
    writeln!(out, "  published:   {}", field(&article.published))?;
    writeln!(out, "  last update: {}", field(&article.last_update))?;
    writeln!(out, "  words:       {words}")?;
    if words < MIN_ARTICLE_WORDS {
        writeln!(
            out,
            "  not an article? under {MIN_ARTICLE_WORDS} words of main text: check article_pattern or [site.selectors] content"
        )?;
    }
    Ok(())
}
