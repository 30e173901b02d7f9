//! Date candidates from every source, ranked by how closely the source is tied to the article,
//! and the choice among them: the best-ranked stamp, in the page's own offset when the page gives one.

use chrono::{Duration, NaiveDateTime};

use super::super::dates::{self, Hints, Stamp};
use crate::model::FieldSource;

/// Sources, best first: structured data about the article, then its markup, then its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Rank {
    /// The article object of the page's JSON-LD.
    JsonLd,
    /// OpenGraph, `article:*`, Dublin Core issued, PRISM and similar metas.
    Meta,
    /// Microdata `itemprop` on an element of the article.
    Itemprop,
    /// hAtom / microformats classes (`published`, `updated`, `dt-published`) and `<time pubdate>`.
    Microformat,
    /// Another `<time>` of the article.
    Time,
    /// Visible text with a label ("Published", "Veröffentlicht am", "Mis à jour le").
    Labelled,
    /// The text of a date-classed element of the article (`.date`, `.entry-meta`, `.datum`).
    DateClass,
    /// Metas that name the article less surely (`date`, `dc.date`).
    WeakMeta,
    /// A short line near the headline that is mostly a date.
    Dateline,
    /// A date in the URL's path.
    Url,
}

impl Rank {
    fn source(self) -> FieldSource {
        match self {
            Rank::JsonLd => FieldSource::JsonLd,
            Rank::Meta | Rank::WeakMeta => FieldSource::Meta,
            Rank::Itemprop => FieldSource::Itemprop,
            Rank::Microformat | Rank::Time => FieldSource::Time,
            Rank::Labelled | Rank::DateClass | Rank::Dateline | Rank::Url => FieldSource::Text,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Candidate {
    stamp: Stamp,
    rank: Rank,
}

/// Every publication and update stamp the page gives, with its rank.
#[derive(Debug, Default)]
pub(super) struct Dates {
    published: Vec<Candidate>,
    updated: Vec<Candidate>,
    /// Stamps that only tell the page's offset (other JSON-LD objects).
    offsets: Vec<Stamp>,
}

impl Dates {
    /// Adds a publication stamp; values that do not parse are dropped, never kept as text.
    pub(super) fn published(&mut self, rank: Rank, raw: Option<&str>, hints: &Hints<'_>) {
        if let Some(stamp) = raw.and_then(|r| dates::parse(r, hints)) {
            self.published.push(Candidate { stamp, rank });
        }
    }

    /// Adds an already parsed publication stamp.
    pub(super) fn published_stamp(&mut self, rank: Rank, stamp: Option<Stamp>) {
        if let Some(stamp) = stamp {
            self.published.push(Candidate { stamp, rank });
        }
    }

    /// Adds an update stamp.
    pub(super) fn updated(&mut self, rank: Rank, raw: Option<&str>, hints: &Hints<'_>) {
        if let Some(stamp) = raw.and_then(|r| dates::parse(r, hints)) {
            self.updated.push(Candidate { stamp, rank });
        }
    }

    /// Adds an already parsed update stamp.
    pub(super) fn updated_stamp(&mut self, rank: Rank, stamp: Option<Stamp>) {
        if let Some(stamp) = stamp {
            self.updated.push(Candidate { stamp, rank });
        }
    }

    /// Adds a stamp used only to learn the page's offset.
    pub(super) fn offset_hint(&mut self, raw: &str, hints: &Hints<'_>) {
        self.offsets.extend(dates::parse(raw, hints));
    }

    /// Whether any publication stamp was found.
    pub(super) fn has_published(&self) -> bool {
        !self.published.is_empty()
    }

    /// The article's publication stamp. A page that dates itself only by its update
    /// was first published no later than that; its day is the best estimate left.
    pub(super) fn best_published(&self, hints: &Hints<'_>) -> Option<(String, FieldSource)> {
        let updated = best(&self.updated).filter(|c| c.rank <= Rank::Labelled);
        // A weak source dated after the article's own update stamp cannot be its first
        // publication: such `date` metas are render or revision times.
        let best = match (best(&self.published), updated) {
            (Some(p), Some(u)) if p.rank > Rank::Labelled && u.stamp.date < p.stamp.date => u,
            (Some(p), _) => p,
            (None, u) => u?,
        };
        let best = self.shown(best).unwrap_or(best);
        let stamp = self.local(best.stamp);
        Some((stamp.format(hints), best.rank.source()))
    }

    /// The structured stamp whose day the article shows, when it shows another day than
    /// `chosen`: a page that prints its `dateModified` (or a second structured publication
    /// date) beside the headline dates itself by that day, and its JSON-LD `datePublished`
    /// is then often the day the story was first drafted.
    fn shown(&self, chosen: Candidate) -> Option<Candidate> {
        if chosen.rank > Rank::Itemprop {
            return None;
        }
        let visible = |list: &[Candidate]| {
            let seen: Vec<Candidate> = list
                .iter()
                .filter(|c| (Rank::Microformat..=Rank::Dateline).contains(&c.rank))
                .filter(|c| c.rank != Rank::WeakMeta)
                .copied()
                .collect();
            best(&seen)
        };
        let shown = visible(&self.published)?;
        let day = |c: &Candidate| self.local(c.stamp).date;
        if day(&shown) == day(&chosen) {
            return None;
        }
        self.published
            .iter()
            .chain(&self.updated)
            .filter(|c| c.rank <= Rank::Itemprop)
            .find(|c| day(c) == shown.stamp.date)
            .copied()
    }

    /// The article's own update stamp.
    pub(super) fn best_updated(&self, hints: &Hints<'_>) -> Option<(String, FieldSource)> {
        let best = best(&self.updated)?;
        Some((self.local(best.stamp).format(hints), best.rank.source()))
    }

    /// A UTC instant shown in the page's own offset, when another of its stamps reveals it:
    /// the same instant printed in local time, or (for a date without time) the local day.
    fn local(&self, utc: Stamp) -> Stamp {
        let (Some(time), Some(0)) = (utc.time, utc.offset) else {
            return utc;
        };
        let instant = NaiveDateTime::new(utc.date, time);
        let others = self
            .published
            .iter()
            .chain(&self.updated)
            // A bare day is the page's own only from the article's markup or its URL.
            .filter(|c| {
                c.stamp.time.is_some() || c.rank <= Rank::Microformat || c.rank == Rank::Url
            })
            .map(|c| c.stamp)
            .chain(self.offsets.iter().copied());
        let mut day = None;
        for o in others {
            match (o.time, o.offset) {
                (Some(t), off) if off != Some(0) => {
                    let local = NaiveDateTime::new(o.date, t);
                    let shift = (local - instant).num_seconds();
                    let same = match off {
                        Some(off) => i64::from(off) == shift,
                        None => shift % 900 == 0,
                    };
                    if same && shift != 0 && shift.abs() <= 14 * 3600 {
                        let shifted = instant + Duration::seconds(shift);
                        return Stamp {
                            date: shifted.date(),
                            time: Some(shifted.time()),
                            offset: i32::try_from(shift).ok(),
                        };
                    }
                }
                (None, _) if day.is_none() && o.date != utc.date => {
                    // Inhabited zones with news sites run from UTC-10 to UTC+14.
                    let lo = (instant - Duration::hours(10)).date();
                    let hi = (instant + Duration::hours(14)).date();
                    if (lo..=hi).contains(&o.date) {
                        day = Some(o.date);
                    }
                }
                _ => {}
            }
        }
        match day {
            Some(date) => Stamp {
                date,
                time: None,
                offset: None,
            },
            None => utc,
        }
    }
}

/// The first candidate of the best rank.
fn best(list: &[Candidate]) -> Option<Candidate> {
    let rank = list.iter().map(|c| c.rank).min()?;
    list.iter().find(|c| c.rank == rank).copied()
}

/// A date in a URL's path: `/2023/11/08/`, `/2023-11-08`, `/20231108/`.
pub(super) fn from_url(url: &str) -> Option<Stamp> {
    let path = url.split(['?', '#']).next()?;
    let path = path.split_once("://").map_or(path, |(_, p)| p);
    let digits: Vec<&str> = path
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .collect();
    for w in digits.windows(3) {
        if let [y, m, d] = w
            && y.len() == 4
            && m.len() == 2
            && d.len() == 2
            && let Some(st) = dates::parse(&format!("{y}-{m}-{d}"), &Hints::default())
            && (path.contains(&format!("{y}/{m}/{d}")) || path.contains(&format!("{y}-{m}-{d}")))
        {
            return Some(st);
        }
    }
    // `/23-01-2022-title/`: day-first, as European sites print it.
    for w in digits.windows(3) {
        if let [d, m, y] = w
            && y.len() == 4
            && m.len() == 2
            && d.len() == 2
            && path.contains(&format!("/{d}-{m}-{y}-"))
            && let Some(st) = dates::parse(&format!("{y}-{m}-{d}"), &Hints::default())
        {
            return Some(st);
        }
    }
    digits.iter().find_map(|s| {
        let at = path.find(s)?;
        let bounded = path[..at].ends_with('/') && path[at + s.len()..].starts_with(['/', '-']);
        (s.len() == 8 && bounded)
            .then(|| dates::parse(s, &Hints::default()))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Option<String> {
        from_url(s).map(|st| st.format(&Hints::default()))
    }

    #[test]
    fn url_date_paths() {
        assert_eq!(
            day("https://x.test/2023/11/08/story/").as_deref(),
            Some("2023-11-08")
        );
        assert_eq!(
            day("https://x.test/news/20200413/story").as_deref(),
            Some("2020-04-13")
        );
        assert_eq!(
            day("https://x.test/news/23-01-2022-story/17.html").as_deref(),
            Some("2022-01-23")
        );
        assert_eq!(day("https://x.test/item/1234567890/"), None);
        assert_eq!(day("https://x.test/2023/11/"), None);
    }

    #[test]
    fn utc_instant_takes_the_local_offset_another_stamp_shows() {
        let h = Hints::default();
        let mut d = Dates::default();
        d.published(Rank::JsonLd, Some("2023-11-09T01:09:55Z"), &h);
        d.published(Rank::Time, Some("2023-11-08 18:09:55"), &h);
        assert_eq!(
            d.best_published(&h).map(|p| p.0).as_deref(),
            Some("2023-11-08T18:09:55-07:00")
        );
    }
}
