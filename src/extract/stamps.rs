//! Visible date stamps ("Last update: …", "Aktualisiert am …", "Pubblicato il …", "Обновлено …") and bylines ("By …") in page text.

use std::sync::LazyLock;

use regex::Regex;

use super::dates::{self, Hints, Stamp};

/// Whether a stamp announces an update or the first publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StampKind {
    /// "Updated", "Last modified", and their translations.
    Updated,
    /// "Published", "Posted", and their translations.
    Published,
}

const UPDATED_LABELS: &str = r"(?i)(?:\blast[\s-]+updated?(?:\s+(?:on|at))?|\bupdated(?:\s+(?:on|at))?|\blast\s+modified(?:\s+on)?|\bmodified(?:\s+on)?|\blast\s+edited|\bzuletzt\s+aktualisiert(?:\s+am)?|\baktualisiert(?:\s+am)?|\bletzte\s+aktualisierung|\bstand\s*:|\bge[äa]ndert(?:\s+am)?|derni[èe]re\s+mise\s+[àa]\s+jour(?:\s+le)?|\bmis\s+[àa]\s+jour(?:\s+le)?|\bmise\s+[àa]\s+jour(?:\s+le)?|\bmodifi[ée](?:\s+le)?|\bactualis[ée](?:\s+le)?|[úu]ltima\s+actualizaci[óo]n|\bactualizado(?:\s+(?:el|a\s+las))?|\bmodificado(?:\s+el)?|\bultimo\s+aggiornamento|\baggiornato(?:\s+(?:il|alle))?|\batualizad[oa](?:\s+(?:em|a))?|\b[úu]ltima\s+atualiza[çc][ãa]o|\blaatst\s+bijgewerkt(?:\s+op)?|\bbijgewerkt(?:\s+op)?|обновлено|обновлён|обновлен[оа]?|последнее\s+обновление|изменено|дата\s+обновления|son\s+g[üu]ncelle(?:me|nme)(?:\s+tarihi)?|g[üu]ncelle(?:me|nme)(?:\s+tarihi)?|g[üu]ncellendi|son\s+yenil[əe]nm[əe]|son\s+yenil[əe]m[əe]|yenil[əe]nib|yenil[əe]ndi|yenil[əe]nm[əe](?:\s+tarixi)?)\s*[:\-–—]?";

const PUBLISHED_LABELS: &str = r"(?i)(?:\bpublished(?:\s+(?:on|at))?|\bposted(?:\s+(?:on|at))?|\bwritten(?:\s+on|\s*:)|\bfirst\s+published(?:\s+on)?|\bver[öo]ffentlicht(?:\s+am)?|\bver[öo]ffentlichung(?:\s+am)?|\bpubli[ée](?:\s+le)?|\bpublicad[oa](?:\s+(?:el|em|a))?|\bpubblicato(?:\s+il)?|\bgepubliceerd(?:\s+op)?|\berschienen(?:\s+am)?|\berstellt(?:\s+am)?|\bdatum\s*:|\bdate\s*:|\bfecha\s*:|\bdata\s*:|дата\s*:|опубликовано|дата\s+публикации|yay[ıi]nlanma(?:\s+tarihi)?|yay[ıi]mlanma(?:\s+tarihi)?|d[əe]rc\s+(?:olunub|edilib)|d[əe]rc\s+tarixi)\s*[:\-–—]?";

/// Participles that close a sentence after the date they label ("… veröffentlicht", "… von X
/// geschrieben", "… publié"), in the languages whose word order puts them there; English
/// labels precede the date.
const PUBLISHED_AFTER_LABELS: &str = r"(?i)\b(?:ver[öo]ffentlicht|geschrieben|publi(?:é|ée)|publicad[oa]|pubblicat[oa]|gepubliceerd|опубликовано)\b";

/// A label pattern with a loose twin: the same pattern without its `\b` assertions. The twin
/// matches wherever the labels do (and more), and without Unicode word boundaries the regex
/// runs its lazy DFA in one pass over any text, where the labels themselves fall back to the
/// backtracker on non-ASCII text. A block the twin rejects cannot hold a label, so most
/// blocks pay one cheap scan.
struct Labels {
    exact: Regex,
    loose: Option<Regex>,
}

impl Labels {
    fn new(pattern: &str) -> Option<Labels> {
        Some(Labels {
            exact: Regex::new(pattern).ok()?,
            loose: Regex::new(&pattern.replace(r"\b", "")).ok(),
        })
    }

    /// Whether `text` may hold a label: false only when the loose twin finds none.
    fn may_match(&self, text: &str) -> bool {
        self.loose.as_ref().is_none_or(|re| re.is_match(text))
    }

    fn is_match(&self, text: &str) -> bool {
        self.may_match(text) && self.exact.is_match(text)
    }
}

