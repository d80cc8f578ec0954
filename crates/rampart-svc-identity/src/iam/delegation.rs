//! Temporary delegation requests (CreateDelegationRequest, GetDelegationRequest,
//! ListDelegationRequests, AssociateDelegationRequest, AcceptDelegationRequest,
//! RejectDelegationRequest, UpdateDelegationRequest, SendDelegationToken,
//! GetHumanReadableSummary) and STS GetDelegatedAccessToken.
//!
//! AWS opens delegation requests only to partners it has onboarded, each with policy templates
//! registered for it (`Permissions.PolicyTemplateArn`), and sends the exchange token over the
//! partner's notification channel. rampart onboards no partner and registers no template, so a
//! request can never be created: CreateDelegationRequest checks its input and refuses the
//! template; every other operation checks its input and finds no request; no exchange token is
//! ever issued, so none trades in.

use super::entity::required;
use super::errors::{invalid_input, no_such_entity, validation};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use serde_json::{Value, json};

/// `[\w-]+`, 16 to 128 characters.
fn request_id(input: &Value) -> Result<&str, AwsError> {
    let id = required(input, "DelegationRequestId", "delegationRequestId")?;
    let fine = (16..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !fine {
        return Err(validation(format!(
            "1 validation error detected: Value '{id}' at 'delegationRequestId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+"
        )));
    }
    Ok(id)
}

fn not_found(id: &str) -> AwsError {
    no_such_entity(format!("The delegation request {id} cannot be found."))
}

/// The operations on one request: none exists.
fn on_request(_call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = request_id(&input)?;
    if let Some(notes) = input.get("Notes").and_then(Value::as_str)
        && notes.chars().count() > 500
    {
        return Err(validation(
            "1 validation error detected: Value at 'notes' failed to satisfy constraint: Member must have length less than or equal to 500",
        ));
    }
    Err(not_found(id))
}

fn create(_call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    for (member, field) in [
        ("Description", "description"),
        ("RequestorWorkflowId", "requestorWorkflowId"),
        ("NotificationChannel", "notificationChannel"),
    ] {
        required(&input, member, field)?;
    }
    let Some(duration) = input.get("SessionDuration").and_then(Value::as_i64) else {
        return Err(super::entity::null_member("sessionDuration"));
    };
    if !(300..=43_200).contains(&duration) {
        return Err(validation(format!(
            "1 validation error detected: Value '{duration}' at 'sessionDuration' failed to satisfy constraint: Member must have value between 300 and 43200"
        )));
    }
    let Some(template) = input
        .get("Permissions")
        .and_then(|p| p.get("PolicyTemplateArn"))
        .and_then(Value::as_str)
    else {
        return Err(invalid_input(
            "Permissions must name the policy template registered for you.",
        ));
    };
    Err(invalid_input(format!(
        "The policy template {template} is not registered for your account."
    )))
}

fn list(_call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    super::names::max_items(input.get("MaxItems").and_then(Value::as_i64))?;
    Ok(json!({ "DelegationRequests": [], "isTruncated": false }))
}

fn summary(_call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let arn = required(&input, "EntityArn", "entityArn")?;
    let id = arn
        .split_once(":delegation-request/")
        .map(|(_, id)| id)
        .filter(|_| arn.starts_with("arn:"))
        .ok_or_else(|| {
            invalid_input(format!(
                "{arn} is not a delegation request; summaries are available only for delegation requests."
            ))
        })?;
    Err(not_found(id))
}

/// STS GetDelegatedAccessToken: rampart never sent an exchange token, so none is current.
pub(crate) fn get_delegated_access_token(
    _call: &Call<'_>,
    input: Value,
) -> Result<Value, AwsError> {
    if input.get("TradeInToken").and_then(Value::as_str).is_none() {
        return Err(validation(
            "1 validation error detected: Value null at 'tradeInToken' failed to satisfy constraint: Member must not be null",
        ));
    }
    Err(AwsError::new(
        "ExpiredTradeInTokenException",
        400,
        "The trade-in token is expired or was not issued.",
    ))
}

pub(crate) fn register(registry: &mut Registry) {
    registry.register("iam", "CreateDelegationRequest", false, create);
    registry.register("iam", "ListDelegationRequests", true, list);
    registry.register("iam", "GetDelegationRequest", true, on_request);
    registry.register("iam", "GetHumanReadableSummary", true, summary);
    for op in [
        "AssociateDelegationRequest",
        "AcceptDelegationRequest",
        "RejectDelegationRequest",
        "UpdateDelegationRequest",
        "SendDelegationToken",
    ] {
        registry.register("iam", op, false, on_request);
    }
}

/// The ARN of delegation request `id` in the caller's account.
pub(crate) fn request_arn(call: &Call<'_>, id: &str) -> String {
    format!(
        "arn:{}:iam::{}:delegation-request/{id}",
        call.env.partition, call.principal.account
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_model_pattern() {
        assert!(request_id(&json!({"DelegationRequestId": "dr-0123456789abcdef"})).is_ok());
        for bad in ["short", "has space in it here", "bad/char/0123456789"] {
            let input = json!({ "DelegationRequestId": bad });
            assert_eq!(
                &*request_id(&input).unwrap_err().code,
                "ValidationError",
                "{bad}"
            );
        }
    }
}
