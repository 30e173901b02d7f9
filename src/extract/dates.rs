//! Date parsing: ISO 8601 (extended and compact), Java's `Date.toString`, and the textual forms news pages print, in English, German, French, Spanish, Italian, Portuguese, Dutch, Russian, Turkish and Azerbaijani.
//!
//! Output is RFC 3339 (`2024-04-25T16:32:00+04:00`) when the page gives an offset, the
//! page's local time without an offset (`2024-04-25T16:32:00`) when it does not, and a
//! full date (`2024-04-25`) when there is no time of day. The machine's zone is never used.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};

/// How to read stamps without an offset, from `[site.selectors]`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Hints<'a> {
    /// chrono `strftime` format tried first.
    pub format: Option<&'a str>,
    /// IANA zone or fixed offset for stamps without one.
    pub timezone: Option<&'a str>,
}

/// Month names (lowercase prefixes that identify them unambiguously) to month numbers.
const MONTHS: &[(&str, u32)] = &[
    // English
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("april", 4),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("september", 9),
    ("october", 10),
    ("november", 11),
    ("december", 12),
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("sept", 9),
    ("oct", 10),
    ("nov", 11),
    ("dec", 12),
    // German
    ("januar", 1),
    ("jänner", 1),
    ("februar", 2),
    ("märz", 3),
    ("maerz", 3),
    ("mai", 5),
    ("juni", 6),
    ("juli", 7),
    ("oktober", 10),
    ("dezember", 12),
    ("mär", 3),
    ("okt", 10),
    ("dez", 12),
    // French
    ("janvier", 1),
    ("février", 2),
    ("fevrier", 2),
    ("mars", 3),
    ("avril", 4),
    ("juin", 6),
    ("juillet", 7),
    ("août", 8),
    ("aout", 8),
    ("septembre", 9),
    ("octobre", 10),
    ("novembre", 11),
    ("décembre", 12),
    ("decembre", 12),
    ("janv", 1),
    ("févr", 2),
    ("avr", 4),
    ("juil", 7),
    ("déc", 12),
    // Spanish
    ("enero", 1),
    ("febrero", 2),
    ("marzo", 3),
    ("abril", 4),
    ("mayo", 5),
    ("junio", 6),
    ("julio", 7),
    ("agosto", 8),
    ("septiembre", 9),
    ("setiembre", 9),
    ("octubre", 10),
    ("noviembre", 11),
    ("diciembre", 12),
    ("ene", 1),
    ("abr", 4),
    ("ago", 8),
    ("dic", 12),
    // Russian (nominative and genitive)
    ("январь", 1),
    ("января", 1),
    ("февраль", 2),
    ("февраля", 2),
    ("март", 3),
    ("марта", 3),
    ("апрель", 4),
    ("апреля", 4),
    ("май", 5),
    ("мая", 5),
    ("июнь", 6),
    ("июня", 6),
    ("июль", 7),
    ("июля", 7),
    ("август", 8),
    ("августа", 8),
    ("сентябрь", 9),
    ("сентября", 9),
    ("октябрь", 10),
    ("октября", 10),
    ("ноябрь", 11),
    ("ноября", 11),
    ("декабрь", 12),
    ("декабря", 12),
    // Turkish
    ("ocak", 1),
    ("şubat", 2),
    ("subat", 2),
    ("mart", 3),
    ("nisan", 4),
    ("mayıs", 5),
    ("mayis", 5),
    ("haziran", 6),
    ("temmuz", 7),
    ("ağustos", 8),
    ("agustos", 8),
    ("eylül", 9),
    ("eylul", 9),
    ("ekim", 10),
    ("kasım", 11),
    ("kasim", 11),
    ("aralık", 12),
    ("aralik", 12),
    // Azerbaijani
    ("yanvar", 1),
    ("fevral", 2),
    ("aprel", 4),
    ("iyun", 6),
    ("iyul", 7),
    ("avqust", 8),
    ("sentyabr", 9),
    ("oktyabr", 10),
    ("noyabr", 11),
    ("dekabr", 12),
    // Italian
    ("gennaio", 1),
    ("febbraio", 2),
    ("aprile", 4),
    ("maggio", 5),
    ("giugno", 6),
    ("luglio", 7),
    ("settembre", 9),
    ("ottobre", 10),
    ("dicembre", 12),
    // Portuguese
    ("janeiro", 1),
    ("fevereiro", 2),
    ("março", 3),
    ("maio", 5),
    ("junho", 6),
    ("julho", 7),
    ("setembro", 9),
    ("outubro", 10),
    ("dezembro", 12),
    // Dutch
    ("januari", 1),
    ("februari", 2),
    ("maart", 3),
    ("mrt", 3),
    ("mei", 5),
    ("augustus", 8),
];

