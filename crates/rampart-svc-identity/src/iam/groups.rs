//! Groups: CreateGroup, GetGroup, ListGroups, UpdateGroup, DeleteGroup, AddUserToGroup,
//! RemoveUserFromGroup and ListGroupsForUser. A group's policies are `entity` operations.
//!
//! Membership is kept on the users (`StoredUser::groups`, by group name): what governs a user
//! is then read from its record and its groups' records.

use super::entity::{Entity, Kind, entity_name, existing, put};
use super::errors::{already_exists, delete_conflict, limit_exceeded, no_such_entity, store_error};
use super::names::{check_name, check_path, max_items};
use super::paging::{PageInput, page};
use super::records::{
    GROUP_TABLE, StoredGroup, StoredUser, USER_TABLE, encode, get_group, list, new_unique_id,
    record_key,
};
use super::users::listed_user_output;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use rampart_store::{Batch, Expect, StoreError};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// AWS's default quota of groups per account.
pub(crate) const GROUPS_PER_ACCOUNT: usize = 300;
/// AWS's quota of groups one user may belong to.
pub(crate) const GROUPS_PER_USER: usize = 10;

impl Entity for StoredGroup {
    const KIND: Kind = Kind {
        title: "Group",
        noun: "group",
        table: GROUP_TABLE,
        member: "GroupName",
        validation_member: "groupName",
        name_max: 128,
        inline_quota: 5_120,
    };
    super::entity::entity_fields!();
}

/// The model's `Group` structure.
pub(crate) fn group_output(call: &Call<'_>, group: &StoredGroup) -> Value {
    json!({
        "Path": group.path,
        "GroupName": group.name,
        "GroupId": group.group_id,
        "Arn": group.arn(call.env.partition, &call.principal.account),
        "CreateDate": group.create_date,
    })
}

/// Whether `user` belongs to the group named `name` (any case).
fn is_member(user: &StoredUser, name: &str) -> bool {
    user.groups.iter().any(|g| g.eq_ignore_ascii_case(name))
}

/// The members of the group named `name`, with their records' versions, by lower-cased name.
fn members(call: &Call<'_>, name: &str) -> Result<Vec<(StoredUser, u64)>, AwsError> {
    let items = call
        .env
        .store
        .scan(
            &rampart_store::space::account(&call.principal.account),
            USER_TABLE,
            &rampart_store::Scan::all(),
        )
        .map_err(store_error)?;
    let mut found = Vec::new();
    for item in items {
        let user: StoredUser = serde_json::from_slice(&item.value)
            .map_err(|e| store_error(StoreError::Corrupt(format!("{USER_TABLE} record: {e}"))))?;
        if is_member(&user, name) {
            found.push((user, item.version));
        }
    }
    Ok(found)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateGroupInput {
    group_name: String,
    path: Option<String>,
}

fn create_group(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: CreateGroupInput = from_input(input, "ValidationError")?;
    check_name(&input.group_name, "groupName", 128)?;
    let path = input.path.unwrap_or_else(|| "/".into());
    check_path(&path, "path")?;
    let account = &call.principal.account;
    let store = call.env.store.as_ref();
    let exists = || {
        already_exists(format!(
            "Group with name {} already exists.",
            input.group_name
        ))
    };
    if get_group(store, account, &input.group_name)
        .map_err(store_error)?
        .is_some()
    {
        return Err(exists());
    }
    let count = list::<StoredGroup>(store, account, GROUP_TABLE)
        .map_err(store_error)?
        .len();
    if count >= GROUPS_PER_ACCOUNT {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for GroupsPerAccount: {GROUPS_PER_ACCOUNT}"
        )));
    }
    let group = StoredGroup {
        name: input.group_name.clone(),
        path,
        group_id: new_unique_id("AGPA").map_err(store_error)?,
        create_date: rampart_service::epoch_seconds(call.env.clock.now()),
        inline_policies: BTreeMap::new(),
        attached_policies: Vec::new(),
    };
    let batch = Batch::new().put_if(
        record_key(account, GROUP_TABLE, &group.name),
        encode(&group).map_err(store_error)?,
        Expect::Absent,
    );
    match call.env.store.commit(batch) {
        Ok(_) => Ok(json!({ "Group": group_output(call, &group) })),
        Err(StoreError::Conflict { .. }) => Err(exists()),
        Err(e) => Err(store_error(e)),
    }
}

fn get_group_op(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let name = entity_name::<StoredGroup>(&input)?.to_owned();
    let input: PageInput = from_input(input, "ValidationError")?;
    let max = max_items(input.max_items)?;
    let (group, _) = existing::<StoredGroup>(call, &name)?;
    let items = members(call, &group.name)?
        .into_iter()
        .map(|(u, _)| (u.name.to_lowercase(), listed_user_output(call, &u)))
        .collect();
    let mut output = Map::new();
    let users = page(items, input.marker.as_deref(), max, &mut output)?;
    output.insert("Group".into(), group_output(call, &group));
    output.insert("Users".into(), Value::Array(users));
    Ok(Value::Object(output))
}

