//! Replication to other regions: ReplicateSecretToRegions (and CreateSecret's
//! AddReplicaRegions), RemoveRegionsFromReplication, StopReplicationToReplica, and keeping
//! replicas in step with their primary. A replica is a read-only copy with the primary's name
//! and versions in another region, its ARN the primary's with the region changed; every
//! value is re-encrypted under the replica's own KMS key (or that region's
//! `aws/secretsmanager`) with the replica's ARN in the encryption context.

use crate::errors;
use crate::input::{self, text};
use crate::model::{self, Replica, Secret};
use crate::resolve::resolve;
use crate::{crypt, versions};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use rampart_store::{Batch, space};
use rampart_types::{AccountId, Arn, Region};
use serde_json::{Value, json};

const IN_SYNC: &str = "InSync";
const FAILED: &str = "Failed";

pub(crate) fn register(registry: &mut Registry) {
    registry.register(
        "secretsmanager",
        "ReplicateSecretToRegions",
        false,
        replicate_secret_to_regions,
    );
    registry.register(
        "secretsmanager",
        "RemoveRegionsFromReplication",
        false,
        remove_regions_from_replication,
    );
    registry.register(
        "secretsmanager",
        "StopReplicationToReplica",
        false,
        stop_replication_to_replica,
    );
}

/// `ReplicationStatus` of `replicas`.
pub(crate) fn status(replicas: &[Replica]) -> Value {
    Value::Array(
        replicas
            .iter()
            .map(|r| {
                let mut v = json!({
                    "Region": r.region,
                    "Status": r.status,
                    "StatusMessage": r.message,
                });
                if let Some(k) = &r.kms_key_id {
                    v["KmsKeyId"] = k.clone().into();
                }
                v
            })
            .collect(),
    )
}

/// The replica's ARN: the primary's in `region`.
fn arn_in(arn: &str, region: &str) -> Option<String> {
    let mut parsed: Arn = arn.parse().ok()?;
    parsed.region = region.to_owned();
    Some(parsed.to_string())
}

/// The account that owns the secret `arn`.
fn owner(arn: &str) -> Option<AccountId> {
    arn.parse::<Arn>().ok()?.account.parse().ok()
}

/// Brings the replica in `replica.region` in step with `primary`; the failure message when
/// it cannot.
fn copy_to(
    call: &Call<'_>,
    primary_space: &str,
    primary: &Secret,
    replica: &Replica,
    force: bool,
) -> Result<(), String> {
    let region: Region = replica
        .region
        .parse()
        .map_err(|_| format!("Invalid region: {}", replica.region))?;
    let account = owner(&primary.arn).ok_or("The secret's ARN is not valid")?;
    let replica_space = space::account_region(&account, &region);
    let replica_arn =
        arn_in(&primary.arn, region.as_str()).ok_or("The secret's ARN is not valid")?;
    let failed = |e: AwsError| format!("Replication failed: {}", e.message);
    let existing = model::load(call.env, &replica_space, &primary.name)
        .map_err(failed)?
        .map(|s| s.secret);
    if let Some(existing) = &existing
        && existing.arn != replica_arn
        && !force
    {
        return Err(format!(
            "Replication failed: Secret name already exists in region {region}"
        ));
    }
    let replica_call = Call {
        request_id: call.request_id,
        principal: call.principal,
        region: &region,
        source_ip: call.source_ip,
        user_agent: call.user_agent,
        env: call.env,
        guard: call.guard,
    };
    let mut copy = primary.clone();
    copy.arn = replica_arn.clone();
    copy.kms_key_id = replica.kms_key_id.clone();
    copy.replicas = Vec::new();
    let mut batch = Batch::new();
    let reusable = existing
        .as_ref()
        .filter(|e| e.arn == replica_arn && e.kms_key_id == copy.kms_key_id);
    for (id, meta) in copy.versions.iter_mut() {
        if let Some(old) = reusable.and_then(|e| e.versions.get(id)) {
            meta.key_arn = old.key_arn.clone();
            continue;
        }
        let plain = versions::read_value(call, primary_space, primary, id).map_err(failed)?;
        let (sealed, key_arn) = crypt::seal(
            &replica_call,
            &replica_arn,
            copy.kms_key_id.as_deref(),
            id,
            &plain,
        )
        .map_err(failed)?;
        meta.key_arn = key_arn;
        batch = batch.put(model::value_key(&replica_space, &replica_arn, id), sealed);
    }
    if let Some(old) = &existing {
        for id in old.versions.keys() {
            if old.arn != replica_arn || !copy.versions.contains_key(id) {
                batch = batch.delete(model::value_key(&replica_space, &old.arn, id));
            }
        }
    }
    let record = model::encode(&copy).map_err(failed)?;
    batch = batch.put(model::secret_key(&replica_space, &copy.name), record);
    call.env
        .store
        .commit(batch)
        .map_err(|e| failed(errors::store(e)))?;
    model::note_space(call.env, &replica_space).map_err(failed)
}

