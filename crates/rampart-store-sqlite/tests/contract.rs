//! The store contract suite, run against SQLite files in temporary directories.
#![allow(missing_docs)]

use rampart_store_sqlite::SqliteStore;
use std::ops::Deref;
use tempfile::TempDir;

/// A store in its own temporary directory, removed after the store is closed.
struct Scratch {
    store: SqliteStore,
    _dir: TempDir,
}

impl Deref for Scratch {
    type Target = SqliteStore;
    fn deref(&self) -> &SqliteStore {
        &self.store
    }
}

fn scratch() -> Scratch {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("store.db")).unwrap();
    Scratch { store, _dir: dir }
}

rampart_store::contract_tests!(scratch);