static UPDATED: LazyLock<Option<Labels>> = LazyLock::new(|| Labels::new(UPDATED_LABELS));
static PUBLISHED: LazyLock<Option<Labels>> = LazyLock::new(|| Labels::new(PUBLISHED_LABELS));
static PUBLISHED_AFTER: LazyLock<Option<Labels>> =
    LazyLock::new(|| Labels::new(PUBLISHED_AFTER_LABELS));

static BYLINE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:by|von|par|por|автор:?|yazar:?|müəllif:?)\s+(.+)$").ok()
});

/// The label before a byline's name: "By", "Written by:", "Author", "Text by", "Von", "Par".
static BYLINE_LABEL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:(?:written|text|recipe|guide|story|words|reported|posted|authored)\s+by|by|authors?|authored|von|par|por)\b\s*:?\s*").ok()
});

/// A reading-time note at the end of a byline.
static READING_TIME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\s+\d+(?:\s*[–-]\s*\d+)?\s*(?:min|mins|minutes?)\b(?:\s+read)?\.?\s*$").ok()
});

/// Finds the first labelled stamp of `kind` in a short piece of text and parses its date.
pub(crate) fn labelled(text: &str, kind: StampKind, hints: &Hints<'_>) -> Option<Stamp> {
    // A stamp has digits; most short blocks have none, and the label regex is the costly part.
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let labels = match kind {
        StampKind::Updated => UPDATED.as_ref()?,
        StampKind::Published => PUBLISHED.as_ref()?,
    };
    if labels.may_match(text) {
        for m in labels.exact.find_iter(text) {
            let rest = &text[m.end()..];
            let cut = rest.char_indices().nth(80).map_or(rest.len(), |(i, _)| i);
            if let Some(st) = dates::parse(&rest[..cut], hints) {
                return Some(st);
            }
        }
    }
    // Only first publication: a sentence about a revised law or rule ("wurde am … geändert")
    // must never become the article's update stamp.
    let after = PUBLISHED_AFTER.as_ref()?;
    if kind == StampKind::Updated || !after.may_match(text) {
        return None;
    }
    after
        .exact
        .find_iter(text)
        .find_map(|m| label_after(&text[..m.start()], hints))
}

/// Most characters between a date and a label that follows it.
const LABEL_AFTER: usize = 60;

/// The date just before a label that ends its sentence, as German and French word order puts
/// it ("Dieser Beitrag wurde am 3. Mai 2020 veröffentlicht", "16.08.2019 publié"); an update
/// label in between claims the date for itself.
fn label_after(before: &str, hints: &Hints<'_>) -> Option<Stamp> {
    let from = before
        .char_indices()
        .rev()
        .nth(LABEL_AFTER - 1)
        .map_or(0, |(i, _)| i);
    // Start at a word, so a cut never turns "14.12.2020" into "4.12.2020".
    let window = match before[from..].find(char::is_whitespace) {
        Some(sp) if from > 0 => &before[from + sp..],
        _ => &before[from..],
    };
    if UPDATED.as_ref()?.is_match(window) {
        return None;
    }
    dates::parse(window, hints)
}

/// A short line that is only a dateline ("Updated at 1:23 p.m.", "Published: 3 May 2024"): metadata, not text.
pub(crate) fn is_stamp_line(text: &str) -> bool {
    if text.chars().count() > 90 || !text.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    [UPDATED.as_ref(), PUBLISHED.as_ref()]
        .into_iter()
        .flatten()
        .filter(|labels| labels.may_match(text))
        .any(|labels| labels.exact.find(text).is_some_and(|m| m.start() == 0))
}

/// Whether the text carries an update label at all (used to classify `<time>` elements).
pub(crate) fn has_update_label(text: &str) -> bool {
    UPDATED.as_ref().is_some_and(|labels| labels.is_match(text))
}

/// The name in a "By Jane Doe" line, with any trailing date or separator cut off.
pub(crate) fn byline_name(text: &str) -> Option<String> {
    let caps = BYLINE.as_ref()?.captures(text)?;
    let rest = caps.get(1)?.as_str();
    Some(clean_byline(rest))
}

/// Cuts dates, separators and role suffixes from a byline.
pub(crate) fn clean_byline(s: &str) -> String {
    // Bylines are short; the cap bounds the date search below, which is quadratic in words.
    let cap = s.char_indices().nth(200).map_or(s.len(), |(i, _)| i);
    let mut s = s[..cap]
        .trim()
        .trim_matches(['"', '“', '”'])
        .trim_start_matches([',', ';', ':'])
        .trim();
    if let Some(m) = BYLINE_LABEL.as_ref().and_then(|re| re.find(s)) {
        s = s[m.end()..].trim();
    }
    let mut end = s.len();
    for sep in [
        " | ",
        "|",
        " - ",
        " – ",
        " — ",
        "\n",
        " • ",
        " · ",
        "•",
        "⋅",
        " on ",
        ", updated",
        " Updated",
        " Published",
        " published",
    ] {
        if let Some(i) = s.find(sep)
            && i > 0
        {
            end = end.min(i);
        }
    }
    // "Updated …"/"Published …" after (or instead of) the name is not part of it.
    for labels in [UPDATED.as_ref(), PUBLISHED.as_ref()].into_iter().flatten() {
        if let Some(m) = labels.exact.find(&s[..end]) {
            end = m.start();
        }
    }
    // A trailing reading time ("Jane Doe 4 min read", "… 2–3 minutes") is not either.
    if let Some(m) = READING_TIME.as_ref().and_then(|re| re.find(&s[..end])) {
        end = m.start();
    }
    // A trailing date ("Jane Doe December 2, 2020") is not part of the name.
    let head = &s[..end];
    let words: Vec<&str> = head.split_whitespace().collect();
    for (k, w) in words.iter().enumerate() {
        if k >= 2
            && dates::parse(&words[k..].join(" "), &Hints::default()).is_some()
            && looks_like_month_or_num(w)
        {
            return words[..k].join(" ").trim_end_matches([',', ';']).to_owned();
        }
    }
    head.trim().trim_end_matches([',', ';']).to_owned()
}

