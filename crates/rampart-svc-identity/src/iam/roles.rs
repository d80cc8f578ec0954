//! Roles: CreateRole, GetRole, ListRoles, UpdateRole, UpdateRoleDescription,
//! UpdateAssumeRolePolicy, DeleteRole, and service-linked roles (CreateServiceLinkedRole,
//! DeleteServiceLinkedRole, GetServiceLinkedRoleDeletionStatus). A role's policies, tags and
//! boundary are `entity` operations.

use super::entity::{
    Entity, Kind, boundary_output, check_boundary, entity_name, existing, load, protected_role,
    put, required,
};
use super::errors::{
    already_exists, delete_conflict, invalid_input, limit_exceeded, no_such_entity, policy_error,
    store_error, validation,
};
use super::managed::{ManagedRef, count_attachment, resolve_in};
use super::names::{check_name, check_path};
use super::records::{
    ROLE_TABLE, SERVICE_ROLE_PATH, StoredRole, Tag, encode, get_record, get_role, new_unique_id,
    record_key, url_encode,
};
use super::tags::{Tagged, check_tags};
use rampart_policy::{Policy, PolicyKind};
use rampart_protocol::AwsError;
use rampart_service::{Call, Env, Registry, from_input};
use rampart_store::{Batch, Expect, Key, StoreError, space};
use rampart_types::{AccountId, Partition};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// AWS's default quota of roles per account.
pub(crate) const ROLES_PER_ACCOUNT: usize = 1_000;
/// The deletion tasks of service-linked roles, in the account's space.
const DELETION_TABLE: &str = "iam.slr-deletion";
/// When each role was last used, in the account's space, keyed by lower-cased role name.
const ROLE_USE_TABLE: &str = "iam.role-last-used";

impl Tagged for StoredRole {
    const TITLE: &'static str = "Role";
    fn load(call: &Call<'_>, input: &Value) -> Result<(Self, Key, u64), AwsError> {
        load(call, input)
    }
    fn tags(&mut self) -> &mut Vec<Tag> {
        &mut self.tags
    }
    fn check_modifiable(&self) -> Result<(), AwsError> {
        StoredRole::check_modifiable(self)
    }
}

impl Entity for StoredRole {
    const KIND: Kind = Kind {
        title: "Role",
        noun: "role",
        table: ROLE_TABLE,
        member: "RoleName",
        validation_member: "roleName",
        name_max: 64,
        inline_quota: 10_240,
    };
    super::entity::entity_fields!(bounded);
    fn check_modifiable(&self) -> Result<(), AwsError> {
        StoredRole::check_modifiable(self)
    }
}

impl StoredRole {
    /// Refuses a change to a service-linked role (AWS owns it).
    fn check_modifiable(&self) -> Result<(), AwsError> {
        if self.is_service_linked() {
            return Err(protected_role(&self.name));
        }
        Ok(())
    }
}

/// A role to create: what `CreateRole` and the Organizations service (the member account's
/// `OrganizationAccountAccessRole`) give.
#[derive(Debug, Clone)]
pub(crate) struct NewRole {
    pub name: String,
    pub path: String,
    /// The trust policy document (checked as a trust policy).
    pub trust_policy: String,
    pub description: Option<String>,
    /// Managed policies to attach at creation.
    pub managed_policy_arns: Vec<String>,
    /// 3600 to 43200 seconds.
    pub max_session_duration: u32,
}

/// Creates a role in `account` with AWS's checks (name, path, trust policy, description,
/// session duration, the account's role quota, existing managed policies).
pub(crate) fn create_role_record(
    env: &Env,
    account: &AccountId,
    role: NewRole,
) -> Result<StoredRole, AwsError> {
    insert_role(env, account, role, None, Vec::new())
}

