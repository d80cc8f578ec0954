//! KMS's error codes, with AWS's messages.

use rampart_protocol::AwsError;
use rampart_store::StoreError;

/// `NotFoundException`.
pub(crate) fn not_found(message: impl Into<String>) -> AwsError {
    AwsError::new("NotFoundException", 400, message)
}

/// `ValidationException`.
pub(crate) fn validation(message: impl Into<String>) -> AwsError {
    AwsError::new("ValidationException", 400, message)
}

/// `InvalidCiphertextException`, deliberately without a hint (as AWS).
pub(crate) fn invalid_ciphertext() -> AwsError {
    AwsError::new("InvalidCiphertextException", 400, "")
}

/// `IncorrectKeyException`: the KeyId given to Decrypt or ReEncrypt is not the blob's key.
pub(crate) fn incorrect_key() -> AwsError {
    AwsError::new(
        "IncorrectKeyException",
        400,
        "The key ID in the request does not identify a CMK that can perform this operation.",
    )
}

/// `DisabledException` for a disabled key.
pub(crate) fn disabled(arn: &str) -> AwsError {
    AwsError::new("DisabledException", 400, format!("{arn} is disabled."))
}

/// `KMSInvalidStateException`.
pub(crate) fn invalid_state(message: impl Into<String>) -> AwsError {
    AwsError::new("KMSInvalidStateException", 400, message)
}

/// `AlreadyExistsException`.
pub(crate) fn already_exists(message: impl Into<String>) -> AwsError {
    AwsError::new("AlreadyExistsException", 400, message)
}

/// `NotAuthorizedException` (reserved `alias/aws/` names).
pub(crate) fn not_authorized(message: impl Into<String>) -> AwsError {
    AwsError::new("NotAuthorizedException", 400, message)
}

/// `InvalidKeyUsageException`.
pub(crate) fn invalid_key_usage(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidKeyUsageException", 400, message)
}

/// `UnsupportedOperationException`.
pub(crate) fn unsupported(message: impl Into<String>) -> AwsError {
    AwsError::new("UnsupportedOperationException", 400, message)
}

/// `TagException`.
pub(crate) fn tag_error(message: impl Into<String>) -> AwsError {
    AwsError::new("TagException", 400, message)
}

/// `KMSInternalException` for a store failure; the detail goes to the log only (store errors
/// name keys, never values).
pub(crate) fn store_failure(e: StoreError) -> AwsError {
    if let Some(unavailable) = rampart_service::store_unavailable(&e) {
        return unavailable;
    }
    tracing::error!(error = %e, "kms store failure");
    AwsError::new(
        "KMSInternalException",
        500,
        "The request was rejected because an internal exception occurred.",
    )
}

/// `KMSInternalException` for a cryptographic failure that is not the caller's (randomness,
/// a sealed record that does not open); logged without any data.
pub(crate) fn internal(what: &'static str) -> AwsError {
    tracing::error!(what, "kms internal failure");
    AwsError::new(
        "KMSInternalException",
        500,
        "The request was rejected because an internal exception occurred.",
    )
}

/// AWS's form of a length or range violation on one member.
pub(crate) fn constraint(member: &str, constraint: &str) -> AwsError {
    validation(format!(
        "1 validation error detected: Value at '{member}' failed to satisfy constraint: {constraint}"
    ))
}

/// `MalformedPolicyDocumentException`.
pub(crate) fn malformed_policy(message: impl Into<String>) -> AwsError {
    AwsError::new("MalformedPolicyDocumentException", 400, message)
}

/// `LimitExceededException`.
pub(crate) fn limit_exceeded(message: impl Into<String>) -> AwsError {
    AwsError::new("LimitExceededException", 400, message)
}

/// `InvalidGrantTokenException`.
pub(crate) fn invalid_grant_token() -> AwsError {
    AwsError::new(
        "InvalidGrantTokenException",
        400,
        "The grant token is not valid.",
    )
}

/// `InvalidGrantIdException`.
pub(crate) fn invalid_grant_id() -> AwsError {
    AwsError::new("InvalidGrantIdException", 400, "Invalid grant ID.")
}

/// `DryRunOperationException` once every check has passed.
pub(crate) fn dry_run() -> AwsError {
    AwsError::new(
        "DryRunOperationException",
        412,
        "The request would have succeeded, but the DryRun option is set.",
    )
}
