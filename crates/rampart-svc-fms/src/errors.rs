//! Firewall Manager's errors, as botocore's `fms` model names them (all HTTP 400 but the
//! internal one).

use rampart_protocol::AwsError;
use rampart_store::StoreError;

/// `InvalidInputException`: a parameter is not valid.
pub(crate) fn invalid_input(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidInputException", 400, message)
}

/// `InvalidOperationException`: the operation is not allowed in the current state.
pub(crate) fn invalid_operation(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidOperationException", 400, message)
}

/// `ResourceNotFoundException`.
pub(crate) fn not_found(message: impl Into<String>) -> AwsError {
    AwsError::new("ResourceNotFoundException", 400, message)
}

/// `InternalErrorException`; the details go to the log only.
pub(crate) fn internal() -> AwsError {
    AwsError::new(
        "InternalErrorException",
        500,
        "The operation failed because of a system problem, even though the request was valid. Retry your request.",
    )
}

/// A store failure.
pub(crate) fn store(e: StoreError) -> AwsError {
    if let Some(unavailable) = rampart_service::store_unavailable(&e) {
        return unavailable;
    }
    tracing::error!(error = %e, "fms store failure");
    internal()
}

/// The answer to an operation of the model that rampart's Firewall Manager does not offer.
pub(crate) fn unsupported(what: &str) -> AwsError {
    invalid_operation(format!(
        "rampart's Firewall Manager supports WAFV2 policies only; {what} is not supported."
    ))
}
