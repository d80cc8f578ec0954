//! Policies: CreatePolicy, DescribePolicy, UpdatePolicy, DeletePolicy, ListPolicies,
//! AttachPolicy, DetachPolicy, ListPoliciesForTarget and ListTargetsForPolicy.
//!
//! SCPs and RCPs are checked by the policy engine as such; the other types must be JSON
//! objects. FullAWSAccess is attached everywhere while SCPs are enabled and may be detached
//! (though no target may be left without an SCP); RCPFullAWSAccess can never be detached.

use super::common::{
    Need, check_caller, empty, page, policy_id, policy_type, read_org, sized, tags, target_id,
};
use super::errors::{
    constraint, error, invalid, policy_error, policy_not_found, required, target_not_found,
    type_not_enabled,
};
use super::model::{
    Arns, Change, MAX_ATTACHED_PER_TYPE, Node, Org, PolicyInfo, PolicyMeta, RCP,
    RCP_FULL_AWS_ACCESS, SCP, existing, new_id, read_content, update,
};
use rampart_policy::{Policy, PolicyKind};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, epoch_seconds};
use serde_json::{Value, json};

/// Most policies of one type in an organization.
const MAX_POLICIES: usize = 1_000;
/// Largest document of the types other than SCPs and RCPs, in characters.
const MAX_OTHER_CONTENT: usize = 10_000;

/// Registers the operations of this module.
pub(super) fn register(registry: &mut Registry) {
    registry.register("organizations", "CreatePolicy", false, create);
    registry.register("organizations", "DescribePolicy", true, describe);
    registry.register("organizations", "UpdatePolicy", false, update_policy);
    registry.register("organizations", "DeletePolicy", false, delete);
    registry.register("organizations", "ListPolicies", true, list);
    registry.register("organizations", "AttachPolicy", false, attach);
    registry.register("organizations", "DetachPolicy", false, detach);
    registry.register(
        "organizations",
        "ListPoliciesForTarget",
        true,
        list_for_target,
    );
    registry.register("organizations", "ListTargetsForPolicy", true, list_targets);
}

/// The model's `PolicySummary`.
pub(super) fn summary_output(call: &Call<'_>, org: &Org, p: &PolicyInfo) -> Value {
    let arns = Arns {
        partition: call.env.partition,
        org,
    };
    json!({
        "Id": p.id,
        "Arn": arns.policy(&p.id, &p.kind),
        "Name": p.name,
        "Description": p.description,
        "Type": p.kind,
        "AwsManaged": p.aws_managed,
    })
}

/// Checks a document of policy type `kind`, as AWS does when it is written.
fn check_content(kind: &str, content: &str) -> Result<(), AwsError> {
    let engine_kind = match kind {
        SCP => Some(PolicyKind::ServiceControl),
        RCP => Some(PolicyKind::ResourceControl),
        _ => None,
    };
    match engine_kind {
        Some(k) => {
            k.check_size(content).map_err(|e| policy_error(&e))?;
            Policy::parse(content, k).map_err(|e| policy_error(&e))?;
        }
        None => {
            if content.chars().count() > MAX_OTHER_CONTENT {
                return Err(policy_error(&rampart_policy::PolicyError::TooLarge {
                    quota: "PolicySize",
                    limit: MAX_OTHER_CONTENT,
                }));
            }
            let parsed: Result<Value, _> = serde_json::from_str(content);
            if !matches!(parsed, Ok(Value::Object(_))) {
                return Err(error(
                    "MalformedPolicyDocumentException",
                    "The provided policy document doesn't meet the requirements of the specified policy type.",
                ));
            }
        }
    }
    Ok(())
}

fn duplicate_name() -> AwsError {
    error(
        "DuplicatePolicyException",
        "A policy with the same name already exists.",
    )
}

fn name_taken(org: &Org, kind: &str, name: &str, except: Option<&str>) -> bool {
    org.policies
        .iter()
        .any(|(id, p)| p.kind == kind && p.name == name && Some(id.as_str()) != except)
        || super::model::AWS_MANAGED
            .iter()
            .any(|(_, n, k, _)| *k == kind && *n == name)
}

