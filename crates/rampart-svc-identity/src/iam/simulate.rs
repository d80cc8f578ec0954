//! The policy simulator, answered by the engine itself: SimulatePrincipalPolicy,
//! SimulateCustomPolicy, GetContextKeysForPrincipalPolicy and GetContextKeysForCustomPolicy.
//!
//! A simulation evaluates every statement (`evaluate_all_statements`) of the entity's
//! policies as they are stored now (a user's with its groups', a group's, a role's, its
//! boundary, and for a member account of an organization its SCPs), plus the policies of the
//! request, for each action and resource asked about.

use super::errors::{invalid_input, no_such_entity, store_error};
use super::names::max_items;
use super::paging::page;
use crate::governing::{EntityKind, Governing, entity_governing};
use rampart_policy::{
    Context, Outcome, Policy, PolicyKind, PolicySet, PolicyType, Principal, Reason, Request,
    evaluate_all_statements,
};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

/// The name the simulator gives a session of a simulated role.
const SESSION_NAME: &str = "rampart-simulation";

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ContextEntry {
    context_key_name: String,
    #[serde(default)]
    context_key_values: Vec<String>,
    context_key_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SimulateInput {
    policy_source_arn: Option<String>,
    #[serde(default)]
    policy_input_list: Vec<String>,
    #[serde(default)]
    permissions_boundary_policy_input_list: Vec<String>,
    #[serde(default)]
    policy_exclusion_list: Vec<String>,
    action_names: Vec<String>,
    #[serde(default)]
    resource_arns: Vec<String>,
    resource_policy: Option<String>,
    resource_owner: Option<String>,
    caller_arn: Option<String>,
    #[serde(default)]
    context_entries: Vec<ContextEntry>,
    max_items: Option<i64>,
    marker: Option<String>,
}

/// The kind and name an entity ARN of the caller's account names.
pub(crate) fn parse_source(call: &Call<'_>, arn: &str) -> Result<(EntityKind, String), AwsError> {
    let invalid = || invalid_input(format!("Invalid ARN: {arn}"));
    let prefix = format!(
        "arn:{}:iam::{}:",
        call.env.partition, call.principal.account
    );
    let resource = arn.strip_prefix(&prefix).ok_or_else(invalid)?;
    let (kind, rest) = resource.split_once('/').ok_or_else(invalid)?;
    let kind = match kind {
        "user" => EntityKind::User,
        "group" => EntityKind::Group,
        "role" => EntityKind::Role,
        _ => return Err(invalid()),
    };
    let name = rest.rsplit('/').next().unwrap_or_default();
    if name.is_empty() {
        return Err(invalid());
    }
    Ok((kind, name.to_owned()))
}

/// Policies of the request, named `<list>.<n>` as AWS reports them.
fn parse_list(documents: &[String], list: &str, kind: PolicyKind) -> Result<Vec<Policy>, AwsError> {
    documents
        .iter()
        .enumerate()
        .map(|(i, document)| {
            Policy::parse(document, kind)
                .map(|p| p.named(format!("{list}.{}", i + 1)))
                .map_err(|e| invalid_input(e.to_string()))
        })
        .collect()
}

/// The engine's principal for the simulation.
fn subject(call: &Call<'_>, kind: Option<(EntityKind, &str)>, caller: &str) -> Principal {
    let account = call.principal.account.to_string();
    match kind {
        Some((EntityKind::Role, source)) => {
            let name = source.rsplit('/').next().unwrap_or_default();
            Principal::AssumedRole {
                role_arn: source.to_owned(),
                session_arn: format!(
                    "arn:{}:sts::{account}:assumed-role/{name}/{SESSION_NAME}",
                    call.env.partition
                ),
                account,
            }
        }
        _ => Principal::User {
            arn: caller.to_owned(),
            account,
        },
    }
}

/// The request's context entries as condition keys.
fn context_of(entries: &[ContextEntry]) -> Context {
    let mut context = Context::new();
    for entry in entries {
        let multi = entry
            .context_key_type
            .as_deref()
            .is_some_and(|t| t.ends_with("List"));
        if multi {
            context.set_multi(&entry.context_key_name, entry.context_key_values.clone());
        } else if let Some(value) = entry.context_key_values.first() {
            context.set(&entry.context_key_name, value.clone());
        }
    }
    context
}

/// AWS's `SourcePolicyType` of a policy named as rampart names them.
fn source_type(name: &str, entity: Option<EntityKind>) -> &'static str {
    if name.starts_with("PolicyInputList.")
        || name.starts_with("PermissionsBoundaryPolicyInputList.")
    {
        "IAM Policy"
    } else if name == "ResourcePolicy" {
        "resource"
    } else if name.contains(":iam::aws:policy/") {
        "aws-managed"
    } else if name.starts_with("arn:") {
        "user-managed"
    } else {
        match entity {
            Some(EntityKind::Group) => "group",
            Some(EntityKind::Role) => "role",
            _ => "user",
        }
    }
}

