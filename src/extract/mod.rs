//! Main-text and metadata extraction: a pure function from HTML (and optional site selectors) to an [`Article`].
//!
//! One parse, one flattening into a pre-order arena (`dom`), then passes over that slice:
//! furniture pruning and paragraph scoring pick the body (`scoring`), `render` turns its
//! blocks into text, `metadata` reads JSON-LD, meta tags, `itemprop`, `<time>` and visible
//! stamps, preferring the article's own over page-wide ones.

mod attrs;
mod boilerplate;
mod dates;
pub mod depth;
mod dom;
mod jsonld;
mod metadata;
mod normalize;
mod prestrip;
mod render;
mod scoring;
mod site;
mod stamps;
mod stats;

use scraper::Html;
use url::Url;

use crate::config::Selectors;
use crate::model::{Article, FieldSource};

pub use normalize::{fold_quote, fold_quotes};

use dates::Hints;
use dom::Dom;
use render::{Block, BlockKind};
use scoring::ClassRules;
use stats::Stats;

/// Bumped whenever extraction output may change for the same input, so stored
/// versions record which extractor produced them and raw bodies can be re-extracted.
pub const EXTRACTOR_VERSION: u32 = 7;

/// Inputs besides the HTML.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// The page's URL, to resolve relative links such as `rel=canonical`.
    pub url: Option<&'a Url>,
    /// Site selectors from sites.toml, tried before the generic extractor.
    pub selectors: Option<&'a Selectors>,
}

/// Below this many characters the class-vocabulary pruning is assumed to have eaten the article.
const MIN_TEXT: u32 = 250;

/// Extracts the main text and metadata of an article page.
pub fn extract(html: &str, opts: &Options<'_>) -> Article {
    let stripped = prestrip::strip(html);
    // Site selectors may match any attribute: with them the page keeps all of its own.
    let lean = match opts.selectors {
        Some(_) => depth::cap(&stripped),
        None => attrs::strip(&stripped),
    };
    let doc = Html::parse_document(&lean);
    let dom = Dom::new(&doc);
    let n = dom.nodes.len();
    let none = vec![false; n];
    let raw = Stats::new(&dom, &none);
    let sel = opts.selectors;
    let hints = Hints {
        format: sel.and_then(|s| s.format.as_deref()),
        timezone: sel.and_then(|s| s.timezone.as_deref()),
    };
    let site = site::Site::new(&doc, &dom, sel, opts.url);
    let exclude = site.exclude(n);
    let hidden = scoring::Hidden::new(&dom);
    let plain = scoring::prune(&dom, &raw, ClassRules::Off, &exclude, &[], &hidden);

    let (roots, blocks) = match site.content() {
        Some(roots) => {
            let blocks = render::filter(render::render(&dom, &roots, &plain));
            (roots, blocks)
        }
        None => match main_text(&dom, &raw, &exclude, &hidden) {
            (_, b) if b.is_empty() => fallback(&dom, &plain),
            found => found,
        },
    };
    let scope = metadata::scope(&dom, &roots, &raw.chars);
    let meta = metadata::collect(&dom, &scope, &plain, &hints, opts.url);

    let mut article = Article {
        canonical: meta.canonical.clone(),
        ..Article::default()
    };
    let set = |slot: &mut Option<String>, src: &mut Option<FieldSource>, v: metadata::Found| {
        if let Some((value, source)) = v {
            *slot = Some(value);
            *src = Some(source);
        }
    };
    set(
        &mut article.title,
        &mut article.sources.title,
        site.title().or(meta.title),
    );
    set(
        &mut article.byline,
        &mut article.sources.byline,
        site.byline().or(meta.byline),
    );
    set(
        &mut article.published,
        &mut article.sources.published,
        meta.published,
    );
    set(
        &mut article.last_update,
        &mut article.sources.last_update,
        site.last_update(&hints).or(meta.last_update),
    );

    let drop_heading = |b: &Block| {
        b.kind == BlockKind::Heading
            && (Some(&b.text) == article.title.as_ref() || Some(&b.text) == meta.h1.as_ref())
    };
    let kept: Vec<Block> = blocks.into_iter().filter(|b| !drop_heading(b)).collect();
    article.text = render::join(&kept);
    article
}

fn total(blocks: &[Block]) -> u32 {
    blocks.iter().map(|b| b.chars).sum()
}

/// The generic path: prune, score, clean, render; retried without class rules when they ate the article.
fn main_text(
    dom: &Dom<'_>,
    raw: &Stats,
    exclude: &[bool],
    hidden: &scoring::Hidden<'_>,
) -> (Vec<usize>, Vec<Block>) {
    let mut best: (Vec<usize>, Vec<Block>) = (Vec::new(), Vec::new());
    let groups = scoring::sibling_groups(dom, raw);
    for rules in [ClassRules::On, ClassRules::Off] {
        let mut removed = scoring::prune(dom, raw, rules, exclude, &groups, hidden);
        let st = Stats::new(dom, &removed);
        let roots = scoring::select(dom, &removed, &st);
        scoring::clean(dom, &roots, &mut removed, &st, rules);
        let blocks = render::filter(render::render(dom, &roots, &removed));
        if best.0.is_empty() || total(&blocks) > total(&best.1) {
            best = (roots, blocks);
        }
        if total(&best.1) >= MIN_TEXT {
            break;
        }
    }
    best
}

/// When the chosen body rendered to nothing (a portfolio of image tiles, a page that is all
/// link lists), the page's visible text outside its furniture elements, links included: an
/// empty text would hide every edit, and a page with no article still has lines to track.
fn fallback(dom: &Dom<'_>, plain: &[bool]) -> (Vec<usize>, Vec<Block>) {
    let body: Vec<usize> = dom.body().into_iter().collect();
    let blocks = render::render(dom, &body, plain)
        .into_iter()
        .filter(|b| !boilerplate::is_junk_line(&b.text))
        .collect();
    (body, blocks)
}
