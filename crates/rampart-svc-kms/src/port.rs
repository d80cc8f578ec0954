//! KMS for the other services ([`Keys`]): a forward access on the caller's behalf. Each use asks
//! exactly the accesses KMS's authorization table asks for the same operation called directly,
//! plus what marks a call made through a service (`kms:ViaService`, `aws:ViaAWSService`,
//! `aws:CalledVia`), and checks them through the request's guard before any cryptography.

use crate::crypto_ops::{self, MAX_PLAINTEXT};
use crate::errors;
use crate::managed;
use crate::resolve::{Accept, alias_arn, resolve};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rampart_crypto::kms::random_vec;
use rampart_protocol::AwsError;
use rampart_service::{Access, Call, DataKey, KeyService, OnBehalf};
use serde_json::{Value, json};
use std::sync::Arc;
use zeroize::Zeroizing;

/// The [`KeyService`] KMS offers the other services of the same server.
#[derive(Debug, Default, Clone, Copy)]
pub struct Keys;

impl Keys {
    /// The KMS port.
    pub fn new() -> Self {
        Keys
    }
}

/// The key id the request names: its own, or the service's AWS managed key (made on first use)
/// when it names none or names that key's alias.
fn named_key(call: &Call<'_>, request: &OnBehalf<'_>) -> Result<String, AwsError> {
    let managed_alias = managed::alias(request.service);
    match request.key_id {
        Some(id) if id != managed_alias && id != alias_arn(call, &managed_alias) => {
            Ok(id.to_owned())
        }
        _ => managed::key_id(call, request.service),
    }
}

/// The accesses KMS's table asks for `operation` with `input`, as asked through `service`.
pub(crate) fn via_accesses(
    call: &Call<'_>,
    service: &str,
    operation: &str,
    input: &Value,
) -> Result<Vec<Access>, AwsError> {
    let via = managed::via_service(call, service);
    let called_via = format!(
        "{service}.{}",
        managed::dns_suffix(call.env.partition.as_str())
    );
    Ok(crate::authz::table(call, operation, input)?
        .into_iter()
        .map(|access| {
            access
                .with("kms:ViaService", via.clone())
                .with("aws:ViaAWSService", "true")
                .with_multi("aws:CalledVia", [called_via.clone()])
                .with("aws:CalledViaFirst", called_via.clone())
                .with("aws:CalledViaLast", called_via.clone())
        })
        .collect())
}

/// Checks, through the request's guard, every access `operation` with `input` needs when
/// `service` asks it.
fn check(call: &Call<'_>, service: &str, operation: &str, input: &Value) -> Result<(), AwsError> {
    via_accesses(call, service, operation, input)?
        .iter()
        .try_for_each(|access| call.guard.check(access))
}

/// The usable key `key_id` names, for `operation`.
fn usable(call: &Call<'_>, key_id: &str) -> Result<Arc<crate::key::KeyRecord>, AwsError> {
    let (record, _) = resolve(call, key_id, Accept::AcrossAccounts)?;
    record.require_usable()?;
    Ok(record)
}

impl KeyService for Keys {
    fn key_arn(&self, call: &Call<'_>, request: &OnBehalf<'_>) -> Result<String, AwsError> {
        let key_id = named_key(call, request)?;
        let (record, _) = resolve(call, &key_id, Accept::AcrossAccounts)?;
        Ok(record.arn.clone())
    }

    fn generate_data_key(
        &self,
        call: &Call<'_>,
        request: &OnBehalf<'_>,
    ) -> Result<DataKey, AwsError> {
        let key_id = named_key(call, request)?;
        let input = json!({
            "KeyId": key_id,
            "KeySpec": "AES_256",
            "EncryptionContext": request.context,
        });
        check(call, request.service, "GenerateDataKey", &input)?;
        let record = usable(call, &key_id)?;
        let plaintext = random_vec(32).ok_or_else(|| errors::internal("randomness failed"))?;
        let ciphertext_blob = crypto_ops::seal(
            call,
            "GenerateDataKey",
            &record,
            &plaintext,
            request.context,
        )?;
        crate::usage::note(call, &record.arn, "GenerateDataKey");
        Ok(DataKey {
            plaintext,
            ciphertext_blob,
            key_arn: record.arn.clone(),
        })
    }

    fn encrypt(
        &self,
        call: &Call<'_>,
        request: &OnBehalf<'_>,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, AwsError> {
        if plaintext.is_empty() || plaintext.len() > MAX_PLAINTEXT {
            return Err(errors::constraint(
                "plaintext",
                "Member must have length between 1 and 4096",
            ));
        }
        let key_id = named_key(call, request)?;
        let input = json!({
            "KeyId": key_id,
            "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
            "EncryptionContext": request.context,
        });
        check(call, request.service, "Encrypt", &input)?;
        let record = usable(call, &key_id)?;
        let blob = crypto_ops::seal(call, "Encrypt", &record, plaintext, request.context)?;
        crate::usage::note(call, &record.arn, "Encrypt");
        Ok(blob)
    }

    fn decrypt(
        &self,
        call: &Call<'_>,
        request: &OnBehalf<'_>,
        blob: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, AwsError> {
        let key_id = match request.key_id {
            Some(_) => Some(named_key(call, request)?),
            None => None,
        };
        let mut input = json!({
            "CiphertextBlob": B64.encode(blob),
            "EncryptionContext": request.context,
        });
        if let Some(key_id) = &key_id {
            input["KeyId"] = json!(key_id);
        }
        check(call, request.service, "Decrypt", &input)?;
        let (record, plaintext) =
            crypto_ops::open_bytes(call, blob, key_id.as_deref(), request.context)?;
        crate::usage::note(call, &record.arn, "Decrypt");
        Ok(plaintext)
    }
}
