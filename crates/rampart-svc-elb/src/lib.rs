//! ELBv2 (application load balancers) for rampart: the control plane subset a user needs to
//! put a load balancer in front of an app (load balancers, target groups, targets, listeners
//! HTTP and HTTPS with IAM server certificates and security policies, listener rules, tags;
//! botocore's `elbv2` model, awsQuery) and the data plane that makes it real: every listener
//! accepts HTTP (or terminates TLS) on its port, reads the whole request under slow-request
//! limits and a per-source request-rate limit (`RAMPART_DATA_PLANE_RATE_LIMIT`, default
//! 1000 requests/s with a burst of 2000; over it: 429), lets Shield's monitor count it (`rampart-svc-shield`), evaluates the web ACL
//! associated through WAFv2 (`rampart-svc-waf`, engine `rampart-waf`), then carries out the
//! first listener rule the request meets (forward to healthy targets, weighted across target
//! groups; fixed response; redirect), the default action last.
//!
//! This crate must never forward a request the web ACL did not allow, keep durable state
//! outside the store, put header values, bodies or token keys in logs or errors, or commit
//! to the store per proxied request (samples and rate-limited keys are batched).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod authz;
mod conditions;
mod data_plane;
mod errors;
mod inventory;
mod listener_certificates;
mod listeners;
mod load_balancers;
mod names;
mod paging;
mod records;
mod redirect;
mod rules;
mod ssl_policies;
mod tags;
mod target_groups;
#[cfg(test)]
mod tests;

pub use data_plane::{
    DATA_PLANE_ADDR_VAR, DATA_PLANE_RATE_LIMIT_VAR, DataPlane, GEO_DB_VAR, bind_address_from_env,
    start_data_plane,
};
pub use inventory::LoadBalancerInventory;

use rampart_service::{Duty, Env, Registry};

/// Adds the elbv2 operations and their authorization table to `registry`.
pub fn register(registry: &mut Registry) {
    load_balancers::register(registry);
    target_groups::register(registry);
    listeners::register(registry);
    rules::register(registry);
    listener_certificates::register(registry);
    ssl_policies::register(registry);
    tags::register(registry);
    registry.authorize("elbv2", authz::table);
}

/// The service's scheduled work (none: the data plane's tasks run on the async runtime).
pub fn duties(_env: &Env) -> Vec<Duty> {
    Vec::new()
}
