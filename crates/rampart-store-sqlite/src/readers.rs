//! A bounded pool of reader connections, so reads never queue behind the writer.
//!
//! Readers are opened on demand up to [`MAX_READERS`]; past that, a read waits for one to be
//! returned, so a burst of blocking-pool threads cannot exhaust file descriptors.

use crate::error::from_sqlite;
use crate::schema::connect;
use rampart_store::StoreError;
use rusqlite::Connection;
use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// Most reader connections open at once.
pub(crate) const MAX_READERS: usize = 16;

/// Reader connections of one database file.
pub(crate) struct Readers {
    path: PathBuf,
    pool: Mutex<Pool>,
    returned: Condvar,
}

/// Idle connections, and how many exist in all (idle or lent out).
#[derive(Default)]
struct Pool {
    idle: Vec<Connection>,
    open: usize,
}

impl Readers {
    /// An empty pool for the database at `path`.
    pub(crate) fn new(path: PathBuf) -> Readers {
        Readers {
            path,
            pool: Mutex::new(Pool::default()),
            returned: Condvar::new(),
        }
    }

    /// Runs `read` on a pooled reader, then returns it to the pool.
    pub(crate) fn with<T>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let lent = Lent {
            readers: self,
            conn: Some(self.take()?),
        };
        match &lent.conn {
            Some(conn) => read(conn),
            None => Err(StoreError::Unavailable(
                "reader pool lost a connection".into(),
            )),
        }
    }

    /// Puts a connection back and wakes one waiting reader.
    fn give_back(&self, conn: Connection) {
        self.lock().idle.push(conn);
        self.returned.notify_one();
    }

    /// An idle reader, a new one while under the cap, or else the next one returned.
    fn take(&self) -> Result<Connection, StoreError> {
        let mut pool = self.lock();
        loop {
            if let Some(conn) = pool.idle.pop() {
                return Ok(conn);
            }
            if pool.open < MAX_READERS {
                pool.open += 1;
                drop(pool);
                let opened = self.open();
                if opened.is_err() {
                    self.lock().open -= 1;
                    self.returned.notify_one();
                }
                return opened;
            }
            pool = self
                .returned
                .wait(pool)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The pool; it holds no invariant a panic could break midway, so poison is ignored.
    fn lock(&self) -> MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens one more reader connection that refuses writes.
    fn open(&self) -> Result<Connection, StoreError> {
        let conn = connect(&self.path)?;
        conn.pragma_update(None, "query_only", true)
            .map_err(from_sqlite)?;
        Ok(conn)
    }
}

/// A connection lent out by the pool; it goes back even if the read panics.
struct Lent<'a> {
    readers: &'a Readers,
    conn: Option<Connection>,
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.readers.give_back(conn);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_concurrent_readers_share_at_most_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.db");
        drop(crate::schema::open_writer(&path).unwrap());
        let readers = Readers::new(path);
        std::thread::scope(|scope| {
            for _ in 0..(MAX_READERS * 3) {
                scope.spawn(|| {
                    for _ in 0..20 {
                        let n: i64 = readers
                            .with(|conn| {
                                conn.query_row("SELECT count(*) FROM kv", [], |row| row.get(0))
                                    .map_err(from_sqlite)
                            })
                            .unwrap();
                        assert_eq!(n, 0);
                    }
                });
            }
        });
        let pool = readers.lock();
        assert!(pool.open <= MAX_READERS);
        assert_eq!(pool.idle.len(), pool.open);
    }

    #[test]
    fn a_panicking_read_gives_its_connection_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.db");
        drop(crate::schema::open_writer(&path).unwrap());
        let readers = Readers::new(path);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            readers.with(|_| -> Result<(), StoreError> { panic!("read failed") })
        }));
        assert!(outcome.is_err());
        let pool = readers.lock();
        assert_eq!((pool.open, pool.idle.len()), (1, 1));
    }

    #[test]
    fn readers_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.db");
        drop(crate::schema::open_writer(&path).unwrap());
        let readers = Readers::new(path);
        let wrote = readers.with(|conn| conn.execute("DELETE FROM kv", []).map_err(from_sqlite));
        assert!(wrote.is_err());
    }
}
