//! Outbound web identity federation: rampart as an OpenID Connect issuer for the principals of
//! an account (IAM EnableOutboundWebIdentityFederation, DisableOutboundWebIdentityFederation,
//! GetOutboundWebIdentityFederationInfo; STS GetWebIdentityToken).
//!
//! Enabling the feature gives the account an issuer of its own (a random id under rampart's
//! public URL) and two signing keys, RSA 2048 for `RS256` and P-384 for `ES384`, generated here
//! and stored sealed under the master key. A token is a JWT (RFC 7519) signed with one of them:
//! the standard claims (`iss`, `sub` the principal's ARN, a role session's role, `aud`, `iat`,
//! `exp`, `jti`) and AWS's under the `https://sts.amazonaws.com/` claim (`aws_account`,
//! `source_region`, `org_id`, `ou_path`, `principal_tags`, `request_tags`). External verifiers
//! read the public keys from the issuer's JWKS and its discovery document, which the server
//! publishes ([`outbound_issuer_document`]). Private keys never leave this module
//! unsealed.

use crate::governing::governing;
use crate::organizations::standing;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use rampart_crypto::random_token;
use rampart_protocol::AwsError;
use rampart_service::{Access, Call, Env, PrincipalKind, Registry, internal_error};
use rampart_store::{Batch, Expect, Key, space};
use rampart_types::AccountId;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use zeroize::Zeroizing;

/// The account's outbound federation record, in its IAM account table.
const RECORD_TABLE: &str = crate::iam::ACCOUNT_TABLE;
const RECORD_KEY: &str = "outbound-web-identity-federation";
/// Issuer ids to their account, server-wide (what the JWKS endpoint looks up).
const ISSUER_TABLE: &str = "sts.outbound-issuer";
/// Binds sealed signing keys to their purpose.
const KEY_CONTEXT: &[u8] = b"rampart/sts/outbound-signing-key/v1";
/// The claim AWS's own claims are nested under.
const AWS_CLAIM: &str = "https://sts.amazonaws.com/";
/// Token lifetimes: default, shortest and longest.
const DEFAULT_DURATION: i64 = 300;
const MIN_DURATION: i64 = 60;
const MAX_DURATION: i64 = 3_600;
/// The largest payload rampart signs (JSON bytes).
const MAX_PAYLOAD: usize = 16_384;
/// The issuer `id`, under the server's public URL ([`Env::public_url`]), where the server
/// publishes its discovery document and JWKS.
fn issuer_url(env: &Env, id: &str) -> String {
    format!(
        "{}/_rampart/oidc/{id}",
        env.public_url.trim_end_matches('/')
    )
}

/// An account's issuer and its sealed keys.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    issuer_id: String,
    enabled: bool,
    /// PKCS#8 RSA key, sealed, base64.
    rsa: String,
    /// PKCS#8 P-384 key, sealed, base64.
    ec: String,
}

fn record_key(account: &AccountId) -> Key {
    Key::new(space::account(account), RECORD_TABLE, RECORD_KEY.to_owned())
}

fn read(env: &Env, account: &AccountId) -> Result<Option<(Record, u64)>, AwsError> {
    let Some(item) = env.store.get(&record_key(account)).map_err(store_error)? else {
        return Ok(None);
    };
    let record = serde_json::from_slice(&item.value).map_err(|_| internal_error())?;
    Ok(Some((record, item.version)))
}

fn store_error(e: rampart_store::StoreError) -> AwsError {
    tracing::error!(error = %e, "outbound federation record");
    internal_error()
}

fn disabled() -> AwsError {
    crate::iam::model_error(
        "FeatureDisabledException",
        "Outbound web identity federation is not enabled for this account.".into(),
    )
}

/// Generates an issuer with fresh keys.
fn new_record(env: &Env) -> Result<Record, AwsError> {
    let failed = |what: &str| {
        tracing::error!("cannot generate the outbound issuer's {what}");
        internal_error()
    };
    let rsa = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| failed("RSA key"))?;
    let rsa_der = rsa.as_der().map_err(|_| failed("RSA key"))?;
    let ec = EcdsaKeyPair::generate(&ECDSA_P384_SHA384_FIXED_SIGNING)
        .map_err(|_| failed("P-384 key"))?;
    let ec_der = ec.to_pkcs8v1().map_err(|_| failed("P-384 key"))?;
    let seal = |der: &[u8]| {
        env.master_key
            .seal(KEY_CONTEXT, der)
            .map(|b| B64.encode(b))
            .map_err(|_| failed("sealed key"))
    };
    let id = random_token(b"abcdefghijklmnopqrstuvwxyz0123456789", 32)
        .ok_or_else(|| failed("issuer id"))?;
    Ok(Record {
        issuer_id: id,
        enabled: true,
        rsa: seal(rsa_der.as_ref())?,
        ec: seal(ec_der.as_ref())?,
    })
}

