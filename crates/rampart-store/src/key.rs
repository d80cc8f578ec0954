//! Keys, stored items and the size limits every backend enforces.

use crate::error::StoreError;
use std::fmt;

/// Longest id, in bytes (UTF-8), a key may have.
pub const MAX_ID_LEN: usize = 1024;
/// Longest space or table name, in bytes (UTF-8).
pub const MAX_NAME_LEN: usize = 256;
/// Largest value, in bytes, a put may store (4 MiB).
pub const MAX_VALUE_LEN: usize = 4 * 1024 * 1024;

/// Where a value lives: a space (e.g. `acct/123456789012/us-east-1`, `acct/123456789012` for
/// global services such as IAM, `system`), a table (`iam.user`), and an id within the table.
///
/// Any UTF-8 is allowed in each part (including `/`, `%` and the empty string); ids order by
/// their bytes. Limits: id at most [`MAX_ID_LEN`] bytes, space and table at most
/// [`MAX_NAME_LEN`] bytes each; longer keys are refused with [`StoreError::TooLarge`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// The space: an account, an account and region, or `system`.
    pub space: String,
    /// The table within the space, such as `iam.user`.
    pub table: String,
    /// The id within the table.
    pub id: String,
}

impl Key {
    /// A key from its three parts.
    pub fn new(space: impl Into<String>, table: impl Into<String>, id: impl Into<String>) -> Key {
        Key {
            space: space.into(),
            table: table.into(),
            id: id.into(),
        }
    }

    /// Refuses a key whose parts exceed the documented limits.
    pub fn check_limits(&self) -> Result<(), StoreError> {
        check_names(&self.space, &self.table)?;
        check_len("id", self.id.len(), MAX_ID_LEN)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}|{}|{}", self.space, self.table, self.id)
    }
}

/// Refuses a space or table name longer than [`MAX_NAME_LEN`].
pub(crate) fn check_names(space: &str, table: &str) -> Result<(), StoreError> {
    check_len("space", space.len(), MAX_NAME_LEN)?;
    check_len("table", table.len(), MAX_NAME_LEN)
}

/// Refuses a length above its limit.
pub(crate) fn check_len(part: &'static str, len: usize, max: usize) -> Result<(), StoreError> {
    if len > max {
        Err(StoreError::TooLarge { part, len, max })
    } else {
        Ok(())
    }
}

/// A stored value with its version.
///
/// `Debug` shows the value's length only: values may hold (encrypted) secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct Item {
    /// Where the value lives.
    pub key: Key,
    /// The version of the commit that last wrote this key.
    pub version: u64,
    /// The stored bytes.
    pub value: Vec<u8>,
}

impl fmt::Debug for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Item")
            .field("key", &self.key)
            .field("version", &self.version)
            .field("value_len", &self.value.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_inclusive() {
        let at = Key::new("s", "t", "a".repeat(MAX_ID_LEN));
        assert!(at.check_limits().is_ok());
        let over = Key::new("s", "t", "a".repeat(MAX_ID_LEN + 1));
        assert!(matches!(
            over.check_limits(),
            Err(StoreError::TooLarge { part: "id", .. })
        ));
        let space = Key::new("s".repeat(MAX_NAME_LEN + 1), "t", "");
        assert!(matches!(
            space.check_limits(),
            Err(StoreError::TooLarge { part: "space", .. })
        ));
        let table = Key::new("s", "t".repeat(MAX_NAME_LEN + 1), "");
        assert!(matches!(
            table.check_limits(),
            Err(StoreError::TooLarge { part: "table", .. })
        ));
    }

    #[test]
    fn id_limit_counts_bytes_not_chars() {
        let key = Key::new("s", "t", "é".repeat(MAX_ID_LEN / 2 + 1));
        assert!(key.check_limits().is_err());
    }

    #[test]
    fn debug_hides_the_value() {
        let item = Item {
            key: Key::new("s", "t", "i"),
            version: 3,
            value: b"hunter2".to_vec(),
        };
        let shown = format!("{item:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("value_len: 7"), "{shown}");
    }
}