fn decision_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Allowed => "allowed",
        Outcome::ExplicitDeny => "explicitDeny",
        Outcome::ImplicitDeny => "implicitDeny",
    }
}

fn simulate(
    call: &Call<'_>,
    input: SimulateInput,
    source: Option<(EntityKind, String)>,
) -> Result<Value, AwsError> {
    let max = max_items(input.max_items)?;
    let governing = match &source {
        Some((kind, name)) => entity_governing(call.env, &call.principal.account, *kind, name)
            .map_err(store_error)?
            .ok_or_else(|| {
                no_such_entity(format!(
                    "The {} with name {name} cannot be found.",
                    match kind {
                        EntityKind::User => "user",
                        EntityKind::Group => "group",
                        EntityKind::Role => "role",
                    }
                ))
            })?,
        None => Governing::default(),
    };
    let excluded = |p: &Policy| {
        p.name()
            .is_some_and(|n| input.policy_exclusion_list.iter().any(|x| x == n))
    };
    let mut identity: Vec<Policy> = governing
        .identity
        .iter()
        .filter(|p| !excluded(p))
        .cloned()
        .collect();
    identity.extend(parse_list(
        &input.policy_input_list,
        "PolicyInputList",
        PolicyKind::Identity,
    )?);
    let mut boundary = governing.boundary.clone();
    let extra = parse_list(
        &input.permissions_boundary_policy_input_list,
        "PermissionsBoundaryPolicyInputList",
        PolicyKind::PermissionsBoundary,
    )?;
    if let Some(first) = extra.into_iter().next() {
        boundary = Some(first);
    }
    let resource_policy = input
        .resource_policy
        .as_deref()
        .map(|d| {
            Policy::parse(d, PolicyKind::Resource)
                .map(|p| p.named("ResourcePolicy"))
                .map_err(|e| invalid_input(e.to_string()))
        })
        .transpose()?;
    let source_arn = input.policy_source_arn.clone();
    let caller = input
        .caller_arn
        .clone()
        .or_else(|| {
            source_arn
                .clone()
                .filter(|_| matches!(source, Some((EntityKind::User, _))))
        })
        .unwrap_or_else(|| call.principal.arn());
    let kind = source.as_ref().map(|(k, _)| *k);
    let principal = subject(call, kind.zip(source_arn.as_deref()), &caller);
    let owner = input
        .resource_owner
        .clone()
        .unwrap_or_else(|| call.principal.account.to_string());
    let mut base_context = context_of(&input.context_entries);
    for (key, value) in &governing.tags {
        if !base_context.contains(&format!("aws:PrincipalTag/{key}")) {
            base_context.set(&format!("aws:PrincipalTag/{key}"), value.clone());
        }
    }
    // A principal of a member account is also bound by its organization's SCPs.
    let (scp_levels, management) = if source.is_some() {
        let standing = crate::organizations::standing(call.env, &call.principal.account)
            .map_err(store_error)?;
        (standing.scp_levels.clone(), standing.management)
    } else {
        (Vec::new(), false)
    };
    let organizations_apply = !scp_levels.is_empty() && !management;
    let set = PolicySet {
        identity,
        permissions_boundary: boundary.clone(),
        resource: resource_policy,
        scp_levels,
        principal_in_management_account: management,
        ..PolicySet::default()
    };
    let policy_keys: BTreeSet<String> = set
        .identity
        .iter()
        .chain(set.permissions_boundary.iter())
        .chain(set.resource.iter())
        .flat_map(Policy::condition_keys)
        .collect();
    let resources = if input.resource_arns.is_empty() {
        vec!["*".to_owned()]
    } else {
        input.resource_arns.clone()
    };
    let mut items = Vec::new();
    for action in &input.action_names {
        for resource in &resources {
            let mut request = Request::new(principal.clone(), action, resource)
                .with_resource_account(owner.clone())
                .with_context(base_context.clone());
            request.derive_context();
            let decision = evaluate_all_statements(&request, &set);
            let matched: Vec<Value> = decision
                .statements
                .iter()
                .map(|s| {
                    let name = s.policy.name().unwrap_or_default();
                    let policy_type = match s.policy_type {
                        PolicyType::Resource => "resource",
                        PolicyType::ServiceControl => "none",
                        _ => source_type(name, kind),
                    };
                    json!({ "SourcePolicyId": name, "SourcePolicyType": policy_type })
                })
                .collect();
            let missing: Vec<&String> = policy_keys
                .iter()
                .filter(|k| !request.context.contains(k))
                .collect();
            let mut result = json!({
                "EvalActionName": action,
                "EvalResourceName": resource,
                "EvalDecision": decision_name(decision.outcome),
                "MatchedStatements": matched,
                "MissingContextValues": missing,
            });
            if organizations_apply {
                result["OrganizationsDecisionDetail"] = json!({
                    "AllowedByOrganizations":
                        decision.reason != Reason::NoAllow(PolicyType::ServiceControl)
                            && decision.reason != Reason::ExplicitDeny(PolicyType::ServiceControl),
                });
            }
            if boundary.is_some() {
                result["PermissionsBoundaryDecisionDetail"] = json!({
                    "AllowedByPermissionsBoundary":
                        decision.reason != Reason::NoAllow(PolicyType::PermissionsBoundary)
                            && decision.reason != Reason::ExplicitDeny(PolicyType::PermissionsBoundary),
                });
            }
            items.push((format!("{:06}", items.len()), result));
        }
    }
    let mut output = Map::new();
    let results = page(items, input.marker.as_deref(), max, &mut output)?;
    output.insert("EvaluationResults".into(), Value::Array(results));
    Ok(Value::Object(output))
}

