//! The WAFv2 control plane over the store: IP sets, regex pattern sets, rule groups and web
//! ACLs with lock tokens, capacity checks, managed rule groups, associations with application
//! load balancers, logging configurations, tags and permission policies, speaking botocore's
//! `wafv2` model. Rules are parsed, validated, resolved and compiled by the pure engine
//! `rampart-waf` (one parser: the engine's); [`Evaluators`] hands the data plane the compiled
//! web ACL protecting a load balancer.
//!
//! This crate must never evaluate requests itself, keep state outside the store (but the
//! compiled-ACL cache, keyed by store watermarks), or put stored values in logs or errors
//! beyond the offending parameter AWS also echoes.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod associations;
mod authz;
mod config;
mod entity;
mod errors;
mod evaluator;
mod input;
mod ip_sets;
mod logging;
mod managed;
pub mod managed_by;
mod other;
mod policies;
mod references;
mod regex_sets;
mod resolver;
mod rule_groups;
mod scope;
mod tags;
#[cfg(test)]
mod tests;
mod traffic;
mod web_acls;

pub use associations::disassociate_resource;
pub use evaluator::{Evaluators, Protection, compile_for_resource};
pub use traffic::{
    SAMPLE_RETENTION_SECS, Sample, logging_configuration, record_limited_keys, record_samples,
};

use rampart_service::{Duty, Env, Registry};

/// Adds the service's operations and its authorization table to `registry`.
pub fn register(registry: &mut Registry) {
    ip_sets::register(registry);
    regex_sets::register(registry);
    rule_groups::register(registry);
    web_acls::register(registry);
    managed::register(registry);
    associations::register(registry);
    logging::register(registry);
    tags::register(registry);
    policies::register(registry);
    other::register(registry);
    registry.authorize("wafv2", authz::table);
}

/// The service's scheduled work, run over `env` (none: nothing in the control plane comes due).
pub fn duties(_env: &Env) -> Vec<Duty> {
    Vec::new()
}
