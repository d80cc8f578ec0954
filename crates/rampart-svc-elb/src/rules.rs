//! Listener rules: CreateRule, DescribeRules, ModifyRule, DeleteRule, SetRulePriorities.
//!
//! A listener's rules live in its record (so the data plane, which follows the listener
//! index, sees every change); the default rule is the listener's default actions, shown by
//! DescribeRules with priority `default`, and its ARN ends with the listener's own id.
//! Priorities are 1-50000 and unique per listener; a load balancer has at most 100 rules
//! besides its listeners' default ones.

use crate::conditions;
use crate::errors;
use crate::listeners::{self, check_actions};
use crate::names::{self, Kind, Name};
use crate::paging;
use crate::records::{self, Listener, Rule, Tag};
use crate::tags;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use serde::Deserialize;
use serde_json::{Value, json};

/// AWS's default quota of rules per application load balancer (default rules not counted).
const MAX_RULES_PER_LOAD_BALANCER: usize = 100;
/// The highest rule priority.
const MAX_PRIORITY: i64 = 50_000;

/// `RuleNotFound`.
pub(crate) fn rule_not_found() -> AwsError {
    AwsError::new("RuleNotFound", 400, "One or more rules not found")
}

fn priority_in_use(p: u32) -> AwsError {
    AwsError::new(
        "PriorityInUse",
        400,
        format!("Priority '{p}' is currently in use"),
    )
}

fn not_permitted(message: &str) -> AwsError {
    AwsError::new("OperationNotPermitted", 400, message)
}

fn priority(p: i64) -> Result<u32, AwsError> {
    if (1..=MAX_PRIORITY).contains(&p) {
        Ok(p as u32)
    } else {
        Err(errors::validation(format!(
            "Priority '{p}' must be between 1 and {MAX_PRIORITY}"
        )))
    }
}

/// The `Rule` shape of a rule of `listener` (parsed listener ARN).
fn to_api(listener: &Name, r: &Rule) -> Value {
    json!({
        "RuleArn": names::rule_arn(listener, &r.id),
        "Priority": r.priority.to_string(),
        "Conditions": r.conditions,
        "Actions": r.actions,
        "IsDefault": false,
    })
}

/// The `Rule` shape of the listener's default rule.
fn default_to_api(listener: &Name, l: &Listener) -> Value {
    json!({
        "RuleArn": names::rule_arn(listener, listener.listener_id.as_deref().unwrap_or_default()),
        "Priority": "default",
        "Conditions": [],
        "Actions": l.default_actions,
        "IsDefault": true,
    })
}

/// Where a rule ARN points: its listener (record, version, parsed ARN) and the rule's id.
fn own_rule(call: &Call<'_>, arn: &str) -> Result<(Listener, u64, Name, String), AwsError> {
    let rule = Name::parse(arn)
        .filter(|n| n.kind == Kind::Rule && n.space() == names::space(call))
        .ok_or_else(rule_not_found)?;
    let listener = names::listener_of_rule(&rule);
    let listener_arn = names::listener_arn(
        &listener,
        listener.listener_id.as_deref().unwrap_or_default(),
    );
    let (l, v) =
        records::listener(call.env.store.as_ref(), &listener_arn)?.ok_or_else(rule_not_found)?;
    let id = rule.rule_id.unwrap_or_default();
    let is_default = listener.listener_id.as_deref() == Some(id.as_str());
    if !is_default && !l.rules.iter().any(|r| r.id == id) {
        return Err(rule_not_found());
    }
    Ok((l, v, listener, id))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    listener_arn: String,
    #[serde(default)]
    conditions: Vec<Value>,
    priority: i64,
    #[serde(default)]
    actions: Vec<Value>,
    #[serde(default)]
    tags: Vec<Tag>,
    transforms: Option<Vec<Value>>,
}

fn no_transforms(t: Option<&Vec<Value>>) -> Result<(), AwsError> {
    if t.is_some_and(|t| !t.is_empty()) {
        return Err(errors::validation(
            "rampart does not support rule transforms yet",
        ));
    }
    Ok(())
}

