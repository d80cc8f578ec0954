//! What STS operations share: AWS's input constraints with STS's wording, session policies and
//! tags, and the `Credentials` structure.

use crate::sessions::Minted;
use rampart_policy::{Policy, PolicyKind};
use rampart_protocol::AwsError;
use serde::Deserialize;
use serde_json::{Value, json};

/// `ValidationError` (HTTP 400), STS's code for input that breaks a constraint.
pub(crate) fn validation(message: impl Into<String>) -> AwsError {
    AwsError::new("ValidationError", 400, message)
}

/// `AccessDenied` (HTTP 403), STS's code for a caller it refuses.
pub(crate) fn access_denied(message: impl Into<String>) -> AwsError {
    AwsError::new("AccessDenied", 403, message)
}

fn constraint(value: impl std::fmt::Display, member: &str, rule: &str) -> AwsError {
    validation(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {rule}"
    ))
}

/// A `DurationSeconds` within `min..=max`, or AWS's message for the bound it breaks.
pub(crate) fn check_duration(value: i64, min: i64, max: i64) -> Result<i64, AwsError> {
    if value < min {
        return Err(constraint(
            value,
            "durationSeconds",
            &format!("Member must have value greater than or equal to {min}"),
        ));
    }
    if value > max {
        return Err(constraint(
            value,
            "durationSeconds",
            &format!("Member must have value less than or equal to {max}"),
        ));
    }
    Ok(value)
}

/// A name of the `[\w+=,.@-]*` family with `min..=max` characters (session names, federated
/// user names, source identities).
pub(crate) fn check_name(
    value: &str,
    member: &str,
    min: usize,
    max: usize,
) -> Result<(), AwsError> {
    let len = value.chars().count();
    if len < min {
        return Err(constraint(
            value,
            member,
            &format!("Member must have length greater than or equal to {min}"),
        ));
    }
    if len > max {
        return Err(constraint(
            value,
            member,
            &format!("Member must have length less than or equal to {max}"),
        ));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
    {
        return Err(constraint(
            value,
            member,
            "Member must satisfy regular expression pattern: [\\w+=,.@-]*",
        ));
    }
    Ok(())
}

/// A `PolicyDescriptorType` (its one member is spelled `arn` in the model).
#[derive(Debug, Deserialize)]
pub(crate) struct PolicyArn {
    pub arn: Option<String>,
}

/// An STS `Tag`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Tag {
    pub key: String,
    pub value: String,
}

/// The most session tags a request may pass.
const MAX_TAGS: usize = 50;

/// Checks a session's inline policy (`PolicyKind::Session`, at most 2,048 characters) and managed
/// policy ARNs (at most 10); the ARNs must name managed policies (AWS or of `account`).
pub(crate) fn check_session_policies(
    policy: Option<&str>,
    arns: &[PolicyArn],
) -> Result<Vec<String>, AwsError> {
    if let Some(document) = policy {
        if document.chars().count() > 2048 {
            return Err(constraint(
                "...",
                "policy",
                "Member must have length less than or equal to 2048",
            ));
        }
        Policy::parse(document, PolicyKind::Session)
            .map_err(|e| AwsError::new("MalformedPolicyDocument", 400, e.to_string()))?;
    }
    if arns.len() > 10 {
        return Err(constraint(
            "[...]",
            "policyArns",
            "Member must have length less than or equal to 10",
        ));
    }
    arns.iter()
        .map(|p| {
            let arn = p.arn.clone().unwrap_or_default();
            let valid =
                arn.starts_with("arn:") && arn.contains(":iam::") && arn.contains(":policy/");
            if valid {
                Ok(arn)
            } else {
                Err(validation(format!("{arn} is invalid")))
            }
        })
        .collect()
}

/// Checks session tags: at most 50, keys 1-128 and values 0-256 characters, keys unique
/// regardless of case. Returns them as pairs.
pub(crate) fn check_tags(tags: &[Tag]) -> Result<Vec<(String, String)>, AwsError> {
    if tags.len() > MAX_TAGS {
        return Err(constraint(
            "[...]",
            "tags",
            "Member must have length less than or equal to 50",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for tag in tags {
        let key_len = tag.key.chars().count();
        if key_len == 0 || key_len > 128 {
            return Err(constraint(
                &tag.key,
                "tags.member.key",
                "Member must have length between 1 and 128",
            ));
        }
        if tag.value.chars().count() > 256 {
            return Err(constraint(
                &tag.value,
                "tags.member.value",
                "Member must have length less than or equal to 256",
            ));
        }
        if !seen.insert(tag.key.to_lowercase()) {
            return Err(validation(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
            ));
        }
    }
    Ok(tags
        .iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect())
}

/// How much of STS's packed-policy allowance a session's policies and tags use, in percent (AWS
/// reports it as `PackedPolicySize`; over 100 the request fails with `PackedPolicyTooLarge`).
/// rampart measures the plain length against 2,048 characters.
pub(crate) fn packed_size(
    policy: Option<&str>,
    arns: &[String],
    tags: &[(String, String)],
) -> Result<Option<i64>, AwsError> {
    if policy.is_none() && arns.is_empty() && tags.is_empty() {
        return Ok(None);
    }
    let used = policy.map_or(0, str::len)
        + arns.iter().map(String::len).sum::<usize>()
        + tags.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
    let percent = i64::try_from((used * 100).div_ceil(2048))
        .unwrap_or(i64::MAX)
        .max(1);
    if percent > 100 {
        return Err(AwsError::new(
            "PackedPolicyTooLarge",
            400,
            format!(
                "Packed size of the session policies and session tags is {percent}% of the allowed limit."
            ),
        ));
    }
    Ok(Some(percent))
}

/// The `Credentials` structure for minted credentials expiring at `expires_at`.
pub(crate) fn credentials(minted: &Minted, expires_at: i64) -> Value {
    json!({
        "AccessKeyId": minted.access_key_id,
        "SecretAccessKey": minted.secret_access_key.as_str(),
        "SessionToken": minted.session_token,
        "Expiration": expires_at as f64,
    })
}

/// Seconds since the epoch, now.
pub(crate) fn now_seconds(env: &rampart_service::Env) -> i64 {
    env.clock
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
