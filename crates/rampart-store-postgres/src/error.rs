//! Mapping PostgreSQL's errors onto [`StoreError`].

use postgres::error::SqlState;
use rampart_store::StoreError;

/// The store error for a PostgreSQL error met while doing `what`.
///
/// A lost or refused connection is `Unavailable` and says the database is unreachable; server
/// errors keep their SQLSTATE and primary message only (never the detail, which can quote
/// row contents).
pub(crate) fn from_pg(err: &postgres::Error, what: &str) -> StoreError {
    match err.as_db_error() {
        Some(db) if *db.code() == SqlState::UNDEFINED_TABLE => StoreError::Corrupt(format!(
            "{what}: the rampart tables are missing ({})",
            db.message()
        )),
        Some(db) => StoreError::Unavailable(format!(
            "{what}: PostgreSQL error {}: {}",
            db.code().code(),
            db.message()
        )),
        None => {
            // The client's message is generic ("error connecting to server"); the cause
            // (connection refused, timed out, TLS) is in its source.
            let cause = std::error::Error::source(err)
                .map(|cause| format!(" ({cause})"))
                .unwrap_or_default();
            StoreError::Unavailable(format!("{what}: database unreachable: {err}{cause}"))
        }
    }
}

/// Whether a transaction that failed with `err` can simply run again: a serialization
/// failure or a deadlock victim. Nothing of it was applied.
pub(crate) fn is_retryable(err: &postgres::Error) -> bool {
    matches!(
        err.code(),
        Some(code) if *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
    )
}

/// Whether `err` means the connection is gone (so it must not go back to the pool).
pub(crate) fn is_connection_lost(err: &postgres::Error) -> bool {
    err.is_closed()
        || err.as_db_error().is_none()
        || matches!(err.code(), Some(code) if code.code().starts_with("08")
            || code.code().starts_with("57P"))
}
