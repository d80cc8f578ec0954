//! Managed policy versions: CreatePolicyVersion, GetPolicyVersion, ListPolicyVersions,
//! SetDefaultPolicyVersion and DeletePolicyVersion. A customer managed policy keeps at most five
//! versions; an AWS managed policy shows its default version only and cannot be changed.

use super::errors::{delete_conflict, limit_exceeded, no_such_entity, policy_error, store_error};
use super::managed::{AWS_POLICY_DATE, ManagedRef, policy_not_found, resolve};
use super::names::max_items;
use super::paging::page;
use super::records::{POLICY_TABLE, StoredPolicy, StoredVersion, encode, record_key, url_encode};
use rampart_policy::{Policy, PolicyKind};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use rampart_store::{Batch, Expect};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// AWS's quota of versions per managed policy.
const VERSIONS_PER_POLICY: usize = 5;

/// The customer managed policy `arn` names (AWS managed ones cannot be changed).
fn customer_policy(call: &Call<'_>, arn: &str) -> Result<(StoredPolicy, u64), AwsError> {
    match resolve(call, arn)? {
        Some(ManagedRef::Customer(policy, version)) => Ok((*policy, version)),
        _ => Err(policy_not_found(arn)),
    }
}

fn save(call: &Call<'_>, policy: &StoredPolicy, version: u64) -> Result<(), AwsError> {
    let key = record_key(&call.principal.account, POLICY_TABLE, &policy.name);
    let value = encode(policy).map_err(store_error)?;
    call.env
        .store
        .commit(Batch::new().put_if(key, value, Expect::Version(version)))
        .map_err(store_error)?;
    Ok(())
}

fn no_such_version(arn: &str, id: &str) -> AwsError {
    no_such_entity(format!("Policy {arn} version {id} does not exist."))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreatePolicyVersionInput {
    policy_arn: String,
    policy_document: String,
    #[serde(default)]
    set_as_default: bool,
}

fn create_policy_version(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: CreatePolicyVersionInput = from_input(input, "ValidationError")?;
    PolicyKind::Identity
        .check_size(&input.policy_document)
        .map_err(|e| policy_error(&e))?;
    Policy::parse(&input.policy_document, PolicyKind::Identity).map_err(|e| policy_error(&e))?;
    let (mut policy, version) = customer_policy(call, &input.policy_arn)?;
    if policy.versions.len() >= VERSIONS_PER_POLICY {
        return Err(limit_exceeded(format!(
            "A managed policy can have up to {VERSIONS_PER_POLICY} versions. Before you create a new version, you must delete an existing version."
        )));
    }
    let now = rampart_service::epoch_seconds(call.env.clock.now());
    let id = format!("v{}", policy.next_version);
    policy.next_version += 1;
    policy.versions.push(StoredVersion {
        version_id: id.clone(),
        document: input.policy_document,
        create_date: now,
    });
    if input.set_as_default {
        policy.default_version_id = id.clone();
        policy.update_date = now;
    }
    save(call, &policy, version)?;
    Ok(json!({ "PolicyVersion": {
        "VersionId": id,
        "IsDefaultVersion": input.set_as_default,
        "CreateDate": now,
    }}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyVersionInput {
    policy_arn: String,
    version_id: String,
}

fn get_policy_version(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: PolicyVersionInput = from_input(input, "ValidationError")?;
    let (document, is_default, date) = match resolve(call, &input.policy_arn)? {
        Some(ManagedRef::Aws(p)) if p.version_id == input.version_id => {
            (p.document().to_owned(), true, AWS_POLICY_DATE)
        }
        Some(ManagedRef::Customer(p, _)) => match p.version(&input.version_id) {
            Some(v) => (
                v.document.clone(),
                v.version_id == p.default_version_id,
                v.create_date,
            ),
            None => return Err(no_such_version(&input.policy_arn, &input.version_id)),
        },
        Some(ManagedRef::Aws(_)) => {
            return Err(no_such_version(&input.policy_arn, &input.version_id));
        }
        None => return Err(policy_not_found(&input.policy_arn)),
    };
    Ok(json!({ "PolicyVersion": {
        "Document": url_encode(&document),
        "VersionId": input.version_id,
        "IsDefaultVersion": is_default,
        "CreateDate": date,
    }}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListPolicyVersionsInput {
    policy_arn: String,
    marker: Option<String>,
    max_items: Option<i64>,
}

fn list_policy_versions(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ListPolicyVersionsInput = from_input(input, "ValidationError")?;
    let max = max_items(input.max_items)?;
    let versions: Vec<(u32, Value)> = match resolve(call, &input.policy_arn)? {
        Some(ManagedRef::Aws(p)) => vec![(
            0,
            json!({"VersionId": p.version_id, "IsDefaultVersion": true, "CreateDate": AWS_POLICY_DATE}),
        )],
        Some(ManagedRef::Customer(p, _)) => p
            .versions
            .iter()
            .map(|v| {
                let n = v.version_id.trim_start_matches('v').parse().unwrap_or(0);
                let entry = json!({
                    "VersionId": v.version_id,
                    "IsDefaultVersion": v.version_id == p.default_version_id,
                    "CreateDate": v.create_date,
                });
                (n, entry)
            })
            .collect(),
        None => return Err(policy_not_found(&input.policy_arn)),
    };
    // Newest first, as AWS lists them; the sort key orders descending version numbers.
    let items = versions
        .into_iter()
        .map(|(n, v)| (format!("{:010}", u32::MAX - n), v))
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_iter()
        .collect();
    let mut output = Map::new();
    let page = page(items, input.marker.as_deref(), max, &mut output)?;
    output.insert("Versions".into(), Value::Array(page));
    Ok(Value::Object(output))
}

fn set_default_policy_version(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: PolicyVersionInput = from_input(input, "ValidationError")?;
    let (mut policy, version) = customer_policy(call, &input.policy_arn)?;
    if policy.version(&input.version_id).is_none() {
        return Err(no_such_version(&input.policy_arn, &input.version_id));
    }
    policy.default_version_id = input.version_id;
    policy.update_date = rampart_service::epoch_seconds(call.env.clock.now());
    save(call, &policy, version)?;
    Ok(json!({}))
}

fn delete_policy_version(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: PolicyVersionInput = from_input(input, "ValidationError")?;
    let (mut policy, version) = customer_policy(call, &input.policy_arn)?;
    if policy.version(&input.version_id).is_none() {
        return Err(no_such_version(&input.policy_arn, &input.version_id));
    }
    if policy.default_version_id == input.version_id {
        return Err(delete_conflict(
            "Cannot delete the default version of a policy.",
        ));
    }
    policy.versions.retain(|v| v.version_id != input.version_id);
    save(call, &policy, version)?;
    Ok(json!({}))
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "CreatePolicyVersion", false, create_policy_version);
    registry.register("iam", "GetPolicyVersion", true, get_policy_version);
    registry.register("iam", "ListPolicyVersions", true, list_policy_versions);
    registry.register(
        "iam",
        "SetDefaultPolicyVersion",
        false,
        set_default_policy_version,
    );
    registry.register("iam", "DeletePolicyVersion", false, delete_policy_version);
}
