//! Imported key material (keys of origin EXTERNAL): GetParametersForImport, ImportKeyMaterial
//! and DeleteImportedKeyMaterial, and the expiry [`crate::run_due`] applies.
//!
//! GetParametersForImport makes an RSA wrapping key pair, sealed under the master key in the
//! key record with its import token, valid 24 hours. The imported material is sealed like
//! generated material (backing version 1), and its fingerprint kept so that a re-import after
//! deletion or expiry must bring the same material (old ciphertexts then decrypt again).

use crate::errors;
use crate::key::{self, KeyRecord, KeyState};
use crate::keys::{self, KeyIdInput};
use crate::resolve::{Accept, resolve};
use crate::spec::{self, Kind};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rampart_crypto::kms::{
    AsymmetricSpec, PrivateKey, WrappingAlgorithm, material_fingerprint, unwrap_material,
};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// How long import parameters stay valid, in seconds (24 hours).
const PARAMETERS_VALID: f64 = 86_400.0;
/// How far ahead `ValidTo` may be, in seconds (365 days).
const MAX_VALID_TO: f64 = 365.0 * 86_400.0;
const EXPIRES: &str = "KEY_MATERIAL_EXPIRES";
const DOES_NOT_EXPIRE: &str = "KEY_MATERIAL_DOES_NOT_EXPIRE";

/// The import state of a key of origin EXTERNAL.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Imported {
    /// Fingerprint of the material once imported: a re-import must match it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// `ExpirationModel` of the current material.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_model: Option<String>,
    /// When the current material expires, in epoch seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<f64>,
    /// The parameters of the latest GetParametersForImport.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Parameters>,
}

/// A wrapping key pair and its import token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Parameters {
    /// The import token, base64.
    pub token: String,
    pub wrapping_algorithm: String,
    pub wrapping_key_spec: String,
    /// The wrapping private key (PKCS #8), sealed under the master key, base64.
    pub sealed_wrapping_key: String,
    pub valid_to: f64,
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("kms", "GetParametersForImport", false, get_parameters);
    registry.register("kms", "ImportKeyMaterial", false, import_material);
    registry.register("kms", "DeleteImportedKeyMaterial", false, delete_material);
}

/// Refuses keys not of origin EXTERNAL.
fn require_external(record: &KeyRecord) -> Result<(), AwsError> {
    if record.origin == "EXTERNAL" {
        Ok(())
    } else {
        Err(errors::unsupported(format!(
            "{} origin is {} which is not valid for this operation.",
            record.arn, record.origin
        )))
    }
}

