//! The tables of the store, created and upgraded by [`migrate`].
//!
//! Key parts are `bytea`, so ids order by their bytes whatever the database's collation and
//! any UTF-8 (even NUL) is stored as is. The store-wide version is a one-row counter rather
//! than a SEQUENCE: a sequence hands out numbers outside transactions, so versions would have
//! gaps and could commit out of order; the counter row is also the writers' lock.
//!
//! Version 2 adds `rampart_leases` (see [`crate::PostgresStore`]'s leases). Each version's
//! steps run in order from the stored version, so any older schema is brought up to date.

use crate::error::from_pg;
use crate::pool::Conn;
use rampart_store::StoreError;

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i32 = 2;

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

/// The steps from each version to the next: `UPGRADES[v - 1]` takes version `v` to `v + 1`.
const UPGRADES: [&str; 1] = ["
    CREATE TABLE rampart_leases (
        name    text        PRIMARY KEY,
        holder  text        NOT NULL,
        expires timestamptz NOT NULL
    );
"];

/// Creates the schema in an empty database, upgrades an older one, or checks that the
/// existing one is this build's.
///
/// Safe to run from several nodes at once (an advisory lock serializes them). A schema newer
/// than [`SCHEMA_VERSION`] is refused with [`StoreError::Unavailable`]: run a newer rampart.
pub(crate) fn migrate(conn: &mut Conn) -> Result<Migration, StoreError> {
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
        tx.execute("INSERT INTO rampart_schema (version) VALUES (1)", &[])
            .map_err(failed)?;
    }
    let found: Option<i32> = tx
        .query_opt("SELECT version FROM rampart_schema WHERE one", &[])
        .and_then(|row| row.map(|row| row.try_get(0)).transpose())
        .map_err(failed)?;
    let migration = match found {
        Some(SCHEMA_VERSION) if exists => Migration::Current,
        Some(older) if (1..=SCHEMA_VERSION).contains(&older) => {
            for step in UPGRADES
                .iter()
                .skip(usize::try_from(older - 1).unwrap_or(0))
            {
                tx.batch_execute(step).map_err(failed)?;
            }
            tx.execute(
                "UPDATE rampart_schema SET version = $1 WHERE one",
                &[&SCHEMA_VERSION],
            )
            .map_err(failed)?;
            if exists {
                Migration::Upgraded { from: older }
            } else {
                Migration::Created
            }
        }
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
    };
    tx.commit().map_err(failed)?;
    Ok(migration)
}

/// What [`migrate`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Migration {
    /// The database was empty: the schema was created.
    Created,
    /// The schema was at version `from` and was upgraded to [`SCHEMA_VERSION`].
    Upgraded {
        /// The version found.
        from: i32,
    },
    /// The schema was already this build's.
    Current,
}

impl std::fmt::Display for Migration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Migration::Created => write!(f, "created the store schema (version {SCHEMA_VERSION})"),
            Migration::Upgraded { from } => write!(
                f,
                "upgraded the store schema from version {from} to {SCHEMA_VERSION}"
            ),
            Migration::Current => {
                write!(f, "the store schema is current (version {SCHEMA_VERSION})")
            }
        }
    }
}
