//! rampart's cryptography, pure: no I/O, no clock, no logging.
//!
//! It holds the root of trust, the [`MasterKey`] that seals every secret rampart keeps at rest
//! (secret access keys, session tokens, KMS key material and secret values), and in [`kms`] the
//! KMS cryptography: symmetric material and the ciphertext blob format, asymmetric keys (RSA,
//! ECDSA/ECDH, ML-DSA), HMAC and ML-KEM keys, and the wrapping of imported material, all over
//! aws-lc-rs. It must never expose key bytes through `Debug`, errors or anything else, and it
//! zeroizes them on drop.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod kms;
mod master_key;
mod random;

pub use master_key::{MasterKey, MasterKeyError, SealError};
pub use random::{random_bytes, random_token, random_uuid, uuid_from_bytes};
