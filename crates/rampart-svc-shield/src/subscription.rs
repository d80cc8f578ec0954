//! The Shield Advanced subscription: CreateSubscription, DescribeSubscription,
//! GetSubscriptionState, UpdateSubscription, DeleteSubscription (refused during the
//! one-year commitment, as AWS refuses it), and the emergency contacts.

use crate::errors;
use crate::records::{self, CONTACTS, Subscription};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, epoch_seconds, from_input};
use rampart_store::{Batch, Expect, Key};
use serde::Deserialize;
use serde_json::{Value, json};

/// The subscription's commitment: one year.
const COMMITMENT_SECS: f64 = 31_536_000.0;

/// The caller's subscription, with its version.
pub(crate) fn of(call: &Call<'_>) -> Result<Option<(Subscription, u64)>, AwsError> {
    records::read(
        call.env.store.as_ref(),
        &records::subscription_key(call.principal.account.as_str()),
    )
}

/// The caller's subscription, or `ResourceNotFoundException`.
pub(crate) fn required(call: &Call<'_>) -> Result<Subscription, AwsError> {
    of(call)?
        .map(|(s, _)| s)
        .ok_or_else(errors::no_subscription)
}

fn create(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    if of(call)?.is_some() {
        return Err(errors::already_exists("The subscription already exists."));
    }
    let s = Subscription {
        start: epoch_seconds(call.env.clock.now()),
        auto_renew: "ENABLED".to_owned(),
    };
    let batch = records::put(
        Batch::new(),
        records::subscription_key(call.principal.account.as_str()),
        &s,
        Expect::Absent,
    )?;
    call.env.store.commit(batch).map_err(errors::store)?;
    Ok(json!({}))
}

fn limits() -> Value {
    json!({
        "ProtectionLimits": {"ProtectedResourceTypeLimits": [
            {"Type": "APPLICATION_LOAD_BALANCER", "Max": 1000}]},
        "ProtectionGroupLimits": {"MaxProtectionGroups": 100,
            "PatternTypeLimits": {"ArbitraryPatternLimits": {"MaxMembers": 10000}}},
    })
}

fn describe(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let s = required(call)?;
    let proactive = contacts(call)?.is_empty();
    Ok(json!({"Subscription": {
        "StartTime": s.start,
        "EndTime": s.start + COMMITMENT_SECS,
        "TimeCommitmentInSeconds": COMMITMENT_SECS as i64,
        "AutoRenew": s.auto_renew,
        "Limits": [{"Type": "APPLICATION_LOAD_BALANCER", "Max": 1000}],
        "ProactiveEngagementStatus": if proactive { "DISABLED" } else { "PENDING" },
        "SubscriptionLimits": limits(),
        "SubscriptionArn": format!("arn:{}:shield::{}:subscription/{}",
            call.env.partition, call.principal.account, call.principal.account),
    }}))
}

fn state(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let state = if of(call)?.is_some() {
        "ACTIVE"
    } else {
        "INACTIVE"
    };
    Ok(json!({ "SubscriptionState": state }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateInput {
    auto_renew: Option<String>,
}

fn update(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: UpdateInput = from_input(input, "InvalidParameterException")?;
    let Some((mut s, version)) = of(call)? else {
        return Err(errors::no_subscription());
    };
    if let Some(a) = input.auto_renew {
        if !matches!(a.as_str(), "ENABLED" | "DISABLED") {
            return Err(errors::invalid_parameter(format!(
                "AutoRenew '{a}' must be ENABLED or DISABLED"
            )));
        }
        s.auto_renew = a;
    }
    let batch = records::put(
        Batch::new(),
        records::subscription_key(call.principal.account.as_str()),
        &s,
        Expect::Version(version),
    )?;
    call.env.store.commit(batch).map_err(errors::store)?;
    Ok(json!({}))
}

fn delete(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    required(call)?;
    Err(AwsError::new(
        "LockedSubscriptionException",
        400,
        "You are trying to update a subscription that has not yet completed the 1-year commitment.",
    ))
}

fn contacts_key(call: &Call<'_>) -> Key {
    Key::new(
        records::space(call.principal.account.as_str()),
        CONTACTS,
        "contacts",
    )
}

/// The emergency contacts.
fn contacts(call: &Call<'_>) -> Result<Vec<Value>, AwsError> {
    Ok(
        records::read::<Vec<Value>>(call.env.store.as_ref(), &contacts_key(call))?
            .map(|(c, _)| c)
            .unwrap_or_default(),
    )
}

fn describe_contacts(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    Ok(json!({ "EmergencyContactList": contacts(call)? }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ContactsInput {
    #[serde(default)]
    emergency_contact_list: Vec<Value>,
}

fn update_contacts(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let input: ContactsInput = from_input(input, "InvalidParameterException")?;
    required(call)?;
    if input.emergency_contact_list.len() > 10 {
        return Err(errors::invalid_parameter(
            "At most 10 emergency contacts can be given",
        ));
    }
    for c in &input.emergency_contact_list {
        if c.get("EmailAddress")
            .and_then(Value::as_str)
            .is_none_or(|e| !e.contains('@'))
        {
            return Err(errors::invalid_parameter(
                "Every emergency contact needs an EmailAddress",
            ));
        }
    }
    let bytes =
        serde_json::to_vec(&input.emergency_contact_list).map_err(|_| errors::internal())?;
    call.env
        .store
        .commit(Batch::new().put(contacts_key(call), bytes))
        .map_err(errors::store)?;
    Ok(json!({}))
}

/// Registers the subscription operations.
pub(crate) fn register(registry: &mut Registry) {
    registry.register("shield", "CreateSubscription", false, create);
    registry.register("shield", "DescribeSubscription", true, describe);
    registry.register("shield", "GetSubscriptionState", true, state);
    registry.register("shield", "UpdateSubscription", false, update);
    registry.register("shield", "DeleteSubscription", false, delete);
    registry.register(
        "shield",
        "DescribeEmergencyContactSettings",
        true,
        describe_contacts,
    );
    registry.register(
        "shield",
        "UpdateEmergencyContactSettings",
        false,
        update_contacts,
    );
}
