//! Step 1: finding and parsing the signature of a request (no secret needed).

use std::fmt;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method, Uri};

use crate::amz_date;
use crate::canonical::{ALGORITHM, percent_decode};
use crate::error::Error;
use crate::key::{CredentialScope, TERMINATOR};

/// Where the signature was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// The `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`
    /// header.
    Header,
    /// The `X-Amz-*` query parameters of a presigned URL.
    Presigned,
}

/// What the signer claims about the body (the last line of the canonical request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadClaim {
    /// No claim: the canonical request uses the SHA-256 of the body received.
    Body,
    /// A hex SHA-256 given in `x-amz-content-sha256`; the body must hash to it.
    Sha256(String),
    /// `UNSIGNED-PAYLOAD`: the body is not covered by the signature.
    Unsigned,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: aws-chunked, every chunk signed.
    StreamingSigned,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: signed chunks and signed trailers.
    StreamingSignedTrailer,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: unsigned chunks, then trailers.
    StreamingUnsignedTrailer,
}

/// The literal of [`PayloadClaim::Unsigned`].
pub(crate) const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
const STREAMING_SIGNED: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
const STREAMING_SIGNED_TRAILER: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
const STREAMING_UNSIGNED_TRAILER: &str = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

impl PayloadClaim {
    fn parse(value: &str) -> Result<Self, Error> {
        Ok(match value {
            UNSIGNED_PAYLOAD => Self::Unsigned,
            STREAMING_SIGNED => Self::StreamingSigned,
            STREAMING_SIGNED_TRAILER => Self::StreamingSignedTrailer,
            STREAMING_UNSIGNED_TRAILER => Self::StreamingUnsignedTrailer,
            v if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Self::Sha256(v.to_owned())
            }
            _ => {
                return Err(Error::incomplete(
                    "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, \
                     STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER \
                     or a valid sha256 value.",
                ));
            }
        })
    }

    /// The literal line of the canonical request, or `None` when it is the body's hash.
    pub(crate) fn literal(&self) -> Option<&str> {
        match self {
            Self::Body => None,
            Self::Sha256(h) => Some(h),
            Self::Unsigned => Some(UNSIGNED_PAYLOAD),
            Self::StreamingSigned => Some(STREAMING_SIGNED),
            Self::StreamingSignedTrailer => Some(STREAMING_SIGNED_TRAILER),
            Self::StreamingUnsignedTrailer => Some(STREAMING_UNSIGNED_TRAILER),
        }
    }

    /// Whether the body is aws-chunked and must go through [`crate::decode_chunked`].
    pub fn is_streaming(&self) -> bool {
        matches!(
            self,
            Self::StreamingSigned | Self::StreamingSignedTrailer | Self::StreamingUnsignedTrailer
        )
    }
}

/// A parsed, not yet verified, SigV4 signature.
#[derive(Clone)]
pub struct SignedRequest {
    pub(crate) form: Form,
    pub(crate) access_key_id: String,
    pub(crate) scope: CredentialScope,
    pub(crate) signed_headers: String,
    pub(crate) signature: String,
    pub(crate) amz_date: String,
    pub(crate) timestamp: SystemTime,
    pub(crate) expires: Option<Duration>,
    pub(crate) security_token: Option<String>,
    pub(crate) payload: PayloadClaim,
}

impl SignedRequest {
    /// Header or presigned form.
    pub fn form(&self) -> Form {
        self.form
    }

    /// The access key id of the credential.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The credential scope (date, region, service).
    pub fn scope(&self) -> &CredentialScope {
        &self.scope
    }

    /// The signed header names, lower-case, in the order given.
    pub fn signed_headers(&self) -> impl Iterator<Item = &str> {
        self.signed_headers.split(';')
    }

    /// The provided signature (hex). Also the seed of an aws-chunked body.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The request time (`X-Amz-Date`, or the `Date` header).
    pub fn timestamp(&self) -> SystemTime {
        self.timestamp
    }

    /// Presigned form: `X-Amz-Expires`.
    pub fn expires(&self) -> Option<Duration> {
        self.expires
    }

    /// The session token (`X-Amz-Security-Token`), if any.
    pub fn security_token(&self) -> Option<&str> {
        self.security_token.as_deref()
    }

    /// What the signer claims about the body.
    pub fn payload(&self) -> &PayloadClaim {
        &self.payload
    }
}

impl fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedRequest")
            .field("form", &self.form)
            .field("access_key_id", &self.access_key_id)
            .field("scope", &self.scope)
            .field("signed_headers", &self.signed_headers)
            .field("amz_date", &self.amz_date)
            .field("expires", &self.expires)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .field("payload", &self.payload)
            .finish_non_exhaustive()
    }
}

