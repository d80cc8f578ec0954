//! Range reads within one (space, table).

use crate::error::StoreError;
use crate::key::{MAX_ID_LEN, check_len, check_names};

/// A range read within one (space, table): the ids starting with `prefix`, ordered by their
/// bytes (descending when `reverse`), strictly after `start_after` in that order (so, when
/// `reverse`, strictly before it), at most `limit` of them. A `limit` of 0 reads nothing.
///
/// One scan is a consistent snapshot: it never shows half of a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// Only ids starting with these bytes.
    pub prefix: String,
    /// Resume after this id (the last id of the previous page).
    pub start_after: Option<String>,
    /// At most this many items.
    pub limit: usize,
    /// Walk ids in descending order.
    pub reverse: bool,
}

impl Scan {
    /// Ascending ids starting with `prefix`, at most `limit` of them.
    pub fn new(prefix: impl Into<String>, limit: usize) -> Scan {
        Scan {
            prefix: prefix.into(),
            start_after: None,
            limit,
            reverse: false,
        }
    }

    /// Every id of the table, ascending.
    pub fn all() -> Scan {
        Scan::new("", usize::MAX)
    }

    /// Resumes after `id` (before it when reversed).
    pub fn after(mut self, id: impl Into<String>) -> Scan {
        self.start_after = Some(id.into());
        self
    }

    /// Walks ids in descending order.
    pub fn reversed(mut self) -> Scan {
        self.reverse = true;
        self
    }

    /// Refuses a scan of an over-long space or table, or with a prefix or cursor longer than
    /// any id can be.
    pub fn check_limits(&self, space: &str, table: &str) -> Result<(), StoreError> {
        check_names(space, table)?;
        check_len("id", self.prefix.len(), MAX_ID_LEN)?;
        match &self.start_after {
            Some(cursor) => check_len("id", cursor.len(), MAX_ID_LEN),
            None => Ok(()),
        }
    }
}
