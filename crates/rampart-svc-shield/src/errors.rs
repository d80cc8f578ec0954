//! Shield's errors, as botocore's `shield` model names them.

use rampart_protocol::AwsError;
use rampart_store::StoreError;

/// `InvalidParameterException`.
pub(crate) fn invalid_parameter(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidParameterException", 400, message)
}

/// `InvalidOperationException`: not allowed in the current state.
pub(crate) fn invalid_operation(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidOperationException", 400, message)
}

/// `InvalidResourceException`: the resource cannot be protected.
pub(crate) fn invalid_resource(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidResourceException", 400, message)
}

/// `ResourceNotFoundException`.
pub(crate) fn not_found(message: impl Into<String>) -> AwsError {
    AwsError::new("ResourceNotFoundException", 400, message)
}

/// `ResourceAlreadyExistsException`.
pub(crate) fn already_exists(message: impl Into<String>) -> AwsError {
    AwsError::new("ResourceAlreadyExistsException", 400, message)
}

/// The answer when the account has no Shield Advanced subscription.
pub(crate) fn no_subscription() -> AwsError {
    not_found("The subscription does not exist.")
}

/// `InternalErrorException`; the details go to the log only.
pub(crate) fn internal() -> AwsError {
    AwsError::new(
        "InternalErrorException",
        500,
        "Exception that indicates that a problem occurred with the service infrastructure. You can retry the request.",
    )
}

/// A store failure.
pub(crate) fn store(e: StoreError) -> AwsError {
    if let Some(unavailable) = rampart_service::store_unavailable(&e) {
        return unavailable;
    }
    match e {
        StoreError::Conflict { .. } => AwsError::new(
            "OptimisticLockException",
            400,
            "Another change to the same resource is in progress. Retry your request.",
        ),
        other => {
            tracing::error!(error = %other, "shield store failure");
            internal()
        }
    }
}
