//! The secrets themselves: CreateSecret, DescribeSecret, UpdateSecret, DeleteSecret,
//! RestoreSecret, ListSecrets, TagResource and UntagResource.

use crate::errors;
use crate::input::{self, text};
use crate::model::{self, CURRENT, Rotation, Secret, VersionMeta};
use crate::resolve::{find, partial_arn, resolve};
use crate::{crypt, versions};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use rampart_store::{Batch, Expect, StoreError};
use serde_json::{Map, Value, json};

pub(crate) fn register(registry: &mut Registry) {
    registry.register("secretsmanager", "CreateSecret", false, create_secret);
    registry.register("secretsmanager", "DescribeSecret", true, describe_secret);
    registry.register("secretsmanager", "UpdateSecret", false, update_secret);
    registry.register("secretsmanager", "DeleteSecret", false, delete_secret);
    registry.register("secretsmanager", "RestoreSecret", false, restore_secret);
    registry.register("secretsmanager", "ListSecrets", true, list_secrets);
    registry.register("secretsmanager", "TagResource", false, tag_resource);
    registry.register("secretsmanager", "UntagResource", false, untag_resource);
}

const SUFFIX_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn create_secret(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let name = input::required(&input, "Name")?.to_owned();
    input::check_name(&name)?;
    let token = input::token(&input)?;
    let value = input::value(&input)?;
    let description = input::description(&input)?;
    let kms_key_id = input::kms_key_id(&input)?;
    let mut tags = Vec::new();
    input::merge_tags(&mut tags, input::tags(&input)?)?;
    let space = model::own_space(call);
    if let Some(existing) = model::load(call.env, &space, &name)? {
        let secret = existing.secret;
        if secret.deleted.is_some() {
            return Err(errors::invalid_request(
                "You can't create this secret because a secret with this name is already scheduled for deletion.",
            ));
        }
        if let (Some(value), Some(_)) = (&value, secret.versions.get(&token)) {
            if &versions::read_value(call, &space, &secret, &token)? == value {
                return Ok(json!({"ARN": secret.arn, "Name": secret.name, "VersionId": token}));
            }
            return Err(errors::version_exists());
        }
        return Err(errors::exists(format!(
            "The operation failed because the secret {name} already exists."
        )));
    }
    let suffix = rampart_crypto::random_token(SUFFIX_ALPHABET, 6)
        .ok_or_else(rampart_service::internal_error)?;
    let arn = format!(
        "arn:{}:secretsmanager:{}:{}:secret:{name}-{suffix}",
        call.env.partition, call.region, call.principal.account
    );
    let now = model::now_ms(call.env);
    let mut secret = Secret {
        arn: arn.clone(),
        name: name.clone(),
        description,
        kms_key_id,
        tags,
        created: now,
        last_changed: now,
        last_rotated: None,
        last_accessed: None,
        deleted: None,
        deletion_due: None,
        versions: Default::default(),
        next_seq: 0,
        rotation: Rotation::default(),
        policy: None,
        primary_region: call.region.to_string(),
        replicas: Vec::new(),
        secret_type: text(&input, "Type").map(str::to_owned),
    };
    let mut batch = Batch::new();
    if let Some(value) = &value {
        let (sealed, key_arn) =
            crypt::seal(call, &arn, secret.kms_key_id.as_deref(), &token, value)?;
        secret.versions.insert(
            token.clone(),
            VersionMeta {
                stages: vec![CURRENT.to_owned()],
                created: now,
                seq: 0,
                key_arn,
                last_accessed: None,
            },
        );
        secret.next_seq = 1;
        batch = batch.put_if(
            model::value_key(&space, &arn, &token),
            sealed,
            Expect::Absent,
        );
    }
    let batch = batch.put_if(
        model::secret_key(&space, &name),
        model::encode(&secret)?,
        Expect::Absent,
    );
    match call.env.store.commit(batch) {
        Ok(_) => {}
        Err(StoreError::Conflict { .. }) => {
            return Err(errors::exists(format!(
                "The operation failed because the secret {name} already exists."
            )));
        }
        Err(e) => return Err(errors::store(e)),
    }
    model::note_space(call.env, &space)?;
    let mut out = json!({"ARN": arn, "Name": name});
    if value.is_some() {
        out["VersionId"] = token.into();
    }
    if let Some(regions) = input.get("AddReplicaRegions") {
        let force = input::flag(&input, "ForceOverwriteReplicaSecret").unwrap_or(false);
        let status = crate::replication::add(call, &space, &name, regions, force)?;
        out["ReplicationStatus"] = status;
    }
    Ok(out)
}

