//! Signing, for tests, the load generator and rampart's own outbound calls.

use std::fmt;
use std::time::{Duration, SystemTime};

use http::header::{AUTHORIZATION, HOST};
use http::uri::PathAndQuery;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use zeroize::Zeroizing;

use crate::amz_date;
use crate::canonical::{ALGORITHM, RequestParts, canonical_request, encode_all, string_to_sign};
use crate::error::{Error, ErrorKind};
use crate::key::{CredentialScope, SigningKey, sha256_hex};
use crate::request::{MAX_EXPIRES_SECS, PayloadClaim, UNSIGNED_PAYLOAD};

/// An access key: id, secret and optional session token. Debug prints the id only.
#[derive(Clone)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: Zeroizing<String>,
    session_token: Option<Zeroizing<String>>,
}

impl Credentials {
    /// Credentials from their parts.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_access_key: Zeroizing::new(secret_access_key.into()),
            session_token: session_token.map(Zeroizing::new),
        }
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// Derives the signing key for `scope`.
    pub fn signing_key(&self, scope: &CredentialScope) -> SigningKey {
        SigningKey::derive(&self.secret_access_key, scope)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// What to sign with and for.
#[derive(Debug, Clone)]
pub struct SigningParams<'a> {
    /// The access key.
    pub credentials: &'a Credentials,
    /// The region of the scope, e.g. `us-east-1`.
    pub region: &'a str,
    /// The signing name of the service, e.g. `sts`, `s3`.
    pub service: &'a str,
    /// The signing time (`X-Amz-Date`).
    pub time: SystemTime,
    /// The payload line: [`PayloadClaim::Body`] hashes the body; any other claim is sent as
    /// `x-amz-content-sha256` and used literally.
    pub payload: PayloadClaim,
    /// Send `x-amz-content-sha256` even for [`PayloadClaim::Body`] (S3 requires it).
    pub content_sha256_header: bool,
}

impl<'a> SigningParams<'a> {
    /// Parameters as botocore uses them: the body hashed, with `x-amz-content-sha256` for S3.
    pub fn new(
        credentials: &'a Credentials,
        region: &'a str,
        service: &'a str,
        time: SystemTime,
    ) -> Self {
        Self {
            credentials,
            region,
            service,
            time,
            payload: PayloadClaim::Body,
            content_sha256_header: service == "s3",
        }
    }

    fn scope(&self, amz_date: &str) -> CredentialScope {
        CredentialScope::new(
            amz_date.get(..8).unwrap_or_default(),
            self.region,
            self.service,
        )
    }
}

/// Headers never signed (hop-by-hop, tracing, user agent), as botocore does.
const UNSIGNED_HEADERS: &[&str] = &[
    "authorization",
    "baggage",
    "connection",
    "expect",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "traceparent",
    "tracestate",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "x-amzn-trace-id",
];

fn invalid(message: &str) -> Error {
    Error::new(ErrorKind::InvalidSigningInput, message)
}

fn header_value(value: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(value).map_err(|_| invalid("value is not a valid header value"))
}

/// The sorted, de-duplicated names of the headers to sign, `host` always included.
fn names_to_sign(headers: &HeaderMap) -> String {
    let mut names: Vec<&str> = headers
        .keys()
        .map(HeaderName::as_str)
        .filter(|n| !UNSIGNED_HEADERS.contains(n))
        .chain(std::iter::once("host"))
        .collect();
    names.sort_unstable();
    names.dedup();
    names.join(";")
}

/// Signs a request in the header form: sets `X-Amz-Date`, `X-Amz-Security-Token` (if the
/// credentials have one), `x-amz-content-sha256` (see [`SigningParams`]; one already present is
/// used as the payload line), `Host` (from the URI if absent) and `Authorization`, signing every header present except hop-by-hop ones and
/// `user-agent`. `uri` must be what goes on the wire (already percent-encoded). Returns the
/// signature, which seeds an aws-chunked body ([`crate::encode_chunked`]).
pub fn sign(
    method: &Method,
    uri: &Uri,
    headers: &mut HeaderMap,
    body: &[u8],
    params: &SigningParams<'_>,
) -> Result<String, Error> {
    let amz_date = amz_date::format(params.time)?;
    let scope = params.scope(&amz_date);
    headers.remove(AUTHORIZATION);
    headers.insert("x-amz-date", header_value(&amz_date)?);
    if let Some(token) = &params.credentials.session_token {
        headers.insert("x-amz-security-token", header_value(token)?);
    }
    if !headers.contains_key(HOST) {
        let authority = uri
            .authority()
            .ok_or_else(|| invalid("the request has neither a Host header nor an authority"))?;
        headers.insert(HOST, header_value(authority.as_str())?);
    }
    // As botocore: an `x-amz-content-sha256` the caller already set is the payload line.
    let preset = headers
        .get("x-amz-content-sha256")
        .and_then(|v| v.to_str().ok());
    let payload_line = match (params.payload.literal(), preset) {
        (Some(literal), _) => literal.to_owned(),
        (None, Some(preset)) => preset.to_owned(),
        (None, None) => sha256_hex(body),
    };
    if params.content_sha256_header || params.payload != PayloadClaim::Body {
        headers.insert("x-amz-content-sha256", header_value(&payload_line)?);
    }
    let signed_headers = names_to_sign(headers);
    let parts = RequestParts {
        method: method.as_str(),
        uri,
        headers,
    };
    let creq = canonical_request(
        &parts,
        params.service,
        &signed_headers,
        &payload_line,
        false,
    );
    let key = params.credentials.signing_key(&scope);
    let signature = key.sign_hex(string_to_sign(&amz_date, &scope, &creq).as_bytes());
    let authorization = format!(
        "{ALGORITHM} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        params.credentials.access_key_id
    );
    headers.insert(AUTHORIZATION, header_value(&authorization)?);
    Ok(signature)
}

