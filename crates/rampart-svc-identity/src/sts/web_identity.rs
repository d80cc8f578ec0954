//! AssumeRoleWithWebIdentity: a role session for the bearer of an OpenID Connect ID token.
//!
//! The request is unsigned; the token is the proof. rampart finds the IAM OIDC provider of the
//! role's account whose URL is the token's issuer, fetches the issuer's signing keys through
//! OpenID Connect discovery over HTTPS (trusting the server only by the provider's registered
//! certificate thumbprints, as IAM's `ThumbprintList` intends), verifies the token (signature,
//! audience among the provider's client ids, validity times), then lets the role's trust policy
//! decide for the web identity with the provider's condition keys (`<provider>:sub`,
//! `<provider>:aud`, `<provider>:amr`).

use super::input::{
    PolicyArn, access_denied, check_duration, check_name, check_session_policies, now_seconds,
    packed_size,
};
use super::jwt::{self, TokenError};
use super::role_session::{federated_trust, find_role, issue};
use crate::iam::{StoredOidcProvider, get_oidc_provider};
use rampart_policy::Context;
use rampart_protocol::AwsError;
use rampart_service::{Call, Session, TlsTrust, from_input};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    role_arn: String,
    role_session_name: String,
    web_identity_token: String,
    policy: Option<String>,
    #[serde(default)]
    policy_arns: Vec<PolicyArn>,
    duration_seconds: Option<i64>,
}

/// Discovery documents and key sets are small; anything larger is refused.
const FETCH_LIMIT: usize = 256 * 1024;
/// How long a provider's key set is reused before it is fetched again.
const KEYS_TTL: i64 = 300;

fn invalid_token(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidIdentityToken", 400, message)
}

fn communication_error(message: impl Into<String>) -> AwsError {
    AwsError::new("IDPCommunicationError", 400, message)
}

fn not_authorized() -> AwsError {
    access_denied("Not authorized to perform sts:AssumeRoleWithWebIdentity")
}

pub(crate) fn assume_role_with_web_identity(
    call: &Call<'_>,
    input: Value,
) -> Result<Value, AwsError> {
    let input: Input = from_input(input, "ValidationError")?;
    check_name(&input.role_session_name, "roleSessionName", 2, 64)?;
    let requested = check_duration(input.duration_seconds.unwrap_or(3_600), 900, 43_200)?;
    let arns = check_session_policies(input.policy.as_deref(), &input.policy_arns)?;
    let token = jwt::parse(&input.web_identity_token).map_err(token_error)?;
    let issuer = token
        .issuer()
        .ok_or_else(|| invalid_token("The ID token has no issuer (iss)."))?
        .to_owned();
    let Some((account, role)) = find_role(call, &input.role_arn)? else {
        return Err(not_authorized());
    };
    let provider_url = issuer.trim_start_matches("https://").trim_end_matches('/');
    let provider_arn = format!(
        "arn:{}:iam::{account}:oidc-provider/{provider_url}",
        call.env.partition
    );
    let provider = get_oidc_provider(call.env, &account, &provider_arn)?.ok_or_else(|| {
        invalid_token(format!(
            "No OpenIDConnect provider found in your account for {issuer}"
        ))
    })?;
    let now = now_seconds(call.env);
    let keys = signing_keys(call, &issuer, &provider, now)?;
    let claims = token
        .verify(&keys, &provider.client_ids, now)
        .map_err(token_error)?;
    federated_trust(
        call,
        &account,
        &role,
        &input.role_arn,
        &provider_arn,
        "sts:AssumeRoleWithWebIdentity",
        provider_keys(provider_url, &claims),
    )?;
    if requested > i64::from(role.max_session_duration) {
        return Err(super::input::validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }
    let packed = packed_size(input.policy.as_deref(), &arns, &[])?;
    let session = Session {
        issued_at: now,
        expires_at: now + requested,
        policy: input.policy,
        policy_arns: arns,
        federated_provider: Some(provider_arn.clone()),
        ..Session::default()
    };
    let mut out = issue(call, &account, &role, &input.role_session_name, session)?;
    out["SubjectFromWebIdentityToken"] = json!(claims.subject);
    out["Provider"] = json!(provider_arn);
    out["Audience"] = json!(claims.audience);
    if let Some(packed) = packed {
        out["PackedPolicySize"] = json!(packed);
    }
    Ok(out)
}

fn token_error(e: TokenError) -> AwsError {
    match e {
        TokenError::Invalid(message) => invalid_token(message),
        TokenError::Expired(message) => AwsError::new("ExpiredTokenException", 400, message),
    }
}

/// The provider's condition keys for a verified token.
fn provider_keys(provider_url: &str, claims: &jwt::Claims) -> Context {
    let mut context = Context::new()
        .with(&format!("{provider_url}:sub"), claims.subject.clone())
        .with(&format!("{provider_url}:aud"), claims.audience.clone());
    if let Some(amr) = claims.all.get("amr").and_then(Value::as_array) {
        context.set_multi(
            &format!("{provider_url}:amr"),
            amr.iter().filter_map(Value::as_str),
        );
    }
    context
}

/// The issuer's JSON Web Key Set, fetched through discovery and kept for a few minutes (per
/// issuer and trusted thumbprints: a provider that pins other certificates fetches its own).
fn signing_keys(
    call: &Call<'_>,
    issuer: &str,
    provider: &StoredOidcProvider,
    now: i64,
) -> Result<Value, AwsError> {
    static CACHE: LazyLock<Mutex<HashMap<String, (i64, Value)>>> = LazyLock::new(Mutex::default);
    let cache_key = format!("{issuer} {}", provider.thumbprints.join(","));
    let cached = CACHE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&cache_key)
        .filter(|(at, _)| now - at < KEYS_TTL)
        .map(|(_, keys)| keys.clone());
    if let Some(keys) = cached {
        return Ok(keys);
    }
    let pins = provider
        .thumbprints
        .iter()
        .filter_map(|hex_text| hex::decode(hex_text).ok()?.try_into().ok())
        .collect();
    let trust = TlsTrust::Thumbprints(pins);
    let fetch = |url: &str| -> Result<Value, AwsError> {
        let body = call
            .env
            .outbound
            .get(url, &trust, FETCH_LIMIT)
            .map_err(|why| communication_error(format!("Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements ({why})")))?;
        serde_json::from_slice(&body)
            .map_err(|_| communication_error(format!("{url} did not answer with JSON")))
    };
    let discovery = fetch(&format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    ))?;
    let jwks_uri = discovery
        .get("jwks_uri")
        .and_then(Value::as_str)
        .ok_or_else(|| communication_error("The provider's discovery document has no jwks_uri"))?;
    let keys = fetch(jwks_uri)?;
    CACHE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(cache_key, (now, keys.clone()));
    Ok(keys)
}