fn month(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.').to_lowercase();
    MONTHS.iter().find(|(name, _)| *name == w).map(|&(_, m)| m)
}

/// Offsets of the zone abbreviations that are unambiguous enough to trust.
fn zone(word: &str) -> Option<i32> {
    Some(match word.to_ascii_uppercase().as_str() {
        "Z" | "UTC" | "GMT" => 0,
        "EST" => -5 * 3600,
        "EDT" => -4 * 3600,
        "CST" => -6 * 3600,
        "CDT" => -5 * 3600,
        "MST" => -7 * 3600,
        "MDT" => -6 * 3600,
        "PST" => -8 * 3600,
        "PDT" => -7 * 3600,
        "CET" | "MEZ" => 3600,
        "CEST" | "MESZ" => 2 * 3600,
        "BST" => 3600,
        "MSK" => 3 * 3600,
        "TRT" => 3 * 3600,
        "AZT" => 4 * 3600,
        _ => return None,
    })
}

#[derive(Debug, PartialEq)]
enum Tok {
    Num(u32, usize),
    Word(String),
    Sym(char),
}

fn tokenize(s: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut n: u64 = 0;
            let mut len = 0;
            while let Some(&d) = chars.peek() {
                let Some(v) = d.to_digit(10) else { break };
                n = (n * 10 + v as u64).min(u32::MAX as u64);
                len += 1;
                chars.next();
            }
            out.push(Tok::Num(n as u32, len));
        } else if c.is_alphabetic() {
            let mut w = String::new();
            while let Some(&d) = chars.peek() {
                if !d.is_alphabetic() {
                    break;
                }
                w.push(d);
                chars.next();
            }
            out.push(Tok::Word(w));
        } else {
            if !c.is_whitespace() {
                out.push(Tok::Sym(c));
            }
            chars.next();
        }
        if out.len() > 64 {
            break;
        }
    }
    out
}

/// A parsed stamp before formatting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Stamp {
    /// The calendar day as the page prints it.
    pub date: NaiveDate,
    /// The time of day, when given.
    pub time: Option<NaiveTime>,
    /// Seconds east of UTC, when the page states an offset or zone.
    pub offset: Option<i32>,
}

impl Stamp {
    /// RFC 3339 with offset, local time without, or a bare date.
    pub(crate) fn format(&self, hints: &Hints<'_>) -> String {
        let Some(time) = self.time else {
            return self.date.format("%Y-%m-%d").to_string();
        };
        let naive = NaiveDateTime::new(self.date, time);
        let offset = self
            .offset
            .or_else(|| hints.timezone.and_then(|tz| zone_offset(tz, naive)));
        match offset.and_then(FixedOffset::east_opt) {
            Some(off) => match off.from_local_datetime(&naive).single() {
                Some(dt) => dt.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
                None => naive.format("%Y-%m-%dT%H:%M:%S").to_string(),
            },
            None => naive.format("%Y-%m-%dT%H:%M:%S").to_string(),
        }
    }
}

/// The offset of a configured zone (IANA name or `+04:00`) at a local time.
fn zone_offset(tz: &str, naive: NaiveDateTime) -> Option<i32> {
    if let Ok(dt) =
        DateTime::parse_from_str(&format!("2000-01-01T00:00:00{tz}"), "%Y-%m-%dT%H:%M:%S%:z")
    {
        return Some(dt.offset().local_minus_utc());
    }
    let zone: chrono_tz::Tz = tz.parse().ok()?;
    use chrono::Offset;
    zone.offset_from_local_datetime(&naive)
        .earliest()
        .map(|o| o.fix().local_minus_utc())
}

