//! WAFv2's error codes, with AWS's messages and the `Field`/`Parameter`/`Reason` members of
//! `WAFInvalidParameterException`.

use rampart_protocol::AwsError;
use rampart_store::StoreError;
use rampart_waf::{ErrorCode, WafError};

/// AWS's reason text for a value that is not valid.
pub(crate) const REASON_INVALID: &str = "The parameter contains formatting that isn't valid.";

/// `WAFInvalidParameterException` naming the offending `field` (AWS's `ParameterExceptionField`)
/// and `parameter`.
pub(crate) fn invalid(field: &str, parameter: impl Into<String>, reason: &str) -> AwsError {
    let parameter = parameter.into();
    AwsError::new(
        "WAFInvalidParameterException",
        400,
        format!("Error reason: {reason}, field: {field}, parameter: {parameter}"),
    )
    .with_extra("Field", field)
    .with_extra("Parameter", parameter)
    .with_extra("Reason", reason)
}

/// AWS's reason when rules need more WCU than a rule group declares or a web ACL may use;
/// the parameter is the WCU the rules need.
pub(crate) const REASON_CAPACITY: &str =
    "You exceeded the capacity limit for a rule group or web ACL.";

/// `WAFNonexistentItemException`.
pub(crate) fn nonexistent() -> AwsError {
    AwsError::new(
        "WAFNonexistentItemException",
        400,
        "AWS WAF couldn\u{2019}t perform the operation because your resource doesn\u{2019}t exist.",
    )
}

/// `WAFDuplicateItemException`.
pub(crate) fn duplicate() -> AwsError {
    AwsError::new(
        "WAFDuplicateItemException",
        400,
        "AWS WAF couldn\u{2019}t perform the operation because some resource in your request is a duplicate of an existing one.",
    )
}

/// `WAFOptimisticLockException`: the lock token is not the resource's current one.
pub(crate) fn optimistic_lock() -> AwsError {
    AwsError::new(
        "WAFOptimisticLockException",
        400,
        "AWS WAF couldn\u{2019}t save your changes because someone changed the resource after you started to edit it. Reapply your changes.",
    )
}

/// `WAFAssociatedItemException`: the resource is used by another one.
pub(crate) fn associated() -> AwsError {
    AwsError::new(
        "WAFAssociatedItemException",
        400,
        "AWS WAF couldn\u{2019}t perform the operation because your resource is being used by another resource or it\u{2019}s associated with another resource.",
    )
}

/// `WAFLimitsExceededException`.
pub(crate) fn limits(message: impl Into<String>) -> AwsError {
    AwsError::new("WAFLimitsExceededException", 400, message)
}

/// `WAFInvalidOperationException`.
pub(crate) fn invalid_operation(message: impl Into<String>) -> AwsError {
    AwsError::new("WAFInvalidOperationException", 400, message)
}

/// `WAFInvalidPermissionPolicyException`.
pub(crate) fn invalid_policy(message: impl Into<String>) -> AwsError {
    AwsError::new("WAFInvalidPermissionPolicyException", 400, message)
}

/// An engine error as the API error it stands for.
pub(crate) fn from_engine(e: WafError) -> AwsError {
    match e.code {
        ErrorCode::InvalidParameter => invalid(e.field, e.parameter, &e.reason),
        ErrorCode::NonexistentItem => nonexistent(),
        ErrorCode::LimitsExceeded => limits(e.reason),
    }
}

/// `WAFInternalErrorException` for a store failure; the detail goes to the log only.
pub(crate) fn store(e: StoreError) -> AwsError {
    if let Some(unavailable) = rampart_service::store_unavailable(&e) {
        return unavailable;
    }
    tracing::error!(error = %e, "wafv2 store failure");
    internal()
}

/// `WAFInternalErrorException`.
pub(crate) fn internal() -> AwsError {
    AwsError::new(
        "WAFInternalErrorException",
        500,
        "AWS WAF couldn\u{2019}t perform the operation because of a system problem. Retry your request.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_parameter_carries_field_parameter_and_reason() {
        let e = invalid("IP_ADDRESS", "10.0.0.300/32", REASON_INVALID);
        assert_eq!(e.code, "WAFInvalidParameterException");
        assert_eq!(e.status, 400);
        assert_eq!(
            e.message,
            "Error reason: The parameter contains formatting that isn't valid., field: IP_ADDRESS, parameter: 10.0.0.300/32"
        );
        let names: Vec<&str> = e.extra.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["Field", "Parameter", "Reason"]);
    }

    #[test]
    fn engine_errors_keep_their_code() {
        assert_eq!(
            from_engine(WafError::nonexistent("arn")).code,
            "WAFNonexistentItemException"
        );
        assert_eq!(
            from_engine(WafError::limits("too big")).code,
            "WAFLimitsExceededException"
        );
        let e = from_engine(WafError::invalid("RULE", "r", REASON_INVALID));
        assert_eq!(e.extra[0].1, "RULE");
    }
}
