//! AWS Identity and Access Management: users, roles, access keys, inline and managed policies.
//!
//! IAM is global: every record lives in the account's space (`space::account`). A user or role
//! record carries its inline policies, its attached policy ARNs, its boundary and tags (a user's
//! also its access key ids and group names), so what decides a principal's permissions is read
//! from its record, its groups' records and the customer managed policies' table.

mod account;
mod authz;
mod certificates;
mod delegation;
mod details;
mod entity;
mod errors;
mod grants;
mod groups;
mod held;
mod keys;
mod login;
mod managed;
mod mfa;
mod names;
mod org_report;
mod paging;
mod passwords;
mod profiles;
mod properties;
mod providers;
mod records;
mod report;
mod role_templates;
mod roles;
mod server_certificate_access;
mod service_credentials;
mod simulate;
mod ssh_keys;
mod tags;
mod users;
mod versions;

pub(crate) use delegation::get_delegated_access_token;
pub(crate) use errors::model_error;
pub use keys::import_access_key;
pub(crate) use managed::catalogue_arn;
pub(crate) use mfa::{MfaOwner, mfa_device_owner, verify_totp};
pub(crate) use passwords::ACCOUNT_TABLE;
pub(crate) use providers::{StoredOidcProvider, get_oidc_provider};
#[allow(unused_imports, reason = "the SAML federation reads them")]
pub(crate) use providers::{StoredSamlProvider, get_saml_provider};
pub(crate) use records::{
    GROUP_TABLE, POLICY_TABLE, ROLE_TABLE, StoredRole, StoredUser, USER_TABLE, get_group,
    get_policy, get_role, get_user,
};
pub(crate) use roles::{NewRole, create_role_record, note_role_used};
pub use server_certificate_access::IamServerCertificates;

use rampart_service::Registry;

/// Registers the IAM operations.
pub(crate) fn register(registry: &mut Registry) {
    users::register(registry);
    entity::register::<records::StoredUser>(registry, true);
    tags::register::<records::StoredUser>(registry);
    roles::register(registry);
    entity::register::<StoredRole>(registry, true);
    tags::register::<StoredRole>(registry);
    tags::register::<records::StoredPolicy>(registry);
    groups::register(registry);
    profiles::register(registry);
    passwords::register(registry);
    login::register(registry);
    mfa::register(registry);
    tags::register::<mfa::StoredMfa>(registry);
    providers::register(registry);
    account::register(registry);
    delegation::register(registry);
    properties::register(registry);
    crate::organizations::register_root_access(registry);
    crate::outbound::register_iam(registry);
    role_templates::register(registry);
    simulate::register(registry);
    report::register(registry);
    org_report::register(registry);
    details::register(registry);
    certificates::register(registry);
    service_credentials::register(registry);
    ssh_keys::register(registry);
    grants::register(registry);
    tags::register::<certificates::StoredServerCertificate>(registry);
    tags::register::<providers::StoredOidcProvider>(registry);
    tags::register::<providers::StoredSamlProvider>(registry);
    tags::register::<records::StoredProfile>(registry);
    entity::register::<records::StoredGroup>(registry, false);
    keys::register(registry);
    managed::register(registry);
    versions::register(registry);
    registry.authorize("iam", authz::table);
}

#[cfg(test)]
mod tests;
