//! Rotation of symmetric keys: EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus,
//! RotateKeyOnDemand and ListKeyRotations, and the scheduler's [`run_due`], which rotates keys
//! whose rotation came due and purges keys whose deletion came due.
//!
//! A rotation adds a backing-key version; every older version stays, so old ciphertexts keep
//! decrypting, and new ones use the newest version.

use crate::errors;
use crate::key::{self, KEY_TABLE, KeyRecord, KeyState};
use crate::keys::page_limit;
use crate::resolve::{Accept, resolve};
use rampart_crypto::kms::KeyMaterial;
use rampart_protocol::AwsError;
use rampart_service::{Call, Env, Registry, from_input};
use rampart_store::{Batch, Expect, Key, Scan, StoreError, space};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The rotation period AWS allows and its default, in days.
const PERIOD: std::ops::RangeInclusive<i64> = 90..=2560;
const DEFAULT_PERIOD: i64 = 365;
/// Most on-demand rotations per key (AWS's quota).
const MAX_ON_DEMAND: usize = 25;
const SECONDS_PER_DAY: f64 = 86_400.0;

/// The index of every key, in the system space, for the scheduler: id
/// `<account>/<region>/<key id>`.
pub(crate) const INDEX_TABLE: &str = "kms.key-index";

/// Automatic rotation of a key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Rotation {
    pub period_days: i64,
    /// When the next automatic rotation is due, in epoch seconds.
    pub next: f64,
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("kms", "EnableKeyRotation", false, enable);
    registry.register("kms", "DisableKeyRotation", false, disable);
    registry.register("kms", "GetKeyRotationStatus", true, status);
    registry.register("kms", "RotateKeyOnDemand", false, rotate_on_demand);
    registry.register("kms", "ListKeyRotations", true, list_rotations);
}

/// The index entry of a key in the caller's account and Region, written with the key.
pub(crate) fn index_key(call: &Call<'_>, key_id: &str) -> Key {
    index_key_in(
        call.principal.account.as_str(),
        call.region.as_str(),
        key_id,
    )
}

/// The index entry of the key `key_id` of `account` in `region`.
pub(crate) fn index_key_in(account: &str, region: &str, key_id: &str) -> Key {
    Key::new(
        space::SYSTEM,
        INDEX_TABLE,
        format!("{account}/{region}/{key_id}"),
    )
}

/// Refuses keys other than symmetric encryption keys (AWS rotates only those).
fn require_symmetric(record: &KeyRecord) -> Result<(), AwsError> {
    if record.key_spec == "SYMMETRIC_DEFAULT" {
        Ok(())
    } else {
        Err(errors::unsupported(format!(
            "{} key spec is not supported for this operation.",
            record.key_spec
        )))
    }
}

/// Refuses to rotate keys other than symmetric ones with KMS-made material (imported
/// material is not rotated by KMS).
fn require_rotatable(record: &KeyRecord) -> Result<(), AwsError> {
    require_symmetric(record)?;
    if record.multi_region.is_some() {
        return Err(errors::unsupported(
            "Rotation of multi-Region keys is not supported by this server yet.",
        ));
    }
    if record.origin == "AWS_KMS" {
        Ok(())
    } else {
        Err(errors::unsupported(format!(
            "{} has origin {}, whose key material KMS does not rotate.",
            record.arn, record.origin
        )))
    }
}