/// The longest validity of a presigned URL: seven days.
pub(crate) const MAX_EXPIRES_SECS: u64 = 604_800;

/// Finds the signature in the `Authorization` header or the presigned query parameters and
/// parses it. Never panics, whatever the input. `method` plays no part in parsing (it is signed,
/// and checked by [`SignedRequest::verify`]); it is taken so that every step sees the request.
pub fn parse(_method: &Method, uri: &Uri, headers: &HeaderMap) -> Result<SignedRequest, Error> {
    let query_params = presigned_params(uri.query());
    match headers.get(http::header::AUTHORIZATION) {
        Some(_) if query_params.algorithm.is_some() => Err(Error::incomplete(
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the \
             Authorization header should be specified",
        )),
        Some(value) => {
            let value = value.to_str().map_err(|_| {
                Error::incomplete("Authorization header contains characters that are not ASCII")
            })?;
            parse_header_form(value, headers)
        }
        None if query_params.any() => parse_presigned(query_params, headers),
        None => Err(Error::new(
            crate::ErrorKind::MissingAuthentication,
            "Request is missing Authentication Token",
        )),
    }
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Result<Option<&'h str>, Error> {
    headers
        .get(name)
        .map(|v| {
            v.to_str()
                .map_err(|_| Error::incomplete(format!("Header {name} is not valid ASCII")))
        })
        .transpose()
}

fn parse_header_form(value: &str, headers: &HeaderMap) -> Result<SignedRequest, Error> {
    let (algorithm, rest) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
    if algorithm != ALGORITHM {
        return Err(Error::incomplete(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'. Supported: '{ALGORITHM}'"
        )));
    }
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((k, v)) = part.split_once('=') else {
            return Err(Error::incomplete(format!(
                "'{part}' not a valid key=value pair (missing equal-sign) in Authorization header"
            )));
        };
        match k.trim() {
            "Credential" => credential = Some(v.trim()),
            "SignedHeaders" => signed_headers = Some(v.trim()),
            "Signature" => signature = Some(v.trim()),
            _ => {}
        }
    }
    let amz_date = header_str(headers, "x-amz-date")?;
    let date = header_str(headers, "date")?;
    let mut missing = Vec::new();
    if credential.is_none() {
        missing.push("Authorization header requires 'Credential' parameter.");
    }
    if signature.is_none() {
        missing.push("Authorization header requires 'Signature' parameter.");
    }
    if signed_headers.is_none() {
        missing.push("Authorization header requires 'SignedHeaders' parameter.");
    }
    if amz_date.is_none() && date.is_none() {
        missing.push(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        );
    }
    let (Some(credential), Some(signed_headers), Some(signature), true) =
        (credential, signed_headers, signature, missing.is_empty())
    else {
        return Err(Error::incomplete(missing.join(" ")));
    };
    let (amz_date, timestamp) = match amz_date {
        Some(v) => (v.to_owned(), amz_date::parse(v)?),
        None => {
            let t = amz_date::parse_http_date(date.unwrap_or_default())?;
            (amz_date::format(t)?, t)
        }
    };
    let (access_key_id, scope) = parse_credential(credential)?;
    check_signed_headers(signed_headers)?;
    let payload = match header_str(headers, "x-amz-content-sha256")? {
        Some(v) => PayloadClaim::parse(v)?,
        None => PayloadClaim::Body,
    };
    Ok(SignedRequest {
        form: Form::Header,
        access_key_id,
        scope,
        signed_headers: signed_headers.to_owned(),
        signature: signature.to_owned(),
        amz_date,
        timestamp,
        expires: None,
        security_token: header_str(headers, "x-amz-security-token")?.map(str::to_owned),
        payload,
    })
}

/// The `X-Amz-*` authentication parameters of a query string, percent-decoded.
#[derive(Default)]
struct PresignedParams {
    algorithm: Option<String>,
    credential: Option<String>,
    date: Option<String>,
    expires: Option<String>,
    signed_headers: Option<String>,
    signature: Option<String>,
    security_token: Option<String>,
    content_sha256: Option<String>,
}

impl PresignedParams {
    fn any(&self) -> bool {
        self.algorithm.is_some()
            || self.credential.is_some()
            || self.signature.is_some()
            || self.signed_headers.is_some()
    }
}

fn presigned_params(query: Option<&str>) -> PresignedParams {
    let mut p = PresignedParams::default();
    for pair in query.unwrap_or_default().split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let slot = match name {
            "X-Amz-Algorithm" => &mut p.algorithm,
            "X-Amz-Credential" => &mut p.credential,
            "X-Amz-Date" => &mut p.date,
            "X-Amz-Expires" => &mut p.expires,
            "X-Amz-SignedHeaders" => &mut p.signed_headers,
            "X-Amz-Signature" => &mut p.signature,
            "X-Amz-Security-Token" => &mut p.security_token,
            "X-Amz-Content-Sha256" => &mut p.content_sha256,
            _ => continue,
        };
        *slot = Some(percent_decode(value));
    }
    p
}

