//! Authentication failures, in AWS's own wording, with the error code and HTTP status each
//! protocol family answers with.
//!
//! The codes and statuses below were looked up in AWS's published "Common Errors" pages and in
//! real responses quoted by SDK users; each mapping is pinned by a unit test.

/// What went wrong, independent of how a protocol spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request carries neither an `Authorization` header nor presigned query parameters.
    MissingAuthentication,
    /// The signature is present but malformed or incomplete (missing parameter, bad credential
    /// scope, bad date format, unsupported algorithm, `host` not signed, ...).
    IncompleteSignature,
    /// The recomputed signature differs from the one provided.
    SignatureDoesNotMatch,
    /// Header form: the request time is more than 15 minutes before now.
    SignatureExpired,
    /// The request time is more than 15 minutes after now.
    SignatureNotYetCurrent,
    /// Presigned form: `X-Amz-Date + X-Amz-Expires` is in the past.
    RequestExpired,
    /// The date in the credential scope is not the day of the request time.
    CredentialDateMismatch,
    /// The `x-amz-content-sha256` claim does not match the body received.
    ContentSha256Mismatch,
    /// An aws-chunked body is malformed or truncated.
    IncompleteBody,
    /// An aws-chunked body's chunk or trailer signature does not verify.
    ChunkSignatureDoesNotMatch,
    /// The decoded aws-chunked payload length differs from `x-amz-decoded-content-length`.
    DecodedContentLengthMismatch,
    /// Signing side only: the caller's input cannot be turned into a signed request.
    InvalidSigningInput,
}

/// The protocol family whose error vocabulary the server answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// awsQuery services (IAM, STS): XML `<ErrorResponse>` with codes such as
    /// `SignatureDoesNotMatch`.
    Query,
    /// awsJson 1.0/1.1, restJson1 and rpc-v2-cbor services (KMS, Secrets Manager, ...):
    /// `__type` codes such as `InvalidSignatureException`.
    Json,
    /// S3 (restXml): codes such as `SignatureDoesNotMatch`, `AccessDenied`,
    /// `XAmzContentSHA256Mismatch`.
    S3,
}

/// A SigV4 authentication failure. The message never contains a key or the expected signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

/// AWS's wording for a recomputed signature that differs from the provided one.
pub(crate) const MISMATCH_MESSAGE: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

impl Error {
    /// Builds an error of `kind` with AWS's `message`.
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// The signature-mismatch error, with AWS's fixed message.
    pub(crate) fn mismatch() -> Self {
        Self::new(ErrorKind::SignatureDoesNotMatch, MISMATCH_MESSAGE)
    }

