//! CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey and GetAccessKeyLastUsed.

use super::entity::{existing, put};
use super::errors::{
    already_exists, limit_exceeded, no_such_entity, session_needs_user_name, store_error,
    validation,
};
use super::records::StoredUser;
use super::users::check_name_for_lookup;
use crate::access_keys::{
    AccessKeyOwner, StoredKey, access_key_key, mint_access_key_id, mint_secret_access_key,
    new_key_record, read_key, root_keys,
};
use rampart_protocol::AwsError;
use rampart_service::{Call, PrincipalKind, Registry, from_input, internal_error};
use rampart_store::{Batch, Expect};
use serde::Deserialize;
use serde_json::{Value, json};

/// AWS's quota of access keys per user.
const KEYS_PER_USER: usize = 2;

/// Whose keys an operation is about: a named user, else the calling user, else the caller's root.
enum Target {
    User(Box<StoredUser>, u64),
    Root,
}

fn target(call: &Call<'_>, user_name: Option<&str>) -> Result<Target, AwsError> {
    let name = match (user_name, &call.principal.kind) {
        (Some(name), _) => {
            check_name_for_lookup(name)?;
            name
        }
        (None, PrincipalKind::User { name, .. }) => name.as_str(),
        (None, PrincipalKind::Root) => return Ok(Target::Root),
        (None, _) => return Err(session_needs_user_name()),
    };
    let (user, version) = existing::<StoredUser>(call, name)?;
    Ok(Target::User(Box::new(user), version))
}

fn key_not_found(id: &str) -> AwsError {
    no_such_entity(format!("The Access Key with id {id} cannot be found."))
}

/// The record of key `id` if it belongs to `target` (in the caller's account).
fn owned_key(call: &Call<'_>, target: &Target, id: &str) -> Result<(StoredKey, u64), AwsError> {
    let (key, version) = read_key(call.env, id)
        .map_err(store_error)?
        .ok_or_else(|| key_not_found(id))?;
    let owned = key.account == call.principal.account
        && match (&key.owner, target) {
            (AccessKeyOwner::User { user_id, .. }, Target::User(user, _)) => {
                *user_id == user.user_id
            }
            (AccessKeyOwner::Root, Target::Root) => true,
            _ => false,
        };
    if !owned {
        return Err(key_not_found(id));
    }
    Ok((key, version))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UserNameInput {
    user_name: Option<String>,
}

fn create_access_key(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: UserNameInput = from_input(input, "ValidationError")?;
    let id = mint_access_key_id().ok_or_else(internal_error)?;
    let secret = mint_secret_access_key().ok_or_else(internal_error)?;
    issue_access_key(call, input.user_name.as_deref(), &id, &secret)
}

/// Gives the user `user_name` (the calling root when `None`) the access key `access_key_id`
/// with `secret`, chosen by the operator rather than minted: seeding's fixed keys. The same
/// rules as CreateAccessKey hold (two keys per user); an id in use is refused.
pub fn import_access_key(
    call: &Call<'_>,
    user_name: Option<&str>,
    access_key_id: &str,
    secret: &str,
) -> Result<Value, AwsError> {
    let id_ok = (16..=128).contains(&access_key_id.len())
        && access_key_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !id_ok || secret.is_empty() || secret.len() > 128 {
        return Err(AwsError::new(
            "ValidationError",
            400,
            "An access key id is 16 to 128 letters, digits or underscores, and its secret 1 to 128 characters.",
        ));
    }
    if read_key(call.env, access_key_id)
        .map_err(store_error)?
        .is_some()
    {
        return Err(already_exists(format!(
            "The access key {access_key_id} already exists."
        )));
    }
    issue_access_key(call, user_name, access_key_id, secret)
}

fn issue_access_key(
    call: &Call<'_>,
    user_name: Option<&str>,
    id: &str,
    secret: &str,
) -> Result<Value, AwsError> {
    let target = target(call, user_name)?;
    let (owner, existing) = match &target {
        Target::User(user, _) => (
            AccessKeyOwner::User {
                name: user.name.clone(),
                user_id: user.user_id.clone(),
            },
            user.access_keys.len(),
        ),
        Target::Root => (
            AccessKeyOwner::Root,
            root_keys(call.env, &call.principal.account)
                .map_err(store_error)?
                .len(),
        ),
    };
    if existing >= KEYS_PER_USER {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for AccessKeysPerUser: {KEYS_PER_USER}"
        )));
    }
    let record = new_key_record(call.env, &call.principal.account, owner, id, secret)
        .map_err(store_error)?;
    let mut batch = Batch::new().put_if(
        access_key_key(id),
        record.encode().map_err(store_error)?,
        Expect::Absent,
    );
    let mut output = json!({ "AccessKey": {
        "AccessKeyId": id,
        "Status": record.status,
        "SecretAccessKey": secret,
        "CreateDate": record.create_date,
    }});
    if let Target::User(mut user, version) = target {
        output["AccessKey"]["UserName"] = json!(user.name);
        user.access_keys.push(id.to_owned());
        batch = put(batch, call, &*user, version)?;
    }
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(output)
}

