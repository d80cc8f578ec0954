//! The tables of the store, created and upgraded by [`migrate`].
//!
//! Key parts are `bytea`, so ids order by their bytes whatever the database's collation and
//! any UTF-8 (even NUL) is stored as is. The store-wide version is a one-row counter rather
//! than a SEQUENCE: a sequence hands out numbers outside transactions, so versions would have
//! gaps and could commit out of order; the counter row is also the writers' lock.

use crate::error::from_pg;
use crate::pool::Conn;
use rampart_store::StoreError;

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i32 = 1;

/// The advisory lock that serializes migrations of one database ("rampart" in ASCII).
const MIGRATION_LOCK: i64 = 0x72_61_6d_70_61_72_74;

const CREATE: &str = "
    CREATE TABLE rampart_schema (
        one     boolean PRIMARY KEY DEFAULT true CHECK (one),
        version integer NOT NULL
    );
    CREATE TABLE rampart_version (
        one  boolean PRIMARY KEY DEFAULT true CHECK (one),
        last bigint  NOT NULL
    );
    INSERT INTO rampart_version (last) VALUES (0);
    CREATE TABLE rampart_items (
        space   bytea  NOT NULL,
        tbl     bytea  NOT NULL,
        id      bytea  NOT NULL,
        version bigint NOT NULL,
        value   bytea  NOT NULL,
        PRIMARY KEY (space, tbl, id)
    );
";

/// Creates the schema in an empty database, or checks that the existing one is this build's.
///
/// Safe to run from several nodes at once (an advisory lock serializes them). A schema newer
/// than [`SCHEMA_VERSION`] is refused with [`StoreError::Unavailable`]: run a newer rampart.
pub(crate) fn migrate(conn: &mut Conn) -> Result<(), StoreError> {
    let failed = |err: postgres::Error| from_pg(&err, "cannot migrate the store schema");
    let mut tx = conn.client.transaction().map_err(failed)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(failed)?;
    let exists: bool = tx
        .query_one("SELECT to_regclass('rampart_schema') IS NOT NULL", &[])
        .and_then(|row| row.try_get(0))
        .map_err(failed)?;
    if !exists {
        tx.batch_execute(CREATE).map_err(failed)?;
        tx.execute(
            "INSERT INTO rampart_schema (version) VALUES ($1)",
            &[&SCHEMA_VERSION],
        )
        .map_err(failed)?;
    } else {
        let found: Option<i32> = tx
            .query_opt("SELECT version FROM rampart_schema WHERE one", &[])
            .and_then(|row| row.map(|row| row.try_get(0)).transpose())
            .map_err(failed)?;
        match found {
            Some(SCHEMA_VERSION) => {}
            Some(newer) if newer > SCHEMA_VERSION => {
                return Err(StoreError::Unavailable(format!(
                    "store schema version {newer} is newer than this rampart supports \
                     ({SCHEMA_VERSION}); run a newer rampart"
                )));
            }
            other => {
                return Err(StoreError::Corrupt(format!(
                    "unknown store schema version {other:?}"
                )));
            }
        }
    }
    tx.commit().map_err(failed)
}
