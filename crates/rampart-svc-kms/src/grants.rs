//! Grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant and RevokeGrant, the grant
//! tokens, and the Allow statements a key's grants add to its policy.
//!
//! A grant is an allow alongside the key policy: its grantee may perform its operations on the
//! key when its constraints hold, even without any IAM permission; an explicit deny in the key
//! policy or in an IAM policy still wins (the grant is one more Allow statement, evaluated by
//! the policy engine with every other policy).

use crate::errors;
use crate::key::{self, KEY_TABLE, KeyRecord};
use crate::keys::page_limit;
use crate::resolve::{Accept, resolve};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as TOKEN_B64;
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, from_input};
use rampart_store::{Scan, space};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The operations a grant can allow (`GrantOperation`).
pub(crate) const OPERATIONS: &[&str] = &[
    "Decrypt",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "ReEncryptFrom",
    "ReEncryptTo",
    "Sign",
    "Verify",
    "GetPublicKey",
    "CreateGrant",
    "RetireGrant",
    "DescribeKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateMac",
    "VerifyMac",
    "DeriveSharedSecret",
    "Encapsulate",
    "Decapsulate",
];

/// The grant operations that take an encryption context, to which constraints apply.
const WITH_CONTEXT: &[&str] = &[
    "Decrypt",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "ReEncryptFrom",
    "ReEncryptTo",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
];

/// Most grant tokens one request may carry, and the longest token.
const MAX_TOKENS: usize = 10;
const MAX_TOKEN_LEN: usize = 8192;
/// Longest grant name.
const MAX_NAME: usize = 256;
/// Most grants on one key (AWS's quota).
const MAX_GRANTS: usize = 50_000;
/// A grant token's first bytes.
const TOKEN_MAGIC: &[u8] = b"rampart-grant-1";

/// `Constraints` of a grant, as the wire spells them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Constraints {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_context_subset: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_context_equals: Option<BTreeMap<String, String>>,
}

/// A stored grant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Grant {
    pub grant_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub creation_date: f64,
    pub grantee: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retiring: Option<String>,
    pub operations: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraints: Option<Constraints>,
    pub issuing_account: String,
}

impl Grant {
    /// The grant as a `GrantListEntry`.
    fn entry(&self, key_arn: &str) -> Value {
        let mut v = json!({
            "KeyId": key_arn,
            "GrantId": self.grant_id,
            "CreationDate": self.creation_date,
            "GranteePrincipal": self.grantee,
            "IssuingAccount": self.issuing_account,
            "Operations": self.operations,
        });
        if let Some(name) = &self.name {
            v["Name"] = json!(name);
        }
        if let Some(retiring) = &self.retiring {
            v["RetiringPrincipal"] = json!(retiring);
        }
        if let Some(constraints) = &self.constraints {
            v["Constraints"] = json!(constraints);
        }
        v
    }
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("kms", "CreateGrant", false, create_grant);
    registry.register("kms", "ListGrants", true, list_grants);
    registry.register("kms", "ListRetirableGrants", true, list_retirable_grants);
    registry.register("kms", "RetireGrant", false, retire_grant);
    registry.register("kms", "RevokeGrant", false, revoke_grant);
}

/// The Allow statements `grants` add to their key's policy. Per grant: one for its operations
/// that take an encryption context (with the constraints as conditions), one for CreateGrant
/// (the new grant may allow only operations this one allows, and must carry a constraint when
/// this one does), and one for the others (DescribeKey, RetireGrant, ...: constraints do not
/// apply to them).
pub(crate) fn statements(grants: &[Grant]) -> Vec<Value> {
    let mut out = Vec::new();
    for grant in grants {
        let ops = |keep: &dyn Fn(&str) -> bool| -> Vec<String> {
            grant
                .operations
                .iter()
                .filter(|op| keep(op))
                .map(|op| format!("kms:{op}"))
                .collect()
        };
        let with_context = ops(&|op| WITH_CONTEXT.contains(&op));
        let create_grant = ops(&|op| op == "CreateGrant");
        let others = ops(&|op| op != "CreateGrant" && !WITH_CONTEXT.contains(&op));
        let constraints = grant.constraints.as_ref();
        let sub_grants = || {
            let mut condition = json!({
                "ForAllValues:StringEquals": { "kms:GrantOperations": grant.operations },
            });
            if constraints.is_some() {
                condition["Null"] = json!({ "kms:GrantConstraintType": "false" });
            }
            condition
        };
        for (actions, condition) in [
            (with_context, constraints.map(conditions)),
            (create_grant, Some(sub_grants())),
            (others, None),
        ] {
            if actions.is_empty() {
                continue;
            }
            let mut statement = json!({
                "Sid": format!("grant-{}", grant.grant_id),
                "Effect": "Allow",
                "Principal": { "AWS": grant.grantee },
                "Action": actions,
                "Resource": "*",
            });
            if let Some(condition) = condition {
                statement["Condition"] = condition;
            }
            out.push(statement);
        }
    }
    out
}

