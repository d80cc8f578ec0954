//! What Secrets Manager stores: one record per secret (its metadata, versions and staging
//! labels) in `secretsmanager.secret`, keyed by name, and each version's encrypted value in
//! `secretsmanager.value`, keyed by the secret's ARN and the version id. Every change of a
//! record is a compare-and-swap on its store version, so concurrent writers never lose an
//! update and exactly one version carries AWSCURRENT.

use crate::errors;
use rampart_protocol::AwsError;
use rampart_service::{Call, Env};
use rampart_store::{Batch, Expect, Key, Scan, StoreError, space};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::UNIX_EPOCH;

/// The table of secret records.
pub(crate) const SECRETS: &str = "secretsmanager.secret";
/// The table of encrypted version values.
pub(crate) const VALUES: &str = "secretsmanager.value";
/// The table (in the system space) of the spaces that hold secrets, for the scheduled work.
pub(crate) const SPACES: &str = "secretsmanager.space";

/// The staging label of the current version.
pub(crate) const CURRENT: &str = "AWSCURRENT";
/// The staging label of the previous current version.
pub(crate) const PREVIOUS: &str = "AWSPREVIOUS";
/// The staging label of a version being rotated in.
pub(crate) const PENDING: &str = "AWSPENDING";

/// How many versions a secret keeps; older versions without labels (and more than a day
/// old) are purged.
pub(crate) const MAX_VERSIONS: usize = 100;

/// A tag as the API spells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Tag {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

/// One version of a secret, without its value.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct VersionMeta {
    /// Its staging labels; none means deprecated.
    pub stages: Vec<String>,
    /// When it was created, in milliseconds since the epoch.
    pub created: i64,
    /// Creation order within the secret.
    pub seq: u64,
    /// The KMS key that encrypted it.
    pub key_arn: String,
    /// The day (midnight UTC, in milliseconds) its value was last read.
    #[serde(default)]
    pub last_accessed: Option<i64>,
}

/// A secret's rotation configuration and state.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Rotation {
    /// Whether rotation is on.
    pub enabled: bool,
    /// The rotation function's ARN.
    pub lambda_arn: Option<String>,
    /// `RotationRules` as the API spells it.
    pub rules: Option<Value>,
    /// When the next scheduled rotation is due, in milliseconds since the epoch.
    pub next: Option<i64>,
    /// Why the last rotation failed, if it did.
    pub last_failure: Option<String>,
}

/// A replica of a primary secret in another region.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Replica {
    pub region: String,
    pub kms_key_id: Option<String>,
    pub status: String,
    pub message: String,
}

/// A secret's record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Secret {
    pub arn: String,
    pub name: String,
    pub description: Option<String>,
    /// The KMS key as the caller named it; `None` for `aws/secretsmanager`.
    pub kms_key_id: Option<String>,
    pub tags: Vec<Tag>,
    /// Milliseconds since the epoch.
    pub created: i64,
    pub last_changed: i64,
    pub last_rotated: Option<i64>,
    /// The day (midnight UTC, in milliseconds) a value was last read.
    #[serde(default)]
    pub last_accessed: Option<i64>,
    /// When DeleteSecret was called, if the secret is scheduled for deletion.
    pub deleted: Option<i64>,
    /// When the scheduled deletion is due.
    pub deletion_due: Option<i64>,
    pub versions: BTreeMap<String, VersionMeta>,
    pub next_seq: u64,
    pub rotation: Rotation,
    /// The resource policy document.
    pub policy: Option<String>,
    /// The region of the primary secret (its own region for a primary).
    pub primary_region: String,
    /// The replicas of a primary.
    pub replicas: Vec<Replica>,
    /// `Type` as the caller set it.
    pub secret_type: Option<String>,
}

impl Secret {
    /// The version carrying `stage`, if any.
    pub fn version_with(&self, stage: &str) -> Option<&str> {
        self.versions
            .iter()
            .find(|(_, v)| v.stages.iter().any(|s| s == stage))
            .map(|(id, _)| id.as_str())
    }

    /// Refuses an operation on a secret scheduled for deletion.
    pub fn require_live(&self) -> Result<(), AwsError> {
        match self.deleted {
            Some(_) => Err(errors::marked_for_deletion()),
            None => Ok(()),
        }
    }

    /// Whether this secret is a replica of a primary in another region.
    pub fn is_replica(&self, region: &str) -> bool {
        self.primary_region != region
    }

    /// The tags as (key, value) pairs.
    pub fn tag_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.tags.iter().map(|t| (t.key.as_str(), t.value.as_str()))
    }

    /// `VersionIdsToStages`: the versions that carry labels.
    pub fn version_stages(&self) -> Value {
        let map: serde_json::Map<String, Value> = self
            .versions
            .iter()
            .filter(|(_, v)| !v.stages.is_empty())
            .map(|(id, v)| (id.clone(), Value::from(v.stages.clone())))
            .collect();
        Value::Object(map)
    }

    /// Gives `stage` to `version_id` alone; moving AWSCURRENT gives AWSPREVIOUS to the
    /// version that had it.
    pub fn move_stage(&mut self, stage: &str, version_id: &str) {
        let old = self.version_with(stage).map(str::to_owned);
        if old.as_deref() == Some(version_id) {
            return;
        }
        for v in self.versions.values_mut() {
            v.stages.retain(|s| s != stage);
        }
        if let Some(v) = self.versions.get_mut(version_id) {
            v.stages.push(stage.to_owned());
        }
        if stage == CURRENT
            && let Some(old) = old
        {
            self.move_stage(PREVIOUS, &old);
        }
    }

    /// The versions beyond [`MAX_VERSIONS`] that carry no label and are at least a day old
    /// at `now`, oldest first (AWS keeps every version of the last 24 hours); they are
    /// removed from the record and their values must be deleted.
    pub fn purge_deprecated(&mut self, now: i64) -> Vec<String> {
        let excess = self.versions.len().saturating_sub(MAX_VERSIONS);
        if excess == 0 {
            return Vec::new();
        }
        let mut unlabeled: Vec<(u64, String)> = self
            .versions
            .iter()
            .filter(|(_, v)| v.stages.is_empty() && now - v.created >= DAY_MS)
            .map(|(id, v)| (v.seq, id.clone()))
            .collect();
        unlabeled.sort();
        let gone: Vec<String> = unlabeled
            .into_iter()
            .take(excess)
            .map(|(_, id)| id)
            .collect();
        for id in &gone {
            self.versions.remove(id);
        }
        gone
    }
}

