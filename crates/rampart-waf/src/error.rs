//! The errors of compiling rules, with the codes and message shape AWS WAFv2 uses.

use std::fmt;

/// Which AWS exception an error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// `WAFInvalidParameterException`: a malformed rule, statement or setting.
    InvalidParameter,
    /// `WAFNonexistentItemException`: a reference to a set or group the resolver does not know.
    NonexistentItem,
    /// `WAFLimitsExceededException`: a capacity or count above its limit.
    LimitsExceeded,
}

impl ErrorCode {
    /// The AWS error code string.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidParameter => "WAFInvalidParameterException",
            ErrorCode::NonexistentItem => "WAFNonexistentItemException",
            ErrorCode::LimitsExceeded => "WAFLimitsExceededException",
        }
    }
}

/// A compile error. For `WAFInvalidParameterException` the `field` (AWS's
/// `ParameterExceptionField`, e.g. `RULE`, `BYTE_MATCH_STATEMENT`), `parameter` and `reason`
/// members are set and the message reads `Error reason: <reason>, field: <field>, parameter: <parameter>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WafError {
    /// The exception.
    pub code: ErrorCode,
    /// AWS's `Field` member (empty when not an invalid-parameter error).
    pub field: &'static str,
    /// AWS's `Parameter` member: the offending value or member name.
    pub parameter: String,
    /// AWS's `Reason` member.
    pub reason: String,
}

/// AWS's reason text for a value that is not valid.
pub const REASON_INVALID: &str = "The parameter contains formatting that isn't valid.";
/// AWS's reason text for a union with none or several members set.
pub const REASON_EXACTLY_ONE: &str =
    "You have used none or multiple values for a field that requires exactly one value.";
/// AWS's reason text for a reference that cannot be used here.
pub const REASON_BAD_REFERENCE: &str = "A reference in your rule statement is not valid.";

impl WafError {
    /// A `WAFInvalidParameterException` for `field`, naming `parameter`.
    pub fn invalid(field: &'static str, parameter: impl Into<String>, reason: &str) -> Self {
        WafError {
            code: ErrorCode::InvalidParameter,
            field,
            parameter: parameter.into(),
            reason: reason.to_owned(),
        }
    }

    /// A `WAFNonexistentItemException` for the referenced ARN or name.
    pub fn nonexistent(what: impl Into<String>) -> Self {
        WafError {
            code: ErrorCode::NonexistentItem,
            field: "",
            parameter: what.into(),
            reason: "AWS WAF couldn't perform the operation because your resource doesn't exist."
                .to_owned(),
        }
    }

    /// A `WAFLimitsExceededException`.
    pub fn limits(reason: impl Into<String>) -> Self {
        WafError {
            code: ErrorCode::LimitsExceeded,
            field: "",
            parameter: String::new(),
            reason: reason.into(),
        }
    }

    /// The message AWS puts in the error body.
    pub fn message(&self) -> String {
        match self.code {
            ErrorCode::InvalidParameter => format!(
                "Error reason: {}, field: {}, parameter: {}",
                self.reason, self.field, self.parameter
            ),
            ErrorCode::NonexistentItem | ErrorCode::LimitsExceeded => self.reason.clone(),
        }
    }
}

impl fmt::Display for WafError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message())
    }
}

impl std::error::Error for WafError {}
