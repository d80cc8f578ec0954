//! Why a pattern is refused.

use std::fmt;

/// A pattern EventBridge refuses with `InvalidEventPatternException`: its [`fmt::Display`] is
/// the exception's message, `Event pattern is not valid. Reason: <reason>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    reason: String,
}

impl PatternError {
    /// A refusal for `reason` (EventBridge's own wording).
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        PatternError {
            reason: reason.into(),
        }
    }

    /// The reason alone, without the `Event pattern is not valid.` preamble.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Event pattern is not valid. Reason: {}", self.reason)
    }
}

impl std::error::Error for PatternError {}

/// Shorthand for a refusal.
pub(crate) fn refuse<T>(reason: impl Into<String>) -> Result<T, PatternError> {
    Err(PatternError::new(reason))
}
