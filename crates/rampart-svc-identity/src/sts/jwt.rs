//! OpenID Connect ID tokens (JWTs, RFC 7519) as `AssumeRoleWithWebIdentity` checks them: the
//! signature against the provider's published keys (JWKS, RFC 7517; RS256/384/512 and
//! ES256/384), then the issuer, audience and validity times.

use crate::der;
use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde::Deserialize;
use serde_json::Value;

/// Why a token was refused, in the words STS uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenError {
    /// Malformed, badly signed, or for another issuer or audience (`InvalidIdentityToken`).
    Invalid(String),
    /// Past its expiry (`ExpiredTokenException`).
    Expired(String),
}

/// The claims of a verified token that STS uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Claims {
    pub issuer: String,
    pub subject: String,
    /// The audience that matched one of the provider's client ids.
    pub audience: String,
    /// Every claim, for `amr` and provider-specific condition keys.
    pub all: serde_json::Map<String, Value>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

/// A token split into its parts, not yet trusted.
pub(crate) struct Unverified<'t> {
    header: Header,
    claims: serde_json::Map<String, Value>,
    signed: &'t str,
    signature: Vec<u8>,
}

fn invalid(why: impl Into<String>) -> TokenError {
    TokenError::Invalid(why.into())
}

/// Splits and decodes a compact JWT.
pub(crate) fn parse(token: &str) -> Result<Unverified<'_>, TokenError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("The ID token is not a well-formed JWT."));
    };
    let decode = |part: &str| {
        B64URL
            .decode(part)
            .map_err(|_| invalid("The ID token is not a well-formed JWT."))
    };
    let header: Header = serde_json::from_slice(&decode(header)?)
        .map_err(|_| invalid("The ID token header does not parse."))?;
    let claims = match serde_json::from_slice(&decode(payload)?) {
        Ok(Value::Object(claims)) => claims,
        _ => return Err(invalid("The ID token payload does not parse.")),
    };
    let signed = &token[..header_and_payload_len(token)];
    Ok(Unverified {
        header,
        claims,
        signed,
        signature: decode(signature)?,
    })
}

fn header_and_payload_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(token.len())
}

impl Unverified<'_> {
    /// The `iss` claim, which names the provider whose keys must have signed the token.
    pub(crate) fn issuer(&self) -> Option<&str> {
        self.claims.get("iss").and_then(Value::as_str)
    }

    /// Verifies the signature with `jwks` and the claims against `client_ids` at `now`.
    pub(crate) fn verify(
        self,
        jwks: &Value,
        client_ids: &[String],
        now: i64,
    ) -> Result<Claims, TokenError> {
        let key = find_key(jwks, &self.header)?;
        let (algorithm, public) = public_key(key, &self.header.alg)?;
        UnparsedPublicKey::new(algorithm, public)
            .verify(self.signed.as_bytes(), &self.signature)
            .map_err(|_| {
                invalid("The ID token's signature does not verify with the provider's keys.")
            })?;
        let number = |name: &str| self.claims.get(name).and_then(Value::as_i64);
        let expiry = number("exp").ok_or_else(|| invalid("The ID token has no expiry (exp)."))?;
        if now >= expiry {
            return Err(TokenError::Expired(format!(
                "Token expired: current date/time {now} must be before the expiration date/time {expiry}"
            )));
        }
        if number("nbf").is_some_and(|nbf| now < nbf) {
            return Err(invalid("The ID token is not valid yet (nbf)."));
        }
        let audiences: Vec<&str> = match self.claims.get("aud") {
            Some(Value::String(one)) => vec![one.as_str()],
            Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let audience = audiences
            .iter()
            .find(|aud| client_ids.iter().any(|id| id == *aud))
            .ok_or_else(|| invalid("Incorrect token audience"))?;
        let subject = self
            .claims
            .get("sub")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("The ID token has no subject (sub)."))?;
        Ok(Claims {
            issuer: self.issuer().unwrap_or_default().to_owned(),
            subject: subject.to_owned(),
            audience: (*audience).to_owned(),
            all: self.claims.clone(),
        })
    }
}

/// The key the token's header names (by `kid`, else the only key).
fn find_key<'k>(jwks: &'k Value, header: &Header) -> Result<&'k Value, TokenError> {
    let keys = jwks
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("The provider's key set does not parse."))?;
    let found = match &header.kid {
        Some(kid) => keys
            .iter()
            .find(|k| k.get("kid").and_then(Value::as_str) == Some(kid)),
        None if keys.len() == 1 => keys.first(),
        None => None,
    };
    found.ok_or_else(|| invalid("No key of the provider matches the ID token's key id."))
}

/// The verification algorithm and public key bytes of a JWK for `alg`.
fn public_key(
    key: &Value,
    alg: &str,
) -> Result<(&'static dyn VerificationAlgorithm, Vec<u8>), TokenError> {
    let member = |name: &str| {
        key.get(name)
            .and_then(Value::as_str)
            .and_then(|v| B64URL.decode(v).ok())
            .ok_or_else(|| invalid(format!("The provider's key lacks `{name}`.")))
    };
    let kty = key.get("kty").and_then(Value::as_str).unwrap_or_default();
    let algorithm: &'static dyn VerificationAlgorithm = match (kty, alg) {
        ("RSA", "RS256") => &signature::RSA_PKCS1_2048_8192_SHA256,
        ("RSA", "RS384") => &signature::RSA_PKCS1_2048_8192_SHA384,
        ("RSA", "RS512") => &signature::RSA_PKCS1_2048_8192_SHA512,
        ("EC", "ES256") => &signature::ECDSA_P256_SHA256_FIXED,
        ("EC", "ES384") => &signature::ECDSA_P384_SHA384_FIXED,
        _ => {
            return Err(invalid(format!(
                "The ID token's algorithm {alg} is not supported for a {kty} key."
            )));
        }
    };
    let public = match kty {
        "RSA" => rsa_public_key_der(&member("n")?, &member("e")?),
        _ => [vec![0x04], member("x")?, member("y")?].concat(),
    };
    Ok((algorithm, public))
}

