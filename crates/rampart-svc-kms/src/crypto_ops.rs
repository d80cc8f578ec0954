//! The symmetric cryptographic operations: Encrypt, Decrypt, ReEncrypt, GenerateDataKey,
//! GenerateDataKeyWithoutPlaintext and GenerateRandom (Encrypt and Decrypt hand RSA keys to
//! `asym_ops`).
//!
//! Plaintexts and data keys are held in zeroizing buffers and never reach an error or a log.

use crate::asym_ops;
use crate::errors;
use crate::key::{self, KeyRecord};
use crate::resolve::{Accept, resolve};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rampart_crypto::kms::{self as blob, random_vec};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use zeroize::Zeroizing;

/// The only algorithm of symmetric keys.
const SYMMETRIC_DEFAULT: &str = "SYMMETRIC_DEFAULT";
/// Largest plaintext of Encrypt, in bytes.
pub(crate) const MAX_PLAINTEXT: usize = 4096;
/// Largest ciphertext blob, in bytes.
const MAX_CIPHERTEXT: usize = 6144;
/// Largest data key or random string, in bytes.
const MAX_RANDOM: i64 = 1024;

pub(crate) type Context = BTreeMap<String, String>;

pub(crate) fn register(registry: &mut Registry) {
    registry.register("kms", "Encrypt", true, encrypt);
    registry.register("kms", "Decrypt", true, decrypt);
    registry.register("kms", "ReEncrypt", true, re_encrypt);
    registry.register("kms", "GenerateDataKey", true, |c, i| {
        generate_data_key(c, i, true)
    });
    registry.register("kms", "GenerateDataKeyWithoutPlaintext", true, |c, i| {
        generate_data_key(c, i, false)
    });
    registry.register("kms", "GenerateRandom", true, generate_random);
}

/// Refuses an algorithm other than SYMMETRIC_DEFAULT for a symmetric key.
fn check_algorithm(algorithm: Option<&str>) -> Result<&'static str, AwsError> {
    match algorithm {
        None | Some(SYMMETRIC_DEFAULT) => Ok(SYMMETRIC_DEFAULT),
        Some(_) => Err(errors::invalid_key_usage(
            "The requested encryption algorithm is not supported by this KMS key; symmetric keys support SYMMETRIC_DEFAULT only.",
        )),
    }
}

/// Refuses a Nitro `Recipient`: answering in plaintext where the caller asked for a
/// ciphertext for its enclave would defeat the point, and attestation is not implemented.
pub(crate) fn refuse_recipient(recipient: &Option<Value>) -> Result<(), AwsError> {
    match recipient {
        Some(_) => Err(errors::unsupported(
            "Recipient (Nitro attestation) is not supported by this server yet.",
        )),
        None => Ok(()),
    }
}

/// Decodes a base64 blob member (the protocol layer already checked it is base64).
pub(crate) fn decode(member: &str, text: &str) -> Result<Zeroizing<Vec<u8>>, AwsError> {
    B64.decode(text)
        .map(Zeroizing::new)
        .map_err(|_| errors::validation(format!("Value at '{member}' is not valid base64.")))
}

/// Seals `plaintext` under the key's current backing version; only symmetric keys do.
pub(crate) fn seal(
    call: &Call<'_>,
    operation: &str,
    record: &KeyRecord,
    plaintext: &[u8],
    context: &Context,
) -> Result<Vec<u8>, AwsError> {
    record.require_usage(&["ENCRYPT_DECRYPT"], operation)?;
    if record.key_spec != SYMMETRIC_DEFAULT {
        return Err(errors::invalid_key_usage(format!(
            "{} key spec is {} which is not valid for {operation}.",
            record.arn, record.key_spec
        )));
    }
    let (version, material) = record.current_material(call)?;
    blob::encrypt(&material, &record.id_bytes()?, version, plaintext, context)
        .map_err(|_| errors::internal("encryption failed"))
}

/// Opens a ciphertext blob: finds its key (checking it against `key_id` when given), requires
/// the key be usable, and decrypts. Every failure of the blob itself is
/// InvalidCiphertextException.
fn open(
    call: &Call<'_>,
    ciphertext: &str,
    key_id: Option<&str>,
    context: &Context,
) -> Result<(Arc<KeyRecord>, Zeroizing<Vec<u8>>), AwsError> {
    open_bytes(
        call,
        &decode("ciphertextBlob", ciphertext)?,
        key_id,
        context,
    )
}

