//! Why a policy document was rejected. `Display` is the text AWS returns.

use std::fmt;

/// A rejected policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyError {
    /// AWS `MalformedPolicyDocument`: the message is AWS's text (e.g. `Syntax errors in policy.`).
    Malformed(String),
    /// AWS `LimitExceeded`: the document is larger than its kind allows.
    TooLarge {
        /// AWS's quota name, such as `PolicySize` or `ACLSizePerRole`.
        quota: &'static str,
        /// The limit in characters (whitespace not counted).
        limit: usize,
    },
}

impl PolicyError {
    /// The AWS error code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            PolicyError::Malformed(_) => "MalformedPolicyDocument",
            PolicyError::TooLarge { .. } => "LimitExceeded",
        }
    }

    pub(crate) fn malformed(msg: impl Into<String>) -> Self {
        PolicyError::Malformed(msg.into())
    }

    pub(crate) fn syntax() -> Self {
        PolicyError::malformed(SYNTAX)
    }
}

/// AWS's message for documents that are not structurally valid.
pub(crate) const SYNTAX: &str = "Syntax errors in policy.";

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyError::Malformed(m) => f.write_str(m),
            PolicyError::TooLarge { quota, limit } => {
                write!(f, "Cannot exceed quota for {quota}: {limit}")
            }
        }
    }
}

impl std::error::Error for PolicyError {}