/// A grant's constraints as policy conditions: each pair must be in the request's context
/// (keys case-insensitive, values case-sensitive); `Equals` also admits no other key.
fn conditions(constraints: &Constraints) -> Value {
    let mut condition = serde_json::Map::new();
    let mut equals = serde_json::Map::new();
    let pairs = constraints
        .encryption_context_subset
        .iter()
        .chain(constraints.encryption_context_equals.iter())
        .flatten();
    for (k, v) in pairs {
        equals.insert(format!("kms:EncryptionContext:{k}"), json!(v));
    }
    if !equals.is_empty() {
        condition.insert("StringEquals".into(), Value::Object(equals));
    }
    if let Some(exact) = &constraints.encryption_context_equals {
        if exact.is_empty() {
            condition.insert(
                "Null".into(),
                json!({ "kms:EncryptionContextKeys": "true" }),
            );
        } else {
            condition.insert(
                "ForAllValues:StringEqualsIgnoreCase".into(),
                json!({ "kms:EncryptionContextKeys": exact.keys().collect::<Vec<_>>() }),
            );
        }
    }
    Value::Object(condition)
}

/// A grant token: names the key and the grant.
fn token(key_id: &[u8; 16], grant_id: &str) -> String {
    let mut bytes = TOKEN_MAGIC.to_vec();
    bytes.extend_from_slice(key_id);
    bytes.extend_from_slice(grant_id.as_bytes());
    TOKEN_B64.encode(bytes)
}

/// The key id bytes and grant id a token names.
fn parse_token(token: &str) -> Result<([u8; 16], String), AwsError> {
    let bytes = TOKEN_B64
        .decode(token)
        .map_err(|_| errors::invalid_grant_token())?;
    let rest = bytes
        .strip_prefix(TOKEN_MAGIC)
        .filter(|rest| rest.len() > 16)
        .ok_or_else(errors::invalid_grant_token)?;
    let (id, grant) = rest.split_at(16);
    let id: [u8; 16] = id.try_into().map_err(|_| errors::invalid_grant_token())?;
    let grant = String::from_utf8(grant.to_vec()).map_err(|_| errors::invalid_grant_token())?;
    Ok((id, grant))
}

/// Checks a request's `GrantTokens`: at most ten, each one of ours.
pub(crate) fn check_tokens(input: &Value) -> Result<(), AwsError> {
    let Some(tokens) = input.get("GrantTokens") else {
        return Ok(());
    };
    let tokens = tokens.as_array().ok_or_else(errors::invalid_grant_token)?;
    if tokens.len() > MAX_TOKENS {
        return Err(errors::constraint(
            "grantTokens",
            "Member must have length less than or equal to 10",
        ));
    }
    for token in tokens {
        let token = token.as_str().ok_or_else(errors::invalid_grant_token)?;
        if token.is_empty() || token.len() > MAX_TOKEN_LEN {
            return Err(errors::invalid_grant_token());
        }
        parse_token(token)?;
    }
    Ok(())
}

/// Whether the caller is `principal` (its ARN, or the ARN of the role behind its session).
pub(crate) fn is_caller(call: &Call<'_>, principal: &str) -> bool {
    principal == call.principal.arn() || call.principal.role_arn().is_some_and(|r| r == principal)
}