/// What every role must satisfy, whoever creates it.
fn check_new_role(role: &NewRole) -> Result<(), AwsError> {
    check_name(&role.name, "roleName", 64)?;
    check_path(&role.path, "path")?;
    check_trust_policy(&role.trust_policy)?;
    if let Some(d) = &role.description {
        check_description(d)?;
    }
    check_max_session_duration(i64::from(role.max_session_duration))
}

fn insert_role(
    env: &Env,
    account: &AccountId,
    new: NewRole,
    permissions_boundary: Option<String>,
    tags: Vec<Tag>,
) -> Result<StoredRole, AwsError> {
    check_new_role(&new)?;
    check_trust_principals(env, &new.trust_policy)?;
    let store = env.store.as_ref();
    let exists = || already_exists(format!("Role with name {} already exists.", new.name));
    if get_role(store, account, &new.name)
        .map_err(store_error)?
        .is_some()
    {
        return Err(exists());
    }
    let count = store
        .scan(
            &space::account(account),
            ROLE_TABLE,
            &rampart_store::Scan::all(),
        )
        .map_err(store_error)?
        .len();
    if count >= ROLES_PER_ACCOUNT {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for RolesPerAccount: {ROLES_PER_ACCOUNT}"
        )));
    }
    let mut batch = Batch::new();
    for arn in &new.managed_policy_arns {
        match resolve_in(env, account, arn)? {
            Some(ManagedRef::Customer(policy, version)) => {
                batch = count_attachment(account, batch, *policy, version, 1)?;
            }
            Some(ManagedRef::Aws(_)) => {}
            None => {
                return Err(no_such_entity(format!(
                    "Policy {arn} does not exist or is not attachable."
                )));
            }
        }
    }
    let role = StoredRole {
        name: new.name.clone(),
        path: new.path,
        role_id: new_unique_id("AROA").map_err(store_error)?,
        create_date: rampart_service::epoch_seconds(env.clock.now()),
        trust_policy: new.trust_policy,
        description: new.description,
        max_session_duration: new.max_session_duration,
        permissions_boundary,
        inline_policies: BTreeMap::new(),
        attached_policies: new.managed_policy_arns,
        tags,
        role_last_used: None,
    };
    batch = batch.put_if(
        record_key(account, ROLE_TABLE, &role.name),
        encode(&role).map_err(store_error)?,
        Expect::Absent,
    );
    match env.store.commit(batch) {
        Ok(_) => Ok(role),
        Err(StoreError::Conflict { .. }) => Err(exists()),
        Err(e) => Err(store_error(e)),
    }
}

/// A trust policy within AWS's size quota that parses as one.
fn check_trust_policy(document: &str) -> Result<(), AwsError> {
    PolicyKind::Trust
        .check_size(document)
        .map_err(|e| policy_error(&e))?;
    Policy::parse(document, PolicyKind::Trust).map_err(|e| policy_error(&e))?;
    Ok(())
}

/// The `AWS` principals a trust policy names.
fn aws_principals(document: &str) -> Vec<String> {
    let Ok(policy) = serde_json::from_str::<Value>(document) else {
        return Vec::new();
    };
    let statements = match policy.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(one) => vec![one.clone()],
        None => Vec::new(),
    };
    statements
        .iter()
        .filter_map(|s| s.get("Principal")?.get("AWS").cloned())
        .flat_map(|p| match p {
            Value::String(one) => vec![one],
            Value::Array(items) => items
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        })
        .collect()
}

/// AWS refuses a trust policy that names an IAM user or role that does not exist (an account,
/// its root, a session or `*` need not). Every account rampart knows lives in its store.
fn check_trust_principals(env: &Env, document: &str) -> Result<(), AwsError> {
    for principal in aws_principals(document) {
        let mut parts = principal.splitn(6, ':');
        let (Some("arn"), Some(_), Some("iam"), Some(_), Some(account), Some(resource)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            continue;
        };
        let Some((kind, rest)) = resource.split_once('/') else {
            continue;
        };
        let name = rest.rsplit('/').next().unwrap_or_default();
        let exists = match (kind, account.parse::<AccountId>()) {
            ("user", Ok(account)) => super::records::get_user(env.store.as_ref(), &account, name)
                .map_err(store_error)?
                .is_some_and(|(u, _)| principal.ends_with(&format!("user{}{}", u.path, u.name))),
            ("role", Ok(account)) => get_role(env.store.as_ref(), &account, name)
                .map_err(store_error)?
                .is_some_and(|(r, _)| principal.ends_with(&format!("role{}{}", r.path, r.name))),
            _ => true,
        };
        if !exists {
            return Err(super::errors::malformed_policy(format!(
                "Invalid principal in policy: \"AWS\":\"{principal}\""
            )));
        }
    }
    Ok(())
}

