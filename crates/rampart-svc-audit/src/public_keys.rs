//! The digest signing key and `ListPublicKeys`.
//!
//! One RSA key signs every digest of the server. Its PKCS#8 form is kept in the store only
//! sealed with the master key (space `system`, table `cloudtrail.signing-key`); it is created
//! the first time a digest or `ListPublicKeys` needs it.

use base64::Engine;
use rampart_protocol::AwsError;
use rampart_service::{Call, Env, Registry, from_input, internal_error};
use rampart_store::{Batch, Expect, Key, StoreError, space};
use rampart_trail::DigestSigner;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

const TABLE: &str = "cloudtrail.signing-key";
const ID: &str = "current";
/// Binds the sealed key to its place: a sealed value moved elsewhere does not open.
const SEAL_CONTEXT: &[u8] = b"system/cloudtrail.signing-key/current";

/// The stored form of the signing key.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredKey {
    /// PKCS#8 DER sealed with the master key.
    sealed: Vec<u8>,
    /// When the key was made: the start of its validity (epoch seconds).
    valid_from: i64,
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("cloudtrail", "ListPublicKeys", true, list_public_keys);
}

/// The digest signer and the start of its validity (epoch seconds), created on first use.
pub(crate) fn signer(env: &Env) -> Result<(DigestSigner, i64), String> {
    let key = Key::new(space::SYSTEM, TABLE, ID);
    loop {
        if let Some(item) = env.store.get(&key).map_err(|e| e.to_string())? {
            let stored: StoredKey = serde_json::from_slice(&item.value)
                .map_err(|_| "the stored digest signing key is unreadable".to_owned())?;
            let pkcs8 = env
                .master_key
                .open(SEAL_CONTEXT, &stored.sealed)
                .map_err(|_| {
                    "the digest signing key does not open with the master key".to_owned()
                })?;
            let signer = DigestSigner::from_pkcs8(&pkcs8).map_err(|e| e.to_string())?;
            return Ok((signer, stored.valid_from));
        }
        let (signer, pkcs8) = DigestSigner::generate().map_err(|e| e.to_string())?;
        let sealed = env
            .master_key
            .seal(SEAL_CONTEXT, &pkcs8)
            .map_err(|_| "cannot seal the digest signing key".to_owned())?;
        let valid_from = unix_seconds(env.clock.now());
        let value =
            serde_json::to_vec(&StoredKey { sealed, valid_from }).map_err(|e| e.to_string())?;
        match env
            .store
            .commit(Batch::new().put_if(key.clone(), value, Expect::Absent))
        {
            Ok(_) => return Ok((signer, valid_from)),
            // Another node made one first: use that one.
            Err(StoreError::Conflict { .. }) => continue,
            Err(e) => return Err(e.to_string()),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    start_time: Option<f64>,
    end_time: Option<f64>,
    next_token: Option<String>,
}

/// The public keys whose validity overlaps the requested range (default: now). The current
/// key's validity runs from its creation to the present moment.
fn list_public_keys(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: Input = from_input(input, "InvalidParameterException")?;
    if input.next_token.is_some() {
        return Err(AwsError::new(
            "InvalidTokenException",
            400,
            "Reading public keys is not supported with this token.",
        ));
    }
    let now = unix_seconds(call.env.clock.now()) as f64;
    let start = input.start_time.unwrap_or(now);
    let end = input.end_time.unwrap_or(now);
    if start > end {
        return Err(AwsError::new(
            "InvalidTimeRangeException",
            400,
            "Occurs if the timestamp values are invalid. Either the start time occurs after the end time or the time range is outside the range of possible values.",
        ));
    }
    let (signer, valid_from) = signer(call.env).map_err(|e| {
        tracing::error!(error = %e, "no digest signing key");
        internal_error()
    })?;
    let valid_from = valid_from as f64;
    let mut keys = Vec::new();
    if valid_from <= end && start <= now {
        keys.push(json!({
            "Value": base64::engine::general_purpose::STANDARD.encode(signer.public_key_der()),
            "ValidityStartTime": valid_from,
            "ValidityEndTime": now,
            "Fingerprint": signer.fingerprint(),
        }));
    }
    Ok(json!({ "PublicKeyList": keys }))
}

fn unix_seconds(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
