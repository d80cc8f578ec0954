//! The operations of asymmetric and HMAC keys: GetPublicKey, Sign, Verify, RSA Encrypt and
//! Decrypt, DeriveSharedSecret, ML-KEM Encapsulate and Decapsulate, GenerateMac, VerifyMac, and
//! GenerateDataKeyPair(WithoutPlaintext)
//! (a fresh key pair whose private key is sealed under a symmetric KMS key).
//!
//! Private keys are opened from the store for each call and zeroized when dropped; they, the
//! messages and the shared secrets never reach an error or a log.

use crate::crypto_ops::{Context, decode, refuse_recipient, seal};
use crate::errors;
use crate::key::KeyRecord;
use crate::resolve::{Accept, resolve};
use crate::spec::{self, Kind};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rampart_crypto::kms::{
    AsymmetricError, AsymmetricSpec, Message, OaepHash, PrivateKey, SigningAlgorithm,
};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use zeroize::Zeroizing;

/// Largest message of Sign, Verify, GenerateMac and VerifyMac, in bytes.
const MAX_MESSAGE: usize = 4096;

pub(crate) fn register(registry: &mut Registry) {
    registry.register("kms", "GetPublicKey", true, get_public_key);
    registry.register("kms", "Sign", true, sign);
    registry.register("kms", "Verify", true, verify);
    registry.register("kms", "GenerateMac", true, generate_mac);
    registry.register("kms", "VerifyMac", true, verify_mac);
    registry.register("kms", "DeriveSharedSecret", true, derive_shared_secret);
    registry.register("kms", "Encapsulate", true, encapsulate);
    registry.register("kms", "Decapsulate", true, decapsulate);
    registry.register("kms", "GenerateDataKeyPair", true, |c, i| {
        generate_data_key_pair(c, i, true)
    });
    registry.register(
        "kms",
        "GenerateDataKeyPairWithoutPlaintext",
        true,
        |c, i| generate_data_key_pair(c, i, false),
    );
}

/// The private key of an asymmetric key record; UnsupportedOperationException for others.
fn private_key(call: &Call<'_>, record: &KeyRecord) -> Result<Arc<PrivateKey>, AwsError> {
    match spec::kind(&record.key_spec) {
        Some(Kind::Asymmetric(_)) => record.private_key(call),
        _ => Err(errors::unsupported(format!(
            "{} key spec {} is not supported for this operation.",
            record.arn, record.key_spec
        ))),
    }
}

/// The usable key `key_id` names, with a usage among `usages` for `operation`.
fn usable(
    call: &Call<'_>,
    key_id: &str,
    usages: &[&str],
    operation: &str,
) -> Result<Arc<KeyRecord>, AwsError> {
    let (record, _) = resolve(call, key_id, Accept::AcrossAccounts)?;
    record.require_usable()?;
    record.require_usage(usages, operation)?;
    Ok(record)
}

/// A message member, 1..=4096 bytes.
fn message(member: &str, text: &str) -> Result<Zeroizing<Vec<u8>>, AwsError> {
    let bytes = decode(member, text)?;
    if bytes.is_empty() || bytes.len() > MAX_MESSAGE {
        return Err(errors::constraint(
            member,
            "Member must have length between 1 and 4096",
        ));
    }
    Ok(bytes)
}

