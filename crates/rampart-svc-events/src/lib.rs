//! EventBridge over the store (being built: issue 6): rules, targets, PutEvents and the
//! delivery of the events services emit (`rampart_service::EventBus`).
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