fn create(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let content = sized(&input, "Content", 1, usize::MAX)?
        .ok_or_else(|| required("Content"))?
        .to_owned();
    let description = sized(&input, "Description", 0, 512)?
        .ok_or_else(|| required("Description"))?
        .to_owned();
    let name = sized(&input, "Name", 1, 128)?
        .ok_or_else(|| required("Name"))?
        .to_owned();
    let kind = policy_type(&input, "Type")?.to_owned();
    let new_tags = tags(&input)?;
    check_content(&kind, &content)?;
    let id = new_id("p-", super::model::LOWER_ALNUM, 8)?;
    let now = epoch_seconds(call.env.clock.now());
    let org = update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, Need::Delegable)?;
        if org.feature_set != "ALL" {
            return Err(error(
                "PolicyTypeNotAvailableForOrganizationException",
                "You can't use the specified policy type with the feature set currently enabled for this organization.",
            ));
        }
        if name_taken(org, &kind, &name, None) {
            return Err(duplicate_name());
        }
        if org.policies.values().filter(|p| p.kind == kind).count() >= MAX_POLICIES {
            return Err(constraint(
                "POLICY_NUMBER_LIMIT_EXCEEDED",
                "You have reached the maximum number of policies of this type in the organization.",
            ));
        }
        org.policies.insert(
            id.clone(),
            PolicyMeta {
                name: name.clone(),
                description: description.clone(),
                kind: kind.clone(),
                updated: now,
            },
        );
        if !new_tags.is_empty() {
            org.tags.insert(id.clone(), new_tags.clone());
        }
        Ok((
            None,
            Change {
                value: org.clone(),
                contents: vec![(id.clone(), Some(content.clone()))],
                delete: false,
            },
        ))
    })?;
    policy_output(call, &org, &id, content)
}

fn policy_output(call: &Call<'_>, org: &Org, id: &str, content: String) -> Result<Value, AwsError> {
    let info = org.policy(id).ok_or_else(policy_not_found)?;
    Ok(json!({
        "Policy": {
            "PolicySummary": summary_output(call, org, &info),
            "Content": content,
        }
    }))
}

fn describe(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = policy_id(&input, "PolicyId")?;
    let org = read_org(call, Need::Read)?;
    org.policy(id).ok_or_else(policy_not_found)?;
    let content = read_content(call.env.store.as_ref(), id)
        .map_err(super::errors::store_error)?
        .ok_or_else(policy_not_found)?;
    policy_output(call, &org, id, content)
}

fn immutable() -> AwsError {
    invalid(
        "IMMUTABLE_POLICY",
        "You specified a policy that is managed by AWS and can't be modified.",
    )
}

fn update_policy(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = policy_id(&input, "PolicyId")?.to_owned();
    let name = sized(&input, "Name", 1, 128)?.map(str::to_owned);
    let description = sized(&input, "Description", 0, 512)?.map(str::to_owned);
    let content = sized(&input, "Content", 1, usize::MAX)?.map(str::to_owned);
    let now = epoch_seconds(call.env.clock.now());
    let org = update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, Need::Delegable)?;
        if super::model::aws_managed(&id).is_some() {
            return Err(immutable());
        }
        let kind = org
            .policies
            .get(&id)
            .ok_or_else(policy_not_found)?
            .kind
            .clone();
        if let Some(content) = &content {
            check_content(&kind, content)?;
        }
        if let Some(name) = &name
            && name_taken(org, &kind, name, Some(&id))
        {
            return Err(duplicate_name());
        }
        if let Some(meta) = org.policies.get_mut(&id) {
            meta.updated = now;
            if let Some(name) = &name {
                meta.name = name.clone();
            }
            if let Some(description) = &description {
                meta.description = description.clone();
            }
        }
        Ok((
            None,
            Change {
                value: org.clone(),
                contents: content
                    .iter()
                    .map(|c| (id.clone(), Some(c.clone())))
                    .collect(),
                delete: false,
            },
        ))
    })?;
    let content = match content {
        Some(c) => c,
        None => read_content(call.env.store.as_ref(), &id)
            .map_err(super::errors::store_error)?
            .ok_or_else(policy_not_found)?,
    };
    policy_output(call, &org, &id, content)
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = policy_id(&input, "PolicyId")?.to_owned();
    update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, Need::Delegable)?;
        if super::model::aws_managed(&id).is_some() {
            return Err(immutable());
        }
        if !org.policies.contains_key(&id) {
            return Err(policy_not_found());
        }
        if org.attached.values().flatten().any(|p| *p == id) {
            return Err(error(
                "PolicyInUseException",
                "The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.",
            ));
        }
        org.policies.remove(&id);
        org.tags.remove(&id);
        Ok((
            None,
            Change {
                value: (),
                contents: vec![(id.clone(), None)],
                delete: false,
            },
        ))
    })?;
    Ok(empty())
}

