//! SecureString values through KMS, on the caller's behalf (`Env::keys`), with the encryption
//! context AWS uses: `{"PARAMETER_ARN": "<the parameter's ARN>"}`.
//!
//! Standard parameters are encrypted directly with KMS Encrypt (at most 4096 bytes). Advanced
//! parameters use envelope encryption: a KMS data key (GenerateDataKey) seals the value with
//! AES-256-GCM, and the envelope keeps the encrypted data key beside the sealed value:
//! `len(data key blob) as u16 big-endian ‖ data key blob ‖ sealed value`, base64.
//! WithDecryption=false shows the stored base64 text, as AWS shows the ciphertext.

use crate::errors;
use crate::record::{Stored, Tier, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rampart_crypto::kms::{self as crypto, KeyMaterial};
use rampart_protocol::AwsError;
use rampart_service::{Call, EncryptionContext, OnBehalf};
use zeroize::Zeroizing;

/// The endpoint prefix Parameter Store calls KMS as (`kms:ViaService` is
/// `ssm.<region>.amazonaws.com`, the AWS managed key `alias/aws/ssm`).
pub(crate) const SERVICE: &str = "ssm";

/// The name of the AWS managed key, as DescribeParameters shows it.
pub(crate) const DEFAULT_KEY: &str = "alias/aws/ssm";

/// The key id the envelope's inner seal names: the data key is not a KMS key.
const ENVELOPE_KEY_ID: [u8; 16] = [0; 16];

/// The encryption context of parameter `arn`.
pub(crate) fn context(arn: &str) -> EncryptionContext {
    EncryptionContext::from([("PARAMETER_ARN".to_owned(), arn.to_owned())])
}

/// A value sealed for storage and the ARN of the KMS key that sealed it.
pub(crate) struct Sealed {
    /// What to store.
    pub stored: Stored,
    /// The KMS key's ARN.
    pub key_arn: String,
}

/// Encrypts `plaintext` for parameter `arn` under `key_id` (`None`: the AWS managed key).
pub(crate) fn seal(
    call: &Call<'_>,
    key_id: Option<&str>,
    arn: &str,
    tier: Tier,
    plaintext: &str,
) -> Result<Sealed, AwsError> {
    let context = context(arn);
    let keys = &call.env.keys;
    let request = OnBehalf {
        service: SERVICE,
        key_id,
        context: &context,
    };
    match tier {
        Tier::Standard => {
            let key_arn = keys
                .key_arn(call, &request)
                .map_err(|e| kms_error(call, e))?;
            let named = OnBehalf {
                key_id: Some(&key_arn),
                ..request
            };
            let blob = keys
                .encrypt(call, &named, plaintext.as_bytes())
                .map_err(|e| kms_error(call, e))?;
            Ok(Sealed {
                stored: Stored::Kms(B64.encode(blob)),
                key_arn,
            })
        }
        Tier::Advanced => {
            let data_key = keys
                .generate_data_key(call, &request)
                .map_err(|e| kms_error(call, e))?;
            let material = KeyMaterial::from_bytes(&data_key.plaintext)
                .map_err(|_| errors::internal("data key of the wrong size"))?;
            let sealed = crypto::encrypt(
                &material,
                &ENVELOPE_KEY_ID,
                0,
                plaintext.as_bytes(),
                &context,
            )
            .map_err(|_| errors::internal("envelope seal"))?;
            let blob_len = u16::try_from(data_key.ciphertext_blob.len())
                .map_err(|_| errors::internal("data key blob too long"))?;
            let mut envelope = Vec::with_capacity(2 + blob_len as usize + sealed.len());
            envelope.extend_from_slice(&blob_len.to_be_bytes());
            envelope.extend_from_slice(&data_key.ciphertext_blob);
            envelope.extend_from_slice(&sealed);
            Ok(Sealed {
                stored: Stored::Envelope(B64.encode(envelope)),
                key_arn: data_key.key_arn,
            })
        }
    }
}

/// The plaintext of a SecureString `version` of parameter `arn`, decrypted on the caller's
/// behalf; a plain value as it is.
pub(crate) fn open(
    call: &Call<'_>,
    version: &Version,
    arn: &str,
) -> Result<Zeroizing<String>, AwsError> {
    let context = context(arn);
    let request = OnBehalf {
        service: SERVICE,
        key_id: version.key_arn.as_deref(),
        context: &context,
    };
    let keys = &call.env.keys;
    let bytes = match &version.value {
        Stored::Plain(text) => return Ok(Zeroizing::new(text.clone())),
        Stored::Kms(text) => {
            let blob = B64
                .decode(text)
                .map_err(|_| errors::internal("stored ciphertext is not base64"))?;
            keys.decrypt(call, &request, &blob)
                .map_err(|e| kms_error(call, e))?
        }
        Stored::Envelope(text) => {
            let envelope = B64
                .decode(text)
                .map_err(|_| errors::internal("stored envelope is not base64"))?;
            let (blob, sealed) =
                split_envelope(&envelope).ok_or_else(|| errors::internal("damaged envelope"))?;
            let data_key = keys
                .decrypt(call, &request, blob)
                .map_err(|e| kms_error(call, e))?;
            let material = KeyMaterial::from_bytes(&data_key)
                .map_err(|_| errors::internal("data key of the wrong size"))?;
            crypto::decrypt(&material, sealed, &context)
                .map_err(|_| errors::internal("envelope does not open"))?
        }
    };
    let text = String::from_utf8(bytes.to_vec())
        .map_err(|_| errors::internal("decrypted value is not UTF-8"))?;
    Ok(Zeroizing::new(text))
}

/// The stored text a caller sees without decryption.
pub(crate) fn shown(stored: &Stored) -> &str {
    match stored {
        Stored::Plain(text) | Stored::Kms(text) | Stored::Envelope(text) => text,
    }
}

fn split_envelope(envelope: &[u8]) -> Option<(&[u8], &[u8])> {
    let len_bytes: [u8; 2] = envelope.get(..2)?.try_into().ok()?;
    let len = u16::from_be_bytes(len_bytes) as usize;
    let blob = envelope.get(2..2 + len)?;
    let sealed = envelope.get(2 + len..)?;
    Some((blob, sealed))
}

/// KMS's answer as Parameter Store passes it on: a denial stays `AccessDeniedException`, a key
/// that cannot serve becomes `InvalidKeyId`; both name KMS as the service that refused.
fn kms_error(call: &Call<'_>, e: AwsError) -> AwsError {
    if e.status >= 500 {
        return e;
    }
    let detail = format!(
        "{} (Service: AWSKMS; Status Code: {}; Error Code: {}; Request ID: {})",
        e.message, e.status, e.code, call.request_id
    );
    if e.code == "AccessDeniedException" {
        AwsError::new("AccessDeniedException", 400, detail)
    } else {
        errors::invalid_key_id(detail)
    }
}