/// A role description: up to 1000 characters of tab, newlines and Latin-1 printables.
fn check_description(d: &str) -> Result<(), AwsError> {
    let fault = |rule: &str| {
        validation(format!(
            "1 validation error detected: Value '{d}' at 'description' failed to satisfy constraint: {rule}"
        ))
    };
    if d.chars().count() > 1000 {
        return Err(fault("Member must have length less than or equal to 1000"));
    }
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{7e}').contains(&c)
            || ('\u{a1}'..='\u{ff}').contains(&c)
    };
    if !d.chars().all(allowed) {
        return Err(fault(
            "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*",
        ));
    }
    Ok(())
}

/// `MaxSessionDuration`: one to twelve hours.
fn check_max_session_duration(seconds: i64) -> Result<(), AwsError> {
    let fault = |rule: &str| {
        validation(format!(
            "1 validation error detected: Value '{seconds}' at 'maxSessionDuration' failed to satisfy constraint: {rule}"
        ))
    };
    if seconds < 3600 {
        return Err(fault(
            "Member must have value greater than or equal to 3600",
        ));
    }
    if seconds > 43_200 {
        return Err(fault("Member must have value less than or equal to 43200"));
    }
    Ok(())
}

/// The model's `Role` structure; `full` adds what only `GetRole`, `CreateRole` and the
/// update operations return (boundary, tags, last use).
pub(crate) fn role_output(
    partition: Partition,
    account: &AccountId,
    role: &StoredRole,
    full: bool,
) -> Value {
    let mut v = json!({
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.role_id,
        "Arn": role.arn(partition, account),
        "CreateDate": role.create_date,
        "AssumeRolePolicyDocument": url_encode(&role.trust_policy),
        "MaxSessionDuration": role.max_session_duration,
    });
    if let Some(d) = &role.description {
        v["Description"] = json!(d);
    }
    if full {
        if let Some(boundary) = &role.permissions_boundary {
            v["PermissionsBoundary"] = boundary_output(boundary);
        }
        if !role.tags.is_empty() {
            v["Tags"] = json!(role.tags);
        }
        v["RoleLastUsed"] = match &role.role_last_used {
            Some((date, region)) => json!({ "LastUsedDate": date, "Region": region }),
            None => json!({}),
        };
    }
    v
}

fn output(call: &Call<'_>, role: &StoredRole) -> Value {
    json!({ "Role": role_output(call.env.partition, &call.principal.account, role, true) })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateRoleInput {
    role_name: String,
    path: Option<String>,
    assume_role_policy_document: String,
    description: Option<String>,
    max_session_duration: Option<i64>,
    permissions_boundary: Option<String>,
    #[serde(default)]
    tags: Vec<Tag>,
}

fn create_role(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: CreateRoleInput = from_input(input, "ValidationError")?;
    let duration = input.max_session_duration.unwrap_or(3600);
    check_max_session_duration(duration)?;
    check_tags(&input.tags, "TagsPerRole")?;
    if let Some(boundary) = &input.permissions_boundary {
        check_boundary(call, boundary)?;
    }
    let new = NewRole {
        name: input.role_name,
        path: input.path.unwrap_or_else(|| "/".into()),
        trust_policy: input.assume_role_policy_document,
        description: input.description,
        managed_policy_arns: Vec::new(),
        max_session_duration: u32::try_from(duration).unwrap_or(3600),
    };
    let role = insert_role(
        call.env,
        &call.principal.account,
        new,
        input.permissions_boundary,
        input.tags,
    )?;
    let mut out = output(call, &role);
    if let Some(role) = out["Role"].as_object_mut() {
        role.remove("RoleLastUsed");
    }
    Ok(out)
}

fn get_role_op(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let name = entity_name::<StoredRole>(&input)?;
    let (mut role, _) = existing::<StoredRole>(call, name)?;
    role.role_last_used = last_used(call.env, &call.principal.account, &role)?;
    Ok(output(call, &role))
}

/// When and where a role was last assumed, kept apart from the role record so that noting a
/// use does not disturb what governs the account's principals.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleUse {
    role_id: String,
    date: f64,
    region: String,
}

