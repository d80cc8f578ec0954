//! DescribeEffectivePolicy: the management policies (tag policies, backup policies, ...) that
//! apply to an account, merged from the root down through its OUs to the account with the
//! inheritance operators `@@assign` (replace), `@@append` (add to a list) and `@@remove`
//! (take from a list); `@@operators_allowed_for_child_policies` is not enforced. Merging never
//! fails here, so ListAccountsWithInvalidEffectivePolicy and ListEffectivePolicyValidationErrors
//! report no errors.

use super::common::{Need, check_caller, page, read_org, target_id};
use super::errors::{error, invalid, store_error, target_not_found};
use super::model::{Node, Org, RCP, SCP, read_content};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, epoch_seconds};
use serde_json::{Map, Value, json};

/// Registers the operations of this module.
pub(super) fn register(registry: &mut Registry) {
    registry.register("organizations", "DescribeEffectivePolicy", true, describe);
    registry.register(
        "organizations",
        "ListAccountsWithInvalidEffectivePolicy",
        true,
        list_invalid,
    );
    registry.register(
        "organizations",
        "ListEffectivePolicyValidationErrors",
        true,
        list_errors,
    );
}

/// The `PolicyType` member: a type with effective policies (not SCPs or RCPs).
fn effective_type(input: &Value) -> Result<&str, AwsError> {
    let kind = super::common::policy_type(input, "PolicyType")?;
    if kind == SCP || kind == RCP {
        return Err(invalid(
            "INVALID_ENUM_POLICY_TYPE",
            format!("You specified an invalid value for PolicyType: {kind}"),
        ));
    }
    Ok(kind)
}

fn not_found() -> AwsError {
    error(
        "EffectivePolicyNotFoundException",
        "We can't find an effective policy of the PolicyType that you specified.",
    )
}

fn list_invalid(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let kind = effective_type(&input)?;
    let org = read_org(call, Need::Read)?;
    if !org.enabled(kind) {
        return Err(not_found());
    }
    let mut out = page(&input, "Accounts", Vec::new())?;
    out["PolicyType"] = json!(kind);
    Ok(out)
}

fn list_errors(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let account = super::common::account_id(&input, "AccountId")?;
    let kind = effective_type(&input)?;
    let org = read_org(call, Need::Read)?;
    let member = org
        .accounts
        .get(account)
        .ok_or_else(super::errors::account_not_found)?;
    effective(call, &org, account, kind)?.ok_or_else(not_found)?;
    let mut out = page(&input, "EffectivePolicyValidationErrors", Vec::new())?;
    out["AccountId"] = json!(account);
    out["PolicyType"] = json!(kind);
    out["Path"] = json!(format!("{}{account}/", org.container_path(&member.parent)));
    out["EvaluationTimestamp"] = json!(epoch_seconds(call.env.clock.now()));
    Ok(out)
}

fn describe(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let kind = effective_type(&input)?;
    let caller = call.principal.account.to_string();
    let target = match input.get("TargetId") {
        Some(_) => target_id(&input, "TargetId")?.to_owned(),
        None => caller.clone(),
    };
    let org = read_org(call, Need::Member)?;
    check_caller(
        &org,
        call,
        if target == caller {
            Need::Member
        } else {
            Need::Read
        },
    )?;
    match org.node(&target) {
        Some(Node::Account) => {}
        Some(_) => {
            return Err(invalid(
                "TARGET_NOT_SUPPORTED",
                "You can get the effective policy of an account only.",
            ));
        }
        None => return Err(target_not_found()),
    }
    let (content, updated) = effective(call, &org, &target, kind)?.ok_or_else(not_found)?;
    Ok(json!({
        "EffectivePolicy": {
            "PolicyContent": content,
            "LastUpdatedTimestamp": updated,
            "TargetId": target,
            "PolicyType": kind,
        }
    }))
}