/// DescribeSecret's fields of `secret` (ListSecrets names the version map differently).
pub(crate) fn describe(secret: &Secret, versions_member: &str) -> Map<String, Value> {
    let mut out = Map::new();
    let mut put = |k: &str, v: Value| {
        out.insert(k.to_owned(), v);
    };
    put("ARN", secret.arn.clone().into());
    put("Name", secret.name.clone().into());
    if let Some(d) = &secret.description {
        put("Description", d.clone().into());
    }
    if let Some(k) = &secret.kms_key_id {
        put("KmsKeyId", k.clone().into());
    }
    if secret.rotation.enabled || secret.rotation.lambda_arn.is_some() {
        put("RotationEnabled", secret.rotation.enabled.into());
    }
    if let Some(l) = &secret.rotation.lambda_arn {
        put("RotationLambdaARN", l.clone().into());
    }
    if let Some(r) = &secret.rotation.rules {
        put("RotationRules", r.clone());
    }
    if let Some(t) = secret.last_rotated {
        put("LastRotatedDate", model::seconds(t).into());
    }
    put(
        "LastChangedDate",
        model::seconds(secret.last_changed).into(),
    );
    if let Some(t) = secret.last_accessed {
        put("LastAccessedDate", model::seconds(t).into());
    }
    if let Some(t) = secret.deleted {
        put("DeletedDate", model::seconds(t).into());
    }
    if secret.rotation.enabled
        && let Some(t) = secret.rotation.next
    {
        put("NextRotationDate", model::seconds(t).into());
    }
    if !secret.tags.is_empty() {
        put(
            "Tags",
            serde_json::to_value(&secret.tags).unwrap_or(Value::Null),
        );
    }
    put(versions_member, secret.version_stages());
    put("CreatedDate", model::seconds(secret.created).into());
    put("PrimaryRegion", secret.primary_region.clone().into());
    if !secret.replicas.is_empty() {
        put(
            "ReplicationStatus",
            crate::replication::status(&secret.replicas),
        );
    }
    if let Some(t) = &secret.secret_type {
        put("Type", t.clone().into());
    }
    out
}

fn describe_secret(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let found = resolve(call, input::secret_id(&input)?)?;
    Ok(Value::Object(describe(
        found.secret(),
        "VersionIdsToStages",
    )))
}

fn update_secret(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let found = resolve(call, input::secret_id(&input)?)?;
    let description = input::description(&input)?;
    let kms_key_id = input.get("KmsKeyId").map(|_| input::kms_key_id(&input));
    let value = input::value(&input)?;
    let token = input::token(&input)?;
    {
        let secret = found.secret();
        secret.require_live()?;
        if secret.is_replica(call.region.as_str()) {
            return Err(errors::replica_read_only());
        }
    }
    let kms_key_id = kms_key_id.transpose()?;
    let name = found.secret().name.clone();
    let now = model::now_ms(call.env);
    let key_changed = model::update(call.env, &found.space, &name, |s, _| {
        if let Some(d) = &description {
            s.description = Some(d.clone());
        }
        let mut changed = false;
        if let Some(k) = &kms_key_id {
            changed = &s.kms_key_id != k;
            s.kms_key_id = k.clone();
        }
        s.secret_type = text(&input, "Type")
            .map(str::to_owned)
            .or(s.secret_type.take());
        s.last_changed = now;
        Ok(changed)
    })?;
    if key_changed {
        versions::reencrypt(call, &found.space, &name)?;
    }
    let secret = found.secret();
    let mut out = json!({"ARN": secret.arn, "Name": secret.name});
    match value {
        Some(value) => {
            versions::add_version(
                call,
                &found.space,
                &name,
                &token,
                &value,
                &[CURRENT.to_owned()],
            )?;
            out["VersionId"] = token.into();
        }
        None => crate::replication::sync(call, &found.space, &name)?,
    }
    Ok(out)
}

