//! Multi-Region keys: `mrk-` ids, ReplicateKey and UpdatePrimaryRegion.
//!
//! The members of a multi-Region key share id, spec, usage, origin and key material (each
//! member's copy sealed under its own ARN), so a ciphertext of one Region decrypts in every
//! other; policy, aliases, grants, tags, description and state are per member. Every member
//! stores the set's configuration (primary Region, member Regions), updated on all members in
//! one commit. Not yet: rotation of multi-Region keys, and deleting a primary that still has
//! replicas (AWS waits in PendingReplicaDeletion; this server refuses).

use crate::errors;
use crate::key::{self, KEY_TABLE, KeyRecord, KeyState};
use crate::resolve::{Accept, resolve};
use crate::tags::{Tag, validate_tags};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use rampart_store::{Batch, Expect, Key, StoreError};
use rampart_types::Region;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Arc;

/// The configuration of a multi-Region key set, stored on every member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MultiRegion {
    pub primary_region: String,
    /// Every member's Region, the primary's included, in creation order.
    pub regions: Vec<String>,
}

impl MultiRegion {
    /// `MultiRegionConfiguration` as seen from the member `record`.
    pub fn configuration(&self, record: &KeyRecord) -> Value {
        let member = |region: &str| json!({ "Arn": arn_in(&record.arn, region), "Region": region });
        let replicas: Vec<Value> = self
            .regions
            .iter()
            .filter(|r| **r != self.primary_region)
            .map(|r| member(r))
            .collect();
        json!({
            "MultiRegionKeyType": self.key_type(record),
            "PrimaryKey": member(&self.primary_region),
            "ReplicaKeys": replicas,
        })
    }

    /// `PRIMARY` or `REPLICA` for the member `record`.
    pub fn key_type(&self, record: &KeyRecord) -> &'static str {
        if region_of(&record.arn) == self.primary_region {
            "PRIMARY"
        } else {
            "REPLICA"
        }
    }
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("kms", "ReplicateKey", false, replicate_key);
    registry.register("kms", "UpdatePrimaryRegion", false, update_primary_region);
}

/// The Region field of a key ARN.
pub(crate) fn region_of(arn: &str) -> &str {
    arn.split(':').nth(3).unwrap_or_default()
}

/// `arn` with its Region field replaced by `region`.
fn arn_in(arn: &str, region: &str) -> String {
    let mut parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() == 6 {
        parts[3] = region;
    }
    parts.join(":")
}

/// The store key of the member of `key_id` in `region`, in `account`.
pub(crate) fn member_key(account: &str, region: &str, key_id: &str) -> Key {
    Key::new(format!("acct/{account}/{region}"), KEY_TABLE, key_id)
}

/// The member of `key_id` in `region`, with its store version.
fn member(
    call: &Call<'_>,
    region: &str,
    key_id: &str,
) -> Result<Option<(KeyRecord, u64)>, AwsError> {
    let store_key = member_key(call.principal.account.as_str(), region, key_id);
    let Some(item) = call
        .env
        .store
        .get(&store_key)
        .map_err(errors::store_failure)?
    else {
        return Ok(None);
    };
    let record: KeyRecord = serde_json::from_slice(&item.value)
        .map_err(|_| errors::internal("stored key record does not parse"))?;
    Ok(Some((record, item.version)))
}

/// The primary member named by `key_id` in the caller's Region, refusing other keys.
fn primary(call: &Call<'_>, key_id: &str) -> Result<(Arc<KeyRecord>, u64, MultiRegion), AwsError> {
    let (record, version) = resolve(call, key_id, Accept::KeysOnly)?;
    let config = record
        .multi_region
        .clone()
        .ok_or_else(|| errors::unsupported(format!("{} is not a multi-Region key.", record.arn)))?;
    if config.key_type(&record) != "PRIMARY" {
        return Err(errors::unsupported(format!(
            "{} is not a multi-Region primary key; its primary is in {}.",
            record.arn, config.primary_region
        )));
    }
    Ok((record, version, config))
}

/// Adds to `batch` the writes of `config` to every existing member outside `skip`, each
/// checked against the version read.
fn with_config(
    call: &Call<'_>,
    mut batch: Batch,
    key_id: &str,
    config: &MultiRegion,
    skip: &[&str],
) -> Result<Batch, AwsError> {
    for region in config
        .regions
        .iter()
        .filter(|r| !skip.contains(&r.as_str()))
    {
        let Some((mut record, version)) = member(call, region, key_id)? else {
            continue;
        };
        record.multi_region = Some(config.clone());
        batch = batch.put_if(
            member_key(call.principal.account.as_str(), region, key_id),
            key::encode(&record)?,
            Expect::Version(version),
        );
    }
    Ok(batch)
}

