//! Targets of a rule: PutTargets (replacing targets of the same `Id`), RemoveTargets and
//! ListTargetsByRule. A rule has at most five targets, as in AWS.

use crate::errors::{self, validation};
use crate::input;
use crate::paging;
use crate::records::{self, RULE_TABLE};
use crate::rules::{existing, valid_name};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use rampart_store::Expect;
use serde_json::{Value, json};

const SERVICE: &str = "events";
/// AWS's quota of targets per rule.
const MAX_TARGETS_PER_RULE: usize = 5;

/// Registers the target operations.
pub(crate) fn register(registry: &mut Registry) {
    registry.register(SERVICE, "PutTargets", false, put_targets);
    registry.register(SERVICE, "RemoveTargets", false, remove_targets);
    registry.register(SERVICE, "ListTargetsByRule", true, list_targets);
    registry.register(SERVICE, "ListRuleNamesByTarget", true, rule_names_by_target);
}

fn target_id(target: &Value) -> &str {
    target.get("Id").and_then(Value::as_str).unwrap_or_default()
}

/// Refuses a target EventBridge would refuse as a whole request.
fn check(target: &Value) -> Result<(), AwsError> {
    let id = target_id(target);
    if !valid_name(id) {
        return Err(validation(format!(
            "1 validation error detected: Value '{id}' at 'targets.1.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+"
        )));
    }
    if target
        .get("Arn")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .is_empty()
    {
        return Err(validation("Target Arn is required."));
    }
    let given = ["Input", "InputPath", "InputTransformer"]
        .iter()
        .filter(|m| target.get(**m).is_some_and(|v| !v.is_null()))
        .count();
    if given > 1 {
        return Err(validation(
            "Only one of Input, InputPath, or InputTransformer must be provided.",
        ));
    }
    input::check(target)
}

fn put_targets(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (home, mut rule, version) = existing(call, &input, "Rule")?;
    let targets = input
        .get("Targets")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if targets.is_empty() {
        return Err(validation(
            "1 validation error detected: Value null at 'targets' failed to satisfy constraint: Member must not be null",
        ));
    }
    for target in &targets {
        check(target)?;
    }
    for target in targets {
        let id = target_id(&target).to_owned();
        rule.targets.retain(|t| target_id(t) != id);
        rule.targets.push(target);
    }
    if rule.targets.len() > MAX_TARGETS_PER_RULE {
        return Err(errors::limit_exceeded());
    }
    records::save(
        call.env.store.as_ref(),
        home.key(RULE_TABLE, &records::rule_id(&rule.bus, &rule.name)),
        &rule,
        Expect::Version(version),
    )?;
    Ok(json!({ "FailedEntryCount": 0, "FailedEntries": [] }))
}

fn remove_targets(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (home, mut rule, version) = existing(call, &input, "Rule")?;
    let ids: Vec<&str> = input
        .get("Ids")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    rule.targets.retain(|t| !ids.contains(&target_id(t)));
    records::save(
        call.env.store.as_ref(),
        home.key(RULE_TABLE, &records::rule_id(&rule.bus, &rule.name)),
        &rule,
        Expect::Version(version),
    )?;
    Ok(json!({ "FailedEntryCount": 0, "FailedEntries": [] }))
}

fn list_targets(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (_, rule, _) = existing(call, &input, "Rule")?;
    let mut targets = rule.targets.clone();
    targets.sort_by(|a, b| target_id(a).cmp(target_id(b)));
    let page = paging::page(&targets, |t| target_id(t), &input)?;
    let mut out = json!({ "Targets": page.items });
    if let Some(token) = page.next_token {
        out["NextToken"] = json!(token);
    }
    Ok(out)
}

fn rule_names_by_target(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let home = records::Home::of(call);
    let bus = records::local_bus(&home, input.get("EventBusName").and_then(Value::as_str))?;
    let arn = input
        .get("TargetArn")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let names: Vec<String> = records::scan::<records::RuleRecord>(
        call.env.store.as_ref(),
        &home.space(),
        RULE_TABLE,
        &records::rule_id(&bus, ""),
    )?
    .into_iter()
    .filter(|(_, rule, _)| {
        rule.targets
            .iter()
            .any(|t| t.get("Arn").and_then(Value::as_str) == Some(arn))
    })
    .map(|(_, rule, _)| rule.name)
    .collect();
    let page = paging::page(&names, |n| n.as_str(), &input)?;
    let mut out = json!({ "RuleNames": page.items });
    if let Some(token) = page.next_token {
        out["NextToken"] = json!(token);
    }
    Ok(out)
}