fn enable(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let account = &call.principal.account;
    let (record, expect, fresh) = match read(call.env, account)? {
        Some((r, _)) if r.enabled => {
            return Err(crate::iam::model_error(
                "FeatureEnabledException",
                "Outbound web identity federation is already enabled for this account.".into(),
            ));
        }
        Some((r, version)) => (r, Expect::Version(version), false),
        None => (new_record(call.env)?, Expect::Absent, true),
    };
    let record = Record {
        enabled: true,
        ..record
    };
    let bytes = serde_json::to_vec(&record).map_err(|_| internal_error())?;
    let mut batch = Batch::new().put_if(record_key(account), bytes, expect);
    if fresh {
        batch = batch.put_if(
            Key::new(space::SYSTEM, ISSUER_TABLE, record.issuer_id.clone()),
            account.to_string().into_bytes(),
            Expect::Absent,
        );
    }
    call.env.store.commit(batch).map_err(store_error)?;
    Ok(json!({ "IssuerIdentifier": issuer_url(call.env, &record.issuer_id) }))
}

fn disable(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let account = &call.principal.account;
    let Some((record, version)) = read(call.env, account)?.filter(|(r, _)| r.enabled) else {
        return Err(disabled());
    };
    let record = Record {
        enabled: false,
        ..record
    };
    let bytes = serde_json::to_vec(&record).map_err(|_| internal_error())?;
    call.env
        .store
        .commit(Batch::new().put_if(record_key(account), bytes, Expect::Version(version)))
        .map_err(store_error)?;
    Ok(json!({}))
}

fn info(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let Some((record, _)) = read(call.env, &call.principal.account)?.filter(|(r, _)| r.enabled)
    else {
        return Err(disabled());
    };
    Ok(json!({
        "IssuerIdentifier": issuer_url(call.env, &record.issuer_id),
        "JwtVendingEnabled": true,
    }))
}

/// Registers the IAM operations of the feature.
pub(crate) fn register_iam(registry: &mut Registry) {
    registry.register("iam", "EnableOutboundWebIdentityFederation", false, enable);
    registry.register(
        "iam",
        "DisableOutboundWebIdentityFederation",
        false,
        disable,
    );
    registry.register("iam", "GetOutboundWebIdentityFederationInfo", true, info);
}

/// The account whose issuer is `issuer_id`, with its record, if that issuer is enabled.
fn issuer(env: &Env, issuer_id: &str) -> Option<Record> {
    let item = env
        .store
        .get(&Key::new(space::SYSTEM, ISSUER_TABLE, issuer_id.to_owned()))
        .ok()??;
    let account: AccountId = String::from_utf8(item.value).ok()?.parse().ok()?;
    read(env, &account)
        .ok()?
        .map(|(r, _)| r)
        .filter(|r| r.enabled)
}

/// What the server publishes under `/_rampart/oidc/` for `path` (what follows that prefix):
/// `<issuer id>/.well-known/openid-configuration` (the discovery document) or
/// `<issuer id>/.well-known/jwks.json` (the public keys), for an enabled issuer; `None` (404)
/// for anything else.
pub fn outbound_issuer_document(env: &Env, path: &str) -> Option<Value> {
    let (issuer_id, document) = path.split_once('/')?;
    match document {
        ".well-known/openid-configuration" => outbound_discovery(env, issuer_id),
        ".well-known/jwks.json" => outbound_jwks(env, issuer_id),
        _ => None,
    }
}

/// The issuer's OpenID Connect discovery document, if `issuer_id` names an enabled issuer.
fn outbound_discovery(env: &Env, issuer_id: &str) -> Option<Value> {
    let record = issuer(env, issuer_id)?;
    let url = issuer_url(env, &record.issuer_id);
    Some(json!({
        "issuer": url,
        "jwks_uri": format!("{url}/.well-known/jwks.json"),
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES384"],
    }))
}

