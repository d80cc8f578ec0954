//! Tags on roots, OUs, accounts and policies: TagResource, UntagResource and
//! ListTagsForResource.

use super::common::{
    Need, check_caller, empty, is_account_id, is_policy_id, is_root_id, is_unit_id, merge_tags,
    need, page, read_org, tags,
};
use super::errors::{invalid, required, target_not_found};
use super::model::{Change, Org, existing, update};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use serde_json::{Value, json};

/// Registers the operations of this module.
pub(super) fn register(registry: &mut Registry) {
    registry.register("organizations", "TagResource", false, tag);
    registry.register("organizations", "UntagResource", false, untag);
    registry.register("organizations", "ListTagsForResource", true, list);
}

/// The `ResourceId` member: a root, OU, account or policy id.
pub(super) fn resource_id(input: &Value) -> Result<&str, AwsError> {
    let id = need(input, "ResourceId")?;
    if !(is_root_id(id) || is_unit_id(id) || is_account_id(id) || is_policy_id(id)) {
        return Err(invalid(
            "INVALID_PATTERN_TARGET_ID",
            format!("You specified an invalid value for ResourceId: {id}"),
        ));
    }
    Ok(id)
}

/// Whether `id` names a taggable resource of `org` (AWS managed policies are not).
fn exists(org: &Org, id: &str) -> bool {
    org.node(id).is_some() || org.policies.contains_key(id)
}

fn tag(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = resource_id(&input)?.to_owned();
    if input.get("Tags").is_none() {
        return Err(required("Tags"));
    }
    let new = tags(&input)?;
    update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, Need::Delegable)?;
        if !exists(org, &id) {
            return Err(target_not_found());
        }
        merge_tags(org.tags.entry(id.clone()).or_default(), new.clone())?;
        Ok((None, Change::of(())))
    })?;
    Ok(empty())
}

fn untag(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = resource_id(&input)?.to_owned();
    let keys: Vec<String> = input
        .get("TagKeys")
        .and_then(Value::as_array)
        .ok_or_else(|| required("TagKeys"))?
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, Need::Delegable)?;
        if !exists(org, &id) {
            return Err(target_not_found());
        }
        if let Some(tags) = org.tags.get_mut(&id) {
            tags.retain(|t| !keys.contains(&t.key));
            if tags.is_empty() {
                org.tags.remove(&id);
            }
        }
        Ok((None, Change::of(())))
    })?;
    Ok(empty())
}

fn list(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = resource_id(&input)?;
    let org = read_org(call, Need::Read)?;
    if !exists(&org, id) {
        return Err(target_not_found());
    }
    let items = org
        .tags
        .get(id)
        .into_iter()
        .flatten()
        .map(|t| json!(t))
        .collect();
    page(&input, "Tags", items)
}
