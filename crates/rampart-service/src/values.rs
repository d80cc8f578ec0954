//! Moving between the canonical JSON form and a handler's typed input and output.

use rampart_protocol::AwsError;
use rampart_store::StoreError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

/// Reads a handler's typed input from the canonical value. A value of the wrong type or a missing
/// required member becomes `validation_code` (each service has its own: IAM's `ValidationError`,
/// KMS's `ValidationException`, ...) with HTTP 400.
pub fn from_input<T: DeserializeOwned>(
    value: Value,
    validation_code: &'static str,
) -> Result<T, AwsError> {
    serde_json::from_value(value).map_err(|e| {
        AwsError::new(
            validation_code,
            400,
            format!("1 validation error detected: {e}"),
        )
    })
}

/// Writes a handler's typed output as the canonical value.
pub fn to_output<T: Serialize>(output: &T) -> Result<Value, AwsError> {
    serde_json::to_value(output).map_err(|_| internal_error())
}

/// The generic error for a failure inside rampart; details go to the log, never to the caller.
pub fn internal_error() -> AwsError {
    AwsError::new(
        "InternalFailure",
        500,
        "The request processing has failed because of an unknown error, exception or failure.",
    )
}

/// AWS's common answer to a temporary failure (`ServiceUnavailable`, HTTP 503, which every SDK
/// retries) when `e` says the store cannot be reached now; `None` for any other store error. A
/// store that is unavailable applied nothing, so the caller may simply retry.
pub fn store_unavailable(e: &StoreError) -> Option<AwsError> {
    let StoreError::Unavailable(detail) = e else {
        return None;
    };
    tracing::warn!(detail = %detail, "the store is unavailable");
    Some(AwsError::new(
        "ServiceUnavailable",
        503,
        "The request has failed due to a temporary failure of the server.",
    ))
}

/// A time in the canonical form: seconds since the epoch, with milliseconds.
pub fn epoch_seconds(t: SystemTime) -> f64 {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    (d.as_millis() as f64) / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_store::Key;

    #[test]
    fn an_unreachable_store_is_a_retryable_503_and_other_failures_are_not() {
        let down = StoreError::Unavailable("connection refused".into());
        let answer = store_unavailable(&down).unwrap();
        assert_eq!(
            (answer.code.as_ref(), answer.status),
            ("ServiceUnavailable", 503)
        );
        assert!(!answer.message.contains("connection refused"));
        let conflict = StoreError::Conflict {
            key: Key::new("system", "t", "id"),
        };
        assert!(store_unavailable(&conflict).is_none());
        assert!(store_unavailable(&StoreError::Corrupt("bad page".into())).is_none());
    }
}
