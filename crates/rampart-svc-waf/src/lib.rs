//! The WAFv2 control plane over the store (being built: issue 7); the rules it stores are
//! evaluated by the pure `rampart-waf` engine.
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