fn commit(call: &Call<'_>, batch: Batch) -> Result<(), AwsError> {
    match call.env.store.commit(batch) {
        Ok(_) => Ok(()),
        Err(StoreError::Conflict { .. }) => Err(errors::invalid_state(
            "The multi-Region key changed during the request; retry it.",
        )),
        Err(e) => Err(errors::store_failure(e)),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ReplicateInput {
    key_id: String,
    replica_region: String,
    policy: Option<String>,
    #[serde(default)]
    bypass_policy_lockout_safety_check: bool,
    description: Option<String>,
    #[serde(default)]
    tags: Vec<Tag>,
}

fn replicate_key(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ReplicateInput = from_input(input, "ValidationException")?;
    let region: Region = input.replica_region.parse().map_err(|_| {
        errors::validation(format!(
            "1 validation error detected: Value '{}' at 'replicaRegion' failed to satisfy constraint: Member must be a Region name",
            input.replica_region
        ))
    })?;
    let description = input.description.unwrap_or_default();
    crate::keys::check_description(&description)?;
    let tags = validate_tags(&input.tags)?;
    let (primary, primary_version, mut config) = primary(call, &input.key_id)?;
    primary.require_usable()?;
    let region = region.as_str().to_owned();
    if region == config.primary_region {
        return Err(errors::validation(format!(
            "The replica Region {region} is the primary key's Region."
        )));
    }
    if config.regions.contains(&region) {
        return Err(errors::already_exists(format!(
            "{} already has a replica in {region}.",
            primary.arn
        )));
    }
    let arn = arn_in(&primary.arn, &region);
    if let Some(document) = &input.policy {
        crate::policy::check_new(
            call,
            &arn,
            document,
            input.bypass_policy_lockout_safety_check,
        )?;
    }
    config.regions.push(region.clone());
    let replica = KeyRecord {
        key_id: primary.key_id.clone(),
        arn: arn.clone(),
        account: primary.account.clone(),
        creation_date: key::now(call),
        state: KeyState::Enabled,
        description,
        key_usage: primary.key_usage.clone(),
        key_spec: primary.key_spec.clone(),
        origin: primary.origin.clone(),
        deletion_date: None,
        tags,
        materials: primary.reseal_for(call, &arn)?,
        policy: input.policy.clone(),
        grants: Vec::new(),
        import: None,
        rotation: None,
        custom_key_store: None,
        multi_region: Some(config.clone()),
        aws_managed: false,
    };
    let mut updated_primary = KeyRecord::clone(&primary);
    updated_primary.multi_region = Some(config.clone());
    let account = call.principal.account.as_str();
    let batch = Batch::new()
        .put_if(
            member_key(account, &region, &replica.key_id),
            key::encode(&replica)?,
            Expect::Absent,
        )
        .put_if(
            key::store_key(call, &primary.key_id),
            key::encode(&updated_primary)?,
            Expect::Version(primary_version),
        )
        .put(
            crate::rotation::index_key_in(account, &region, &replica.key_id),
            Vec::new(),
        );
    let skip = [config.primary_region.as_str(), region.as_str()];
    let batch = with_config(call, batch, &primary.key_id, &config, &skip)?;
    commit(call, batch)?;
    let policy = match &replica.policy {
        Some(p) => p.clone(),
        None => crate::policy::default_policy(call.env.partition.as_str(), &replica.account),
    };
    let tags: Vec<Value> = replica
        .tags
        .iter()
        .map(|(k, v)| json!({ "TagKey": k, "TagValue": v }))
        .collect();
    Ok(json!({
        "ReplicaKeyMetadata": replica.metadata(),
        "ReplicaPolicy": policy,
        "ReplicaTags": tags,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PrimaryInput {
    key_id: String,
    primary_region: String,
}

fn update_primary_region(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: PrimaryInput = from_input(input, "ValidationException")?;
    let (primary, _, mut config) = primary(call, &input.key_id)?;
    primary.require_usable()?;
    if !config.regions.contains(&input.primary_region) {
        return Err(errors::not_found(format!(
            "{} has no replica in {}.",
            primary.arn, input.primary_region
        )));
    }
    if input.primary_region == config.primary_region {
        return Ok(json!({}));
    }
    config.primary_region = input.primary_region;
    let batch = with_config(call, Batch::new(), &primary.key_id, &config, &[])?;
    commit(call, batch)?;
    Ok(json!({}))
}

/// Removes the purged member `record` from the configuration of the other members of
/// `record`'s set (best effort: a conflict leaves it listed until the next change).
pub(crate) fn forget_member(
    env: &rampart_service::Env,
    record: &KeyRecord,
) -> Result<(), StoreError> {
    let Some(config) = &record.multi_region else {
        return Ok(());
    };
    let region = region_of(&record.arn);
    let remaining: Vec<String> = config
        .regions
        .iter()
        .filter(|r| **r != region)
        .cloned()
        .collect();
    let mut batch = Batch::new();
    for other in &remaining {
        let key = member_key(&record.account, other, &record.key_id);
        let Some(item) = env.store.get(&key)? else {
            continue;
        };
        let Ok(mut member) = serde_json::from_slice::<KeyRecord>(&item.value) else {
            continue;
        };
        member.multi_region = Some(MultiRegion {
            primary_region: config.primary_region.clone(),
            regions: remaining.clone(),
        });
        let Ok(value) = serde_json::to_vec(&member) else {
            continue;
        };
        batch = batch.put_if(key, value, Expect::Version(item.version));
    }
    match env.store.commit(batch) {
        Ok(_) | Err(StoreError::Conflict { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}
