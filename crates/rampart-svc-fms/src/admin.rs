//! The Firewall Manager administrator: AssociateAdminAccount, PutAdminAccount,
//! DisassociateAdminAccount, GetAdminAccount, GetAdminScope, ListAdminAccountsForOrganization,
//! ListAdminsManagingAccount and ListMemberAccounts.
//!
//! rampart's organization has at most one administrator (the default one). Only the
//! management account sets or removes it; it must be an active account of an organization with
//! all features. Removing it leaves the policies in place but unapplied, as AWS keeps them for
//! the next administrator of the same account.

use crate::errors;
use crate::org::{self, Org};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, epoch_seconds, from_input};
use rampart_store::{Batch, Key, Store, space};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

const TABLE: &str = "fms.admin";
const ID: &str = "admin";

/// The stored administrator.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Admin {
    /// Its account id.
    pub account: String,
    /// When it was set, in seconds since the epoch.
    pub since: f64,
    /// The scope given with PutAdminAccount, as sent.
    #[serde(default)]
    pub scope: Option<Value>,
}

fn key() -> Key {
    Key::new(space::SYSTEM, TABLE, ID)
}

/// The administrator, if one is set.
pub(crate) fn read(store: &dyn Store) -> Result<Option<Admin>, AwsError> {
    let Some(item) = store.get(&key()).map_err(errors::store)? else {
        return Ok(None);
    };
    serde_json::from_slice(&item.value)
        .map(Some)
        .map_err(|_| errors::internal())
}

/// The administrator when the caller is it; otherwise AWS's refusal.
pub(crate) fn caller_is_admin(call: &Call<'_>) -> Result<Admin, AwsError> {
    match read(call.env.store.as_ref())? {
        Some(a) if a.account == call.principal.account.as_str() => Ok(a),
        _ => Err(errors::invalid_operation(format!(
            "Account {} is not currently delegated by AWS FM administrator.",
            call.principal.account
        ))),
    }
}

/// The organization when the caller is its management account.
fn caller_is_management(call: &Call<'_>) -> Result<Org, AwsError> {
    let Some(org) = org::read(call.env.store.as_ref())? else {
        return Err(errors::invalid_operation(
            "Your account is not a member of an organization in AWS Organizations.",
        ));
    };
    if org.management != call.principal.account.as_str() {
        return Err(errors::invalid_operation(
            "This operation can be called only from the organization's management account.",
        ));
    }
    if org.feature_set != "ALL" {
        return Err(errors::invalid_operation(
            "The organization must have all features enabled to use Firewall Manager.",
        ));
    }
    Ok(org)
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("fms", "AssociateAdminAccount", false, associate);
    registry.register("fms", "PutAdminAccount", false, put);
    registry.register("fms", "DisassociateAdminAccount", false, disassociate);
    registry.register("fms", "GetAdminAccount", true, get);
    registry.register("fms", "GetAdminScope", true, get_scope);
    registry.register(
        "fms",
        "ListAdminAccountsForOrganization",
        true,
        list_for_organization,
    );
    registry.register("fms", "ListAdminsManagingAccount", true, list_managing);
    registry.register("fms", "ListMemberAccounts", true, list_members);
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AdminInput {
    admin_account: String,
    admin_scope: Option<Value>,
}

fn set(call: &Call<'_>, i: AdminInput) -> Result<Value, AwsError> {
    let org = caller_is_management(call)?;
    if !org.has(&i.admin_account) {
        return Err(errors::invalid_input(format!(
            "Account {} is not a member of your organization.",
            i.admin_account
        )));
    }
    if let Some(current) = read(call.env.store.as_ref())?
        && current.account != i.admin_account
    {
        return Err(errors::invalid_operation(format!(
            "Account {} is already the AWS Firewall Manager administrator; disassociate it first.",
            current.account
        )));
    }
    let admin = Admin {
        account: i.admin_account,
        since: epoch_seconds(call.env.clock.now()),
        scope: i.admin_scope,
    };
    let value = serde_json::to_vec(&admin).map_err(|_| errors::internal())?;
    call.env
        .store
        .commit(Batch::new().put(key(), value))
        .map_err(errors::store)?;
    Ok(json!({}))
}

fn associate(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let mut i: AdminInput = from_input(input, "InvalidInputException")?;
    i.admin_scope = None;
    set(call, i)
}

fn put(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    set(call, from_input(input, "InvalidInputException")?)
}

fn disassociate(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let store = call.env.store.as_ref();
    let admin = read(store)?;
    let is_management =
        org::read(store)?.is_some_and(|o| o.management == call.principal.account.as_str());
    let is_admin = admin
        .as_ref()
        .is_some_and(|a| a.account == call.principal.account.as_str());
    if !is_management && !is_admin {
        return Err(errors::invalid_operation(
            "Only the organization's management account or the administrator can remove the administrator.",
        ));
    }
    if admin.is_none() {
        return Err(errors::not_found(
            "No AWS Firewall Manager administrator is associated with the organization.",
        ));
    }
    store
        .commit(Batch::new().delete(key()))
        .map_err(errors::store)?;
    Ok(json!({}))
}

fn get(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    match read(call.env.store.as_ref())? {
        Some(a) => Ok(json!({"AdminAccount": a.account, "RoleStatus": "READY"})),
        None => Err(errors::not_found(
            "No AWS Firewall Manager administrator is associated with the organization.",
        )),
    }
}

/// The scope of an administrator without one: everything.
fn full_scope() -> Value {
    json!({
        "AccountScope": {"Accounts": [], "AllAccountsEnabled": true, "ExcludeSpecifiedAccounts": false},
        "OrganizationalUnitScope": {"OrganizationalUnits": [], "AllOrganizationalUnitsEnabled": true, "ExcludeSpecifiedOrganizationalUnits": false},
        "RegionScope": {"Regions": [], "AllRegionsEnabled": true},
        "PolicyTypeScope": {"PolicyTypes": [], "AllPolicyTypesEnabled": true},
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ScopeInput {
    admin_account: String,
}

fn get_scope(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ScopeInput = from_input(input, "InvalidInputException")?;
    caller_is_management(call)?;
    match read(call.env.store.as_ref())? {
        Some(a) if a.account == i.admin_account => Ok(json!({
            "AdminScope": a.scope.unwrap_or_else(full_scope),
            "Status": "ONBOARDING_COMPLETE",
        })),
        _ => Err(errors::not_found(format!(
            "Account {} is not an AWS Firewall Manager administrator.",
            i.admin_account
        ))),
    }
}

fn list_for_organization(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    caller_is_management(call)?;
    let admins: Vec<Value> = read(call.env.store.as_ref())?
        .into_iter()
        .map(|a| json!({"AdminAccount": a.account, "DefaultAdmin": true, "Status": "ONBOARDING_COMPLETE"}))
        .collect();
    Ok(json!({ "AdminAccounts": admins }))
}

fn list_managing(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let store = call.env.store.as_ref();
    let member = org::read(store)?.is_some_and(|o| o.has(call.principal.account.as_str()));
    let admins: Vec<String> = read(store)?
        .filter(|_| member)
        .map(|a| a.account)
        .into_iter()
        .collect();
    Ok(json!({ "AdminAccounts": admins }))
}

fn list_members(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    caller_is_admin(call)?;
    let accounts = org::read(call.env.store.as_ref())?
        .map(|o| o.active())
        .unwrap_or_default();
    Ok(json!({ "MemberAccounts": accounts }))
}
