//! Secrets Manager's error codes, with AWS's messages. None of them ever carries a secret value.

use rampart_protocol::AwsError;
use rampart_store::StoreError;

/// `ResourceNotFoundException` for a secret that does not exist.
pub(crate) fn secret_not_found() -> AwsError {
    AwsError::new(
        "ResourceNotFoundException",
        400,
        "Secrets Manager can't find the specified secret.",
    )
}

/// `ResourceNotFoundException` for a staging label no version carries.
pub(crate) fn stage_not_found(stage: &str) -> AwsError {
    AwsError::new(
        "ResourceNotFoundException",
        400,
        format!("Secrets Manager can't find the specified secret value for staging label: {stage}"),
    )
}

/// `ResourceNotFoundException` for a version id the secret does not have.
pub(crate) fn version_not_found(version_id: &str) -> AwsError {
    AwsError::new(
        "ResourceNotFoundException",
        400,
        format!(
            "Secrets Manager can't find the specified secret value for VersionId: {version_id}"
        ),
    )
}

/// `InvalidParameterException`.
pub(crate) fn invalid_parameter(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidParameterException", 400, message)
}

/// `InvalidRequestException`.
pub(crate) fn invalid_request(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidRequestException", 400, message)
}

/// `ValidationException`: a member outside the model's constraints.
pub(crate) fn validation(member: &str, constraint: &str) -> AwsError {
    AwsError::new(
        "ValidationException",
        400,
        format!(
            "1 validation error detected: Value at '{member}' failed to satisfy constraint: {constraint}"
        ),
    )
}

/// `InvalidRequestException` for a secret scheduled for deletion.
pub(crate) fn marked_for_deletion() -> AwsError {
    invalid_request(
        "You can't perform this operation on the secret because it was marked for deletion.",
    )
}

/// `ResourceExistsException`.
pub(crate) fn exists(message: impl Into<String>) -> AwsError {
    AwsError::new("ResourceExistsException", 400, message)
}

/// `ResourceExistsException` for a ClientRequestToken reused with another value.
pub(crate) fn version_exists() -> AwsError {
    exists("You can't modify an existing version, you can only create a new version.")
}

/// `LimitExceededException`.
pub(crate) fn limit(message: impl Into<String>) -> AwsError {
    AwsError::new("LimitExceededException", 400, message)
}

/// `MalformedPolicyDocumentException`.
pub(crate) fn malformed_policy(message: impl Into<String>) -> AwsError {
    AwsError::new("MalformedPolicyDocumentException", 400, message)
}

/// `PublicPolicyException`.
pub(crate) fn public_policy() -> AwsError {
    AwsError::new(
        "PublicPolicyException",
        400,
        "The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the secret.",
    )
}

/// `InvalidNextTokenException`.
pub(crate) fn invalid_next_token() -> AwsError {
    AwsError::new(
        "InvalidNextTokenException",
        400,
        "The NextToken value is invalid.",
    )
}

/// `InvalidRequestException` for a write on a replica.
pub(crate) fn replica_read_only() -> AwsError {
    invalid_request(
        "Operation is not permitted on a replica secret. Call must be made in primary secret's region.",
    )
}

/// A store failure: details to the log, the generic error to the caller.
pub(crate) fn store(e: StoreError) -> AwsError {
    if let Some(unavailable) = rampart_service::store_unavailable(&e) {
        return unavailable;
    }
    tracing::error!(error = %e, "secretsmanager: store failure");
    AwsError::new(
        "InternalServiceError",
        500,
        "An error occurred on the server side.",
    )
}

/// Maps KMS's answer to a request Secrets Manager made on the caller's behalf: a caller KMS
/// refuses gets `AccessDeniedException` ("Access to KMS is not allowed"); a key that cannot be
/// used (disabled, pending deletion, missing) gets `EncryptionFailure` when writing and
/// `DecryptionFailure` when reading, as AWS answers.
pub(crate) fn kms(e: AwsError, writing: bool) -> AwsError {
    if e.code == "AccessDeniedException" {
        return AwsError::new("AccessDeniedException", 400, "Access to KMS is not allowed");
    }
    if e.status >= 500 {
        return e;
    }
    if writing {
        AwsError::new(
            "EncryptionFailure",
            400,
            format!(
                "Secrets Manager can't encrypt the protected secret text using the provided KMS key. Check that the KMS key is available, enabled, and not in an invalid state. ({}: {})",
                e.code, e.message
            ),
        )
    } else {
        AwsError::new(
            "DecryptionFailure",
            400,
            format!(
                "Secrets Manager can't decrypt the protected secret text using the provided KMS key. ({}: {})",
                e.code, e.message
            ),
        )
    }
}
