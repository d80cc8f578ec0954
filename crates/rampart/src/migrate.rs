//! `rampart migrate --store postgres://...`: brings a shared store's schema to this build's
//! version (creating it in an empty database) and exits, so an operator can upgrade the
//! schema once before rolling new nodes out. `rampart serve` runs the same migration at start.

use clap::Args;
use rampart_store_postgres::{Options, PostgresStore};

/// `rampart migrate`
#[derive(Args)]
pub struct MigrateArgs {
    /// The PostgreSQL URL of the shared store (postgres://user:password@host:port/db).
    #[arg(long, env = "RAMPART_STORE", hide_env_values = true)]
    store: String,
}

/// Migrates the store's schema and says what was done; a schema newer than this build, or an
/// unreachable database, is an error naming the database, never its password.
pub fn run(args: &MigrateArgs) -> Result<(), String> {
    if !is_postgres_url(&args.store) {
        return Err(
            "--store must be a PostgreSQL URL (postgres://...); the embedded store needs no \
             migration"
                .into(),
        );
    }
    let done = PostgresStore::migrate_database(&args.store, &Options::default())
        .map_err(|e| e.to_string())?;
    println!("rampart: {done}");
    Ok(())
}

/// Whether `url` names a PostgreSQL database (a URL or a `key=value` connection string).
fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://") || url.contains('=')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_postgres_urls_are_migrated() {
        assert!(is_postgres_url("postgres://u:p@h/db"));
        assert!(is_postgres_url("postgresql://h/db"));
        assert!(is_postgres_url("host=h dbname=db"));
        let err = run(&MigrateArgs {
            store: "./rampart-data".into(),
        })
        .unwrap_err();
        assert!(err.contains("PostgreSQL URL"), "{err}");
    }

    #[test]
    fn an_unreachable_database_is_a_clear_error_without_the_password() {
        let err = run(&MigrateArgs {
            store: "postgres://rampart:hunter2@127.0.0.1:1/rampart".into(),
        })
        .unwrap_err();
        assert!(err.contains("127.0.0.1"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
}
