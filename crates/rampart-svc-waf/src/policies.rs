//! Permission policies that share a rule group with other accounts: PutPermissionPolicy,
//! GetPermissionPolicy, DeletePermissionPolicy, validated as AWS documents (version
//! 2012-10-17; every statement `Allow` with a `Principal`, no `Resource`; actions only
//! `wafv2:CreateWebACL`, `wafv2:UpdateWebACL`, `wafv2:PutFirewallManagerRuleGroups` and
//! optionally `wafv2:GetRuleGroup`, the first three all present).

use crate::entity;
use crate::errors;
use crate::input;
use crate::rule_groups::{RuleGroupBody, policy_key};
use crate::scope::{Kind, Location};
use rampart_policy::{Policy, PolicyKind};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use rampart_store::{Batch, Expect, Key, Store, StoreError};
use serde::Deserialize;
use serde_json::{Value, json};

/// The actions a statement must allow.
const REQUIRED: [&str; 3] = [
    "wafv2:CreateWebACL",
    "wafv2:UpdateWebACL",
    "wafv2:PutFirewallManagerRuleGroups",
];
/// The action a statement may allow besides.
const OPTIONAL: &str = "wafv2:GetRuleGroup";

pub(crate) fn register(registry: &mut Registry) {
    registry.register("wafv2", "PutPermissionPolicy", false, put);
    registry.register("wafv2", "GetPermissionPolicy", true, get);
    registry.register("wafv2", "DeletePermissionPolicy", false, delete);
}

/// Why `policy` is not a permission policy AWS WAF accepts, if it is not.
pub(crate) fn check(policy: &str) -> Result<(), String> {
    let doc: Value = serde_json::from_str(policy).map_err(|_| "The policy is not valid JSON.")?;
    if doc.get("Version").and_then(Value::as_str) != Some("2012-10-17") {
        return Err("The policy must use Version 2012-10-17.".into());
    }
    let statements = match doc.get("Statement") {
        Some(Value::Array(a)) if !a.is_empty() => a.clone(),
        Some(s @ Value::Object(_)) => vec![s.clone()],
        _ => return Err("The policy must have a Statement.".into()),
    };
    for s in &statements {
        if s.get("Effect").and_then(Value::as_str) != Some("Allow") {
            return Err("Every statement's Effect must be Allow.".into());
        }
        if s.get("Principal").is_none() {
            return Err("Every statement must name a Principal.".into());
        }
        if s.get("Resource").is_some() || s.get("NotResource").is_some() {
            return Err("The policy must not name a Resource.".into());
        }
        let actions: Vec<&str> = match s.get("Action") {
            Some(Value::String(a)) => vec![a.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if actions
            .iter()
            .any(|a| !REQUIRED.contains(a) && *a != OPTIONAL)
            || REQUIRED.iter().any(|r| !actions.contains(r))
        {
            return Err(format!(
                "The actions must be {} and optionally {OPTIONAL}.",
                REQUIRED.join(", ")
            ));
        }
    }
    Ok(())
}

/// The permission policy of the rule group `arn` (at `loc`) as the policy engine evaluates it:
/// AWS WAF's policies name no resource, so each statement gets the group's ARN.
pub(crate) fn resource_policy(
    store: &dyn Store,
    loc: &Location,
    arn: &str,
) -> Result<Option<Policy>, AwsError> {
    let Some(item) = store.get(&policy_key(loc, arn)).map_err(errors::store)? else {
        return Ok(None);
    };
    let mut doc: Value = serde_json::from_slice(&item.value).map_err(|_| errors::internal())?;
    match doc.get_mut("Statement") {
        Some(Value::Array(statements)) => statements
            .iter_mut()
            .for_each(|s| s["Resource"] = json!(arn)),
        Some(s @ Value::Object(_)) => s["Resource"] = json!(arn),
        _ => {}
    }
    Policy::parse_stored(&doc.to_string(), PolicyKind::Resource)
        .map(|p| Some(p.named(arn)))
        .map_err(|e| {
            tracing::error!(error = %e, "stored wafv2 permission policy does not parse");
            errors::internal()
        })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutInput {
    resource_arn: String,
    policy: String,
}

fn put(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: PutInput = input::read(input, "RESOURCE_ARN")?;
    let loc = Location::caller_arn(call, &i.resource_arn, Kind::RuleGroup)?;
    let group = entity::load::<RuleGroupBody>(call, loc)?;
    check(&i.policy).map_err(errors::invalid_policy)?;
    let batch = Batch::new()
        .check(
            Key::new(
                group.loc.space(),
                Kind::RuleGroup.table(),
                group.loc.key_id(),
            ),
            Expect::Version(group.version),
        )
        .put(
            policy_key(&group.loc, &group.entity.arn),
            i.policy.into_bytes(),
        );
    match call.env.store.commit(batch) {
        Ok(_) => Ok(json!({})),
        Err(StoreError::Conflict { .. }) => Err(errors::nonexistent()),
        Err(e) => Err(errors::store(e)),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ArnInput {
    resource_arn: String,
}

fn get(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ArnInput = input::read(input, "RESOURCE_ARN")?;
    let loc = Location::caller_arn(call, &i.resource_arn, Kind::RuleGroup)?;
    let group = entity::load::<RuleGroupBody>(call, loc)?;
    let item = call
        .env
        .store
        .get(&policy_key(&group.loc, &group.entity.arn))
        .map_err(errors::store)?;
    Ok(match item {
        Some(i) => json!({ "Policy": String::from_utf8_lossy(&i.value) }),
        None => json!({}),
    })
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let i: ArnInput = input::read(input, "RESOURCE_ARN")?;
    let loc = Location::caller_arn(call, &i.resource_arn, Kind::RuleGroup)?;
    let group = entity::load::<RuleGroupBody>(call, loc)?;
    call.env
        .store
        .commit(Batch::new().delete(policy_key(&group.loc, &group.entity.arn)))
        .map_err(errors::store)?;
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_policy_rules() {
        let good = json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": ["wafv2:CreateWebACL", "wafv2:UpdateWebACL",
                       "wafv2:PutFirewallManagerRuleGroups", "wafv2:GetRuleGroup"]}]});
        assert!(check(&good.to_string()).is_ok());
        let mut extra = good.clone();
        extra["Statement"][0]["Action"][3] = json!("wafv2:*");
        assert!(check(&extra.to_string()).is_err());
        let mut deny = good.clone();
        deny["Statement"][0]["Effect"] = json!("Deny");
        assert!(check(&deny.to_string()).is_err());
        let mut resource = good.clone();
        resource["Statement"][0]["Resource"] = json!("*");
        assert!(check(&resource.to_string()).is_err());
        let mut missing = good;
        missing["Statement"][0]["Action"] = json!(["wafv2:CreateWebACL"]);
        assert!(check(&missing.to_string()).is_err());
        assert!(check("not json").is_err());
    }
}
