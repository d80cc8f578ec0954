//! Firewall Manager (botocore's `fms` model) for rampart: the organization's administrator
//! account and its WAFv2 policies, applied to the load balancers of every member account in
//! scope (work in progress).
//!
//! This crate must never change another account's resources except through the WAFv2
//! service's own operations on its authority, nor let any account but the administrator
//! manage policies.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use rampart_service::{Duty, Env, Registry};

/// Adds the service's operations and its authorization table to `registry`.
pub fn register(_registry: &mut Registry) {}

/// The service's scheduled work over `env`.
pub fn duties(_env: &Env) -> Vec<Duty> {
    Vec::new()
}
