//! The shared store: [`PostgresStore`], the [`rampart_store::Store`] contract over one
//! PostgreSQL database, so several rampart nodes can serve from the same data.
//!
//! Writers take one row lock (the store-wide version counter) first, so commits are
//! serialized, their versions are gap-free and follow commit order, and every expectation of a
//! batch is checked against the latest committed state. Watermarks are kept in memory and fed
//! by LISTEN/NOTIFY from every node; see [`PostgresStore`] for the freshness rule. With
//! `sslmode=require` in the URL, connections use TLS (rustls) and verify the server against
//! the system's roots plus [`Options::tls_root_cert`].
//!
//! Using it (what `rampart serve --store postgres://...` does):
//!
//! ```no_run
//! # fn main() -> Result<(), rampart_store::StoreError> {
//! use rampart_store_postgres::PostgresStore;
//! // Migrates (or checks) the schema and starts the listener; Unavailable if unreachable.
//! let store = PostgresStore::connect("postgres://rampart:secret@db.internal:5432/rampart")?;
//! let store: std::sync::Arc<dyn rampart_store::Store> = std::sync::Arc::new(store);
//! # drop(store); Ok(()) }
//! ```
//!
//! This crate must never apply part of a batch, never answer a watermark that may be stale
//! without moving it, and never put stored values or connection passwords in an error or log
//! message.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod error;
mod listener;
mod marks;
mod notice;
mod options;
mod pool;
mod scan;
mod schema;
mod store;
mod target;

pub use options::Options;
pub use schema::{Migration, SCHEMA_VERSION};
pub use store::PostgresStore;
