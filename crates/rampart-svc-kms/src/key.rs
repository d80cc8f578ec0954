//! A stored KMS key: its metadata, state and sealed backing material.

use crate::cache;
use crate::cache::Opened;
use crate::cks::InStore;
use crate::errors;
use crate::grants::Grant;
use crate::import::Imported;
use crate::multi_region::MultiRegion;
use crate::rotation::Rotation;
use crate::spec::{self, Kind};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rampart_crypto::kms::{KemKey, KeyMaterial, MacKey, PrivateKey};
use rampart_protocol::AwsError;
use rampart_service::{Call, Env};
use rampart_store::{Batch, Expect, Key, StoreError, space};
use rampart_types::AccountId;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::UNIX_EPOCH;
use zeroize::Zeroizing;

/// The table of keys, id = the key's UUID, in the account-and-region space.
pub(crate) const KEY_TABLE: &str = "kms.key";

/// A key's lifecycle state, as `KeyState` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum KeyState {
    Enabled,
    Disabled,
    PendingDeletion,
    /// A key of origin EXTERNAL without (or with expired or deleted) key material.
    PendingImport,
}

impl KeyState {
    fn as_str(self) -> &'static str {
        match self {
            KeyState::Enabled => "Enabled",
            KeyState::Disabled => "Disabled",
            KeyState::PendingDeletion => "PendingDeletion",
            KeyState::PendingImport => "PendingImport",
        }
    }
}

/// One backing-key version, sealed under the master key.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct SealedMaterial {
    pub version: u32,
    /// base64 of the master key's sealed blob.
    pub sealed: String,
    /// When this version was made, in epoch seconds (0 for records older than the field).
    #[serde(default)]
    pub created: f64,
    /// How a rotation made it (`AUTOMATIC`, `ON_DEMAND`); `None` for the key's first version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<String>,
}

/// A stored KMS key.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct KeyRecord {
    pub key_id: String,
    pub arn: String,
    pub account: String,
    pub creation_date: f64,
    pub state: KeyState,
    pub description: String,
    pub key_usage: String,
    pub key_spec: String,
    pub origin: String,
    pub deletion_date: Option<f64>,
    pub tags: BTreeMap<String, String>,
    pub materials: Vec<SealedMaterial>,
    /// The key policy as written by CreateKey or PutKeyPolicy; `None` for AWS's default one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The key's grants, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grant>,
    /// Imported key material (keys of origin EXTERNAL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import: Option<Imported>,
    /// Automatic rotation, when enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<Rotation>,
    /// The custom key store the key lives in (origin AWS_CLOUDHSM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_key_store: Option<InStore>,
    /// The multi-Region key set this key belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_region: Option<MultiRegion>,
    /// An AWS managed key (`alias/aws/<service>`), which KMS made for a service on first use.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub aws_managed: bool,
}

impl KeyRecord {
    /// The key's `KeyMetadata` as DescribeKey, CreateKey and friends answer.
    pub fn metadata(&self) -> Value {
        let mut v = json!({
            "AWSAccountId": self.account,
            "KeyId": self.key_id,
            "Arn": self.arn,
            "CreationDate": self.creation_date,
            "Enabled": self.state == KeyState::Enabled,
            "Description": self.description,
            "KeyUsage": self.key_usage,
            "KeyState": self.state.as_str(),
            "Origin": self.origin,
            "KeyManager": if self.aws_managed { "AWS" } else { "CUSTOMER" },
            "CustomerMasterKeySpec": self.key_spec,
            "KeySpec": self.key_spec,
            "MultiRegion": self.multi_region.is_some(),
        });
        if let Some(config) = &self.multi_region {
            v["MultiRegionConfiguration"] = config.configuration(self);
        }
        if let Some(store) = &self.custom_key_store {
            v["CustomKeyStoreId"] = json!(store.store_id);
            v["CloudHsmClusterId"] = json!(store.cluster_id);
            if self.state == KeyState::Enabled && crate::token::of_store(&store.store_id).is_none()
            {
                v["KeyState"] = json!("Unavailable");
            }
        }
        for (member, algorithms) in crate::spec::algorithms(&self.key_spec, &self.key_usage) {
            v[member] = json!(algorithms);
        }
        if let Some(date) = self.deletion_date {
            v["DeletionDate"] = json!(date);
        }
        if let Some(imported) = &self.import
            && !self.materials.is_empty()
        {
            v["ExpirationModel"] = json!(imported.expiration_model);
            if let Some(valid_to) = imported.valid_to {
                v["ValidTo"] = json!(valid_to);
            }
        }
        v
    }

