//! Key policies: PutKeyPolicy, GetKeyPolicy and ListKeyPolicies, AWS's default key policy, the
//! lockout-safety check, and the compiled policy the authorization table evaluates (the key
//! policy plus one Allow statement per grant, compiled once per stored key version).

use crate::errors;
use crate::grants;
use crate::key::{self, KeyRecord};
use crate::resolve::{Accept, resolve};
use rampart_policy::{Context, Policy, PolicyKind};
use rampart_protocol::AwsError;
use rampart_service::{Access, Call, Registry, from_input};
use serde::Deserialize;
use serde_json::{Value, json};

/// The only key policy name.
const POLICY_NAME: &str = "default";
/// Largest key policy document, in bytes (AWS's quota: 32 KiB, although the model admits more).
const MAX_POLICY_BYTES: usize = 32_768;
/// AWS's message when a new policy would lock the caller out of the key.
const LOCKOUT: &str =
    "The new key policy will not allow you to update the key policy in the future.";

pub(crate) fn register(registry: &mut Registry) {
    registry.register("kms", "PutKeyPolicy", false, put_key_policy);
    registry.register("kms", "GetKeyPolicy", true, get_key_policy);
    registry.register("kms", "ListKeyPolicies", true, list_key_policies);
}

/// AWS's default key policy, byte for byte as GetKeyPolicy returns it: the account's root may
/// do everything, which hands the decision to the account's IAM policies.
pub(crate) fn default_policy(partition: &str, account: &str) -> String {
    format!(
        "{{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {{\n    \"Sid\" : \"Enable IAM User Permissions\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {{\n      \"AWS\" : \"arn:{partition}:iam::{account}:root\"\n    }},\n    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  }} ]\n}}"
    )
}

/// The key's policy document as GetKeyPolicy returns it.
pub(crate) fn document(call: &Call<'_>, record: &KeyRecord) -> String {
    match &record.policy {
        Some(policy) => policy.clone(),
        None => default_policy(call.env.partition.as_str(), &record.account),
    }
}

/// Checks a new key policy document: size, syntax (AWS's MalformedPolicyDocumentException
/// texts from the policy engine) and, unless bypassed, that it still lets the caller put the
/// key's policy. Returns the compiled policy.
pub(crate) fn check_new(
    call: &Call<'_>,
    key_arn: &str,
    document: &str,
    bypass_lockout_check: bool,
) -> Result<Policy, AwsError> {
    if document.is_empty() || document.len() > MAX_POLICY_BYTES {
        return Err(errors::constraint(
            "policy",
            "Member must have length less than or equal to 32768",
        ));
    }
    let allowed = |c: char| matches!(c, '\t' | '\n' | '\r' | ' '..='\u{ff}');
    if !document.chars().all(allowed) {
        return Err(errors::validation(
            "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
        ));
    }
    let policy = Policy::parse(document, PolicyKind::Resource)
        .map_err(|e| errors::malformed_policy(e.to_string()))?
        .named(POLICY_NAME);
    if !bypass_lockout_check {
        lockout_check(call, key_arn, &policy)?;
    }
    Ok(policy)
}

/// The lockout-safety check: the caller must be allowed `kms:PutKeyPolicy` on the key under
/// the new policy (with the caller's own IAM policies, exactly as a later request would be).
fn lockout_check(call: &Call<'_>, key_arn: &str, policy: &Policy) -> Result<(), AwsError> {
    let mut context = Context::new()
        .with("aws:SourceIp", call.source_ip.to_string())
        .with("aws:UserAgent", call.user_agent)
        .with("aws:RequestedRegion", call.region.as_str())
        .with("aws:ViaAWSService", "false");
    context.set_request_time(key::now(call) as i64);
    let enforcer = rampart_svc_identity::Enforcer::new(call.env, call.principal, context)
        .map_err(errors::store_failure)?;
    let access = Access::new("kms:PutKeyPolicy", key_arn)
        .with_resource_policy(policy.clone(), true)
        .with("kms:CallerAccount", call.principal.account.to_string());
    enforcer
        .check(&access)
        .map_err(|_| errors::malformed_policy(LOCKOUT))
}

