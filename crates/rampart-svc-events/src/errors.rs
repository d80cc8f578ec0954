//! EventBridge's errors.

use rampart_protocol::AwsError;
use rampart_service::internal_error;
use rampart_store::StoreError;

/// `ResourceNotFoundException` with `message`.
pub(crate) fn not_found(message: impl Into<String>) -> AwsError {
    AwsError::new("ResourceNotFoundException", 400, message)
}

/// `ResourceAlreadyExistsException` with `message`.
pub(crate) fn already_exists(message: impl Into<String>) -> AwsError {
    AwsError::new("ResourceAlreadyExistsException", 400, message)
}

/// `ValidationException` with `message`.
pub(crate) fn validation(message: impl Into<String>) -> AwsError {
    AwsError::new("ValidationException", 400, message)
}

/// `LimitExceededException`: a quota is reached.
pub(crate) fn limit_exceeded() -> AwsError {
    AwsError::new(
        "LimitExceededException",
        400,
        "The requested resource exceeds the maximum number allowed.",
    )
}

/// `ResourceNotFoundException` for a rule missing from a bus.
pub(crate) fn no_rule(rule: &str, bus: &str) -> AwsError {
    not_found(format!("Rule {rule} does not exist on EventBus {bus}."))
}

/// `ResourceNotFoundException` for a missing bus.
pub(crate) fn no_bus(bus: &str) -> AwsError {
    not_found(format!("Event bus {bus} does not exist."))
}

/// A store failure: a conflicting write is `ConcurrentModificationException`, anything else an
/// internal failure whose details go to the log only.
pub(crate) fn store(e: StoreError) -> AwsError {
    if let Some(unavailable) = rampart_service::store_unavailable(&e) {
        return unavailable;
    }
    match e {
        StoreError::Conflict { .. } => AwsError::new(
            "ConcurrentModificationException",
            400,
            "There is concurrent modification on a resource.",
        ),
        other => {
            tracing::error!(error = %other, "EventBridge store failure");
            internal_error()
        }
    }
}
