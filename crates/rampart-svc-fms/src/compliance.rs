//! Compliance: GetComplianceDetail, ListComplianceStatus, GetProtectionStatus and
//! GetViolationDetails, from what the last application of each policy recorded
//! ([`crate::apply`]).

use crate::admin::caller_is_admin;
use crate::apply::{self, status_shape};
use crate::errors;
use crate::policies::{self, Home};
use rampart_protocol::AwsError;
use rampart_service::{Call, LOAD_BALANCER_TYPE, Registry, from_input};
use serde::Deserialize;
use serde_json::{Value, json};

pub(crate) fn register(registry: &mut Registry) {
    registry.register("fms", "GetComplianceDetail", true, detail);
    registry.register("fms", "ListComplianceStatus", true, list);
    registry.register("fms", "GetProtectionStatus", true, protection);
    registry.register("fms", "GetViolationDetails", true, violation);
}

fn policy(call: &Call<'_>, id: &str) -> Result<crate::model::StoredPolicy, AwsError> {
    caller_is_admin(call)?;
    policies::read(call.env.store.as_ref(), &Home::of(call), id)?
        .map(|(p, _)| p)
        .ok_or_else(|| errors::not_found(format!("The policy {id} does not exist.")))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DetailInput {
    policy_id: String,
    member_account: String,
}

fn detail(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: DetailInput = from_input(input, "InvalidInputException")?;
    policy(call, &i.policy_id)?;
    let home = Home::of(call);
    let found = apply::compliance_of(call.env.store.as_ref(), &home, &i.policy_id)?
        .into_iter()
        .find(|(a, _)| *a == i.member_account);
    let Some((_, c)) = found else {
        return Err(errors::not_found(format!(
            "No compliance information for account {} under policy {}.",
            i.member_account, i.policy_id
        )));
    };
    let violators: Vec<Value> = c
        .violators
        .iter()
        .map(|(arn, reason)| {
            json!({"ResourceId": arn, "ViolationReason": reason, "ResourceType": LOAD_BALANCER_TYPE})
        })
        .collect();
    Ok(json!({"PolicyComplianceDetail": {
        "PolicyOwner": home.account.as_str(),
        "PolicyId": i.policy_id,
        "MemberAccount": i.member_account,
        "Violators": violators,
        "EvaluationLimitExceeded": false,
    }}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    policy_id: String,
}

fn list(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ListInput = from_input(input, "InvalidInputException")?;
    let p = policy(call, &i.policy_id)?;
    let home = Home::of(call);
    let statuses: Vec<Value> = apply::compliance_of(call.env.store.as_ref(), &home, &i.policy_id)?
        .iter()
        .map(|(account, c)| status_shape(&home, &p, account, c))
        .collect();
    Ok(json!({ "PolicyComplianceStatusList": statuses }))
}

fn protection(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ListInput = from_input(input, "InvalidInputException")?;
    policy(call, &i.policy_id)?;
    Err(errors::invalid_input(
        "GetProtectionStatus applies to Shield Advanced policies; rampart's Firewall Manager supports WAFV2 policies.",
    ))
}

fn violation(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ListInput = from_input(input, "InvalidInputException")?;
    policy(call, &i.policy_id)?;
    Err(errors::invalid_input(
        "GetViolationDetails applies to security group and network policies; rampart's Firewall Manager supports WAFV2 policies.",
    ))
}