/// The issuer's public keys (RFC 7517), if `issuer_id` names an enabled issuer.
fn outbound_jwks(env: &Env, issuer_id: &str) -> Option<Value> {
    let record = issuer(env, issuer_id)?;
    let rsa = open_rsa(env, &record).ok()?;
    let ec = open_ec(env, &record).ok()?;
    Some(json!({ "keys": [rsa_jwk(&rsa)?, ec_jwk(&ec)] }))
}

fn unseal(env: &Env, sealed: &str) -> Result<Zeroizing<Vec<u8>>, AwsError> {
    let blob = B64.decode(sealed).map_err(|_| internal_error())?;
    env.master_key.open(KEY_CONTEXT, &blob).map_err(|_| {
        tracing::error!("an outbound signing key does not open under the master key");
        internal_error()
    })
}

fn open_rsa(env: &Env, record: &Record) -> Result<RsaKeyPair, AwsError> {
    RsaKeyPair::from_pkcs8(&unseal(env, &record.rsa)?).map_err(|_| internal_error())
}

fn open_ec(env: &Env, record: &Record) -> Result<EcdsaKeyPair, AwsError> {
    EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &unseal(env, &record.ec)?)
        .map_err(|_| internal_error())
}

/// A key id: the first 16 hex digits of the SHA-256 of the public key.
fn kid(public: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, public);
    hex::encode(&digest.as_ref()[..8])
}

fn rsa_jwk(key: &RsaKeyPair) -> Option<Value> {
    let public = key.public_key().as_ref();
    let (n, e) = rsa_components(public)?;
    Some(json!({
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid(public),
        "n": B64URL.encode(n), "e": B64URL.encode(e),
    }))
}

/// The modulus and exponent of a DER `RSAPublicKey` (RFC 8017: a SEQUENCE of two INTEGERs),
/// without leading zero bytes.
fn rsa_components(der: &[u8]) -> Option<(&[u8], &[u8])> {
    /// One TLV of `tag`: its contents and what follows.
    fn element(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
        let (&first, rest) = input.split_first()?;
        if first != tag {
            return None;
        }
        let (&len, rest) = rest.split_first()?;
        let (len, rest) = match len {
            0..=0x7f => (usize::from(len), rest),
            0x81..=0x84 => {
                let width = usize::from(len & 0x7f);
                let bytes = rest.get(..width)?;
                let len = bytes.iter().fold(0usize, |n, &b| (n << 8) | usize::from(b));
                (len, rest.get(width..)?)
            }
            _ => return None,
        };
        Some((rest.get(..len)?, rest.get(len..)?))
    }
    fn strip(mut v: &[u8]) -> &[u8] {
        while let [0, rest @ ..] = v {
            v = rest;
        }
        v
    }
    let (sequence, _) = element(der, 0x30)?;
    let (n, rest) = element(sequence, 0x02)?;
    let (e, _) = element(rest, 0x02)?;
    Some((strip(n), strip(e)))
}

fn ec_jwk(key: &EcdsaKeyPair) -> Value {
    // The uncompressed point: 0x04, X, Y (48 bytes each for P-384).
    let point = key.public_key().as_ref();
    let coordinates = point.get(1..).unwrap_or_default();
    let (x, y) = coordinates.split_at(coordinates.len() / 2);
    json!({
        "kty": "EC", "use": "sig", "alg": "ES384", "crv": "P-384", "kid": kid(point),
        "x": B64URL.encode(x), "y": B64URL.encode(y),
    })
}

/// What `GetWebIdentityToken` asks for.
struct TokenRequest {
    audiences: Vec<String>,
    duration: i64,
    algorithm: String,
    tags: Vec<(String, String)>,
}

fn validation(message: String) -> AwsError {
    AwsError::new("ValidationError", 400, message)
}

