//! The organization and its root: CreateOrganization, DescribeOrganization,
//! DeleteOrganization, ListRoots, EnablePolicyType and DisablePolicyType.

use super::common::{Need, check_caller, empty, need, page, policy_type, read_org, text};
use super::errors::{access_denied, error, invalid, root_not_found, type_not_enabled};
use super::model::{
    Arns, Change, FULL_AWS_ACCESS, LOWER_ALNUM, Member, Org, RCP, RCP_FULL_AWS_ACCESS, SCP,
    existing, new_id, update,
};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, epoch_seconds};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Registers the operations of this module.
pub(super) fn register(registry: &mut Registry) {
    registry.register("organizations", "CreateOrganization", false, create);
    registry.register("organizations", "DescribeOrganization", true, describe);
    registry.register("organizations", "DeleteOrganization", false, delete);
    registry.register("organizations", "ListRoots", true, list_roots);
    registry.register("organizations", "EnablePolicyType", false, enable_type);
    registry.register("organizations", "DisablePolicyType", false, disable_type);
}

/// The model's `Organization`.
pub(super) fn organization_output(call: &Call<'_>, org: &Org) -> Value {
    let arns = Arns {
        partition: call.env.partition,
        org,
    };
    let email = org
        .accounts
        .get(&org.management)
        .map(|m| m.email.clone())
        .unwrap_or_default();
    json!({
        "Id": org.id,
        "Arn": arns.organization(),
        "FeatureSet": org.feature_set,
        "MasterAccountArn": arns.account(&org.management),
        "MasterAccountId": org.management,
        "MasterAccountEmail": email,
        "AvailablePolicyTypes": policy_types(org),
    })
}

fn policy_types(org: &Org) -> Value {
    Value::Array(
        org.enabled_types
            .iter()
            .map(|t| json!({"Type": t, "Status": "ENABLED"}))
            .collect(),
    )
}

/// The model's `Root`.
pub(super) fn root_output(call: &Call<'_>, org: &Org) -> Value {
    let arns = Arns {
        partition: call.env.partition,
        org,
    };
    json!({
        "Id": org.root,
        "Arn": arns.node(&org.root),
        "Name": "Root",
        "PolicyTypes": policy_types(org),
    })
}

fn create(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let feature_set = text(&input, "FeatureSet").unwrap_or("ALL");
    if !matches!(feature_set, "ALL" | "CONSOLIDATED_BILLING") {
        return Err(invalid(
            "INVALID_ENUM",
            format!("You specified an invalid value for FeatureSet: {feature_set}"),
        ));
    }
    let caller = call.principal.account.to_string();
    let now = epoch_seconds(call.env.clock.now());
    let org = update(call.env, |current| {
        if let Some(org) = current {
            if org.accounts.contains_key(&caller) {
                return Err(error(
                    "AlreadyInOrganizationException",
                    "The AWS account is already a member of an organization.",
                ));
            }
            return Err(access_denied());
        }
        if call.principal.account != call.env.management_account {
            // rampart hosts one organization, owned by the server's management account.
            return Err(access_denied());
        }
        let mut accounts = BTreeMap::new();
        let root = new_id("r-", LOWER_ALNUM, 4)?;
        accounts.insert(
            caller.clone(),
            Member {
                name: "Management account".into(),
                email: format!("management@{caller}.rampart.invalid"),
                status: "ACTIVE".into(),
                parent: root.clone(),
                joined_method: "INVITED".into(),
                joined: now,
            },
        );
        let org = Org {
            id: new_id("o-", LOWER_ALNUM, 10)?,
            feature_set: feature_set.to_owned(),
            management: caller.clone(),
            created: now,
            root,
            enabled_types: Vec::new(),
            units: BTreeMap::new(),
            accounts,
            policies: BTreeMap::new(),
            attached: BTreeMap::new(),
            tags: BTreeMap::new(),
            creations: Vec::new(),
            delegated: BTreeMap::new(),
            service_access: BTreeMap::new(),
            resource_policy: None,
            handshakes: Vec::new(),
            iam_features: Vec::new(),
        };
        Ok((Some(org.clone()), Change::of(org)))
    })?;
    Ok(json!({ "Organization": organization_output(call, &org) }))
}

fn describe(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let org = read_org(call, Need::Member)?;
    Ok(json!({ "Organization": organization_output(call, &org) }))
}

fn delete(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, Need::Management)?;
        if org.accounts.len() > 1 {
            return Err(error(
                "OrganizationNotEmptyException",
                "The organization isn't empty. To delete an organization, you must first remove all accounts except the management account.",
            ));
        }
        let contents = org
            .policies
            .keys()
            .chain(org.resource_policy.iter())
            .map(|id| (id.clone(), None))
            .collect();
        Ok((
            None,
            Change {
                value: (),
                contents,
                delete: true,
            },
        ))
    })?;
    Ok(empty())
}

fn list_roots(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let org = read_org(call, Need::Read)?;
    page(&input, "Roots", vec![root_output(call, &org)])
}

/// The root the input names (`RootId`), in `org`.
fn check_root(org: &Org, input: &Value) -> Result<(), AwsError> {
    let root = need(input, "RootId")?;
    if !super::common::is_root_id(root) {
        return Err(super::errors::bad_pattern("RootId", root));
    }
    if root != org.root {
        return Err(root_not_found());
    }
    Ok(())
}

fn enable_type(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let kind = policy_type(&input, "PolicyType")?.to_owned();
    let org = update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, Need::Delegable)?;
        check_root(org, &input)?;
        if org.feature_set != "ALL" {
            return Err(error(
                "PolicyTypeNotAvailableForOrganizationException",
                "You can't use the specified policy type with the feature set currently enabled for this organization. For example, you can enable SCPs only after you enable all features in the organization.",
            ));
        }
        if org.enabled(&kind) {
            return Err(error(
                "PolicyTypeAlreadyEnabledException",
                "The specified policy type is already enabled.",
            ));
        }
        org.enabled_types.push(kind.clone());
        let default = match kind.as_str() {
            SCP => Some(FULL_AWS_ACCESS),
            RCP => Some(RCP_FULL_AWS_ACCESS),
            _ => None,
        };
        if let Some(default) = default {
            for target in org.targets() {
                org.attached
                    .entry(target)
                    .or_default()
                    .push(default.to_owned());
            }
        }
        Ok((None, Change::of(org.clone())))
    })?;
    Ok(json!({ "Root": root_output(call, &org) }))
}

fn disable_type(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let kind = policy_type(&input, "PolicyType")?.to_owned();
    let org = update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, Need::Delegable)?;
        check_root(org, &input)?;
        if !org.enabled(&kind) {
            return Err(type_not_enabled());
        }
        org.enabled_types.retain(|t| *t != kind);
        let of_kind: Vec<String> = org
            .attached
            .values()
            .flatten()
            .filter(|p| org.policy_kind(p).as_deref() == Some(kind.as_str()))
            .cloned()
            .collect();
        for policies in org.attached.values_mut() {
            policies.retain(|p| !of_kind.contains(p));
        }
        org.attached.retain(|_, policies| !policies.is_empty());
        Ok((None, Change::of(org.clone())))
    })?;
    Ok(json!({ "Root": root_output(call, &org) }))
}
