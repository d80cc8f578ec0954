//! What users, roles and groups share, and the operations over it: inline policies
//! (`Put/Get/Delete/List<Kind>Policy`), attached managed policies (`Attach/Detach/
//! ListAttached<Kind>Policies`) and permissions boundaries (`Put/Delete<Kind>PermissionsBoundary`).

use super::errors::{
    invalid_input, limit_exceeded, no_such_entity, policy_error, store_error, unmodifiable,
    validation,
};
use super::managed::{ManagedRef, arn_path, count_attachment, policy_not_found, resolve};
use super::names::{check_name, max_items};
use super::paging::{PageInput, page};
use super::records::{encode, get_record, record_key, url_encode};
use rampart_policy::{Policy, PolicyKind, policy_size};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use rampart_store::{Batch, Expect, Key};
use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// AWS's default quota of managed policies attached to one user, role or group.
pub(crate) const POLICIES_PER_ENTITY: usize = 10;

/// How one kind of entity is named in operations, messages and the store.
pub(crate) struct Kind {
    /// `User`, `Role` or `Group`, as in operation names and quota names.
    pub title: &'static str,
    /// `user`, `role` or `group`, as in messages.
    pub noun: &'static str,
    /// Its table in the account's space.
    pub table: &'static str,
    /// The input member that names it (`UserName`) and its name in validation messages.
    pub member: &'static str,
    pub validation_member: &'static str,
    /// The longest name a lookup accepts.
    pub name_max: usize,
    /// AWS's quota on the aggregate size of its inline policies (whitespace not counted).
    pub inline_quota: usize,
}

/// The accessors of [`Entity`] that every stored entity implements over its fields of the same
/// names; `bounded` adds the permissions boundary (users and roles).
macro_rules! entity_fields {
    () => {
        fn name(&self) -> &str {
            &self.name
        }
        fn path(&self) -> &str {
            &self.path
        }
        fn inline_policies(&mut self) -> &mut std::collections::BTreeMap<String, String> {
            &mut self.inline_policies
        }
        fn attached_policies(&mut self) -> &mut Vec<String> {
            &mut self.attached_policies
        }
    };
    (bounded) => {
        super::entity::entity_fields!();
        fn boundary(&mut self) -> Option<&mut Option<String>> {
            Some(&mut self.permissions_boundary)
        }
    };
}
pub(crate) use entity_fields;

/// A user, role or group record.
pub(crate) trait Entity: Serialize + DeserializeOwned + 'static {
    /// Which kind it is.
    const KIND: Kind;
    /// Its name, as created.
    fn name(&self) -> &str;
    /// Its path (`/` or `/division/`).
    fn path(&self) -> &str;
    /// Its inline policies: name to document.
    fn inline_policies(&mut self) -> &mut BTreeMap<String, String>;
    /// Its attached managed policy ARNs, in attachment order.
    fn attached_policies(&mut self) -> &mut Vec<String>;
    /// Its permissions boundary, if the kind can have one.
    fn boundary(&mut self) -> Option<&mut Option<String>> {
        None
    }
    /// Refuses a change when AWS owns the entity (service-linked roles).
    fn check_modifiable(&self) -> Result<(), AwsError> {
        Ok(())
    }
}

/// `NoSuchEntity` for an entity name.
pub(crate) fn not_found<E: Entity>(name: &str) -> AwsError {
    no_such_entity(format!(
        "The {} with name {name} cannot be found.",
        E::KIND.noun
    ))
}

/// The entity named `name`, or `NoSuchEntity`.
pub(crate) fn existing<E: Entity>(call: &Call<'_>, name: &str) -> Result<(E, u64), AwsError> {
    get_record(
        call.env.store.as_ref(),
        &record_key(&call.principal.account, E::KIND.table, name),
    )
    .map_err(store_error)?
    .ok_or_else(|| not_found::<E>(name))
}

/// The entity the input names, its record's key and version.
pub(crate) fn load<E: Entity>(call: &Call<'_>, input: &Value) -> Result<(E, Key, u64), AwsError> {
    let name = entity_name::<E>(input)?;
    let (entity, version) = existing::<E>(call, name)?;
    let key = record_key(&call.principal.account, E::KIND.table, entity.name());
    Ok((entity, key, version))
}

