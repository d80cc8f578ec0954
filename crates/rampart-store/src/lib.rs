//! The storage contract every rampart service sits on: a deliberately tiny, synchronous,
//! versioned key-value trait ([`Store`]), an in-memory backend ([`MemStore`]) for unit tests
//! of services, and (feature `testkit`) the contract test suite every backend must pass.
//!
//! This crate must never know about any service's data model, never log or print stored
//! values (they may hold encrypted secrets), and never let a batch apply partially.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod batch;
mod error;
mod key;
mod lease;
mod mem;
mod scan;
pub mod space;
mod store;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;

pub use batch::{Batch, Expect, Op};
pub use error::StoreError;
pub use key::{Item, Key, MAX_ID_LEN, MAX_NAME_LEN, MAX_VALUE_LEN};
pub use lease::{Leadership, Lease};
pub use mem::MemStore;
pub use scan::Scan;
pub use store::Store;