/// A record as read, with the store version its next write must expect.
pub(crate) struct Stored {
    pub secret: Secret,
    pub version: u64,
}

/// Milliseconds since the epoch, on `env`'s clock.
pub(crate) fn now_ms(env: &Env) -> i64 {
    env.clock
        .now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// Milliseconds in a day.
pub(crate) const DAY_MS: i64 = 86_400_000;

/// Midnight UTC of the day of `ms`.
pub(crate) fn day_of(ms: i64) -> i64 {
    ms - ms.rem_euclid(DAY_MS)
}

/// Epoch seconds (the canonical timestamp form) of milliseconds.
pub(crate) fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// The space of the caller's secrets in the request's region.
pub(crate) fn own_space(call: &Call<'_>) -> String {
    space::account_region(&call.principal.account, call.region)
}

/// The key of a secret's record.
pub(crate) fn secret_key(space: &str, name: &str) -> Key {
    Key::new(space, SECRETS, name)
}

/// The key of one version's value.
pub(crate) fn value_key(space: &str, arn: &str, version_id: &str) -> Key {
    Key::new(space, VALUES, format!("{arn}|{version_id}"))
}

/// Reads the record of `name` in `space`.
pub(crate) fn load(env: &Env, space: &str, name: &str) -> Result<Option<Stored>, AwsError> {
    let Some(item) = env
        .store
        .get(&secret_key(space, name))
        .map_err(errors::store)?
    else {
        return Ok(None);
    };
    let secret = serde_json::from_slice(&item.value).map_err(|e| {
        tracing::error!(error = %e, "secretsmanager: unreadable secret record");
        rampart_service::internal_error()
    })?;
    Ok(Some(Stored {
        secret,
        version: item.version,
    }))
}

/// Every secret record of `space`, in name order.
pub(crate) fn all(env: &Env, space: &str) -> Result<Vec<Secret>, AwsError> {
    env.store
        .scan(space, SECRETS, &Scan::all())
        .map_err(errors::store)?
        .into_iter()
        .map(|item| {
            serde_json::from_slice(&item.value).map_err(|e| {
                tracing::error!(error = %e, "secretsmanager: unreadable secret record");
                rampart_service::internal_error()
            })
        })
        .collect()
}

/// The bytes of a record.
pub(crate) fn encode(secret: &Secret) -> Result<Vec<u8>, AwsError> {
    serde_json::to_vec(secret).map_err(|_| rampart_service::internal_error())
}

/// How many times a write retries when another writer changed the record first.
const RETRIES: usize = 1000;

/// Changes the record of `name` in `space` with `change` (which may refuse, and may add ops
/// to the same batch) as one compare-and-swap, retried from a fresh read when another
/// writer got there first. `change` returns what the caller answers.
pub(crate) fn update<T>(
    env: &Env,
    space: &str,
    name: &str,
    mut change: impl FnMut(&mut Secret, &mut Batch) -> Result<T, AwsError>,
) -> Result<T, AwsError> {
    for _ in 0..RETRIES {
        let Some(stored) = load(env, space, name)? else {
            return Err(errors::secret_not_found());
        };
        let mut secret = stored.secret;
        let mut batch = Batch::new();
        let answer = change(&mut secret, &mut batch)?;
        let batch = std::mem::take(&mut batch).put_if(
            secret_key(space, name),
            encode(&secret)?,
            Expect::Version(stored.version),
        );
        match env.store.commit(batch) {
            Ok(_) => return Ok(answer),
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(errors::store(e)),
        }
    }
    Err(errors::invalid_request(
        "The secret is being changed by too many requests at once; retry.",
    ))
}

/// Removes a secret and every value of it.
pub(crate) fn purge(env: &Env, space: &str, secret: &Secret) -> Result<(), AwsError> {
    let mut batch = Batch::new().delete(secret_key(space, &secret.name));
    for id in secret.versions.keys() {
        batch = batch.delete(value_key(space, &secret.arn, id));
    }
    env.store.commit(batch).map_err(errors::store)?;
    Ok(())
}

/// Notes that `space` holds secrets, for the scheduled work.
pub(crate) fn note_space(env: &Env, space: &str) -> Result<(), AwsError> {
    let key = Key::new(space::SYSTEM, SPACES, space);
    if env.store.get(&key).map_err(errors::store)?.is_none() {
        env.store
            .commit(Batch::new().put(key, Vec::new()))
            .map_err(errors::store)?;
    }
    Ok(())
}

/// Every space that holds secrets.
pub(crate) fn spaces(env: &Env) -> Result<Vec<String>, AwsError> {
    Ok(env
        .store
        .scan(space::SYSTEM, SPACES, &Scan::all())
        .map_err(errors::store)?
        .into_iter()
        .map(|item| item.key.id)
        .collect())
}
