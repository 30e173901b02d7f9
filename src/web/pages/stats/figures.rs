//! The figures of the statistics page, from the store's counters: changes per week by kind,
//! the share of edited articles edited silently, and the time to the first edit.

use chrono::Duration;
use serde::Serialize;

use crate::store::{ChangeCounts, WeekCounts};

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

impl SiteFigures {
    /// The figures of the store's counts for one site, or every article.
    pub fn from_counts(c: &ChangeCounts) -> SiteFigures {
        let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        let edited = c.edited_articles;
        SiteFigures {
            site: c.site.clone(),
            articles: count(c.articles),
            versions: count(c.versions),
            edited_articles: count(edited),
            silently_edited_articles: count(c.silently_edited_articles),
            silent_share: (edited > 0).then(|| c.silently_edited_articles as f64 / edited as f64),
            median_secs_to_first_edit: c.median_secs_to_first_edit,
            weeks: weeks(&c.weeks),
        }
    }
}

/// The weeks from the first to the last of `counts` (which the store bounds to
/// [`MAX_WEEKS`]), empty weeks included.
fn weeks(counts: &[WeekCounts]) -> Vec<Week> {
    let (Some(first), Some(last)) = (counts.first(), counts.last()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut d = first.monday;
    let mut next = counts.iter().peekable();
    while d <= last.monday {
        let c = next.next_if(|w| w.monday == d);
        let n =
            |f: fn(&WeekCounts) -> u64| c.map_or(0, |w| u32::try_from(f(w)).unwrap_or(u32::MAX));
        out.push(Week {
            week: d.format("%Y-%m-%d").to_string(),
            new: n(|w| w.new),
            declared_update: n(|w| w.declared_update),
            silent_edit: n(|w| w.silent_edit),
            stamp_only: n(|w| w.stamp_only),
        });
        d += Duration::weeks(1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(day: &str, new: u64, declared: u64) -> WeekCounts {
        WeekCounts {
            monday: day.parse().unwrap(),
            new,
            declared_update: declared,
            silent_edit: 0,
            stamp_only: 0,
        }
    }

    #[test]
    fn figures_fill_empty_weeks_and_share_silent_edits() {
        let counts = ChangeCounts {
            site: None,
            articles: 3,
            versions: 7,
            edited_articles: 2,
            silently_edited_articles: 1,
            median_secs_to_first_edit: Some(60),
            weeks: vec![week("2024-03-04", 3, 1), week("2024-03-18", 0, 2)],
        };
        let f = SiteFigures::from_counts(&counts);
        assert_eq!(f.silent_share, Some(0.5));
        let got: Vec<(&str, u32, u32)> = f
            .weeks
            .iter()
            .map(|w| (w.week.as_str(), w.new, w.declared_update))
            .collect();
        let want = [
            ("2024-03-04", 3, 1),
            ("2024-03-11", 0, 0),
            ("2024-03-18", 0, 2),
        ];
        assert_eq!(got, want);
        let none = ChangeCounts {
            edited_articles: 0,
            weeks: Vec::new(),
            ..counts
        };
        assert_eq!(SiteFigures::from_counts(&none).silent_share, None);
    }
}