fn date(y: u32, m: u32, d: u32) -> Option<NaiveDate> {
    if !(1990..=2100).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

/// Parses a stamp; `None` when no date is recognisable.
pub(crate) fn parse(s: &str, hints: &Hints<'_>) -> Option<Stamp> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Some(fmt) = hints.format {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            let n = dt.naive_local();
            return Some(Stamp {
                date: n.date(),
                time: Some(n.time()),
                offset: Some(dt.offset().local_minus_utc()),
            });
        }
        if let Ok(n) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(Stamp {
                date: n.date(),
                time: Some(n.time()),
                offset: None,
            });
        }
        if let Ok(d) = NaiveDate::parse_from_str(s, fmt) {
            return Some(Stamp {
                date: d,
                time: None,
                offset: None,
            });
        }
    }
    let toks = tokenize(s);
    let mut date_at: Option<(NaiveDate, usize)> = compact_iso(&toks);
    // ISO: 2024-04-25, 2024/04/25
    for (k, w) in toks.windows(5).enumerate() {
        if let [
            Tok::Num(y, 4),
            Tok::Sym(a),
            Tok::Num(m, 1..=2),
            Tok::Sym(b),
            Tok::Num(d, 1..=2),
        ] = w
            && a == b
            && matches!(a, '-' | '/' | '.')
            && let Some(dt) = date(*y, *m, *d)
        {
            date_at = Some((dt, k + 5));
            break;
        }
        // 25.04.2024, 04/25/2024, 25-04-2024
        if let [
            Tok::Num(a, 1..=2),
            Tok::Sym(s1),
            Tok::Num(b, 1..=2),
            Tok::Sym(s2),
            Tok::Num(y, 4),
        ] = w
            && s1 == s2
            && matches!(s1, '-' | '/' | '.')
        {
            // Slashes are month-first (US) unless the first number cannot be a month.
            let (d, m) = if *s1 == '/' && *a <= 12 {
                (*b, *a)
            } else {
                (*a, *b)
            };
            if let Some(dt) = date(*y, m, d) {
                date_at = Some((dt, k + 5));
                break;
            }
        }
        // 12.11.16: two-digit years only with dots and two-digit day and month.
        if let [
            Tok::Num(d, 2),
            Tok::Sym('.'),
            Tok::Num(m, 2),
            Tok::Sym('.'),
            Tok::Num(y, 2),
        ] = w
            && !matches!(toks.get(k + 5), Some(Tok::Sym('.')) | Some(Tok::Num(..)))
            && let Some(dt) = date(2000 + *y, *m, *d)
        {
            date_at = Some((dt, k + 5));
            break;
        }
    }
    // Textual: "April 25, 2024", "25 April 2024", "25. April 2024", "25 апреля 2024 г."
    if date_at.is_none() {
        for (k, t) in toks.iter().enumerate() {
            let Tok::Word(w) = t else { continue };
            let Some(m) = month(w) else { continue };
            let num_at = |j: usize| match toks.get(j) {
                Some(Tok::Num(n, len)) => Some((*n, *len)),
                _ => None,
            };
            // Month Day, Year
            let after: Vec<(u32, usize, usize)> = (k + 1..(k + 5).min(toks.len()))
                .filter_map(|j| num_at(j).map(|(n, l)| (n, l, j)))
                .collect();
            let before: Vec<(u32, usize, usize)> = (k.saturating_sub(3)..k)
                .filter_map(|j| num_at(j).map(|(n, l)| (n, l, j)))
                .collect();
            let day_before = before
                .iter()
                .rev()
                .find(|(n, l, _)| *l <= 2 && (1..=31).contains(n));
            let day_after = after
                .first()
                .filter(|(n, l, _)| *l <= 2 && (1..=31).contains(n));
            let year_after = after
                .iter()
                .find(|(_, l, _)| *l == 4)
                .copied()
                .or_else(|| java_year(&toks, k));
            let year_after = year_after.as_ref();
            let year_before = before.iter().find(|(_, l, _)| *l == 4);
            // "25 April 2024" (day right before the month) first, then "April 25, 2024", then "2024 April 25".
            let adjacent_before = day_before.filter(|d| d.2 + 2 >= k);
            let found = [
                (adjacent_before, year_after),
                (day_after, year_after),
                (day_before, year_after),
                (day_after, year_before),
            ]
            .into_iter()
            .find_map(|(d, y)| {
                let (d, y) = (d?, y?);
                date(y.0, m, d.0).map(|dt| (dt, y.2.max(d.2) + 1))
            });
            if found.is_some() {
                date_at = found;
                break;
            }
        }
    }
    let (date, after) = date_at?;
    let (time, offset) = time_after(&toks, after)
        .or_else(|| time_after(&toks, 0))
        .unwrap_or((None, None));
    Some(Stamp { date, time, offset })
}

