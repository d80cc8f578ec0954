//! AWS Organizations: the organization, its roots, OUs and accounts, and the SCPs and RCPs that
//! govern every request of member accounts.

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

/// Where `account` stands: outside any organization, every level is empty.
pub fn standing(env: &Env, account: &AccountId) -> Result<Arc<Standing>, StoreError> {
    Ok(Arc::new(Standing {
        management: *account == env.management_account,
        ..Standing::default()
    }))
}

/// Registers the Organizations operations.
pub(crate) fn register(registry: &mut Registry) {
    let _ = registry;
}