fn list_access_keys(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: UserNameInput = from_input(input, "ValidationError")?;
    let (user_name, keys) = match target(call, input.user_name.as_deref())? {
        Target::User(user, _) => {
            let mut keys = Vec::new();
            for id in &user.access_keys {
                if let Some((key, _)) = read_key(call.env, id).map_err(store_error)? {
                    keys.push((id.clone(), key));
                }
            }
            (Some(user.name), keys)
        }
        Target::Root => (
            None,
            root_keys(call.env, &call.principal.account).map_err(store_error)?,
        ),
    };
    let metadata: Vec<Value> = keys
        .into_iter()
        .map(|(id, key)| {
            let mut m = json!({
                "AccessKeyId": id,
                "Status": key.status,
                "CreateDate": key.create_date,
            });
            if let Some(name) = &user_name {
                m["UserName"] = json!(name);
            }
            m
        })
        .collect();
    Ok(json!({ "AccessKeyMetadata": metadata, "IsTruncated": false }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateAccessKeyInput {
    user_name: Option<String>,
    access_key_id: String,
    status: String,
}

fn update_access_key(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: UpdateAccessKeyInput = from_input(input, "ValidationError")?;
    if !matches!(input.status.as_str(), "Active" | "Inactive") {
        return Err(validation(format!(
            "1 validation error detected: Value '{}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]",
            input.status
        )));
    }
    let target = target(call, input.user_name.as_deref())?;
    let (mut key, version) = owned_key(call, &target, &input.access_key_id)?;
    key.status = input.status;
    call.env
        .store
        .commit(Batch::new().put_if(
            access_key_key(&input.access_key_id),
            key.encode().map_err(store_error)?,
            Expect::Version(version),
        ))
        .map_err(store_error)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteAccessKeyInput {
    user_name: Option<String>,
    access_key_id: String,
}

fn delete_access_key(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DeleteAccessKeyInput = from_input(input, "ValidationError")?;
    let target = target(call, input.user_name.as_deref())?;
    let (_, version) = owned_key(call, &target, &input.access_key_id)?;
    let mut batch = Batch::new().delete_if(
        access_key_key(&input.access_key_id),
        Expect::Version(version),
    );
    if let Target::User(mut user, user_version) = target {
        user.access_keys.retain(|id| *id != input.access_key_id);
        batch = put(batch, call, &*user, user_version)?;
    }
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AccessKeyIdInput {
    access_key_id: String,
}

/// Minimal: rampart does not yet record key use, so every key reads as never used.
fn get_access_key_last_used(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: AccessKeyIdInput = from_input(input, "ValidationError")?;
    let (key, _) = read_key(call.env, &input.access_key_id)
        .map_err(store_error)?
        .filter(|(key, _)| key.account == call.principal.account)
        .ok_or_else(|| key_not_found(&input.access_key_id))?;
    let mut output = json!({ "AccessKeyLastUsed": { "ServiceName": "N/A", "Region": "N/A" } });
    if let AccessKeyOwner::User { name, .. } = key.owner {
        output["UserName"] = json!(name);
    }
    Ok(output)
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "CreateAccessKey", false, create_access_key);
    registry.register("iam", "ListAccessKeys", true, list_access_keys);
    registry.register("iam", "UpdateAccessKey", false, update_access_key);
    registry.register("iam", "DeleteAccessKey", false, delete_access_key);
    registry.register(
        "iam",
        "GetAccessKeyLastUsed",
        true,
        get_access_key_last_used,
    );
}