/// Checks a grantee or retiring principal: an account id or an IAM/STS ARN (or `*`-free
/// service principal), which becomes the `Principal` of a policy statement.
fn check_principal(member: &str, principal: &str) -> Result<(), AwsError> {
    let ok = principal.len() <= 256
        && (principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit())
            || principal.starts_with("arn:") && principal.split(':').count() >= 6);
    if ok {
        Ok(())
    } else {
        Err(errors::validation(format!(
            "1 validation error detected: Value '{principal}' at '{member}' failed to satisfy constraint: Member must be a valid principal (an account id or an ARN)"
        )))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    key_id: String,
    grantee_principal: Option<String>,
    retiring_principal: Option<String>,
    #[serde(default)]
    operations: Vec<String>,
    constraints: Option<Constraints>,
    name: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

/// Grants to or retired by AWS service principals, and `SourceArn` constraints, come with
/// integrated services this server does not have: refused by name rather than ignored.
fn refuse_service_grants(input: &Value) -> Result<(), AwsError> {
    let named = ["GranteeServicePrincipal", "RetiringServicePrincipal"]
        .into_iter()
        .find(|m| input.get(*m).is_some())
        .or_else(|| {
            input
                .get("Constraints")
                .and_then(|c| c.get("SourceArn"))
                .map(|_| "Constraints.SourceArn")
        });
    match named {
        Some(member) => Err(errors::unsupported(format!(
            "{member} (grants for AWS services) is not supported by this server."
        ))),
        None => Ok(()),
    }
}

fn create_grant(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    refuse_service_grants(&input)?;
    let input: CreateInput = from_input(input, "ValidationException")?;
    let grantee = input
        .grantee_principal
        .ok_or_else(|| errors::validation("GranteePrincipal is required."))?;
    check_principal("granteePrincipal", &grantee)?;
    if let Some(retiring) = &input.retiring_principal {
        check_principal("retiringPrincipal", retiring)?;
    }
    if input.operations.is_empty() {
        return Err(errors::constraint(
            "operations",
            "Member must have length greater than or equal to 1",
        ));
    }
    if let Some(bad) = input
        .operations
        .iter()
        .find(|op| !OPERATIONS.contains(&op.as_str()))
    {
        return Err(errors::validation(format!(
            "1 validation error detected: Value '[{bad}]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [{}]]",
            OPERATIONS.join(", ")
        )));
    }
    if let Some(name) = &input.name {
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '_' | '-');
        if name.is_empty() || name.len() > MAX_NAME || !name.chars().all(allowed) {
            return Err(errors::validation(format!(
                "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"
            )));
        }
    }
    let constraints = input
        .constraints
        .filter(|c| c.encryption_context_subset.is_some() || c.encryption_context_equals.is_some());
    let mut operations: Vec<String> = Vec::new();
    for op in &input.operations {
        if !operations.contains(op) {
            operations.push(op.clone());
        }
    }
    let (record, _) = resolve(call, &input.key_id, Accept::KeysOnly)?;
    record.require_usable()?;
    check_fits_key(&record, &operations, constraints.as_ref())?;
    if input.dry_run {
        return Err(errors::dry_run());
    }
    let fresh_id = hex::encode(
        rampart_crypto::random_bytes::<32>()
            .ok_or_else(|| errors::internal("randomness failed"))?,
    );
    let mut grant = Grant {
        grant_id: fresh_id,
        name: input.name.clone(),
        creation_date: key::now(call),
        grantee,
        retiring: input.retiring_principal.clone(),
        operations,
        constraints,
        issuing_account: format!(
            "arn:{}:iam::{}:root",
            call.env.partition, call.principal.account
        ),
    };
    let record = key::update(
        call,
        &record.key_id,
        || crate::resolve::key_not_found(call, &record.key_id),
        |r| {
            // A retry with the same name and parameters answers the same grant.
            if grant.name.is_some()
                && let Some(same) = r.grants.iter().find(|g| same_request(g, &grant))
            {
                grant.grant_id = same.grant_id.clone();
                return Ok(());
            }
            if r.grants.len() >= MAX_GRANTS {
                return Err(errors::limit_exceeded(format!(
                    "The request was rejected because the number of grants on {} exceeds the limit.",
                    r.arn
                )));
            }
            r.grants.push(grant.clone());
            Ok(())
        },
    )?;
    Ok(json!({
        "GrantId": grant.grant_id,
        "GrantToken": token(&record.id_bytes()?, &grant.grant_id),
    }))
}

