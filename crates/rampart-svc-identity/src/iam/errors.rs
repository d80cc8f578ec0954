//! IAM's errors, with the codes and statuses of the service model and AWS's messages.

use rampart_protocol::{AwsError, Models};
use rampart_store::StoreError;

/// An error of the IAM model's `shape`, as awsQuery sends it.
pub(crate) fn model_error(shape: &str, message: String) -> AwsError {
    match Models::get().service("iam") {
        Some(model) => model.error(shape, message),
        None => AwsError::new(shape.to_owned(), 400, message),
    }
}

/// `NoSuchEntity` (404).
pub(crate) fn no_such_entity(message: impl Into<String>) -> AwsError {
    model_error("NoSuchEntityException", message.into())
}

/// `EntityAlreadyExists` (409).
pub(crate) fn already_exists(message: impl Into<String>) -> AwsError {
    model_error("EntityAlreadyExistsException", message.into())
}

/// `DeleteConflict` (409).
pub(crate) fn delete_conflict(message: impl Into<String>) -> AwsError {
    model_error("DeleteConflictException", message.into())
}

/// `LimitExceeded` (409).
pub(crate) fn limit_exceeded(message: impl Into<String>) -> AwsError {
    model_error("LimitExceededException", message.into())
}

/// `MalformedPolicyDocument` (400).
pub(crate) fn malformed_policy(message: impl Into<String>) -> AwsError {
    model_error("MalformedPolicyDocumentException", message.into())
}

/// `InvalidInput` (400).
pub(crate) fn invalid_input(message: impl Into<String>) -> AwsError {
    model_error("InvalidInputException", message.into())
}

/// `UnmodifiableEntity` (400): the entity is AWS's (a service-linked role).
pub(crate) fn unmodifiable(message: impl Into<String>) -> AwsError {
    model_error("UnmodifiableEntityException", message.into())
}

/// `ValidationError` (400), the framework's constraint failure.
pub(crate) fn validation(message: impl Into<String>) -> AwsError {
    AwsError::new("ValidationError", 400, message)
}

/// A policy document the engine refused, as the matching IAM error.
pub(crate) fn policy_error(e: &rampart_policy::PolicyError) -> AwsError {
    match e {
        rampart_policy::PolicyError::TooLarge { .. } => limit_exceeded(e.to_string()),
        rampart_policy::PolicyError::Malformed(_) => malformed_policy(e.to_string()),
    }
}

/// A user operation without `UserName`, called with temporary credentials.
pub(crate) fn session_needs_user_name() -> AwsError {
    validation("Must specify userName when calling with non-User credentials")
}

/// A store failure: a lost compare-and-swap is `ConcurrentModification` (409, the caller may
/// retry); anything else is AWS's generic failure, with no detail for the caller.
pub(crate) fn store_error(e: StoreError) -> AwsError {
    if let Some(unavailable) = rampart_service::store_unavailable(&e) {
        return unavailable;
    }
    match e {
        StoreError::Conflict { .. } => model_error(
            "ConcurrentModificationException",
            "The request was rejected because multiple requests to change this object were submitted simultaneously. Wait a few minutes and submit your request again.".into(),
        ),
        _ => rampart_service::internal_error(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses_come_from_the_model() {
        let e = no_such_entity("The user with name bob cannot be found.");
        assert_eq!((&*e.code, e.status), ("NoSuchEntity", 404));
        let e = already_exists("x");
        assert_eq!((&*e.code, e.status), ("EntityAlreadyExists", 409));
        let e = delete_conflict("x");
        assert_eq!((&*e.code, e.status), ("DeleteConflict", 409));
        let e = limit_exceeded("x");
        assert_eq!((&*e.code, e.status), ("LimitExceeded", 409));
        let e = malformed_policy("x");
        assert_eq!((&*e.code, e.status), ("MalformedPolicyDocument", 400));
        let e = invalid_input("x");
        assert_eq!((&*e.code, e.status), ("InvalidInput", 400));
    }
}
