//! The events Secrets Manager puts on the account's default bus, as AWS delivers them through
//! CloudTrail (`detail-type` "AWS Service Event via CloudTrail"): `RotationStarted`,
//! `RotationSucceeded`, `RotationFailed`, `RotationAbandoned`, `TestRotationStarted`,
//! `TestRotationSucceeded`, `TestRotationFailed`, and the deletion lifecycle
//! `StartSecretVersionDelete`, `CancelSecretVersionDelete`, `EndSecretVersionDelete`. They name
//! the secret, never its value.

use rampart_service::{AwsEvent, Call};
use serde_json::{Value, json};

/// Emits `name` about the secret `arn`, with `extra` members in `additionalEventData`; a bus
/// failure is logged, not returned (the change it reports has happened).
pub(crate) fn emit(call: &Call<'_>, name: &str, arn: &str, extra: Value) {
    let mut data = json!({"SecretId": arn});
    if let (Some(data), Value::Object(extra)) = (data.as_object_mut(), extra) {
        data.extend(extra);
    }
    let event = AwsEvent {
        source: "aws.secretsmanager".to_owned(),
        detail_type: "AWS Service Event via CloudTrail".to_owned(),
        account: call.principal.account.clone(),
        region: call.region.clone(),
        time: call.env.clock.now(),
        resources: vec![arn.to_owned()],
        detail: json!({
            "eventVersion": "1.08",
            "eventSource": "secretsmanager.amazonaws.com",
            "eventName": name,
            "awsRegion": call.region.as_str(),
            "eventType": "AwsServiceEvent",
            "readOnly": false,
            "managementEvent": true,
            "eventCategory": "Management",
            "recipientAccountId": call.principal.account.to_string(),
            "additionalEventData": data,
        }),
    };
    if let Err(e) = call.env.events.emit(call.env, event) {
        tracing::warn!(event = name, error = %e.message, "secretsmanager: event not emitted");
    }
}
