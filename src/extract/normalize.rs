//! Text normalisation applied to every extracted string, so that re-renders of the same article compare equal.
//!
//! Only what a reader cannot see is normalised (spacing, invisible characters, NFC): the
//! publisher's typography, curly quotes and primes included, is kept as printed. Quote
//! style, which flips between renders of one article, is folded only where two states are
//! compared ([`fold_quote`], used by [`crate::diff`]).

use std::borrow::Cow;

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

/// The ASCII quote a typographic quote or prime reads as: `‘ ’ ‚ ‛ ′` → `'`, `“ ” „ ‟ ″` → `"`;
/// every other character is itself. One character for one, so a folded string has the same
/// characters at the same positions as its original.
pub fn fold_quote(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => '"',
        c => c,
    }
}

/// `s` with [`fold_quote`] applied to each character; borrowed when it holds none to fold.
pub fn fold_quotes(s: &str) -> Cow<'_, str> {
    if s.chars().all(|c| fold_quote(c) == c) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().map(fold_quote).collect())
    }
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
                    "lsquo" => Some('\u{2018}'),
                    "rsquo" => Some('\u{2019}'),
                    "ldquo" => Some('\u{201C}'),
                    "rdquo" => Some('\u{201D}'),
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
    fn invisible_characters_are_normalised_and_quotes_kept() {
        assert_eq!(
            collapse("  co\u{00AD}operate \u{200B}“quoted” it’s\u{00A0} x "),
            "cooperate “quoted” it’s x"
        );
        assert_eq!(preformatted("„a‟ 5′ 6″\u{200B}"), "„a‟ 5′ 6″");
    }

    #[test]
    fn quotes_fold_one_character_for_one() {
        let curly = "‘a’ ‚b‛ “c” „d‟ 5′ 6″ é";
        let folded = fold_quotes(curly);
        assert_eq!(folded, "'a' 'b' \"c\" \"d\" 5' 6\" é");
        assert_eq!(folded.chars().count(), curly.chars().count());
        assert!(matches!(
            fold_quotes("plain 'ascii' \"text\""),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn quote_entities_decode_to_the_printed_characters() {
        assert_eq!(
            decode_entities("&lsquo;a&rsquo; &ldquo;b&rdquo; &#8217;"),
            "‘a’ “b” ’"
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
