//! The embedded default store: [`SqliteStore`], the [`rampart_store::Store`] contract over one
//! SQLite file in WAL mode with `synchronous=FULL`, so a commit is on disk before it returns.
//!
//! One writer connection (`BEGIN IMMEDIATE`; concurrent commits share a transaction and its
//! fsync, each batch still applied alone in its own savepoint) and a small pool of reader
//! connections, so reads never wait for a writer. This crate must never weaken
//! durability (no `synchronous=NORMAL`, no unsynced commits), never apply part of a batch, and
//! never put stored values in an error or log message.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod error;
mod group;
mod readers;
mod schema;
mod sql;
mod store;

pub use store::SqliteStore;
