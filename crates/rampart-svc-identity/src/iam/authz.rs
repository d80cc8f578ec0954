//! IAM's authorization table: for each operation, the action, the resource ARN and the condition
//! keys of the Service Authorization Reference.
//!
//! Users are named by their ARN with the stored path (a user that does not exist yet, or at all,
//! by the path in the request, else `/`), and carry their tags as `aws:ResourceTag/*` and
//! `iam:ResourceTag/*`. Policies are named by ARN.

use super::errors::store_error;
use super::records::{Tag, get_user};
use crate::access_keys::{AccessKeyOwner, read_key};
use rampart_protocol::AwsError;
use rampart_service::{Access, Call, PrincipalKind, no_rule};
use serde_json::Value;

/// The accesses IAM `operation` with `input` needs.
pub(crate) fn table(
    call: &Call<'_>,
    operation: &str,
    input: &Value,
) -> Result<Vec<Access>, AwsError> {
    let action = format!("iam:{operation}");
    let access = match operation {
        "ListUsers" | "ListPolicies" => Access::new(action, "*"),
        "CreateUser" => {
            let name = text(input, "UserName").unwrap_or_default();
            let path = text(input, "Path").unwrap_or("/");
            let mut access =
                Access::new(action, user_arn(call, path, name)).with_request_tags(tags(input));
            if let Some(boundary) = text(input, "PermissionsBoundary") {
                access = access.with("iam:PermissionsBoundary", boundary);
            }
            access
        }
        "GetUser"
        | "UpdateUser"
        | "DeleteUser"
        | "CreateAccessKey"
        | "DeleteAccessKey"
        | "UpdateAccessKey"
        | "ListAccessKeys"
        | "PutUserPolicy"
        | "GetUserPolicy"
        | "DeleteUserPolicy"
        | "ListUserPolicies"
        | "ListAttachedUserPolicies" => user_access(call, action, input)?,
        "GetAccessKeyLastUsed" => key_owner_access(call, action, input)?,
        "AttachUserPolicy" | "DetachUserPolicy" => {
            let policy = text(input, "PolicyArn").unwrap_or_default().to_owned();
            user_access(call, action, input)?.with("iam:PolicyARN", policy)
        }
        "CreatePolicy" => {
            let name = text(input, "PolicyName").unwrap_or_default();
            let path = text(input, "Path").unwrap_or("/");
            let arn = format!(
                "arn:{}:iam::{}:policy{path}{name}",
                call.env.partition, call.principal.account
            );
            Access::new(action, arn).with_request_tags(tags(input))
        }
        "GetPolicy"
        | "DeletePolicy"
        | "CreatePolicyVersion"
        | "GetPolicyVersion"
        | "DeletePolicyVersion"
        | "ListPolicyVersions"
        | "SetDefaultPolicyVersion" => {
            Access::new(action, text(input, "PolicyArn").unwrap_or_default())
        }
        _ => return Err(no_rule("iam", operation)),
    };
    Ok(vec![access])
}

/// The access to the user that owns the key `AccessKeyId` (the account, for a root key or a key
/// of another account, which the handler then reports as not found).
fn key_owner_access(call: &Call<'_>, action: String, input: &Value) -> Result<Access, AwsError> {
    let key_id = text(input, "AccessKeyId").unwrap_or_default();
    let owner = read_key(call.env, key_id).map_err(store_error)?;
    match owner {
        Some((key, _)) if key.account == call.principal.account => match key.owner {
            AccessKeyOwner::User { name, .. } => {
                let input = serde_json::json!({ "UserName": name });
                user_access(call, action, &input)
            }
            AccessKeyOwner::Root => Ok(Access::new(action, call.principal.arn())),
        },
        _ => Ok(Access::new(action, call.principal.arn())),
    }
}

/// The access to the user the input names (`UserName`), or when it names none, to the caller
/// itself: its user, or for the root user, the account.
fn user_access(call: &Call<'_>, action: String, input: &Value) -> Result<Access, AwsError> {
    let name = match (text(input, "UserName"), &call.principal.kind) {
        (Some(name), _) => name,
        (None, PrincipalKind::User { name, .. }) => name.as_str(),
        (None, _) => return Ok(Access::new(action, call.principal.arn())),
    };
    let stored =
        get_user(call.env.store.as_ref(), &call.principal.account, name).map_err(store_error)?;
    let Some((user, _)) = stored else {
        return Ok(Access::new(action, user_arn(call, "/", name)));
    };
    let tags = user
        .tags
        .iter()
        .map(|Tag { key, value }| (key.as_str(), value.as_str()));
    let mut access = Access::new(
        action,
        user.arn(call.env.partition, &call.principal.account),
    )
    .with_resource_tags(tags.clone());
    for (key, value) in tags {
        access = access.with(&format!("iam:ResourceTag/{key}"), value);
    }
    Ok(access)
}

fn user_arn(call: &Call<'_>, path: &str, name: &str) -> String {
    format!(
        "arn:{}:iam::{}:user{path}{name}",
        call.env.partition, call.principal.account
    )
}

/// A string member of the input.
fn text<'v>(input: &'v Value, member: &str) -> Option<&'v str> {
    input.get(member).and_then(Value::as_str)
}

/// The `Tags` list of the input as (key, value) pairs.
fn tags(input: &Value) -> impl Iterator<Item = (&str, &str)> {
    input
        .get("Tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tag| Some((text(tag, "Key")?, text(tag, "Value").unwrap_or_default())))
}
