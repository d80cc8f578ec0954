//! Delegated administrators and trusted service access: RegisterDelegatedAdministrator,
//! DeregisterDelegatedAdministrator, ListDelegatedAdministrators,
//! ListDelegatedServicesForAccount, EnableAWSServiceAccess, DisableAWSServiceAccess and
//! ListAWSServiceAccessForOrganization.

use super::accounts::account_output;
use super::common::{Need, account_id, check_caller, empty, need, page, read_org, sized};
use super::errors::{account_not_found, constraint, error, invalid};
use super::model::{Change, existing, update};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, epoch_seconds};
use serde_json::{Value, json};

/// Registers the operations of this module.
pub(super) fn register(registry: &mut Registry) {
    registry.register(
        "organizations",
        "RegisterDelegatedAdministrator",
        false,
        register_admin,
    );
    registry.register(
        "organizations",
        "DeregisterDelegatedAdministrator",
        false,
        deregister_admin,
    );
    registry.register(
        "organizations",
        "ListDelegatedAdministrators",
        true,
        list_admins,
    );
    registry.register(
        "organizations",
        "ListDelegatedServicesForAccount",
        true,
        list_services,
    );
    registry.register(
        "organizations",
        "EnableAWSServiceAccess",
        false,
        enable_access,
    );
    registry.register(
        "organizations",
        "DisableAWSServiceAccess",
        false,
        disable_access,
    );
    registry.register(
        "organizations",
        "ListAWSServiceAccessForOrganization",
        true,
        list_access,
    );
}

/// A `ServicePrincipal` member: 1-128 of `[\w+=,.@-]`, and a service's (`*.amazonaws.com`).
pub(super) fn service_principal(input: &Value) -> Result<Option<String>, AwsError> {
    let Some(principal) = sized(input, "ServicePrincipal", 1, 128)? else {
        return Ok(None);
    };
    let allowed = principal
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
    if !allowed || !principal.ends_with(".amazonaws.com") {
        return Err(invalid(
            "UNRECOGNIZED_SERVICE_PRINCIPAL",
            format!("You specified an unrecognized service principal: {principal}"),
        ));
    }
    Ok(Some(principal.to_owned()))
}

fn required_principal(input: &Value) -> Result<String, AwsError> {
    need(input, "ServicePrincipal")?;
    service_principal(input)?.ok_or_else(|| super::errors::required("ServicePrincipal"))
}

fn not_registered() -> AwsError {
    error(
        "AccountNotRegisteredException",
        "The provided account is not a registered delegated administrator for this service.",
    )
}

fn register_admin(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = account_id(&input, "AccountId")?.to_owned();
    let service = required_principal(&input)?;
    let now = epoch_seconds(call.env.clock.now());
    update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, Need::Management)?;
        if !org.accounts.contains_key(&id) {
            return Err(account_not_found());
        }
        if id == org.management {
            return Err(constraint(
                "CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR",
                "You can't register the management account of your organization as a delegated administrator for an AWS service integrated with Organizations.",
            ));
        }
        let services = org.delegated.entry(id.clone()).or_default();
        if services.contains_key(&service) {
            return Err(error(
                "AccountAlreadyRegisteredException",
                "The provided account is already a delegated administrator for your organization.",
            ));
        }
        services.insert(service.clone(), now);
        Ok((None, Change::of(())))
    })?;
    Ok(empty())
}

fn deregister_admin(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = account_id(&input, "AccountId")?.to_owned();
    let service = required_principal(&input)?;
    update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, Need::Management)?;
        if !org.accounts.contains_key(&id) {
            return Err(account_not_found());
        }
        let services = org.delegated.get_mut(&id).ok_or_else(not_registered)?;
        if services.remove(&service).is_none() {
            return Err(not_registered());
        }
        if services.is_empty() {
            org.delegated.remove(&id);
        }
        Ok((None, Change::of(())))
    })?;
    Ok(empty())
}

fn list_admins(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let service = service_principal(&input)?;
    let org = read_org(call, Need::Read)?;
    let items = org
        .delegated
        .iter()
        .filter_map(|(id, services)| {
            let since = match &service {
                Some(s) => *services.get(s)?,
                None => services.values().copied().fold(f64::INFINITY, f64::min),
            };
            let member = org.accounts.get(id)?;
            let mut v = account_output(call, &org, id, member);
            if let Some(o) = v.as_object_mut() {
                o.remove("Paths");
                o.insert("DelegationEnabledDate".into(), json!(since));
            }
            Some(v)
        })
        .collect();
    page(&input, "DelegatedAdministrators", items)
}

fn list_services(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = account_id(&input, "AccountId")?;
    let org = read_org(call, Need::Read)?;
    if !org.accounts.contains_key(id) {
        return Err(account_not_found());
    }
    let services = org.delegated.get(id).ok_or_else(not_registered)?;
    let items = services
        .iter()
        .map(|(s, date)| json!({"ServicePrincipal": s, "DelegationEnabledDate": date}))
        .collect();
    page(&input, "DelegatedServices", items)
}

fn enable_access(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let service = required_principal(&input)?;
    let now = epoch_seconds(call.env.clock.now());
    update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, Need::Management)?;
        org.service_access.entry(service.clone()).or_insert(now);
        Ok((None, Change::of(())))
    })?;
    Ok(empty())
}

fn disable_access(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let service = required_principal(&input)?;
    update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, Need::Management)?;
        org.service_access.remove(&service);
        Ok((None, Change::of(())))
    })?;
    Ok(empty())
}

fn list_access(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let org = read_org(call, Need::Read)?;
    let items = org
        .service_access
        .iter()
        .map(|(s, date)| json!({"ServicePrincipal": s, "DateEnabled": date}))
        .collect();
    page(&input, "EnabledServicePrincipals", items)
}
