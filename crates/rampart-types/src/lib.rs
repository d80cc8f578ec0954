//! Shared vocabulary of rampart: account ids, regions, partitions, ARNs and the clock.
//!
//! This crate is pure: it performs no I/O and never reads the system time except through
//! [`SystemClock`], which callers inject where they need "now". It must never depend on
//! an async runtime, a store or a service.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod arn;
mod clock;
mod ids;

pub use arn::{Arn, ArnError};
pub use clock::{AdjustableClock, Clock, FixedClock, SystemClock};
pub use ids::{AccountId, IdError, Partition, Region};
