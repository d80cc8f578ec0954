//! KMS's authorization table (Service Authorization Reference): which actions a request needs,
//! on which keys and aliases, with which condition keys.
//!
//! A key's policy must itself allow the caller, even in its own account; until key policies
//! can be set, every key has AWS's default key policy, whose one statement lets the account's
//! IAM policies decide. Aliases are governed by IAM policies only. A key that does not exist
//! asks for nothing: the handler answers `NotFoundException`, as AWS does.

use crate::errors;
use crate::key::{self, KeyRecord};
use crate::resolve::{Accept, alias_arn, resolve};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rampart_crypto::kms as blob;
use rampart_policy::{Policy, PolicyKind};
use rampart_protocol::AwsError;
use rampart_service::{Access, Call, no_rule};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

/// The accesses KMS `operation` with `input` needs.
pub(crate) fn table(
    call: &Call<'_>,
    operation: &str,
    input: &Value,
) -> Result<Vec<Access>, AwsError> {
    let action = format!("kms:{operation}");
    let caller = call.principal.account.to_string();
    let accesses = match operation {
        "ListKeys" | "ListAliases" | "GenerateRandom" => vec![Access::new(action, "*")],
        "CreateKey" => create_key(action, input),
        "CreateAlias" | "DeleteAlias" => {
            let alias = text(input, "AliasName");
            let mut accesses = vec![Access::new(&action, alias_arn(call, alias))];
            let target = match operation {
                "CreateAlias" => Some(text(input, "TargetKeyId").to_owned()),
                _ => crate::aliases::target_of(call, alias)?,
            };
            accesses.extend(key_access(call, &action, target.as_deref().unwrap_or(""))?);
            accesses
        }
        "UpdateAlias" => {
            let alias = text(input, "AliasName");
            let mut accesses = vec![Access::new(&action, alias_arn(call, alias))];
            if let Some(old) = crate::aliases::target_of(call, alias)? {
                accesses.extend(key_access(call, &action, &old)?);
            }
            accesses.extend(key_access(call, &action, text(input, "TargetKeyId"))?);
            accesses
        }
        "Decrypt" => match input.get("KeyId").and_then(Value::as_str) {
            Some(key_id) => key_access(call, &action, key_id)?,
            None => blob_key_access(call, &action, text(input, "CiphertextBlob"))?,
        }
        .into_iter()
        .map(|a| with_context(a, input.get("EncryptionContext")))
        .collect(),
        "ReEncrypt" => {
            let from = match input.get("SourceKeyId").and_then(Value::as_str) {
                Some(key_id) => key_access(call, "kms:ReEncryptFrom", key_id)?,
                None => blob_key_access(call, "kms:ReEncryptFrom", text(input, "CiphertextBlob"))?,
            };
            let to = key_access(call, "kms:ReEncryptTo", text(input, "DestinationKeyId"))?;
            from.into_iter()
                .map(|a| with_context(a, input.get("SourceEncryptionContext")))
                .chain(
                    to.into_iter()
                        .map(|a| with_context(a, input.get("DestinationEncryptionContext"))),
                )
                .collect()
        }
        "Encrypt" | "GenerateDataKey" | "GenerateDataKeyWithoutPlaintext" => {
            key_access(call, &action, text(input, "KeyId"))?
                .into_iter()
                .map(|a| with_context(a, input.get("EncryptionContext")))
                .collect()
        }
        "DescribeKey"
        | "EnableKey"
        | "DisableKey"
        | "ScheduleKeyDeletion"
        | "CancelKeyDeletion"
        | "UpdateKeyDescription"
        | "ListResourceTags" => key_access(call, &action, text(input, "KeyId"))?,
        "TagResource" => key_access(call, &action, text(input, "KeyId"))?
            .into_iter()
            .map(|a| a.with_request_tags(kms_tags(input)))
            .collect(),
        "UntagResource" => {
            let keys = input.get("TagKeys").and_then(Value::as_array);
            let keys: Vec<&str> = keys
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            key_access(call, &action, text(input, "KeyId"))?
                .into_iter()
                .map(|a| a.with_multi("aws:TagKeys", keys.iter().copied()))
                .collect()
        }
        _ => return Err(no_rule("kms", operation)),
    };
    Ok(accesses
        .into_iter()
        .map(|a| a.with("kms:CallerAccount", caller.clone()))
        .collect())
}