fn delete_secret(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = input::secret_id(&input)?;
    let force = input::flag(&input, "ForceDeleteWithoutRecovery").unwrap_or(false);
    let window = input.get("RecoveryWindowInDays").and_then(Value::as_i64);
    if force && window.is_some() {
        return Err(errors::invalid_parameter(
            "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
        ));
    }
    let days = window.unwrap_or(30);
    if !(7..=30).contains(&days) {
        return Err(errors::invalid_parameter(
            "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
        ));
    }
    let now = model::now_ms(call.env);
    let Some(found) = find(call, id)? else {
        if force {
            return Ok(json!({
                "ARN": partial_arn(call, id),
                "Name": id,
                "DeletionDate": model::seconds(now),
            }));
        }
        return Err(errors::secret_not_found());
    };
    let secret = found.secret().clone();
    if secret.is_replica(call.region.as_str()) {
        return Err(errors::replica_read_only());
    }
    if !secret.replicas.is_empty() {
        let regions: Vec<&str> = secret.replicas.iter().map(|r| r.region.as_str()).collect();
        return Err(errors::invalid_request(format!(
            "You can't delete secret {} that still has replica regions [{}]",
            secret.name,
            regions.join(", ")
        )));
    }
    if force {
        model::purge(call.env, &found.space, &secret)?;
        crate::events::emit(call, "EndSecretVersionDelete", &secret.arn, json!({}));
        return Ok(json!({
            "ARN": secret.arn,
            "Name": secret.name,
            "DeletionDate": model::seconds(now),
        }));
    }
    let due = now + days * model::DAY_MS;
    model::update(call.env, &found.space, &secret.name, |s, _| {
        if s.deleted.is_some() {
            return Err(errors::invalid_request(
                "You can't perform this operation on the secret because it was already scheduled for deletion.",
            ));
        }
        s.deleted = Some(now);
        s.deletion_due = Some(due);
        Ok(())
    })?;
    crate::events::emit(
        call,
        "StartSecretVersionDelete",
        &secret.arn,
        json!({"DeletionDate": model::seconds(due)}),
    );
    Ok(json!({
        "ARN": secret.arn,
        "Name": secret.name,
        "DeletionDate": model::seconds(due),
    }))
}

fn restore_secret(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let found = resolve(call, input::secret_id(&input)?)?;
    let name = found.secret().name.clone();
    if found.secret().is_replica(call.region.as_str()) {
        return Err(errors::replica_read_only());
    }
    let was_deleted = model::update(call.env, &found.space, &name, |s, _| {
        let was = s.deleted.is_some();
        s.deleted = None;
        s.deletion_due = None;
        Ok(was)
    })?;
    if was_deleted {
        crate::events::emit(
            call,
            "CancelSecretVersionDelete",
            &found.secret().arn,
            json!({}),
        );
    }
    Ok(json!({"ARN": found.secret().arn, "Name": name}))
}

const FILTER_KEYS: [&str; 7] = [
    "description",
    "name",
    "tag-key",
    "tag-value",
    "primary-region",
    "owning-service",
    "all",
];

/// Whether one filter value (without its `!`) matches `secret`: a prefix match, case-sensitive
/// except for `description` and `all`.
fn matches(secret: &Secret, key: &str, value: &str) -> bool {
    let prefix = |text: &str, fold: bool| {
        if fold {
            text.to_lowercase().starts_with(&value.to_lowercase())
        } else {
            text.starts_with(value)
        }
    };
    let desc = || {
        secret
            .description
            .as_deref()
            .is_some_and(|d| prefix(d, true))
    };
    match key {
        "name" => prefix(&secret.name, false),
        "description" => desc(),
        "tag-key" => secret.tags.iter().any(|t| prefix(&t.key, false)),
        "tag-value" => secret.tags.iter().any(|t| prefix(&t.value, false)),
        "primary-region" => prefix(&secret.primary_region, false),
        "owning-service" => false,
        _ => value.split_whitespace().all(|word| {
            let p = |text: &str| text.to_lowercase().starts_with(&word.to_lowercase());
            p(&secret.name)
                || secret.description.as_deref().is_some_and(p)
                || secret.tags.iter().any(|t| p(&t.key) || p(&t.value))
                || p(&secret.primary_region)
        }),
    }
}

