//! Steps 2 and 3: the time rules and the constant-time signature check.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method, Uri};

use crate::amz_date;
use crate::canonical::{RequestParts, canonical_request, string_to_sign};
use crate::error::{Error, ErrorKind};
use crate::key::{SigningKey, sha256_hex, signatures_equal};
use crate::request::{Form, PayloadClaim, SignedRequest};

/// How far the request time may be from now, either way: 15 minutes.
pub const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

fn fmt_time(t: SystemTime) -> String {
    amz_date::format(t).unwrap_or_else(|_| String::from("?"))
}

impl SignedRequest {
    /// Step 2, the time rules: the request time must be within 15 minutes of `now` either way
    /// (header form), or, presigned, not more than 15 minutes ahead and not past
    /// `X-Amz-Date + X-Amz-Expires`; and the credential scope's date must be the day of the
    /// request time.
    pub fn check_time(&self, now: SystemTime) -> Result<(), Error> {
        let day = self.amz_date.get(..8).unwrap_or_default();
        if self.scope.date() != day {
            return Err(Error::new(
                ErrorKind::CredentialDateMismatch,
                format!(
                    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{}'.",
                    self.scope.date(),
                    day,
                    self.amz_date
                ),
            ));
        }
        if let Some(limit) = now.checked_add(MAX_SKEW)
            && self.timestamp > limit
        {
            return Err(Error::new(
                ErrorKind::SignatureNotYetCurrent,
                format!(
                    "Signature not yet current: {} is still later than {} ({} + 15 min.)",
                    self.amz_date,
                    fmt_time(limit),
                    fmt_time(now)
                ),
            ));
        }
        match (self.form, self.expires) {
            (Form::Presigned, Some(expires)) => {
                let deadline = self.timestamp.checked_add(expires);
                if deadline.is_none_or(|d| now > d) {
                    return Err(Error::new(ErrorKind::RequestExpired, "Request has expired"));
                }
            }
            _ => {
                if let Some(earliest) = now.checked_sub(MAX_SKEW)
                    && self.timestamp < earliest
                {
                    return Err(Error::new(
                        ErrorKind::SignatureExpired,
                        format!(
                            "Signature expired: {} is now earlier than {} ({} - 15 min.)",
                            self.amz_date,
                            fmt_time(earliest),
                            fmt_time(now)
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Step 3: recomputes the signature with `key` and compares it in constant time.
    ///
    /// `body` is the raw payload as received. Without an `x-amz-content-sha256` claim the hash
    /// is computed from it; a hex claim must match it (checked after the signature);
    /// `UNSIGNED-PAYLOAD` and the streaming claims are taken as-is (decode a streaming body
    /// with [`crate::decode_chunked`] afterwards). A `key` derived for another scope fails.
    pub fn verify(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
        key: &SigningKey,
    ) -> Result<(), Error> {
        if key.scope() != &self.scope {
            return Err(Error::mismatch());
        }
        let computed_body_hash;
        let payload_line = match self.payload.literal() {
            Some(literal) => literal,
            None => {
                computed_body_hash = sha256_hex(body);
                &computed_body_hash
            }
        };
        let parts = RequestParts {
            method: method.as_str(),
            uri,
            headers,
        };
        let creq = canonical_request(
            &parts,
            self.scope.service(),
            &self.signed_headers,
            payload_line,
            self.form == Form::Presigned,
        );
        let sts = string_to_sign(&self.amz_date, &self.scope, &creq);
        if !signatures_equal(&key.sign_hex(sts.as_bytes()), &self.signature) {
            return Err(Error::mismatch());
        }
        if let PayloadClaim::Sha256(claimed) = &self.payload
            && !claimed.eq_ignore_ascii_case(&sha256_hex(body))
        {
            return Err(Error::new(
                ErrorKind::ContentSha256Mismatch,
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::CredentialScope;
    use crate::request::parse;
    use std::time::UNIX_EPOCH;

    fn at(s: &str) -> SystemTime {
        amz_date::parse(s).unwrap()
    }

    fn header_request(date: &str, scope_date: &str) -> SignedRequest {
        let mut h = HeaderMap::new();
        h.insert(
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential=AK/{scope_date}/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
            )
            .parse()
            .unwrap(),
        );
        h.insert("x-amz-date", date.parse().unwrap());
        parse(&Method::GET, &"/".parse().unwrap(), &h).unwrap()
    }

    #[test]
    fn header_form_skew_window() {
        let r = header_request("20260101T000000Z", "20260101");
        assert!(r.check_time(at("20260101T000000Z")).is_ok());
        assert!(r.check_time(at("20260101T001500Z")).is_ok());
        assert!(r.check_time(at("20251231T234500Z")).is_ok());

        let e = r.check_time(at("20260101T002500Z")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SignatureExpired);
        assert_eq!(
            e.message(),
            "Signature expired: 20260101T000000Z is now earlier than 20260101T001000Z (20260101T002500Z - 15 min.)"
        );

        let e = r.check_time(at("20251231T234459Z")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SignatureNotYetCurrent);
        assert_eq!(
            e.message(),
            "Signature not yet current: 20260101T000000Z is still later than 20251231T235959Z (20251231T234459Z + 15 min.)"
        );
    }

    #[test]
    fn scope_date_must_be_request_day() {
        let r = header_request("20260101T000000Z", "20251231");
        let e = r.check_time(at("20260101T000000Z")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CredentialDateMismatch);
        assert!(e.message().contains("'20251231' != '20260101'"));
    }

    #[test]
    fn presigned_expiry() {
        let uri: Uri = "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20260101%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=00".parse().unwrap();
        let r = parse(&Method::GET, &uri, &HeaderMap::new()).unwrap();
        // A presigned URL is good long after 15 minutes, until it expires.
        assert!(r.check_time(at("20260101T005959Z")).is_ok());
        assert!(r.check_time(at("20260101T010000Z")).is_ok());
        let e = r.check_time(at("20260101T010001Z")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::RequestExpired);
        let e = r.check_time(at("20251231T230000Z")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SignatureNotYetCurrent);
    }

    #[test]
    fn extreme_now_does_not_panic() {
        let r = header_request("20260101T000000Z", "20260101");
        assert!(r.check_time(UNIX_EPOCH).is_err());
        let far = UNIX_EPOCH + Duration::from_secs(u64::from(u32::MAX) * 1000);
        assert!(r.check_time(far).is_err());
    }

    #[test]
    fn key_for_another_scope_fails() {
        let r = header_request("20260101T000000Z", "20260101");
        let key = SigningKey::derive("s", &CredentialScope::new("20260101", "us-west-2", "sts"));
        let mut h = HeaderMap::new();
        h.insert("host", "x".parse().unwrap());
        let e = r
            .verify(&Method::GET, &"/".parse().unwrap(), &h, b"", &key)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::SignatureDoesNotMatch);
    }
}
