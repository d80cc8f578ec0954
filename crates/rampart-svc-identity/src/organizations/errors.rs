//! Organizations' errors: the model's codes and statuses with AWS's messages.

use rampart_protocol::{AwsError, Models};
use rampart_store::StoreError;

/// An error of the Organizations model's `shape` (awsJson: the shape name is the code).
pub(super) fn error(shape: &str, message: impl Into<String>) -> AwsError {
    let message = message.into();
    match Models::get().service("organizations") {
        Some(model) => model.error(shape, message),
        None => AwsError::new(shape.to_owned(), 400, message),
    }
}

/// `AWSOrganizationsNotInUseException`: the caller's account is in no organization.
pub(super) fn not_in_use() -> AwsError {
    error(
        "AWSOrganizationsNotInUseException",
        "Your account is not a member of an organization.",
    )
}

/// `AccessDeniedException`: the caller's account may not run this operation (a member account
/// that is not the management account, or not a delegated administrator for a read).
pub(super) fn access_denied() -> AwsError {
    error(
        "AccessDeniedException",
        "You don't have permissions to access this resource.",
    )
}

/// `ConstraintViolationException` with its `Reason`.
pub(super) fn constraint(reason: &str, message: impl Into<String>) -> AwsError {
    error("ConstraintViolationException", message).with_extra("Reason", reason)
}

/// `InvalidInputException` with its `Reason`.
pub(super) fn invalid(reason: &str, message: impl Into<String>) -> AwsError {
    error("InvalidInputException", message).with_extra("Reason", reason)
}

/// `InvalidInputException` (`INVALID_PATTERN`) for a member that fails the model's pattern.
pub(super) fn bad_pattern(member: &str, value: &str) -> AwsError {
    invalid(
        "INVALID_PATTERN",
        format!("You specified an invalid value for {member}: {value}"),
    )
}

/// `InvalidInputException` (`INPUT_REQUIRED`) for a missing required member.
pub(super) fn required(member: &str) -> AwsError {
    invalid(
        "INPUT_REQUIRED",
        format!("You must specify a value for {member}."),
    )
}

/// `InvalidInputException` for a length outside the model's bounds.
pub(super) fn bad_length(member: &str, min: usize, max: usize, len: usize) -> AwsError {
    if len < min {
        invalid(
            "MIN_LENGTH_EXCEEDED",
            format!(
                "You provided a value for {member} that is shorter than the minimum length of {min}."
            ),
        )
    } else {
        invalid(
            "MAX_LENGTH_EXCEEDED",
            format!("You provided a value for {member} that exceeds the maximum length of {max}."),
        )
    }
}

/// `AccountNotFoundException`.
pub(super) fn account_not_found() -> AwsError {
    error(
        "AccountNotFoundException",
        "You specified an account that doesn't exist.",
    )
}

/// `OrganizationalUnitNotFoundException`.
pub(super) fn unit_not_found() -> AwsError {
    error(
        "OrganizationalUnitNotFoundException",
        "We can't find an organizational unit (OU) with the OrganizationalUnitId that you specified.",
    )
}

/// `ParentNotFoundException`.
pub(super) fn parent_not_found() -> AwsError {
    error(
        "ParentNotFoundException",
        "We can't find a root or OU with the ParentId that you specified.",
    )
}

/// `ChildNotFoundException`.
pub(super) fn child_not_found() -> AwsError {
    error(
        "ChildNotFoundException",
        "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
    )
}

/// `TargetNotFoundException`.
pub(super) fn target_not_found() -> AwsError {
    error(
        "TargetNotFoundException",
        "We can't find a root, OU, account, or policy with the TargetId that you specified.",
    )
}

/// `PolicyNotFoundException`.
pub(super) fn policy_not_found() -> AwsError {
    error(
        "PolicyNotFoundException",
        "We can't find a policy with the PolicyId that you specified.",
    )
}

/// `RootNotFoundException`.
pub(super) fn root_not_found() -> AwsError {
    error(
        "RootNotFoundException",
        "We can't find a root with the RootId that you specified.",
    )
}

/// `PolicyTypeNotEnabledException`.
pub(super) fn type_not_enabled() -> AwsError {
    error(
        "PolicyTypeNotEnabledException",
        "This operation can be performed only for enabled policy types.",
    )
}

/// A policy document the engine refused: `MalformedPolicyDocumentException`, or the size
/// quota as `ConstraintViolationException` (`POLICY_CONTENT_LIMIT_EXCEEDED`).
pub(super) fn policy_error(e: &rampart_policy::PolicyError) -> AwsError {
    match e {
        rampart_policy::PolicyError::TooLarge { .. } => constraint(
            "POLICY_CONTENT_LIMIT_EXCEEDED",
            "You have exceeded the maximum size of a policy document.",
        ),
        rampart_policy::PolicyError::Malformed(m) => {
            error("MalformedPolicyDocumentException", m.clone())
        }
    }
}

/// A store failure: a lost compare-and-swap is `ConcurrentModificationException` (the caller
/// may retry); anything else is the generic failure, with no detail for the caller.
pub(super) fn store_error(e: StoreError) -> AwsError {
    if let Some(unavailable) = rampart_service::store_unavailable(&e) {
        return unavailable;
    }
    match e {
        StoreError::Conflict { .. } => error(
            "ConcurrentModificationException",
            "The target of the operation is currently being modified by a different request. Try again later.",
        ),
        other => {
            tracing::error!(error = %other, "organizations store failure");
            rampart_service::internal_error()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_statuses_and_reasons_come_from_the_model() {
        let e = not_in_use();
        assert_eq!(
            (&*e.code, e.status),
            ("AWSOrganizationsNotInUseException", 400)
        );
        let e = constraint("OU_DEPTH_LIMIT_EXCEEDED", "x");
        assert_eq!(&*e.code, "ConstraintViolationException");
        assert_eq!(
            e.extra,
            vec![(
                "Reason".to_owned(),
                serde_json::json!("OU_DEPTH_LIMIT_EXCEEDED")
            )]
        );
        let e = policy_error(&rampart_policy::PolicyError::Malformed(
            "Syntax errors in policy.".into(),
        ));
        assert_eq!(&*e.code, "MalformedPolicyDocumentException");
        assert_eq!(e.message, "Syntax errors in policy.");
        assert_eq!(&*access_denied().code, "AccessDeniedException");
    }
}
