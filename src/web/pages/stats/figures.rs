//! The figures of the statistics page, computed from change events: changes per week by
//! kind, the share of edited articles edited silently, and the time to the first edit.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::model::ChangeKind;
use crate::store::ChangeEvent;

/// Weeks drawn at most, the most recent ones.
pub const MAX_WEEKS: usize = 26;

/// Versions of one ISO week (Monday to Sunday, UTC) by change kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Week {
    /// The Monday the week starts on, `YYYY-MM-DD`.
    pub week: String,
    /// First captures.
    pub new: u32,
    /// Edits the article's stamp announced.
    pub declared_update: u32,
    /// Edits with the stamp unchanged.
    pub silent_edit: u32,
    /// Stamp moved, content unchanged.
    pub stamp_only: u32,
}

/// The figures of one site, or of all articles (`site: None`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteFigures {
    /// The site, `None` for every article.
    pub site: Option<String>,
    /// Articles with at least one version.
    pub articles: u32,
    /// Stored versions.
    pub versions: u32,
    /// Articles whose title or text changed at least once (a declared update or silent edit).
    pub edited_articles: u32,
    /// Of those, the ones edited silently at least once.
    pub silently_edited_articles: u32,
    /// `silently_edited_articles / edited_articles`, `None` when nothing was edited.
    pub silent_share: Option<f64>,
    /// Median seconds from an article's first capture to its first edit, over edited articles.
    pub median_secs_to_first_edit: Option<i64>,
    /// The most recent weeks with changes, at most [`MAX_WEEKS`], oldest first, with no gaps.
    pub weeks: Vec<Week>,
}

#[derive(Default)]
struct ArticleAcc {
    first: Option<DateTime<Utc>>,
    first_edit: Option<DateTime<Utc>>,
    silent: bool,
}

#[derive(Default)]
struct Acc {
    versions: u32,
    weeks: BTreeMap<NaiveDate, [u32; 4]>,
    articles: HashMap<String, ArticleAcc>,
}

impl Acc {
    fn add(&mut self, e: &ChangeEvent<'_>) {
        self.versions += 1;
        let slot = match e.kind {
            ChangeKind::New => Some(0),
            ChangeKind::DeclaredUpdate => Some(1),
            ChangeKind::SilentEdit => Some(2),
            ChangeKind::StampOnly => Some(3),
            ChangeKind::Unchanged => None,
        };
        if let Some(i) = slot {
            self.weeks.entry(monday(e.at)).or_default()[i] += 1;
        }
        let a = match self.articles.get_mut(e.url) {
            Some(a) => a,
            None => self.articles.entry(e.url.to_owned()).or_default(),
        };
        if e.number == 1 {
            a.first = Some(e.at);
        }
        if matches!(e.kind, ChangeKind::DeclaredUpdate | ChangeKind::SilentEdit) {
            a.first_edit = Some(a.first_edit.map_or(e.at, |t| t.min(e.at)));
            a.silent |= e.kind == ChangeKind::SilentEdit;
        }
    }

    fn finish(self, site: Option<String>) -> SiteFigures {
        let edited: Vec<&ArticleAcc> = self
            .articles
            .values()
            .filter(|a| a.first_edit.is_some())
            .collect();
        let silent = edited.iter().filter(|a| a.silent).count();
        let mut gaps: Vec<i64> = edited
            .iter()
            .filter_map(|a| Some((a.first_edit? - a.first?).num_seconds()))
            .collect();
        gaps.sort_unstable();
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        SiteFigures {
            site,
            articles: count(self.articles.len()),
            versions: self.versions,
            edited_articles: count(edited.len()),
            silently_edited_articles: count(silent),
            silent_share: (!edited.is_empty()).then(|| silent as f64 / edited.len() as f64),
            median_secs_to_first_edit: median(&gaps),
            weeks: weeks(&self.weeks),
        }
    }
}

