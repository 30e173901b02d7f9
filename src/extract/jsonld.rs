//! schema.org JSON-LD: finds the article object (through `@graph`, arrays and `mainEntity`) and reads headline, authors and dates.

use std::collections::HashMap;

use serde_json::Value;

/// What the page's JSON-LD says about its article.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct LdArticle {
    /// `headline`, else `name`.
    pub headline: Option<String>,
    /// Author names, in order.
    pub authors: Vec<String>,
    /// Whether every author is an `Organization` (the publisher named as author), which a
    /// person's byline on the page describes better.
    pub organization_authors: bool,
    /// `datePublished`, verbatim.
    pub published: Option<String>,
    /// `dateModified`, verbatim.
    pub modified: Option<String>,
    /// `articleBody`, when present.
    pub body: Option<String>,
    /// `datePublished` of the page's other objects: the same instant in another offset
    /// tells the page's own zone, and nothing else is taken from them.
    pub other_published: Vec<String>,
}

/// Nesting we follow into JSON-LD; real pages stay far below it.
const MAX_DEPTH: usize = 16;

fn is_article_type(t: &str) -> bool {
    let t = t.rsplit(['/', ':']).next().unwrap_or(t);
    t.ends_with("Article")
        || t == "BlogPosting"
        || t == "LiveBlogPosting"
        || t == "Report"
        || t == "SocialMediaPosting"
        || t == "Blog"
}

fn is_blog(t: &str) -> bool {
    t.rsplit(['/', ':']).next().unwrap_or(t) == "Blog"
}

fn types(v: &Value) -> Vec<&str> {
    match v.get("@type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn collect<'v>(v: &'v Value, depth: usize, out: &mut Vec<&'v Value>) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::Array(a) => a.iter().for_each(|x| collect(x, depth + 1, out)),
        Value::Object(o) => {
            out.push(v);
            for key in ["@graph", "mainEntity", "itemListElement", "hasPart"] {
                if let Some(x) = o.get(key) {
                    collect(x, depth + 1, out);
                }
            }
            // A `Blog` describing a post's page lists that one post; a blog's index lists
            // many, none of them the page's article.
            match o.get("blogPost") {
                Some(x @ Value::Object(_)) => collect(x, depth + 1, out),
                Some(Value::Array(a)) if a.len() == 1 => collect(&a[0], depth + 1, out),
                _ => {}
            }
        }
        _ => {}
    }
}

fn string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => {
            let s = super::normalize::collapse(&decode_twice(s));
            (!s.is_empty()).then_some(s)
        }
        Value::Array(a) => a.iter().find_map(|x| string(Some(x))),
        Value::Object(o) => string(o.get("@value")),
        _ => None,
    }
}

/// Whether an `author` value names only organizations.
fn organizations(v: &Value, ids: &HashMap<&str, &Value>) -> bool {
    match v {
        Value::Array(a) => !a.is_empty() && a.iter().all(|x| organizations(x, ids)),
        Value::Object(o) => {
            let target = o
                .get("@id")
                .and_then(Value::as_str)
                .and_then(|id| ids.get(id))
                .copied()
                .unwrap_or(v);
            let t = types(target);
            let t = if t.is_empty() { types(v) } else { t };
            !t.is_empty() && t.iter().all(|t| t.ends_with("Organization"))
        }
        _ => false,
    }
}

/// Entities decoded, twice when the page escaped them twice (`&amp;#8230;` in a script).
fn decode_twice(s: &str) -> String {
    let once = super::normalize::decode_entities(s);
    if once.contains('&') && once.contains(';') {
        super::normalize::decode_entities(&once)
    } else {
        once
    }
}

fn names(v: &Value, ids: &HashMap<&str, &Value>, out: &mut Vec<String>, depth: usize) {
    if depth > 4 {
        return;
    }
    match v {
        Value::String(s) => {
            let s = super::stamps::clean_byline(&super::normalize::collapse(&decode_twice(s)));
            if !s.is_empty() && !s.starts_with("http") && !out.contains(&s) {
                out.push(s);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| names(x, ids, out, depth + 1)),
        Value::Object(o) => {
            if let Some(n) = o.get("name") {
                names(n, ids, out, depth + 1);
            } else if let Some(target) = o
                .get("@id")
                .and_then(Value::as_str)
                .and_then(|id| ids.get(id))
            {
                if let Some(n) = target.get("name") {
                    names(n, ids, out, depth + 1);
                }
            }
        }
        _ => {}
    }
}

/// Parses one JSON-LD script leniently: several values in a row, a stray `}` after the
/// object, trailing commas, control characters and HTML-escaped quotes are all tolerated.
fn parse_script(s: &str, out: &mut Vec<Value>) {
    let s = s
        .trim()
        .trim_start_matches("<!--")
        .trim_end_matches("-->")
        .trim();
    let rest = stream(s, out);
    if rest.trim_start_matches(['}', ']']).trim().is_empty() {
        return;
    }
    // What strict parsing left: repair it and read on.
    let mut fixed: String = rest
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if fixed.contains("&quot;") {
        fixed = super::normalize::decode_entities(&fixed);
    }
    stream(&drop_trailing_commas(&fixed), out);
}

/// Reads consecutive JSON values (separated by whitespace, `,` or `;`) until the first
/// error; returns the text it could not read.
fn stream<'s>(s: &'s str, out: &mut Vec<Value>) -> &'s str {
    let mut rest = s;
    while !rest.is_empty() {
        let mut it = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
        match it.next() {
            Some(Ok(v)) => {
                out.push(v);
                rest = rest[it.byte_offset()..]
                    .trim_start_matches(|c: char| c.is_whitespace() || c == ',' || c == ';');
            }
            _ => return rest,
        }
    }
    rest
}