    /// Refuses a cryptographic operation unless the key is enabled.
    pub fn require_usable(&self) -> Result<(), AwsError> {
        match self.state {
            KeyState::Enabled => Ok(()),
            KeyState::Disabled => Err(errors::disabled(&self.arn)),
            KeyState::PendingDeletion => Err(self.pending_deletion()),
            KeyState::PendingImport => Err(errors::invalid_state(format!(
                "{} is pending import.",
                self.arn
            ))),
        }
    }

    /// Refuses `operation` unless the key's usage is one of `usages`.
    pub fn require_usage(&self, usages: &[&str], operation: &str) -> Result<(), AwsError> {
        if usages.contains(&self.key_usage.as_str()) {
            Ok(())
        } else {
            Err(errors::invalid_key_usage(format!(
                "{} key usage is {} which is not valid for {operation}.",
                self.arn, self.key_usage
            )))
        }
    }

    /// Refuses a management operation on a key pending deletion.
    pub fn require_not_pending_deletion(&self) -> Result<(), AwsError> {
        match self.state {
            KeyState::PendingDeletion => Err(self.pending_deletion()),
            _ => Ok(()),
        }
    }

    fn pending_deletion(&self) -> AwsError {
        errors::invalid_state(format!("{} is pending deletion.", self.arn))
    }

    /// The key id as the 16 bytes a ciphertext blob carries.
    pub fn id_bytes(&self) -> Result<[u8; 16], AwsError> {
        id_bytes(&self.key_id).ok_or_else(|| errors::internal("malformed stored key id"))
    }

    /// The current backing version and its material.
    pub fn current_material(&self, call: &Call<'_>) -> Result<(u32, Arc<KeyMaterial>), AwsError> {
        let latest = self
            .materials
            .last()
            .ok_or_else(|| errors::internal("key without material"))?;
        Ok((latest.version, self.cached_open(call, latest)?))
    }

    /// The material of backing `version`, if the key has it.
    pub fn material(
        &self,
        call: &Call<'_>,
        version: u32,
    ) -> Result<Option<Arc<KeyMaterial>>, AwsError> {
        match self.materials.iter().find(|m| m.version == version) {
            Some(sealed) => self.cached_open(call, sealed).map(Some),
            None => Ok(None),
        }
    }

    fn cached_open(
        &self,
        call: &Call<'_>,
        sealed: &SealedMaterial,
    ) -> Result<Arc<KeyMaterial>, AwsError> {
        match self.opened(call, sealed)? {
            Opened::Symmetric(material) => Ok(material),
            _ => Err(errors::internal(
                "symmetric material of another kind of key",
            )),
        }
    }

    /// The current private key of an asymmetric key.
    pub fn private_key(&self, call: &Call<'_>) -> Result<Arc<PrivateKey>, AwsError> {
        match self.opened(call, self.latest()?)? {
            Opened::Private(key) => Ok(key),
            _ => Err(errors::internal("a private key of another kind of key")),
        }
    }

    /// The current key pair of an ML-KEM key.
    pub fn kem_key(&self, call: &Call<'_>) -> Result<Arc<KemKey>, AwsError> {
        match self.opened(call, self.latest()?)? {
            Opened::Kem(key) => Ok(key),
            _ => Err(errors::internal("an ML-KEM key of another kind of key")),
        }
    }

    /// The current HMAC key of an HMAC key.
    pub fn mac_key(&self, call: &Call<'_>) -> Result<Arc<MacKey>, AwsError> {
        match self.opened(call, self.latest()?)? {
            Opened::Mac(key) => Ok(key),
            _ => Err(errors::internal("an HMAC key of another kind of key")),
        }
    }

    fn latest(&self) -> Result<&SealedMaterial, AwsError> {
        self.materials
            .last()
            .ok_or_else(|| errors::internal("key without material"))
    }

