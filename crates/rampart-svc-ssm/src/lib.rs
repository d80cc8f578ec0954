//! SSM Parameter Store over the store (being built: issue 6). SecureString values are
//! encrypted with KMS keys through `Env::keys`; this crate must never put a decrypted value in
//! an error, a log line or a `Debug` output.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use rampart_service::{Duty, Env, Registry};

/// Adds the service's operations and its authorization table to `registry`.
pub fn register(_registry: &mut Registry) {}

/// The service's scheduled work, run over `env`.
pub fn duties(_env: &Env) -> Vec<Duty> {
    Vec::new()
}
