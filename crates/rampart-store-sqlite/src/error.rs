//! Mapping SQLite's errors onto [`StoreError`].

use rampart_store::StoreError;
use rusqlite::ErrorCode;

/// The store error for a SQLite error: damage is `Corrupt`, everything else `Unavailable`.
pub(crate) fn from_sqlite(err: rusqlite::Error) -> StoreError {
    match &err {
        rusqlite::Error::SqliteFailure(failure, _)
            if matches!(
                failure.code,
                ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase
            ) =>
        {
            StoreError::Corrupt(err.to_string())
        }
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::IntegralValueOutOfRange(..)
        | rusqlite::Error::InvalidColumnType(..) => {
            StoreError::Corrupt(format!("unexpected stored data: {err}"))
        }
        _ => StoreError::Unavailable(err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damage_is_corrupt_and_busy_is_unavailable() {
        let damaged = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_NOTADB),
            None,
        );
        assert!(matches!(from_sqlite(damaged), StoreError::Corrupt(_)));
        let busy = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            None,
        );
        assert!(matches!(from_sqlite(busy), StoreError::Unavailable(_)));
    }
}