fn use_key(account: &AccountId, role_name: &str) -> Key {
    Key::new(
        space::account(account),
        ROLE_USE_TABLE,
        role_name.to_lowercase(),
    )
}

/// Notes that `role` was just assumed in `region` (`RoleLastUsed`); the AssumeRole family
/// calls it.
pub(crate) fn note_role_used(
    env: &Env,
    account: &AccountId,
    role: &StoredRole,
    region: &str,
) -> Result<(), AwsError> {
    let record = RoleUse {
        role_id: role.role_id.clone(),
        date: rampart_service::epoch_seconds(env.clock.now()),
        region: region.to_owned(),
    };
    env.store
        .commit(Batch::new().put_if(
            use_key(account, &role.name),
            encode(&record).map_err(store_error)?,
            Expect::Any,
        ))
        .map_err(store_error)?;
    Ok(())
}

/// When and where `role` (this very role, not an earlier one of the same name) was last used.
pub(crate) fn last_used(
    env: &Env,
    account: &AccountId,
    role: &StoredRole,
) -> Result<Option<(f64, String)>, AwsError> {
    let found: Option<(RoleUse, u64)> =
        get_record(env.store.as_ref(), &use_key(account, &role.name)).map_err(store_error)?;
    Ok(found
        .filter(|(u, _)| u.role_id == role.role_id)
        .map(|(u, _)| (u.date, u.region)))
}

