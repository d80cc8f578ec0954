//! The storage trait.

use crate::batch::Batch;
use crate::error::StoreError;
use crate::key::{Item, Key};
use crate::key::{MAX_NAME_LEN, check_len};
use crate::lease::Lease;
use crate::scan::Scan;
use std::sync::Arc;
use std::time::Duration;

/// A versioned key-value store: the only way rampart services persist anything.
///
/// Versions come from one store-wide, strictly increasing commit sequence: every op of one
/// commit gets the same new version, so a deleted and re-created key never shows an old
/// version. Implementations are synchronous; services call them from a blocking pool.
///
/// Limits (refused with [`StoreError::TooLarge`]): id at most [`crate::MAX_ID_LEN`] bytes,
/// space and table at most [`crate::MAX_NAME_LEN`] bytes, value at most
/// [`crate::MAX_VALUE_LEN`] bytes.
pub trait Store: Send + Sync + 'static {
    /// The current value at `key`, or `None` when absent.
    fn get(&self, key: &Key) -> Result<Option<Item>, StoreError>;

    /// The items of one (space, table) that `scan` selects, in its order, as one snapshot.
    fn scan(&self, space: &str, table: &str, scan: &Scan) -> Result<Vec<Item>, StoreError>;

    /// Applies every op or none; an expectation not met → `Err(Conflict { key })` and nothing
    /// changes. Durable before it returns `Ok`. Returns, per op, the version each `Put`
    /// received (`None` for `Delete` and `Check`). A batch of checks only writes nothing.
    fn commit(&self, batch: Batch) -> Result<Vec<Option<u64>>, StoreError>;

    /// A watermark of (space, table): a number that only grows and moves with every commit that
    /// puts or deletes anything in the table (it may also move without a change, for example
    /// when the store is reopened). It is cheap (no I/O), so caches of derived data (resolved
    /// credentials, compiled policies) compare it on every use: a cache entry taken at
    /// watermark `w` is fresh while the watermark is still `w`. It covers commits made through
    /// this store handle and, for backends shared by several processes, those the backend has
    /// been notified of.
    fn watermark(&self, space: &str, table: &str) -> u64;

    /// Every (space, table) holding at least one item, sorted: with [`Store::scan`], a way to
    /// read the whole store (snapshots).
    fn tables(&self) -> Result<Vec<(String, String)>, StoreError>;

    /// Takes or renews the lease `name` for this store handle: the way nodes sharing a store
    /// agree on which one does cluster-wide work (scheduled duties). While one handle holds a
    /// lease, every other handle gets [`Lease::Elsewhere`]; the holder gets [`Lease::Held`] with
    /// a duration during which no other handle can hold it, counted from when the call began,
    /// and keeps it by calling again before that runs out. A lease ends when its holder
    /// [releases](Store::release) it or stops renewing it. Leases are not items: they never
    /// show in [`Store::tables`] or move a watermark. `name` is at most
    /// [`crate::MAX_NAME_LEN`] bytes.
    ///
    /// The default suits stores only one process opens (the embedded ones): that process is
    /// the only possible holder, so every lease is held, for ever. A store that several
    /// processes share must override it.
    fn lease(&self, name: &str) -> Result<Lease, StoreError> {
        check_len("lease", name.len(), MAX_NAME_LEN)?;
        Ok(Lease::Held(Duration::MAX))
    }

    /// Gives up the lease `name` if this handle holds it, so another can take it at once.
    fn release(&self, name: &str) -> Result<(), StoreError> {
        check_len("lease", name.len(), MAX_NAME_LEN)
    }
}

/// Makes each pointer to a store a store too, every method forwarded to the store it points to.
macro_rules! forward_store {
    ($($pointer:ident),+) => {$(
        impl<S: Store + ?Sized> Store for $pointer<S> {
            fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
                (**self).get(key)
            }
            fn scan(&self, space: &str, table: &str, scan: &Scan) -> Result<Vec<Item>, StoreError> {
                (**self).scan(space, table, scan)
            }
            fn commit(&self, batch: Batch) -> Result<Vec<Option<u64>>, StoreError> {
                (**self).commit(batch)
            }
            fn watermark(&self, space: &str, table: &str) -> u64 {
                (**self).watermark(space, table)
            }
            fn tables(&self) -> Result<Vec<(String, String)>, StoreError> {
                (**self).tables()
            }
            fn lease(&self, name: &str) -> Result<Lease, StoreError> {
                (**self).lease(name)
            }
            fn release(&self, name: &str) -> Result<(), StoreError> {
                (**self).release(name)
            }
        }
    )+};
}

forward_store!(Arc, Box);