/// `20201123T11:02:35Z` or a bare `20201123`: compact ISO 8601, only as the whole value's start.
fn compact_iso(toks: &[Tok]) -> Option<(NaiveDate, usize)> {
    let Some(Tok::Num(v, 8)) = toks.first() else {
        return None;
    };
    match toks.get(1) {
        None => {}
        Some(Tok::Word(w)) if w.eq_ignore_ascii_case("t") => {}
        _ => return None,
    }
    date(v / 10000, v / 100 % 100, v % 100).map(|d| (d, 1))
}

/// The year of Java's `Tue Jan 28 15:28:56 CET 2020`: after the time and the zone.
fn java_year(toks: &[Tok], month_at: usize) -> Option<(u32, usize, usize)> {
    for (j, t) in toks.iter().enumerate().skip(month_at + 1).take(10) {
        match t {
            Tok::Num(y, 4) => return Some((*y, 4, j)),
            Tok::Num(..) | Tok::Sym(':') => {}
            Tok::Word(w) if zone(w).is_some() => {}
            _ => return None,
        }
    }
    None
}

fn time_after(toks: &[Tok], from: usize) -> Option<(Option<NaiveTime>, Option<i32>)> {
    let rest = toks.get(from..)?;
    for (k, w) in rest.windows(3).enumerate() {
        let ([Tok::Num(h, 1..=2), Tok::Sym(':'), Tok::Num(mi, 2)]
        | [Tok::Num(h, 1..=2), Tok::Word(_), Tok::Num(mi, 2)]) = w
        else {
            continue;
        };
        // "16h32" (French) is a time; other words between numbers are not.
        if let Tok::Word(sep) = &w[1]
            && !sep.eq_ignore_ascii_case("h")
        {
            continue;
        }
        let mut h = *h;
        let mut j = k + 3;
        let mut sec = 0;
        if let (Some(Tok::Sym(':')), Some(Tok::Num(s, 1..=2))) = (rest.get(j), rest.get(j + 1)) {
            sec = *s;
            j += 2;
            // fractional seconds
            if let (Some(Tok::Sym('.')), Some(Tok::Num(_, _))) = (rest.get(j), rest.get(j + 1)) {
                j += 2;
            }
        }
        // am/pm, also "a.m." / "p.m."
        let ampm = match rest.get(j) {
            Some(Tok::Word(w)) => {
                let l = w.to_ascii_lowercase();
                if l == "am" || l == "a" {
                    Some(false)
                } else if l == "pm" || l == "p" {
                    Some(true)
                } else {
                    None
                }
            }
            _ => None,
        };
        if let Some(pm) = ampm {
            j += 1;
            while matches!(rest.get(j), Some(Tok::Sym('.')) | Some(Tok::Word(_))) {
                if let Some(Tok::Word(w)) = rest.get(j)
                    && !w.eq_ignore_ascii_case("m")
                {
                    break;
                }
                j += 1;
            }
            if h == 12 {
                h = 0;
            }
            if pm {
                h += 12;
            }
        }
        let time = NaiveTime::from_hms_opt(h, *mi, sec)?;
        let offset = offset_at(rest, j);
        return Some((Some(time), offset));
    }
    None
}

fn offset_at(toks: &[Tok], j: usize) -> Option<i32> {
    match (
        toks.get(j),
        toks.get(j + 1),
        toks.get(j + 2),
        toks.get(j + 3),
    ) {
        (
            Some(Tok::Sym(sign @ ('+' | '-'))),
            Some(Tok::Num(hh, 2)),
            Some(Tok::Sym(':')),
            Some(Tok::Num(mm, 2)),
        ) => {
            let v = (*hh * 3600 + *mm * 60) as i32;
            Some(if *sign == '-' { -v } else { v })
        }
        (Some(Tok::Sym(sign @ ('+' | '-'))), Some(Tok::Num(hhmm, 4)), _, _) => {
            let v = ((*hhmm / 100) * 3600 + (*hhmm % 100) * 60) as i32;
            Some(if *sign == '-' { -v } else { v })
        }
        (Some(Tok::Word(w)), next, _, _) => {
            let base = zone(w)?;
            // "GMT+4", "UTC+04:00"
            if let (Some(Tok::Sym(sign @ ('+' | '-'))), Some(Tok::Num(h, 1..=2))) =
                (next, toks.get(j + 2))
            {
                let v = (*h * 3600) as i32;
                return Some(base + if *sign == '-' { -v } else { v });
            }
            Some(base)
        }
        _ => None,
    }
}