fn create(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: CreateInput = from_input(input, "ValidationError")?;
    let store = call.env.store.as_ref();
    let (mut l, version, name) = listeners::own(call, &input.listener_arn)?;
    let priority = priority(input.priority)?;
    no_transforms(input.transforms.as_ref())?;
    if input.conditions.is_empty() {
        return Err(errors::validation(
            "A rule must have at least one condition",
        ));
    }
    let (_, conditions) = conditions::parse(&input.conditions)?;
    let actions = check_actions(store, &name.space(), input.actions)?;
    tags::check(&input.tags)?;
    if l.rules.iter().any(|r| r.priority == priority) {
        return Err(priority_in_use(priority));
    }
    let lb = Name::parse(&l.load_balancer_arn).ok_or_else(errors::internal)?;
    let on_lb: usize = records::listeners_of(store, &lb)?
        .iter()
        .map(|(o, _)| o.rules.len())
        .sum();
    if on_lb >= MAX_RULES_PER_LOAD_BALANCER {
        return Err(AwsError::new(
            "TooManyRules",
            400,
            "The quota for the number of rules per load balancer has been reached",
        ));
    }
    let rule = Rule {
        id: names::new_id()?,
        priority,
        conditions,
        actions,
        tags: input.tags,
    };
    let out = to_api(&name, &rule);
    l.rules.push(rule);
    listeners::save(call, &name, &l, version)?;
    Ok(json!({ "Rules": [out] }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeInput {
    listener_arn: Option<String>,
    rule_arns: Option<Vec<String>>,
    marker: Option<String>,
    page_size: Option<i64>,
}

/// Every rule of a listener, by priority, the default one last.
fn all_rules(name: &Name, l: &Listener) -> Vec<Value> {
    let mut rules: Vec<&Rule> = l.rules.iter().collect();
    rules.sort_by_key(|r| r.priority);
    let mut out: Vec<Value> = rules.into_iter().map(|r| to_api(name, r)).collect();
    out.push(default_to_api(name, l));
    out
}

fn describe(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DescribeInput = from_input(input, "ValidationError")?;
    let items = match (&input.listener_arn, &input.rule_arns) {
        (Some(_), Some(_)) => {
            return Err(errors::validation(
                "Rule ARNs and a listener ARN cannot be specified at the same time",
            ));
        }
        (Some(arn), None) => {
            let (l, _, name) = listeners::own(call, arn)?;
            all_rules(&name, &l)
        }
        (None, Some(arns)) => {
            let mut out = Vec::new();
            for arn in arns {
                let (l, _, name, _) = own_rule(call, arn)?;
                let rules = all_rules(&name, &l).into_iter();
                out.extend(rules.filter(|r| r["RuleArn"] == arn.as_str()));
            }
            out
        }
        (None, None) => {
            return Err(errors::validation(
                "You must specify either listener ARNs or rule ARNs",
            ));
        }
    };
    paging::page("Rules", items, input.marker.as_deref(), input.page_size)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ModifyInput {
    rule_arn: String,
    conditions: Option<Vec<Value>>,
    actions: Option<Vec<Value>>,
    transforms: Option<Vec<Value>>,
}

fn modify(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ModifyInput = from_input(input, "ValidationError")?;
    let store = call.env.store.as_ref();
    let (mut l, version, name, id) = own_rule(call, &input.rule_arn)?;
    no_transforms(input.transforms.as_ref())?;
    let actions = input
        .actions
        .map(|a| check_actions(store, &name.space(), a))
        .transpose()?;
    let out = if name.listener_id.as_deref() == Some(id.as_str()) {
        if input.conditions.as_ref().is_some_and(|c| !c.is_empty()) {
            return Err(not_permitted("The default rule cannot have conditions"));
        }
        if let Some(a) = actions {
            l.default_actions = a;
        }
        default_to_api(&name, &l)
    } else {
        let conditions = match &input.conditions {
            Some(c) if c.is_empty() => {
                return Err(errors::validation(
                    "A rule must have at least one condition",
                ));
            }
            Some(c) => Some(conditions::parse(c)?.1),
            None => None,
        };
        let rule = l
            .rules
            .iter_mut()
            .find(|r| r.id == id)
            .ok_or_else(rule_not_found)?;
        if let Some(c) = conditions {
            rule.conditions = c;
        }
        if let Some(a) = actions {
            rule.actions = a;
        }
        to_api(&name, rule)
    };
    listeners::save(call, &name, &l, version)?;
    Ok(json!({ "Rules": [out] }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteInput {
    rule_arn: String,
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DeleteInput = from_input(input, "ValidationError")?;
    let (mut l, version, name, id) = own_rule(call, &input.rule_arn)?;
    if name.listener_id.as_deref() == Some(id.as_str()) {
        return Err(not_permitted("The default rule cannot be deleted"));
    }
    l.rules.retain(|r| r.id != id);
    listeners::save(call, &name, &l, version)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PriorityPair {
    rule_arn: String,
    priority: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SetPrioritiesInput {
    rule_priorities: Vec<PriorityPair>,
}

fn set_priorities(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: SetPrioritiesInput = from_input(input, "ValidationError")?;
    let Some(first) = input.rule_priorities.first() else {
        return Err(errors::validation(
            "At least one rule priority must be given",
        ));
    };
    let (mut l, version, name, _) = own_rule(call, &first.rule_arn)?;
    let mut changed = Vec::new();
    for pair in &input.rule_priorities {
        let (_, _, other, id) = own_rule(call, &pair.rule_arn)?;
        if other != name {
            return Err(errors::validation(
                "The rules must all belong to the same listener",
            ));
        }
        if name.listener_id.as_deref() == Some(id.as_str()) {
            return Err(not_permitted(
                "The default rule's priority cannot be changed",
            ));
        }
        if changed.iter().any(|(i, _)| *i == id) {
            return Err(errors::validation(format!(
                "Rule '{}' is given more than once",
                pair.rule_arn
            )));
        }
        changed.push((id, priority(pair.priority)?));
    }
    for (id, p) in &changed {
        if let Some(r) = l.rules.iter_mut().find(|r| &r.id == id) {
            r.priority = *p;
        }
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = l.rules.iter().find(|r| !seen.insert(r.priority)) {
        return Err(priority_in_use(dup.priority));
    }
    listeners::save(call, &name, &l, version)?;
    let out: Vec<Value> = changed
        .iter()
        .filter_map(|(id, _)| l.rules.iter().find(|r| &r.id == id))
        .map(|r| to_api(&name, r))
        .collect();
    Ok(json!({ "Rules": out }))
}

/// Registers the rule operations.
pub(crate) fn register(registry: &mut Registry) {
    registry.register("elbv2", "CreateRule", false, create);
    registry.register("elbv2", "DescribeRules", true, describe);
    registry.register("elbv2", "ModifyRule", false, modify);
    registry.register("elbv2", "DeleteRule", false, delete);
    registry.register("elbv2", "SetRulePriorities", false, set_priorities);
}