/// The policy the authorization table evaluates for `record` (store version `version`): the
/// key policy with the grants' Allow statements, compiled once per version.
pub(crate) fn compiled(
    call: &Call<'_>,
    record: &KeyRecord,
    version: u64,
) -> Result<Policy, AwsError> {
    let store_key = key::record_key(call, record)?;
    if let Some(policy) = crate::cache::policy(&store_key, version) {
        return Ok(policy);
    }
    let text = document(call, record);
    let text = if record.grants.is_empty() {
        text
    } else {
        with_statements(&text, grants::statements(&record.grants))?
    };
    let policy = Policy::parse_stored(&text, PolicyKind::Resource)
        .map_err(|_| errors::internal("a stored key policy does not parse"))?
        .named(POLICY_NAME);
    crate::cache::keep_policy(&store_key, version, &policy);
    Ok(policy)
}

/// The document `text` with `extra` statements appended.
fn with_statements(text: &str, extra: Vec<Value>) -> Result<String, AwsError> {
    let mut doc: Value = serde_json::from_str(text)
        .map_err(|_| errors::internal("a stored key policy is not JSON"))?;
    let mut statements = match doc.get_mut("Statement").map(Value::take) {
        Some(Value::Array(list)) => list,
        Some(Value::Null) | None => Vec::new(),
        Some(one) => vec![one],
    };
    statements.extend(extra);
    doc["Statement"] = Value::Array(statements);
    Ok(doc.to_string())
}

/// Refuses a policy name other than `default`.
fn check_name(name: Option<&str>) -> Result<(), AwsError> {
    match name {
        None | Some(POLICY_NAME) => Ok(()),
        Some(other) => Err(errors::not_found(format!(
            "Policy '{other}' does not exist. The only key policy name is 'default'."
        ))),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutInput {
    key_id: String,
    policy_name: Option<String>,
    policy: String,
    #[serde(default)]
    bypass_policy_lockout_safety_check: bool,
}

fn put_key_policy(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: PutInput = from_input(input, "ValidationException")?;
    check_name(input.policy_name.as_deref())?;
    let (record, _) = resolve(call, &input.key_id, Accept::KeysOnly)?;
    check_new(
        call,
        &record.arn,
        &input.policy,
        input.bypass_policy_lockout_safety_check,
    )?;
    key::update(
        call,
        &record.key_id,
        || crate::resolve::key_not_found(call, &record.key_id),
        |r| {
            r.require_not_pending_deletion()?;
            r.policy = Some(input.policy.clone());
            Ok(())
        },
    )?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetInput {
    key_id: String,
    policy_name: Option<String>,
}

fn get_key_policy(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: GetInput = from_input(input, "ValidationException")?;
    check_name(input.policy_name.as_deref())?;
    let (record, _) = resolve(call, &input.key_id, Accept::KeysOnly)?;
    Ok(json!({ "Policy": document(call, &record), "PolicyName": POLICY_NAME }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    key_id: String,
    limit: Option<i64>,
}

fn list_key_policies(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ListInput = from_input(input, "ValidationException")?;
    crate::keys::page_limit(input.limit)?;
    resolve(call, &input.key_id, Accept::KeysOnly)?;
    Ok(json!({ "PolicyNames": [POLICY_NAME], "Truncated": false }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_is_the_root_statement_and_parses() {
        let text = default_policy("aws", "111122223333");
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            doc,
            json!({
                "Version": "2012-10-17",
                "Id": "key-default-1",
                "Statement": [{
                    "Sid": "Enable IAM User Permissions",
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }],
            })
        );
        // AWS answers with its pretty printer's spacing (`"Key" : value`).
        assert!(text.contains("\"Sid\" : \"Enable IAM User Permissions\""));
        assert!(Policy::parse(&text, PolicyKind::Resource).is_ok());
    }

    #[test]
    fn extra_statements_join_one_or_many() {
        let one = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}}"#;
        let joined = with_statements(one, vec![json!({"Sid": "x"})]).unwrap();
        let doc: Value = serde_json::from_str(&joined).unwrap();
        assert_eq!(doc["Statement"].as_array().unwrap().len(), 2);
        assert_eq!(doc["Statement"][1]["Sid"], "x");
    }
}