/// Brings every replica of the primary `name` in `space` in step, recording each outcome.
pub(crate) fn sync(call: &Call<'_>, space: &str, name: &str) -> Result<(), AwsError> {
    let Some(stored) = model::load(call.env, space, name)? else {
        return Ok(());
    };
    let primary = stored.secret;
    if primary.replicas.is_empty() || primary.is_replica(call.region.as_str()) {
        return Ok(());
    }
    refresh(call, space, &primary, &primary.replicas, false)
}

/// Copies `primary` to `replicas` and records their status in the primary.
fn refresh(
    call: &Call<'_>,
    space: &str,
    primary: &Secret,
    replicas: &[Replica],
    force: bool,
) -> Result<(), AwsError> {
    let outcomes: Vec<Replica> = replicas
        .iter()
        .map(|r| {
            let (status, message) = match copy_to(call, space, primary, r, force) {
                Ok(()) => (IN_SYNC, "Replication succeeded".to_owned()),
                Err(m) => (FAILED, m),
            };
            Replica {
                status: status.to_owned(),
                message,
                ..r.clone()
            }
        })
        .collect();
    model::update(call.env, space, &primary.name, |s, _| {
        for outcome in &outcomes {
            match s.replicas.iter_mut().find(|r| r.region == outcome.region) {
                Some(r) => *r = outcome.clone(),
                None => s.replicas.push(outcome.clone()),
            }
        }
        Ok(())
    })
}

/// Reads `AddReplicaRegions`.
fn requested(regions: &Value, own: &str) -> Result<Vec<Replica>, AwsError> {
    let list = regions
        .as_array()
        .ok_or_else(|| errors::invalid_parameter("AddReplicaRegions must be a list."))?;
    let mut out: Vec<Replica> = Vec::new();
    for r in list {
        let region = text(r, "Region").unwrap_or_default();
        if region.parse::<Region>().is_err() {
            return Err(errors::invalid_parameter(format!(
                "Invalid region: {region}"
            )));
        }
        if region == own {
            return Err(errors::invalid_parameter(
                "A secret can't be replicated to its own region.",
            ));
        }
        if out.iter().any(|o| o.region == region) {
            return Err(errors::invalid_parameter(format!(
                "Duplicate replica region: {region}"
            )));
        }
        out.push(Replica {
            region: region.to_owned(),
            kms_key_id: text(r, "KmsKeyId")
                .filter(|k| !k.is_empty())
                .map(str::to_owned),
            status: "InProgress".to_owned(),
            message: String::new(),
        });
    }
    Ok(out)
}