/// The merged policy of `kind` for `account` and when its newest part changed, or `None` when
/// no policy of that type applies.
fn effective(
    call: &Call<'_>,
    org: &Org,
    account: &str,
    kind: &str,
) -> Result<Option<(String, f64)>, AwsError> {
    if !org.enabled(kind) {
        return Ok(None);
    }
    let mut levels = org.ancestors(account);
    levels.push(account.to_owned());
    let mut merged = Map::new();
    let mut updated: Option<f64> = None;
    for level in &levels {
        for id in org.attached_of(level, kind) {
            let Some(content) = read_content(call.env.store.as_ref(), &id).map_err(store_error)?
            else {
                continue;
            };
            if let Ok(Value::Object(document)) = serde_json::from_str::<Value>(&content) {
                merge(&mut merged, &document);
                let at = org.policies.get(&id).map_or(org.created, |p| p.updated);
                updated = Some(updated.map_or(at, |u| u.max(at)));
            }
        }
    }
    Ok(updated.map(|at| (Value::Object(merged).to_string(), at)))
}

/// Whether `node` carries inheritance operators (it is a value, not a container).
fn is_operation(node: &Map<String, Value>) -> bool {
    ["@@assign", "@@append", "@@remove"]
        .iter()
        .any(|op| node.contains_key(*op))
}

/// Merges one policy document into the effective one.
pub(super) fn merge(effective: &mut Map<String, Value>, policy: &Map<String, Value>) {
    for (key, value) in policy {
        if key.starts_with("@@") {
            continue;
        }
        match value {
            Value::Object(node) if is_operation(node) => {
                let slot = effective.entry(key.clone()).or_insert(Value::Null);
                apply(slot, node);
            }
            Value::Object(node) => {
                let slot = effective
                    .entry(key.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !slot.is_object() {
                    *slot = Value::Object(Map::new());
                }
                if let Value::Object(inner) = slot {
                    merge(inner, node);
                }
            }
            other => {
                effective.insert(key.clone(), other.clone());
            }
        }
    }
}

/// Applies `@@assign`, then `@@append`, then `@@remove` to one value.
fn apply(slot: &mut Value, node: &Map<String, Value>) {
    if let Some(assigned) = node.get("@@assign") {
        *slot = assigned.clone();
    }
    if let Some(appended) = node.get("@@append") {
        let mut list = as_list(slot);
        for item in as_list(appended) {
            if !list.contains(&item) {
                list.push(item);
            }
        }
        *slot = Value::Array(list);
    }
    if let Some(removed) = node.get("@@remove") {
        let removed = as_list(removed);
        let list = as_list(slot)
            .into_iter()
            .filter(|item| !removed.contains(item))
            .collect();
        *slot = Value::Array(list);
    }
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Null => Vec::new(),
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn children_assign_append_and_remove() {
        let mut effective = Map::new();
        merge(
            &mut effective,
            &object(json!({"tags": {"costcenter": {
                "tag_key": {"@@assign": "CostCenter"},
                "tag_value": {"@@assign": ["100", "200"]},
                "@@operators_allowed_for_child_policies": ["@@all"],
            }}})),
        );
        merge(
            &mut effective,
            &object(json!({"tags": {"costcenter": {
                "tag_value": {"@@append": ["300"], "@@remove": ["100"]},
            }, "team": {"tag_key": {"@@assign": "Team"}}}})),
        );
        assert_eq!(
            Value::Object(effective),
            json!({"tags": {
                "costcenter": {"tag_key": "CostCenter", "tag_value": ["200", "300"]},
                "team": {"tag_key": "Team"},
            }})
        );
    }

    #[test]
    fn a_later_assign_replaces() {
        let mut effective = Map::new();
        merge(&mut effective, &object(json!({"a": {"@@assign": ["x"]}})));
        merge(&mut effective, &object(json!({"a": {"@@assign": "y"}})));
        assert_eq!(Value::Object(effective), json!({"a": "y"}));
    }
}
