//! The one error type of every store.

use crate::key::Key;
use std::fmt;

/// Why a store operation failed. Absence is not an error: `get` answers `Ok(None)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// An expectation of a batch was not met; nothing of the batch was applied.
    Conflict {
        /// The first key whose expectation failed.
        key: Key,
    },
    /// The backend cannot serve the request now (I/O error, busy, incompatible schema...).
    Unavailable(String),
    /// The stored data is damaged or is not a rampart store.
    Corrupt(String),
    /// A key part or a value exceeds its documented limit.
    ///
    /// Carries which part and its size rather than the offending data, so the message stays
    /// short and never echoes a value.
    TooLarge {
        /// `"space"`, `"table"`, `"id"`, `"value"` or `"lease"` (a lease name).
        part: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The limit in bytes.
        max: usize,
    },
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Conflict { key } => write!(f, "conflicting write on {key}"),
            StoreError::Unavailable(why) => write!(f, "store unavailable: {why}"),
            StoreError::Corrupt(why) => write!(f, "store corrupt: {why}"),
            StoreError::TooLarge { part, len, max } => {
                write!(f, "{part} is {len} bytes, the limit is {max}")
            }
        }
    }
}

impl std::error::Error for StoreError {}