fn list_roles(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let partition = call.env.partition;
    super::entity::list_under_path::<StoredRole>(call, input, "Roles", |r| {
        role_output(partition, &call.principal.account, r, false)
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateRoleInput {
    description: Option<String>,
    max_session_duration: Option<i64>,
}

fn update_role(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let name = entity_name::<StoredRole>(&input)?.to_owned();
    let input: UpdateRoleInput = from_input(input, "ValidationError")?;
    if let Some(d) = &input.description {
        check_description(d)?;
    }
    if let Some(seconds) = input.max_session_duration {
        check_max_session_duration(seconds)?;
    }
    let (mut role, version) = existing::<StoredRole>(call, &name)?;
    if let Some(seconds) = input.max_session_duration {
        role.check_modifiable()?;
        role.max_session_duration = u32::try_from(seconds).unwrap_or(3600);
    }
    if let Some(d) = input.description {
        role.description = Some(d);
    }
    let batch = put(Batch::new(), call, &role, version)?;
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(json!({}))
}

fn update_role_description(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let name = entity_name::<StoredRole>(&input)?.to_owned();
    let description = required(&input, "Description", "description")?.to_owned();
    check_description(&description)?;
    let (mut role, version) = existing::<StoredRole>(call, &name)?;
    role.description = Some(description);
    let batch = put(Batch::new(), call, &role, version)?;
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(output(call, &role))
}

fn update_assume_role_policy(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let name = entity_name::<StoredRole>(&input)?.to_owned();
    let document = required(&input, "PolicyDocument", "policyDocument")?.to_owned();
    check_trust_policy(&document)?;
    check_trust_principals(call.env, &document)?;
    let (mut role, version) = existing::<StoredRole>(call, &name)?;
    role.check_modifiable()?;
    role.trust_policy = document;
    let batch = put(Batch::new(), call, &role, version)?;
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(json!({}))
}

/// Why a role cannot be deleted yet, if it cannot.
fn deletion_conflict(call: &Call<'_>, role: &StoredRole) -> Result<Option<AwsError>, AwsError> {
    let conflict = if !role.inline_policies.is_empty() {
        "Cannot delete entity, must delete policies first."
    } else if !role.attached_policies.is_empty() {
        "Cannot delete entity, must detach all policies first."
    } else if !super::profiles::profiles_of_role(call, &role.name)?.is_empty() {
        "Cannot delete entity, must remove roles from instance profile first."
    } else {
        return Ok(None);
    };
    Ok(Some(delete_conflict(conflict)))
}

fn delete_role(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let name = entity_name::<StoredRole>(&input)?.to_owned();
    let (role, version) = existing::<StoredRole>(call, &name)?;
    role.check_modifiable()?;
    if let Some(conflict) = deletion_conflict(call, &role)? {
        return Err(conflict);
    }
    let key = record_key(&call.principal.account, ROLE_TABLE, &role.name);
    super::entity::delete_record(call, key, version)
}

/// The role name AWS gives a service's service-linked role: `AWSServiceRoleFor` and the
/// service's name in CamelCase (the first label of its principal, split at `-`).
pub(crate) fn service_role_name(service: &str) -> String {
    let label = service.split('.').next().unwrap_or_default();
    let known = [
        ("autoscaling", "AutoScaling"),
        ("elasticloadbalancing", "ElasticLoadBalancing"),
        ("ecs", "ECS"),
        ("rds", "RDS"),
        ("guardduty", "AmazonGuardDuty"),
        ("macie", "AmazonMacie"),
        ("ssm", "AmazonSSM"),
        ("elasticbeanstalk", "ElasticBeanstalk"),
        ("trustedadvisor", "TrustedAdvisor"),
        ("cloudtrail", "CloudTrail"),
        ("securityhub", "SecurityHub"),
        ("organizations", "Organizations"),
        ("support", "Support"),
        ("config", "Config"),
    ];
    let camel = match known.iter().find(|(l, _)| *l == label) {
        Some((_, name)) => (*name).to_owned(),
        None => label
            .split('-')
            .map(|part| {
                let mut chars = part.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect(),
    };
    format!("AWSServiceRoleFor{camel}")
}

#[derive(Deserialize)]
struct CreateServiceLinkedRoleInput {
    #[serde(rename = "AWSServiceName")]
    aws_service_name: String,
    #[serde(rename = "Description")]
    description: Option<String>,
    #[serde(rename = "CustomSuffix")]
    custom_suffix: Option<String>,
}

fn create_service_linked_role(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: CreateServiceLinkedRoleInput = from_input(input, "ValidationError")?;
    let service = input.aws_service_name;
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    };
    if !service.ends_with(".amazonaws.com") || !label_ok(&service) {
        return Err(invalid_input(format!(
            "Service name {service} is not a valid AWS service principal."
        )));
    }
    let mut name = service_role_name(&service);
    if let Some(suffix) = &input.custom_suffix {
        check_name(suffix, "customSuffix", 64)?;
        name = format!("{name}_{suffix}");
    }
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": service },
            "Action": "sts:AssumeRole",
        }],
    })
    .to_string();
    let new = NewRole {
        name: name.clone(),
        path: format!("{SERVICE_ROLE_PATH}{service}/"),
        trust_policy: trust,
        description: input.description,
        managed_policy_arns: Vec::new(),
        max_session_duration: 3600,
    };
    match insert_role(call.env, &call.principal.account, new, None, Vec::new()) {
        Ok(role) => Ok(output(call, &role)),
        Err(e) if e.code == "EntityAlreadyExists" => Err(invalid_input(format!(
            "Service role name {name} has been taken in this account, please try a different suffix."
        ))),
        Err(e) => Err(e),
    }
}

