//! Envelope encryption of secret values, as AWS does it: for every version a fresh 256-bit
//! data key from KMS (`GenerateDataKey` on the caller's behalf, with the encryption context
//! `{"SecretARN": <arn>, "SecretVersionId": <id>}`), the value sealed under it with AES-256-GCM
//! (bound to the same context), and only the encrypted data key stored beside it. Reading asks
//! KMS to decrypt the data key, again on the caller's behalf.

use crate::errors;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rampart_crypto::kms::{self as blob, KeyMaterial};
use rampart_protocol::AwsError;
use rampart_service::{Call, EncryptionContext, OnBehalf};
use serde::{Deserialize, Serialize};
use std::fmt;
use zeroize::Zeroizing;

/// The service name Secrets Manager asks KMS as.
pub(crate) const SERVICE: &str = "secretsmanager";

/// A secret value in the clear: wiped when dropped, never shown.
pub(crate) enum Plain {
    /// `SecretString`.
    Text(Zeroizing<String>),
    /// `SecretBinary`.
    Binary(Zeroizing<Vec<u8>>),
}

impl fmt::Debug for Plain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Plain(<redacted>)")
    }
}

impl PartialEq for Plain {
    fn eq(&self, other: &Plain) -> bool {
        match (self, other) {
            (Plain::Text(a), Plain::Text(b)) => a.as_bytes() == b.as_bytes(),
            (Plain::Binary(a), Plain::Binary(b)) => a.as_slice() == b.as_slice(),
            _ => false,
        }
    }
}

impl Plain {
    fn bytes(&self) -> &[u8] {
        match self {
            Plain::Text(t) => t.as_bytes(),
            Plain::Binary(b) => b,
        }
    }

    /// Adds `SecretString` or `SecretBinary` (base64, the canonical blob form) to `out`.
    pub fn write_to(&self, out: &mut serde_json::Map<String, serde_json::Value>) {
        match self {
            Plain::Text(t) => out.insert("SecretString".into(), t.as_str().into()),
            Plain::Binary(b) => out.insert("SecretBinary".into(), B64.encode(b.as_slice()).into()),
        };
    }
}

/// A stored version value.
#[derive(Serialize, Deserialize)]
struct Sealed {
    key_arn: String,
    data_key: String,
    ciphertext: String,
    binary: bool,
}

/// The encryption context of one version.
pub(crate) fn context(secret_arn: &str, version_id: &str) -> EncryptionContext {
    EncryptionContext::from([
        ("SecretARN".to_owned(), secret_arn.to_owned()),
        ("SecretVersionId".to_owned(), version_id.to_owned()),
    ])
}

const ENVELOPE_ID: [u8; 16] = [0; 16];

/// Seals `value` for version `version_id` of `secret_arn` under `key_id` (None: the AWS
/// managed key); returns the stored bytes and the ARN of the KMS key used.
pub(crate) fn seal(
    call: &Call<'_>,
    secret_arn: &str,
    key_id: Option<&str>,
    version_id: &str,
    value: &Plain,
) -> Result<(Vec<u8>, String), AwsError> {
    let context = context(secret_arn, version_id);
    let request = OnBehalf {
        service: SERVICE,
        key_id,
        context: &context,
    };
    let data_key = call
        .env
        .keys
        .generate_data_key(call, &request)
        .map_err(|e| errors::kms(e, true))?;
    let material = KeyMaterial::from_bytes(&data_key.plaintext)
        .map_err(|_| rampart_service::internal_error())?;
    let ciphertext = blob::encrypt(&material, &ENVELOPE_ID, 0, value.bytes(), &context)
        .map_err(|_| rampart_service::internal_error())?;
    let sealed = Sealed {
        key_arn: data_key.key_arn.clone(),
        data_key: B64.encode(&data_key.ciphertext_blob),
        ciphertext: B64.encode(ciphertext),
        binary: matches!(value, Plain::Binary(_)),
    };
    let bytes = serde_json::to_vec(&sealed).map_err(|_| rampart_service::internal_error())?;
    Ok((bytes, data_key.key_arn))
}

/// Opens the stored bytes of version `version_id` of `secret_arn`.
pub(crate) fn open(
    call: &Call<'_>,
    secret_arn: &str,
    version_id: &str,
    stored: &[u8],
) -> Result<Plain, AwsError> {
    let damaged = || {
        tracing::error!("secretsmanager: a stored secret value does not open");
        rampart_service::internal_error()
    };
    let sealed: Sealed = serde_json::from_slice(stored).map_err(|_| damaged())?;
    let context = context(secret_arn, version_id);
    let request = OnBehalf {
        service: SERVICE,
        key_id: Some(&sealed.key_arn),
        context: &context,
    };
    let data_key_blob = B64.decode(&sealed.data_key).map_err(|_| damaged())?;
    let data_key = call
        .env
        .keys
        .decrypt(call, &request, &data_key_blob)
        .map_err(|e| errors::kms(e, false))?;
    let material = KeyMaterial::from_bytes(&data_key).map_err(|_| damaged())?;
    let ciphertext = B64.decode(&sealed.ciphertext).map_err(|_| damaged())?;
    let plain = blob::decrypt(&material, &ciphertext, &context).map_err(|_| damaged())?;
    if sealed.binary {
        Ok(Plain::Binary(plain))
    } else {
        let text = String::from_utf8(plain.to_vec()).map_err(|_| damaged())?;
        Ok(Plain::Text(Zeroizing::new(text)))
    }
}