/// [`open`] over the blob's bytes.
pub(crate) fn open_bytes(
    call: &Call<'_>,
    bytes: &[u8],
    key_id: Option<&str>,
    context: &Context,
) -> Result<(Arc<KeyRecord>, Zeroizing<Vec<u8>>), AwsError> {
    if bytes.is_empty() || bytes.len() > MAX_CIPHERTEXT {
        return Err(errors::constraint(
            "ciphertextBlob",
            "Member must have length between 1 and 6144",
        ));
    }
    let header = blob::parse_blob(bytes).map_err(|_| errors::invalid_ciphertext())?;
    let record = match key_id {
        // The named key, possibly another account's, must be the blob's.
        Some(key_id) => {
            let (named, _) = resolve(call, key_id, Accept::AcrossAccounts)?;
            if named.id_bytes()? != header.key_id {
                return Err(errors::incorrect_key());
            }
            named
        }
        None => {
            key::load_by_id_bytes(call, &header.key_id)?
                .ok_or_else(errors::invalid_ciphertext)?
                .0
        }
    };
    record.require_usable()?;
    let material = record
        .material(call, header.backing_version)?
        .ok_or_else(errors::invalid_ciphertext)?;
    let plaintext =
        blob::decrypt(&material, bytes, context).map_err(|_| errors::invalid_ciphertext())?;
    Ok((record, plaintext))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EncryptInput {
    key_id: String,
    plaintext: String,
    #[serde(default)]
    encryption_context: Context,
    encryption_algorithm: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

fn encrypt(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: EncryptInput = from_input(input, "ValidationException")?;
    let plaintext = decode("plaintext", &input.plaintext)?;
    if plaintext.is_empty() || plaintext.len() > MAX_PLAINTEXT {
        return Err(errors::constraint(
            "plaintext",
            "Member must have length between 1 and 4096",
        ));
    }
    let (record, _) = resolve(call, &input.key_id, Accept::AcrossAccounts)?;
    record.require_usable()?;
    if record.key_spec != SYMMETRIC_DEFAULT && record.key_usage == "ENCRYPT_DECRYPT" {
        return asym_ops::rsa_encrypt(
            call,
            &record,
            &plaintext,
            input.encryption_algorithm.as_deref(),
            &input.encryption_context,
            input.dry_run,
        );
    }
    let algorithm = check_algorithm(input.encryption_algorithm.as_deref())?;
    if input.dry_run {
        return Err(errors::dry_run());
    }
    let ciphertext = seal(
        call,
        "Encrypt",
        &record,
        &plaintext,
        &input.encryption_context,
    )?;
    Ok(json!({
        "CiphertextBlob": B64.encode(ciphertext),
        "KeyId": record.arn,
        "EncryptionAlgorithm": algorithm,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DecryptInput {
    ciphertext_blob: String,
    #[serde(default)]
    encryption_context: Context,
    key_id: Option<String>,
    encryption_algorithm: Option<String>,
    recipient: Option<Value>,
    #[serde(default)]
    dry_run: bool,
}

fn decrypt(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DecryptInput = from_input(input, "ValidationException")?;
    refuse_recipient(&input.recipient)?;
    if let Some(key_id) = &input.key_id {
        let (record, _) = resolve(call, key_id, Accept::AcrossAccounts)?;
        if record.key_spec != SYMMETRIC_DEFAULT {
            record.require_usable()?;
            return asym_ops::rsa_decrypt(
                call,
                &record,
                &decode("ciphertextBlob", &input.ciphertext_blob)?,
                input.encryption_algorithm.as_deref(),
                input.dry_run,
            );
        }
    }
    let algorithm = check_algorithm(input.encryption_algorithm.as_deref())?;
    let (record, plaintext) = open(
        call,
        &input.ciphertext_blob,
        input.key_id.as_deref(),
        &input.encryption_context,
    )?;
    if input.dry_run {
        return Err(errors::dry_run());
    }
    Ok(json!({
        "KeyId": record.arn,
        "Plaintext": B64.encode(plaintext.as_slice()),
        "EncryptionAlgorithm": algorithm,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ReEncryptInput {
    ciphertext_blob: String,
    #[serde(default)]
    source_encryption_context: Context,
    source_key_id: Option<String>,
    destination_key_id: String,
    #[serde(default)]
    destination_encryption_context: Context,
    source_encryption_algorithm: Option<String>,
    destination_encryption_algorithm: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

fn re_encrypt(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ReEncryptInput = from_input(input, "ValidationException")?;
    let (destination, _) = resolve(call, &input.destination_key_id, Accept::AcrossAccounts)?;
    destination.require_usable()?;
    let destination_algorithm = input.destination_encryption_algorithm.as_deref();
    if destination.key_spec == SYMMETRIC_DEFAULT {
        check_algorithm(destination_algorithm)?;
    }
    let source_algorithm = input.source_encryption_algorithm.as_deref();
    let rsa_source = match &input.source_key_id {
        Some(key_id) => Some(resolve(call, key_id, Accept::AcrossAccounts)?.0)
            .filter(|r| r.key_spec != SYMMETRIC_DEFAULT),
        None => None,
    };
    let (source, plaintext, source_algorithm) = match rsa_source {
        Some(source) => {
            source.require_usable()?;
            let (key, hash) =
                asym_ops::rsa_decryption(call, "ReEncrypt", &source, source_algorithm)?;
            let ciphertext = decode("ciphertextBlob", &input.ciphertext_blob)?;
            let plaintext = asym_ops::rsa_open(&key, hash, &ciphertext)?;
            (source, plaintext, hash.name())
        }
        None => {
            let algorithm = check_algorithm(source_algorithm)?;
            let (source, plaintext) = open(
                call,
                &input.ciphertext_blob,
                input.source_key_id.as_deref(),
                &input.source_encryption_context,
            )?;
            (source, plaintext, algorithm)
        }
    };
    let context = &input.destination_encryption_context;
    let rsa_destination = if destination.key_spec == SYMMETRIC_DEFAULT {
        None
    } else {
        let plan = asym_ops::rsa_encryption(
            call,
            "ReEncrypt",
            &destination,
            plaintext.len(),
            destination_algorithm,
            context,
        )?;
        Some(plan)
    };
    if input.dry_run {
        return Err(errors::dry_run());
    }
    let (ciphertext, destination_algorithm) = match rsa_destination {
        Some((key, hash)) => (asym_ops::rsa_seal(&key, hash, &plaintext)?, hash.name()),
        None => (
            seal(call, "ReEncrypt", &destination, &plaintext, context)?,
            SYMMETRIC_DEFAULT,
        ),
    };
    Ok(json!({
        "CiphertextBlob": B64.encode(ciphertext),
        "SourceKeyId": source.arn,
        "KeyId": destination.arn,
        "SourceEncryptionAlgorithm": source_algorithm,
        "DestinationEncryptionAlgorithm": destination_algorithm,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DataKeyInput {
    key_id: String,
    #[serde(default)]
    encryption_context: Context,
    number_of_bytes: Option<i64>,
    key_spec: Option<String>,
    recipient: Option<Value>,
    #[serde(default)]
    dry_run: bool,
}

/// Checks a byte count against 1..=1024 for `member`.
fn check_count(member: &str, n: i64) -> Result<usize, AwsError> {
    if (1..=MAX_RANDOM).contains(&n) {
        Ok(n as usize)
    } else {
        Err(errors::validation(format!(
            "1 validation error detected: Value '{n}' at '{member}' failed to satisfy constraint: Member must have value between 1 and 1024"
        )))
    }
}

fn data_key_length(input: &DataKeyInput) -> Result<usize, AwsError> {
    match (input.number_of_bytes, input.key_spec.as_deref()) {
        (Some(_), Some(_)) => Err(errors::validation(
            "Please specify either number of bytes or key spec, not both.",
        )),
        (None, None) => Err(errors::validation(
            "Please specify either number of bytes or key spec.",
        )),
        (Some(n), None) => check_count("numberOfBytes", n),
        (None, Some("AES_256")) => Ok(32),
        (None, Some("AES_128")) => Ok(16),
        (None, Some(spec)) => Err(errors::validation(format!(
            "1 validation error detected: Value '{spec}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]"
        ))),
    }
}

fn generate_data_key(
    call: &Call<'_>,
    input: Value,
    with_plaintext: bool,
) -> Result<Value, AwsError> {
    let input: DataKeyInput = from_input(input, "ValidationException")?;
    refuse_recipient(&input.recipient)?;
    let len = data_key_length(&input)?;
    let (record, _) = resolve(call, &input.key_id, Accept::AcrossAccounts)?;
    record.require_usable()?;
    if input.dry_run {
        return Err(errors::dry_run());
    }
    let data_key = random_vec(len).ok_or_else(|| errors::internal("randomness failed"))?;
    let operation = if with_plaintext {
        "GenerateDataKey"
    } else {
        "GenerateDataKeyWithoutPlaintext"
    };
    let ciphertext = seal(
        call,
        operation,
        &record,
        &data_key,
        &input.encryption_context,
    )?;
    let mut out = json!({
        "CiphertextBlob": B64.encode(ciphertext),
        "KeyId": record.arn,
    });
    if with_plaintext {
        out["Plaintext"] = json!(B64.encode(data_key.as_slice()));
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RandomInput {
    number_of_bytes: Option<i64>,
    custom_key_store_id: Option<String>,
    recipient: Option<Value>,
}

fn generate_random(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: RandomInput = from_input(input, "ValidationException")?;
    refuse_recipient(&input.recipient)?;
    let n = input
        .number_of_bytes
        .ok_or_else(|| errors::validation("NumberOfBytes is required."))?;
    let len = check_count("numberOfBytes", n)?;
    let bytes = match &input.custom_key_store_id {
        Some(store) => Zeroizing::new(crate::cks::random(call, store, len)?),
        None => random_vec(len).ok_or_else(|| errors::internal("randomness failed"))?,
    };
    Ok(json!({ "Plaintext": B64.encode(bytes.as_slice()) }))
}
