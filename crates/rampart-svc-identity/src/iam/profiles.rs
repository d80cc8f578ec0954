//! Instance profiles: CreateInstanceProfile, GetInstanceProfile, ListInstanceProfiles,
//! DeleteInstanceProfile, AddRoleToInstanceProfile, RemoveRoleFromInstanceProfile and
//! ListInstanceProfilesForRole (tags are in `tags`).

use super::entity::{entity_name, existing, required};
use super::errors::{already_exists, delete_conflict, limit_exceeded, no_such_entity, store_error};
use super::names::{check_name, check_path, max_items};
use super::paging::{PageInput, page};
use super::records::{
    PROFILE_TABLE, StoredProfile, StoredRole, Tag, encode, get_record, list, new_unique_id,
    record_key,
};
use super::roles::role_output;
use super::tags::{Tagged, check_tags};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use rampart_store::{Batch, Expect, Key, StoreError};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// AWS's default quota of instance profiles per account.
pub(crate) const PROFILES_PER_ACCOUNT: usize = 1_000;
/// AWS's quota of roles in one instance profile.
const ROLES_PER_PROFILE: usize = 1;

/// The instance profile named by the input's `InstanceProfileName`, with its key and version.
fn existing_profile(call: &Call<'_>, input: &Value) -> Result<(StoredProfile, Key, u64), AwsError> {
    let name = required(input, "InstanceProfileName", "instanceProfileName")?;
    check_name(name, "instanceProfileName", 128)?;
    let key = record_key(&call.principal.account, PROFILE_TABLE, name);
    let (profile, version) = get_record(call.env.store.as_ref(), &key)
        .map_err(store_error)?
        .ok_or_else(|| no_such_entity(format!("Instance Profile {name} cannot be found.")))?;
    Ok((profile, key, version))
}

impl Tagged for StoredProfile {
    const TITLE: &'static str = "InstanceProfile";
    fn load(call: &Call<'_>, input: &Value) -> Result<(Self, Key, u64), AwsError> {
        existing_profile(call, input)
    }
    fn tags(&mut self) -> &mut Vec<Tag> {
        &mut self.tags
    }
}

/// The model's `InstanceProfile` structure, with its roles as they are now.
fn profile_output(call: &Call<'_>, profile: &StoredProfile) -> Result<Value, AwsError> {
    let mut roles = Vec::new();
    for name in &profile.roles {
        if let Some((role, _)) =
            super::records::get_role(call.env.store.as_ref(), &call.principal.account, name)
                .map_err(store_error)?
        {
            roles.push(role_output(
                call.env.partition,
                &call.principal.account,
                &role,
                false,
            ));
        }
    }
    let mut v = json!({
        "Path": profile.path,
        "InstanceProfileName": profile.name,
        "InstanceProfileId": profile.instance_profile_id,
        "Arn": profile.arn(call.env.partition, &call.principal.account),
        "CreateDate": profile.create_date,
        "Roles": roles,
    });
    if !profile.tags.is_empty() {
        v["Tags"] = json!(profile.tags);
    }
    Ok(v)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    instance_profile_name: String,
    path: Option<String>,
    #[serde(default)]
    tags: Vec<Tag>,
}

fn create(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: CreateInput = from_input(input, "ValidationError")?;
    check_name(&input.instance_profile_name, "instanceProfileName", 128)?;
    let path = input.path.unwrap_or_else(|| "/".into());
    check_path(&path, "path")?;
    check_tags(&input.tags, "TagsPerInstanceProfile")?;
    let account = &call.principal.account;
    let store = call.env.store.as_ref();
    let key = record_key(account, PROFILE_TABLE, &input.instance_profile_name);
    let exists = || {
        already_exists(format!(
            "Instance Profile {} already exists.",
            input.instance_profile_name
        ))
    };
    if get_record::<StoredProfile>(store, &key)
        .map_err(store_error)?
        .is_some()
    {
        return Err(exists());
    }
    if list::<StoredProfile>(store, account, PROFILE_TABLE)
        .map_err(store_error)?
        .len()
        >= PROFILES_PER_ACCOUNT
    {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for InstanceProfilesPerAccount: {PROFILES_PER_ACCOUNT}"
        )));
    }
    let profile = StoredProfile {
        name: input.instance_profile_name.clone(),
        path,
        instance_profile_id: new_unique_id("AIPA").map_err(store_error)?,
        create_date: rampart_service::epoch_seconds(call.env.clock.now()),
        roles: Vec::new(),
        tags: input.tags,
    };
    let batch = Batch::new().put_if(key, encode(&profile).map_err(store_error)?, Expect::Absent);
    match call.env.store.commit(batch) {
        Ok(_) => Ok(json!({ "InstanceProfile": profile_output(call, &profile)? })),
        Err(StoreError::Conflict { .. }) => Err(exists()),
        Err(e) => Err(store_error(e)),
    }
}

