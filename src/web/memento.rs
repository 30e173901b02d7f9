//! Memento (RFC 7089) pieces as pure functions: HTTP dates, TimeGate selection, the Link
//! header of a memento and the link-format TimeMap.

use chrono::{DateTime, Utc};

use super::links;

/// Media type of a TimeMap.
pub const LINK_FORMAT: &str = "application/link-format";

/// `t` as an HTTP date (IMF-fixdate), the form of `Memento-Datetime` and `datetime=`.
pub fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Parses an `Accept-Datetime` value; `None` when it is not an HTTP date.
pub fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    let t = httpdate::parse_http_date(value.trim()).ok()?;
    Some(DateTime::<Utc>::from(t))
}

/// A memento as the TimeGate and TimeMap see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memento {
    /// Version number.
    pub number: u32,
    /// When it was captured.
    pub at: DateTime<Utc>,
}

/// The memento a TimeGate answers with: the last one captured at or before `wanted`, the
/// first one when `wanted` precedes them all, the last one when no date was asked for.
/// `mementos` are oldest first.
pub fn select(mementos: &[Memento], wanted: Option<DateTime<Utc>>) -> Option<Memento> {
    let Some(wanted) = wanted else {
        return mementos.last().copied();
    };
    mementos
        .iter()
        .rev()
        .find(|m| m.at <= wanted)
        .or_else(|| mementos.first())
        .copied()
}

/// One `<uri>; rel="..."` entry; `base` makes it absolute when known.
fn link(base: &str, target: &str, rel: &str, extra: &str) -> String {
    format!("<{base}{target}>; rel=\"{rel}\"{extra}")
}

/// The `original`, `timegate` and `timemap` links every Memento response carries.
fn common(base: &str, original: &str) -> Vec<String> {
    vec![
        format!("<{}>; rel=\"original\"", links::path_safe(original)),
        link(base, &links::timegate(original), "timegate", ""),
        link(
            base,
            &links::timemap(original),
            "timemap",
            &format!("; type=\"{LINK_FORMAT}\""),
        ),
    ]
}

/// The `Link` header of a TimeGate redirect.
pub fn timegate_link(base: &str, original: &str) -> String {
    common(base, original).join(", ")
}

/// The `Link` header of the memento `current` among `mementos` (oldest first): original,
/// TimeGate, TimeMap, first/last and prev/next mementos (one entry per memento, its
/// relations combined, as RFC 7089 section 4.1 does).
pub fn memento_link(base: &str, original: &str, mementos: &[Memento], current: u32) -> String {
    let mut parts = common(base, original);
    let mut rels: std::collections::BTreeMap<u32, (DateTime<Utc>, Vec<&str>)> =
        std::collections::BTreeMap::new();
    let mut mark = |m: Option<&Memento>, rel: &'static str| {
        if let Some(m) = m {
            rels.entry(m.number)
                .or_insert((m.at, Vec::new()))
                .1
                .push(rel);
        }
    };
    mark(mementos.first(), "first");
    mark(mementos.last(), "last");
    if let Some(pos) = mementos.iter().position(|m| m.number == current) {
        mark(pos.checked_sub(1).and_then(|p| mementos.get(p)), "prev");
        mark(mementos.get(pos + 1), "next");
    }
    for (n, (at, words)) in rels {
        parts.push(link(
            base,
            &links::version(original, n),
            &format!("{} memento", words.join(" ")),
            &format!("; datetime=\"{}\"", http_date(at)),
        ));
    }
    parts.join(", ")
}

/// The TimeMap of `original` in `application/link-format` (RFC 6690), one link a line.
pub fn timemap(base: &str, original: &str, mementos: &[Memento]) -> String {
    let mut lines = common(base, original);
    let mut self_extra = format!("; type=\"{LINK_FORMAT}\"");
    if let (Some(first), Some(last)) = (mementos.first(), mementos.last()) {
        self_extra.push_str(&format!(
            "; from=\"{}\"; until=\"{}\"",
            http_date(first.at),
            http_date(last.at)
        ));
    }
    // The TimeMap's own link replaces the generic `timemap` one.
    lines[2] = link(base, &links::timemap(original), "self", &self_extra);
    let n = mementos.len();
    for (i, m) in mementos.iter().enumerate() {
        let rel = match (i == 0, i + 1 == n) {
            (true, true) => "first last memento",
            (true, false) => "first memento",
            (false, true) => "last memento",
            (false, false) => "memento",
        };
        lines.push(link(
            base,
            &links::version(original, m.number),
            rel,
            &format!("; datetime=\"{}\"", http_date(m.at)),
        ));
    }
    let mut out = lines.join(",\n");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 1, h, 0, 0).single().unwrap()
    }

    fn three() -> Vec<Memento> {
        (1..=3)
            .map(|n| Memento {
                number: n,
                at: at(n * 2),
            })
            .collect()
    }

    #[test]
    fn timegate_picks_the_memento_in_force_at_the_asked_time() {
        let m = three();
        assert_eq!(select(&m, None).map(|m| m.number), Some(3));
        assert_eq!(select(&m, Some(at(1))).map(|m| m.number), Some(1));
        assert_eq!(select(&m, Some(at(2))).map(|m| m.number), Some(1));
        assert_eq!(select(&m, Some(at(5))).map(|m| m.number), Some(2));
        assert_eq!(select(&m, Some(at(23))).map(|m| m.number), Some(3));
        assert_eq!(select(&[], Some(at(1))), None);
    }

    #[test]
    fn http_dates_round_trip() {
        let s = http_date(at(4));
        assert_eq!(s, "Fri, 01 Mar 2024 04:00:00 GMT");
        assert_eq!(parse_http_date(&s), Some(at(4)));
        assert_eq!(parse_http_date("yesterday"), None);
    }

    #[test]
    fn timemap_lists_every_memento_with_its_datetime() {
        let tm = timemap("", "https://e.org/a", &three());
        assert!(tm.starts_with("<https://e.org/a>; rel=\"original\",\n"));
        assert!(tm.contains("</timegate/https://e.org/a>; rel=\"timegate\""));
        assert!(tm.contains(
            "</timemap/link/https://e.org/a>; rel=\"self\"; type=\"application/link-format\"; from=\"Fri, 01 Mar 2024 02:00:00 GMT\"; until=\"Fri, 01 Mar 2024 06:00:00 GMT\""
        ));
        assert!(tm.contains(
            "</version?url=https%3A%2F%2Fe.org%2Fa&n=1>; rel=\"first memento\"; datetime=\"Fri, 01 Mar 2024 02:00:00 GMT\""
        ));
        assert!(tm.contains("&n=2>; rel=\"memento\""));
        assert!(tm.contains("&n=3>; rel=\"last memento\""));
    }

    #[test]
    fn memento_link_names_neighbours() {
        let l = memento_link("http://h", "https://e.org/a", &three(), 2);
        assert!(l.contains("<https://e.org/a>; rel=\"original\""));
        assert!(l.contains("<http://h/timegate/https://e.org/a>; rel=\"timegate\""));
        assert!(l.contains("&n=1>; rel=\"first prev memento\""));
        assert!(l.contains("&n=3>; rel=\"last next memento\""));
        assert!(!l.contains("&n=2>"));
        let first = memento_link("", "https://e.org/a", &three(), 1);
        assert!(first.contains("&n=1>; rel=\"first memento\""));
        assert!(first.contains("&n=2>; rel=\"next memento\""));
        assert!(first.contains("&n=3>; rel=\"last memento\""));
    }
}
