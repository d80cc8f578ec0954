//! CreateUser, GetUser, ListUsers, UpdateUser and DeleteUser.

use super::errors::{
    already_exists, delete_conflict, invalid_input, limit_exceeded, no_such_user,
    session_needs_user_name, store_error, validation,
};
use super::names::{check_path, check_user_name, max_items};
use super::paging::page;
use super::records::{
    StoredUser, Tag, USER_TABLE, encode, get_user, list, new_unique_id, record_key,
};
use crate::access_keys::{AccessKeyOwner, access_key_key, read_key};
use rampart_protocol::AwsError;
use rampart_service::{Call, PrincipalKind, Registry, from_input};
use rampart_store::{Batch, Expect};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The `User` structure of the IAM model.
pub(crate) fn user_output(call: &Call<'_>, user: &StoredUser) -> Value {
    let mut v = json!({
        "Path": user.path,
        "UserName": user.name,
        "UserId": user.user_id,
        "Arn": user.arn(call.env.partition, &call.principal.account),
        "CreateDate": user.create_date,
    });
    if !user.tags.is_empty() {
        v["Tags"] = json!(user.tags);
    }
    v
}

/// AWS's tag rules: at most 50, keys 1-128 characters and unique regardless of case, values up
/// to 256 characters.
fn check_tags(tags: &[Tag]) -> Result<(), AwsError> {
    if tags.len() > MAX_TAGS {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for TagsPerUser: {MAX_TAGS}"
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for tag in tags {
        let key_len = tag.key.chars().count();
        if key_len == 0 || key_len > 128 || tag.value.chars().count() > 256 {
            return Err(validation(
                "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 128 for keys and 256 for values]",
            ));
        }
        if !seen.insert(tag.key.to_lowercase()) {
            return Err(invalid_input(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
            ));
        }
    }
    Ok(())
}

/// The user named `name`, or `NoSuchEntity`.
pub(crate) fn existing_user(call: &Call<'_>, name: &str) -> Result<(StoredUser, u64), AwsError> {
    get_user(call.env.store.as_ref(), &call.principal.account, name)
        .map_err(store_error)?
        .ok_or_else(|| no_such_user(name))
}

/// Writes back a user record read at `version`.
pub(crate) fn put_user(
    batch: Batch,
    call: &Call<'_>,
    user: &StoredUser,
    version: u64,
) -> Result<Batch, AwsError> {
    Ok(batch.put_if(
        record_key(&call.principal.account, USER_TABLE, &user.name),
        encode(user).map_err(store_error)?,
        Expect::Version(version),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateUserInput {
    user_name: String,
    path: Option<String>,
    permissions_boundary: Option<String>,
    #[serde(default)]
    tags: Vec<Tag>,
}

/// AWS's quota of tags per IAM resource.
const MAX_TAGS: usize = 50;

fn create_user(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: CreateUserInput = from_input(input, "ValidationError")?;
    check_user_name(&input.user_name, "userName")?;
    let path = input.path.unwrap_or_else(|| "/".into());
    check_path(&path, "path")?;
    if input.permissions_boundary.is_some() {
        // Refused rather than ignored: a user created without its boundary would hold more
        // permissions than its creator meant to grant.
        return Err(invalid_input(
            "Permissions boundaries are not supported by rampart yet.",
        ));
    }
    check_tags(&input.tags)?;
    let account = &call.principal.account;
    let exists = || {
        already_exists(format!(
            "User with name {} already exists.",
            input.user_name
        ))
    };
    if get_user(call.env.store.as_ref(), account, &input.user_name)
        .map_err(store_error)?
        .is_some()
    {
        return Err(exists());
    }
    let user = StoredUser {
        name: input.user_name.clone(),
        path,
        user_id: new_unique_id("AIDA").map_err(store_error)?,
        create_date: rampart_service::epoch_seconds(call.env.clock.now()),
        access_keys: Vec::new(),
        inline_policies: BTreeMap::new(),
        attached_policies: Vec::new(),
        tags: input.tags,
    };
    let batch = Batch::new().put_if(
        record_key(account, USER_TABLE, &user.name),
        encode(&user).map_err(store_error)?,
        Expect::Absent,
    );
    match call.env.store.commit(batch) {
        Ok(_) => Ok(json!({ "User": user_output(call, &user) })),
        Err(rampart_store::StoreError::Conflict { .. }) => Err(exists()),
        Err(e) => Err(store_error(e)),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetUserInput {
    user_name: Option<String>,
}

fn get_user_op(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: GetUserInput = from_input(input, "ValidationError")?;
    let name = match (input.user_name, &call.principal.kind) {
        (Some(name), _) => {
            check_name_for_lookup(&name)?;
            name
        }
        (None, PrincipalKind::User { name, .. }) => name.clone(),
        (None, PrincipalKind::Root) => {
            // The root user has no user record; AWS answers with the account's identity.
            return Ok(json!({ "User": {
                "Path": "/",
                "UserId": call.principal.account.to_string(),
                "Arn": call.principal.arn(),
                "CreateDate": 0.0,
            }}));
        }
        (None, _) => return Err(session_needs_user_name()),
    };
    let (user, _) = existing_user(call, &name)?;
    Ok(json!({ "User": user_output(call, &user) }))
}

/// Names of existing users may be up to 128 characters (`existingUserNameType`).
pub(crate) fn check_name_for_lookup(name: &str) -> Result<(), AwsError> {
    super::names::check_name(name, "userName", 128)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListUsersInput {
    path_prefix: Option<String>,
    marker: Option<String>,
    max_items: Option<i64>,
}

fn list_users(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ListUsersInput = from_input(input, "ValidationError")?;
    let max = max_items(input.max_items)?;
    let prefix = input.path_prefix.unwrap_or_else(|| "/".into());
    let users: Vec<StoredUser> =
        list(call.env.store.as_ref(), &call.principal.account, USER_TABLE).map_err(store_error)?;
    let items = users
        .into_iter()
        .filter(|u| u.path.starts_with(&prefix))
        .map(|u| (u.name.to_lowercase(), u))
        .collect();
    let mut output = Map::new();
    let users = page(items, input.marker.as_deref(), max, &mut output)?;
    output.insert(
        "Users".into(),
        Value::Array(users.iter().map(|u| user_output(call, u)).collect()),
    );
    Ok(Value::Object(output))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateUserInput {
    user_name: String,
    new_path: Option<String>,
    new_user_name: Option<String>,
}

/// Renames or moves a user. Its key records are rewritten in the same commit, so every cached
/// credential naming the old principal is dropped on the next request.
fn update_user(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: UpdateUserInput = from_input(input, "ValidationError")?;
    check_name_for_lookup(&input.user_name)?;
    if let Some(path) = &input.new_path {
        check_path(path, "newPath")?;
    }
    if let Some(name) = &input.new_user_name {
        check_user_name(name, "newUserName")?;
    }
    let (mut user, version) = existing_user(call, &input.user_name)?;
    let account = &call.principal.account;
    let old_key = record_key(account, USER_TABLE, &user.name);
    if let Some(path) = input.new_path {
        user.path = path;
    }
    let mut batch = Batch::new();
    if let Some(new_name) = input.new_user_name {
        if new_name.to_lowercase() != user.name.to_lowercase() {
            if get_user(call.env.store.as_ref(), account, &new_name)
                .map_err(store_error)?
                .is_some()
            {
                return Err(already_exists(format!(
                    "User with name {new_name} already exists."
                )));
            }
            batch = batch.delete_if(old_key.clone(), Expect::Version(version));
        }
        user.name = new_name;
    }
    let new_key = record_key(account, USER_TABLE, &user.name);
    let expect = if new_key == old_key {
        Expect::Version(version)
    } else {
        Expect::Absent
    };
    batch = batch.put_if(new_key, encode(&user).map_err(store_error)?, expect);
    for key_id in &user.access_keys {
        let Some((mut key, key_version)) = read_key(call.env, key_id).map_err(store_error)? else {
            continue;
        };
        key.owner = AccessKeyOwner::User {
            name: user.name.clone(),
            user_id: user.user_id.clone(),
        };
        batch = batch.put_if(
            access_key_key(key_id),
            key.encode().map_err(store_error)?,
            Expect::Version(key_version),
        );
    }
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UserNameInput {
    user_name: String,
}

fn delete_user(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: UserNameInput = from_input(input, "ValidationError")?;
    check_name_for_lookup(&input.user_name)?;
    let (user, version) = existing_user(call, &input.user_name)?;
    if !user.access_keys.is_empty() {
        return Err(delete_conflict(
            "Cannot delete entity, must delete access keys first.",
        ));
    }
    if !user.inline_policies.is_empty() {
        return Err(delete_conflict(
            "Cannot delete entity, must delete policies first.",
        ));
    }
    if !user.attached_policies.is_empty() {
        return Err(delete_conflict(
            "Cannot delete entity, must detach all policies first.",
        ));
    }
    let key = record_key(&call.principal.account, USER_TABLE, &user.name);
    call.env
        .store
        .commit(Batch::new().delete_if(key, Expect::Version(version)))
        .map_err(store_error)?;
    Ok(json!({}))
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "CreateUser", false, create_user);
    registry.register("iam", "GetUser", true, get_user_op);
    registry.register("iam", "ListUsers", true, list_users);
    registry.register("iam", "UpdateUser", false, update_user);
    registry.register("iam", "DeleteUser", false, delete_user);
}
