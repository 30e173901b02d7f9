//! The header every human diff starts with: both versions, their fetch times and stamps,
//! the change kind and every changed field besides the text.

use std::fmt::Write;

use unicode_width::UnicodeWidthStr;

use super::Paint;
use crate::api::rfc3339;
use crate::diff::{Field, FieldChange};
use crate::model::Version;

/// Column at which field values start.
const LABEL: usize = 11;

/// The header for the diff of `from` (`None`: before the first version) to `to`.
pub fn header(
    url: &str,
    from: Option<&Version>,
    to: &Version,
    fields: &[FieldChange],
    words: (u32, u32),
    width: usize,
    paint: Paint,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", paint.bold(url));
    let title = match from {
        Some(f) => format!("version {} → {}", f.number, to.number),
        None => format!("version {}", to.number),
    };
    let stamp = match from {
        Some(f) if f.article.last_update == to.article.last_update => " · stamp unchanged",
        Some(_) => " · stamp moved",
        None => "",
    };
    let _ = writeln!(out, "{}  {}{stamp}", paint.bold(&title), to.change.as_str());
    for v in from.into_iter().chain(std::iter::once(to)) {
        let stamp = v.article.last_update.as_deref().unwrap_or("none");
        let value = format!("fetched {}  stamp {stamp}", rfc3339(v.fetched_at));
        line(&mut out, &format!("v{}", v.number), &value, width);
    }
    for c in fields.iter().filter(|c| c.field != Field::LastUpdate) {
        let name = c.field.as_str();
        line(
            &mut out,
            name,
            &paint.removed(&format!("- {}", show(&c.from))),
            width,
        );
        line(
            &mut out,
            "",
            &paint.added(&format!("+ {}", show(&c.to))),
            width,
        );
    }
    let text = match (from, words) {
        (None, _) => "first capture".to_owned(),
        (Some(_), (0, 0)) => "unchanged".to_owned(),
        (Some(_), (a, r)) => format!("+{a} -{r} words"),
    };
    line(&mut out, "text", &text, width);
    out
}

fn show(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("(none)")
}

/// `  label     value`, the value wrapped at `width` under itself.
fn line(out: &mut String, label: &str, value: &str, width: usize) {
    let room = width.saturating_sub(LABEL + 2).max(20);
    let mut first = true;
    for chunk in wrap(value, room) {
        let label = if first { label } else { "" };
        let pad = LABEL.saturating_sub(label.width());
        let _ = writeln!(out, "  {label}{:pad$}{chunk}", "");
        first = false;
    }
}

/// Greedy wrap by words, measuring without ANSI codes (they wrap a whole value, so a
/// value that wraps is cut into uncoloured pieces only when it is plain).
fn wrap(value: &str, room: usize) -> Vec<String> {
    if visible_width(value) <= room {
        return vec![value.to_owned()];
    }
    let mut lines = vec![String::new()];
    for word in value.split(' ') {
        let cur = lines.last_mut().map(|l| visible_width(l)).unwrap_or(0);
        if cur > 0 && cur + 1 + visible_width(word) > room {
            lines.push(String::new());
        }
        if let Some(l) = lines.last_mut() {
            if !l.is_empty() {
                l.push(' ');
            }
            l.push_str(word);
        }
    }
    lines
}

/// Display width of `s` without its ANSI escape sequences.
fn visible_width(s: &str) -> usize {
    let mut plain = String::with_capacity(s.len());
    let mut in_escape = false;
    for c in s.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, c) => plain.push(c),
        }
    }
    plain.width()
}