/// The grant operations a key of `record`'s spec and usage supports.
fn supported(record: &KeyRecord) -> Vec<&'static str> {
    let mut ops = vec!["CreateGrant", "RetireGrant", "DescribeKey"];
    ops.extend_from_slice(
        match (record.key_spec.as_str(), record.key_usage.as_str()) {
            ("SYMMETRIC_DEFAULT", _) => WITH_CONTEXT,
            (_, "GENERATE_VERIFY_MAC") => &["GenerateMac", "VerifyMac"][..],
            (_, "ENCRYPT_DECRYPT") => &[
                "Encrypt",
                "Decrypt",
                "ReEncryptFrom",
                "ReEncryptTo",
                "GetPublicKey",
            ][..],
            (_, "SIGN_VERIFY") => &["Sign", "Verify", "GetPublicKey"][..],
            (_, "KEY_AGREEMENT") => &["DeriveSharedSecret", "GetPublicKey"][..],
            (_, "ENCAPSULATE_DECAPSULATE") => &["Encapsulate", "Decapsulate", "GetPublicKey"][..],
            _ => &[][..],
        },
    );
    ops
}

/// AWS refuses (ValidationException) a grant for operations its key does not support, and
/// encryption-context constraints on keys whose operations take no encryption context.
fn check_fits_key(
    record: &KeyRecord,
    operations: &[String],
    constraints: Option<&Constraints>,
) -> Result<(), AwsError> {
    let supported = supported(record);
    let unsupported: Vec<&str> = operations
        .iter()
        .map(String::as_str)
        .filter(|op| !supported.contains(op))
        .collect();
    if !unsupported.is_empty() {
        return Err(errors::validation(format!(
            "Grant operations {} are not supported for a KMS key with key spec {} and key usage {}.",
            unsupported.join(", "),
            record.key_spec,
            record.key_usage
        )));
    }
    if constraints.is_some() && record.key_spec != "SYMMETRIC_DEFAULT" {
        return Err(errors::validation(format!(
            "Encryption context grant constraints are not supported for KMS keys with key spec {}.",
            record.key_spec
        )));
    }
    Ok(())
}

/// Whether `existing` was made by a request with the same parameters as `new`.
fn same_request(existing: &Grant, new: &Grant) -> bool {
    existing.name == new.name
        && existing.grantee == new.grantee
        && existing.retiring == new.retiring
        && existing.operations == new.operations
        && existing.constraints == new.constraints
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    key_id: String,
    grant_id: Option<String>,
    grantee_principal: Option<String>,
    limit: Option<i64>,
    marker: Option<String>,
}

