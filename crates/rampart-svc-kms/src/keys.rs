//! Key management: CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey,
//! ScheduleKeyDeletion, CancelKeyDeletion and UpdateKeyDescription.

use crate::errors;
use crate::key::{self, KEY_TABLE, KeyRecord, KeyState};
use crate::multi_region::MultiRegion;
use crate::policy;
use crate::resolve::{Accept, key_arn, resolve};
use crate::rotation;
use crate::spec::{self, Kind};
use crate::tags::{Tag, validate_tags};
use rampart_crypto::kms::{KemKey, KeyMaterial, MacKey, PrivateKey};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use rampart_store::{Batch, Expect, Scan, space};
use serde::Deserialize;
use serde_json::{Value, json};
use zeroize::Zeroizing;

/// Longest key description.
const MAX_DESCRIPTION: usize = 8192;
/// The pending window AWS allows and its default, in days.
const PENDING_WINDOW: std::ops::RangeInclusive<i64> = 7..=30;
const DEFAULT_PENDING_WINDOW: i64 = 30;
const SECONDS_PER_DAY: f64 = 86_400.0;

pub(crate) fn register(registry: &mut Registry) {
    registry.register("kms", "CreateKey", false, create_key);
    registry.register("kms", "DescribeKey", true, describe_key);
    registry.register("kms", "ListKeys", true, list_keys);
    registry.register("kms", "EnableKey", false, |c, i| set_enabled(c, i, true));
    registry.register("kms", "DisableKey", false, |c, i| set_enabled(c, i, false));
    registry.register("kms", "ScheduleKeyDeletion", false, schedule_deletion);
    registry.register("kms", "CancelKeyDeletion", false, cancel_deletion);
    registry.register("kms", "UpdateKeyDescription", false, update_description);
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateKeyInput {
    description: Option<String>,
    key_usage: Option<String>,
    customer_master_key_spec: Option<String>,
    key_spec: Option<String>,
    origin: Option<String>,
    custom_key_store_id: Option<String>,
    multi_region: Option<bool>,
    #[serde(default)]
    tags: Vec<Tag>,
    policy: Option<String>,
    #[serde(default)]
    bypass_policy_lockout_safety_check: bool,
}

/// Fresh material for a key of `kind`: 32 AES bytes, an HMAC key, or a PKCS #8 private key.
pub(crate) fn new_material(kind: Kind) -> Result<Zeroizing<Vec<u8>>, AwsError> {
    let randomness = || errors::internal("randomness failed");
    Ok(match kind {
        Kind::Symmetric => {
            let material = KeyMaterial::generate().ok_or_else(randomness)?;
            Zeroizing::new(material.expose().to_vec())
        }
        Kind::Mac(spec) => {
            let key = MacKey::generate(spec).ok_or_else(randomness)?;
            Zeroizing::new(key.expose().to_vec())
        }
        Kind::Kem(spec) => {
            let key = KemKey::generate(spec).map_err(|_| randomness())?;
            Zeroizing::new(key.expose().to_vec())
        }
        Kind::Asymmetric(spec) => {
            let key = PrivateKey::generate(spec).map_err(|_| randomness())?;
            Zeroizing::new(key.pkcs8().to_vec())
        }
    })
}

fn create_key(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    create(call, input, None)
}

/// A key id and material chosen by the operator instead of minted: seeding's fixed keys.
struct Fixed<'a> {
    key_id: &'a str,
    material: Option<&'a [u8]>,
}

/// CreateKey with a key id (a UUID, or `mrk-` and 32 hex digits for a multi-Region key) and,
/// optionally, key material of the operator's choosing: 32 bytes for SYMMETRIC_DEFAULT, the
/// HMAC key for HMAC specs, a PKCS #8 DER private key for asymmetric specs, the private key
/// bytes for ML-KEM. `input` is CreateKey's; an id in use is refused.
pub fn seed_key(
    call: &Call<'_>,
    input: Value,
    key_id: &str,
    material: Option<&[u8]>,
) -> Result<Value, AwsError> {
    create(call, input, Some(Fixed { key_id, material }))
}

/// Checks operator-chosen material against the key's kind; the bytes to seal.
fn fixed_material(kind: Kind, bytes: &[u8]) -> Result<Zeroizing<Vec<u8>>, AwsError> {
    let fits = match kind {
        Kind::Symmetric => KeyMaterial::from_bytes(bytes).is_ok(),
        Kind::Mac(spec) => MacKey::from_bytes(spec, bytes).is_some(),
        Kind::Kem(spec) => KemKey::from_bytes(spec, bytes).is_ok(),
        Kind::Asymmetric(spec) => PrivateKey::from_pkcs8(spec, bytes).is_ok(),
    };
    match fits {
        true => Ok(Zeroizing::new(bytes.to_vec())),
        false => Err(errors::validation(
            "The key material does not fit the key spec (32 bytes for SYMMETRIC_DEFAULT, the HMAC key, a PKCS #8 private key, or the ML-KEM private key).",
        )),
    }
}