fn token_request(input: &Value) -> Result<TokenRequest, AwsError> {
    let audiences: Vec<String> = input
        .get("Audience")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect();
    if !(1..=10).contains(&audiences.len()) {
        return Err(validation(
            "1 validation error detected: Value at 'audience' failed to satisfy constraint: Member must have length less than or equal to 10 and greater than or equal to 1".into(),
        ));
    }
    if let Some(bad) = audiences
        .iter()
        .find(|a| !(1..=1000).contains(&a.chars().count()))
    {
        return Err(validation(format!(
            "1 validation error detected: Value '{bad}' at 'audience' failed to satisfy constraint: Member must have length between 1 and 1000"
        )));
    }
    let duration = input
        .get("DurationSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(DEFAULT_DURATION);
    if !(MIN_DURATION..=MAX_DURATION).contains(&duration) {
        return Err(validation(format!(
            "1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value between {MIN_DURATION} and {MAX_DURATION}"
        )));
    }
    let algorithm = input
        .get("SigningAlgorithm")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if !matches!(algorithm.as_str(), "RS256" | "ES384") {
        return Err(validation(format!(
            "The signing algorithm {algorithm} is not supported. Supported values: RS256, ES384."
        )));
    }
    let tags = crate::sts::tag_pairs(input);
    if tags.len() > 50 {
        return Err(validation(
            "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50".into(),
        ));
    }
    Ok(TokenRequest {
        audiences,
        duration,
        algorithm,
        tags,
    })
}

/// `sts:GetWebIdentityToken` with its condition keys.
pub(crate) fn token_accesses(input: &Value) -> Vec<Access> {
    let audiences: Vec<&str> = input
        .get("Audience")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let tags = crate::sts::tag_pairs(input);
    let mut access = Access::new("sts:GetWebIdentityToken", "*")
        .with_multi("sts:IdentityTokenAudience", audiences)
        .with_request_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if let Some(algorithm) = input.get("SigningAlgorithm").and_then(Value::as_str) {
        access = access.with("sts:SigningAlgorithm", algorithm);
    }
    let duration = input
        .get("DurationSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(DEFAULT_DURATION);
    vec![access.with("sts:DurationSeconds", duration.to_string())]
}

/// The subject a token names: the principal's ARN, a role session's role.
fn subject(call: &Call<'_>) -> String {
    match &call.principal.kind {
        PrincipalKind::AssumedRole { .. } => call.principal.role_arn().unwrap_or_default(),
        _ => call.principal.arn(),
    }
}

/// GetWebIdentityToken: a JWT asserting the caller's identity, signed by its account's issuer.
pub(crate) fn get_web_identity_token(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let request = token_request(&input)?;
    let account = call.principal.account.to_string();
    let Some((record, _)) = read(call.env, &call.principal.account)?.filter(|(r, _)| r.enabled)
    else {
        return Err(AwsError::new(
            "OutboundWebIdentityFederationDisabledException",
            403,
            "Outbound web identity federation is disabled for this account.",
        ));
    };
    let now = rampart_service::epoch_seconds(call.env.clock.now()) as i64;
    let expires = now + request.duration;
    if let Some(session) = call.principal.session.as_deref()
        && expires > session.expires_at
    {
        return Err(AwsError::new(
            "SessionDurationEscalationException",
            403,
            "The requested token duration exceeds the remaining duration of the caller's session.",
        ));
    }
    let mut aws = Map::new();
    aws.insert("aws_account".into(), json!(account));
    aws.insert("source_region".into(), json!(call.region.as_str()));
    if let Ok(standing) = standing(call.env, &call.principal.account) {
        if let Some(org_id) = &standing.org_id {
            aws.insert("org_id".into(), json!(org_id));
        }
        if let Some(path) = &standing.org_path {
            aws.insert("ou_path".into(), json!(path));
        }
    }
    let mut principal_tags: Map<String, Value> = governing(call.env, call.principal)
        .map(|g| g.tags.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    if let Some(session) = call.principal.session.as_deref() {
        for (k, v) in &session.tags {
            principal_tags.insert(k.clone(), Value::String(v.clone()));
        }
    }
    if !principal_tags.is_empty() {
        aws.insert("principal_tags".into(), Value::Object(principal_tags));
    }
    if !request.tags.is_empty() {
        let tags: Map<String, Value> = request
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        aws.insert("request_tags".into(), Value::Object(tags));
    }
    let audience = match request.audiences.as_slice() {
        [one] => json!(one),
        many => json!(many),
    };
    let jti =
        random_token(b"abcdefghijklmnopqrstuvwxyz0123456789", 32).ok_or_else(internal_error)?;
    let claims = json!({
        "iss": issuer_url(call.env, &record.issuer_id),
        "sub": subject(call),
        "aud": audience,
        "iat": now,
        "nbf": now,
        "exp": expires,
        "jti": jti,
        AWS_CLAIM: aws,
    });
    let payload = serde_json::to_vec(&claims).map_err(|_| internal_error())?;
    if payload.len() > MAX_PAYLOAD {
        return Err(AwsError::new(
            "JWTPayloadSizeExceededException",
            400,
            "The token's payload is too large; pass fewer or shorter tags.",
        ));
    }
    let token = sign(call.env, &record, &request.algorithm, &payload)?;
    Ok(json!({ "WebIdentityToken": token, "Expiration": expires as f64 }))
}

/// The compact JWS of `payload` with the issuer's key for `algorithm`.
fn sign(env: &Env, record: &Record, algorithm: &str, payload: &[u8]) -> Result<String, AwsError> {
    let rng = SystemRandom::new();
    let signing_input = |kid: String| -> Result<String, AwsError> {
        let header = json!({ "alg": algorithm, "typ": "JWT", "kid": kid });
        let header = serde_json::to_vec(&header).map_err(|_| internal_error())?;
        Ok(format!(
            "{}.{}",
            B64URL.encode(header),
            B64URL.encode(payload)
        ))
    };
    let (signed, signature) = match algorithm {
        "RS256" => {
            let key = open_rsa(env, record)?;
            let signed = signing_input(kid(key.public_key().as_ref()))?;
            let mut signature = vec![0; key.public_modulus_len()];
            key.sign(&RSA_PKCS1_SHA256, &rng, signed.as_bytes(), &mut signature)
                .map_err(|_| internal_error())?;
            (signed, signature)
        }
        _ => {
            let key = open_ec(env, record)?;
            let signed = signing_input(kid(key.public_key().as_ref()))?;
            let signature = key
                .sign(&rng, signed.as_bytes())
                .map_err(|_| internal_error())?;
            (signed, signature.as_ref().to_vec())
        }
    };
    Ok(format!("{signed}.{}", B64URL.encode(signature)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_service::testkit::World;

    fn call(w: &World, service: &str, op: &str, input: Value) -> Result<Value, AwsError> {
        w.call_as(&w.root(), service, op, input)
    }

    #[test]
    fn the_feature_is_enabled_once_and_keeps_its_issuer() {
        let w = World::new(crate::register);
        let info = call(&w, "iam", "GetOutboundWebIdentityFederationInfo", json!({}));
        assert_eq!(&*info.unwrap_err().code, "FeatureDisabled");
        let issuer = call(&w, "iam", "EnableOutboundWebIdentityFederation", json!({})).unwrap()
            ["IssuerIdentifier"]
            .clone();
        assert!(issuer.as_str().unwrap().contains("/_rampart/oidc/"));
        let again = call(&w, "iam", "EnableOutboundWebIdentityFederation", json!({}));
        assert_eq!(again.unwrap_err().status, 409);
        let info = call(&w, "iam", "GetOutboundWebIdentityFederationInfo", json!({})).unwrap();
        assert_eq!(info["IssuerIdentifier"], issuer);
        assert_eq!(info["JwtVendingEnabled"], true);
        call(&w, "iam", "DisableOutboundWebIdentityFederation", json!({})).unwrap();
        let twice = call(&w, "iam", "DisableOutboundWebIdentityFederation", json!({}));
        assert_eq!(&*twice.unwrap_err().code, "FeatureDisabled");
        let token = call(
            &w,
            "sts",
            "GetWebIdentityToken",
            json!({"Audience": ["https://x"], "SigningAlgorithm": "RS256"}),
        );
        assert_eq!(
            &*token.unwrap_err().code,
            "OutboundWebIdentityFederationDisabledException"
        );
        let back = call(&w, "iam", "EnableOutboundWebIdentityFederation", json!({})).unwrap();
        assert_eq!(back["IssuerIdentifier"], issuer);
    }

    #[test]
    fn tokens_verify_against_the_issuers_jwks_with_both_algorithms() {
        let w = World::new(crate::register);
        let issuer = call(&w, "iam", "EnableOutboundWebIdentityFederation", json!({})).unwrap()
            ["IssuerIdentifier"]
            .as_str()
            .unwrap()
            .to_owned();
        let id = issuer.rsplit('/').next().unwrap();
        let jwks = outbound_jwks(&w.env, id).unwrap();
        assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
        assert_eq!(
            outbound_discovery(&w.env, id).unwrap()["jwks_uri"],
            format!("{issuer}/.well-known/jwks.json")
        );
        assert!(outbound_jwks(&w.env, "nope").is_none());
        assert_eq!(
            outbound_issuer_document(&w.env, &format!("{id}/.well-known/jwks.json")),
            Some(jwks.clone())
        );
        assert!(outbound_issuer_document(&w.env, &format!("{id}/other")).is_none());
        let now = epoch(&w);
        for algorithm in ["RS256", "ES384"] {
            let out = call(
                &w,
                "sts",
                "GetWebIdentityToken",
                json!({"Audience": ["https://api.example.com"], "SigningAlgorithm": algorithm,
                       "DurationSeconds": 120, "Tags": [{"Key": "job", "Value": "7"}]}),
            )
            .unwrap();
            assert_eq!(out["Expiration"].as_f64().unwrap() as i64, now + 120);
            let token = out["WebIdentityToken"].as_str().unwrap();
            let claims = crate::sts::jwt::parse(token)
                .unwrap()
                .verify(&jwks, &["https://api.example.com".to_owned()], now)
                .unwrap();
            assert_eq!(claims.issuer, issuer);
            assert_eq!(claims.subject, "arn:aws:iam::123456789012:root");
            let aws = &claims.all[AWS_CLAIM];
            assert_eq!(aws["aws_account"], "123456789012");
            assert_eq!(aws["source_region"], "us-east-1");
            assert_eq!(aws["request_tags"]["job"], "7");
        }
    }

    #[test]
    fn a_token_never_outlives_the_callers_session() {
        let w = World::new(crate::register);
        call(&w, "iam", "EnableOutboundWebIdentityFederation", json!({})).unwrap();
        let now = epoch(&w);
        let mut session = w.root();
        session.session = Some(std::sync::Arc::new(rampart_service::Session {
            issued_at: now,
            expires_at: now + 100,
            ..rampart_service::Session::default()
        }));
        let input = |duration: i64| json!({"Audience": ["a"], "SigningAlgorithm": "ES384", "DurationSeconds": duration});
        let longer = w.call_as(&session, "sts", "GetWebIdentityToken", input(120));
        assert_eq!(
            &*longer.unwrap_err().code,
            "SessionDurationEscalationException"
        );
        w.call_as(&session, "sts", "GetWebIdentityToken", input(60))
            .unwrap();
    }

    #[test]
    fn requests_are_checked_against_the_model() {
        let ok = json!({"Audience": ["a"], "SigningAlgorithm": "ES384"});
        assert_eq!(token_request(&ok).unwrap().duration, DEFAULT_DURATION);
        for bad in [
            json!({"Audience": [], "SigningAlgorithm": "ES384"}),
            json!({"Audience": ["a"], "SigningAlgorithm": "HS256"}),
            json!({"Audience": ["a"], "SigningAlgorithm": "ES384", "DurationSeconds": 59}),
            json!({"Audience": ["a"], "SigningAlgorithm": "ES384", "DurationSeconds": 3601}),
        ] {
            assert!(token_request(&bad).is_err(), "{bad}");
        }
        let accesses =
            token_accesses(&json!({"Audience": ["a", "b"], "SigningAlgorithm": "ES384"}));
        let context = &accesses[0].context;
        assert_eq!(context.single("sts:SigningAlgorithm"), Some("ES384"));
        assert_eq!(context.single("sts:DurationSeconds"), Some("300"));
        assert_eq!(rampart_service::testkit::sar_violation(&accesses[0]), None);
    }

    #[test]
    fn rsa_public_keys_split_into_modulus_and_exponent() {
        // SEQUENCE { INTEGER 0x00C1 (leading zero dropped), INTEGER 65537 }.
        let der = [
            0x30, 0x09, 0x02, 0x02, 0x00, 0xC1, 0x02, 0x03, 0x01, 0x00, 0x01,
        ];
        assert_eq!(
            rsa_components(&der),
            Some((&[0xC1][..], &[0x01, 0x00, 0x01][..]))
        );
        assert_eq!(rsa_components(&[0x31, 0x00]), None);
    }

    fn epoch(w: &World) -> i64 {
        rampart_service::epoch_seconds(w.env.clock.now()) as i64
    }
}