fn push_param(query: &mut String, name: &str, value: &str) {
    if !query.is_empty() {
        query.push('&');
    }
    query.push_str(name);
    query.push('=');
    encode_all(query, value.as_bytes(), false);
}

/// Presigns a request: returns `uri` with the `X-Amz-*` query parameters added, valid for
/// `expires` (1 s to 7 days). Signs `host` plus the headers in `headers` (except hop-by-hop
/// ones); the caller must send those headers unchanged. The payload is `UNSIGNED-PAYLOAD` for
/// S3 and the hash of an empty body otherwise, as botocore does. `params.payload` is ignored.
pub fn presign(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    params: &SigningParams<'_>,
    expires: Duration,
) -> Result<Uri, Error> {
    let secs = expires.as_secs();
    if secs == 0 || secs > MAX_EXPIRES_SECS || expires.subsec_nanos() != 0 {
        return Err(invalid(
            "expires must be a whole number of seconds in 1..=604800",
        ));
    }
    if !headers.contains_key(HOST) && uri.authority().is_none() {
        return Err(invalid(
            "the request has neither a Host header nor an authority",
        ));
    }
    let amz_date = amz_date::format(params.time)?;
    let scope = params.scope(&amz_date);
    let signed_headers = names_to_sign(headers);
    let mut query = uri.query().unwrap_or_default().to_owned();
    push_param(&mut query, "X-Amz-Algorithm", ALGORITHM);
    push_param(
        &mut query,
        "X-Amz-Credential",
        &format!("{}/{scope}", params.credentials.access_key_id),
    );
    push_param(&mut query, "X-Amz-Date", &amz_date);
    push_param(&mut query, "X-Amz-Expires", &secs.to_string());
    push_param(&mut query, "X-Amz-SignedHeaders", &signed_headers);
    if let Some(token) = &params.credentials.session_token {
        push_param(&mut query, "X-Amz-Security-Token", token);
    }
    let with_query = |query: &str| -> Result<Uri, Error> {
        let mut parts = uri.clone().into_parts();
        let pq = format!("{}?{query}", uri.path());
        parts.path_and_query =
            Some(PathAndQuery::try_from(pq).map_err(|_| invalid("invalid request target"))?);
        Uri::from_parts(parts).map_err(|_| invalid("invalid request target"))
    };
    let unsigned_uri = with_query(&query)?;
    let payload_line = if params.service == "s3" {
        UNSIGNED_PAYLOAD.to_owned()
    } else {
        sha256_hex(b"")
    };
    let parts = RequestParts {
        method: method.as_str(),
        uri: &unsigned_uri,
        headers,
    };
    let creq = canonical_request(&parts, params.service, &signed_headers, &payload_line, true);
    let key = params.credentials.signing_key(&scope);
    let signature = key.sign_hex(string_to_sign(&amz_date, &scope, &creq).as_bytes());
    push_param(&mut query, "X-Amz-Signature", &signature);
    with_query(&query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_debug_hides_secrets() {
        let c = Credentials::new("AKID", "topsecret", Some("tokenvalue".into()));
        let dbg = format!("{c:?}");
        assert!(dbg.contains("AKID"));
        assert!(!dbg.contains("topsecret"));
        assert!(!dbg.contains("tokenvalue"));
    }

    #[test]
    fn skips_hop_by_hop_headers() {
        let mut h = HeaderMap::new();
        h.insert("user-agent", "x".parse().unwrap());
        h.insert("content-type", "x".parse().unwrap());
        h.insert("connection", "x".parse().unwrap());
        assert_eq!(names_to_sign(&h), "content-type;host");
    }

    #[test]
    fn presign_rejects_bad_expiry() {
        let c = Credentials::new("AKID", "s", None);
        let p = SigningParams::new(&c, "us-east-1", "sts", SystemTime::UNIX_EPOCH);
        let uri: Uri = "https://sts.amazonaws.com/".parse().unwrap();
        for bad in [
            Duration::ZERO,
            Duration::from_secs(604_801),
            Duration::from_millis(1500),
        ] {
            let e = presign(&Method::GET, &uri, &HeaderMap::new(), &p, bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidSigningInput);
        }
    }

    #[test]
    fn preset_content_sha256_is_the_payload_line() {
        let c = Credentials::new("AKID", "s", None);
        let p = SigningParams::new(&c, "us-east-1", "sts", SystemTime::UNIX_EPOCH);
        let uri: Uri = "https://sts.amazonaws.com/".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert("x-amz-content-sha256", UNSIGNED_PAYLOAD.parse().unwrap());
        sign(&Method::PUT, &uri, &mut h, b"any body", &p).unwrap();
        let r = crate::parse(&Method::PUT, &uri, &h).unwrap();
        assert_eq!(r.payload(), &PayloadClaim::Unsigned);
        let key = c.signing_key(r.scope());
        r.verify(&Method::PUT, &uri, &h, b"other body", &key)
            .unwrap();
    }

    #[test]
    fn sign_needs_a_host() {
        let c = Credentials::new("AKID", "s", None);
        let p = SigningParams::new(&c, "us-east-1", "sts", SystemTime::UNIX_EPOCH);
        let e = sign(
            &Method::GET,
            &"/".parse().unwrap(),
            &mut HeaderMap::new(),
            b"",
            &p,
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidSigningInput);
    }
}
