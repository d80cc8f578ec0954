//! [`SqliteStore`]: the store contract over one SQLite file.

use crate::group::GroupCommitter;
use crate::readers::Readers;
use crate::{schema, sql};
use rampart_store::{Batch, Item, Key, Scan, Store, StoreError};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// A [`Store`] in one SQLite file (plus its `-wal` and `-shm` companions).
///
/// Commits run on the one writer connection in `BEGIN IMMEDIATE` transactions, several
/// concurrent batches sharing one transaction (group commit, see [`crate::group`]), and are
/// fsynced (`synchronous=FULL`, WAL) before `commit` returns. Reads use pooled reader
/// connections and see the last committed state. Several processes may open the same file:
/// the version sequence lives in the file, read inside each write transaction.
pub struct SqliteStore {
    path: PathBuf,
    committer: GroupCommitter,
    readers: Readers,
    watermarks: Watermarks,
}

/// Table watermarks for commits made through this handle. Tables not written since opening
/// share the version the store had at open: caches start empty then, so nothing is stale.
#[derive(Debug)]
struct Watermarks {
    at_open: u64,
    tables: Mutex<HashMap<(String, String), u64>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens the store at `path`, creating the file and its schema on first open.
    ///
    /// Fails with [`StoreError::Corrupt`] when the file is not a SQLite database or is one that
    /// is not a rampart store, and with [`StoreError::Unavailable`] when it cannot be opened or
    /// was written by a newer rampart (a newer schema version).
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        let writer = schema::open_writer(&path)?;
        let at_open = sql::last_version(&writer)?;
        Ok(SqliteStore {
            readers: Readers::new(path.clone()),
            path,
            committer: GroupCommitter::new(writer),
            watermarks: Watermarks {
                at_open,
                tables: Mutex::new(HashMap::new()),
            },
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Store for SqliteStore {
    fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        key.check_limits()?;
        self.readers.with(|conn| sql::get(conn, key))
    }

    fn scan(&self, space: &str, table: &str, scan: &Scan) -> Result<Vec<Item>, StoreError> {
        scan.check_limits(space, table)?;
        self.readers
            .with(|conn| sql::scan(conn, space, table, scan))
    }

    fn commit(&self, batch: Batch) -> Result<Vec<Option<u64>>, StoreError> {
        batch.check_limits()?;
        if batch.ops.is_empty() {
            return Ok(Vec::new());
        }
        self.committer.commit(batch, |written| {
            let mut marks = self
                .watermarks
                .tables
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            marks.extend(written);
        })
    }

    fn tables(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.readers.with(sql::tables)
    }

    fn watermark(&self, space: &str, table: &str) -> u64 {
        let marks = self
            .watermarks
            .tables
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        marks
            .get(&(space.to_owned(), table.to_owned()))
            .copied()
            .unwrap_or(self.watermarks.at_open)
    }
}