fn parse_presigned(p: PresignedParams, headers: &HeaderMap) -> Result<SignedRequest, Error> {
    let require = |v: Option<String>, name: &str| {
        v.ok_or_else(|| {
            Error::incomplete(format!(
                "AWS query-string parameters must include '{name}'. Re-examine the query-string parameters."
            ))
        })
    };
    let algorithm = require(p.algorithm, "X-Amz-Algorithm")?;
    let credential = require(p.credential, "X-Amz-Credential")?;
    let signature = require(p.signature, "X-Amz-Signature")?;
    let signed_headers = require(p.signed_headers, "X-Amz-SignedHeaders")?;
    let date = require(p.date, "X-Amz-Date")?;
    let expires = require(p.expires, "X-Amz-Expires")?;
    if algorithm != ALGORITHM {
        return Err(Error::incomplete(format!(
            "X-Amz-Algorithm only supports \"{ALGORITHM}\""
        )));
    }
    let expires_secs: u64 = expires
        .parse()
        .map_err(|_| Error::incomplete("X-Amz-Expires should be a number"))?;
    if expires_secs == 0 {
        return Err(Error::incomplete("X-Amz-Expires must be non-negative"));
    }
    if expires_secs > MAX_EXPIRES_SECS {
        return Err(Error::incomplete(
            "X-Amz-Expires must be less than a week (in seconds) that is 604800",
        ));
    }
    let timestamp = amz_date::parse(&date)?;
    let (access_key_id, scope) = parse_credential(&credential)?;
    check_signed_headers(&signed_headers)?;
    let payload = match p.content_sha256 {
        Some(v) => PayloadClaim::parse(&v)?,
        None => match header_str(headers, "x-amz-content-sha256")? {
            Some(v) => PayloadClaim::parse(v)?,
            // S3 presigned URLs sign "UNSIGNED-PAYLOAD"; other services hash the body.
            None if scope.service() == "s3" => PayloadClaim::Unsigned,
            None => PayloadClaim::Body,
        },
    };
    Ok(SignedRequest {
        form: Form::Presigned,
        access_key_id,
        scope,
        signed_headers,
        signature,
        amz_date: date,
        timestamp,
        expires: Some(Duration::from_secs(expires_secs)),
        security_token: p.security_token,
        payload,
    })
}

fn parse_credential(credential: &str) -> Result<(String, CredentialScope), Error> {
    let parts: Vec<&str> = credential.split('/').collect();
    let [key_id, date, region, service, terminator] = parts[..] else {
        return Err(Error::incomplete(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"
        )));
    };
    if terminator != TERMINATOR {
        return Err(Error::incomplete(format!(
            "Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{terminator}'."
        )));
    }
    if region.is_empty() {
        return Err(Error::incomplete(format!(
            "Credential should be scoped to a valid region, not '{region}'."
        )));
    }
    if service.is_empty() {
        return Err(Error::incomplete(format!(
            "Credential should be scoped to correct service: '{service}'."
        )));
    }
    Ok((
        key_id.to_owned(),
        CredentialScope::new(date, region, service),
    ))
}