fn get(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (profile, _, _) = existing_profile(call, &input)?;
    Ok(json!({ "InstanceProfile": profile_output(call, &profile)? }))
}

/// One page of `profiles` (sorted by lower-cased name) into `output`.
fn page_of(
    call: &Call<'_>,
    profiles: Vec<StoredProfile>,
    input: PageInput,
) -> Result<Value, AwsError> {
    let max = max_items(input.max_items)?;
    let prefix = input.path_prefix.unwrap_or_else(|| "/".into());
    let items = profiles
        .into_iter()
        .filter(|p| p.path.starts_with(&prefix))
        .map(|p| (p.name.to_lowercase(), p))
        .collect();
    let mut output = Map::new();
    let profiles = page(items, input.marker.as_deref(), max, &mut output)?;
    let rendered = profiles
        .iter()
        .map(|p| profile_output(call, p))
        .collect::<Result<Vec<_>, _>>()?;
    output.insert("InstanceProfiles".into(), Value::Array(rendered));
    Ok(Value::Object(output))
}

fn list_profiles(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: PageInput = from_input(input, "ValidationError")?;
    let profiles = list(
        call.env.store.as_ref(),
        &call.principal.account,
        PROFILE_TABLE,
    )
    .map_err(store_error)?;
    page_of(call, profiles, input)
}

/// The instance profiles that hold the role named `name` (any case).
pub(crate) fn profiles_of_role(
    call: &Call<'_>,
    name: &str,
) -> Result<Vec<StoredProfile>, AwsError> {
    let profiles: Vec<StoredProfile> = list(
        call.env.store.as_ref(),
        &call.principal.account,
        PROFILE_TABLE,
    )
    .map_err(store_error)?;
    Ok(profiles
        .into_iter()
        .filter(|p| p.roles.iter().any(|r| r.eq_ignore_ascii_case(name)))
        .collect())
}

fn list_for_role(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let name = entity_name::<StoredRole>(&input)?.to_owned();
    let input: PageInput = from_input(input, "ValidationError")?;
    let (role, _) = existing::<StoredRole>(call, &name)?;
    let profiles = profiles_of_role(call, &role.name)?;
    page_of(
        call,
        profiles,
        PageInput {
            path_prefix: None,
            ..input
        },
    )
}

fn delete(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (profile, key, version) = existing_profile(call, &input)?;
    if !profile.roles.is_empty() {
        return Err(delete_conflict(
            "Cannot delete entity, must remove roles from instance profile first.",
        ));
    }
    super::entity::delete_record(call, key, version)
}

/// Writes `profile` back, guarded by its version and by the role's (so a role deleted
/// meanwhile fails the commit).
fn save_with_role(
    call: &Call<'_>,
    profile: &StoredProfile,
    key: Key,
    version: u64,
    role: &StoredRole,
    role_version: u64,
) -> Result<Value, AwsError> {
    let batch = Batch::new().put_if(
        key,
        encode(profile).map_err(store_error)?,
        Expect::Version(version),
    );
    let batch = super::entity::put(batch, call, role, role_version)?;
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(json!({}))
}

fn add_role(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (mut profile, key, version) = existing_profile(call, &input)?;
    let name = entity_name::<StoredRole>(&input)?;
    let (role, role_version) = existing::<StoredRole>(call, name)?;
    if profile
        .roles
        .iter()
        .any(|r| r.eq_ignore_ascii_case(&role.name))
    {
        return Err(already_exists(format!(
            "Role {} is already associated with instance profile {}.",
            role.name, profile.name
        )));
    }
    if profile.roles.len() >= ROLES_PER_PROFILE {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for InstanceSessionsPerInstanceProfile: {ROLES_PER_PROFILE}"
        )));
    }
    profile.roles.push(role.name.clone());
    save_with_role(call, &profile, key, version, &role, role_version)
}

fn remove_role(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (mut profile, key, version) = existing_profile(call, &input)?;
    let name = entity_name::<StoredRole>(&input)?;
    let (role, role_version) = existing::<StoredRole>(call, name)?;
    if !profile
        .roles
        .iter()
        .any(|r| r.eq_ignore_ascii_case(&role.name))
    {
        return Err(no_such_entity(format!(
            "Role {} in Instance Profile {} cannot be found.",
            role.name, profile.name
        )));
    }
    profile
        .roles
        .retain(|r| !r.eq_ignore_ascii_case(&role.name));
    save_with_role(call, &profile, key, version, &role, role_version)
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "CreateInstanceProfile", false, create);
    registry.register("iam", "GetInstanceProfile", true, get);
    registry.register("iam", "ListInstanceProfiles", true, list_profiles);
    registry.register("iam", "DeleteInstanceProfile", false, delete);
    registry.register("iam", "AddRoleToInstanceProfile", false, add_role);
    registry.register("iam", "RemoveRoleFromInstanceProfile", false, remove_role);
    registry.register("iam", "ListInstanceProfilesForRole", true, list_for_role);
}