/// `CreateKey` acts on no key yet; with tags it also needs `kms:TagResource`.
fn create_key(action: String, input: &Value) -> Vec<Access> {
    let spec = input
        .get("KeySpec")
        .or_else(|| input.get("CustomerMasterKeySpec"))
        .and_then(Value::as_str)
        .unwrap_or("SYMMETRIC_DEFAULT");
    let usage = input
        .get("KeyUsage")
        .and_then(Value::as_str)
        .unwrap_or("ENCRYPT_DECRYPT");
    let origin = input
        .get("Origin")
        .and_then(Value::as_str)
        .unwrap_or("AWS_KMS");
    let describe = |access: Access| {
        access
            .with("kms:KeySpec", spec)
            .with("kms:KeyUsage", usage)
            .with("kms:KeyOrigin", origin)
            .with_request_tags(kms_tags(input))
    };
    let mut accesses = vec![describe(Access::new(action, "*"))];
    if kms_tags(input).next().is_some() {
        accesses.push(describe(Access::new("kms:TagResource", "*")));
    }
    accesses
}

/// The access to the key `key_id` names (a key id, key ARN, alias name or alias ARN); none when
/// no such key exists.
fn key_access(call: &Call<'_>, action: &str, key_id: &str) -> Result<Vec<Access>, AwsError> {
    let record = match resolve(call, key_id, Accept::KeysAndAliases) {
        Ok((record, _)) => record,
        Err(e) if e.code == "NotFoundException" => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut access = of_key(call, action, &record)?;
    if key_id.starts_with("alias/") || key_id.contains(":alias/") {
        let name = key_id.rsplit_once(':').map_or(key_id, |(_, name)| name);
        access = access.with("kms:RequestAlias", name);
    }
    Ok(vec![access])
}

/// The access to the key a ciphertext blob names; none when the blob names no stored key.
fn blob_key_access(call: &Call<'_>, action: &str, blob_b64: &str) -> Result<Vec<Access>, AwsError> {
    let bytes = B64
        .decode(blob_b64)
        .map_err(|_| errors::invalid_ciphertext())?;
    let header = blob::parse_blob(&bytes).map_err(|_| errors::invalid_ciphertext())?;
    match key::load(call, &key::id_text(&header.key_id))? {
        Some((record, _)) => Ok(vec![of_key(call, action, &record)?]),
        None => Ok(Vec::new()),
    }
}

fn of_key(call: &Call<'_>, action: &str, record: &KeyRecord) -> Result<Access, AwsError> {
    let tags = record.tags.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    Ok(Access::new(action, &record.arn)
        .with_resource_policy(default_key_policy(call, &record.account)?, true)
        .with_resource_tags(tags)
        .with("kms:KeySpec", &record.key_spec)
        .with("kms:KeyUsage", &record.key_usage)
        .with("kms:KeyOrigin", &record.origin))
}

/// Adds `kms:EncryptionContext:<key>` for each pair and `kms:EncryptionContextKeys`.
fn with_context(mut access: Access, context: Option<&Value>) -> Access {
    let Some(pairs) = context.and_then(Value::as_object) else {
        return access;
    };
    for (key, value) in pairs {
        let value = value.as_str().unwrap_or_default();
        access = access.with(&format!("kms:EncryptionContext:{key}"), value);
    }
    if !pairs.is_empty() {
        access = access.with_multi("kms:EncryptionContextKeys", pairs.keys().cloned());
    }
    access
}

/// AWS's default key policy: the account's root may do everything, which hands the decision to
/// the account's IAM policies. Compiled once per account.
fn default_key_policy(call: &Call<'_>, account: &str) -> Result<Policy, AwsError> {
    static POLICIES: LazyLock<Mutex<HashMap<String, Policy>>> = LazyLock::new(Mutex::default);
    let mut policies = POLICIES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(policy) = policies.get(account) {
        return Ok(policy.clone());
    }
    let document = serde_json::json!({
        "Version": "2012-10-17",
        "Id": "key-default-1",
        "Statement": [{
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": { "AWS": format!("arn:{}:iam::{account}:root", call.env.partition) },
            "Action": "kms:*",
            "Resource": "*",
        }],
    });
    let policy = Policy::parse(&document.to_string(), PolicyKind::Resource)
        .map_err(|_| errors::internal("the default key policy does not parse"))?
        .named("default");
    policies.insert(account.to_owned(), policy.clone());
    Ok(policy)
}

/// A string member of the input, or empty.
fn text<'v>(input: &'v Value, member: &str) -> &'v str {
    input
        .get(member)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// KMS's `Tags` list (`TagKey`/`TagValue`) as pairs.
fn kms_tags(input: &Value) -> impl Iterator<Item = (&str, &str)> {
    input
        .get("Tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| {
            let key = t.get("TagKey")?.as_str()?;
            Some((
                key,
                t.get("TagValue")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
            ))
        })
}