    /// A backing version opened (and parsed, for its kind of key), from the cache when there.
    fn opened(&self, call: &Call<'_>, sealed: &SealedMaterial) -> Result<Opened, AwsError> {
        if let Some(store) = &self.custom_key_store {
            // A key of a custom key store works only while its store is connected.
            crate::cks::require_connected(call, &store.store_id)?;
        }
        let key = record_key(call, self)?;
        if let Some(opened) = cache::material(&key, &self.arn, sealed.version) {
            return Ok(opened);
        }
        let mut bytes = self.open_bytes(call, sealed)?;
        if let Some(store) = &self.custom_key_store {
            bytes = crate::cks::open_material(call, self, store, sealed.version, &bytes)?;
        }
        let unreadable = || errors::internal("stored key material does not parse");
        let opened = match spec::kind(&self.key_spec).ok_or_else(unreadable)? {
            Kind::Symmetric => Opened::Symmetric(Arc::new(
                KeyMaterial::from_bytes(&bytes).map_err(|_| unreadable())?,
            )),
            Kind::Asymmetric(spec) => Opened::Private(Arc::new(
                PrivateKey::from_pkcs8(spec, &bytes).map_err(|_| unreadable())?,
            )),
            Kind::Kem(spec) => Opened::Kem(Arc::new(
                KemKey::from_bytes(spec, &bytes).map_err(|_| unreadable())?,
            )),
            Kind::Mac(spec) => Opened::Mac(Arc::new(
                MacKey::from_bytes(spec, &bytes).ok_or_else(unreadable)?,
            )),
        };
        cache::keep_material(&key, &self.arn, sealed.version, &opened);
        Ok(opened)
    }

    /// Every backing version sealed again for the key `arn` (a multi-Region replica).
    pub fn reseal_for(&self, call: &Call<'_>, arn: &str) -> Result<Vec<SealedMaterial>, AwsError> {
        self.materials
            .iter()
            .map(|m| {
                let bytes = self.open_bytes(call, m)?;
                seal_bytes(
                    call.env,
                    arn,
                    m.version,
                    &bytes,
                    m.created,
                    m.rotation.as_deref(),
                )
            })
            .collect()
    }

    /// The raw bytes of a sealed backing version (zeroized on drop).
    fn open_bytes(
        &self,
        call: &Call<'_>,
        sealed: &SealedMaterial,
    ) -> Result<Zeroizing<Vec<u8>>, AwsError> {
        let blob = B64
            .decode(&sealed.sealed)
            .map_err(|_| errors::internal("stored key material is not base64"))?;
        let bytes = call
            .env
            .master_key
            .open(&seal_context(&self.arn, sealed.version), &blob)
            .map_err(|_| errors::internal("stored key material does not open"))?;
        Ok(bytes)
    }
}

/// Seals key `bytes` as backing `version` of the key `arn`, made at `created` (by a rotation
/// of kind `rotation`, if one made it).
pub(crate) fn seal_bytes(
    env: &Env,
    arn: &str,
    version: u32,
    bytes: &[u8],
    created: f64,
    rotation: Option<&str>,
) -> Result<SealedMaterial, AwsError> {
    let sealed = env
        .master_key
        .seal(&seal_context(arn, version), bytes)
        .map_err(|_| errors::internal("sealing key material failed"))?;
    Ok(SealedMaterial {
        version,
        sealed: B64.encode(sealed),
        created,
        rotation: rotation.map(str::to_owned),
    })
}

fn seal_context(arn: &str, version: u32) -> Vec<u8> {
    format!("rampart/kms/key-material/{arn}/{version}").into_bytes()
}

/// The prefix of multi-Region key ids.
pub(crate) const MRK_PREFIX: &str = "mrk-";

/// A key id as 16 bytes: a UUID (`1234abcd-12ab-34cd-56ef-1234567890ab`) or a multi-Region key
/// id (`mrk-` and 32 lower-case hex digits); `None` if it is neither.
pub(crate) fn id_bytes(key_id: &str) -> Option<[u8; 16]> {
    let hex: String = match key_id.strip_prefix(MRK_PREFIX) {
        Some(hex) if hex.len() == 32 && !hex.bytes().any(|b| b.is_ascii_uppercase()) => {
            hex.to_owned()
        }
        Some(_) => return None,
        None if key_id.len() == 36 => key_id.chars().filter(|c| *c != '-').collect(),
        None => return None,
    };
    hex::decode(hex).ok()?.try_into().ok()
}

/// The key whose id has these 16 bytes (as a blob or a grant token carries them), whether a
/// single-Region or a multi-Region key.
pub(crate) fn load_by_id_bytes(
    call: &Call<'_>,
    bytes: &[u8; 16],
) -> Result<Option<Loaded>, AwsError> {
    match load(call, &id_text(bytes))? {
        Some(found) => Ok(Some(found)),
        None => load(call, &format!("{MRK_PREFIX}{}", hex::encode(bytes))),
    }
}

