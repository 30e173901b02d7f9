//! Re-extraction of a stored version's raw body with the current extractor, compared with what was stored.
//!
//! Read-only by design: stored versions are an archive of what emend saw and concluded at
//! the time, so a changed extractor is reported against them here, never written over them.
//!
//! The body is decoded and extracted as the pipeline did it: with the encoding recorded at
//! fetch time (which may have come from the HTTP header alone), the same page URL and the
//! site selectors the config now has for that URL. Versions stored before the encoding was
//! recorded are decoded by BOM, `<meta charset>` or detection.

use url::Url;

use crate::config::Config;
use crate::diff::{word_counts, word_diff};
use crate::extract;
use crate::fetch::decode_html;
use crate::model::{Article, Version};

pub use crate::diff::Field;

/// How the current extractor's reading of a stored body compares with the stored article.
///
/// Fields are compared with quotes folded, as the pipeline compares states: text stored
/// folded by an extractor before 7 reads the same as today's, which keeps the quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// What the current extractor makes of the body.
    pub article: Article,
    /// Fields whose re-extracted value differs from the stored one, in [`Field::ALL`] order.
    pub changed: Vec<Field>,
    /// Words in the re-extracted text that the stored text lacks.
    pub words_added: u32,
    /// Words in the stored text that the re-extracted text lacks.
    pub words_removed: u32,
}

impl Comparison {
    /// True when every compared field is identical.
    pub fn is_same(&self) -> bool {
        self.changed.is_empty()
    }
}

/// Re-extracts `body`, the raw response stored with `version`, using the current extractor
/// and the site selectors `config` has for the URL the version was fetched from, and compares
/// the result with the stored article.
pub fn compare(config: &Config, version: &Version, body: &[u8]) -> Comparison {
    // The pipeline resolved links and chose the site by the URL that answered, not the key.
    let page_url = Url::parse(&version.fetched_url).ok();
    let selectors = page_url
        .as_ref()
        .and_then(|u| config.site_for(u))
        .map(|s| &s.selectors);
    let text = decode_html(body, version.encoding.as_deref(), page_url.as_ref()).text;
    let article = extract::extract(
        &text,
        &extract::Options {
            url: page_url.as_ref(),
            selectors,
        },
    );
    let stored = &version.article;
    let changed: Vec<Field> = Field::ALL
        .into_iter()
        .filter(|f| !f.same(stored, &article))
        .collect();
    let (words_added, words_removed) = if changed.contains(&Field::Text) {
        word_counts(&word_diff(&stored.text, &article.text))
    } else {
        (0, 0)
    };
    Comparison {
        article,
        changed,
        words_added,
        words_removed,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::extract::EXTRACTOR_VERSION;
    use crate::model::ChangeKind;

    const PAGE: &str = "<html><head><title>Headline</title></head><body><article>\
        <h1>Headline</h1><p>One two three four five six seven eight nine ten eleven twelve.</p>\
        <p>Thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty words here.</p>\
        </article></body></html>";

    fn stored(article: Article) -> Version {
        Version {
            number: 1,
            fetched_at: Utc::now(),
            change: ChangeKind::New,
            text_hash: String::new(),
            article,
            words_added: 0,
            words_removed: 0,
            extractor_version: EXTRACTOR_VERSION,
            body_hash: None,
            encoding: None,
            fetched_url: "https://example.org/news/1".into(),
        }
    }

    fn current(html: &str) -> Article {
        let url = Url::parse("https://example.org/news/1").ok();
        extract::extract(
            html,
            &extract::Options {
                url: url.as_ref(),
                selectors: None,
            },
        )
    }

    #[test]
    fn the_current_extractors_own_output_is_the_same() {
        let v = stored(current(PAGE));
        let c = compare(&Config::empty(), &v, PAGE.as_bytes());
        assert!(c.is_same(), "{:?}", c.changed);
        assert_eq!((c.words_added, c.words_removed), (0, 0));
    }

    #[test]
    fn differing_fields_are_named_and_text_words_counted() {
        let mut article = current(PAGE);
        article.text = article.text.replace("Thirteen fourteen", "Thirteen");
        article.title = Some("Old headline".into());
        let c = compare(&Config::empty(), &stored(article), PAGE.as_bytes());
        assert_eq!(c.changed, [Field::Title, Field::Text]);
        assert_eq!((c.words_added, c.words_removed), (1, 0));
        assert_eq!(Field::Title.get(&c.article), Some("Headline"));
    }
}
