//! KMS over the store: symmetric (AES-256-GCM), RSA, elliptic-curve (ECDSA, ECDH, Ed25519),
//! ML-DSA, ML-KEM and HMAC keys with their lifecycle, rotation, imported key material,
//! multi-Region replicas, key policies, grants, aliases, tags and descriptions, the
//! cryptographic operations over them (on other accounts' keys by ARN where AWS allows it) and
//! GetKeyLastUsage. [`run_due`] is the scheduler's entry point (due rotations, deletions,
//! expiries of imported material, and the flush of noted key uses). [`Keys`] is KMS as the
//! other services use it (`rampart_service::KeyService`), with the AWS managed keys
//! `alias/aws/<service>` it makes on first use.
//!
//! Key material lives in the store only sealed under the master key, bound to the key's ARN and
//! backing version. This crate must never put plaintext, data keys or key material in an error,
//! a log line or a `Debug` output, and never use a key for another caller without asking the
//! request's guard first.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

#[cfg(test)]
mod access_tests;
mod aliases;
mod asym_ops;
mod authz;
mod cache;
mod cks;
#[cfg(test)]
mod cks_tests;
mod crypto_ops;
mod errors;
mod events;
mod grants;
mod import;
mod key;
mod keys;
mod managed;
mod multi_region;
mod policy;
mod port;
#[cfg(test)]
mod port_tests;
mod resolve;
mod rotation;
mod spec;
mod tags;
#[cfg(test)]
mod tests;
mod token;
mod usage;

pub use keys::seed_key;
pub use port::Keys;
pub use rotation::{DueReport, run_due};

/// Registers every KMS operation this crate implements.
pub fn register(registry: &mut rampart_service::Registry) {
    keys::register(registry);
    crypto_ops::register(registry);
    asym_ops::register(registry);
    aliases::register(registry);
    tags::register(registry);
    policy::register(registry);
    grants::register(registry);
    rotation::register(registry);
    import::register(registry);
    multi_region::register(registry);
    cks::register(registry);
    usage::register(registry);
    usage::track(registry);
    registry.authorize("kms", authz::table);
}