/// Removes commas that directly precede `}` or `]` outside strings.
fn drop_trailing_commas(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let (mut in_str, mut esc) = (false, false);
    let mut pending_comma = false;
    for c in s.chars() {
        if in_str {
            out.push(c);
            match (esc, c) {
                (true, _) => esc = false,
                (false, '\\') => esc = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        if pending_comma && !c.is_whitespace() {
            if c != '}' && c != ']' {
                out.push(',');
            }
            pending_comma = false;
        }
        match c {
            ',' => pending_comma = true,
            '"' => {
                in_str = true;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Reads the article object out of the page's `application/ld+json` scripts.
pub(crate) fn parse<'s>(scripts: impl Iterator<Item = &'s str>) -> Option<LdArticle> {
    let mut values = Vec::new();
    for s in scripts {
        parse_script(s, &mut values);
    }
    let mut objects = Vec::new();
    for v in &values {
        collect(v, 0, &mut objects);
    }
    let ids: HashMap<&str, &Value> = objects
        .iter()
        .filter_map(|o| o.get("@id").and_then(Value::as_str).map(|id| (id, *o)))
        .collect();
    // A post outranks the `Blog` it belongs to, whose name is the blog's.
    let article = objects
        .iter()
        .find(|o| types(o).iter().any(|t| is_article_type(t) && !is_blog(t)))
        .or_else(|| {
            objects
                .iter()
                .find(|o| types(o).iter().any(|t| is_article_type(t)))
        })
        .or_else(|| {
            objects
                .iter()
                .find(|o| o.get("headline").is_some() || o.get("datePublished").is_some())
        })?;
    let other_published = objects
        .iter()
        .filter(|o| !std::ptr::eq(**o, *article))
        .filter_map(|o| string(o.get("datePublished")))
        .collect();
    let mut authors = Vec::new();
    let author = article.get("author").or_else(|| article.get("creator"));
    if let Some(a) = author {
        names(a, &ids, &mut authors, 0);
    }
    let organization_authors = author.is_some_and(|a| organizations(a, &ids));
    Some(LdArticle {
        headline: string(article.get("headline")).or_else(|| string(article.get("name"))),
        authors,
        organization_authors,
        published: string(article.get("datePublished"))
            .or_else(|| string(article.get("dateCreated"))),
        modified: string(article.get("dateModified")),
        body: string(article.get("articleBody")),
        other_published,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_with_author_reference() {
        let s = r##"{"@context":"https://schema.org","@graph":[
            {"@type":"WebPage","@id":"#page","name":"Site"},
            {"@type":["NewsArticle"],"headline":"Lachin returned","datePublished":"2020-12-02T10:00:00+04:00",
             "dateModified":"2020-12-03T09:00:00+04:00","author":[{"@id":"#p1"},{"@type":"Person","name":"B. Writer"}]},
            {"@type":"Person","@id":"#p1","name":"Vusala Abbasova"}]}"##;
        let a = parse(std::iter::once(s)).unwrap();
        assert_eq!(a.headline.as_deref(), Some("Lachin returned"));
        assert_eq!(a.authors, vec!["Vusala Abbasova", "B. Writer"]);
        assert_eq!(a.modified.as_deref(), Some("2020-12-03T09:00:00+04:00"));
    }

    #[test]
    fn lenient_blocks_are_read() {
        let extra_brace = r#"{"@type":"NewsArticle","datePublished":"2020-01-02"}}"#;
        let trailing = r#"{"@type":"NewsArticle","datePublished":"2020-01-02",}"#;
        let entities = r#"{&quot;@type&quot;:&quot;NewsArticle&quot;,&quot;datePublished&quot;:&quot;2020-01-02&quot;}"#;
        let two =
            r#"{"@type":"WebSite","name":"S"}{"@type":"NewsArticle","datePublished":"2020-01-02"}"#;
        for s in [extra_brace, trailing, entities, two] {
            let a = parse(std::iter::once(s)).unwrap_or_default();
            assert_eq!(a.published.as_deref(), Some("2020-01-02"), "{s}");
        }
    }

    #[test]
    fn a_blogs_single_post_is_the_article() {
        let s = r#"{"@type":"Blog","name":"The Blog","blogPost":[{"@type":"BlogPosting",
            "headline":"One post","datePublished":"2025-12-19T20:20:42Z"}]}"#;
        let a = parse(std::iter::once(s)).unwrap();
        assert_eq!(a.headline.as_deref(), Some("One post"));
        assert_eq!(a.published.as_deref(), Some("2025-12-19T20:20:42Z"));
        let index = r#"{"@type":"Blog","name":"The Blog","blogPost":[
            {"@type":"BlogPosting","headline":"A"},{"@type":"BlogPosting","headline":"B"}]}"#;
        assert_eq!(
            parse(std::iter::once(index)).unwrap().headline.as_deref(),
            Some("The Blog")
        );
    }

    #[test]
    fn array_of_objects_and_broken_json() {
        let s = r#"[{"@type":"Organization","name":"X"},{"@type":"BlogPosting","headline":"H","author":"Ann"}]"#;
        let a = parse(["{not json", s].into_iter()).unwrap();
        assert_eq!(a.authors, vec!["Ann"]);
    }
}
