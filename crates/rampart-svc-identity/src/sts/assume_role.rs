//! AssumeRole: a session of an IAM role, for a caller the role's trust policy (and, across or
//! within accounts as AWS requires, the caller's own policies) lets in.
//!
//! The authorization table asks for `sts:AssumeRole` on the role with its trust policy as the
//! resource policy (plus `sts:TagSession` when tags are passed and `sts:SetSourceIdentity` when
//! a source identity is); the handler checks everything else AWS checks: the session name and
//! duration rules (the role's maximum, one hour when chaining), MFA, session policies, session
//! tags and their transitive inheritance, and the source identity that never changes down a
//! chain.

use super::input::{
    PolicyArn, Tag, access_denied, check_duration, check_name, check_session_policies, check_tags,
    now_seconds, packed_size, validation,
};
use super::role_session::{find_role, issue, trust_policy};
use rampart_protocol::AwsError;
use rampart_service::{Access, Call, PrincipalKind, Session, from_input};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    role_arn: String,
    role_session_name: String,
    policy: Option<String>,
    #[serde(default)]
    policy_arns: Vec<PolicyArn>,
    duration_seconds: Option<i64>,
    #[serde(default)]
    tags: Vec<Tag>,
    #[serde(default)]
    transitive_tag_keys: Vec<String>,
    external_id: Option<String>,
    serial_number: Option<String>,
    token_code: Option<String>,
    source_identity: Option<String>,
}

/// A session lasts an hour unless asked otherwise; a chained one at most an hour.
const DEFAULT_DURATION: i64 = 3_600;
const CHAINED_MAX: i64 = 3_600;

/// The accesses `AssumeRole` with `input` needs: the role, with its trust policy as the resource
/// policy that must let the caller in. A role that does not exist has no trust policy, so the
/// caller is refused exactly as one the trust policy does not name.
pub(crate) fn accesses(call: &Call<'_>, input: &Value) -> Result<Vec<Access>, AwsError> {
    let text = |member: &str| input.get(member).and_then(Value::as_str);
    let arn = text("RoleArn").unwrap_or_default();
    let trust = match find_role(call, arn)? {
        Some((_, role)) => Some(trust_policy(&role)?),
        None => None,
    };
    let tags = super::tag_pairs(input);
    let mut base = Access::new("sts:AssumeRole", arn)
        .with_request_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if let Some(session_name) = text("RoleSessionName") {
        base = base.with("sts:RoleSessionName", session_name);
    }
    if let Some(external_id) = text("ExternalId") {
        base = base.with("sts:ExternalId", external_id);
    }
    if let Some(source) = text("SourceIdentity") {
        base = base.with("sts:SourceIdentity", source);
    }
    if text("SerialNumber").is_some() && text("TokenCode").is_some() {
        // The handler refuses the call unless the code is right.
        base = base.with("aws:MultiFactorAuthPresent", "true");
    }
    if let Some(keys) = input.get("TransitiveTagKeys").and_then(Value::as_array) {
        base = base.with_multi(
            "sts:TransitiveTagKeys",
            keys.iter().filter_map(Value::as_str),
        );
    }
    base = match trust {
        Some(trust) => base.with_resource_policy(trust, true),
        None => {
            base.resource_policy_required = true;
            base
        }
    };
    let mut accesses = vec![base.clone()];
    if !tags.is_empty() {
        let mut tag_session = base.clone();
        tag_session.action = "sts:TagSession".into();
        accesses.push(tag_session);
    }
    if text("SourceIdentity").is_some() {
        let mut set_source = base;
        set_source.action = "sts:SetSourceIdentity".into();
        accesses.push(set_source);
    }
    Ok(accesses)
}