/// The caller's secrets (in the request's region) that `input`'s `Filters` select, sorted as
/// `SortBy`/`SortOrder` say; secrets scheduled for deletion only when asked.
pub(crate) fn listed(
    call: &Call<'_>,
    input: &Value,
    planned_deletion: bool,
) -> Result<Vec<Secret>, AwsError> {
    let mut filters = Vec::new();
    for filter in input
        .get("Filters")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let key = text(filter, "Key").unwrap_or_default();
        if !FILTER_KEYS.contains(&key) {
            return Err(errors::invalid_parameter(format!(
                "Invalid filter key: {key}"
            )));
        }
        let values = input::strings(filter, "Values");
        if values.is_empty() || values.len() > 10 {
            return Err(errors::invalid_parameter(
                "A filter must have between 1 and 10 values.",
            ));
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || " :_@/+=.-!".contains(c);
        if values
            .iter()
            .any(|v| v.chars().count() > 512 || !v.chars().all(allowed))
        {
            return Err(errors::validation(
                "filters.member.values",
                "Member must satisfy regular expression pattern: ^\\!?[a-zA-Z0-9 :_@\\/\\+\\=\\.\\-\\!]*$ and have length less than or equal to 512",
            ));
        }
        filters.push((key.to_owned(), values));
    }
    let mut secrets: Vec<Secret> = model::all(call.env, &model::own_space(call))?
        .into_iter()
        .filter(|s| planned_deletion || s.deleted.is_none())
        .filter(|s| {
            filters.iter().all(|(key, values)| {
                let (negated, positive): (Vec<&String>, Vec<&String>) =
                    values.iter().partition(|v| v.starts_with('!'));
                negated.iter().all(|v| !matches(s, key, &v[1..]))
                    && (positive.is_empty() || positive.iter().any(|v| matches(s, key, v)))
            })
        })
        .collect();
    let by = text(input, "SortBy").unwrap_or("created-date");
    match by {
        "name" => secrets.sort_by(|a, b| a.name.cmp(&b.name)),
        "last-changed-date" => secrets.sort_by_key(|s| (s.last_changed, s.name.clone())),
        "created-date" => secrets.sort_by_key(|s| (s.created, s.name.clone())),
        "last-accessed-date" => {
            secrets.sort_by_key(|s| (s.last_accessed.unwrap_or(0), s.name.clone()))
        }
        other => {
            return Err(errors::invalid_parameter(format!(
                "Invalid SortBy value: {other}"
            )));
        }
    }
    match text(input, "SortOrder") {
        None | Some("asc") => {}
        Some("desc") => secrets.reverse(),
        Some(other) => {
            return Err(errors::invalid_parameter(format!(
                "Invalid SortOrder value: {other}"
            )));
        }
    }
    Ok(secrets)
}

fn list_secrets(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let planned = input::flag(&input, "IncludePlannedDeletion").unwrap_or(false);
    let secrets = listed(call, &input, planned)?;
    let (page, next) = input::page(&input, &secrets, 100)?;
    let list: Vec<Value> = page
        .iter()
        .map(|s| Value::Object(describe(s, "SecretVersionsToStages")))
        .collect();
    let mut out = json!({"SecretList": list});
    if let Some(next) = next {
        out["NextToken"] = next.into();
    }
    Ok(out)
}

fn tag_resource(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let found = resolve(call, input::secret_id(&input)?)?;
    let tags = input::tags(&input)?;
    if input.get("Tags").is_none() {
        return Err(errors::validation("tags", "Member must not be null"));
    }
    let name = found.secret().name.clone();
    model::update(call.env, &found.space, &name, |s, _| {
        input::merge_tags(&mut s.tags, tags.clone())
    })?;
    crate::replication::sync(call, &found.space, &name)?;
    Ok(json!({}))
}

fn untag_resource(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let found = resolve(call, input::secret_id(&input)?)?;
    let keys = input::strings(&input, "TagKeys");
    let name = found.secret().name.clone();
    model::update(call.env, &found.space, &name, |s, _| {
        s.tags.retain(|t| !keys.contains(&t.key));
        Ok(())
    })?;
    crate::replication::sync(call, &found.space, &name)?;
    Ok(json!({}))
}