/// A finished deletion task of a service-linked role.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeletionTask {
    role_name: String,
    status: String,
}

fn deletion_key(account: &AccountId, task_id: &str) -> Key {
    Key::new(space::account(account), DELETION_TABLE, task_id.to_owned())
}

fn delete_service_linked_role(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let name = entity_name::<StoredRole>(&input)?.to_owned();
    let (role, version) = existing::<StoredRole>(call, &name)?;
    if !role.is_service_linked() {
        return Err(invalid_input(format!(
            "Role {} is not a service-linked role.",
            role.name
        )));
    }
    let uuid = rampart_crypto::random_uuid().ok_or_else(rampart_service::internal_error)?;
    let task_id = format!("task{}{}/{uuid}", role.path, role.name);
    let account = &call.principal.account;
    let task = DeletionTask {
        role_name: role.name.clone(),
        status: "SUCCEEDED".into(),
    };
    let batch = Batch::new()
        .delete_if(
            record_key(account, ROLE_TABLE, &role.name),
            Expect::Version(version),
        )
        .put_if(
            deletion_key(account, &task_id),
            encode(&task).map_err(store_error)?,
            Expect::Absent,
        );
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(json!({ "DeletionTaskId": task_id }))
}

fn get_service_linked_role_deletion_status(
    call: &Call<'_>,
    input: Value,
) -> Result<Value, AwsError> {
    let task_id = required(&input, "DeletionTaskId", "deletionTaskId")?;
    if !task_id.starts_with("task/") {
        return Err(invalid_input(format!(
            "Invalid deletion task id {task_id}."
        )));
    }
    let task: Option<(DeletionTask, u64)> = get_record(
        call.env.store.as_ref(),
        &deletion_key(&call.principal.account, task_id),
    )
    .map_err(store_error)?;
    let (task, _) =
        task.ok_or_else(|| no_such_entity(format!("Deletion task {task_id} not found.")))?;
    Ok(json!({ "Status": task.status }))
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "CreateRole", false, create_role);
    registry.register("iam", "GetRole", true, get_role_op);
    registry.register("iam", "ListRoles", true, list_roles);
    registry.register("iam", "UpdateRole", false, update_role);
    registry.register(
        "iam",
        "UpdateRoleDescription",
        false,
        update_role_description,
    );
    registry.register(
        "iam",
        "UpdateAssumeRolePolicy",
        false,
        update_assume_role_policy,
    );
    registry.register("iam", "DeleteRole", false, delete_role);
    registry.register(
        "iam",
        "CreateServiceLinkedRole",
        false,
        create_service_linked_role,
    );
    registry.register(
        "iam",
        "DeleteServiceLinkedRole",
        false,
        delete_service_linked_role,
    );
    registry.register(
        "iam",
        "GetServiceLinkedRoleDeletionStatus",
        true,
        get_service_linked_role_deletion_status,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_linked_role_names_follow_aws() {
        assert_eq!(
            service_role_name("autoscaling.amazonaws.com"),
            "AWSServiceRoleForAutoScaling"
        );
        assert_eq!(
            service_role_name("access-analyzer.amazonaws.com"),
            "AWSServiceRoleForAccessAnalyzer"
        );
    }

    #[test]
    fn session_durations_are_one_to_twelve_hours() {
        assert!(check_max_session_duration(3600).is_ok());
        assert!(check_max_session_duration(43_200).is_ok());
        let e = check_max_session_duration(3599).unwrap_err();
        assert_eq!(
            e.message,
            "1 validation error detected: Value '3599' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600"
        );
        assert!(check_max_session_duration(43_201).is_err());
    }

    #[test]
    fn descriptions_allow_latin1_printables_only() {
        assert!(check_description("A role\tfor é").is_ok());
        assert!(check_description("emoji 🙂").is_err());
        assert!(check_description(&"a".repeat(1001)).is_err());
    }
}
