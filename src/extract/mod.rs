//! Main-text and metadata extraction: a pure function from HTML (and optional site selectors) to an [`Article`].

mod boilerplate;
mod dates;
mod dom;
mod normalize;
mod render;
mod scoring;
mod stats;

use scraper::Html;
use url::Url;

use crate::config::Selectors;
use crate::model::{Article, FieldSource};

use dom::{Dom, Tag};
use scoring::ClassRules;
use stats::Stats;

/// Bumped whenever extraction output may change for the same input, so stored
/// versions record which extractor produced them and raw bodies can be re-extracted.
pub const EXTRACTOR_VERSION: u32 = 2;

/// Inputs besides the HTML.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// The page's URL, to resolve relative links such as `rel=canonical`.
    pub url: Option<&'a Url>,
    /// Site selectors from sites.toml, tried before the generic extractor.
    pub selectors: Option<&'a Selectors>,
}

/// Below this many characters the class-vocabulary pruning is assumed to have eaten the article.
const MIN_TEXT: usize = 250;

/// Extracts the main text and metadata of an article page.
pub fn extract(html: &str, opts: &Options<'_>) -> Article {
    let doc = Html::parse_document(html);
    let dom = Dom::new(&doc);
    let mut article = Article::default();
    if let Some(t) = (0..dom.nodes.len()).find(|&i| dom.tag(i) == Some(Tag::Title)) {
        let t = dom.text_of(t);
        if !t.is_empty() {
            article.title = Some(t);
            article.sources.title = Some(FieldSource::Text);
        }
    }
    article.text = main_text(&dom, article.title.as_deref());
    let _ = opts;
    article
}

fn main_text(dom: &Dom<'_>, title: Option<&str>) -> String {
    let none = vec![false; dom.nodes.len()];
    let raw = Stats::new(dom, &none);
    let mut best = String::new();
    for rules in [ClassRules::On, ClassRules::Off] {
        let mut removed = scoring::prune(dom, &raw, rules, &none);
        let st = Stats::new(dom, &removed);
        let roots = scoring::select(dom, &removed, &st);
        scoring::clean(dom, &roots, &mut removed, &st);
        let blocks = render::filter(render::render(dom, &roots, &removed), title);
        let text = render::join(&blocks);
        if text.len() > best.len() {
            best = text;
        }
        if best.len() >= MIN_TEXT {
            break;
        }
    }
    best
}
