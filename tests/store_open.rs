//! Opening a database: creation, a second opener gets "in use", damaged directories give a
//! clear error instead of a panic.

use emend::Error;
use emend::store::Store;

#[test]
fn open_creates_a_missing_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/emend.db");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.path(), path);
    assert_eq!(store.stats().unwrap().articles, 0);
}

#[test]
fn a_second_opener_is_told_the_database_is_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let first = Store::open(dir.path()).unwrap();
    let err = Store::open(dir.path()).unwrap_err();
    match &err {
        Error::StoreInUse { path } => assert_eq!(path, dir.path()),
        other => panic!("expected StoreInUse, got {other:?}"),
    }
    assert!(err.to_string().contains("in use"));
    // Clones share the handle; dropping every clone releases the lock.
    let clone = first.clone();
    drop(first);
    assert!(matches!(
        Store::open(dir.path()),
        Err(Error::StoreInUse { .. })
    ));
    drop(clone);
    Store::open(dir.path()).unwrap();
}

#[test]
fn a_database_this_process_just_let_go_reopens_at_once() {
    // sled's I/O threads may drop their last handle (and the lock) just after the store:
    // a reopen right after a flush and a drop must not be told the database is in use.
    let dir = tempfile::tempdir().unwrap();
    for i in 0..100u32 {
        let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("reopen {i}: {e}"));
        store.flush().unwrap();
        drop(store);
    }
}

#[test]
fn another_process_holding_the_database_gives_in_use() {
    // Re-run this test binary as the holder: it opens the store and waits for stdin to close.
    if let Ok(path) = std::env::var("EMEND_STORE_TEST_HOLD") {
        let _store = Store::open(std::path::Path::new(&path)).unwrap();
        println!("held");
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).unwrap();
        return;
    }
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "another_process_holding_the_database_gives_in_use",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("EMEND_STORE_TEST_HOLD", dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("held") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "holder exited early");
    }
    let result = Store::open(dir.path());
    drop(child.stdin.take());
    child.wait().unwrap();
    assert!(
        matches!(result, Err(Error::StoreInUse { .. })),
        "got {result:?}"
    );
    Store::open(dir.path()).unwrap();
}

#[test]
fn a_file_where_the_directory_should_be_is_a_store_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not-a-dir");
    std::fs::write(&path, b"hello").unwrap();
    match Store::open(&path) {
        Err(Error::Store { path: p, .. }) => assert_eq!(p, path),
        other => panic!("expected Store error, got {other:?}"),
    }
}

#[test]
fn a_damaged_database_file_is_a_store_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let now = chrono::Utc::now();
        for i in 0..50 {
            store
                .ensure_article(&format!("https://a.test/{i}"), None, now)
                .unwrap();
        }
        store.flush().unwrap();
    }
    // Overwrite the data and the stored config with garbage.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            let len = std::fs::metadata(&p).unwrap().len().max(64) as usize;
            std::fs::write(&p, vec![0xA5; len]).unwrap();
        }
    }
    let result = std::panic::catch_unwind(|| Store::open(dir.path()).map(|s| s.stats()));
    let inner = result.expect("open must not panic");
    match inner {
        Err(Error::Store { .. }) => {}
        Ok(Err(Error::Store { .. } | Error::Corrupt { .. })) => {}
        other => panic!("expected a Store error, got {other:?}"),
    }
}
