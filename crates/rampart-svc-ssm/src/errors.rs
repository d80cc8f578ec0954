//! Parameter Store's error codes, with AWS's messages. None of them ever carries a parameter's
//! value.

use rampart_protocol::AwsError;
use rampart_store::StoreError;

/// `ValidationException`.
pub(crate) fn validation(message: impl Into<String>) -> AwsError {
    AwsError::new("ValidationException", 400, message)
}

/// `ParameterNotFound`, as GetParameter and GetParameterHistory answer it (no message).
pub(crate) fn parameter_not_found() -> AwsError {
    AwsError::new("ParameterNotFound", 400, "")
}

/// `ParameterNotFound` naming the parameter (DeleteParameter, LabelParameterVersion).
pub(crate) fn parameter_not_found_named(name: &str) -> AwsError {
    AwsError::new(
        "ParameterNotFound",
        400,
        format!("Parameter {name} not found."),
    )
}

/// `ParameterVersionNotFound` for a version or label selector that names nothing.
pub(crate) fn version_not_found(name: &str, selector: &str) -> AwsError {
    AwsError::new(
        "ParameterVersionNotFound",
        400,
        format!(
            "Systems Manager could not find version {selector} of {name}. Verify the version and try again."
        ),
    )
}

/// `ParameterAlreadyExists`.
pub(crate) fn already_exists() -> AwsError {
    AwsError::new(
        "ParameterAlreadyExists",
        400,
        "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.",
    )
}

/// `ParameterLimitExceeded`.
pub(crate) fn limit_exceeded() -> AwsError {
    AwsError::new(
        "ParameterLimitExceeded",
        400,
        "You have exceeded the number of parameters for this AWS account. Delete one or more parameters and try again.",
    )
}

/// `ParameterMaxVersionLimitExceeded`: the oldest of 100 versions carries a label.
pub(crate) fn max_versions(name: &str, oldest: u64) -> AwsError {
    AwsError::new(
        "ParameterMaxVersionLimitExceeded",
        400,
        format!(
            "You attempted to create a new version of {name} by calling the PutParameter API with the overwrite flag. Version {oldest}, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again."
        ),
    )
}

/// `HierarchyLevelLimitExceededException`.
pub(crate) fn hierarchy_too_deep() -> AwsError {
    AwsError::new(
        "HierarchyLevelLimitExceededException",
        400,
        "A hierarchy can have a maximum of 15 levels. For more information, see Requirements and constraints for parameter names in the AWS Systems Manager User Guide.",
    )
}

/// `ParameterPatternMismatchException`: the value does not match the AllowedPattern.
pub(crate) fn pattern_mismatch(pattern: &str) -> AwsError {
    AwsError::new(
        "ParameterPatternMismatchException",
        400,
        format!("Parameter value, cannot be validated against allowedPattern: {pattern}"),
    )
}

/// `InvalidAllowedPatternException`: the AllowedPattern is no regular expression.
pub(crate) fn invalid_allowed_pattern() -> AwsError {
    AwsError::new(
        "InvalidAllowedPatternException",
        400,
        "The allowed pattern is not a valid regular expression.",
    )
}

/// `ParameterVersionLabelLimitExceeded`.
pub(crate) fn label_limit() -> AwsError {
    AwsError::new(
        "ParameterVersionLabelLimitExceeded",
        400,
        "A parameter version can have maximum 10 labels.Move one or more labels to another version and try again.",
    )
}

/// `InvalidPolicyTypeException`.
pub(crate) fn invalid_policy_type(kind: &str) -> AwsError {
    AwsError::new(
        "InvalidPolicyTypeException",
        400,
        format!(
            "The policy type {kind} is not supported. Parameter Store supports the following policy types: Expiration, ExpirationNotification, and NoChangeNotification."
        ),
    )
}

/// `InvalidPolicyAttributeException`.
pub(crate) fn invalid_policy_attribute(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidPolicyAttributeException", 400, message)
}

/// `IncompatiblePolicyException`.
pub(crate) fn incompatible_policy(message: impl Into<String>) -> AwsError {
    AwsError::new("IncompatiblePolicyException", 400, message)
}

/// `PoliciesLimitExceededException`.
pub(crate) fn policies_limit() -> AwsError {
    AwsError::new(
        "PoliciesLimitExceededException",
        400,
        "You specified more than the maximum number of allowed policies for the parameter. The maximum is 10.",
    )
}

/// `InvalidFilterKey`.
pub(crate) fn invalid_filter_key(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidFilterKey", 400, message)
}

/// `InvalidFilterOption`.
pub(crate) fn invalid_filter_option(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidFilterOption", 400, message)
}

/// `InvalidFilterValue`.
pub(crate) fn invalid_filter_value(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidFilterValue", 400, message)
}

/// `InvalidNextToken`.
pub(crate) fn invalid_next_token() -> AwsError {
    AwsError::new("InvalidNextToken", 400, "The specified token isn't valid.")
}

/// `InvalidResourceId`.
pub(crate) fn invalid_resource_id() -> AwsError {
    AwsError::new(
        "InvalidResourceId",
        400,
        "The resource ID isn't valid. Verify that you entered the correct ID and try again.",
    )
}

/// `InvalidResourceType`.
pub(crate) fn invalid_resource_type() -> AwsError {
    AwsError::new("InvalidResourceType", 400, "The resource type isn't valid.")
}

/// `TooManyTagsError`.
pub(crate) fn too_many_tags() -> AwsError {
    AwsError::new(
        "TooManyTagsError",
        400,
        "The Targets parameter includes too many tags. Remove one or more tags and try the command again.",
    )
}

/// `TooManyUpdates`: concurrent writers kept winning.
pub(crate) fn too_many_updates() -> AwsError {
    AwsError::new(
        "TooManyUpdates",
        400,
        "There are concurrent updates for a resource that supports one update at a time.",
    )
}

/// `InvalidKeyId`: the KMS key cannot serve the parameter.
pub(crate) fn invalid_key_id(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidKeyId", 400, message)
}

/// `AccessDeniedException` for names Parameter Store reserves for itself.
pub(crate) fn reserved_name(name: &str) -> AwsError {
    AwsError::new(
        "AccessDeniedException",
        400,
        format!("No access to reserved parameter name: {name}."),
    )
}

/// `InternalServerError` for a store failure; the detail goes to the log only (store errors
/// name keys, never values).
pub(crate) fn store_failure(e: StoreError) -> AwsError {
    if let Some(unavailable) = rampart_service::store_unavailable(&e) {
        return unavailable;
    }
    tracing::error!(error = %e, "ssm store failure");
    internal("store")
}

/// `InternalServerError` for a failure that is not the caller's; logged without any data.
pub(crate) fn internal(what: &'static str) -> AwsError {
    tracing::error!(what, "ssm internal failure");
    AwsError::new(
        "InternalServerError",
        500,
        "An error occurred on the server side.",
    )
}
