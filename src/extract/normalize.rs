//! Text normalisation applied to every extracted string, so that re-renders of the same article compare equal.

use unicode_normalization::UnicodeNormalization;

/// Maps one character to its normalised form: `None` drops it, `Some(' ')` makes it a space.
fn map_char(c: char) -> Option<char> {
    match c {
        // soft hyphen, zero-width space/joiners, word joiner, BOM, bidi marks
        '\u{00AD}'
        | '\u{200B}'
        | '\u{200C}'
        | '\u{200D}'
        | '\u{2060}'
        | '\u{FEFF}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}' => None,
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => Some(' '),
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => Some('\''),
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => Some('"'),
        '\r' | '\t' | '\u{000B}' | '\u{000C}' => Some(' '),
        c if c.is_control() && c != '\n' => None,
        c => Some(c),
    }
}

/// Collapses all whitespace (newlines included) to single spaces and trims; applies the character map and NFC.
/// Runs of printable ASCII, which the map keeps and which hold no whitespace, are copied whole.
pub(crate) fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(&byte) = b.get(i) {
        if byte.is_ascii_graphic() {
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_graphic) {
                i += 1;
            }
            if space {
                out.push(' ');
                space = false;
            }
            // Both ends are ASCII bytes or the end of `s`: char boundaries.
            out.push_str(s.get(start..i).unwrap_or_default());
            continue;
        }
        let Some(c) = s.get(i..).and_then(|r| r.chars().next()) else {
            break;
        };
        i += c.len_utf8();
        let Some(c) = map_char(c) else { continue };
        if c.is_whitespace() {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    nfc(out)
}

/// Marks a `<br>` in collected text; source newlines are plain whitespace.
pub(crate) const BREAK: char = '\u{2028}';

/// Normalises a block that may hold `<br>` breaks ([`BREAK`]): each line collapsed, empty lines dropped.
pub(crate) fn lines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for line in s.split(BREAK) {
        let l = collapse(line);
        if !l.is_empty() {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&l);
        }
    }
    out
}

/// Preformatted text: characters mapped and NFC applied, spacing kept, trailing spaces and blank edges trimmed.
pub(crate) fn preformatted(s: &str) -> String {
    let mapped: String = s
        .chars()
        .filter_map(|c| match c {
            '\t' => Some(c),
            BREAK => Some('\n'),
            c => map_char(c),
        })
        .collect();
    let mut out = String::with_capacity(mapped.len());
    for line in mapped.split('\n') {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    nfc(out.trim_matches('\n').to_owned())
}

fn nfc(s: String) -> String {
    if s.is_ascii()
        || unicode_normalization::is_nfc_quick(s.chars())
            == unicode_normalization::IsNormalized::Yes
    {
        s
    } else {
        s.nfc().collect()
    }
}

/// Decodes the character references that leak into JSON-LD and meta values (`&amp;`, `&#8216;`, `&#x2019;`...).
pub(crate) fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest
            .char_indices()
            .take(12)
            .find(|&(_, c)| c == ';')
            .map(|(k, _)| k);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            } else if let Some(dec) = name.strip_prefix('#') {
                dec.parse::<u32>().ok().and_then(char::from_u32)
            } else {
                match name {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "nbsp" => Some(' '),
                    "ndash" => Some('–'),
                    "mdash" => Some('—'),
                    "hellip" => Some('…'),
                    "bull" => Some('•'),
                    "middot" => Some('·'),
                    "laquo" => Some('«'),
                    "raquo" => Some('»'),
                    "rsquo" | "lsquo" => Some('\''),
                    "ldquo" | "rdquo" => Some('"'),
                    _ => None,
                }
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_and_quotes_are_normalised() {
        assert_eq!(
            collapse("  co\u{00AD}operate \u{200B}“quoted” it’s\u{00A0} x "),
            "cooperate \"quoted\" it's x"
        );
    }

    #[test]
    fn decomposed_text_becomes_nfc() {
        assert_eq!(collapse("Cafe\u{0301}"), "Caf\u{00E9}");
    }

    #[test]
    fn lines_keep_breaks_but_drop_empty_ones() {
        assert_eq!(lines(" a \u{2028}\u{2028}  b\n c\u{2028}"), "a\nb c");
    }
}
