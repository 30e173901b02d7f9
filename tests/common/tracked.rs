//! A store as a previous daemon run left it: articles discovered, on the schedule, due now;
//! and a feed that lists nothing new, so only those articles are checked.

use chrono::Utc;
use emend::store::{NewArticle, ScheduleState, Store};

use super::route::Route;
use super::server::TestServer;

/// Records `urls` as articles of `site`, each due for a check now and re-checked every second.
#[allow(dead_code, reason = "each test crate uses a different subset")]
pub fn due_now(store: &Store, site: &str, urls: &[String]) {
    let now = Utc::now();
    store
        .ensure_articles_bulk(
            urls.iter().map(|u| NewArticle {
                url: u.clone(),
                site: Some(site.to_owned()),
                schedule: Some(ScheduleState {
                    next_due: Some(now),
                    interval_secs: 1,
                    unchanged_streak: 0,
                    failures: 0,
                    track_until: Some(now + chrono::Duration::days(1)),
                }),
            }),
            now,
        )
        .expect("seed the store");
}

/// Serves an RSS feed with no items at `/feed.xml` on `server`; returns its URL.
#[allow(dead_code, reason = "each test crate uses a different subset")]
pub fn empty_feed(server: &TestServer) -> String {
    server.set(
        "/feed.xml",
        Route::new(
            200,
            "application/rss+xml",
            "<rss version=\"2.0\"><channel><title>t</title></channel></rss>",
        ),
    );
    server.url("/feed.xml")
}