fn looks_like_month_or_num(w: &str) -> bool {
    w.chars().next().is_some_and(|c| c.is_ascii_digit()) || dates::is_month(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upd(s: &str) -> Option<String> {
        labelled(s, StampKind::Updated, &Hints::default()).map(|s| s.format(&Hints::default()))
    }

    #[test]
    fn update_labels_in_several_languages() {
        assert_eq!(
            upd("Last update: April 25, 2024 16:32").as_deref(),
            Some("2024-04-25T16:32:00")
        );
        assert_eq!(
            upd("Updated on 3 May 2024, 09:15 GMT").as_deref(),
            Some("2024-05-03T09:15:00+00:00")
        );
        assert_eq!(
            upd("Aktualisiert am 25.04.2024, 16:32 Uhr").as_deref(),
            Some("2024-04-25T16:32:00")
        );
        assert_eq!(
            upd("Mis à jour le 25 avril 2024 à 16:32").as_deref(),
            Some("2024-04-25T16:32:00")
        );
        assert_eq!(
            upd("Actualizado el 25 de abril de 2024").as_deref(),
            Some("2024-04-25")
        );
        assert_eq!(
            upd("Обновлено 25 апреля 2024, 16:32").as_deref(),
            Some("2024-04-25T16:32:00")
        );
        assert_eq!(
            upd("Güncelleme: 25.04.2024 16:32").as_deref(),
            Some("2024-04-25T16:32:00")
        );
        assert_eq!(
            upd("Son yenilənmə: 25 aprel 2024 16:32").as_deref(),
            Some("2024-04-25T16:32:00")
        );
        assert_eq!(upd("Published April 1, 2024"), None);
    }

    #[test]
    fn a_participle_after_the_date_labels_publication_only() {
        let publ = |s: &str| {
            labelled(s, StampKind::Published, &Hints::default())
                .map(|s| s.format(&Hints::default()))
        };
        assert_eq!(
            publ("Dieser Artikel wurde am 14. Dezember 2015 um 14:48 von Heiner veröffentlicht")
                .as_deref(),
            Some("2015-12-14T14:48:00")
        );
        assert_eq!(publ("16.08.2019 publié").as_deref(), Some("2019-08-16"));
        assert_eq!(
            publ("Dieser Artikel wurde am 9. März 2014 von Anna geschrieben").as_deref(),
            Some("2014-03-09")
        );
        // "publie" (present tense) in prose is no label; an update label claims its date.
        assert_eq!(
            publ("Le 27 septembre 2018, le journal publie un article"),
            None
        );
        assert_eq!(
            publ("Aktualisiert am 3.5.2020, zuerst veröffentlicht"),
            None
        );
        assert_eq!(upd("Der Text wurde am 3. Mai 2020 geändert"), None);
    }

    #[test]
    fn loose_label_patterns_compile_without_word_boundaries() {
        let (updated, published) = (UPDATED.as_ref().unwrap(), PUBLISHED.as_ref().unwrap());
        assert!(updated.loose.is_some() && published.loose.is_some());
        assert!(updated.may_match("x Last updated: 3 May 2024"));
        assert!(!published.may_match("3 comments, 12 shares"));
    }

    #[test]
    fn byline_drops_prefix_and_date() {
        assert_eq!(
            byline_name("By Vusala Abbasova December 2, 2020").as_deref(),
            Some("Vusala Abbasova")
        );
        assert_eq!(
            byline_name("by Jane Doe | Reuters").as_deref(),
            Some("Jane Doe")
        );
        assert_eq!(byline_name("Bylaws are important"), None);
        assert_eq!(clean_byline("Written By: Cazzy Magennis"), "Cazzy Magennis");
        assert_eq!(clean_byline("Author Isaiah Shelton"), "Isaiah Shelton");
        assert_eq!(clean_byline("Workzone Team• 4 mins read"), "Workzone Team");
        assert_eq!(clean_byline("Authority Magazine"), "Authority Magazine");
    }
}
