//! Inline user policies: PutUserPolicy, GetUserPolicy, DeleteUserPolicy and ListUserPolicies.

use super::errors::{limit_exceeded, no_such_entity, policy_error, store_error};
use super::names::{check_name, max_items};
use super::paging::page;
use super::records::url_encode;
use super::users::{check_name_for_lookup, existing_user, put_user};
use rampart_policy::{Policy, PolicyKind, policy_size};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use rampart_store::Batch;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// AWS's quota on the aggregate size of a user's inline policies (whitespace not counted).
const USER_INLINE_AGGREGATE: usize = 2_048;

/// Whether a user's inline documents together fit AWS's aggregate quota.
fn within_aggregate<'a>(documents: impl Iterator<Item = &'a String>) -> bool {
    documents.map(|d| policy_size(d)).sum::<usize>() <= USER_INLINE_AGGREGATE
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutUserPolicyInput {
    user_name: String,
    policy_name: String,
    policy_document: String,
}

fn put_user_policy(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: PutUserPolicyInput = from_input(input, "ValidationError")?;
    check_name_for_lookup(&input.user_name)?;
    check_name(&input.policy_name, "policyName", 128)?;
    Policy::parse(&input.policy_document, PolicyKind::Identity).map_err(|e| policy_error(&e))?;
    let (mut user, version) = existing_user(call, &input.user_name)?;
    user.inline_policies
        .insert(input.policy_name, input.policy_document);
    if !within_aggregate(user.inline_policies.values()) {
        return Err(limit_exceeded(format!(
            "Maximum policy size of {USER_INLINE_AGGREGATE} bytes exceeded for user {}",
            user.name
        )));
    }
    let batch = put_user(Batch::new(), call, &user, version)?;
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UserPolicyInput {
    user_name: String,
    policy_name: String,
}

fn no_such_policy(name: &str) -> AwsError {
    no_such_entity(format!("The user policy with name {name} cannot be found."))
}

fn get_user_policy(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: UserPolicyInput = from_input(input, "ValidationError")?;
    check_name_for_lookup(&input.user_name)?;
    check_name(&input.policy_name, "policyName", 128)?;
    let (user, _) = existing_user(call, &input.user_name)?;
    let document = user
        .inline_policies
        .get(&input.policy_name)
        .ok_or_else(|| no_such_policy(&input.policy_name))?;
    Ok(json!({
        "UserName": user.name,
        "PolicyName": input.policy_name,
        "PolicyDocument": url_encode(document),
    }))
}

fn delete_user_policy(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: UserPolicyInput = from_input(input, "ValidationError")?;
    check_name_for_lookup(&input.user_name)?;
    check_name(&input.policy_name, "policyName", 128)?;
    let (mut user, version) = existing_user(call, &input.user_name)?;
    if user.inline_policies.remove(&input.policy_name).is_none() {
        return Err(no_such_policy(&input.policy_name));
    }
    let batch = put_user(Batch::new(), call, &user, version)?;
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListUserPoliciesInput {
    user_name: String,
    marker: Option<String>,
    max_items: Option<i64>,
}

fn list_user_policies(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ListUserPoliciesInput = from_input(input, "ValidationError")?;
    check_name_for_lookup(&input.user_name)?;
    let max = max_items(input.max_items)?;
    let (user, _) = existing_user(call, &input.user_name)?;
    let items = user
        .inline_policies
        .into_keys()
        .map(|name| (name.clone(), Value::String(name)))
        .collect();
    let mut output = Map::new();
    let names = page(items, input.marker.as_deref(), max, &mut output)?;
    output.insert("PolicyNames".into(), Value::Array(names));
    Ok(Value::Object(output))
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "PutUserPolicy", false, put_user_policy);
    registry.register("iam", "GetUserPolicy", true, get_user_policy);
    registry.register("iam", "DeleteUserPolicy", false, delete_user_policy);
    registry.register("iam", "ListUserPolicies", true, list_user_policies);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_aggregate_ignores_whitespace() {
        let fits = "a".repeat(2_048);
        assert!(within_aggregate([fits.clone()].iter()));
        let spaced = format!("{fits}   \n");
        assert!(within_aggregate([spaced].iter()));
        assert!(!within_aggregate([fits, "b".into()].iter()));
    }
}
