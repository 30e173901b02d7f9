//! Main-text and metadata extraction: a pure function from HTML (and optional site selectors) to an [`Article`].

use scraper::{Html, Selector};
use url::Url;

use crate::config::Selectors;
use crate::model::{Article, FieldSource};

/// Bumped whenever extraction output may change for the same input, so stored
/// versions record which extractor produced them and raw bodies can be re-extracted.
pub const EXTRACTOR_VERSION: u32 = 1;

/// Inputs besides the HTML.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// The page's URL, to resolve relative links such as `rel=canonical`.
    pub url: Option<&'a Url>,
    /// Site selectors from sites.toml, tried before the generic extractor.
    pub selectors: Option<&'a Selectors>,
}

/// Extracts the main text and metadata of an article page.
///
/// Placeholder: `<title>` and the text of every `<p>`. Replaced by the real extractor.
pub fn extract(html: &str, _opts: &Options<'_>) -> Article {
    let doc = Html::parse_document(html);
    let mut article = Article::default();
    if let Ok(sel) = Selector::parse("title")
        && let Some(t) = doc.select(&sel).next()
    {
        let t = t.text().collect::<String>().trim().to_owned();
        if !t.is_empty() {
            article.title = Some(t);
            article.sources.title = Some(FieldSource::Text);
        }
    }
    if let Ok(sel) = Selector::parse("p") {
        article.text = doc
            .select(&sel)
            .map(|p| {
                p.text()
                    .collect::<String>()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n");
    }
    article
}
