//! The account as IAM sees it: its alias (CreateAccountAlias, DeleteAccountAlias,
//! ListAccountAliases; unique across the server, as across AWS), its STS token preference
//! (SetSecurityTokenServicePreferences) and GetAccountSummary (real counts and AWS's default
//! quotas).

use super::certificates::{SERVER_CERTIFICATE_TABLE, SERVER_CERTIFICATES_PER_ACCOUNT};
use super::entity::{POLICIES_PER_ENTITY, required};
use super::errors::{already_exists, no_such_entity, store_error, validation};
use super::groups::{GROUPS_PER_ACCOUNT, GROUPS_PER_USER};
use super::mfa::{MFA_TABLE, MfaOwner, StoredMfa};
use super::passwords::ACCOUNT_TABLE;
use super::profiles::PROFILES_PER_ACCOUNT;
use super::providers::{OIDC_TABLE, SAML_TABLE};
use super::records::{
    GROUP_TABLE, POLICY_TABLE, PROFILE_TABLE, ROLE_TABLE, StoredPolicy, StoredUser, USER_TABLE,
    get_record, list,
};
use super::roles::ROLES_PER_ACCOUNT;
use crate::access_keys::root_keys;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use rampart_store::{Batch, Expect, Key, Scan, space};
use rampart_types::AccountId;
use serde_json::{Map, Value, json};

/// Server-wide: which account holds each alias.
const ALIAS_TABLE: &str = "iam.account-alias";
const ALIAS_KEY: &str = "alias";
const TOKEN_VERSION_KEY: &str = "global-endpoint-token-version";
/// AWS's default quotas that GetAccountSummary reports.
const USERS_QUOTA: u64 = 5_000;
const POLICIES_QUOTA: u64 = 1_500;
const POLICY_VERSIONS_QUOTA: u64 = 10_000;

fn own_alias_key(account: &AccountId) -> Key {
    Key::new(space::account(account), ACCOUNT_TABLE, ALIAS_KEY.to_owned())
}

fn global_alias_key(alias: &str) -> Key {
    Key::new(space::SYSTEM, ALIAS_TABLE, alias.to_owned())
}

/// `^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`.
fn check_alias(alias: &str) -> Result<(), AwsError> {
    let bytes = alias.as_bytes();
    let edge = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let ok = (3..=63).contains(&bytes.len())
        && bytes.iter().all(|&b| edge(b) || b == b'-')
        && bytes.first().is_some_and(|&b| edge(b))
        && bytes.last().is_some_and(|&b| edge(b))
        && !alias.contains("--");
    if !ok {
        return Err(validation(format!(
            "1 validation error detected: Value '{alias}' at 'accountAlias' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){{1,61}}[a-z0-9]$"
        )));
    }
    Ok(())
}

/// The account's alias and its record's version.
fn own_alias(call: &Call<'_>) -> Result<Option<(String, u64)>, AwsError> {
    get_record(
        call.env.store.as_ref(),
        &own_alias_key(&call.principal.account),
    )
    .map_err(store_error)
}

/// Sets the alias, replacing the account's previous one (an account has at most one).
fn create_alias(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let alias = required(&input, "AccountAlias", "accountAlias")?.to_owned();
    check_alias(&alias)?;
    let store = call.env.store.as_ref();
    let account = call.principal.account.to_string();
    let global = global_alias_key(&alias);
    let holder: Option<(String, u64)> = get_record(store, &global).map_err(store_error)?;
    let taken = || already_exists(format!("The account alias {alias} already exists."));
    match holder {
        Some((owner, _)) if owner == account => return Ok(json!({})),
        Some(_) => return Err(taken()),
        None => {}
    }
    let encode = |v: &str| serde_json::to_vec(v).map_err(|_| rampart_service::internal_error());
    let mut batch = Batch::new().put_if(global, encode(&account)?, Expect::Absent);
    let own = own_alias_key(&call.principal.account);
    batch = match own_alias(call)? {
        Some((old, version)) => batch.delete_if(global_alias_key(&old), Expect::Any).put_if(
            own,
            encode(&alias)?,
            Expect::Version(version),
        ),
        None => batch.put_if(own, encode(&alias)?, Expect::Absent),
    };
    call.env.store.commit(batch).map_err(|e| match e {
        rampart_store::StoreError::Conflict { .. } => taken(),
        e => store_error(e),
    })?;
    Ok(json!({}))
}

fn delete_alias(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let alias = required(&input, "AccountAlias", "accountAlias")?.to_owned();
    check_alias(&alias)?;
    let Some((current, version)) = own_alias(call)?.filter(|(a, _)| *a == alias) else {
        return Err(no_such_entity(format!(
            "The account alias {alias} cannot be found."
        )));
    };
    let batch = Batch::new()
        .delete_if(
            own_alias_key(&call.principal.account),
            Expect::Version(version),
        )
        .delete_if(global_alias_key(&current), Expect::Any);
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(json!({}))
}

fn token_version_key(account: &AccountId) -> Key {
    Key::new(
        space::account(account),
        ACCOUNT_TABLE,
        TOKEN_VERSION_KEY.to_owned(),
    )
}

/// The version of the tokens the global STS endpoint issues (1: valid only in default
/// Regions, 2: in all Regions), as the account last set it.
fn token_version(call: &Call<'_>) -> Result<u64, AwsError> {
    let stored: Option<(u64, u64)> = get_record(
        call.env.store.as_ref(),
        &token_version_key(&call.principal.account),
    )
    .map_err(store_error)?;
    Ok(stored.map_or(1, |(v, _)| v))
}

