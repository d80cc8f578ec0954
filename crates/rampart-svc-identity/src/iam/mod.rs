//! AWS Identity and Access Management: users, access keys, inline and managed policies.
//!
//! IAM is global: every record lives in the account's space (`space::account`). A user record
//! carries its inline policies, its attached policy ARNs and its access key ids, so everything
//! that decides a user's permissions is read from one table (plus the customer managed
//! policies' table).

mod authz;
mod errors;
mod inline;
mod keys;
mod managed;
mod names;
mod paging;
mod records;
mod users;
mod versions;

pub(crate) use managed::catalogue_arn;
pub(crate) use records::{POLICY_TABLE, USER_TABLE, get_policy, get_user};

use rampart_service::Registry;

/// Registers the IAM operations.
pub(crate) fn register(registry: &mut Registry) {
    users::register(registry);
    keys::register(registry);
    inline::register(registry);
    managed::register(registry);
    versions::register(registry);
    registry.authorize("iam", authz::table);
}

#[cfg(test)]
mod tests;
