//! AWS Organizations: the organization, its roots, OUs and accounts, and the SCPs and RCPs that
//! govern every request of member accounts.
//!
//! rampart hosts one organization, created by the server's management account; its structure
//! is one record and each policy's content another, in the system space ([`model`]). What the
//! pipeline needs on every request, an account's [`Standing`], is computed from a view cached
//! by the tables' watermarks ([`view`]), so a change applies to the very next request.
//!
//! Every operation of the model is served; GovCloud accounts and billing responsibility
//! transfers answer as AWS does when no GovCloud pairing or second organization exists
//! ([`transfers`]). Only the management account changes the organization; delegated administrators
//! read it, and the delegation policy ([`resource_policy`]) opens reads and policy management to
//! the member accounts it names.

mod access_report;
mod accounts;
mod authz;
mod common;
mod delegation;
mod effective;
mod errors;
mod handshakes;
mod model;
mod policies;
mod resource_policy;
mod root_access;
mod structure;
mod tags;
mod transfers;
mod units;
mod view;

pub(crate) use access_report::scp_levels;
pub(crate) use root_access::{register_iam as register_root_access, root_session_target};

use rampart_policy::Policy;
use rampart_service::{Env, Registry};
use rampart_store::StoreError;
use rampart_types::AccountId;
use std::sync::Arc;

/// Where an account stands in the organization, for authorization.
#[derive(Debug, Default)]
pub struct Standing {
    /// The organization's id (`o-...`), for `aws:PrincipalOrgID` / `aws:ResourceOrgID`.
    pub org_id: Option<String>,
    /// The account's OU path (`o-a1b2/r-ab12/ou-ab12-1/`), for `aws:PrincipalOrgPaths`.
    pub org_path: Option<String>,
    /// Whether it is the management account (exempt from SCPs and RCPs).
    pub management: bool,
    /// The SCPs attached at each level from the root down to the account; empty when SCPs are
    /// not enabled or the account is in no organization.
    pub scp_levels: Vec<Vec<Policy>>,
    /// The customer RCPs at each level from the root down to the account.
    pub rcp_levels: Vec<Vec<Policy>>,
}

/// Where `account` stands: outside any organization, every level is empty. Cheap when nothing
/// changed since the last call (a watermark comparison and a hash lookup).
pub fn standing(env: &Env, account: &AccountId) -> Result<Arc<Standing>, StoreError> {
    view::standing_in(env, account)
}

/// Registers the Organizations operations and their authorization table.
pub(crate) fn register(registry: &mut Registry) {
    structure::register(registry);
    units::register(registry);
    accounts::register(registry);
    policies::register(registry);
    delegation::register(registry);
    effective::register(registry);
    tags::register(registry);
    resource_policy::register(registry);
    handshakes::register(registry);
    transfers::register(registry);
    registry.authorize("organizations", authz::table);
}

#[cfg(test)]
mod tests;
