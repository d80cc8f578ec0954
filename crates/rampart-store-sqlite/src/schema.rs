//! Opening connections and creating or checking the schema.
//!
//! The data lives in a rowid table with a unique (space, tbl, id) key rather than a
//! `WITHOUT ROWID` table, because values can reach 4 MiB and SQLite advises `WITHOUT ROWID`
//! only for small rows. Parts of keys are stored as BLOBs so ranges compare by bytes and a
//! prefix maps to a plain index range.

use crate::error::from_sqlite;
use rampart_store::StoreError;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::Path;
use std::time::Duration;

/// The schema version this build writes and understands (`PRAGMA user_version`).
pub(crate) const SCHEMA_VERSION: i64 = 1;
/// Marks a SQLite file as a rampart store (`PRAGMA application_id`, "RPST").
const APPLICATION_ID: i64 = 0x5250_5354;
/// How long a connection waits for a lock held by another before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

const CREATE: &str = "
    CREATE TABLE kv (
        space   BLOB    NOT NULL,
        tbl     BLOB    NOT NULL,
        id      BLOB    NOT NULL,
        version INTEGER NOT NULL,
        value   BLOB    NOT NULL,
        PRIMARY KEY (space, tbl, id)
    );
    CREATE TABLE seq (
        only INTEGER PRIMARY KEY CHECK (only = 1),
        last INTEGER NOT NULL
    );
    INSERT INTO seq (only, last) VALUES (1, 0);
";

/// Opens a connection with the settings every connection of the store shares.
pub(crate) fn connect(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| opening(path, e))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| opening(path, e))?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(|e| opening(path, e))?;
    Ok(conn)
}

/// Opens the writer connection: WAL mode, schema created on first open and checked after.
pub(crate) fn open_writer(path: &Path) -> Result<Connection, StoreError> {
    let mut conn = connect(path)?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(|e| opening(path, e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Unavailable(format!(
            "{}: SQLite refused WAL mode (got {mode})",
            path.display()
        )));
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| opening(path, e))?;
    let version: i64 = tx
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|e| opening(path, e))?;
    let app: i64 = tx
        .pragma_query_value(None, "application_id", |row| row.get(0))
        .map_err(|e| opening(path, e))?;
    if version == 0 && app == 0 {
        let objects: i64 = tx
            .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
            .map_err(|e| opening(path, e))?;
        if objects != 0 {
            return Err(not_ours(path));
        }
        tx.execute_batch(CREATE).map_err(|e| opening(path, e))?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(|e| opening(path, e))?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(|e| opening(path, e))?;
    } else if app != APPLICATION_ID {
        return Err(not_ours(path));
    } else if version > SCHEMA_VERSION {
        return Err(StoreError::Unavailable(format!(
            "{}: store schema version {version} is newer than this rampart supports \
             ({SCHEMA_VERSION}); run a newer rampart",
            path.display()
        )));
    } else if version != SCHEMA_VERSION {
        return Err(StoreError::Corrupt(format!(
            "{}: unknown store schema version {version}",
            path.display()
        )));
    }
    tx.commit().map_err(|e| opening(path, e))?;
    Ok(conn)
}

fn not_ours(path: &Path) -> StoreError {
    StoreError::Corrupt(format!(
        "{} is a SQLite database but not a rampart store",
        path.display()
    ))
}

/// An opening error, naming the file.
fn opening(path: &Path, err: rusqlite::Error) -> StoreError {
    match from_sqlite(err) {
        StoreError::Corrupt(why) => StoreError::Corrupt(format!(
            "{} is not a usable rampart store: {why}",
            path.display()
        )),
        StoreError::Unavailable(why) => {
            StoreError::Unavailable(format!("cannot open {}: {why}", path.display()))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_is_wal_with_full_sync_and_versioned_schema() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open_writer(&dir.path().join("s.db")).unwrap();
        let pragma = |name: &str| -> String {
            conn.pragma_query_value(None, name, |row| row.get::<_, rusqlite::types::Value>(0))
                .map(|value| format!("{value:?}"))
                .unwrap()
        };
        assert_eq!(pragma("journal_mode"), "Text(\"wal\")");
        // 2 is FULL: the WAL is fsynced at every commit.
        assert_eq!(pragma("synchronous"), "Integer(2)");
        assert_eq!(pragma("user_version"), format!("Integer({SCHEMA_VERSION})"));
        assert_eq!(
            pragma("application_id"),
            format!("Integer({APPLICATION_ID})")
        );
        assert_eq!(pragma("busy_timeout"), "Integer(10000)");
    }
}