/// Whether `key_id` is a key id KMS could have minted.
fn well_formed_key_id(key_id: &str, multi_region: bool) -> bool {
    let hex = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    };
    if multi_region {
        return key_id
            .strip_prefix(key::MRK_PREFIX)
            .is_some_and(|rest| rest.len() == 32 && hex(rest));
    }
    let groups: Vec<&str> = key_id.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12]) && groups.iter().all(|g| hex(g))
}

fn create(call: &Call<'_>, input: Value, fixed: Option<Fixed<'_>>) -> Result<Value, AwsError> {
    let input: CreateKeyInput = from_input(input, "ValidationException")?;
    let spec = match (&input.key_spec, &input.customer_master_key_spec) {
        (Some(_), Some(_)) => {
            return Err(errors::validation(
                "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.",
            ));
        }
        (Some(s), None) | (None, Some(s)) => s.as_str(),
        (None, None) => "SYMMETRIC_DEFAULT",
    };
    let (kind, usage) = spec::check(spec, input.key_usage.as_deref())?;
    let origin = input.origin.as_deref().unwrap_or("AWS_KMS");
    let external = origin == "EXTERNAL";
    if external && matches!(kind, Kind::Asymmetric(_) | Kind::Kem(_)) {
        return Err(errors::unsupported(format!(
            "Importing key material for KeySpec {spec} is not supported by this server yet."
        )));
    }
    let in_store = match (origin, input.custom_key_store_id.as_deref()) {
        ("AWS_CLOUDHSM", Some(store)) => Some(store.to_owned()),
        ("AWS_CLOUDHSM", None) => {
            return Err(errors::validation(
                "A CustomKeyStoreId is required when Origin is AWS_CLOUDHSM.",
            ));
        }
        ("AWS_KMS" | "EXTERNAL", None) => None,
        ("AWS_KMS", Some(_)) => {
            return Err(errors::validation(
                "Origin must be AWS_CLOUDHSM to create a KMS key in a custom key store.",
            ));
        }
        _ => {
            return Err(errors::unsupported(format!(
                "Origin {origin} is not supported by this server."
            )));
        }
    };
    if in_store.is_some() && kind != Kind::Symmetric {
        return Err(errors::unsupported(format!(
            "KeySpec {spec} is not supported in a custom key store; only SYMMETRIC_DEFAULT is."
        )));
    }
    let multi_region = input.multi_region == Some(true);
    if multi_region && (external || in_store.is_some()) {
        return Err(errors::unsupported(
            "Multi-Region keys with imported key material or in a custom key store are not supported.",
        ));
    }
    let description = input.description.unwrap_or_default();
    check_description(&description)?;
    let tags = validate_tags(&input.tags)?;

    let key_id = match &fixed {
        Some(fixed) if !well_formed_key_id(fixed.key_id, multi_region) => {
            return Err(errors::validation(format!(
                "{} is not a key id: a lowercase UUID, or mrk- and 32 hex digits for a multi-Region key.",
                fixed.key_id
            )));
        }
        Some(fixed) => fixed.key_id.to_owned(),
        None => {
            let uuid = rampart_crypto::random_uuid()
                .ok_or_else(|| errors::internal("randomness failed"))?;
            if multi_region {
                format!("{}{}", key::MRK_PREFIX, uuid.replace('-', ""))
            } else {
                uuid
            }
        }
    };
    if fixed.is_some()
        && call
            .env
            .store
            .get(&key::store_key(call, &key_id))
            .map_err(errors::store_failure)?
            .is_some()
    {
        return Err(AwsError::new(
            "AlreadyExistsException",
            400,
            format!("A key with id {key_id} already exists."),
        ));
    }
    let chosen = fixed.as_ref().and_then(|f| f.material);
    if chosen.is_some() && (external || in_store.is_some()) {
        return Err(errors::validation(
            "Key material can be chosen only for keys whose origin is AWS_KMS.",
        ));
    }
    let arn = key_arn(call, &key_id);
    if let Some(document) = &input.policy {
        policy::check_new(
            call,
            &arn,
            document,
            input.bypass_policy_lockout_safety_check,
        )?;
    }
    let now = key::now(call);
    let mut custom_key_store = None;
    let materials = if external {
        Vec::new()
    } else if let Some(store) = &in_store {
        let (placed, sealed) = crate::cks::new_key(call, store, &key_id, &arn, now)?;
        custom_key_store = Some(placed);
        vec![sealed]
    } else {
        let bytes = match chosen {
            Some(bytes) => fixed_material(kind, bytes)?,
            None => new_material(kind)?,
        };
        vec![key::seal_bytes(call.env, &arn, 1, &bytes, now, None)?]
    };
    let record = KeyRecord {
        key_id: key_id.clone(),
        arn,
        account: call.principal.account.to_string(),
        creation_date: now,
        state: if external {
            KeyState::PendingImport
        } else {
            KeyState::Enabled
        },
        description,
        key_usage: usage,
        key_spec: spec.to_owned(),
        origin: origin.to_owned(),
        deletion_date: None,
        tags,
        materials,
        policy: input.policy,
        grants: Vec::new(),
        import: external.then(Default::default),
        rotation: None,
        custom_key_store,
        multi_region: multi_region.then(|| MultiRegion {
            primary_region: call.region.as_str().to_owned(),
            regions: vec![call.region.as_str().to_owned()],
        }),
        aws_managed: false,
    };
    let batch = Batch::new()
        .put_if(
            key::store_key(call, &key_id),
            key::encode(&record)?,
            Expect::Absent,
        )
        .put(rotation::index_key(call, &key_id), Vec::new());
    call.env
        .store
        .commit(batch)
        .map_err(errors::store_failure)?;
    Ok(json!({ "KeyMetadata": record.metadata() }))
}