/// Every policy of `kind`, AWS managed ones first.
fn policies_of(org: &Org, kind: &str) -> Vec<PolicyInfo> {
    super::model::AWS_MANAGED
        .iter()
        .filter(|(_, _, k, _)| *k == kind)
        .filter_map(|(id, ..)| org.policy(id))
        .chain(
            org.policies
                .iter()
                .filter(|(_, p)| p.kind == kind)
                .filter_map(|(id, _)| org.policy(id)),
        )
        .collect()
}

fn list(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let kind = policy_type(&input, "Filter")?;
    let org = read_org(call, Need::Read)?;
    let items = policies_of(&org, kind)
        .iter()
        .map(|p| summary_output(call, &org, p))
        .collect();
    page(&input, "Policies", items)
}

/// The type of the policy `id` that the caller attaches to or detaches from `target`, once
/// the caller may and both exist.
fn attachment_kind(org: &Org, call: &Call<'_>, id: &str, target: &str) -> Result<String, AwsError> {
    check_caller(org, call, Need::Delegable)?;
    let kind = org.policy_kind(id).ok_or_else(policy_not_found)?;
    if org.node(target).is_none() {
        return Err(target_not_found());
    }
    Ok(kind)
}

fn attach(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = policy_id(&input, "PolicyId")?.to_owned();
    let target = target_id(&input, "TargetId")?.to_owned();
    update(call.env, |current| {
        let org = existing(current)?;
        let kind = attachment_kind(org, call, &id, &target)?;
        if !org.enabled(&kind) {
            return Err(type_not_enabled());
        }
        let attached = org.attached_of(&target, &kind);
        if attached.contains(&id) {
            return Err(error(
                "DuplicatePolicyAttachmentException",
                "The selected policy is already attached to the specified target.",
            ));
        }
        if attached.len() >= MAX_ATTACHED_PER_TYPE {
            return Err(constraint(
                "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
                "You attempted to exceed the number of policies of a certain type that can be attached to an entity at one time.",
            ));
        }
        org.attached
            .entry(target.clone())
            .or_default()
            .push(id.clone());
        Ok((None, Change::of(())))
    })?;
    Ok(empty())
}

fn detach(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = policy_id(&input, "PolicyId")?.to_owned();
    let target = target_id(&input, "TargetId")?.to_owned();
    update(call.env, |current| {
        let org = existing(current)?;
        let kind = attachment_kind(org, call, &id, &target)?;
        let attached = org.attached_of(&target, &kind);
        if !attached.contains(&id) {
            return Err(error(
                "PolicyNotAttachedException",
                "The policy isn't attached to the specified target in the specified root.",
            ));
        }
        if id == RCP_FULL_AWS_ACCESS {
            return Err(invalid(
                "NON_DETACHABLE_POLICY",
                "You can't detach the RCPFullAWSAccess policy.",
            ));
        }
        if kind == SCP && attached.len() == 1 {
            return Err(constraint(
                "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
                "You attempted to detach a policy from an entity that would cause the entity to have fewer than the minimum number of policies of a certain type required.",
            ));
        }
        if let Some(policies) = org.attached.get_mut(&target) {
            policies.retain(|p| *p != id);
        }
        org.attached.retain(|_, p| !p.is_empty());
        Ok((None, Change::of(())))
    })?;
    Ok(empty())
}

fn list_for_target(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let target = target_id(&input, "TargetId")?;
    let kind = policy_type(&input, "Filter")?;
    let org = read_org(call, Need::Read)?;
    if org.node(target).is_none() {
        return Err(target_not_found());
    }
    let items = org
        .attached_of(target, kind)
        .iter()
        .filter_map(|id| org.policy(id))
        .map(|p| summary_output(call, &org, &p))
        .collect();
    page(&input, "Policies", items)
}

fn list_targets(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = policy_id(&input, "PolicyId")?;
    let org = read_org(call, Need::Read)?;
    org.policy(id).ok_or_else(policy_not_found)?;
    let arns = Arns {
        partition: call.env.partition,
        org: &org,
    };
    let items = org
        .attached
        .iter()
        .filter(|(_, policies)| policies.iter().any(|p| p == id))
        .filter_map(|(target, _)| {
            let node = org.node(target)?;
            let name = match node {
                Node::Root => "Root".to_owned(),
                Node::Unit => org.units.get(target)?.name.clone(),
                Node::Account => org.accounts.get(target)?.name.clone(),
            };
            Some(json!({
                "TargetId": target,
                "Arn": arns.node(target),
                "Name": name,
                "Type": node.word(),
            }))
        })
        .collect();
    page(&input, "Targets", items)
}