/// Refuses an algorithm the key's spec does not have.
fn algorithm_mismatch(record: &KeyRecord, algorithm: &str) -> AwsError {
    errors::invalid_key_usage(format!(
        "Algorithm {algorithm} is incompatible with key spec {}.",
        record.key_spec
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeyIdInput {
    key_id: String,
}

fn get_public_key(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: KeyIdInput = from_input(input, "ValidationException")?;
    let (record, _) = resolve(call, &input.key_id, Accept::AcrossAccounts)?;
    record.require_usable()?;
    let public = match spec::kind(&record.key_spec) {
        Some(Kind::Kem(_)) => record.kem_key(call)?.public_key_der(),
        _ => private_key(call, &record)?.public_key_der(),
    }
    .map_err(|_| errors::internal("public key encoding failed"))?;
    let mut out = json!({
        "KeyId": record.arn,
        "PublicKey": B64.encode(public),
        "CustomerMasterKeySpec": record.key_spec,
        "KeySpec": record.key_spec,
        "KeyUsage": record.key_usage,
    });
    for (member, algorithms) in spec::algorithms(&record.key_spec, &record.key_usage) {
        out[member] = json!(algorithms);
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SignInput {
    key_id: String,
    message: String,
    message_type: Option<String>,
    signing_algorithm: String,
    signature: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

/// The signing key, algorithm and message of a Sign or Verify request.
fn signing(
    call: &Call<'_>,
    input: &SignInput,
    operation: &str,
) -> Result<(Arc<KeyRecord>, Arc<PrivateKey>, SigningAlgorithm), AwsError> {
    let record = usable(call, &input.key_id, &["SIGN_VERIFY"], operation)?;
    let key = private_key(call, &record)?;
    let algorithm = SigningAlgorithm::from_name(&input.signing_algorithm)
        .filter(|a| key.spec().signing_algorithms().contains(a))
        .ok_or_else(|| algorithm_mismatch(&record, &input.signing_algorithm))?;
    Ok((record, key, algorithm))
}

/// `MessageType` as a [`Message`] over `bytes`.
fn typed<'m>(kind: Option<&str>, bytes: &'m [u8]) -> Result<Message<'m>, AwsError> {
    match kind {
        None | Some("RAW") => Ok(Message::Raw(bytes)),
        Some("DIGEST") => Ok(Message::Digest(bytes)),
        Some("EXTERNAL_MU") => Err(errors::unsupported(
            "MessageType EXTERNAL_MU is not supported by this server.",
        )),
        Some(other) => Err(errors::validation(format!(
            "1 validation error detected: Value '{other}' at 'messageType' failed to satisfy constraint: Member must satisfy enum value set: [RAW, DIGEST, EXTERNAL_MU]"
        ))),
    }
}

/// Ed25519's message types: ED25519_SHA_512 signs RAW messages only and ED25519_PH_SHA_512
/// DIGEST (SHA-512) messages only (AWS's rule; the two are not interchangeable).
fn check_message_type(algorithm: SigningAlgorithm, message: &Message<'_>) -> Result<(), AwsError> {
    let required = match (algorithm, message) {
        (SigningAlgorithm::Ed25519Sha512, Message::Digest(_)) => "RAW",
        (SigningAlgorithm::Ed25519PhSha512, Message::Raw(_)) => "DIGEST",
        _ => return Ok(()),
    };
    Err(errors::validation(format!(
        "The {} signing algorithm requires MessageType {required}.",
        algorithm.name()
    )))
}

/// AWS's errors for what signing refuses: a digest of the wrong length, ML-DSA over a digest,
/// Ed25519ph (not implemented here).
fn signing_error(e: AsymmetricError, algorithm: SigningAlgorithm) -> AwsError {
    match e {
        AsymmetricError::Unsupported => errors::unsupported(format!(
            "The {} signing algorithm is not supported by this server yet.",
            algorithm.name()
        )),
        AsymmetricError::WrongAlgorithm => errors::validation(format!(
            "Digest is invalid length for algorithm {}.",
            algorithm.name()
        )),
        _ => errors::internal("signing failed"),
    }
}

fn sign(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: SignInput = from_input(input, "ValidationException")?;
    let bytes = message("message", &input.message)?;
    let (record, key, algorithm) = signing(call, &input, "Sign")?;
    let message = typed(input.message_type.as_deref(), &bytes)?;
    check_message_type(algorithm, &message)?;
    if input.dry_run {
        return Err(errors::dry_run());
    }
    let signature = key
        .sign(algorithm, message)
        .map_err(|e| signing_error(e, algorithm))?;
    Ok(json!({
        "KeyId": record.arn,
        "Signature": B64.encode(signature),
        "SigningAlgorithm": algorithm.name(),
    }))
}

fn verify(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: SignInput = from_input(input, "ValidationException")?;
    let bytes = message("message", &input.message)?;
    let signature = decode(
        "signature",
        input
            .signature
            .as_deref()
            .ok_or_else(|| errors::validation("Signature is required."))?,
    )?;
    let (record, key, algorithm) = signing(call, &input, "Verify")?;
    let message = typed(input.message_type.as_deref(), &bytes)?;
    check_message_type(algorithm, &message)?;
    if input.dry_run {
        return Err(errors::dry_run());
    }
    let valid = key
        .verify(algorithm, message, &signature)
        .map_err(|e| signing_error(e, algorithm))?;
    if !valid {
        return Err(AwsError::new("KMSInvalidSignatureException", 400, ""));
    }
    Ok(json!({
        "KeyId": record.arn,
        "SignatureValid": true,
        "SigningAlgorithm": algorithm.name(),
    }))
}

/// The key and OAEP hash of an RSA encryption of `plaintext_len` bytes under `record`,
/// checked: the algorithm, no encryption context (AWS refuses one with asymmetric keys), the
/// plaintext limit of the key size and hash.
pub(crate) fn rsa_encryption(
    call: &Call<'_>,
    operation: &str,
    record: &KeyRecord,
    plaintext_len: usize,
    algorithm: Option<&str>,
    context: &Context,
) -> Result<(Arc<PrivateKey>, OaepHash), AwsError> {
    let (key, hash) = rsa_decryption(call, operation, record, algorithm)?;
    if !context.is_empty() {
        return Err(errors::validation(
            "EncryptionContext is not supported with asymmetric KMS keys.",
        ));
    }
    let max = key
        .max_plaintext(hash)
        .map_err(|_| errors::internal("RSA key"))?;
    if plaintext_len > max {
        return Err(errors::validation(format!(
            "Plaintext is too long for {} with {}: the limit is {max} bytes.",
            record.key_spec,
            hash.name()
        )));
    }
    Ok((key, hash))
}

/// The key and OAEP hash of an RSA decryption with `record`, checked.
pub(crate) fn rsa_decryption(
    call: &Call<'_>,
    operation: &str,
    record: &KeyRecord,
    algorithm: Option<&str>,
) -> Result<(Arc<PrivateKey>, OaepHash), AwsError> {
    record.require_usage(&["ENCRYPT_DECRYPT"], operation)?;
    let name = algorithm.unwrap_or("SYMMETRIC_DEFAULT");
    let hash = OaepHash::from_name(name).ok_or_else(|| algorithm_mismatch(record, name))?;
    Ok((private_key(call, record)?, hash))
}

/// RSA-OAEP encryption; the checks are [`rsa_encryption`]'s.
pub(crate) fn rsa_seal(
    key: &PrivateKey,
    hash: OaepHash,
    plaintext: &[u8],
) -> Result<Vec<u8>, AwsError> {
    key.encrypt(hash, plaintext)
        .map_err(|_| errors::internal("RSA encryption failed"))
}

/// RSA-OAEP decryption: every failure is InvalidCiphertextException.
pub(crate) fn rsa_open(
    key: &PrivateKey,
    hash: OaepHash,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, AwsError> {
    key.decrypt(hash, ciphertext)
        .map_err(|_| errors::invalid_ciphertext())
}

/// Encrypt under an RSA key.
pub(crate) fn rsa_encrypt(
    call: &Call<'_>,
    record: &KeyRecord,
    plaintext: &[u8],
    algorithm: Option<&str>,
    context: &Context,
    dry_run: bool,
) -> Result<Value, AwsError> {
    let (key, hash) = rsa_encryption(call, "Encrypt", record, plaintext.len(), algorithm, context)?;
    if dry_run {
        return Err(errors::dry_run());
    }
    Ok(json!({
        "CiphertextBlob": B64.encode(rsa_seal(&key, hash, plaintext)?),
        "KeyId": record.arn,
        "EncryptionAlgorithm": hash.name(),
    }))
}

/// Decrypt with an RSA key.
pub(crate) fn rsa_decrypt(
    call: &Call<'_>,
    record: &KeyRecord,
    ciphertext: &[u8],
    algorithm: Option<&str>,
    dry_run: bool,
) -> Result<Value, AwsError> {
    let (key, hash) = rsa_decryption(call, "Decrypt", record, algorithm)?;
    if dry_run {
        return Err(errors::dry_run());
    }
    let plaintext = rsa_open(&key, hash, ciphertext)?;
    Ok(json!({
        "KeyId": record.arn,
        "Plaintext": B64.encode(plaintext.as_slice()),
        "EncryptionAlgorithm": hash.name(),
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MacInput {
    key_id: String,
    message: String,
    mac_algorithm: String,
    mac: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

/// The HMAC key and its algorithm check for GenerateMac and VerifyMac.
fn mac_of(call: &Call<'_>, input: &MacInput, operation: &str) -> Result<Arc<KeyRecord>, AwsError> {
    let record = usable(call, &input.key_id, &["GENERATE_VERIFY_MAC"], operation)?;
    let expected = match spec::kind(&record.key_spec) {
        Some(Kind::Mac(spec)) => spec.algorithm(),
        _ => "",
    };
    if input.mac_algorithm != expected {
        return Err(algorithm_mismatch(&record, &input.mac_algorithm));
    }
    Ok(record)
}

fn generate_mac(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: MacInput = from_input(input, "ValidationException")?;
    let bytes = message("message", &input.message)?;
    let record = mac_of(call, &input, "GenerateMac")?;
    if input.dry_run {
        return Err(errors::dry_run());
    }
    let mac = record.mac_key(call)?.sign(&bytes);
    Ok(json!({
        "KeyId": record.arn,
        "Mac": B64.encode(mac),
        "MacAlgorithm": input.mac_algorithm,
    }))
}

fn verify_mac(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: MacInput = from_input(input, "ValidationException")?;
    let bytes = message("message", &input.message)?;
    let tag = decode(
        "mac",
        input
            .mac
            .as_deref()
            .ok_or_else(|| errors::validation("Mac is required."))?,
    )?;
    let record = mac_of(call, &input, "VerifyMac")?;
    if input.dry_run {
        return Err(errors::dry_run());
    }
    if !record.mac_key(call)?.verify(&bytes, &tag) {
        return Err(AwsError::new("KMSInvalidMacException", 400, ""));
    }
    Ok(json!({
        "KeyId": record.arn,
        "MacValid": true,
        "MacAlgorithm": input.mac_algorithm,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeriveInput {
    key_id: String,
    key_agreement_algorithm: String,
    public_key: String,
    recipient: Option<Value>,
    #[serde(default)]
    dry_run: bool,
}

fn derive_shared_secret(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: DeriveInput = from_input(input, "ValidationException")?;
    refuse_recipient(&input.recipient)?;
    let peer = decode("publicKey", &input.public_key)?;
    let record = usable(
        call,
        &input.key_id,
        &["KEY_AGREEMENT"],
        "DeriveSharedSecret",
    )?;
    if input.key_agreement_algorithm != "ECDH" {
        return Err(algorithm_mismatch(&record, &input.key_agreement_algorithm));
    }
    let key = private_key(call, &record)?;
    if input.dry_run {
        return Err(errors::dry_run());
    }
    let secret = key.derive_shared_secret(&peer).map_err(|_| {
        errors::validation(format!(
            "The public key is not a valid DER-encoded SubjectPublicKeyInfo for {}.",
            record.key_spec
        ))
    })?;
    Ok(json!({
        "KeyId": record.arn,
        "SharedSecret": B64.encode(secret.as_slice()),
        "KeyAgreementAlgorithm": "ECDH",
        "KeyOrigin": record.origin,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KemInput {
    key_id: String,
    encapsulation_algorithm: String,
    shared_secret_ciphertext_blob: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

/// The ML-KEM key of an Encapsulate or Decapsulate request.
fn kem_of(call: &Call<'_>, input: &KemInput, operation: &str) -> Result<Arc<KeyRecord>, AwsError> {
    let record = usable(call, &input.key_id, &["ENCAPSULATE_DECAPSULATE"], operation)?;
    if input.encapsulation_algorithm != "ML_KEM" {
        return Err(algorithm_mismatch(&record, &input.encapsulation_algorithm));
    }
    Ok(record)
}

fn encapsulate(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: KemInput = from_input(input, "ValidationException")?;
    let record = kem_of(call, &input, "Encapsulate")?;
    if input.dry_run {
        return Err(errors::dry_run());
    }
    let (ciphertext, secret) = record
        .kem_key(call)?
        .encapsulate()
        .map_err(|_| errors::internal("encapsulation failed"))?;
    Ok(json!({
        "KeyId": record.arn,
        "SharedSecret": B64.encode(secret.as_slice()),
        "SharedSecretCiphertextBlob": B64.encode(ciphertext),
        "EncapsulationAlgorithm": "ML_KEM",
    }))
}

/// Decapsulate: only a ciphertext of the wrong length is InvalidCiphertextException; any
/// other yields a secret (ML-KEM's implicit rejection, as AWS documents).
fn decapsulate(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: KemInput = from_input(input, "ValidationException")?;
    let ciphertext = decode(
        "sharedSecretCiphertextBlob",
        input
            .shared_secret_ciphertext_blob
            .as_deref()
            .ok_or_else(|| errors::validation("SharedSecretCiphertextBlob is required."))?,
    )?;
    let record = kem_of(call, &input, "Decapsulate")?;
    if input.dry_run {
        return Err(errors::dry_run());
    }
    let secret = record
        .kem_key(call)?
        .decapsulate(&ciphertext)
        .map_err(|_| errors::invalid_ciphertext())?;
    Ok(json!({
        "KeyId": record.arn,
        "SharedSecret": B64.encode(secret.as_slice()),
        "EncapsulationAlgorithm": "ML_KEM",
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PairInput {
    key_id: String,
    key_pair_spec: String,
    #[serde(default)]
    encryption_context: Context,
    recipient: Option<Value>,
    #[serde(default)]
    dry_run: bool,
}

/// The data key pair specs (`DataKeyPairSpec`) of the model; the ones without an
/// [`AsymmetricSpec`] here are refused as unsupported.
const PAIR_SPECS: &[&str] = &[
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "ECC_NIST_P256",
    "ECC_NIST_P384",
    "ECC_NIST_P521",
    "ECC_SECG_P256K1",
    "SM2",
    "ECC_NIST_EDWARDS25519",
    "ML_KEM_512",
    "ML_KEM_768",
    "ML_KEM_1024",
];

fn generate_data_key_pair(
    call: &Call<'_>,
    input: Value,
    with_plaintext: bool,
) -> Result<Value, AwsError> {
    let input: PairInput = from_input(input, "ValidationException")?;
    refuse_recipient(&input.recipient)?;
    if !PAIR_SPECS.contains(&input.key_pair_spec.as_str()) {
        return Err(errors::validation(format!(
            "1 validation error detected: Value '{}' at 'keyPairSpec' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            input.key_pair_spec,
            PAIR_SPECS.join(", ")
        )));
    }
    let pair_spec = AsymmetricSpec::from_name(&input.key_pair_spec)
        .filter(|s| s.is_rsa() || s.is_ecc())
        .ok_or_else(|| {
            errors::unsupported(format!(
                "KeyPairSpec {} is not supported by this server.",
                input.key_pair_spec
            ))
        })?;
    let operation = if with_plaintext {
        "GenerateDataKeyPair"
    } else {
        "GenerateDataKeyPairWithoutPlaintext"
    };
    let record = usable(call, &input.key_id, &["ENCRYPT_DECRYPT"], operation)?;
    if input.dry_run {
        return Err(errors::dry_run());
    }
    let pair = PrivateKey::generate(pair_spec).map_err(|_| errors::internal("key generation"))?;
    let public = pair
        .public_key_der()
        .map_err(|_| errors::internal("public key encoding failed"))?;
    let sealed = seal(
        call,
        operation,
        &record,
        pair.pkcs8(),
        &input.encryption_context,
    )?;
    let mut out = json!({
        "PrivateKeyCiphertextBlob": B64.encode(sealed),
        "PublicKey": B64.encode(public),
        "KeyId": record.arn,
        "KeyPairSpec": input.key_pair_spec,
    });
    if with_plaintext {
        out["PrivateKeyPlaintext"] = json!(B64.encode(pair.pkcs8()));
    }
    Ok(out)
}
