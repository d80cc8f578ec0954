//! The one error type for every AWS error, whatever the protocol.

use std::borrow::Cow;

/// Who caused an error: the caller (4xx) or the service (5xx).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The request was wrong.
    Sender,
    /// The service failed.
    Receiver,
}

impl Fault {
    /// The awsQuery `<Type>` text.
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::Sender => "Sender",
            Fault::Receiver => "Receiver",
        }
    }
}

/// An AWS error: code, message, HTTP status, fault, and optional extra fields
/// (S3's `Resource`/`Key`, Organizations' `Reason`, ...) rendered next to the message.
///
/// Messages are sent to clients as they are: never put secrets in them.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AwsError {
    /// Error code, e.g. `NoSuchEntity`.
    pub code: Cow<'static, str>,
    /// Human-readable message.
    pub message: String,
    /// HTTP status code.
    pub status: u16,
    /// Sender or receiver fault.
    pub fault: Fault,
    /// Extra members of the error, in order.
    pub extra: Vec<(String, serde_json::Value)>,
}

impl AwsError {
    /// An error with a code, status and message; the fault follows the status
    /// (5xx is the receiver's).
    pub fn new(
        code: impl Into<Cow<'static, str>>,
        status: u16,
        message: impl Into<String>,
    ) -> Self {
        AwsError {
            code: code.into(),
            message: message.into(),
            status,
            fault: if status >= 500 {
                Fault::Receiver
            } else {
                Fault::Sender
            },
            extra: Vec::new(),
        }
    }

    /// Adds an extra member (e.g. `("Reason", "ACCOUNT_NUMBER_LIMIT_EXCEEDED")`).
    pub fn with_extra(
        mut self,
        name: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// `ValidationException` 400 (awsJson/restJson services' input validation error).
    pub fn validation(message: impl Into<String>) -> Self {
        AwsError::new("ValidationException", 400, message)
    }

    /// `ValidationError` 400 (awsQuery services' input validation error, e.g. IAM, STS).
    pub fn validation_error(message: impl Into<String>) -> Self {
        AwsError::new("ValidationError", 400, message)
    }

    /// `NotImplemented` 501: a model operation rampart does not implement.
    pub fn not_implemented(service: &str, operation: &str) -> Self {
        AwsError::new(
            "NotImplemented",
            501,
            format!("The operation {operation} of service {service} is not implemented by rampart"),
        )
    }

    /// `InternalFailure` 500 with a generic message (details belong in logs).
    pub fn internal() -> Self {
        AwsError::new(
            "InternalFailure",
            500,
            "The request processing has failed because of an unknown error, exception or failure.",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_follows_status() {
        assert_eq!(AwsError::new("X", 400, "m").fault, Fault::Sender);
        assert_eq!(AwsError::internal().fault, Fault::Receiver);
        let e = AwsError::not_implemented("kms", "Encrypt");
        assert_eq!((e.code.as_ref(), e.status), ("NotImplemented", 501));
        assert!(e.message.contains("kms") && e.message.contains("Encrypt"));
        assert_eq!(e.to_string(), format!("NotImplemented: {}", e.message));
    }
}