/// Writes back an entity record read at `version`.
pub(crate) fn put<E: Entity>(
    batch: Batch,
    call: &Call<'_>,
    entity: &E,
    version: u64,
) -> Result<Batch, AwsError> {
    Ok(batch.put_if(
        record_key(&call.principal.account, E::KIND.table, entity.name()),
        encode(entity).map_err(store_error)?,
        Expect::Version(version),
    ))
}

/// Deletes the record at `key` if it is still at `version`: a Delete* operation's answer.
pub(crate) fn delete_record(call: &Call<'_>, key: Key, version: u64) -> Result<Value, AwsError> {
    call.env
        .store
        .commit(Batch::new().delete_if(key, Expect::Version(version)))
        .map_err(store_error)?;
    Ok(json!({}))
}

/// Writes back `entity` alone.
fn save<E: Entity>(call: &Call<'_>, entity: &E, version: u64) -> Result<Value, AwsError> {
    let batch = put(Batch::new(), call, entity, version)?;
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(json!({}))
}

/// A required string member of the input, or AWS's null-member `ValidationError`.
pub(crate) fn required<'v>(
    input: &'v Value,
    member: &str,
    validation_member: &str,
) -> Result<&'v str, AwsError> {
    input
        .get(member)
        .and_then(Value::as_str)
        .ok_or_else(|| null_member(validation_member))
}

