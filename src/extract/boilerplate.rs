//! What counts as page furniture: class/id vocabulary, junk lines, and the elements dropped before scoring.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::dom::attr;

/// Words in a class or id that mark furniture when found anywhere in it.
const NEGATIVE_SUBSTR: &[&str] = &[
    "share",
    "social",
    "related",
    "newsletter",
    "comment",
    "sidebar",
    "breadcrumb",
    "cookie",
    "subscri",
    "trending",
    "popular",
    "promo",
    "advert",
    "outbrain",
    "taboola",
    "sponsor",
    "disqus",
    "recommend",
    "widget",
    "signup",
    "sign-up",
    "paywall",
    "caption",
    "byline",
    "masthead",
    "footer",
    "navbar",
    "navigation",
    "skiplink",
    "skip-link",
    "mostread",
    "most-read",
    "most_read",
    "morestories",
    "more-stories",
    "readmore",
    "read-more",
    "read-next",
    "readnext",
    "gdpr",
    "consent",
    "banner",
    "shoutbox",
    "skyscraper",
    "shopping",
    "tooltip",
    "pagination",
    "pager",
    "author-bio",
    "authorbio",
    "author-info",
    "about-author",
    "tagline",
    "tag-list",
    "taglist",
    "article-tags",
    "post-tags",
    "entry-tags",
    "keywords",
    "credit",
    "copyright",
    "disclaimer",
    "donate",
    "follow",
    "print-only",
    "visually-hidden",
    "visuallyhidden",
    "sr-only",
    "screen-reader",
    "hidden",
    "modal",
    "popup",
    "overlay",
    "toolbar",
    "dateline",
    "timestamp",
    "published",
    "updated",
    "meta-data",
    "post-meta",
    "entry-meta",
    "article-meta",
    "metadata",
    "rating",
    "reaction",
    "headline-list",
    "teaser",
    "topics",
    "rollover",
    "hovercard",
    "hover-card",
    "popover",
    "facebook",
    "whatsapp",
    "linkedin",
    "pinterest",
    "login",
    "contact",
    "jump",
    "toc",
    "alert",
    "ticker",
    "inline-list",
    "adslot",
    "ad-slot",
    "ad-container",
    "ad-wrapper",
    "adunit",
    "ad-unit",
    "dfp",
    "gpt-ad",
    "more-from",
];

/// Whole tokens (class/id split on non-alphanumerics) that mark furniture.
const NEGATIVE_TOKENS: &[&str] = &[
    "ad",
    "ads",
    "adv",
    "nav",
    "menu",
    "tags",
    "tag",
    "bio",
    "meta",
    "foot",
    "header",
    "hid",
    "print",
    "skip",
    "date",
    "time",
    "author",
    "authors",
    "more",
    "next",
    "prev",
    "previous",
    "aside",
    "extra",
    "extras",
    "links",
    "utility",
    "utilities",
    "tools",
    "topic",
    "card",
    "cards",
    "rail",
    "infobox",
    "note",
    "notice",
    "sticky",
    "embed",
    "video",
    "audio",
    "photo",
    "gallery",
    "media",
    "image",
    "img",
    "figure",
    "thumbnail",
    "thumb",
    "icon",
    "logo",
    "btn",
    "button",
    "form",
    "search",
    "login",
    "top",
    "bottom",
    "cta",
];

/// Whole tokens that mark reader comments even on an element that also names the body.
const COMMENT_TOKENS: &[&str] = &[
    "comment",
    "comments",
    "reply",
    "replies",
    "disqus",
    "discussion",
];

/// Marks that a container is the article body, overriding furniture words (readability's list).
const POSITIVE_SUBSTR: &[&str] = &[
    "article", "body", "content", "entry", "hentry", "main", "post", "text", "blog", "story",
];

/// Strong body markers that keep an element even when a furniture word also appears.
const BODY_SUBSTR: &[&str] = &[
    "article-body",
    "articlebody",
    "article_body",
    "article-content",
    "articlecontent",
    "article__body",
    "article__content",
    "entry-content",
    "post-content",
    "postcontent",
    "post-body",
    "postbody",
    "story-body",
    "storybody",
    "story-content",
    "main-content",
    "maincontent",
    "body-text",
    "bodytext",
    "article-text",
    "articletext",
    "content-body",
    "text-content",
    "rich-text",
    "richtext",
    "post__content",
    "entry__content",
    "c-entry",
];

fn tokens(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
}

/// One automaton per word list: every element's class is checked, so a pass per word would dominate.
static NEGATIVE_AC: LazyLock<Option<AhoCorasick>> =
    LazyLock::new(|| AhoCorasick::new(NEGATIVE_SUBSTR).ok());
static BODY_AC: LazyLock<Option<AhoCorasick>> =
    LazyLock::new(|| AhoCorasick::new(BODY_SUBSTR).ok());
static POSITIVE_AC: LazyLock<Option<AhoCorasick>> =
    LazyLock::new(|| AhoCorasick::new(POSITIVE_SUBSTR).ok());

fn any_of(ac: &LazyLock<Option<AhoCorasick>>, words: &[&str], s: &str) -> bool {
    match ac.as_ref() {
        Some(ac) => ac.is_match(s),
        None => words.iter().any(|w| s.contains(w)),
    }
}

