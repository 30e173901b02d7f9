//! The counters against a recount from the recent-changes index: under concurrent commits,
//! articles that adopt a site late, `forget`, and the upgrade of a schema-1 database.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::count::monday;
use super::{ChangeCounts, WeekCounts};
use crate::model::{ChangeKind, Check, CheckOutcome};
use crate::store::{NewVersion, SCHEMA_VERSION, Store, keys};

const WEEKS: usize = 26;
const KINDS: [ChangeKind; 5] = [
    ChangeKind::New,
    ChangeKind::Unchanged,
    ChangeKind::DeclaredUpdate,
    ChangeKind::SilentEdit,
    ChangeKind::StampOnly,
];

fn commit(store: &Store, url: &str, site: Option<&str>, at: DateTime<Utc>, kind: ChangeKind) {
    let new = NewVersion {
        fetched_at: at,
        change: kind,
        article: crate::model::Article {
            text: format!("{url} at {at}"),
            ..crate::model::Article::default()
        },
        text_hash: String::new(),
        words_added: 1,
        words_removed: 0,
        extractor_version: 1,
        encoding: None,
        fetched_url: url.to_owned(),
    };
    let check = Check {
        at,
        status: Some(200),
        bytes: 1,
        etag: None,
        last_modified: None,
        elapsed_ms: 1,
        outcome: CheckOutcome::Checked {
            change: kind,
            version: None,
        },
    };
    store
        .commit_version(url, site, new, url.as_bytes(), check)
        .unwrap();
}

/// Four threads committing to the same twelve articles over about 28 weeks, times mostly
/// rising with commit order but jittered (so a few edits predate their first capture); a
/// third of the articles get their site only after their first commits.
fn fill(store: &Store) {
    std::thread::scope(|s| {
        for t in 0..4u64 {
            s.spawn(move || {
                let mut x = 0x9e37_79b9_7f4a_7c15_u64.wrapping_mul(t + 1);
                for i in 0..60u64 {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let a = (x % 12) as usize;
                    let url = format!("https://news{}.test/story/{a}", a % 3);
                    let site = ["north", "south", "east"][a % 3];
                    let site = (a % 3 != 2 || i > 2 * 4).then_some(site);
                    let secs = (i * 290_000 + (x >> 8) % 200_000 + t * 7_000) as i64;
                    let at = Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap();
                    commit(store, &url, site, at, KINDS[((x >> 40) % 5) as usize]);
                }
            });
        }
    });
}

/// First capture, first edit, edited silently.
type Article = (Option<DateTime<Utc>>, Option<DateTime<Utc>>, bool);

#[derive(Default)]
struct Acc {
    versions: u64,
    weeks: BTreeMap<NaiveDate, [u64; 4]>,
    articles: HashMap<String, Article>,
}

/// The counts recomputed from every version's index key, as the page did before counters.
fn recount(store: &Store) -> (ChangeCounts, Vec<ChangeCounts>) {
    let mut scopes: BTreeMap<String, Acc> = BTreeMap::new();
    scopes.entry(String::new()).or_default();
    store
        .for_each_change(|scope, e| {
            let acc = scopes.entry(scope.to_owned()).or_default();
            acc.versions += 1;
            let slot = [0, 4, 1, 2, 3][KINDS.iter().position(|k| *k == e.kind).unwrap()];
            if slot < 4 {
                acc.weeks.entry(monday(e.at)).or_default()[slot] += 1;
            }
            let a = acc.articles.entry(e.url.to_owned()).or_default();
            if e.number == 1 {
                a.0 = Some(e.at);
            }
            if matches!(e.kind, ChangeKind::DeclaredUpdate | ChangeKind::SilentEdit) {
                a.1 = Some(a.1.map_or(e.at, |t| t.min(e.at)));
                a.2 |= e.kind == ChangeKind::SilentEdit;
            }
            Ok(())
        })
        .unwrap();
    let mut all: Vec<ChangeCounts> = scopes.into_iter().map(|(s, a)| finish(s, a)).collect();
    let first = all.remove(0);
    (first, all)
}

fn finish(scope: String, acc: Acc) -> ChangeCounts {
    let edited: Vec<_> = acc.articles.values().filter(|a| a.1.is_some()).collect();
    let mut gaps: Vec<i64> = edited
        .iter()
        .filter_map(|a| Some((a.1? - a.0?).num_seconds()))
        .collect();
    gaps.sort_unstable();
    let n = gaps.len();
    let last = acc.weeks.keys().next_back().copied();
    let weeks = acc
        .weeks
        .iter()
        .filter(|(d, _)| last.is_some_and(|l| **d >= l - Duration::weeks(WEEKS as i64 - 1)))
        .map(|(d, c)| WeekCounts {
            monday: *d,
            new: c[0],
            declared_update: c[1],
            silent_edit: c[2],
            stamp_only: c[3],
        })
        .collect();
    ChangeCounts {
        site: (!scope.is_empty()).then_some(scope),
        articles: acc.articles.len() as u64,
        versions: acc.versions,
        edited_articles: edited.len() as u64,
        silently_edited_articles: edited.iter().filter(|a| a.2).count() as u64,
        median_secs_to_first_edit: (n > 0).then(|| (gaps[(n - 1) / 2] + gaps[n / 2]) / 2),
        weeks,
    }
}

#[test]
fn counters_match_a_recount_under_concurrent_commits_and_forget() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    fill(&store);
    let counted = store.change_counts(WEEKS).unwrap();
    assert_eq!(counted.0.versions, 240);
    assert_eq!(counted.1.len(), 3, "three sites");
    let median = counted.0.median_secs_to_first_edit.unwrap();
    assert!(median > 0, "{median}");
    assert!(counted.0.weeks.len() > 10, "{:?}", counted.0.weeks);
    assert_eq!(counted, recount(&store));

    for a in [0, 5, 8] {
        let url = format!("https://news{}.test/story/{a}", a % 3);
        store.forget(&url).unwrap().unwrap();
    }
    let counted = store.change_counts(WEEKS).unwrap();
    assert_eq!(counted, recount(&store));
    assert_eq!(counted.0.articles, 9);
    for a in [1, 4, 7, 10] {
        store
            .forget(&format!("https://news1.test/story/{a}"))
            .unwrap();
    }
    let counted = store.change_counts(WEEKS).unwrap();
    assert_eq!(counted, recount(&store));
    assert_eq!(counted.1.len(), 2, "a forgotten site leaves no counters");
}

#[test]
fn a_schema_1_database_gets_its_counters_once_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let before = {
        let store = Store::open(dir.path()).unwrap();
        fill(&store);
        // What schema 1 wrote: everything but the counters.
        store.stats.clear().unwrap();
        store
            .meta
            .insert(keys::meta::SCHEMA, &1u32.to_be_bytes())
            .unwrap();
        store.flush().unwrap();
        recount(&store)
    };
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.change_counts(WEEKS).unwrap(), before);
    let schema = store.meta.get(keys::meta::SCHEMA).unwrap().unwrap();
    assert_eq!(schema.as_ref(), SCHEMA_VERSION.to_be_bytes());
    // Recorded: the next open counts nothing again (a cleared tree stays cleared).
    store.stats.clear().unwrap();
    store.flush().unwrap();
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.change_counts(WEEKS).unwrap().0.versions, 0);
}