/// Adds replicas of the primary `name` in `space`; its `ReplicationStatus` afterwards.
pub(crate) fn add(
    call: &Call<'_>,
    space: &str,
    name: &str,
    regions: &Value,
    force: bool,
) -> Result<Value, AwsError> {
    let primary = model::load(call.env, space, name)?
        .ok_or_else(errors::secret_not_found)?
        .secret;
    let new = requested(regions, call.region.as_str())?;
    if let Some(dup) = new
        .iter()
        .find(|n| primary.replicas.iter().any(|r| r.region == n.region))
    {
        return Err(errors::invalid_parameter(format!(
            "The secret is already replicated to {}.",
            dup.region
        )));
    }
    refresh(call, space, &primary, &new, force)?;
    let after = model::load(call.env, space, name)?
        .ok_or_else(errors::secret_not_found)?
        .secret;
    let added: Vec<Replica> = after
        .replicas
        .into_iter()
        .filter(|r| new.iter().any(|n| n.region == r.region))
        .collect();
    Ok(status(&added))
}

fn replicate_secret_to_regions(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let found = resolve(call, input::secret_id(&input)?)?;
    let secret = found.secret();
    secret.require_live()?;
    if secret.is_replica(call.region.as_str()) {
        return Err(errors::replica_read_only());
    }
    let regions = input
        .get("AddReplicaRegions")
        .ok_or_else(|| errors::validation("addReplicaRegions", "Member must not be null"))?;
    let force = input::flag(&input, "ForceOverwriteReplicaSecret").unwrap_or(false);
    let status = add(call, &found.space, &secret.name, regions, force)?;
    Ok(json!({"ARN": secret.arn, "ReplicationStatus": status}))
}

fn remove_regions_from_replication(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let found = resolve(call, input::secret_id(&input)?)?;
    let secret = found.secret().clone();
    if secret.is_replica(call.region.as_str()) {
        return Err(errors::replica_read_only());
    }
    let regions = input::strings(&input, "RemoveReplicaRegions");
    if regions.is_empty() {
        return Err(errors::validation(
            "removeReplicaRegions",
            "Member must have length greater than or equal to 1",
        ));
    }
    if let Some(missing) = regions
        .iter()
        .find(|r| !secret.replicas.iter().any(|x| &x.region == *r))
    {
        return Err(errors::invalid_parameter(format!(
            "The secret isn't replicated to {missing}."
        )));
    }
    let account = owner(&secret.arn).ok_or_else(rampart_service::internal_error)?;
    for region in &regions {
        let Ok(parsed) = region.parse::<Region>() else {
            continue;
        };
        let replica_space = space::account_region(&account, &parsed);
        if let Some(replica) = model::load(call.env, &replica_space, &secret.name)?
            && replica.secret.primary_region == secret.primary_region
        {
            model::purge(call.env, &replica_space, &replica.secret)?;
        }
    }
    let after = model::update(call.env, &found.space, &secret.name, |s, _| {
        s.replicas.retain(|r| !regions.contains(&r.region));
        Ok(s.clone())
    })?;
    Ok(json!({"ARN": secret.arn, "ReplicationStatus": status(&after.replicas)}))
}

fn stop_replication_to_replica(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let found = resolve(call, input::secret_id(&input)?)?;
    let replica = found.secret().clone();
    if !replica.is_replica(call.region.as_str()) {
        return Err(errors::invalid_request(
            "The secret isn't a replica: StopReplicationToReplica must be called in the replica's region.",
        ));
    }
    let own = call.region.to_string();
    model::update(call.env, &found.space, &replica.name, |s, _| {
        s.primary_region = own.clone();
        Ok(())
    })?;
    let account = owner(&replica.arn).ok_or_else(rampart_service::internal_error)?;
    if let Ok(primary_region) = replica.primary_region.parse::<Region>() {
        let primary_space = space::account_region(&account, &primary_region);
        if model::load(call.env, &primary_space, &replica.name)?.is_some() {
            model::update(call.env, &primary_space, &replica.name, |s, _| {
                s.replicas.retain(|r| r.region != own);
                Ok(())
            })?;
        }
    }
    Ok(json!({"ARN": replica.arn}))
}
