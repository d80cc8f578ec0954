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
    PolicyArn, check_duration, check_name, check_session_policies, credentials, now_seconds,
    packed_size,
};
use super::jwt::{self, TokenError};
use crate::iam::{StoredOidcProvider, StoredRole, get_oidc_provider, get_role, note_role_used};
use crate::sessions::mint;
use rampart_policy::{Context, Policy, PolicyKind, PolicySet, Request, evaluate};
use rampart_protocol::AwsError;
use rampart_service::{Call, PrincipalKind, Session, TlsTrust, from_input, internal_error};
use rampart_types::AccountId;
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
    AwsError::new(
        "AccessDenied",
        403,
        "Not authorized to perform sts:AssumeRoleWithWebIdentity",
    )
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
    trust_allows(
        call,
        &account,
        &role,
        &input.role_arn,
        &provider_arn,
        provider_url,
        &claims,
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
        ..Session::default()
    };
    let kind = PrincipalKind::AssumedRole {
        role_name: role.name.clone(),
        role_path: role.path.clone(),
        session_name: input.role_session_name.clone(),
    };
    let minted =
        mint(call.env, &account, kind, role.role_id.clone(), session).ok_or_else(internal_error)?;
    note_role_used(call.env, &account, &role, call.region.as_str())?;
    let mut out = json!({
        "Credentials": credentials(&minted, now + requested),
        "SubjectFromWebIdentityToken": claims.subject,
        "AssumedRoleUser": {
            "AssumedRoleId": format!("{}:{}", role.role_id, input.role_session_name),
            "Arn": format!(
                "arn:{}:sts::{account}:assumed-role/{}/{}",
                call.env.partition, role.name, input.role_session_name
            ),
        },
        "Provider": provider_arn,
        "Audience": claims.audience,
    });
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

fn find_role(call: &Call<'_>, arn: &str) -> Result<Option<(AccountId, StoredRole)>, AwsError> {
    let Some((account, path, name)) = super::assume_role::parse_role_arn(arn) else {
        return Ok(None);
    };
    let found = get_role(call.env.store.as_ref(), &account, &name).map_err(|e| {
        tracing::error!(error = %e, "cannot read a role");
        internal_error()
    })?;
    Ok(found
        .filter(|(role, _)| role.path == path && role.name == name)
        .map(|(role, _)| (account, role)))
}

/// The trust policy's verdict for the web identity (no identity policy is involved: the caller
/// is not an IAM principal).
fn trust_allows(
    call: &Call<'_>,
    account: &AccountId,
    role: &StoredRole,
    role_arn: &str,
    provider_arn: &str,
    provider_url: &str,
    claims: &jwt::Claims,
) -> Result<(), AwsError> {
    let trust = Policy::parse_stored(&role.trust_policy, PolicyKind::Trust).map_err(|e| {
        tracing::error!(error = %e, "a stored trust policy no longer parses");
        internal_error()
    })?;
    let mut context = Context::new()
        .with(&format!("{provider_url}:sub"), claims.subject.clone())
        .with(&format!("{provider_url}:aud"), claims.audience.clone())
        .with("aws:FederatedProvider", provider_arn)
        .with("aws:SourceIp", call.source_ip.to_string())
        .with("aws:RequestedRegion", call.region.as_str());
    if let Some(amr) = claims.all.get("amr").and_then(Value::as_array) {
        context.set_multi(
            &format!("{provider_url}:amr"),
            amr.iter().filter_map(Value::as_str),
        );
    }
    context.set_request_time(now_seconds(call.env));
    let web = rampart_policy::Principal::WebIdentity {
        provider: provider_arn.to_owned(),
    };
    let mut request = Request::new(web, "sts:AssumeRoleWithWebIdentity", role_arn)
        .with_resource_account(account.to_string())
        .with_context(context);
    request.derive_context();
    let set = PolicySet {
        resource: Some(trust),
        resource_policy_required: true,
        ..PolicySet::default()
    };
    match evaluate(&request, &set).is_allowed() {
        true => Ok(()),
        false => Err(not_authorized()),
    }
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