fn set_sts_preferences(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let choice = required(
        &input,
        "GlobalEndpointTokenVersion",
        "globalEndpointTokenVersion",
    )?;
    let version: u64 = match choice {
        "v1Token" => 1,
        "v2Token" => 2,
        other => {
            return Err(validation(format!(
                "1 validation error detected: Value '{other}' at 'globalEndpointTokenVersion' failed to satisfy constraint: Member must satisfy enum value set: [v1Token, v2Token]"
            )));
        }
    };
    let value = serde_json::to_vec(&version).map_err(|_| rampart_service::internal_error())?;
    call.env
        .store
        .commit(Batch::new().put_if(
            token_version_key(&call.principal.account),
            value,
            Expect::Any,
        ))
        .map_err(store_error)?;
    Ok(json!({}))
}

fn list_aliases(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let aliases: Vec<String> = own_alias(call)?.map(|(a, _)| a).into_iter().collect();
    Ok(json!({ "AccountAliases": aliases, "IsTruncated": false }))
}

/// How many records `table` of the account holds.
fn count(call: &Call<'_>, table: &str) -> Result<u64, AwsError> {
    let items = call
        .env
        .store
        .scan(
            &space::account(&call.principal.account),
            table,
            &Scan::all(),
        )
        .map_err(store_error)?;
    Ok(items.len() as u64)
}

fn summary(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let store = call.env.store.as_ref();
    let account = &call.principal.account;
    let users: Vec<StoredUser> = list(store, account, USER_TABLE).map_err(store_error)?;
    let policies: Vec<StoredPolicy> = list(store, account, POLICY_TABLE).map_err(store_error)?;
    let devices: Vec<StoredMfa> = list(store, account, MFA_TABLE).map_err(store_error)?;
    let root_keys = root_keys(call.env, account).map_err(store_error)?;
    let in_use = devices.iter().filter(|d| d.owner.is_some()).count() as u64;
    let root_mfa = devices.iter().any(|d| d.owner == Some(MfaOwner::Root));
    let versions_in_use: u64 = policies
        .iter()
        .filter(|p| p.attachment_count > 0)
        .map(|p| p.versions.len() as u64)
        .sum();
    let entries: [(&str, u64); 34] = [
        ("Users", users.len() as u64),
        ("UsersQuota", USERS_QUOTA),
        ("Groups", count(call, GROUP_TABLE)?),
        ("GroupsQuota", GROUPS_PER_ACCOUNT as u64),
        ("ServerCertificates", count(call, SERVER_CERTIFICATE_TABLE)?),
        (
            "ServerCertificatesQuota",
            SERVER_CERTIFICATES_PER_ACCOUNT as u64,
        ),
        ("UserPolicySizeQuota", 2_048),
        ("GroupPolicySizeQuota", 5_120),
        ("GroupsPerUserQuota", GROUPS_PER_USER as u64),
        ("SigningCertificatesPerUserQuota", 2),
        ("AccessKeysPerUserQuota", 2),
        ("MFADevices", devices.len() as u64),
        ("MFADevicesInUse", in_use),
        ("AccountMFAEnabled", u64::from(root_mfa)),
        ("AccountAccessKeysPresent", u64::from(!root_keys.is_empty())),
        ("AccountPasswordPresent", 1),
        ("AccountSigningCertificatesPresent", 0),
        ("AttachedPoliciesPerGroupQuota", POLICIES_PER_ENTITY as u64),
        ("AttachedPoliciesPerRoleQuota", POLICIES_PER_ENTITY as u64),
        ("AttachedPoliciesPerUserQuota", POLICIES_PER_ENTITY as u64),
        ("Policies", policies.len() as u64),
        ("PoliciesQuota", POLICIES_QUOTA),
        ("PolicySizeQuota", 6_144),
        ("PolicyVersionsInUse", versions_in_use),
        ("PolicyVersionsInUseQuota", POLICY_VERSIONS_QUOTA),
        ("VersionsPerPolicyQuota", 5),
        ("GlobalEndpointTokenVersion", token_version(call)?),
        ("AssumeRolePolicySizeQuota", 2_048),
        ("InstanceProfiles", count(call, PROFILE_TABLE)?),
        ("InstanceProfilesQuota", PROFILES_PER_ACCOUNT as u64),
        (
            "Providers",
            count(call, OIDC_TABLE)? + count(call, SAML_TABLE)?,
        ),
        ("RolePolicySizeQuota", 10_240),
        ("Roles", count(call, ROLE_TABLE)?),
        ("RolesQuota", ROLES_PER_ACCOUNT as u64),
    ];
    let map: Map<String, Value> = entries
        .into_iter()
        .map(|(k, v)| (k.to_owned(), json!(v)))
        .collect();
    Ok(json!({ "SummaryMap": map }))
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "CreateAccountAlias", false, create_alias);
    registry.register("iam", "DeleteAccountAlias", false, delete_alias);
    registry.register("iam", "ListAccountAliases", true, list_aliases);
    registry.register("iam", "GetAccountSummary", true, summary);
    registry.register(
        "iam",
        "SetSecurityTokenServicePreferences",
        false,
        set_sts_preferences,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_follow_aws_pattern() {
        for ok in ["abc", "my-company-1", "a1b"] {
            assert!(check_alias(ok).is_ok(), "{ok}");
        }
        for bad in ["ab", "-abc", "abc-", "a--b", "ABC", "a_b", &"a".repeat(64)] {
            assert!(check_alias(bad).is_err(), "{bad}");
        }
    }
}
