//! Opening, reopening and refusing files that are not (or not yet) rampart stores.
#![allow(missing_docs)]

use rampart_store::{Batch, Key, Scan, Store, StoreError};
use rampart_store_sqlite::SqliteStore;

fn key(id: &str) -> Key {
    Key::new("system", "t", id)
}

#[test]
fn reopen_after_clean_close_keeps_everything_and_the_version_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let last = {
        let store = SqliteStore::open(&path).unwrap();
        store
            .commit(Batch::new().put(key("a"), "1").put(key("b"), "2"))
            .unwrap();
        store.commit(Batch::new().delete(key("b"))).unwrap();
        store.commit(Batch::new().put(key("c"), "3")).unwrap()[0].unwrap()
    };
    let store = SqliteStore::open(&path).unwrap();
    let items = store.scan("system", "t", &Scan::all()).unwrap();
    let got: Vec<(&str, &[u8])> = items
        .iter()
        .map(|item| (item.key.id.as_str(), item.value.as_slice()))
        .collect();
    assert_eq!(got, vec![("a", &b"1"[..]), ("c", &b"3"[..])]);
    assert_eq!(store.get(&key("c")).unwrap().unwrap().version, last);
    let next = store.commit(Batch::new().put(key("d"), "4")).unwrap()[0].unwrap();
    assert!(
        next > last,
        "the sequence continues after reopen: {next} > {last}"
    );
}

#[test]
fn two_handles_on_one_file_share_the_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let first = SqliteStore::open(&path).unwrap();
    let second = SqliteStore::open(&path).unwrap();
    let a = first.commit(Batch::new().put(key("a"), "1")).unwrap()[0].unwrap();
    let b = second.commit(Batch::new().put(key("b"), "2")).unwrap()[0].unwrap();
    assert!(b > a);
    assert_eq!(first.get(&key("b")).unwrap().unwrap().version, b);
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_as_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    std::fs::write(&path, vec![0x42; 8192]).unwrap();
    match SqliteStore::open(&path) {
        Err(StoreError::Corrupt(why)) => {
            assert!(why.contains("store.db"), "{why}");
            assert!(why.contains("not a database"), "{why}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn a_damaged_header_is_refused_as_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        store.commit(Batch::new().put(key("a"), "1")).unwrap();
    }
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[..16].copy_from_slice(b"definitely-not!!");
    std::fs::write(&path, bytes).unwrap();
    assert!(matches!(
        SqliteStore::open(&path),
        Err(StoreError::Corrupt(_))
    ));
}

#[test]
fn another_applications_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE notes (body TEXT)")
        .unwrap();
    drop(conn);
    match SqliteStore::open(&path) {
        Err(StoreError::Corrupt(why)) => assert!(why.contains("not a rampart store"), "{why}"),
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn a_newer_schema_version_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    drop(SqliteStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    match SqliteStore::open(&path) {
        Err(StoreError::Unavailable(why)) => {
            assert!(why.contains("99"), "{why}");
            assert!(why.contains("newer"), "{why}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[test]
fn a_missing_directory_is_unavailable_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/dir/store.db");
    match SqliteStore::open(&path) {
        Err(StoreError::Unavailable(why)) => assert!(why.contains("store.db"), "{why}"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[test]
fn debug_names_the_file_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("store.db")).unwrap();
    store.commit(Batch::new().put(key("a"), "hunter2")).unwrap();
    let shown = format!("{store:?}");
    assert!(
        shown.contains("store.db") && !shown.contains("hunter2"),
        "{shown}"
    );
}

#[test]
fn reads_do_not_wait_for_a_writer_and_never_see_uncommitted_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = SqliteStore::open(&path).unwrap();
    let v = store.commit(Batch::new().put(key("a"), "old")).unwrap()[0].unwrap();
    // Another connection holds the write lock with an uncommitted change to the same row.
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute_batch("BEGIN IMMEDIATE; UPDATE kv SET value = x'6e6577', version = 999;")
        .unwrap();
    let item = store.get(&key("a")).unwrap().unwrap();
    assert_eq!((item.version, item.value.as_slice()), (v, &b"old"[..]));
    assert_eq!(store.scan("system", "t", &Scan::all()).unwrap().len(), 1);
    other.execute_batch("ROLLBACK").unwrap();
}