/// The strings of a list member of the input (none when it is absent or not a list).
pub(crate) fn strings(input: &Value, member: &str) -> Vec<String> {
    input
        .get(member)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// AWS's `ValidationError` for a required member left out.
pub(crate) fn null_member(validation_member: &str) -> AwsError {
    validation(format!(
        "1 validation error detected: Value null at '{validation_member}' failed to satisfy constraint: Member must not be null"
    ))
}

/// The entity name the input gives, checked.
pub(crate) fn entity_name<E: Entity>(input: &Value) -> Result<&str, AwsError> {
    let name = required(input, E::KIND.member, E::KIND.validation_member)?;
    check_name(name, E::KIND.validation_member, E::KIND.name_max)?;
    Ok(name)
}

/// A managed policy ARN that must exist to be used as a permissions boundary.
pub(crate) fn check_boundary(call: &Call<'_>, arn: &str) -> Result<(), AwsError> {
    match resolve(call, arn) {
        Ok(Some(_)) => Ok(()),
        Ok(None) | Err(_) => Err(invalid_input(format!(
            "Scope ARN: {arn} does not exist or is not attachable."
        ))),
    }
}

/// The model's `AttachedPermissionsBoundary` structure.
pub(crate) fn boundary_output(arn: &str) -> Value {
    json!({ "PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyDocumentInput {
    policy_name: String,
    policy_document: String,
}

fn put_policy<E: Entity>(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let name = entity_name::<E>(&input)?.to_owned();
    let input: PolicyDocumentInput = from_input(input, "ValidationError")?;
    check_name(&input.policy_name, "policyName", 128)?;
    Policy::parse(&input.policy_document, PolicyKind::Identity).map_err(|e| policy_error(&e))?;
    let (mut entity, version) = existing::<E>(call, &name)?;
    entity.check_modifiable()?;
    let policies = entity.inline_policies();
    policies.insert(input.policy_name, input.policy_document);
    if !within_quota(policies.values(), E::KIND.inline_quota) {
        return Err(limit_exceeded(format!(
            "Maximum policy size of {} bytes exceeded for {} {}",
            E::KIND.inline_quota,
            E::KIND.noun,
            entity.name()
        )));
    }
    save(call, &entity, version)
}

/// Whether inline documents together fit an aggregate quota.
fn within_quota<'a>(documents: impl Iterator<Item = &'a String>, quota: usize) -> bool {
    documents.map(|d| policy_size(d)).sum::<usize>() <= quota
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyNameInput {
    policy_name: String,
}

fn no_such_inline<E: Entity>(name: &str) -> AwsError {
    no_such_entity(format!(
        "The {} policy with name {name} cannot be found.",
        E::KIND.noun
    ))
}

fn get_policy<E: Entity>(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let name = entity_name::<E>(&input)?.to_owned();
    let input: PolicyNameInput = from_input(input, "ValidationError")?;
    check_name(&input.policy_name, "policyName", 128)?;
    let (mut entity, _) = existing::<E>(call, &name)?;
    let document = entity
        .inline_policies()
        .get(&input.policy_name)
        .map(|d| url_encode(d))
        .ok_or_else(|| no_such_inline::<E>(&input.policy_name))?;
    let mut output = Map::new();
    output.insert(E::KIND.member.into(), json!(entity.name()));
    output.insert("PolicyName".into(), json!(input.policy_name));
    output.insert("PolicyDocument".into(), json!(document));
    Ok(Value::Object(output))
}

fn delete_policy<E: Entity>(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let name = entity_name::<E>(&input)?.to_owned();
    let input: PolicyNameInput = from_input(input, "ValidationError")?;
    check_name(&input.policy_name, "policyName", 128)?;
    let (mut entity, version) = existing::<E>(call, &name)?;
    entity.check_modifiable()?;
    if entity
        .inline_policies()
        .remove(&input.policy_name)
        .is_none()
    {
        return Err(no_such_inline::<E>(&input.policy_name));
    }
    save(call, &entity, version)
}

/// One page of the account's entities of type `E` whose path starts with `PathPrefix`, in
/// name order (case-insensitive), as `member` of the output, each shaped by `output`.
pub(crate) fn list_under_path<E: Entity>(
    call: &Call<'_>,
    input: Value,
    member: &str,
    output: impl Fn(&E) -> Value,
) -> Result<Value, AwsError> {
    let input: PageInput = from_input(input, "ValidationError")?;
    let max = max_items(input.max_items)?;
    let prefix = input.path_prefix.unwrap_or_else(|| "/".into());
    let all: Vec<E> = super::records::list(
        call.env.store.as_ref(),
        &call.principal.account,
        E::KIND.table,
    )
    .map_err(store_error)?;
    let items = all
        .into_iter()
        .filter(|e| e.path().starts_with(&prefix))
        .map(|e| (e.name().to_lowercase(), e))
        .collect();
    let mut out = Map::new();
    let listed = page(items, input.marker.as_deref(), max, &mut out)?;
    out.insert(
        member.to_owned(),
        Value::Array(listed.iter().map(output).collect()),
    );
    Ok(Value::Object(out))
}

fn list_policies<E: Entity>(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let name = entity_name::<E>(&input)?.to_owned();
    let input: PageInput = from_input(input, "ValidationError")?;
    let max = max_items(input.max_items)?;
    let (mut entity, _) = existing::<E>(call, &name)?;
    let items = std::mem::take(entity.inline_policies())
        .into_keys()
        .map(|name| (name.clone(), Value::String(name)))
        .collect();
    let mut output = Map::new();
    let names = page(items, input.marker.as_deref(), max, &mut output)?;
    output.insert("PolicyNames".into(), Value::Array(names));
    Ok(Value::Object(output))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyArnInput {
    policy_arn: String,
}

fn attach<E: Entity>(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let name = entity_name::<E>(&input)?.to_owned();
    let input: PolicyArnInput = from_input(input, "ValidationError")?;
    let (mut entity, version) = existing::<E>(call, &name)?;
    entity.check_modifiable()?;
    let Some(policy) = resolve(call, &input.policy_arn)? else {
        return Err(no_such_entity(format!(
            "Policy {} does not exist or is not attachable.",
            input.policy_arn
        )));
    };
    let attached = entity.attached_policies();
    if attached.contains(&input.policy_arn) {
        return Ok(json!({}));
    }
    if attached.len() >= POLICIES_PER_ENTITY {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for PoliciesPer{}: {POLICIES_PER_ENTITY}",
            E::KIND.title
        )));
    }
    attached.push(input.policy_arn);
    let mut batch = put(Batch::new(), call, &entity, version)?;
    if let ManagedRef::Customer(policy, version) = policy {
        batch = count_attachment(&call.principal.account, batch, *policy, version, 1)?;
    }
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(json!({}))
}

fn detach<E: Entity>(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let name = entity_name::<E>(&input)?.to_owned();
    let input: PolicyArnInput = from_input(input, "ValidationError")?;
    let (mut entity, version) = existing::<E>(call, &name)?;
    entity.check_modifiable()?;
    let attached = entity.attached_policies();
    if !attached.contains(&input.policy_arn) {
        return Err(policy_not_found(&input.policy_arn));
    }
    attached.retain(|arn| *arn != input.policy_arn);
    let mut batch = put(Batch::new(), call, &entity, version)?;
    if let Some(ManagedRef::Customer(policy, version)) = resolve(call, &input.policy_arn)? {
        batch = count_attachment(&call.principal.account, batch, *policy, version, -1)?;
    }
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(json!({}))
}

fn list_attached<E: Entity>(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let name = entity_name::<E>(&input)?.to_owned();
    let input: PageInput = from_input(input, "ValidationError")?;
    let max = max_items(input.max_items)?;
    let prefix = input.path_prefix.unwrap_or_else(|| "/".into());
    let (mut entity, _) = existing::<E>(call, &name)?;
    let mut items: Vec<(String, Value)> = std::mem::take(entity.attached_policies())
        .into_iter()
        .filter(|arn| arn_path(arn).starts_with(&prefix))
        .map(|arn| {
            let name = arn.rsplit('/').next().unwrap_or_default().to_owned();
            (arn.clone(), json!({ "PolicyName": name, "PolicyArn": arn }))
        })
        .collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let mut output = Map::new();
    let attached = page(items, input.marker.as_deref(), max, &mut output)?;
    output.insert("AttachedPolicies".into(), Value::Array(attached));
    Ok(Value::Object(output))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BoundaryInput {
    permissions_boundary: String,
}

fn put_boundary<E: Entity>(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let name = entity_name::<E>(&input)?.to_owned();
    let input: BoundaryInput = from_input(input, "ValidationError")?;
    let (mut entity, version) = existing::<E>(call, &name)?;
    entity.check_modifiable()?;
    check_boundary(call, &input.permissions_boundary)?;
    *entity
        .boundary()
        .ok_or_else(rampart_service::internal_error)? = Some(input.permissions_boundary);
    save(call, &entity, version)
}

fn delete_boundary<E: Entity>(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let name = entity_name::<E>(&input)?.to_owned();
    let (mut entity, version) = existing::<E>(call, &name)?;
    entity.check_modifiable()?;
    let boundary = entity
        .boundary()
        .ok_or_else(rampart_service::internal_error)?;
    if boundary.take().is_none() {
        return Ok(json!({}));
    }
    save(call, &entity, version)
}

/// Registers the operations every kind has (inline and attached policies), and boundaries for
/// the kinds that have them.
pub(crate) fn register<E: Entity>(registry: &mut Registry, bounded: bool) {
    let t = E::KIND.title;
    registry.register("iam", &format!("Put{t}Policy"), false, put_policy::<E>);
    registry.register("iam", &format!("Get{t}Policy"), true, get_policy::<E>);
    registry.register(
        "iam",
        &format!("Delete{t}Policy"),
        false,
        delete_policy::<E>,
    );
    registry.register("iam", &format!("List{t}Policies"), true, list_policies::<E>);
    registry.register("iam", &format!("Attach{t}Policy"), false, attach::<E>);
    registry.register("iam", &format!("Detach{t}Policy"), false, detach::<E>);
    registry.register(
        "iam",
        &format!("ListAttached{t}Policies"),
        true,
        list_attached::<E>,
    );
    if bounded {
        registry.register(
            "iam",
            &format!("Put{t}PermissionsBoundary"),
            false,
            put_boundary::<E>,
        );
        registry.register(
            "iam",
            &format!("Delete{t}PermissionsBoundary"),
            false,
            delete_boundary::<E>,
        );
    }
}

/// Reports a change to an entity AWS owns.
pub(crate) fn protected_role(name: &str) -> AwsError {
    unmodifiable(format!(
        "Cannot perform the operation on the protected role '{name}' - this role is only modifiable by AWS"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_aggregate_ignores_whitespace() {
        let fits = "a".repeat(2_048);
        assert!(within_quota([fits.clone()].iter(), 2_048));
        let spaced = format!("{fits}   \n");
        assert!(within_quota([spaced].iter(), 2_048));
        assert!(!within_quota([fits, "b".into()].iter(), 2_048));
    }
}