/// Lists the key in the scheduler's index, so that [`run_due`] looks at it (keys are indexed
/// at creation; this also covers keys made before the index existed).
pub(crate) fn index(call: &Call<'_>, key_id: &str) -> Result<(), AwsError> {
    call.env
        .store
        .commit(Batch::new().put(index_key(call, key_id), Vec::new()))
        .map(|_| ())
        .map_err(errors::store_failure)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EnableInput {
    key_id: String,
    rotation_period_in_days: Option<i64>,
}

fn enable(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: EnableInput = from_input(input, "ValidationException")?;
    let days = input.rotation_period_in_days.unwrap_or(DEFAULT_PERIOD);
    if !PERIOD.contains(&days) {
        let bound = if days < *PERIOD.start() {
            "greater than or equal to 90"
        } else {
            "less than or equal to 2560"
        };
        return Err(errors::validation(format!(
            "1 validation error detected: Value '{days}' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value {bound}"
        )));
    }
    let (record, _) = resolve(call, &input.key_id, Accept::KeysOnly)?;
    require_rotatable(&record)?;
    let now = key::now(call);
    key::update(
        call,
        &record.key_id,
        || crate::resolve::key_not_found(call, &record.key_id),
        |r| {
            r.require_usable()?;
            r.rotation = Some(Rotation {
                period_days: days,
                next: now + days as f64 * SECONDS_PER_DAY,
            });
            Ok(())
        },
    )?;
    index(call, &record.key_id)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeyIdInput {
    key_id: String,
}

fn disable(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: KeyIdInput = from_input(input, "ValidationException")?;
    let (record, _) = resolve(call, &input.key_id, Accept::KeysOnly)?;
    require_symmetric(&record)?;
    key::update(
        call,
        &record.key_id,
        || crate::resolve::key_not_found(call, &record.key_id),
        |r| {
            r.require_usable()?;
            r.rotation = None;
            Ok(())
        },
    )?;
    Ok(json!({}))
}

fn status(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: KeyIdInput = from_input(input, "ValidationException")?;
    let (record, _) = resolve(call, &input.key_id, Accept::KeysAcrossAccounts)?;
    require_symmetric(&record)?;
    record.require_not_pending_deletion()?;
    let mut out = json!({
        "KeyId": record.arn,
        "KeyRotationEnabled": record.rotation.is_some(),
    });
    if let Some(rotation) = &record.rotation {
        out["RotationPeriodInDays"] = json!(rotation.period_days);
        out["NextRotationDate"] = json!(rotation.next);
    }
    Ok(out)
}

fn rotate_on_demand(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: KeyIdInput = from_input(input, "ValidationException")?;
    let (record, _) = resolve(call, &input.key_id, Accept::KeysOnly)?;
    require_rotatable(&record)?;
    let now = key::now(call);
    let record = key::update(
        call,
        &record.key_id,
        || crate::resolve::key_not_found(call, &record.key_id),
        |r| {
            r.require_usable()?;
            let on_demand = r
                .materials
                .iter()
                .filter(|m| m.rotation.as_deref() == Some("ON_DEMAND"))
                .count();
            if on_demand >= MAX_ON_DEMAND {
                return Err(errors::limit_exceeded(format!(
                    "{} has reached the maximum number of on-demand rotations.",
                    r.arn
                )));
            }
            add_version(call.env, r, now, "ON_DEMAND").map_err(|_| errors::internal("rotation"))
        },
    )?;
    crate::events::rotated(call.env, &record, "ON_DEMAND", now);
    Ok(json!({ "KeyId": record.arn }))
}

/// Adds a fresh backing-key version to `record`, made at `now` by a rotation of `kind`.
fn add_version(env: &Env, record: &mut KeyRecord, now: f64, kind: &str) -> Result<(), ()> {
    let version = record
        .materials
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
        + 1;
    let material = KeyMaterial::generate().ok_or(())?;
    let sealed = key::seal_bytes(
        env,
        &record.arn,
        version,
        material.expose(),
        now,
        Some(kind),
    )
    .map_err(|_| ())?;
    record.materials.push(sealed);
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    key_id: String,
    limit: Option<i64>,
    marker: Option<String>,
}

fn list_rotations(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ListInput = from_input(input, "ValidationException")?;
    let limit = page_limit(input.limit)?;
    let (record, _) = resolve(call, &input.key_id, Accept::KeysOnly)?;
    require_symmetric(&record)?;
    let start = match &input.marker {
        None => 0,
        Some(m) => m.parse::<usize>().map_err(|_| {
            AwsError::new(
                "InvalidMarkerException",
                400,
                "The marker that specifies where pagination should next begin is not valid.",
            )
        })?,
    };
    let rotated: Vec<Value> = record
        .materials
        .iter()
        .filter_map(|m| {
            m.rotation.as_ref().map(|kind| {
                json!({
                    "KeyId": record.arn,
                    "RotationDate": m.created,
                    "RotationType": kind,
                })
            })
        })
        .collect();
    let page: Vec<Value> = rotated.iter().skip(start).take(limit).cloned().collect();
    let truncated = start + page.len() < rotated.len();
    let mut out = json!({ "Rotations": page, "Truncated": truncated });
    if truncated {
        out["NextMarker"] = json!((start + limit).to_string());
    }
    Ok(out)
}

/// What one [`run_due`] pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DueReport {
    /// Keys given a new backing-key version by automatic rotation.
    pub rotated: usize,
    /// Keys whose deletion came due and whose record and material are now gone.
    pub purged: usize,
    /// Keys whose imported key material expired and is now deleted.
    pub expired: usize,
}

/// Writes the key uses noted since the last run (GetKeyLastUsage), then rotates every key whose
/// automatic rotation is due (as often as it fell due, each version dated when it fell due),
/// purges every key whose deletion date has passed (its record, sealed material, aliases and
/// usage are deleted from the store), and deletes imported key material whose `ValidTo` has
/// passed. Reads the time from `env.clock`.
pub fn run_due(env: &Env) -> Result<DueReport, StoreError> {
    crate::usage::flush(env)?;
    let now = rampart_service::epoch_seconds(env.clock.now());
    let mut report = DueReport::default();
    for item in env.store.scan(space::SYSTEM, INDEX_TABLE, &Scan::all())? {
        let mut parts = item.key.id.splitn(3, '/');
        let (Some(account), Some(region), Some(key_id)) =
            (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let space = format!("acct/{account}/{region}");
        let record_key = Key::new(space.clone(), KEY_TABLE, key_id);
        let Some(stored) = env.store.get(&record_key)? else {
            env.store.commit(Batch::new().delete(item.key.clone()))?;
            continue;
        };
        let Ok(mut record) = serde_json::from_slice::<KeyRecord>(&stored.value) else {
            tracing::error!(key = %record_key.id, "stored key record does not parse");
            continue;
        };
        let expect = Expect::Version(stored.version);
        if record.deletion_date.is_some_and(|d| d <= now) {
            let mut batch = Batch::new()
                .delete_if(record_key.clone(), expect)
                .delete(item.key.clone())
                .delete(crate::usage::store_key(env, &space, key_id));
            for alias in env
                .store
                .scan(&space, crate::aliases::ALIAS_TABLE, &Scan::all())?
            {
                if crate::aliases::points_to(&alias.value, key_id) {
                    batch = batch.delete(alias.key);
                }
            }
            if commit_unless_conflict(env, batch)? {
                crate::cache::forget(&record_key);
                if let Some(store) = &record.custom_key_store {
                    crate::cks::destroy_key(store, key_id);
                }
                crate::multi_region::forget_member(env, &record)?;
                crate::events::deleted(env, &record, now);
                report.purged += 1;
            }
            continue;
        }
        if crate::import::expired(&record, now) {
            crate::import::remove_material(&mut record);
            let Ok(value) = serde_json::to_vec(&record) else {
                continue;
            };
            if commit_unless_conflict(env, Batch::new().put_if(record_key, value, expect))? {
                crate::events::material_expired(env, &record, now);
                report.expired += 1;
            }
            continue;
        }
        let due = |r: &KeyRecord| {
            r.state == KeyState::Enabled && r.rotation.as_ref().is_some_and(|rot| rot.next <= now)
        };
        if !due(&record) {
            continue;
        }
        let mut rotated_at = Vec::new();
        while due(&record) {
            let Some(rotation) = record.rotation.clone() else {
                break;
            };
            if add_version(env, &mut record, rotation.next, "AUTOMATIC").is_err() {
                tracing::error!(key = %record_key.id, "automatic rotation failed");
                break;
            }
            rotated_at.push(rotation.next);
            record.rotation = Some(Rotation {
                next: rotation.next + rotation.period_days as f64 * SECONDS_PER_DAY,
                ..rotation
            });
        }
        let Ok(value) = serde_json::to_vec(&record) else {
            continue;
        };
        if commit_unless_conflict(env, Batch::new().put_if(record_key, value, expect))? {
            for at in rotated_at {
                crate::events::rotated(env, &record, "AUTOMATIC", at);
            }
            report.rotated += 1;
        }
    }
    Ok(report)
}

/// Commits `batch`; a conflict (a request changed the key meanwhile) leaves the work to the
/// next pass.
fn commit_unless_conflict(env: &Env, batch: Batch) -> Result<bool, StoreError> {
    match env.store.commit(batch) {
        Ok(_) => Ok(true),
        Err(StoreError::Conflict { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}