pub(crate) fn assume_role(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: Input = from_input(input, "ValidationError")?;
    check_name(&input.role_session_name, "roleSessionName", 2, 64)?;
    if let Some(external_id) = &input.external_id {
        check_external_id(external_id)?;
    }
    if let Some(source) = &input.source_identity {
        check_name(source, "sourceIdentity", 2, 64)?;
        if source.to_ascii_lowercase().starts_with("aws:") {
            return Err(validation(
                "SourceIdentity cannot begin with the prefix 'aws:'",
            ));
        }
    }
    let requested = check_duration(
        input.duration_seconds.unwrap_or(DEFAULT_DURATION),
        900,
        43_200,
    )?;
    let Some((account, role)) = find_role(call, &input.role_arn)? else {
        return Err(not_authorized(call, &input.role_arn));
    };
    let caller_session = call.principal.session.as_deref();
    let chained = matches!(call.principal.kind, PrincipalKind::AssumedRole { .. });
    if chained && requested > CHAINED_MAX {
        return Err(validation(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        ));
    }
    if requested > i64::from(role.max_session_duration) {
        return Err(validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }
    let mfa_authenticated_at = super::mfa::proof(
        call,
        input.serial_number.as_deref(),
        input.token_code.as_deref(),
    )?
    .or_else(|| caller_session.and_then(|s| s.mfa_authenticated_at));
    let arns = check_session_policies(input.policy.as_deref(), &input.policy_arns)?;
    let new_tags = check_tags(&input.tags)?;
    let (tags, transitive_tag_keys) =
        inherit_tags(caller_session, new_tags, &input.transitive_tag_keys)?;
    let source_identity = match (
        caller_session.and_then(|s| s.source_identity.clone()),
        input.source_identity,
    ) {
        (Some(kept), Some(asked)) if kept != asked => {
            return Err(access_denied(
                "The source identity of a session cannot be changed down a role chain.",
            ));
        }
        (Some(kept), _) => Some(kept),
        (None, asked) => asked,
    };
    let packed = packed_size(input.policy.as_deref(), &arns, &tags)?;
    let issued_at = now_seconds(call.env);
    let session = Session {
        issued_at,
        expires_at: issued_at + requested,
        policy: input.policy,
        policy_arns: arns,
        tags,
        transitive_tag_keys,
        source_identity: source_identity.clone(),
        mfa_authenticated_at,
        chained,
        federated_provider: None,
    };
    let mut out = issue(call, &account, &role, &input.role_session_name, session)?;
    if let Some(packed) = packed {
        out["PackedPolicySize"] = json!(packed);
    }
    if let Some(source) = source_identity {
        out["SourceIdentity"] = json!(source);
    }
    Ok(out)
}

/// Session tags as (key, value) pairs, and the keys among them that stay transitive.
type SessionTags = (Vec<(String, String)>, Vec<String>);

/// The new session's tags: the caller's transitive session tags, then the ones passed (which may
/// not redefine an inherited key), and the keys that stay transitive.
fn inherit_tags(
    caller: Option<&Session>,
    new_tags: Vec<(String, String)>,
    transitive: &[String],
) -> Result<SessionTags, AwsError> {
    let mut keys: Vec<String> = Vec::new();
    let mut tags: Vec<(String, String)> = Vec::new();
    if let Some(caller) = caller {
        for key in &caller.transitive_tag_keys {
            if let Some(tag) = caller
                .tags
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
            {
                tags.push(tag.clone());
                keys.push(key.clone());
            }
        }
    }
    for (key, value) in new_tags {
        if tags.iter().any(|(k, _)| k.eq_ignore_ascii_case(&key)) {
            return Err(validation(format!(
                "One or more tags conflict with a transitive tag of the calling session: {key}"
            )));
        }
        tags.push((key, value));
    }
    for key in transitive {
        if !tags.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
            return Err(validation(format!(
                "The transitive tag key {key} is not a tag of this session."
            )));
        }
        if !keys.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            keys.push(key.clone());
        }
    }
    Ok((tags, keys))
}

/// `ExternalId`: 2-1224 characters of `[\w+=,.@:/-]`.
fn check_external_id(value: &str) -> Result<(), AwsError> {
    let len = value.chars().count();
    let pattern_ok = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c));
    if (2..=1224).contains(&len) && pattern_ok {
        return Ok(());
    }
    Err(validation(format!(
        "1 validation error detected: Value '{value}' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*"
    )))
}

/// AWS's refusal for a role the caller may not assume (or that does not exist).
fn not_authorized(call: &Call<'_>, role_arn: &str) -> AwsError {
    access_denied(format!(
        "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
        call.principal.arn()
    ))
}
