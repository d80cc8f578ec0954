//! DecodeAuthorizationMessage. AWS encodes the details of some denials (EC2's among them) in a
//! message only this operation opens. No service rampart serves encodes its denials (each
//! AccessDenied says in clear who was denied what), so no message rampart could be given is one
//! it encoded: the input is checked against the model, and anything else is refused as AWS
//! refuses a message it did not issue.

use rampart_protocol::AwsError;
use rampart_service::Call;
use serde_json::Value;

/// The longest `EncodedMessage` the model accepts.
const MAX_MESSAGE: usize = 10_240;

fn invalid() -> AwsError {
    AwsError::new(
        "InvalidAuthorizationMessageException",
        400,
        "The error message provided is invalid or expired",
    )
}

pub(crate) fn decode_authorization_message(
    _call: &Call<'_>,
    input: Value,
) -> Result<Value, AwsError> {
    let Some(message) = input.get("EncodedMessage").and_then(Value::as_str) else {
        return Err(AwsError::new(
            "ValidationError",
            400,
            "1 validation error detected: Value null at 'encodedMessage' failed to satisfy constraint: Member must not be null",
        ));
    };
    let len = message.chars().count();
    if !(1..=MAX_MESSAGE).contains(&len) {
        return Err(AwsError::new(
            "ValidationError",
            400,
            format!(
                "1 validation error detected: Value at 'encodedMessage' failed to satisfy constraint: Member must have length between 1 and {MAX_MESSAGE}"
            ),
        ));
    }
    Err(invalid())
}
