//! Billing responsibility transfers between organizations (InviteOrganizationToTransferResponsibility,
//! DescribeResponsibilityTransfer, ListInbound/OutboundResponsibilityTransfers,
//! TerminateResponsibilityTransfer, UpdateResponsibilityTransfer) and CreateGovCloudAccount.
//!
//! A transfer joins the management accounts of two organizations; rampart hosts exactly one
//! organization, so no account can ever be the other party. The operations therefore check
//! their input and their caller as AWS does and then answer what AWS answers when there is no
//! counterpart: an invitation's target fails validation, no transfer exists, the lists are
//! empty. GovCloud accounts need a management account paired with the GovCloud partition,
//! which rampart does not serve.

use super::common::{Need, need, read_org, sized};
use super::errors::{constraint, error, invalid};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry};
use serde_json::Value;

/// Registers the operations of this module.
pub(super) fn register(registry: &mut Registry) {
    registry.register(
        "organizations",
        "InviteOrganizationToTransferResponsibility",
        false,
        invite,
    );
    registry.register(
        "organizations",
        "DescribeResponsibilityTransfer",
        true,
        describe,
    );
    registry.register(
        "organizations",
        "ListInboundResponsibilityTransfers",
        true,
        list,
    );
    registry.register(
        "organizations",
        "ListOutboundResponsibilityTransfers",
        true,
        list,
    );
    registry.register(
        "organizations",
        "TerminateResponsibilityTransfer",
        false,
        describe,
    );
    registry.register(
        "organizations",
        "UpdateResponsibilityTransfer",
        false,
        update,
    );
    registry.register("organizations", "CreateGovCloudAccount", false, govcloud);
}

/// The one transfer type (`BILLING`).
fn transfer_type(input: &Value) -> Result<(), AwsError> {
    match need(input, "Type")? {
        "BILLING" => Ok(()),
        other => Err(invalid(
            "INVALID_ENUM",
            format!("You specified an invalid value for Type: {other}"),
        )),
    }
}

/// `^rt-[0-9a-z]{8,32}$`.
fn transfer_id(input: &Value) -> Result<&str, AwsError> {
    let id = need(input, "Id")?;
    let fine = id.strip_prefix("rt-").is_some_and(|rest| {
        (8..=32).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if !fine {
        return Err(invalid(
            "INVALID_PATTERN",
            format!("You specified an invalid value for Id: {id}"),
        ));
    }
    Ok(id)
}

fn not_found() -> AwsError {
    error(
        "ResponsibilityTransferNotFoundException",
        "We can't find a transfer that you specified.",
    )
}

/// A start of billing responsibility must be the first instant of a month.
fn check_start(input: &Value, now: i64) -> Result<(), AwsError> {
    let Some(start) = input.get("StartTimestamp").and_then(Value::as_f64) else {
        return Err(super::errors::required("StartTimestamp"));
    };
    let at = time::OffsetDateTime::from_unix_timestamp(start as i64)
        .map_err(|_| invalid("INVALID_START_DATE", "The start date is not valid."))?;
    if at.day() != 1 || at.time() != time::Time::MIDNIGHT || start.fract() != 0.0 {
        return Err(invalid(
            "START_DATE_NOT_BEGINNING_OF_MONTH",
            "The start date must be the beginning of a month.",
        ));
    }
    if (start as i64) < now {
        return Err(invalid(
            "START_DATE_TOO_EARLY",
            "The start date can't be in the past.",
        ));
    }
    Ok(())
}

fn invite(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    transfer_type(&input)?;
    let target = input.get("Target").cloned().unwrap_or(Value::Null);
    let target_id = need(&target, "Id")?;
    let target_type = need(&target, "Type")?;
    if !matches!(target_type, "ACCOUNT" | "ORGANIZATION" | "EMAIL") {
        return Err(invalid(
            "INVALID_PARTY_TYPE_TARGET",
            format!("You specified an invalid value for Target.Type: {target_type}"),
        ));
    }
    sized(&input, "SourceName", 1, 50)?.ok_or_else(|| super::errors::required("SourceName"))?;
    sized(&input, "Notes", 0, 1024)?;
    let now = rampart_service::epoch_seconds(call.env.clock.now()) as i64;
    check_start(&input, now)?;
    let org = read_org(call, Need::Management)?;
    let own = target_id == org.management
        || target_id == org.id
        || org
            .accounts
            .get(&org.management)
            .is_some_and(|m| m.email.eq_ignore_ascii_case(target_id));
    if own {
        return Err(error(
            "HandshakeConstraintViolationException",
            "The source and target of a transfer can't be the same organization.",
        )
        .with_extra("Reason", "SOURCE_AND_TARGET_CANNOT_MATCH"));
    }
    // The target must be the management account of another organization: none exists here.
    Err(error(
        "HandshakeConstraintViolationException",
        "The target account could not be validated as the management account of another organization.",
    )
    .with_extra("Reason", "TARGET_ACCOUNT_VALIDATION_FAILURE"))
}

fn describe(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    transfer_id(&input)?;
    read_org(call, Need::Management)?;
    Err(not_found())
}

fn update(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    transfer_id(&input)?;
    sized(&input, "Name", 1, 50)?.ok_or_else(|| super::errors::required("Name"))?;
    read_org(call, Need::Management)?;
    Err(not_found())
}

fn list(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    transfer_type(&input)?;
    if input.get("Id").is_some() {
        transfer_id(&input)?;
    }
    read_org(call, Need::Management)?;
    super::common::page(&input, "ResponsibilityTransfers", Vec::new())
}

fn govcloud(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    need(&input, "Email")?;
    need(&input, "AccountName")?;
    sized(&input, "Email", 6, 64)?;
    sized(&input, "AccountName", 1, 50)?;
    read_org(call, Need::Management)?;
    Err(constraint(
        "MASTER_ACCOUNT_NOT_GOVCLOUD_ENABLED",
        "You attempted to create a GovCloud account, but your management account is not associated with an AWS GovCloud (US) account.",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn transfer_ids_follow_the_model_pattern() {
        assert!(transfer_id(&json!({"Id": "rt-abcd1234"})).is_ok());
        for bad in ["rt-ABCD1234", "rt-abc", "x-abcd1234"] {
            assert!(transfer_id(&json!({ "Id": bad })).is_err(), "{bad}");
        }
    }

    #[test]
    fn transfers_start_at_the_first_instant_of_a_future_month() {
        let now = 1_700_000_000; // 2023-11-14
        let dec_first = 1_701_388_800; // 2023-12-01T00:00:00Z
        assert!(check_start(&json!({ "StartTimestamp": dec_first }), now).is_ok());
        let reason = |v: Value| {
            let e = check_start(&v, now).unwrap_err();
            e.extra
                .iter()
                .find(|(k, _)| k == "Reason")
                .and_then(|(_, v)| v.as_str().map(str::to_owned))
        };
        assert_eq!(
            reason(json!({ "StartTimestamp": dec_first + 3600 })).as_deref(),
            Some("START_DATE_NOT_BEGINNING_OF_MONTH")
        );
        assert_eq!(
            reason(json!({ "StartTimestamp": 1_698_796_800 })).as_deref(),
            Some("START_DATE_TOO_EARLY")
        );
    }
}
