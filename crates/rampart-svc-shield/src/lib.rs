//! Shield Advanced for rampart (botocore's `shield` model): the subscription, protections of
//! application load balancers, attacks and automatic application-layer mitigation. The ELBv2
//! data plane counts the requests that reach each protected load balancer through a
//! [`Monitor`]; the [`detector`] decides from the resource's baseline when a flood is an
//! attack; the attack is recorded (ListAttacks, DescribeAttack) and, when automatic response
//! is enabled, a rate-based rule with the configured action (Block or Count) is put into the
//! Shield-managed rule group on the resource's web ACL until the attack ends. Time is the
//! server's clock.
//!
//! This crate must never change a web ACL or rule group except through WAFv2's own operations
//! (as the resource owner's root on Shield's authority), protect a resource of another
//! account, or keep state outside the store beyond the monitor's counters.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod attacks;
mod authz;
pub mod detector;
mod errors;
mod ids;
mod monitor;
mod other;
mod protections;
mod records;
mod subscription;
#[cfg(test)]
mod tests;
mod waf;

pub use monitor::Monitor;

use rampart_service::{Duty, Env, Registry};

/// Adds the service's operations and its authorization table to `registry`.
pub fn register(registry: &mut Registry) {
    subscription::register(registry);
    protections::register(registry);
    attacks::register(registry);
    other::register(registry);
    registry.authorize("shield", authz::table);
}

/// The service's scheduled work (none: the data plane's monitor flushes with its own loop).
pub fn duties(_env: &Env) -> Vec<Duty> {
    Vec::new()
}