/// Changes the caller's key `key_id` with `change` unless it is pending deletion
/// (KMSInvalidStateException then; NotFoundException if it is gone): the changed record.
pub(crate) fn update_unless_pending_deletion(
    call: &Call<'_>,
    key_id: &str,
    mut change: impl FnMut(&mut KeyRecord) -> Result<(), AwsError>,
) -> Result<KeyRecord, AwsError> {
    key::update(
        call,
        key_id,
        || crate::resolve::key_not_found(call, key_id),
        |r| {
            r.require_not_pending_deletion()?;
            change(r)
        },
    )
}

pub(crate) fn check_description(description: &str) -> Result<(), AwsError> {
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(errors::constraint(
            "description",
            "Member must have length less than or equal to 8192",
        ));
    }
    Ok(())
}

/// The input of the operations that take only a `KeyId`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct KeyIdInput {
    /// The key's id, ARN, alias name or alias ARN.
    pub(crate) key_id: String,
}

fn describe_key(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: KeyIdInput = from_input(input, "ValidationException")?;
    let (record, _) = resolve(call, &input.key_id, Accept::AcrossAccounts)?;
    Ok(json!({ "KeyMetadata": record.metadata() }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    limit: Option<i64>,
    marker: Option<String>,
}

/// Checks a `Limit` (1..=1000) and returns it with AWS's default of 100.
pub(crate) fn page_limit(limit: Option<i64>) -> Result<usize, AwsError> {
    match limit {
        None => Ok(100),
        Some(n @ 1..=1000) => Ok(n as usize),
        Some(n) if n < 1 => Err(errors::validation(format!(
            "1 validation error detected: Value '{n}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
        ))),
        Some(n) => Err(errors::validation(format!(
            "1 validation error detected: Value '{n}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000"
        ))),
    }
}

fn list_keys(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ListInput = from_input(input, "ValidationException")?;
    let limit = page_limit(input.limit)?;
    let space = space::account_region(&call.principal.account, call.region);
    let mut scan = Scan::new("", limit + 1);
    if let Some(marker) = input.marker {
        scan = scan.after(marker);
    }
    let items = call
        .env
        .store
        .scan(&space, KEY_TABLE, &scan)
        .map_err(errors::store_failure)?;
    let truncated = items.len() > limit;
    let mut keys = Vec::new();
    for item in items.iter().take(limit) {
        let record: KeyRecord = serde_json::from_slice(&item.value)
            .map_err(|_| errors::internal("stored key record does not parse"))?;
        if !key::deletion_due(call, &record) {
            keys.push(json!({ "KeyId": record.key_id, "KeyArn": record.arn }));
        }
    }
    let mut out = json!({ "Keys": keys, "Truncated": truncated });
    if truncated && let Some(last) = items.get(limit - 1) {
        out["NextMarker"] = json!(last.key.id);
    }
    Ok(out)
}

fn set_enabled(call: &Call<'_>, input: Value, enabled: bool) -> Result<Value, AwsError> {
    let input: KeyIdInput = from_input(input, "ValidationException")?;
    let (record, _) = resolve(call, &input.key_id, Accept::KeysOnly)?;
    update_unless_pending_deletion(call, &record.key_id, |r| {
        if r.state == KeyState::PendingImport {
            return Err(errors::invalid_state(format!(
                "{} is pending import.",
                r.arn
            )));
        }
        r.state = if enabled {
            KeyState::Enabled
        } else {
            KeyState::Disabled
        };
        Ok(())
    })?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ScheduleInput {
    key_id: String,
    pending_window_in_days: Option<i64>,
}

fn schedule_deletion(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ScheduleInput = from_input(input, "ValidationException")?;
    let days = input
        .pending_window_in_days
        .unwrap_or(DEFAULT_PENDING_WINDOW);
    if !PENDING_WINDOW.contains(&days) {
        let bound = if days < *PENDING_WINDOW.start() {
            "greater than or equal to 7"
        } else {
            "less than or equal to 30"
        };
        return Err(errors::validation(format!(
            "1 validation error detected: Value '{days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value {bound}"
        )));
    }
    let (record, _) = resolve(call, &input.key_id, Accept::KeysOnly)?;
    if let Some(config) = &record.multi_region
        && config.key_type(&record) == "PRIMARY"
        && config.regions.len() > 1
    {
        return Err(errors::invalid_state(format!(
            "{} is a multi-Region primary key with replicas; delete its replicas first.",
            record.arn
        )));
    }
    let deletion_date = key::now(call) + days as f64 * SECONDS_PER_DAY;
    let record = update_unless_pending_deletion(call, &record.key_id, |r| {
        r.state = KeyState::PendingDeletion;
        r.deletion_date = Some(deletion_date);
        Ok(())
    })?;
    rotation::index(call, &record.key_id)?;
    Ok(json!({
        "KeyId": record.arn,
        "DeletionDate": deletion_date,
        "KeyState": "PendingDeletion",
        "PendingWindowInDays": days,
    }))
}

fn cancel_deletion(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: KeyIdInput = from_input(input, "ValidationException")?;
    let (record, _) = resolve(call, &input.key_id, Accept::KeysOnly)?;
    let record = key::update(
        call,
        &record.key_id,
        || crate::resolve::key_not_found(call, &record.key_id),
        |r| {
            if r.state != KeyState::PendingDeletion {
                return Err(errors::invalid_state(format!(
                    "{} is not pending deletion.",
                    r.arn
                )));
            }
            r.state = if r.materials.is_empty() {
                KeyState::PendingImport
            } else {
                KeyState::Disabled
            };
            r.deletion_date = None;
            Ok(())
        },
    )?;
    Ok(json!({ "KeyId": record.arn }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescriptionInput {
    key_id: String,
    description: String,
}

fn update_description(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DescriptionInput = from_input(input, "ValidationException")?;
    check_description(&input.description)?;
    let (record, _) = resolve(call, &input.key_id, Accept::KeysOnly)?;
    update_unless_pending_deletion(call, &record.key_id, |r| {
        r.description = input.description.clone();
        Ok(())
    })?;
    Ok(json!({}))
}

#[cfg(test)]
mod fixed_tests {
    use super::*;
    use rampart_crypto::kms::{AsymmetricSpec, MacSpec};

    #[test]
    fn fixed_ids_look_like_minted_ones() {
        assert!(well_formed_key_id(
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            false
        ));
        assert!(well_formed_key_id(
            "mrk-1234abcd12ab34cd56ef1234567890ab",
            true
        ));
        for bad in [
            "1234ABCD-12ab-34cd-56ef-1234567890ab",
            "1234abcd-12ab-34cd-56ef-1234567890a",
            "alias/app",
            "mrk-1234abcd12ab34cd56ef1234567890ab",
            "",
        ] {
            assert!(!well_formed_key_id(bad, false), "{bad}");
        }
        assert!(!well_formed_key_id(
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            true
        ));
    }

    #[test]
    fn fixed_material_must_fit_the_spec() {
        assert!(fixed_material(Kind::Symmetric, &[7; 32]).is_ok());
        assert!(fixed_material(Kind::Symmetric, &[7; 31]).is_err());
        let hmac = MacSpec::from_name("HMAC_256").unwrap();
        assert!(fixed_material(Kind::Mac(hmac), &[1; 32]).is_ok());
        let p256 = AsymmetricSpec::from_name("ECC_NIST_P256").unwrap();
        let pkcs8 = PrivateKey::generate(p256).unwrap().pkcs8().to_vec();
        assert!(fixed_material(Kind::Asymmetric(p256), &pkcs8).is_ok());
        assert!(fixed_material(Kind::Asymmetric(p256), &[0; 40]).is_err());
    }
}
