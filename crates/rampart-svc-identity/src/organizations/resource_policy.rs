//! The organization's delegation policy: PutResourcePolicy, DescribeResourcePolicy and
//! DeleteResourcePolicy.
//!
//! The policy lets member accounts run the read-only operations and manage policies. While it
//! exists, the authorization table attaches it to such calls from member accounts (with the
//! management account as the resource's account), so the engine requires it to allow the caller
//! as in any cross-account request; the handlers then let those calls through.

use super::common::{Need, check_caller, empty, read_org, sized, tags};
use super::errors::{error, invalid, required, store_error};
use super::model::{Arns, Change, Org, existing, new_id, read_content, update};
use rampart_policy::{Policy, PolicyKind};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use serde_json::{Value, json};

/// The write operations a delegation policy may grant (besides `Describe*` and `List*`).
pub(super) const DELEGABLE: [&str; 9] = [
    "CreatePolicy",
    "UpdatePolicy",
    "DeletePolicy",
    "AttachPolicy",
    "DetachPolicy",
    "EnablePolicyType",
    "DisablePolicyType",
    "TagResource",
    "UntagResource",
];

/// Registers the operations of this module.
pub(super) fn register(registry: &mut Registry) {
    registry.register("organizations", "PutResourcePolicy", false, put);
    registry.register("organizations", "DescribeResourcePolicy", true, describe);
    registry.register("organizations", "DeleteResourcePolicy", false, delete);
}

/// Whether a delegation policy may name `action`.
fn delegable(action: &str) -> bool {
    let Some((service, name)) = action.split_once(':') else {
        return false;
    };
    if !service.eq_ignore_ascii_case("organizations") {
        return false;
    }
    let lower = name.to_ascii_lowercase();
    let read = ["describe", "list"]
        .iter()
        .any(|p| lower.starts_with(p) && (lower.len() > p.len()));
    read && (!lower.contains('*') || lower.ends_with('*') && lower.matches('*').count() == 1)
        || DELEGABLE.iter().any(|d| d.eq_ignore_ascii_case(name))
}

/// Checks a delegation policy: a resource policy whose statements name only delegable actions.
fn check_content(content: &str) -> Result<(), AwsError> {
    let bad_json = |message: String| invalid("INVALID_RESOURCE_POLICY_JSON", message);
    Policy::parse(content, PolicyKind::Resource).map_err(|e| bad_json(e.to_string()))?;
    let document: Value = serde_json::from_str(content).map_err(|e| bad_json(e.to_string()))?;
    let statements = match &document["Statement"] {
        Value::Array(list) => list.clone(),
        other => vec![other.clone()],
    };
    let unsupported = || {
        invalid(
            "UNSUPPORTED_ACTION_IN_RESOURCE_POLICY",
            "You provided an unsupported action in the resource policy.",
        )
    };
    for statement in &statements {
        if statement.get("NotAction").is_some() {
            return Err(unsupported());
        }
        let actions = match &statement["Action"] {
            Value::String(a) => vec![a.as_str()],
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if actions.iter().any(|a| !delegable(a)) {
            return Err(unsupported());
        }
    }
    Ok(())
}

fn output(call: &Call<'_>, org: &Org, id: &str, content: String) -> Value {
    let arns = Arns {
        partition: call.env.partition,
        org,
    };
    json!({
        "ResourcePolicy": {
            "ResourcePolicySummary": {"Id": id, "Arn": arns.resource_policy(id)},
            "Content": content,
        }
    })
}

fn not_found() -> AwsError {
    error(
        "ResourcePolicyNotFoundException",
        "We can't find a resource policy request with the parameter that you specified.",
    )
}

fn put(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let content = sized(&input, "Content", 1, 40_000)?
        .ok_or_else(|| required("Content"))?
        .to_owned();
    let new_tags = tags(&input)?;
    check_content(&content)?;
    let fresh = new_id("rp-", super::model::LOWER_ALNUM, 8)?;
    let (org, id) = update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, Need::Management)?;
        let id = org.resource_policy.clone().unwrap_or_else(|| fresh.clone());
        org.resource_policy = Some(id.clone());
        if !new_tags.is_empty() {
            org.tags.insert(id.clone(), new_tags.clone());
        }
        Ok((
            None,
            Change {
                value: (org.clone(), id.clone()),
                contents: vec![(id, Some(content.clone()))],
                delete: false,
            },
        ))
    })?;
    Ok(output(call, &org, &id, content))
}

fn describe(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let org = read_org(call, Need::Read)?;
    let id = org.resource_policy.clone().ok_or_else(not_found)?;
    let content = read_content(call.env.store.as_ref(), &id)
        .map_err(store_error)?
        .ok_or_else(not_found)?;
    Ok(output(call, &org, &id, content))
}

fn delete(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, Need::Management)?;
        let id = org.resource_policy.take().ok_or_else(not_found)?;
        org.tags.remove(&id);
        Ok((
            None,
            Change {
                value: (),
                contents: vec![(id, None)],
                delete: false,
            },
        ))
    })?;
    Ok(empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reads_and_policy_management_are_delegable() {
        for action in [
            "organizations:DescribeOrganization",
            "organizations:List*",
            "organizations:Describe*",
            "organizations:CreatePolicy",
            "Organizations:attachpolicy",
        ] {
            assert!(delegable(action), "{action}");
        }
        for action in [
            "organizations:*",
            "organizations:CreateAccount",
            "organizations:*Policy",
            "iam:ListUsers",
            "organizations:List",
        ] {
            assert!(!delegable(action), "{action}");
        }
    }
}
