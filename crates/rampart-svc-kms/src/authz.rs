//! KMS's authorization table (Service Authorization Reference): which actions a request needs,
//! on which keys and aliases, with which condition keys.
//!
//! A key's policy must itself allow the caller, even in its own account; the policy evaluated
//! is the key's own (AWS's default key policy, whose one statement lets the account's IAM
//! policies decide, unless one was set) with an Allow statement per grant. Aliases are
//! governed by IAM policies only. A key that does not exist asks for nothing: the handler
//! answers `NotFoundException`, as AWS does. A retiring principal retires its grant without
//! any policy, as in AWS.

use crate::errors;
use crate::key::{self, KeyRecord};
use crate::resolve::{Accept, alias_arn, resolve};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rampart_crypto::kms as blob;
use rampart_protocol::AwsError;
use rampart_service::{Access, Call, no_rule};
use serde_json::Value;

/// The accesses KMS `operation` with `input` needs.
pub(crate) fn table(
    call: &Call<'_>,
    operation: &str,
    input: &Value,
) -> Result<Vec<Access>, AwsError> {
    let action = format!("kms:{operation}");
    let caller = call.principal.account.to_string();
    crate::grants::check_tokens(input)?;
    let key = text(input, "KeyId");
    let accesses = match operation {
        "ListKeys" | "ListAliases" | "GenerateRandom" | "ListRetirableGrants" => {
            vec![Access::new(action, "*")]
        }
        "CreateCustomKeyStore"
        | "DescribeCustomKeyStores"
        | "ConnectCustomKeyStore"
        | "DisconnectCustomKeyStore"
        | "UpdateCustomKeyStore"
        | "DeleteCustomKeyStore" => crate::cks::accesses(&action),
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
        .map(|a| with_member(a, "kms:EncryptionAlgorithm", input, "EncryptionAlgorithm"))
        .collect(),
        "ReEncrypt" => {
            let from = match input.get("SourceKeyId").and_then(Value::as_str) {
                Some(key_id) => key_access(call, "kms:ReEncryptFrom", key_id)?,
                None => blob_key_access(call, "kms:ReEncryptFrom", text(input, "CiphertextBlob"))?,
            };
            let to = key_access(call, "kms:ReEncryptTo", text(input, "DestinationKeyId"))?;
            let same = match (from.first(), to.first()) {
                (Some(f), Some(t)) => Some((f.resource == t.resource).to_string()),
                _ => None,
            };
            from.into_iter()
                .map(|a| with_context(a, input.get("SourceEncryptionContext")))
                .chain(
                    to.into_iter()
                        .map(|a| with_context(a, input.get("DestinationEncryptionContext"))),
                )
                .map(|a| match &same {
                    Some(same) => a.with("kms:ReEncryptOnSameKey", same.clone()),
                    None => a,
                })
                .collect()
        }
        "Encrypt"
        | "GenerateDataKey"
        | "GenerateDataKeyWithoutPlaintext"
        | "GenerateDataKeyPair"
        | "GenerateDataKeyPairWithoutPlaintext" => key_access(call, &action, key)?
            .into_iter()
            .map(|a| with_context(a, input.get("EncryptionContext")))
            .map(|a| with_member(a, "kms:EncryptionAlgorithm", input, "EncryptionAlgorithm"))
            .map(|a| with_member(a, "kms:DataKeyPairSpec", input, "KeyPairSpec"))
            .collect(),
        "Sign" | "Verify" => key_access(call, &action, key)?
            .into_iter()
            .map(|a| with_member(a, "kms:SigningAlgorithm", input, "SigningAlgorithm"))
            .map(|a| {
                let kind = input.get("MessageType").and_then(Value::as_str);
                a.with("kms:MessageType", kind.unwrap_or("RAW"))
            })
            .collect(),
        "GenerateMac" | "VerifyMac" => key_access(call, &action, key)?
            .into_iter()
            .map(|a| with_member(a, "kms:MacAlgorithm", input, "MacAlgorithm"))
            .collect(),
        "DeriveSharedSecret" => key_access(call, &action, key)?
            .into_iter()
            .map(|a| {
                with_member(
                    a,
                    "kms:KeyAgreementAlgorithm",
                    input,
                    "KeyAgreementAlgorithm",
                )
            })
            .collect(),
        "PutKeyPolicy" => key_access(call, &action, key)?
            .into_iter()
            .map(|a| a.with("kms:BypassPolicyLockoutSafetyCheck", flag(input)))
            .collect(),
        "ScheduleKeyDeletion" => key_access(call, &action, key)?
            .into_iter()
            .map(|a| {
                let days = input.get("PendingWindowInDays").and_then(Value::as_i64);
                a.with(
                    "kms:ScheduleKeyDeletionPendingWindowInDays",
                    days.unwrap_or(30).to_string(),
                )
            })
            .collect(),
        "GetParametersForImport" => key_access(call, &action, key)?
            .into_iter()
            .map(|a| with_member(a, "kms:WrappingAlgorithm", input, "WrappingAlgorithm"))
            .map(|a| with_member(a, "kms:WrappingKeySpec", input, "WrappingKeySpec"))
            .collect(),
        "ImportKeyMaterial" => key_access(call, &action, key)?
            .into_iter()
            .map(|a| {
                let model = input.get("ExpirationModel").and_then(Value::as_str);
                a.with(
                    "kms:ExpirationModel",
                    model.unwrap_or("KEY_MATERIAL_EXPIRES"),
                )
            })
            .map(|a| match input.get("ValidTo").and_then(Value::as_f64) {
                Some(t) => a.with("kms:ValidTo", (t as i64).to_string()),
                None => a,
            })
            .collect(),
        "ReplicateKey" => {
            let replica = text(input, "ReplicaRegion");
            let mut accesses: Vec<Access> = key_access(call, &action, key)?
                .into_iter()
                .map(|a| a.with("kms:ReplicaRegion", replica))
                .collect();
            accesses.push(
                Access::new("kms:CreateKey", "*")
                    .with("kms:ReplicaRegion", replica)
                    .with("kms:MultiRegionKeyType", "REPLICA")
                    .with_request_tags(kms_tags(input)),
            );
            if kms_tags(input).next().is_some() {
                accesses
                    .push(Access::new("kms:TagResource", "*").with_request_tags(kms_tags(input)));
            }
            accesses
        }
        "UpdatePrimaryRegion" => key_access(call, &action, key)?
            .into_iter()
            .map(|a| a.with("kms:PrimaryRegion", text(input, "PrimaryRegion")))
            .collect(),
        "EnableKeyRotation" => key_access(call, &action, key)?
            .into_iter()
            .map(
                |a| match input.get("RotationPeriodInDays").and_then(Value::as_i64) {
                    Some(days) => a.with("kms:RotationPeriodInDays", days.to_string()),
                    None => a,
                },
            )
            .collect(),
        "CreateGrant" => key_access(call, &action, key)?
            .into_iter()
            .map(|a| grant_keys(a, input))
            .collect(),
        "RetireGrant" => retire_grant(call, &action, input)?,
        "DescribeKey"
        | "EnableKey"
        | "DisableKey"
        | "CancelKeyDeletion"
        | "UpdateKeyDescription"
        | "ListResourceTags"
        | "GetKeyPolicy"
        | "ListKeyPolicies"
        | "ListGrants"
        | "RevokeGrant"
        | "DisableKeyRotation"
        | "GetKeyRotationStatus"
        | "RotateKeyOnDemand"
        | "ListKeyRotations"
        | "DeleteImportedKeyMaterial"
        | "Encapsulate"
        | "Decapsulate"
        | "GetPublicKey"
        | "GetKeyLastUsage" => key_access(call, &action, key)?,
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
    let multi_region = input.get("MultiRegion").and_then(Value::as_bool) == Some(true);
    let describe = |access: Access| {
        let access = if multi_region {
            access
                .with("kms:MultiRegion", "true")
                .with("kms:MultiRegionKeyType", "PRIMARY")
        } else {
            access.with("kms:MultiRegion", "false")
        };
        access
            .with("kms:KeySpec", spec)
            .with("kms:KeyUsage", usage)
            .with("kms:KeyOrigin", origin)
            .with_request_tags(kms_tags(input))
    };
    let mut accesses = vec![
        describe(Access::new(action, "*")).with("kms:BypassPolicyLockoutSafetyCheck", flag(input)),
    ];
    if kms_tags(input).next().is_some() {
        accesses.push(describe(Access::new("kms:TagResource", "*")));
    }
    accesses
}

/// The actions AWS allows on a key of another account (named by its key ARN or alias ARN).
/// The table resolves those ARNs for them only, so no handler can reach another account's key
/// without the access being asked.
const ACROSS_ACCOUNTS: &[&str] = &[
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:DeriveSharedSecret",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyPair",
    "kms:GenerateDataKeyPairWithoutPlaintext",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GenerateMac",
    "kms:GetKeyRotationStatus",
    "kms:GetPublicKey",
    "kms:ListGrants",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:Sign",
    "kms:Verify",
    "kms:VerifyMac",
    "kms:Encapsulate",
    "kms:Decapsulate",
];

/// The access to the key `key_id` names (a key id, key ARN, alias name or alias ARN); none when
/// no such key exists.
fn key_access(call: &Call<'_>, action: &str, key_id: &str) -> Result<Vec<Access>, AwsError> {
    let accept = if ACROSS_ACCOUNTS.contains(&action) {
        Accept::AcrossAccounts
    } else {
        Accept::KeysAndAliases
    };
    let (record, version) = match resolve(call, key_id, accept) {
        Ok(found) => found,
        Err(e) if e.code == "NotFoundException" => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut access = of_key(call, action, &record, version)?;
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
    match key::load_by_id_bytes(call, &header.key_id)? {
        Some((record, version)) => Ok(vec![of_key(call, action, &record, version)?]),
        None => Ok(Vec::new()),
    }
}

/// RetireGrant: nothing for the grant's retiring principal; otherwise `kms:RetireGrant` on the
/// key (which a grant including RetireGrant allows its grantee).
fn retire_grant(call: &Call<'_>, action: &str, input: &Value) -> Result<Vec<Access>, AwsError> {
    let (record, version, grant_id) = match crate::grants::retire_target(call, input) {
        Ok(found) => found,
        Err(e) if e.code == "NotFoundException" => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let retiring = record
        .grants
        .iter()
        .find(|g| g.grant_id == grant_id)
        .and_then(|g| g.retiring.as_deref());
    if retiring.is_some_and(|p| crate::grants::is_caller(call, p)) {
        return Ok(Vec::new());
    }
    Ok(vec![of_key(call, action, &record, version)?])
}

fn of_key(
    call: &Call<'_>,
    action: &str,
    record: &KeyRecord,
    version: u64,
) -> Result<Access, AwsError> {
    let tags = record.tags.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let mut access = Access::new(action, &record.arn)
        .with_resource_policy(crate::policy::compiled(call, record, version)?, true)
        .with_resource_tags(tags)
        .with("kms:KeySpec", &record.key_spec)
        .with("kms:KeyUsage", &record.key_usage)
        .with("kms:KeyOrigin", &record.origin);
    let account = record
        .account
        .parse()
        .map_err(|_| errors::internal("malformed stored key account"))?;
    let aliases = crate::aliases::of_key(call, &account, &record.key_id)?;
    if !aliases.is_empty() {
        access = access.with_multi("kms:ResourceAliases", aliases);
    }
    Ok(match &record.multi_region {
        Some(config) => access
            .with("kms:MultiRegion", "true")
            .with("kms:MultiRegionKeyType", config.key_type(record)),
        None => access.with("kms:MultiRegion", "false"),
    })
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

/// Adds the condition key `key` from the string member `member`, when present.
fn with_member(access: Access, key: &str, input: &Value, member: &str) -> Access {
    match input.get(member).and_then(Value::as_str) {
        Some(value) => access.with(key, value),
        None => access,
    }
}

/// `BypassPolicyLockoutSafetyCheck` as the condition key's text.
fn flag(input: &Value) -> &'static str {
    match input
        .get("BypassPolicyLockoutSafetyCheck")
        .and_then(Value::as_bool)
    {
        Some(true) => "true",
        _ => "false",
    }
}

/// CreateGrant's condition keys: the operations, principals and constraint type of the grant.
fn grant_keys(mut access: Access, input: &Value) -> Access {
    let operations = input.get("Operations").and_then(Value::as_array);
    let operations = operations.into_iter().flatten().filter_map(Value::as_str);
    access = access
        .with_multi("kms:GrantOperations", operations.map(str::to_owned))
        .with("kms:GrantIsForAWSResource", "false");
    access = with_member(access, "kms:GranteePrincipal", input, "GranteePrincipal");
    access = with_member(access, "kms:RetiringPrincipal", input, "RetiringPrincipal");
    let constraints = input.get("Constraints").and_then(Value::as_object);
    let types: Vec<String> = constraints
        .into_iter()
        .flat_map(|c| c.keys())
        .filter(|k| k.starts_with("EncryptionContext"))
        .cloned()
        .collect();
    if !types.is_empty() {
        access = access.with_multi("kms:GrantConstraintType", types);
    }
    access
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