fn simulate_principal(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: SimulateInput = from_input(input, "ValidationError")?;
    let arn = input
        .policy_source_arn
        .clone()
        .ok_or_else(|| super::entity::null_member("policySourceArn"))?;
    let source = parse_source(call, &arn)?;
    simulate(call, input, Some(source))
}

fn simulate_custom(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: SimulateInput = from_input(input, "ValidationError")?;
    if input.policy_input_list.is_empty() {
        return Err(super::entity::null_member("policyInputList"));
    }
    simulate(
        call,
        SimulateInput {
            policy_source_arn: None,
            ..input
        },
        None,
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ContextKeysInput {
    policy_source_arn: Option<String>,
    #[serde(default)]
    policy_input_list: Vec<String>,
}

/// The condition keys `policies` use, each once, in order of first use.
fn context_keys<'a>(policies: impl Iterator<Item = &'a Policy>) -> Value {
    let mut seen = BTreeSet::new();
    let mut keys = Vec::new();
    for key in policies.flat_map(Policy::condition_keys) {
        if seen.insert(key.to_lowercase()) {
            keys.push(key);
        }
    }
    json!({ "ContextKeyNames": keys })
}

fn context_keys_principal(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ContextKeysInput = from_input(input, "ValidationError")?;
    let arn = input
        .policy_source_arn
        .ok_or_else(|| super::entity::null_member("policySourceArn"))?;
    let (kind, name) = parse_source(call, &arn)?;
    let governing = entity_governing(call.env, &call.principal.account, kind, &name)
        .map_err(store_error)?
        .ok_or_else(|| no_such_entity(format!("Entity {arn} cannot be found.")))?;
    let extra = parse_list(
        &input.policy_input_list,
        "PolicyInputList",
        PolicyKind::Identity,
    )?;
    Ok(context_keys(governing.identity.iter().chain(extra.iter())))
}

fn context_keys_custom(_call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ContextKeysInput = from_input(input, "ValidationError")?;
    let policies = parse_list(
        &input.policy_input_list,
        "PolicyInputList",
        PolicyKind::Identity,
    )?;
    Ok(context_keys(policies.iter()))
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "SimulatePrincipalPolicy", true, simulate_principal);
    registry.register("iam", "SimulateCustomPolicy", true, simulate_custom);
    registry.register(
        "iam",
        "GetContextKeysForPrincipalPolicy",
        true,
        context_keys_principal,
    );
    registry.register(
        "iam",
        "GetContextKeysForCustomPolicy",
        true,
        context_keys_custom,
    );
}
