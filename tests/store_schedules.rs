//! Watching a URL by hand (`emend watch`) on both engines: the same `watchlist` code over
//! [`Schedules`], with the same results on sled and on PostgreSQL (a throw-away cluster,
//! skipped without a server).

mod common;

use chrono::{DateTime, TimeZone, Utc};
use common::postgres::Cluster;
use emend::config::{Config, DEFAULT_INTERVAL, DEFAULT_TRACK_FOR};
use emend::store::pg::Postgres;
use emend::store::{ScheduleState, Schedules, Store};
use emend::watchlist::{self, FirstCheck};
use url::Url;

fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + secs, 0)
        .single()
        .expect("a valid time")
}

/// Watch, re-watch a URL whose interval has widened, unwatch: on any engine.
async fn watch_keeps_the_adaptive_interval_and_unwatch_takes_it_off(store: &impl Schedules) {
    let config = Config::empty();
    let url = Url::parse("https://news.test/watched").expect("URL");
    let key = url.as_str();

    let first = watchlist::watch(store, &config, &url, t(0), FirstCheck::Now)
        .await
        .expect("watch");
    let track_until = emend::schedule::track_until(t(0), DEFAULT_TRACK_FOR);
    assert_eq!(
        first,
        ScheduleState {
            next_due: Some(t(0)),
            interval_secs: DEFAULT_INTERVAL.as_secs(),
            unchanged_streak: 0,
            failures: 0,
            track_until: Some(track_until),
        }
    );
    assert_eq!(
        store.resolve(key).await.expect("resolve").as_deref(),
        Some(key)
    );
    assert_eq!(store.schedule(key).await.expect("schedule"), Some(first));

    // The daemon widened it after unchanged checks, and it failed once since.
    let widened = ScheduleState {
        next_due: Some(t(7200)),
        interval_secs: 3600,
        unchanged_streak: 3,
        failures: 1,
        track_until: Some(track_until),
    };
    store.set_schedule(key, &widened).await.expect("set");
    let again = watchlist::watch(store, &config, &url, t(60), FirstCheck::Now)
        .await
        .expect("watch again");
    assert_eq!(
        again,
        ScheduleState {
            next_due: Some(t(60)),
            failures: 0,
            track_until: Some(emend::schedule::track_until(t(60), DEFAULT_TRACK_FOR)),
            ..widened
        },
        "brought forward and extended, the interval and streak kept"
    );
    assert_eq!(store.schedule(key).await.expect("schedule"), Some(again));

    assert!(watchlist::unwatch(store, key).await.expect("unwatch"));
    assert_eq!(store.schedule(key).await.expect("schedule"), None);
    assert!(!watchlist::unwatch(store, key).await.expect("unwatch again"));
    assert_eq!(
        store.resolve(key).await.expect("resolve").as_deref(),
        Some(key),
        "the record stays"
    );
}

#[tokio::test]
async fn on_sled() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("open");
    watch_keeps_the_adaptive_interval_and_unwatch_takes_it_off(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres() {
    let Some(cluster) = Cluster::start("watchlist on postgres") else {
        return;
    };
    let pg = Postgres::connect(&cluster.conninfo).await.expect("connect");
    watch_keeps_the_adaptive_interval_and_unwatch_takes_it_off(&pg).await;
}
