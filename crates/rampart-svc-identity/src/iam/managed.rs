//! Managed policies: CreatePolicy, GetPolicy, DeletePolicy, ListPolicies (their attachment to
//! users, roles and groups is in `entity`).
//!
//! Customer managed policies start at version `v1` (`versions` manages the rest). AWS managed
//! policies come from the policy engine's catalogue and are read-only.

use super::entity::required;
use super::errors::{
    delete_conflict, invalid_input, no_such_entity, policy_error, store_error, validation,
};
use super::names::{check_name, check_policy_path, max_items};
use super::paging::{page, page_of_lists};
use super::records::{
    GROUP_TABLE, POLICY_TABLE, ROLE_TABLE, StoredGroup, StoredPolicy, StoredRole, StoredUser,
    StoredVersion, Tag, USER_TABLE, encode, get_policy, list, new_unique_id, record_key,
    url_encode,
};
use super::tags::{Tagged, check_tags};
use rampart_policy::{ManagedPolicies, ManagedPolicy, Policy, PolicyKind};
use rampart_protocol::AwsError;
use rampart_service::{Call, Env, Registry, from_input};
use rampart_store::{Batch, Expect, Key};
use rampart_types::{AccountId, Partition};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// When AWS managed policies read as created (the catalogue carries no dates).
pub(crate) const AWS_POLICY_DATE: f64 = 1_423_180_800.0;