fn negative_words(ci: &str) -> bool {
    any_of(&NEGATIVE_AC, NEGATIVE_SUBSTR, ci) || tokens(ci).any(|t| NEGATIVE_TOKENS.contains(&t))
}

/// Whether a class/id string names furniture (share bars, related links, ads, comments...).
pub(crate) fn is_negative(ci: &str) -> bool {
    if ci.is_empty() {
        return false;
    }
    // Reader comments reuse the article's body classes ("reply-content post-content").
    if tokens(ci).any(|t| COMMENT_TOKENS.contains(&t)) {
        return true;
    }
    if is_body(ci) {
        return false;
    }
    negative_words(ci)
}

/// Whether a class/id string strongly names the article body.
pub(crate) fn is_body(ci: &str) -> bool {
    any_of(&BODY_AC, BODY_SUBSTR, ci)
}

/// Readability's class weight: +25 for body words, -25 for furniture words.
pub(crate) fn class_weight(ci: &str) -> f32 {
    let mut w = 0.0;
    if ci.is_empty() {
        return w;
    }
    if negative_words(ci) {
        w -= 25.0;
    }
    if any_of(&POSITIVE_AC, POSITIVE_SUBSTR, ci) {
        w += 25.0;
    }
    w
}

/// Whether an element is hidden from readers by attributes or inline style.
pub(crate) fn is_hidden(el: &scraper::node::Element) -> bool {
    if attr(el, "hidden").is_some() || attr(el, "aria-hidden") == Some("true") {
        return true;
    }
    if let Some(class) = attr(el, "class")
        && hidden_by_class(class)
    {
        return true;
    }
    if let Some(style) = attr(el, "style") {
        let s: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        if s.contains("display:none") || s.contains("visibility:hidden") {
            return true;
        }
    }
    false
}

/// A whole class token `hidden` or `hide` (the utility classes for `display: none`), unless a
/// responsive variant shows the block again on larger screens (`hidden md:block`).
fn hidden_by_class(class: &str) -> bool {
    let mut hidden = false;
    for t in class.split_ascii_whitespace() {
        if t.eq_ignore_ascii_case("hidden") || t.eq_ignore_ascii_case("hide") {
            hidden = true;
        } else if t.contains(':')
            && ["block", "flex", "grid", "inline", "table"]
                .iter()
                .any(|d| t.ends_with(d))
        {
            return false;
        }
    }
    hidden
}

/// Short lines that are furniture whatever element holds them.
/// Counters that change on every visit: "12 comments", "1,204 shares", "3 Kommentare".
static COUNTER: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)^\(?[\d.,\s]+[kmк]?\)?\s*(comments?|replies|shares?|views?|likes?|kommentare?|commentaires?|comentarios?|коммент\w*|просмотр\w*|yorum\w*|şərh\w*|baxış\w*)$").ok()
});

pub(crate) fn is_junk_line(text: &str) -> bool {
    if text.len() < 40 && COUNTER.as_ref().is_some_and(|re| re.is_match(text.trim())) {
        return true;
    }
    let t = text
        .trim()
        .trim_end_matches([':', '.', '!', '»', '›', '>', '|', '-'])
        .trim();
    if t.len() > 80 {
        return false;
    }
    // The list is written with ASCII quotes; the page may print curly ones.
    let l = super::fold_quotes(&t.to_lowercase()).into_owned();
    const EXACT: &[&str] = &[
        "advertisement",
        "advert",
        "iklan",
        "don't miss",
        "related news",
        "topics",
        "tags",
        "tell us what you think",
        "what do you think",
        "leave a comment",
        "leave a reply",
        "this slideshow requires javascript",
        "advertisements",
        "ad",
        "ads",
        "sponsored",
        "sponsored content",
        "share",
        "share this",
        "share this article",
        "share this story",
        "share on facebook",
        "share on twitter",
        "tweet",
        "email",
        "print",
        "comments",
        "comment",
        "read more",
        "read more",
        "related",
        "related articles",
        "related stories",
        "related content",
        "more",
        "continue reading",
        "see also",
        "click here",
        "follow us",
        "subscribe",
        "sign up",
        "log in",
        "login",
        "register",
        "skip to content",
        "skip to main content",
        "back to top",
        "close",
        "menu",
        "search",
        "loading",
        "loading...",
        "share via",
        "recommended",
        "recommended for you",
        "most read",
        "most popular",
        "trending",
        "trending now",
        "you may also like",
        "you might also like",
        "you might like",
        "you may like",
        "follow",
        "more from",
        "top stories",
        "watch",
        "listen",
        "story continues below",
        "article continues below",
        "story continues below advertisement",
        "continue reading below",
        "reklam",
        "anzeige",
        "werbung",
        "publicité",
        "publicidad",
        "реклама",
    ];
    EXACT.contains(&l.as_str())
        || l.starts_with("sign up for")
        || l.starts_with("subscribe to")
        || l.starts_with("follow us on")
        || l.starts_with("share this")
        || l.starts_with("click here to")
        || l.starts_with("read more:")
        || l.starts_with("also read:")
        || l.starts_with("read also:")
        || l.starts_with("related:")
        || l.starts_with("advertisement")
        || l.starts_with("filed under")
        || l.starts_with("story continues below")
        || l.starts_with("article continues below")
        || l.starts_with("copyright ")
        || l.starts_with("© ")
}