/// The DER `RSAPublicKey` (PKCS#1) of modulus `n` and exponent `e`, the form aws-lc-rs reads.
fn rsa_public_key_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    let integer = |bytes: &[u8]| {
        let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
        let mut body = Vec::new();
        if trimmed.first().is_some_and(|b| b & 0x80 != 0) {
            body.push(0);
        }
        body.extend_from_slice(&trimmed);
        der::element(0x02, &body)
    };
    der::element(0x30, &[integer(n), integer(e)].concat())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, RsaKeyPair};
    use serde_json::json;

    const NOW: i64 = 1_700_000_000;

    fn encode(value: &Value) -> String {
        B64URL.encode(value.to_string())
    }

    fn claims(aud: Value) -> Value {
        json!({"iss": "https://issuer.test", "sub": "repo:acme/app", "aud": aud, "exp": NOW + 600, "iat": NOW})
    }

    /// A token signed with a fresh RSA key, and the JWKS that holds its public half.
    fn rsa_token(claims: &Value) -> (String, Value) {
        let pair = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let signing = format!(
            "{}.{}",
            encode(&json!({"alg": "RS256", "kid": "k1"})),
            encode(claims)
        );
        let mut signature = vec![0; pair.public_modulus_len()];
        pair.sign(
            &signature::RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            signing.as_bytes(),
            &mut signature,
        )
        .unwrap();
        let (n, e) = rsa_numbers(pair.public_key().as_ref());
        // The DER form this module builds is exactly what the key pair reports.
        assert_eq!(rsa_public_key_der(&n, &e), pair.public_key().as_ref());
        let jwks = json!({"keys": [{
            "kty": "RSA", "kid": "k1", "n": B64URL.encode(&n), "e": B64URL.encode(&e),
        }]});
        (format!("{signing}.{}", B64URL.encode(signature)), jwks)
    }

    /// The modulus and exponent of a DER `RSAPublicKey` (lengths below 64 KiB).
    fn rsa_numbers(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
        fn element(bytes: &[u8]) -> (&[u8], &[u8]) {
            let (len, start) = match bytes[1] {
                n if n < 0x80 => (n as usize, 2),
                0x81 => (bytes[2] as usize, 3),
                _ => ((bytes[2] as usize) << 8 | bytes[3] as usize, 4),
            };
            (&bytes[start..start + len], &bytes[start + len..])
        }
        let (sequence, _) = element(der);
        let (n, rest) = element(sequence);
        let (e, _) = element(rest);
        let strip = |v: &[u8]| v.iter().copied().skip_while(|b| *b == 0).collect();
        (strip(n), strip(e))
    }

    #[test]
    fn an_rsa_token_verifies_with_its_provider_keys() {
        let (token, jwks) = rsa_token(&claims(json!("sts.amazonaws.com")));
        let parsed = parse(&token).unwrap();
        assert_eq!(parsed.issuer(), Some("https://issuer.test"));
        let verified = parsed
            .verify(&jwks, &["sts.amazonaws.com".into()], NOW)
            .unwrap();
        assert_eq!(verified.subject, "repo:acme/app");
        assert_eq!(verified.audience, "sts.amazonaws.com");
    }

    #[test]
    fn an_ec_token_verifies_and_one_changed_byte_does_not() {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .unwrap();
        let pair =
            EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())
                .unwrap();
        let point = pair.public_key().as_ref().to_vec();
        let jwks = json!({"keys": [{"kty": "EC", "crv": "P-256", "kid": "e1",
            "x": B64URL.encode(&point[1..33]), "y": B64URL.encode(&point[33..])}]});
        let signing = format!(
            "{}.{}",
            encode(&json!({"alg": "ES256", "kid": "e1"})),
            encode(&claims(json!(["a", "b"])))
        );
        let signature = pair.sign(&rng, signing.as_bytes()).unwrap();
        let token = format!("{signing}.{}", B64URL.encode(signature.as_ref()));
        assert!(
            parse(&token)
                .unwrap()
                .verify(&jwks, &["b".into()], NOW)
                .is_ok()
        );
        let mut bytes = token.into_bytes();
        let middle = bytes.len() / 2;
        bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        let refused = parse(&tampered).and_then(|t| t.verify(&jwks, &["b".into()], NOW));
        assert!(matches!(refused, Err(TokenError::Invalid(_))));
    }

    #[test]
    fn audience_expiry_and_foreign_keys_are_refused() {
        let (token, jwks) = rsa_token(&claims(json!("sts.amazonaws.com")));
        let wrong_aud = parse(&token).unwrap().verify(&jwks, &["other".into()], NOW);
        assert_eq!(
            wrong_aud.err(),
            Some(TokenError::Invalid("Incorrect token audience".into()))
        );
        let late = parse(&token)
            .unwrap()
            .verify(&jwks, &["sts.amazonaws.com".into()], NOW + 600);
        assert!(matches!(late, Err(TokenError::Expired(_))));
        let (_, other_keys) = rsa_token(&claims(json!("sts.amazonaws.com")));
        let foreign =
            parse(&token)
                .unwrap()
                .verify(&other_keys, &["sts.amazonaws.com".into()], NOW);
        assert!(matches!(foreign, Err(TokenError::Invalid(_))));
        for garbage in ["", "a.b", "a.b.c.d", "!!.??.##"] {
            assert!(parse(garbage).is_err(), "{garbage}");
        }
    }
}
