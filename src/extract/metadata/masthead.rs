//! Whether an `<h1>` is the site's masthead (its name linking home, or a section's name
//! linking to the section) rather than the article's headline.

use super::super::dom::{Dom, Kind, Tag, attr};

/// Whether the `<h1>` at `i` is wholly one link to the site's home page or to a section the
/// page sits in (a path the page's own URL starts with). `page` is the page's URL, when known;
/// without it only links home count.
pub(super) fn is_masthead(dom: &Dom<'_>, i: usize, page: Option<&url::Url>) -> bool {
    let text = dom.text_of(i);
    if text.is_empty() {
        return false;
    }
    let end = dom.nodes[i].end as usize;
    let Some(link) = (i + 1..end).find(|&j| dom.tag(j) == Some(Tag::A)) else {
        return false;
    };
    let Kind::Element(_, el) = dom.nodes[link].kind else {
        return false;
    };
    if dom.text_of(link) != text {
        return false;
    }
    if attr(el, "rel").is_some_and(|r| r.split_whitespace().any(|x| x.eq_ignore_ascii_case("home")))
    {
        return true;
    }
    let Some(href) = attr(el, "href").map(str::trim) else {
        return false;
    };
    let base = page
        .cloned()
        .or_else(|| url::Url::parse("http://page.invalid/").ok());
    let Some(target) = base.as_ref().and_then(|b| b.join(href).ok()) else {
        return false;
    };
    let path = target.path();
    if path == "/" && target.query().is_none() {
        return true;
    }
    // A section of the page's own site: "/blog/" above "/blog/some-post".
    page.is_some_and(|p| {
        p.host_str() == target.host_str()
            && path.ends_with('/')
            && p.path().len() > path.len()
            && p.path().starts_with(path)
    })
}
