//! The re-check schedule: due ordering, rescheduling moves the index entry, bulk creation,
//! and a restart resumes the schedule.

use chrono::{DateTime, TimeZone, Utc};
use emend::store::{NewArticle, ScheduleState, Store};

fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + secs, 0).unwrap()
}

fn due_at(secs: i64) -> ScheduleState {
    ScheduleState {
        next_due: Some(t(secs)),
        interval_secs: 900,
        unchanged_streak: 0,
        failures: 0,
        track_until: Some(t(30 * 86_400)),
    }
}

#[test]
fn due_lists_earliest_first_up_to_now() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.next_due_time().unwrap(), None);
    store
        .set_schedule("https://a.test/late", &due_at(300))
        .unwrap();
    store
        .set_schedule("https://a.test/early", &due_at(-50))
        .unwrap();
    store
        .set_schedule("https://a.test/mid", &due_at(100))
        .unwrap();
    store
        .set_schedule("https://a.test/also-mid", &due_at(100))
        .unwrap();

    assert_eq!(store.next_due_time().unwrap(), Some(t(-50)));
    let due = store.due(t(100), 10).unwrap();
    assert_eq!(
        due,
        [
            (t(-50), "https://a.test/early".to_owned()),
            (t(100), "https://a.test/also-mid".to_owned()),
            (t(100), "https://a.test/mid".to_owned()),
        ]
    );
    assert_eq!(store.due(t(100), 1).unwrap().len(), 1);
    assert!(store.due(t(-51), 10).unwrap().is_empty());
    assert_eq!(store.stats().unwrap().scheduled, 4);
}

#[test]
fn rescheduling_moves_the_entry_and_stopping_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let url = "https://a.test/x";
    store.set_schedule(url, &due_at(0)).unwrap();
    store.set_schedule("https://a.test/y", &due_at(50)).unwrap();

    let mut later = due_at(1_000);
    later.unchanged_streak = 3;
    later.interval_secs = 1_350;
    store.set_schedule(url, &later).unwrap();
    assert_eq!(store.schedule(url).unwrap(), Some(later));
    // The old index entry is gone: the URL is listed once, at its new time.
    let due = store.due(t(10_000), 10).unwrap();
    assert_eq!(
        due,
        [
            (t(50), "https://a.test/y".to_owned()),
            (t(1_000), url.to_owned())
        ]
    );

    let mut ended = due_at(0);
    ended.next_due = None;
    store.set_schedule(url, &ended).unwrap();
    assert_eq!(store.due(t(10_000), 10).unwrap().len(), 1);
    assert_eq!(store.schedule(url).unwrap().unwrap().next_due, None);
    assert_eq!(store.stats().unwrap().scheduled, 1);

    store.clear_schedule("https://a.test/y").unwrap();
    assert_eq!(store.next_due_time().unwrap(), None);
    assert_eq!(store.schedule("https://a.test/y").unwrap(), None);
    assert_eq!(store.stats().unwrap().scheduled, 0);
}

#[test]
fn bulk_creation_schedules_new_articles_and_a_restart_resumes() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        store
            .ensure_article("https://a.test/0", Some("a"), t(0))
            .unwrap();
        let items = (0..7_000).map(|i| NewArticle {
            url: format!("https://a.test/{i}"),
            site: Some("a".to_owned()),
            schedule: Some(due_at(i)),
        });
        // 7,000 spans two internal chunks; /0 already existed and is left alone.
        assert_eq!(store.ensure_articles_bulk(items, t(0)).unwrap(), 6_999);
        assert_eq!(store.schedule("https://a.test/0").unwrap(), None);
    }
    let store = Store::open(dir.path()).unwrap();
    let stats = store.stats().unwrap();
    assert_eq!((stats.articles, stats.scheduled), (7_000, 6_999));
    assert_eq!(store.next_due_time().unwrap(), Some(t(1)));
    let due = store.due(t(3), 10).unwrap();
    assert_eq!(
        due.iter().map(|(_, u)| u.as_str()).collect::<Vec<_>>(),
        ["https://a.test/1", "https://a.test/2", "https://a.test/3"]
    );
    assert_eq!(store.list_site("a", None, 20_000).unwrap().len(), 7_000);
}

#[test]
fn a_check_finishing_after_its_url_left_the_schedule_does_not_put_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (url, moved) = ("https://a.test/old", "https://a.test/new");

    store.set_schedule(url, &due_at(0)).unwrap();
    assert!(store.reschedule(url, url, &due_at(900)).unwrap());
    assert_eq!(store.schedule(url).unwrap(), Some(due_at(900)));
    assert_eq!(store.due(t(1000), 10).unwrap(), [(t(900), url.to_owned())]);

    // The article now answers elsewhere: the entry moves, the index with it.
    assert!(store.reschedule(url, moved, &due_at(1800)).unwrap());
    assert_eq!(store.schedule(url).unwrap(), None);
    assert_eq!(
        store.due(t(9999), 10).unwrap(),
        [(t(1800), moved.to_owned())]
    );

    // Taken off (`watch --stop`) while a check was in flight: the check's result is dropped.
    store.clear_schedule(moved).unwrap();
    assert!(!store.reschedule(moved, moved, &due_at(2700)).unwrap());
    assert!(!store.reschedule(moved, url, &due_at(2700)).unwrap());
    assert_eq!(store.schedule(moved).unwrap(), None);
    assert_eq!(store.schedule(url).unwrap(), None);
    assert_eq!(store.next_due_time().unwrap(), None);
}

#[test]
fn a_batched_check_carries_its_reschedule_unless_the_url_left_the_schedule() {
    use emend::model::{Check, CheckOutcome};
    use emend::store::{LoggedCheck, Reschedule};
    use std::time::Duration;

    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (kept, stopped, ended) = (
        "https://a.test/kept",
        "https://a.test/stopped",
        "https://a.test/ended",
    );
    for url in [kept, stopped, ended] {
        store.ensure_article(url, Some("a"), t(0)).unwrap();
        store.set_schedule(url, &due_at(0)).unwrap();
    }
    store.clear_schedule(stopped).unwrap();
    let check = Check {
        at: t(10),
        ..Check::now(CheckOutcome::NotModified, Some(304), Duration::ZERO)
    };
    let then = |url: &str, until: i64| Reschedule {
        url: url.to_owned(),
        state: ScheduleState {
            unchanged_streak: 1,
            track_until: Some(t(until)),
            ..due_at(0)
        },
        after: Duration::from_secs(900),
    };
    let plans = [then(kept, 99_999), then(stopped, 99_999), then(ended, 5)];
    let entries: Vec<LoggedCheck<'_>> = plans
        .iter()
        .map(|p| LoggedCheck {
            url: &p.url,
            check: &check,
            capture: None,
            then: Some(p),
        })
        .collect();
    let results = store.record_checks(&entries).unwrap();
    assert!(results.iter().all(Result::is_ok), "{results:?}");

    // Due one interval after the check, streak counted.
    let state = store.schedule(kept).unwrap().unwrap();
    assert_eq!((state.next_due, state.unchanged_streak), (Some(t(910)), 1));
    // Taken off during its check: stays off. Tracking over: off the due index.
    assert_eq!(store.schedule(stopped).unwrap(), None);
    assert_eq!(store.schedule(ended).unwrap().unwrap().next_due, None);
    assert_eq!(
        store.due(t(99_999), 10).unwrap(),
        [(t(910), kept.to_owned())]
    );
    assert_eq!(store.checks(stopped, 10).unwrap().len(), 1);
    assert_eq!(store.stats().unwrap().scheduled, 1);
}