/// A managed policy named by ARN.
pub(crate) enum ManagedRef {
    /// An AWS managed policy from the catalogue.
    Aws(&'static ManagedPolicy),
    /// A customer managed policy of the caller's account, with its record's version.
    Customer(Box<StoredPolicy>, u64),
}

/// The catalogue's ARN (always in the `aws` partition) for an AWS managed policy ARN of
/// `partition`, if `arn` names one.
pub(crate) fn catalogue_arn(partition: Partition, arn: &str) -> Option<String> {
    arn.strip_prefix(&format!("arn:{partition}:iam::aws:policy/"))
        .map(|rest| format!("arn:aws:iam::aws:policy/{rest}"))
}

/// The ARN an AWS managed policy has in `partition`.
fn partition_arn(partition: Partition, policy: &ManagedPolicy) -> String {
    match policy.arn.strip_prefix("arn:aws:") {
        Some(rest) => format!("arn:{partition}:{rest}"),
        None => policy.arn.clone(),
    }
}

/// The managed policy `arn` names, if it exists.
pub(crate) fn resolve(call: &Call<'_>, arn: &str) -> Result<Option<ManagedRef>, AwsError> {
    resolve_in(call.env, &call.principal.account, arn)
}

/// The managed policy `arn` names, seen from `account`, if it exists.
pub(crate) fn resolve_in(
    env: &Env,
    account: &AccountId,
    arn: &str,
) -> Result<Option<ManagedRef>, AwsError> {
    if !arn.starts_with("arn:") {
        return Err(invalid_input(format!("ARN {arn} is not valid.")));
    }
    let partition = env.partition;
    if let Some(catalogue) = catalogue_arn(partition, arn) {
        return Ok(ManagedPolicies::get()
            .by_arn(&catalogue)
            .map(ManagedRef::Aws));
    }
    if !arn.starts_with(&format!("arn:{partition}:iam::{account}:policy/")) {
        return Ok(None);
    }
    let name = arn.rsplit('/').next().unwrap_or_default();
    Ok(get_policy(env.store.as_ref(), account, name)
        .map_err(store_error)?
        .filter(|(p, _)| p.arn == arn)
        .map(|(p, v)| ManagedRef::Customer(Box::new(p), v)))
}

/// A stable `ANPA` id for an AWS managed policy (the catalogue has none): 80 bits of two
/// FNV-1a hashes of its name, in base32.
fn aws_policy_id(name: &str) -> String {
    const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let fnv = |seed: u64| {
        name.bytes().fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    let bits =
        (u128::from(fnv(0xcbf2_9ce4_8422_2325)) << 64) | u128::from(fnv(0x8422_2325_cbf2_9ce4));
    let id: String = (0..16)
        .map(|i| char::from(BASE32[((bits >> (i * 5)) & 31) as usize]))
        .collect();
    format!("ANPA{id}")
}

/// The path of a policy ARN: what lies between `policy` and the name.
pub(crate) fn arn_path(arn: &str) -> String {
    let resource = arn.split_once(":policy").map(|(_, r)| r).unwrap_or("/");
    match resource.rfind('/') {
        Some(i) => resource[..=i].to_owned(),
        None => "/".to_owned(),
    }
}

/// How the account's users, roles and groups use managed policies, by ARN.
#[derive(Default)]
struct Uses {
    /// How many have it attached.
    attached: HashMap<String, u32>,
    /// How many have it as their permissions boundary.
    boundary: HashMap<String, u32>,
}

impl Uses {
    fn read(call: &Call<'_>) -> Result<Uses, AwsError> {
        let store = call.env.store.as_ref();
        let account = &call.principal.account;
        let users: Vec<StoredUser> = list(store, account, USER_TABLE).map_err(store_error)?;
        let roles: Vec<StoredRole> = list(store, account, ROLE_TABLE).map_err(store_error)?;
        let groups: Vec<StoredGroup> = list(store, account, GROUP_TABLE).map_err(store_error)?;
        let mut uses = Uses::default();
        for user in users {
            uses.count(user.attached_policies, user.permissions_boundary);
        }
        for role in roles {
            uses.count(role.attached_policies, role.permissions_boundary);
        }
        for group in groups {
            uses.count(group.attached_policies, None);
        }
        Ok(uses)
    }

    /// Counts what one user, role or group attaches and has as its boundary.
    fn count(&mut self, attached: Vec<String>, boundary: Option<String>) {
        for arn in attached {
            *self.attached.entry(arn).or_insert(0) += 1;
        }
        if let Some(arn) = boundary {
            *self.boundary.entry(arn).or_insert(0) += 1;
        }
    }

    fn attachments(&self, arn: &str) -> u32 {
        self.attached.get(arn).copied().unwrap_or(0)
    }

    fn boundaries(&self, arn: &str) -> u32 {
        self.boundary.get(arn).copied().unwrap_or(0)
    }
}

/// The model's `Policy` structure.
fn aws_policy_output(partition: Partition, policy: &ManagedPolicy, uses: &Uses) -> Value {
    let arn = partition_arn(partition, policy);
    json!({
        "PolicyName": policy.name,
        "PolicyId": aws_policy_id(&policy.name),
        "Arn": arn,
        "Path": arn_path(&arn),
        "DefaultVersionId": policy.version_id,
        "AttachmentCount": uses.attachments(&arn),
        "PermissionsBoundaryUsageCount": uses.boundaries(&arn),
        "IsAttachable": true,
        "CreateDate": AWS_POLICY_DATE,
        "UpdateDate": AWS_POLICY_DATE,
    })
}

/// The model's `Policy` structure; `full` adds what only `GetPolicy` returns (description,
/// tags).
fn customer_policy_output(policy: &StoredPolicy, uses: &Uses, full: bool) -> Value {
    let mut v = json!({
        "PolicyName": policy.name,
        "PolicyId": policy.policy_id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version_id,
        "AttachmentCount": policy.attachment_count,
        "PermissionsBoundaryUsageCount": uses.boundaries(&policy.arn),
        "IsAttachable": true,
        "CreateDate": policy.create_date,
        "UpdateDate": policy.update_date,
    });
    if full {
        if let Some(d) = &policy.description {
            v["Description"] = json!(d);
        }
        if !policy.tags.is_empty() {
            v["Tags"] = json!(policy.tags);
        }
    }
    v
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreatePolicyInput {
    policy_name: String,
    path: Option<String>,
    policy_document: String,
    description: Option<String>,
    #[serde(default)]
    tags: Vec<Tag>,
}

fn create_policy(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: CreatePolicyInput = from_input(input, "ValidationError")?;
    check_name(&input.policy_name, "policyName", 128)?;
    let path = input.path.unwrap_or_else(|| "/".into());
    check_policy_path(&path, "path")?;
    if let Some(d) = &input.description
        && d.chars().count() > 1000
    {
        return Err(validation(format!(
            "1 validation error detected: Value '{d}' at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000"
        )));
    }
    check_tags(&input.tags, "TagsPerPolicy")?;
    PolicyKind::Identity
        .check_size(&input.policy_document)
        .map_err(|e| policy_error(&e))?;
    Policy::parse(&input.policy_document, PolicyKind::Identity).map_err(|e| policy_error(&e))?;
    let account = &call.principal.account;
    let exists = || {
        super::errors::already_exists(format!(
            "A policy called {} already exists. Duplicate names are not allowed.",
            input.policy_name
        ))
    };
    if get_policy(call.env.store.as_ref(), account, &input.policy_name)
        .map_err(store_error)?
        .is_some()
    {
        return Err(exists());
    }
    let now = rampart_service::epoch_seconds(call.env.clock.now());
    let policy = StoredPolicy {
        arn: format!(
            "arn:{}:iam::{account}:policy{path}{}",
            call.env.partition, input.policy_name
        ),
        name: input.policy_name.clone(),
        path,
        policy_id: new_unique_id("ANPA").map_err(store_error)?,
        description: input.description,
        create_date: now,
        update_date: now,
        default_version_id: "v1".into(),
        versions: vec![StoredVersion {
            version_id: "v1".into(),
            document: input.policy_document,
            create_date: now,
        }],
        next_version: 2,
        attachment_count: 0,
        tags: input.tags,
    };
    let batch = Batch::new().put_if(
        record_key(account, POLICY_TABLE, &policy.name),
        encode(&policy).map_err(store_error)?,
        Expect::Absent,
    );
    match call.env.store.commit(batch) {
        Ok(_) => {
            let mut output = customer_policy_output(&policy, &Uses::default(), false);
            if !policy.tags.is_empty() {
                output["Tags"] = json!(policy.tags);
            }
            Ok(json!({ "Policy": output }))
        }
        Err(rampart_store::StoreError::Conflict { .. }) => Err(exists()),
        Err(e) => Err(store_error(e)),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyArnInput {
    policy_arn: String,
}

impl Tagged for StoredPolicy {
    const TITLE: &'static str = "Policy";
    fn load(call: &Call<'_>, input: &Value) -> Result<(Self, Key, u64), AwsError> {
        let arn = required(input, "PolicyArn", "policyArn")?;
        match resolve(call, arn)? {
            Some(ManagedRef::Customer(policy, version)) => {
                let key = record_key(&call.principal.account, POLICY_TABLE, &policy.name);
                Ok((*policy, key, version))
            }
            _ => Err(policy_not_found(arn)),
        }
    }
    fn tags(&mut self) -> &mut Vec<Tag> {
        &mut self.tags
    }
}

/// `NoSuchEntity` for a policy ARN.
pub(crate) fn policy_not_found(arn: &str) -> AwsError {
    no_such_entity(format!("Policy {arn} was not found."))
}

fn get_policy_op(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: PolicyArnInput = from_input(input, "ValidationError")?;
    let policy = match resolve(call, &input.policy_arn)? {
        Some(ManagedRef::Aws(policy)) => {
            aws_policy_output(call.env.partition, policy, &Uses::read(call)?)
        }
        Some(ManagedRef::Customer(policy, _)) => {
            customer_policy_output(&policy, &Uses::read(call)?, true)
        }
        None => return Err(policy_not_found(&input.policy_arn)),
    };
    Ok(json!({ "Policy": policy }))
}

fn delete_policy(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: PolicyArnInput = from_input(input, "ValidationError")?;
    let Some(ManagedRef::Customer(policy, version)) = resolve(call, &input.policy_arn)? else {
        return Err(policy_not_found(&input.policy_arn));
    };
    if policy.attachment_count > 0 || Uses::read(call)?.boundaries(&policy.arn) > 0 {
        return Err(delete_conflict(
            "Cannot delete a policy attached to entities.",
        ));
    }
    if policy.versions.len() > 1 {
        return Err(delete_conflict(
            "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
        ));
    }
    let key = record_key(&call.principal.account, POLICY_TABLE, &policy.name);
    super::entity::delete_record(call, key, version)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListPoliciesInput {
    scope: Option<String>,
    only_attached: Option<bool>,
    path_prefix: Option<String>,
    marker: Option<String>,
    max_items: Option<i64>,
}

fn list_policies(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ListPoliciesInput = from_input(input, "ValidationError")?;
    let max = max_items(input.max_items)?;
    let scope = input.scope.as_deref().unwrap_or("All");
    if !matches!(scope, "All" | "AWS" | "Local") {
        return Err(validation(format!(
            "1 validation error detected: Value '{scope}' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]"
        )));
    }
    let only_attached = input.only_attached.unwrap_or(false);
    let prefix = input.path_prefix.unwrap_or_else(|| "/".into());
    let partition = call.env.partition;
    // Sort keys: AWS policies first ("0" + name), then the account's ("1" + lower-cased name).
    let mut items: Vec<(String, Value)> = Vec::new();
    let uses = Uses::read(call)?;
    if scope != "Local" {
        for policy in ManagedPolicies::get().all() {
            let arn = partition_arn(partition, policy);
            if (only_attached && uses.attachments(&arn) == 0)
                || !arn_path(&arn).starts_with(&prefix)
            {
                continue;
            }
            items.push((
                format!("0{}", policy.name),
                aws_policy_output(partition, policy, &uses),
            ));
        }
    }
    if scope != "AWS" {
        let policies: Vec<StoredPolicy> = list(
            call.env.store.as_ref(),
            &call.principal.account,
            POLICY_TABLE,
        )
        .map_err(store_error)?;
        for policy in policies {
            if (only_attached && policy.attachment_count == 0) || !policy.path.starts_with(&prefix)
            {
                continue;
            }
            items.push((
                format!("1{}", policy.name.to_lowercase()),
                customer_policy_output(&policy, &uses, false),
            ));
        }
    }
    let mut output = Map::new();
    let policies = page(items, input.marker.as_deref(), max, &mut output)?;
    output.insert("Policies".into(), Value::Array(policies));
    Ok(Value::Object(output))
}

/// Adds `delta` to a customer policy's attachment count, guarded by its version.
pub(crate) fn count_attachment(
    account: &AccountId,
    batch: Batch,
    mut policy: StoredPolicy,
    version: u64,
    delta: i64,
) -> Result<Batch, AwsError> {
    policy.attachment_count =
        u32::try_from(i64::from(policy.attachment_count) + delta).unwrap_or(0);
    Ok(batch.put_if(
        record_key(account, POLICY_TABLE, &policy.name),
        encode(&policy).map_err(store_error)?,
        Expect::Version(version),
    ))
}

/// The model's `ManagedPolicyDetail` (with every version's document) of each customer policy
/// (`local`) and of each AWS policy attached to an entity of the account (`aws`), keyed by
/// name for paging.
pub(crate) fn policy_details(
    call: &Call<'_>,
    local: bool,
    aws: bool,
) -> Result<Vec<(String, Value)>, AwsError> {
    let uses = Uses::read(call)?;
    let partition = call.env.partition;
    let mut details = Vec::new();
    if aws {
        for policy in ManagedPolicies::get().all() {
            let arn = partition_arn(partition, policy);
            if uses.attachments(&arn) == 0 && uses.boundaries(&arn) == 0 {
                continue;
            }
            let mut v = aws_policy_output(partition, policy, &uses);
            v["PolicyVersionList"] = json!([{
                "Document": url_encode(policy.document()),
                "VersionId": policy.version_id,
                "IsDefaultVersion": true,
                "CreateDate": AWS_POLICY_DATE,
            }]);
            details.push((format!("0{}", policy.name), v));
        }
    }
    if local {
        let policies: Vec<StoredPolicy> = list(
            call.env.store.as_ref(),
            &call.principal.account,
            POLICY_TABLE,
        )
        .map_err(store_error)?;
        for policy in policies {
            let mut v = customer_policy_output(&policy, &uses, true);
            if let Some(map) = v.as_object_mut() {
                map.remove("Tags");
            }
            v["PolicyVersionList"] = policy
                .versions
                .iter()
                .map(|version| {
                    json!({
                        "Document": url_encode(&version.document),
                        "VersionId": version.version_id,
                        "IsDefaultVersion": version.version_id == policy.default_version_id,
                        "CreateDate": version.create_date,
                    })
                })
                .collect();
            details.push((format!("1{}", policy.name.to_lowercase()), v));
        }
    }
    Ok(details)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListEntitiesInput {
    policy_arn: String,
    entity_filter: Option<String>,
    path_prefix: Option<String>,
    policy_usage_filter: Option<String>,
    marker: Option<String>,
    max_items: Option<i64>,
}

/// The users, groups and roles that use a managed policy, as permissions (attached) or as
/// their boundary.
fn list_entities_for_policy(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ListEntitiesInput = from_input(input, "ValidationError")?;
    let max = max_items(input.max_items)?;
    if resolve(call, &input.policy_arn)?.is_none() {
        return Err(policy_not_found(&input.policy_arn));
    }
    let filter = input.entity_filter.as_deref().unwrap_or("All");
    if !matches!(
        filter,
        "User" | "Role" | "Group" | "LocalManagedPolicy" | "AWSManagedPolicy" | "All"
    ) {
        return Err(validation(format!(
            "1 validation error detected: Value '{filter}' at 'entityFilter' failed to satisfy constraint: Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]"
        )));
    }
    let usage = input.policy_usage_filter.as_deref().unwrap_or("Any");
    let wants = |kind: &str| filter == "All" || filter == kind;
    let uses = |attached: &[String], boundary: Option<&String>| {
        let as_permissions = attached.contains(&input.policy_arn);
        let as_boundary = boundary == Some(&input.policy_arn);
        match usage {
            "PermissionsPolicy" => as_permissions,
            "PermissionsBoundary" => as_boundary,
            _ => as_permissions || as_boundary,
        }
    };
    let prefix = input.path_prefix.unwrap_or_else(|| "/".into());
    let store = call.env.store.as_ref();
    let account = &call.principal.account;
    let mut items: Vec<(String, (&str, Value))> = Vec::new();
    if wants("User") {
        let users: Vec<StoredUser> = list(store, account, USER_TABLE).map_err(store_error)?;
        for u in users {
            if u.path.starts_with(&prefix)
                && uses(&u.attached_policies, u.permissions_boundary.as_ref())
            {
                let v = json!({ "UserName": u.name, "UserId": u.user_id });
                items.push((format!("0{}", u.name.to_lowercase()), ("PolicyUsers", v)));
            }
        }
    }
    if wants("Group") && usage != "PermissionsBoundary" {
        let groups: Vec<StoredGroup> = list(store, account, GROUP_TABLE).map_err(store_error)?;
        for g in groups {
            if g.path.starts_with(&prefix) && uses(&g.attached_policies, None) {
                let v = json!({ "GroupName": g.name, "GroupId": g.group_id });
                items.push((format!("1{}", g.name.to_lowercase()), ("PolicyGroups", v)));
            }
        }
    }
    if wants("Role") {
        let roles: Vec<StoredRole> = list(store, account, ROLE_TABLE).map_err(store_error)?;
        for r in roles {
            if r.path.starts_with(&prefix)
                && uses(&r.attached_policies, r.permissions_boundary.as_ref())
            {
                let v = json!({ "RoleName": r.name, "RoleId": r.role_id });
                items.push((format!("2{}", r.name.to_lowercase()), ("PolicyRoles", v)));
            }
        }
    }
    page_of_lists(
        items,
        input.marker.as_deref(),
        max,
        &["PolicyUsers", "PolicyGroups", "PolicyRoles"],
    )
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register(
        "iam",
        "ListEntitiesForPolicy",
        true,
        list_entities_for_policy,
    );
    registry.register("iam", "CreatePolicy", false, create_policy);
    registry.register("iam", "GetPolicy", true, get_policy_op);
    registry.register("iam", "DeletePolicy", false, delete_policy);
    registry.register("iam", "ListPolicies", true, list_policies);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_policy_arns_map_across_partitions() {
        assert_eq!(
            catalogue_arn(
                Partition::AwsCn,
                "arn:aws-cn:iam::aws:policy/ReadOnlyAccess"
            )
            .as_deref(),
            Some("arn:aws:iam::aws:policy/ReadOnlyAccess")
        );
        assert_eq!(
            catalogue_arn(Partition::Aws, "arn:aws:iam::123456789012:policy/x"),
            None
        );
        let read_only = ManagedPolicies::get().by_name("ReadOnlyAccess").unwrap();
        assert_eq!(
            partition_arn(Partition::AwsCn, read_only),
            "arn:aws-cn:iam::aws:policy/ReadOnlyAccess"
        );
    }

    #[test]
    fn paths_come_from_arns() {
        assert_eq!(arn_path("arn:aws:iam::aws:policy/ReadOnlyAccess"), "/");
        assert_eq!(
            arn_path("arn:aws:iam::aws:policy/service-role/AWSLambdaRole"),
            "/service-role/"
        );
    }

    #[test]
    fn aws_policy_ids_are_stable_and_shaped() {
        let id = aws_policy_id("ReadOnlyAccess");
        assert_eq!(id, aws_policy_id("ReadOnlyAccess"));
        assert_ne!(id, aws_policy_id("AdministratorAccess"));
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("ANPA"));
    }
}
