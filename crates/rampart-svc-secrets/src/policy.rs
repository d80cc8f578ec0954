//! Resource policies: PutResourcePolicy (with BlockPublicPolicy), GetResourcePolicy,
//! DeleteResourcePolicy, ValidateResourcePolicy and ListResourcePolicies.
//!
//! A policy is public (what BlockPublicPolicy refuses) when one of its Allow statements names
//! every principal (`"*"` or `{"AWS": "*"}`) and no condition pins the caller down to known
//! accounts, organizations, principals, sources or networks.

use crate::errors;
use crate::input::{self, flag, text};
use crate::model;
use crate::resolve::resolve;
use rampart_policy::{Policy, PolicyKind};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use serde_json::{Value, json};

/// The largest resource policy, in characters.
const MAX_POLICY: usize = 20_480;

/// Condition keys that confine a wildcard principal.
const CONFINING_KEYS: [&str; 10] = [
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceowner",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:userid",
];

pub(crate) fn register(registry: &mut Registry) {
    registry.register(
        "secretsmanager",
        "PutResourcePolicy",
        false,
        put_resource_policy,
    );
    registry.register(
        "secretsmanager",
        "GetResourcePolicy",
        true,
        get_resource_policy,
    );
    registry.register(
        "secretsmanager",
        "DeleteResourcePolicy",
        false,
        delete_resource_policy,
    );
    registry.register(
        "secretsmanager",
        "ValidateResourcePolicy",
        true,
        validate_resource_policy,
    );
    registry.register(
        "secretsmanager",
        "ListResourcePolicies",
        true,
        list_resource_policies,
    );
}

fn is_wildcard(principal: &Value) -> bool {
    match principal {
        Value::String(s) => s == "*",
        Value::Array(a) => a.iter().any(is_wildcard),
        Value::Object(m) => m.get("AWS").is_some_and(is_wildcard),
        _ => false,
    }
}

fn confined(condition: Option<&Value>) -> bool {
    let Some(Value::Object(operators)) = condition else {
        return false;
    };
    operators.values().any(|keys| {
        keys.as_object().is_some_and(|keys| {
            keys.iter().any(|(key, value)| {
                CONFINING_KEYS.contains(&key.to_ascii_lowercase().as_str())
                    && !value.as_str().is_some_and(|v| v.contains('*'))
            })
        })
    })
}

/// Whether the policy document grants broad (public) access.
pub(crate) fn is_public(document: &str) -> bool {
    let Ok(doc) = serde_json::from_str::<Value>(document) else {
        return false;
    };
    let statements = match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(one) => vec![one.clone()],
        None => Vec::new(),
    };
    statements.iter().any(|s| {
        text(s, "Effect") == Some("Allow")
            && s.get("Principal").is_some_and(is_wildcard)
            && !confined(s.get("Condition"))
    })
}

/// Parses a resource policy, refusing it with AWS's error.
fn parse(document: &str) -> Result<Policy, AwsError> {
    if document.chars().count() > MAX_POLICY {
        return Err(errors::validation(
            "resourcePolicy",
            "Member must have length less than or equal to 20480",
        ));
    }
    Policy::parse(document, PolicyKind::Resource)
        .map_err(|e| errors::malformed_policy(e.to_string()))
}

/// The only policy name AWS accepts.
const POLICY_NAME: &str = "default";

/// Refuses a `PolicyName` other than `default`.
fn check_policy_name(input: &Value) -> Result<(), AwsError> {
    match text(input, "PolicyName") {
        None | Some(POLICY_NAME) => Ok(()),
        Some(_) => Err(errors::invalid_parameter(
            "You can only attach the default policy.",
        )),
    }
}

fn put_resource_policy(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    check_policy_name(&input)?;
    let found = resolve(call, input::secret_id(&input)?)?;
    let document = input::required(&input, "ResourcePolicy")?.to_owned();
    parse(&document)?;
    if flag(&input, "BlockPublicPolicy").unwrap_or(false) && is_public(&document) {
        return Err(errors::public_policy());
    }
    let secret = found.secret();
    secret.require_live()?;
    if secret.is_replica(call.region.as_str()) {
        return Err(errors::replica_read_only());
    }
    let name = secret.name.clone();
    model::update(call.env, &found.space, &name, |s, _| {
        s.policy = Some(document.clone());
        Ok(())
    })?;
    crate::replication::sync(call, &found.space, &name)?;
    Ok(json!({"ARN": secret.arn, "Name": name, "PolicyName": POLICY_NAME}))
}

fn get_resource_policy(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    check_policy_name(&input)?;
    let found = resolve(call, input::secret_id(&input)?)?;
    let secret = found.secret();
    let mut out = json!({"ARN": secret.arn, "Name": secret.name});
    if let Some(p) = &secret.policy {
        out["ResourcePolicy"] = p.clone().into();
        out["PolicyName"] = POLICY_NAME.into();
    }
    Ok(out)
}

fn delete_resource_policy(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    check_policy_name(&input)?;
    let found = resolve(call, input::secret_id(&input)?)?;
    let secret = found.secret();
    if secret.is_replica(call.region.as_str()) {
        return Err(errors::replica_read_only());
    }
    let name = secret.name.clone();
    model::update(call.env, &found.space, &name, |s, _| {
        s.policy = None;
        Ok(())
    })?;
    crate::replication::sync(call, &found.space, &name)?;
    Ok(json!({"ARN": secret.arn, "Name": name, "PolicyName": POLICY_NAME}))
}

fn validate_resource_policy(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    if let Some(id) = text(&input, "SecretId") {
        resolve(call, id)?;
    }
    let document = input::required(&input, "ResourcePolicy")?;
    let mut problems = Vec::new();
    match parse(document) {
        Ok(_) => {
            if is_public(document) {
                problems.push(json!({
                    "CheckName": "BLOCK_PUBLIC_POLICY",
                    "ErrorMessage": "The resource policy grants broad access to the secret.",
                }));
            }
        }
        Err(e) if e.code == "MalformedPolicyDocumentException" => {
            problems.push(json!({"CheckName": "SYNTAX_CHECK", "ErrorMessage": e.message}));
        }
        Err(e) => return Err(e),
    }
    Ok(json!({
        "PolicyValidationPassed": problems.is_empty(),
        "ValidationErrors": problems,
    }))
}

fn list_resource_policies(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let found = resolve(call, input::secret_id(&input)?)?;
    let secret = found.secret();
    let policies: Vec<Value> = secret
        .policy
        .iter()
        .map(|_| json!({"PolicyName": POLICY_NAME}))
        .collect();
    let (page, next) = input::page(&input, &policies, 100)?;
    let mut out = json!({"ResourcePolicies": page});
    if let Some(next) = next {
        out["NextToken"] = next.into();
    }
    Ok(out)
}