/// The Monday of `t`'s ISO week.
fn monday(t: DateTime<Utc>) -> NaiveDate {
    let d = t.date_naive();
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

fn median(sorted: &[i64]) -> Option<i64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

/// The last [`MAX_WEEKS`] weeks up to the latest one with changes, empty weeks included.
fn weeks(counts: &BTreeMap<NaiveDate, [u32; 4]>) -> Vec<Week> {
    let (Some(first), Some(last)) = (counts.keys().next(), counts.keys().next_back()) else {
        return Vec::new();
    };
    let span = MAX_WEEKS as i64 - 1;
    let start = (*last - Duration::weeks(span)).max(*first);
    let mut out = Vec::new();
    let mut d = start;
    while d <= *last {
        let c = counts.get(&d).copied().unwrap_or_default();
        out.push(Week {
            week: d.format("%Y-%m-%d").to_string(),
            new: c[0],
            declared_update: c[1],
            silent_edit: c[2],
            stamp_only: c[3],
        });
        d += Duration::weeks(1);
    }
    out
}

/// Accumulates change events into every article's figures and each site's.
#[derive(Default)]
pub struct Tally {
    all: Acc,
    sites: BTreeMap<String, Acc>,
}

impl Tally {
    /// Counts one event towards all articles (`site: None`) or its site.
    pub fn add(&mut self, e: &ChangeEvent<'_>) {
        match e.site {
            None => self.all.add(e),
            Some(s) => match self.sites.get_mut(s) {
                Some(acc) => acc.add(e),
                None => self.sites.entry(s.to_owned()).or_default().add(e),
            },
        }
    }

    /// Every article's figures, and each site's by name.
    pub fn finish(self) -> (SiteFigures, Vec<SiteFigures>) {
        let sites = self
            .sites
            .into_iter()
            .map(|(s, acc)| acc.finish(Some(s)))
            .collect();
        (self.all.finish(None), sites)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        chrono::TimeZone::with_ymd_and_hms(&Utc, 2024, 3, day, hour, 0, 0).unwrap()
    }

    fn ev(url: &str, number: u32, at: DateTime<Utc>, kind: ChangeKind) -> ChangeEvent<'_> {
        ChangeEvent {
            site: None,
            url,
            number,
            at,
            kind,
        }
    }

    #[test]
    fn figures_count_weeks_silent_share_and_median_first_edit() {
        use ChangeKind::*;
        // 2024-03-04 is a Monday.
        let events = [
            ev("a", 1, at(4, 0), New),
            ev("a", 2, at(4, 2), SilentEdit),
            ev("a", 3, at(12, 0), DeclaredUpdate),
            ev("b", 1, at(5, 0), New),
            ev("b", 2, at(5, 6), DeclaredUpdate),
            ev("c", 1, at(6, 0), New),
            ev("c", 2, at(20, 0), StampOnly),
        ];
        let mut tally = Tally::default();
        events.iter().for_each(|e| tally.add(e));
        let (all, _) = tally.finish();
        assert_eq!((all.articles, all.versions), (3, 7));
        assert_eq!((all.edited_articles, all.silently_edited_articles), (2, 1));
        assert_eq!(all.silent_share, Some(0.5));
        assert_eq!(
            all.median_secs_to_first_edit,
            Some(4 * 3600),
            "median of 2 h and 6 h"
        );
        let weeks: Vec<(&str, u32, u32, u32, u32)> = all
            .weeks
            .iter()
            .map(|w| {
                (
                    w.week.as_str(),
                    w.new,
                    w.declared_update,
                    w.silent_edit,
                    w.stamp_only,
                )
            })
            .collect();
        assert_eq!(
            weeks,
            [
                ("2024-03-04", 3, 1, 1, 0),
                ("2024-03-11", 0, 1, 0, 0),
                ("2024-03-18", 0, 0, 0, 1)
            ]
        );
    }
}
