//! rampart's cryptography, pure: no I/O, no clock, no logging.
//!
//! Today it holds the root of trust, the [`MasterKey`] that seals every secret rampart keeps at
//! rest (secret access keys, later KMS key material and secret values). It must never expose key
//! bytes through `Debug`, errors or anything else, and it zeroizes them on drop.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod master_key;
mod random;

pub use master_key::{MasterKey, MasterKeyError, SealError};
pub use random::{random_bytes, random_token, random_uuid};