/// The UUID text of 16 id bytes.
pub(crate) fn id_text(bytes: &[u8; 16]) -> String {
    let h = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The store key of a key record in the caller's account and region.
pub(crate) fn store_key(call: &Call<'_>, key_id: &str) -> Key {
    store_key_in(call, &call.principal.account, key_id)
}

/// The store key of a key record of `account` in the caller's region.
pub(crate) fn store_key_in(call: &Call<'_>, account: &AccountId, key_id: &str) -> Key {
    Key::new(
        space::account_region(account, call.region),
        KEY_TABLE,
        key_id,
    )
}

/// The store key of `record` (whose account may not be the caller's).
pub(crate) fn record_key(call: &Call<'_>, record: &KeyRecord) -> Result<Key, AwsError> {
    let account: AccountId = record
        .account
        .parse()
        .map_err(|_| errors::internal("malformed stored key account"))?;
    Ok(store_key_in(call, &account, &record.key_id))
}

/// Now, in epoch seconds.
pub(crate) fn now(call: &Call<'_>) -> f64 {
    rampart_service::epoch_seconds(call.env.clock.now())
}

/// Whether a key's scheduled deletion has come due (the key then no longer exists).
pub(crate) fn deletion_due(call: &Call<'_>, record: &KeyRecord) -> bool {
    let now = call
        .env
        .clock
        .now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default();
    record.deletion_date.is_some_and(|d| d <= now)
}

/// A key record as loaded: shared with the cache (cloning it copies a pointer); a handler that
/// changes a key goes through [`update`].
pub(crate) type Loaded = (Arc<KeyRecord>, u64);

/// The key `key_id` with its store version, unless absent or deleted.
pub(crate) fn load(call: &Call<'_>, key_id: &str) -> Result<Option<Loaded>, AwsError> {
    load_in(call, &call.principal.account, key_id)
}

/// The key `key_id` of `account` (in the caller's region) with its store version, unless
/// absent or deleted.
pub(crate) fn load_in(
    call: &Call<'_>,
    account: &AccountId,
    key_id: &str,
) -> Result<Option<Loaded>, AwsError> {
    let key = store_key_in(call, account, key_id);
    let watermark = call.env.store.watermark(&key.space, KEY_TABLE);
    let (record, version) = match cache::record(&key, watermark) {
        Some(cached) => cached,
        None => {
            let Some(item) = call.env.store.get(&key).map_err(errors::store_failure)? else {
                return Ok(None);
            };
            let record: Arc<KeyRecord> = Arc::new(
                serde_json::from_slice(&item.value)
                    .map_err(|_| errors::internal("stored key record does not parse"))?,
            );
            cache::remember(key.clone(), watermark, &record, item.version);
            (record, item.version)
        }
    };
    if deletion_due(call, &record) {
        cache::forget(&key);
        return Ok(None);
    }
    let mut record = record;
    if crate::import::expired(&record, now(call)) {
        // Expired material is gone at once, whether or not the scheduler has run yet.
        crate::import::remove_material(Arc::make_mut(&mut record));
    }
    Ok(Some((record, version)))
}

/// Serialises a record for the store.
pub(crate) fn encode(record: &KeyRecord) -> Result<Vec<u8>, AwsError> {
    serde_json::to_vec(record).map_err(|_| errors::internal("key record does not serialise"))
}

/// Reads, changes and writes back the key `key_id` (compare-and-swap, retried on conflict).
/// `change` sees the current record and may refuse; the changed record is returned.
pub(crate) fn update(
    call: &Call<'_>,
    key_id: &str,
    not_found: impl Fn() -> AwsError,
    mut change: impl FnMut(&mut KeyRecord) -> Result<(), AwsError>,
) -> Result<KeyRecord, AwsError> {
    for _ in 0..8 {
        let (record, version) = load(call, key_id)?.ok_or_else(&not_found)?;
        let mut record = Arc::unwrap_or_clone(record);
        change(&mut record)?;
        let batch = Batch::new().put_if(
            store_key(call, key_id),
            encode(&record)?,
            Expect::Version(version),
        );
        match call.env.store.commit(batch) {
            Ok(_) => return Ok(record),
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(errors::store_failure(e)),
        }
    }
    Err(errors::internal("key update kept conflicting"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_convert_both_ways() {
        let id = "1234abcd-12ab-34cd-56ef-1234567890ab";
        let bytes = id_bytes(id).unwrap();
        assert_eq!(id_text(&bytes), id);
        assert_eq!(id_bytes("alias/x"), None);
        assert_eq!(id_bytes("1234abcd-12ab-34cd-56ef-1234567890zz"), None);
        let mrk = "mrk-1234abcd12ab34cd56ef1234567890ab";
        assert_eq!(id_bytes(mrk), Some(bytes));
        assert_eq!(id_bytes("mrk-1234ABCD12ab34cd56ef1234567890ab"), None);
        assert_eq!(id_bytes("mrk-1234"), None);
    }
}
