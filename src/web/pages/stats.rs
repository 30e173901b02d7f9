//! `/stats` and `/api/stats`: per site, changes per week by kind (an SVG chart, no script),
//! the share of edited articles edited silently and the median time to the first edit.

mod chart;
mod figures;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

pub use figures::SiteFigures;

use crate::store::ArchiveRead;
use crate::web::AppState;
use crate::web::links;
use crate::web::respond::{WebError, blocking, json, page as render};

/// `/api/stats`: every article's figures, then each site's.
#[derive(Debug, Serialize)]
pub struct StatsJson {
    /// All articles together.
    pub all: SiteFigures,
    /// Each site, by name.
    pub sites: Vec<SiteFigures>,
}

/// Reads the store's counters (a few hundred keys, whatever its size) into the figures.
fn load(store: &dyn ArchiveRead) -> Result<StatsJson, WebError> {
    let (all, sites) = store.change_counts(figures::MAX_WEEKS)?;
    Ok(StatsJson {
        all: SiteFigures::from_counts(&all),
        sites: sites.iter().map(SiteFigures::from_counts).collect(),
    })
}

/// One block of the page: a site's (or every article's) figures and chart.
struct Section {
    name: String,
    href: Option<String>,
    figures: SiteFigures,
    share: String,
    median: String,
    chart: chart::Chart,
}

impl Section {
    fn new(name: String, href: Option<String>, figures: SiteFigures) -> Self {
        Section {
            share: figures
                .silent_share
                .map_or_else(|| "–".to_owned(), |s| format!("{:.0}%", s * 100.0)),
            median: figures
                .median_secs_to_first_edit
                .map_or_else(|| "–".to_owned(), duration),
            chart: chart::chart(&figures.weeks),
            name,
            href,
            figures,
        }
    }
}

/// Seconds as people read a delay: "45 min", "3 h 20 min", "2 d 4 h".
fn duration(secs: i64) -> String {
    let m = secs.max(0) / 60;
    match m {
        0..60 => format!("{m} min"),
        60..1440 => format!("{} h {} min", m / 60, m % 60),
        _ => format!("{} d {} h", m / 1440, m % 1440 / 60),
    }
}

#[derive(Template)]
#[template(path = "stats.html")]
struct StatsPage {
    title: String,
    feed: String,
    sections: Vec<Section>,
}

/// `GET /stats`.
pub async fn page(State(state): State<AppState>) -> Result<Response, WebError> {
    blocking(move || {
        let stats = load(&*state.store)?;
        let mut sections = vec![Section::new("All articles".to_owned(), None, stats.all)];
        sections.extend(stats.sites.into_iter().map(|f| {
            let name = f.site.clone().unwrap_or_default();
            Section::new(name.clone(), Some(links::site(&name)), f)
        }));
        render(&StatsPage {
            title: "Statistics".to_owned(),
            feed: links::feed_all(),
            sections,
        })
    })
    .await
}

/// `GET /api/stats`: [`StatsJson`].
pub async fn api(State(state): State<AppState>) -> Response {
    match blocking(move || json(&load(&*state.store)?)).await {
        Ok(r) => r,
        Err(e) => e.into_json(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(super::duration(45 * 60), "45 min");
        assert_eq!(super::duration(200 * 60), "3 h 20 min");
        assert_eq!(super::duration(52 * 3600), "2 d 4 h");
    }
}