fn wrapping_context(arn: &str) -> Vec<u8> {
    format!("rampart/kms/import-wrapping-key/{arn}").into_bytes()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ParametersInput {
    key_id: String,
    wrapping_algorithm: String,
    wrapping_key_spec: String,
}

fn get_parameters(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ParametersInput = from_input(input, "ValidationException")?;
    let algorithm = WrappingAlgorithm::from_name(&input.wrapping_algorithm).ok_or_else(|| {
        errors::unsupported(format!(
            "WrappingAlgorithm {} is not supported by this server.",
            input.wrapping_algorithm
        ))
    })?;
    let spec = AsymmetricSpec::from_name(&input.wrapping_key_spec)
        .filter(|s| s.is_rsa())
        .ok_or_else(|| {
            errors::unsupported(format!(
                "WrappingKeySpec {} is not supported by this server.",
                input.wrapping_key_spec
            ))
        })?;
    let (record, _) = resolve(call, &input.key_id, Accept::KeysOnly)?;
    require_external(&record)?;
    record.require_not_pending_deletion()?;
    let wrapping = PrivateKey::generate(spec).map_err(|_| errors::internal("key generation"))?;
    let public = wrapping
        .public_key_der()
        .map_err(|_| errors::internal("public key encoding failed"))?;
    let sealed = call
        .env
        .master_key
        .seal(&wrapping_context(&record.arn), wrapping.pkcs8())
        .map_err(|_| errors::internal("sealing the wrapping key failed"))?;
    let token = rampart_crypto::random_bytes::<32>()
        .ok_or_else(|| errors::internal("randomness failed"))?;
    let parameters = Parameters {
        token: B64.encode(token),
        wrapping_algorithm: algorithm.name().to_owned(),
        wrapping_key_spec: spec.name().to_owned(),
        sealed_wrapping_key: B64.encode(sealed),
        valid_to: key::now(call) + PARAMETERS_VALID,
    };
    keys::update_unless_pending_deletion(call, &record.key_id, |r| {
        r.import.get_or_insert_with(Imported::default).parameters = Some(parameters.clone());
        Ok(())
    })?;
    Ok(json!({
        "KeyId": record.arn,
        "ImportToken": parameters.token,
        "PublicKey": B64.encode(public),
        "ParametersValidTo": parameters.valid_to,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ImportInput {
    key_id: String,
    import_token: String,
    encrypted_key_material: String,
    valid_to: Option<f64>,
    expiration_model: Option<String>,
    import_type: Option<String>,
}

/// Checks `ExpirationModel` and `ValidTo`; returns them as stored.
fn expiry(input: &ImportInput, now: f64) -> Result<(String, Option<f64>), AwsError> {
    let model = input.expiration_model.as_deref().unwrap_or(EXPIRES);
    match (model, input.valid_to) {
        (EXPIRES, Some(valid_to)) if valid_to > now && valid_to <= now + MAX_VALID_TO => {
            Ok((EXPIRES.to_owned(), Some(valid_to)))
        }
        (EXPIRES, Some(_)) => Err(errors::validation(
            "ValidTo must be in the future and at most 365 days from now.",
        )),
        (EXPIRES, None) => Err(errors::validation(
            "A ValidTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES",
        )),
        (DOES_NOT_EXPIRE, None) => Ok((DOES_NOT_EXPIRE.to_owned(), None)),
        (DOES_NOT_EXPIRE, Some(_)) => Err(errors::validation(
            "A ValidTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE",
        )),
        (other, _) => Err(errors::validation(format!(
            "1 validation error detected: Value '{other}' at 'expirationModel' failed to satisfy constraint: Member must satisfy enum value set: [{EXPIRES}, {DOES_NOT_EXPIRE}]"
        ))),
    }
}

fn incorrect_material(message: impl Into<String>) -> AwsError {
    AwsError::new("IncorrectKeyMaterialException", 400, message)
}

fn import_material(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ImportInput = from_input(input, "ValidationException")?;
    if input.import_type.as_deref() == Some("NEW_KEY_MATERIAL") {
        return Err(errors::unsupported(
            "ImportType NEW_KEY_MATERIAL (several imported materials) is not supported by this server.",
        ));
    }
    let now = key::now(call);
    let (model, valid_to) = expiry(&input, now)?;
    let (record, _) = resolve(call, &input.key_id, Accept::KeysOnly)?;
    require_external(&record)?;
    record.require_not_pending_deletion()?;
    let parameters = record
        .import
        .as_ref()
        .and_then(|i| i.parameters.clone())
        .filter(|p| p.token == input.import_token)
        .ok_or_else(|| {
            AwsError::new(
                "InvalidImportTokenException",
                400,
                "The import token is invalid or is associated with a different KMS key.",
            )
        })?;
    if parameters.valid_to <= now {
        return Err(AwsError::new(
            "ExpiredImportTokenException",
            400,
            "The import token is expired. Use GetParametersForImport to get a new import token and public key.",
        ));
    }
    let material = open_wrapped(call, &record, &parameters, &input.encrypted_key_material)?;
    let expected_len = match spec::kind(&record.key_spec) {
        Some(Kind::Symmetric) => 32,
        Some(Kind::Mac(mac)) => mac.key_len(),
        _ => return Err(errors::internal("import into a key of another kind")),
    };
    if material.len() != expected_len {
        return Err(incorrect_material(format!(
            "The key material must be {expected_len} bytes for key spec {}.",
            record.key_spec
        )));
    }
    let fingerprint = material_fingerprint(&material);
    let sealed = key::seal_bytes(call.env, &record.arn, 1, &material, now, None)?;
    keys::update_unless_pending_deletion(call, &record.key_id, |r| {
        let imported = r.import.get_or_insert_with(Imported::default);
        if imported
            .fingerprint
            .as_ref()
            .is_some_and(|f| *f != fingerprint)
        {
            return Err(incorrect_material(
                "The key material is not the key material previously imported into this KMS key.",
            ));
        }
        imported.fingerprint = Some(fingerprint.clone());
        imported.expiration_model = Some(model.clone());
        imported.valid_to = valid_to;
        r.materials = vec![sealed.clone()];
        if r.state == KeyState::PendingImport {
            r.state = KeyState::Enabled;
        }
        Ok(())
    })?;
    crate::rotation::index(call, &record.key_id)?;
    Ok(json!({ "KeyId": record.arn }))
}

/// Unwraps `EncryptedKeyMaterial` with the sealed wrapping key; every failure is
/// InvalidCiphertextException.
fn open_wrapped(
    call: &Call<'_>,
    record: &KeyRecord,
    parameters: &Parameters,
    wrapped_b64: &str,
) -> Result<zeroize::Zeroizing<Vec<u8>>, AwsError> {
    let wrapped = B64
        .decode(wrapped_b64)
        .map_err(|_| errors::invalid_ciphertext())?;
    let sealed = B64
        .decode(&parameters.sealed_wrapping_key)
        .map_err(|_| errors::internal("stored wrapping key is not base64"))?;
    let pkcs8 = call
        .env
        .master_key
        .open(&wrapping_context(&record.arn), &sealed)
        .map_err(|_| errors::internal("stored wrapping key does not open"))?;
    let spec = AsymmetricSpec::from_name(&parameters.wrapping_key_spec)
        .ok_or_else(|| errors::internal("stored wrapping key spec"))?;
    let algorithm = WrappingAlgorithm::from_name(&parameters.wrapping_algorithm)
        .ok_or_else(|| errors::internal("stored wrapping algorithm"))?;
    let wrapping = PrivateKey::from_pkcs8(spec, &pkcs8)
        .map_err(|_| errors::internal("stored wrapping key does not parse"))?;
    unwrap_material(&wrapping, algorithm, &wrapped).map_err(|_| errors::invalid_ciphertext())
}

fn delete_material(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: KeyIdInput = from_input(input, "ValidationException")?;
    let (record, _) = resolve(call, &input.key_id, Accept::KeysOnly)?;
    require_external(&record)?;
    record.require_not_pending_deletion()?;
    keys::update_unless_pending_deletion(call, &record.key_id, |r| {
        remove_material(r);
        Ok(())
    })?;
    Ok(json!({ "KeyId": record.arn }))
}

/// Deletes a key's imported material (deleted by the caller, or expired): the key waits for
/// an import again, unless it is pending deletion.
pub(crate) fn remove_material(record: &mut KeyRecord) {
    record.materials.clear();
    if let Some(imported) = &mut record.import {
        imported.expiration_model = None;
        imported.valid_to = None;
    }
    if record.state != KeyState::PendingDeletion {
        record.state = KeyState::PendingImport;
    }
}

/// Whether `record`'s imported material has expired at `now`.
pub(crate) fn expired(record: &KeyRecord, now: f64) -> bool {
    !record.materials.is_empty()
        && record
            .import
            .as_ref()
            .and_then(|i| i.valid_to)
            .is_some_and(|t| t <= now)
}