/// Parses and formats in one step; `None` when no date is recognisable.
pub(crate) fn normalize(s: &str, hints: &Hints<'_>) -> Option<String> {
    parse(s, hints).map(|st| st.format(hints))
}

/// Whether a word is a month name in one of the supported languages.
pub(crate) fn is_month(word: &str) -> bool {
    month(word).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Option<String> {
        normalize(s, &Hints::default())
    }

    #[test]
    fn iso_with_and_without_offset() {
        assert_eq!(
            n("2024-04-25T16:32:00+04:00").as_deref(),
            Some("2024-04-25T16:32:00+04:00")
        );
        assert_eq!(
            n("2024-04-25T12:32:00Z").as_deref(),
            Some("2024-04-25T12:32:00+00:00")
        );
        assert_eq!(
            n("2024-04-25T16:32:00.123+0400").as_deref(),
            Some("2024-04-25T16:32:00+04:00")
        );
        assert_eq!(
            n("2024-04-25 16:32").as_deref(),
            Some("2024-04-25T16:32:00")
        );
        assert_eq!(n("2024-04-25").as_deref(), Some("2024-04-25"));
    }

    #[test]
    fn textual_dates_keep_local_time() {
        assert_eq!(
            n("April 25, 2024 16:32").as_deref(),
            Some("2024-04-25T16:32:00")
        );
        assert_eq!(n("December 2, 2020").as_deref(), Some("2020-12-02"));
        assert_eq!(
            n("Apr 25, 2024, 4:32 p.m.").as_deref(),
            Some("2024-04-25T16:32:00")
        );
        assert_eq!(
            n("25 April 2024 16:32 GMT").as_deref(),
            Some("2024-04-25T16:32:00+00:00")
        );
    }

    #[test]
    fn other_languages() {
        assert_eq!(
            n("25. April 2024, 16:32 Uhr").as_deref(),
            Some("2024-04-25T16:32:00")
        );
        assert_eq!(
            n("25 avril 2024 à 16h32").as_deref(),
            Some("2024-04-25T16:32:00")
        );
        assert_eq!(n("25 de abril de 2024").as_deref(), Some("2024-04-25"));
        assert_eq!(
            n("25 апреля 2024, 16:32").as_deref(),
            Some("2024-04-25T16:32:00")
        );
        assert_eq!(
            n("25 Nisan 2024 16:32").as_deref(),
            Some("2024-04-25T16:32:00")
        );
        assert_eq!(
            n("25 aprel 2024 16:32").as_deref(),
            Some("2024-04-25T16:32:00")
        );
        assert_eq!(
            n("25.04.2024 16:32").as_deref(),
            Some("2024-04-25T16:32:00")
        );
    }

    #[test]
    fn configured_zone_applies_only_without_offset() {
        let h = Hints {
            format: None,
            timezone: Some("Asia/Baku"),
        };
        assert_eq!(
            normalize("April 25, 2024 16:32", &h).as_deref(),
            Some("2024-04-25T16:32:00+04:00")
        );
        assert_eq!(
            normalize("2024-04-25T16:32:00Z", &h).as_deref(),
            Some("2024-04-25T16:32:00+00:00")
        );
    }

    #[test]
    fn compact_iso_java_and_short_years() {
        assert_eq!(
            n("20201123T11:02:35Z").as_deref(),
            Some("2020-11-23T11:02:35+00:00")
        );
        assert_eq!(
            n("Tue Jan 28 15:28:56 CET 2020").as_deref(),
            Some("2020-01-28T15:28:56+01:00")
        );
        assert_eq!(
            n("2020-12-05T23:15:0Z").as_deref(),
            Some("2020-12-05T23:15:00+00:00")
        );
        assert_eq!(n("am 12.11.16").as_deref(), Some("2016-11-12"));
        assert_eq!(n("Version 1.2.10"), None);
        assert_eq!(n("06 Dicembre 2020").as_deref(), Some("2020-12-06"));
        assert_eq!(n("3 de março de 2021").as_deref(), Some("2021-03-03"));
        assert_eq!(n("12 maart 2021").as_deref(), Some("2021-03-12"));
    }

    #[test]
    fn garbage_is_none() {
        assert_eq!(n("9:05 PM"), None);
        assert_eq!(n("1988"), None);
        assert_eq!(n("yesterday"), None);
        assert_eq!(n(""), None);
        assert_eq!(n("99999999999999999999-99-99"), None);
    }
}
