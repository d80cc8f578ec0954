//! Firewall Manager (botocore's `fms` model) for rampart: the organization's administrator
//! account and its WAFV2 policies, applied to the application load balancers of every member
//! account in scope. Each in-scope account gets a web ACL named as AWS names it
//! (`FMManagedWebACLV2-<policy>-<timestamp>`, `ManagedByFirewallManager` true) whose
//! `PreProcessFirewallManagerRuleGroups` and `PostProcessFirewallManagerRuleGroups` hold the
//! policy's rule groups (the administrator's own rule groups, referred to by ARN, or managed
//! ones), run first and last around the account's own rules, associated with every load
//! balancer in scope, including ones created later (a duty reconciles every minute of the
//! server's clock); compliance is recorded per account. A policy deleted without
//! `DeleteAllPolicyResources` leaves its web ACLs on the load balancers, released: without its
//! rule groups, the accounts' own (so the administrator can delete the groups, which WAFv2
//! refuses while any account's web ACL uses them). Organizations data is read from its store
//! record ([`org`]), load balancers through the [`rampart_service::ResourceInventory`] port,
//! and web ACLs are changed only through `rampart_svc_waf::managed_by`.
//!
//! This crate must never change another account's resources except through the WAFv2
//! service's own operations on its authority, let any account but the administrator manage
//! policies, or let any account but the management account choose the administrator.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod admin;
mod apply;
mod authz;
mod compliance;
mod errors;
mod model;
mod org;
mod other;
mod policies;
#[cfg(test)]
mod tests;

pub use apply::reconcile;

use rampart_service::{Duty, Env, Registry};
use std::time::Duration;

/// Adds the service's operations and its authorization table to `registry`.
pub fn register(registry: &mut Registry) {
    admin::register(registry);
    policies::register(registry);
    compliance::register(registry);
    other::register(registry);
    registry.authorize("fms", authz::table);
}

/// The service's scheduled work: every minute, every policy is applied again (new load
/// balancers, new accounts).
pub fn duties(env: &Env) -> Vec<Duty> {
    let env = env.clone();
    vec![Duty {
        name: "firewall manager policies",
        every: Duration::from_secs(60),
        run: Box::new(move || {
            if let Err(e) = reconcile(&env) {
                tracing::warn!(error = %e.message, "firewall manager reconciliation failed");
            }
        }),
    }]
}
