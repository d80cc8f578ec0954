//! [`SqliteStore`]: the store contract over one SQLite file.

use crate::error::from_sqlite;
use crate::readers::Readers;
use crate::{schema, sql};
use rampart_store::{Batch, Expect, Item, Key, Op, Scan, Store, StoreError};
use rusqlite::{Connection, TransactionBehavior};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// A [`Store`] in one SQLite file (plus its `-wal` and `-shm` companions).
///
/// Commits run one at a time on the writer connection in `BEGIN IMMEDIATE` transactions and
/// are fsynced (`synchronous=FULL`, WAL) before `commit` returns. Reads use pooled reader
/// connections and see the last committed state. Several processes may open the same file:
/// the version sequence lives in the file, read inside each write transaction.
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
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
            writer: Mutex::new(writer),
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
        // A panic elsewhere cannot leave the connection mid-transaction: see below.
        let mut conn = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        if !conn.is_autocommit() {
            // A previous rollback failed (I/O error); clear it before starting anew.
            conn.execute_batch("ROLLBACK").map_err(from_sqlite)?;
        }
        // Dropping the transaction without `commit` rolls it back.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(from_sqlite)?;
        let version = sql::last_version(&tx)?
            .checked_add(1)
            .ok_or_else(|| StoreError::Corrupt("version sequence exhausted".into()))?;
        let mut versions = Vec::with_capacity(batch.ops.len());
        for op in &batch.ops {
            let key = op.key();
            let expect = op.expect();
            if expect != Expect::Any && !expect.is_met_by(sql::version(&tx, key)?) {
                return Err(StoreError::Conflict { key: key.clone() });
            }
            versions.push(match op {
                Op::Put { key, value, .. } => {
                    sql::put(&tx, key, version, value)?;
                    Some(version)
                }
                Op::Delete { key, .. } => {
                    sql::delete(&tx, key)?;
                    None
                }
                Op::Check { .. } => None,
            });
        }
        if batch.writes() {
            sql::set_last_version(&tx, version)?;
            tx.commit().map_err(from_sqlite)?;
            let mut marks = self
                .watermarks
                .tables
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            for op in batch
                .ops
                .iter()
                .filter(|op| !matches!(op, Op::Check { .. }))
            {
                let key = op.key();
                marks.insert((key.space.clone(), key.table.clone()), version);
            }
        }
        Ok(versions)
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