fn list_grants(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ListInput = from_input(input, "ValidationException")?;
    let limit = page_limit(input.limit)?;
    let (record, _) = resolve(call, &input.key_id, Accept::KeysAcrossAccounts)?;
    let matching: Vec<&Grant> = record
        .grants
        .iter()
        .filter(|g| input.grant_id.as_ref().is_none_or(|id| *id == g.grant_id))
        .filter(|g| {
            input
                .grantee_principal
                .as_ref()
                .is_none_or(|p| *p == g.grantee)
        })
        .collect();
    page(
        matching.into_iter().map(|g| (g, record.arn.as_str())),
        limit,
        input.marker,
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RetirableInput {
    retiring_principal: Option<String>,
    limit: Option<i64>,
    marker: Option<String>,
}

fn list_retirable_grants(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: RetirableInput = from_input(input, "ValidationException")?;
    let limit = page_limit(input.limit)?;
    let retiring = input
        .retiring_principal
        .ok_or_else(|| errors::validation("RetiringPrincipal is required."))?;
    let space = space::account_region(&call.principal.account, call.region);
    let items = call
        .env
        .store
        .scan(&space, KEY_TABLE, &Scan::all())
        .map_err(errors::store_failure)?;
    let mut records = Vec::new();
    for item in items {
        let record: KeyRecord = serde_json::from_slice(&item.value)
            .map_err(|_| errors::internal("stored key record does not parse"))?;
        if !key::deletion_due(call, &record) {
            records.push(record);
        }
    }
    let matching = records.iter().flat_map(|r| {
        r.grants
            .iter()
            .filter(|g| g.retiring.as_deref() == Some(retiring.as_str()))
            .map(|g| (g, r.arn.as_str()))
    });
    page(matching, limit, input.marker)
}

/// One page of grants after `marker` (a grant id).
fn page<'g>(
    grants: impl Iterator<Item = (&'g Grant, &'g str)>,
    limit: usize,
    marker: Option<String>,
) -> Result<Value, AwsError> {
    let mut grants = grants.peekable();
    if let Some(marker) = &marker {
        let mut found = false;
        for (g, _) in grants.by_ref() {
            if g.grant_id == *marker {
                found = true;
                break;
            }
        }
        if !found {
            return Err(AwsError::new(
                "InvalidMarkerException",
                400,
                "The marker that specifies where pagination should next begin is not valid.",
            ));
        }
    }
    let page: Vec<(&Grant, &str)> = grants.by_ref().take(limit).collect();
    let truncated = grants.peek().is_some();
    let entries: Vec<Value> = page.iter().map(|(g, arn)| g.entry(arn)).collect();
    let mut out = json!({ "Grants": entries, "Truncated": truncated });
    if truncated && let Some((last, _)) = page.last() {
        out["NextMarker"] = json!(last.grant_id);
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DryRunInput {
    #[serde(default)]
    dry_run: bool,
}

/// The key and grant id a RetireGrant names, by token or by key and grant id.
pub(crate) fn retire_target(
    call: &Call<'_>,
    input: &Value,
) -> Result<(Arc<KeyRecord>, u64, String), AwsError> {
    let token = input.get("GrantToken").and_then(Value::as_str);
    let key_id = input.get("KeyId").and_then(Value::as_str);
    let grant_id = input.get("GrantId").and_then(Value::as_str);
    let (key_id, grant_id) = match (token, key_id, grant_id) {
        (Some(token), _, _) => parse_token(token)?,
        (None, Some(key_id), Some(grant_id)) => (
            resolve(call, key_id, Accept::KeysOnly)?.0.id_bytes()?,
            grant_id.to_owned(),
        ),
        _ => {
            return Err(errors::validation(
                "Either GrantToken, or both KeyId and GrantId, must be specified.",
            ));
        }
    };
    let (record, version) = key::load_by_id_bytes(call, &key_id)?
        .ok_or_else(|| crate::resolve::key_not_found(call, &key::id_text(&key_id)))?;
    Ok((record, version, grant_id))
}

fn retire_grant(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let (record, _, grant_id) = retire_target(call, &input)?;
    let input: DryRunInput = from_input(input, "ValidationException")?;
    remove_grant(call, &record, &grant_id, input.dry_run)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RevokeInput {
    key_id: String,
    grant_id: String,
    #[serde(default)]
    dry_run: bool,
}

fn revoke_grant(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: RevokeInput = from_input(input, "ValidationException")?;
    let (record, _) = resolve(call, &input.key_id, Accept::KeysOnly)?;
    remove_grant(call, &record, &input.grant_id, input.dry_run)
}

fn remove_grant(
    call: &Call<'_>,
    record: &KeyRecord,
    grant_id: &str,
    dry_run: bool,
) -> Result<Value, AwsError> {
    if !record.grants.iter().any(|g| g.grant_id == grant_id) {
        return Err(errors::not_found(format!(
            "Grant ID {grant_id} not found for key {}",
            record.arn
        )));
    }
    if dry_run {
        return Err(errors::dry_run());
    }
    key::update(
        call,
        &record.key_id,
        || crate::resolve::key_not_found(call, &record.key_id),
        |r| {
            let before = r.grants.len();
            r.grants.retain(|g| g.grant_id != grant_id);
            if r.grants.len() == before {
                return Err(errors::invalid_grant_id());
            }
            Ok(())
        },
    )?;
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_key_and_grant() {
        let id = key::id_bytes("1234abcd-12ab-34cd-56ef-1234567890ab").unwrap();
        let t = token(&id, "abc123");
        assert_eq!(parse_token(&t).unwrap(), (id, "abc123".to_owned()));
        assert_eq!(
            parse_token("bm90IGEgdG9rZW4").unwrap_err().code,
            "InvalidGrantTokenException"
        );
        assert!(check_tokens(&json!({"GrantTokens": [t]})).is_ok());
        assert!(check_tokens(&json!({"GrantTokens": ["x"]})).is_err());
    }

    #[test]
    fn constraints_become_conditions() {
        let equals = Constraints {
            encryption_context_equals: Some(BTreeMap::from([("Dept".into(), "IT".into())])),
            ..Constraints::default()
        };
        assert_eq!(
            conditions(&equals),
            json!({
                "StringEquals": {"kms:EncryptionContext:Dept": "IT"},
                "ForAllValues:StringEqualsIgnoreCase": {"kms:EncryptionContextKeys": ["Dept"]},
            })
        );
        let empty = Constraints {
            encryption_context_equals: Some(BTreeMap::new()),
            ..Constraints::default()
        };
        assert_eq!(
            conditions(&empty),
            json!({"Null": {"kms:EncryptionContextKeys": "true"}})
        );
    }
}