fn check_signed_headers(signed_headers: &str) -> Result<(), Error> {
    if !signed_headers.split(';').any(|h| h == "host") {
        return Err(Error::incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";

    #[test]
    fn parses_header_form() {
        let h = headers(&[
            ("authorization", AUTH),
            ("x-amz-date", "20150830T123600Z"),
            ("x-amz-security-token", "tok"),
        ]);
        let r = parse(&Method::GET, &"/".parse().unwrap(), &h).unwrap();
        assert_eq!(r.form(), Form::Header);
        assert_eq!(r.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(
            r.scope(),
            &CredentialScope::new("20150830", "us-east-1", "iam")
        );
        assert_eq!(
            r.signed_headers().collect::<Vec<_>>(),
            ["content-type", "host", "x-amz-date"]
        );
        assert_eq!(r.security_token(), Some("tok"));
        assert_eq!(r.payload(), &PayloadClaim::Body);
        assert!(r.expires().is_none());
        assert!(!format!("{r:?}").contains("tok\""));
        assert!(!format!("{r:?}").contains("5d672d79"));
    }

    #[test]
    fn missing_everything() {
        let e = parse(&Method::GET, &"/".parse().unwrap(), &HeaderMap::new()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MissingAuthentication);
        assert_eq!(e.message(), "Request is missing Authentication Token");
    }

    #[test]
    fn missing_parameters_are_all_listed() {
        let h = headers(&[("authorization", "AWS4-HMAC-SHA256 Foo=bar")]);
        let e = parse(&Method::GET, &"/".parse().unwrap(), &h).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::IncompleteSignature);
        assert_eq!(
            e.message(),
            "Authorization header requires 'Credential' parameter. Authorization header requires \
             'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. \
             Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        );
    }

    #[test]
    fn malformed_pairs_and_algorithms() {
        let cases = [
            ("AWS4-HMAC-SHA256 Credential", "not a valid key=value pair"),
            ("AWS AKID:abc", "Unsupported AWS 'algorithm'"),
            (
                "AWS4-HMAC-SHA256 Credential=a/b/c, SignedHeaders=host, Signature=x",
                "Credential must have exactly 5 slash-delimited elements",
            ),
            (
                "AWS4-HMAC-SHA256 Credential=a/20150830/r/s/aws5, SignedHeaders=host, Signature=x",
                "valid terminator",
            ),
            (
                "AWS4-HMAC-SHA256 Credential=a/20150830/r/s/aws4_request, SignedHeaders=x-amz-date, Signature=x",
                "'Host' or ':authority' must be a 'SignedHeader'",
            ),
        ];
        for (auth, want) in cases {
            let h = headers(&[("authorization", auth), ("x-amz-date", "20150830T123600Z")]);
            let e = parse(&Method::GET, &"/".parse().unwrap(), &h).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::IncompleteSignature, "{auth}");
            assert!(e.message().contains(want), "{auth}: {}", e.message());
        }
    }

    #[test]
    fn bad_content_sha256_claim() {
        let h = headers(&[
            ("authorization", AUTH),
            ("x-amz-date", "20150830T123600Z"),
            ("x-amz-content-sha256", "nope"),
        ]);
        let e = parse(&Method::GET, &"/".parse().unwrap(), &h).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::IncompleteSignature);
    }

    #[test]
    fn payload_claims() {
        for (v, want) in [
            ("UNSIGNED-PAYLOAD", PayloadClaim::Unsigned),
            (
                "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                PayloadClaim::StreamingSigned,
            ),
            (
                "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
                PayloadClaim::StreamingSignedTrailer,
            ),
            (
                "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                PayloadClaim::StreamingUnsignedTrailer,
            ),
        ] {
            assert_eq!(PayloadClaim::parse(v).unwrap(), want);
            assert_eq!(want.literal(), Some(v));
        }
    }

    #[test]
    fn date_header_fallback() {
        let h = headers(&[
            ("authorization", AUTH),
            ("date", "Sun, 30 Aug 2015 12:36:00 GMT"),
        ]);
        let r = parse(&Method::GET, &"/".parse().unwrap(), &h).unwrap();
        assert_eq!(r.amz_date, "20150830T123600Z");
    }

    #[test]
    fn parses_presigned_form() {
        let uri: Uri = "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404".parse().unwrap();
        let r = parse(&Method::GET, &uri, &HeaderMap::new()).unwrap();
        assert_eq!(r.form(), Form::Presigned);
        assert_eq!(r.access_key_id(), "AKIAIOSFODNN7EXAMPLE");
        assert_eq!(r.expires(), Some(Duration::from_secs(86400)));
        assert_eq!(r.payload(), &PayloadClaim::Unsigned);
    }

    #[test]
    fn presigned_rules() {
        let base = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=A%2F20130524%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00";
        let cases = [
            (format!("/?{base}"), "must include 'X-Amz-Expires'"),
            (format!("/?{base}&X-Amz-Expires=0"), "non-negative"),
            (format!("/?{base}&X-Amz-Expires=604801"), "less than a week"),
            (format!("/?{base}&X-Amz-Expires=abc"), "should be a number"),
        ];
        for (uri, want) in cases {
            let e = parse(&Method::GET, &uri.parse().unwrap(), &HeaderMap::new()).unwrap_err();
            assert!(e.message().contains(want), "{uri}: {}", e.message());
        }
        let ok = format!("/?{base}&X-Amz-Expires=604800");
        let r = parse(&Method::GET, &ok.parse().unwrap(), &HeaderMap::new()).unwrap();
        assert_eq!(r.payload(), &PayloadClaim::Body);
    }

    #[test]
    fn both_forms_is_refused() {
        let h = headers(&[("authorization", AUTH), ("x-amz-date", "20150830T123600Z")]);
        let uri: Uri = "/?X-Amz-Algorithm=AWS4-HMAC-SHA256".parse().unwrap();
        let e = parse(&Method::GET, &uri, &h).unwrap_err();
        assert!(e.message().starts_with("Only one auth mechanism allowed"));
    }
}