    /// An incomplete-signature error with `message`.
    pub(crate) fn incomplete(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::IncompleteSignature, message)
    }

    /// A malformed aws-chunked body.
    pub(crate) fn incomplete_body(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::IncompleteBody, message)
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message to send to the client, in AWS's wording.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error code AWS answers with in `family`.
    pub fn aws_code(&self, family: Family) -> &'static str {
        self.code_and_status(family).0
    }

    /// The HTTP status AWS answers with in `family`.
    pub fn http_status(&self, family: Family) -> u16 {
        self.code_and_status(family).1
    }

    fn code_and_status(&self, family: Family) -> (&'static str, u16) {
        use ErrorKind as K;
        match family {
            // awsQuery "Common Errors" pages (IAM, STS, CloudSearch, EMR): IncompleteSignature 400,
            // MissingAuthenticationToken 403, RequestExpired 400. STS answers a skewed or wrong
            // signature with SignatureDoesNotMatch, 403 ("Signature expired: ... - 15 min.").
            Family::Query => match self.kind {
                K::MissingAuthentication => ("MissingAuthenticationToken", 403),
                K::IncompleteSignature | K::InvalidSigningInput => ("IncompleteSignature", 400),
                K::RequestExpired => ("RequestExpired", 400),
                K::IncompleteBody | K::DecodedContentLengthMismatch => ("IncompleteSignature", 400),
                K::SignatureDoesNotMatch
                | K::SignatureExpired
                | K::SignatureNotYetCurrent
                | K::CredentialDateMismatch
                | K::ContentSha256Mismatch
                | K::ChunkSignatureDoesNotMatch => ("SignatureDoesNotMatch", 403),
            },
            // awsJson services answer `InvalidSignatureException` with HTTP 400 both for a wrong
            // and for an expired signature ("Signature expired: ..."), and
            // `IncompleteSignatureException` with 400; API Gateway style
            // `MissingAuthenticationTokenException` is 403. `RequestExpired` (400) is listed in
            // the JSON services' Common Errors too.
            Family::Json => match self.kind {
                K::MissingAuthentication => ("MissingAuthenticationTokenException", 403),
                K::IncompleteSignature
                | K::InvalidSigningInput
                | K::IncompleteBody
                | K::DecodedContentLengthMismatch => ("IncompleteSignatureException", 400),
                K::RequestExpired => ("RequestExpired", 400),
                K::SignatureDoesNotMatch
                | K::SignatureExpired
                | K::SignatureNotYetCurrent
                | K::CredentialDateMismatch
                | K::ContentSha256Mismatch
                | K::ChunkSignatureDoesNotMatch => ("InvalidSignatureException", 400),
            },
            // S3 error-code table: SignatureDoesNotMatch 403, AccessDenied 403 (also "Request has
            // expired" for presigned URLs), RequestTimeTooSkewed 403, AuthorizationHeaderMalformed
            // 400, XAmzContentSHA256Mismatch 400, IncompleteBody 400.
            Family::S3 => match self.kind {
                K::MissingAuthentication | K::RequestExpired => ("AccessDenied", 403),
                K::IncompleteSignature | K::InvalidSigningInput => {
                    ("AuthorizationHeaderMalformed", 400)
                }
                K::CredentialDateMismatch => ("AuthorizationHeaderMalformed", 400),
                K::SignatureExpired | K::SignatureNotYetCurrent => ("RequestTimeTooSkewed", 403),
                K::ContentSha256Mismatch => ("XAmzContentSHA256Mismatch", 400),
                K::IncompleteBody | K::DecodedContentLengthMismatch => ("IncompleteBody", 400),
                K::SignatureDoesNotMatch | K::ChunkSignatureDoesNotMatch => {
                    ("SignatureDoesNotMatch", 403)
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(kind: ErrorKind) -> Error {
        Error::new(kind, "m")
    }

    #[test]
    fn query_family_codes() {
        let cases = [
            (
                ErrorKind::MissingAuthentication,
                "MissingAuthenticationToken",
                403,
            ),
            (ErrorKind::IncompleteSignature, "IncompleteSignature", 400),
            (
                ErrorKind::SignatureDoesNotMatch,
                "SignatureDoesNotMatch",
                403,
            ),
            (ErrorKind::SignatureExpired, "SignatureDoesNotMatch", 403),
            (
                ErrorKind::SignatureNotYetCurrent,
                "SignatureDoesNotMatch",
                403,
            ),
            (ErrorKind::RequestExpired, "RequestExpired", 400),
            (
                ErrorKind::CredentialDateMismatch,
                "SignatureDoesNotMatch",
                403,
            ),
        ];
        for (kind, code, status) in cases {
            assert_eq!(err(kind).aws_code(Family::Query), code, "{kind:?}");
            assert_eq!(err(kind).http_status(Family::Query), status, "{kind:?}");
        }
    }

    #[test]
    fn json_family_codes() {
        let cases = [
            (
                ErrorKind::MissingAuthentication,
                "MissingAuthenticationTokenException",
                403,
            ),
            (
                ErrorKind::IncompleteSignature,
                "IncompleteSignatureException",
                400,
            ),
            (
                ErrorKind::SignatureDoesNotMatch,
                "InvalidSignatureException",
                400,
            ),
            (
                ErrorKind::SignatureExpired,
                "InvalidSignatureException",
                400,
            ),
            (ErrorKind::RequestExpired, "RequestExpired", 400),
        ];
        for (kind, code, status) in cases {
            assert_eq!(err(kind).aws_code(Family::Json), code, "{kind:?}");
            assert_eq!(err(kind).http_status(Family::Json), status, "{kind:?}");
        }
    }

    #[test]
    fn s3_family_codes() {
        let cases = [
            (
                ErrorKind::SignatureDoesNotMatch,
                "SignatureDoesNotMatch",
                403,
            ),
            (ErrorKind::SignatureExpired, "RequestTimeTooSkewed", 403),
            (ErrorKind::RequestExpired, "AccessDenied", 403),
            (
                ErrorKind::ContentSha256Mismatch,
                "XAmzContentSHA256Mismatch",
                400,
            ),
            (ErrorKind::IncompleteBody, "IncompleteBody", 400),
            (
                ErrorKind::IncompleteSignature,
                "AuthorizationHeaderMalformed",
                400,
            ),
        ];
        for (kind, code, status) in cases {
            assert_eq!(err(kind).aws_code(Family::S3), code, "{kind:?}");
            assert_eq!(err(kind).http_status(Family::S3), status, "{kind:?}");
        }
    }

    #[test]
    fn mismatch_message_is_aws_wording() {
        assert_eq!(
            Error::mismatch().to_string(),
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. Consult the service \
             documentation for details."
        );
    }
}
