//! CreateUser, GetUser, ListUsers, UpdateUser and DeleteUser; a user's policies, tags and
//! boundary are `entity` operations.

use super::entity::{Entity, Kind, boundary_output, check_boundary, existing, load};
use super::errors::{already_exists, delete_conflict, session_needs_user_name, store_error};
use super::names::{check_path, check_user_name};
use super::records::{StoredUser, Tag, USER_TABLE, encode, get_user, new_unique_id, record_key};
use super::tags::{Tagged, check_tags};
use crate::access_keys::{AccessKeyOwner, access_key_key, read_key};
use rampart_protocol::AwsError;
use rampart_service::{Call, PrincipalKind, Registry, from_input};
use rampart_store::{Batch, Expect, Key};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The `User` structure of the IAM model, as `GetUser` and `CreateUser` return it (tags and
/// boundary included).
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
    if let Some(boundary) = &user.permissions_boundary {
        v["PermissionsBoundary"] = boundary_output(boundary);
    }
    v
}

impl Tagged for StoredUser {
    const TITLE: &'static str = "User";
    fn load(call: &Call<'_>, input: &Value) -> Result<(Self, Key, u64), AwsError> {
        load(call, input)
    }
    fn tags(&mut self) -> &mut Vec<Tag> {
        &mut self.tags
    }
}

impl Entity for StoredUser {
    const KIND: Kind = Kind {
        title: "User",
        noun: "user",
        table: USER_TABLE,
        member: "UserName",
        validation_member: "userName",
        name_max: 128,
        inline_quota: 2_048,
    };
    super::entity::entity_fields!(bounded);
}

/// The `User` structure as listings return it: AWS leaves out tags and the boundary.
pub(crate) fn listed_user_output(call: &Call<'_>, user: &StoredUser) -> Value {
    let mut v = user_output(call, user);
    if let Some(map) = v.as_object_mut() {
        map.remove("Tags");
        map.remove("PermissionsBoundary");
    }
    v
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

fn create_user(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: CreateUserInput = from_input(input, "ValidationError")?;
    check_user_name(&input.user_name, "userName")?;
    let path = input.path.unwrap_or_else(|| "/".into());
    check_path(&path, "path")?;
    check_tags(&input.tags, "TagsPerUser")?;
    if let Some(boundary) = &input.permissions_boundary {
        check_boundary(call, boundary)?;
    }
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
        permissions_boundary: input.permissions_boundary,
        groups: Vec::new(),
        login_profile: None,
        signing_certificates: Vec::new(),
        service_credentials: Vec::new(),
        ssh_keys: Vec::new(),
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
    let (user, _) = existing::<StoredUser>(call, &name)?;
    Ok(json!({ "User": user_output(call, &user) }))
}

/// Names of existing users may be up to 128 characters (`existingUserNameType`).
pub(crate) fn check_name_for_lookup(name: &str) -> Result<(), AwsError> {
    super::names::check_name(name, "userName", 128)
}

fn list_users(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    super::entity::list_under_path::<StoredUser>(call, input, "Users", |u| {
        listed_user_output(call, u)
    })
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
    let (mut user, version) = existing::<StoredUser>(call, &input.user_name)?;
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
    batch = super::mfa::rename_owner(
        call.env,
        &call.principal.account,
        batch,
        &user.user_id,
        &user.name,
    )?;
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

/// What must go before a user can be deleted, if anything is left, checked in the order of
/// AWS's API reference, with AWS's message.
fn deletion_conflict(call: &Call<'_>, user: &StoredUser) -> Result<Option<&'static str>, AwsError> {
    let owner = super::mfa::MfaOwner::User {
        name: user.name.clone(),
        user_id: user.user_id.clone(),
    };
    let has_mfa = !super::mfa::devices_of(call.env, &call.principal.account, &owner)?.is_empty();
    let conflicts = [
        (
            !user.access_keys.is_empty(),
            "Cannot delete entity, must delete access keys first.",
        ),
        (
            user.login_profile.is_some(),
            "Cannot delete entity, must delete login profile first.",
        ),
        (
            !user.signing_certificates.is_empty(),
            "Cannot delete entity, must delete signing certificates first.",
        ),
        (
            !user.ssh_keys.is_empty(),
            "Cannot delete entity, must delete SSH public keys first.",
        ),
        (
            !user.service_credentials.is_empty(),
            "Cannot delete entity, must delete service specific credentials first.",
        ),
        (
            has_mfa,
            "Cannot delete entity, must delete MFA device first.",
        ),
        (
            !user.inline_policies.is_empty(),
            "Cannot delete entity, must delete policies first.",
        ),
        (
            !user.attached_policies.is_empty(),
            "Cannot delete entity, must detach all policies first.",
        ),
        (
            !user.groups.is_empty(),
            "Cannot delete entity, must remove users from group first.",
        ),
    ];
    Ok(conflicts
        .into_iter()
        .find(|(blocked, _)| *blocked)
        .map(|(_, message)| message))
}

fn delete_user(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: UserNameInput = from_input(input, "ValidationError")?;
    check_name_for_lookup(&input.user_name)?;
    let (user, version) = existing::<StoredUser>(call, &input.user_name)?;
    if let Some(conflict) = deletion_conflict(call, &user)? {
        return Err(delete_conflict(conflict));
    }
    let key = record_key(&call.principal.account, USER_TABLE, &user.name);
    super::entity::delete_record(call, key, version)
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "CreateUser", false, create_user);
    registry.register("iam", "GetUser", true, get_user_op);
    registry.register("iam", "ListUsers", true, list_users);
    registry.register("iam", "UpdateUser", false, update_user);
    registry.register("iam", "DeleteUser", false, delete_user);
}