fn list_groups(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    super::entity::list_under_path::<StoredGroup>(call, input, "Groups", |g| group_output(call, g))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateGroupInput {
    new_path: Option<String>,
    new_group_name: Option<String>,
}

/// Renames or moves a group; its members' records follow a rename in the same commit.
fn update_group(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let name = entity_name::<StoredGroup>(&input)?.to_owned();
    let input: UpdateGroupInput = from_input(input, "ValidationError")?;
    if let Some(path) = &input.new_path {
        check_path(path, "newPath")?;
    }
    if let Some(new_name) = &input.new_group_name {
        check_name(new_name, "newGroupName", 128)?;
    }
    let (mut group, version) = existing::<StoredGroup>(call, &name)?;
    let account = &call.principal.account;
    let old_key = record_key(account, GROUP_TABLE, &group.name);
    let old_name = group.name.clone();
    if let Some(path) = input.new_path {
        group.path = path;
    }
    let mut batch = Batch::new();
    if let Some(new_name) = input.new_group_name {
        let renamed = !new_name.eq_ignore_ascii_case(&group.name);
        if renamed
            && get_group(call.env.store.as_ref(), account, &new_name)
                .map_err(store_error)?
                .is_some()
        {
            return Err(already_exists(format!(
                "Group with name {new_name} already exists."
            )));
        }
        for (mut user, user_version) in members(call, &old_name)? {
            for g in user.groups.iter_mut() {
                if g.eq_ignore_ascii_case(&old_name) {
                    g.clone_from(&new_name);
                }
            }
            batch = put(batch, call, &user, user_version)?;
        }
        if renamed {
            batch = batch.delete_if(old_key.clone(), Expect::Version(version));
        }
        group.name = new_name;
    }
    let new_key = record_key(account, GROUP_TABLE, &group.name);
    let expect = if new_key == old_key {
        Expect::Version(version)
    } else {
        Expect::Absent
    };
    batch = batch.put_if(new_key, encode(&group).map_err(store_error)?, expect);
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(json!({}))
}

fn delete_group(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let name = entity_name::<StoredGroup>(&input)?.to_owned();
    let (group, version) = existing::<StoredGroup>(call, &name)?;
    if !members(call, &group.name)?.is_empty() {
        return Err(delete_conflict(
            "Cannot delete entity, must remove users from group first.",
        ));
    }
    if !group.inline_policies.is_empty() {
        return Err(delete_conflict(
            "Cannot delete entity, must delete policies first.",
        ));
    }
    if !group.attached_policies.is_empty() {
        return Err(delete_conflict(
            "Cannot delete entity, must detach all policies first.",
        ));
    }
    let key = record_key(&call.principal.account, GROUP_TABLE, &group.name);
    super::entity::delete_record(call, key, version)
}

/// The group and the user an input names, both existing.
fn group_and_user(
    call: &Call<'_>,
    input: &Value,
) -> Result<(StoredGroup, u64, StoredUser, u64), AwsError> {
    let group_name = entity_name::<StoredGroup>(input)?.to_owned();
    let user_name = entity_name::<StoredUser>(input)?.to_owned();
    let (group, group_version) = existing::<StoredGroup>(call, &group_name)?;
    let (user, user_version) = existing::<StoredUser>(call, &user_name)?;
    Ok((group, group_version, user, user_version))
}

/// Writes `user` back, guarded by its version and by the group's (so a group deleted or
/// renamed meanwhile fails the commit).
fn save_membership(
    call: &Call<'_>,
    group: &StoredGroup,
    group_version: u64,
    user: &StoredUser,
    user_version: u64,
) -> Result<Value, AwsError> {
    let batch = put(Batch::new(), call, user, user_version)?.put_if(
        record_key(&call.principal.account, GROUP_TABLE, &group.name),
        encode(group).map_err(store_error)?,
        Expect::Version(group_version),
    );
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(json!({}))
}

fn add_user_to_group(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (group, group_version, mut user, user_version) = group_and_user(call, &input)?;
    if is_member(&user, &group.name) {
        return Ok(json!({}));
    }
    if user.groups.len() >= GROUPS_PER_USER {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for GroupsPerUser: {GROUPS_PER_USER}"
        )));
    }
    user.groups.push(group.name.clone());
    save_membership(call, &group, group_version, &user, user_version)
}

fn remove_user_from_group(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (group, group_version, mut user, user_version) = group_and_user(call, &input)?;
    if !is_member(&user, &group.name) {
        return Err(no_such_entity(format!(
            "User {} is not in group {}.",
            user.name, group.name
        )));
    }
    user.groups.retain(|g| !g.eq_ignore_ascii_case(&group.name));
    save_membership(call, &group, group_version, &user, user_version)
}

fn list_groups_for_user(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let name = entity_name::<StoredUser>(&input)?.to_owned();
    let input: PageInput = from_input(input, "ValidationError")?;
    let max = max_items(input.max_items)?;
    let (user, _) = existing::<StoredUser>(call, &name)?;
    let mut items = Vec::new();
    for group_name in &user.groups {
        if let Some((group, _)) =
            get_group(call.env.store.as_ref(), &call.principal.account, group_name)
                .map_err(store_error)?
        {
            items.push((group.name.to_lowercase(), group_output(call, &group)));
        }
    }
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let mut output = Map::new();
    let groups = page(items, input.marker.as_deref(), max, &mut output)?;
    output.insert("Groups".into(), Value::Array(groups));
    Ok(Value::Object(output))
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "CreateGroup", false, create_group);
    registry.register("iam", "GetGroup", true, get_group_op);
    registry.register("iam", "ListGroups", true, list_groups);
    registry.register("iam", "UpdateGroup", false, update_group);
    registry.register("iam", "DeleteGroup", false, delete_group);
    registry.register("iam", "AddUserToGroup", false, add_user_to_group);
    registry.register("iam", "RemoveUserFromGroup", false, remove_user_from_group);
    registry.register("iam", "ListGroupsForUser", true, list_groups_for_user);
}
