//! Handshakes: InviteAccountToOrganization, AcceptHandshake, DeclineHandshake,
//! CancelHandshake, DescribeHandshake, ListHandshakesForAccount,
//! ListHandshakesForOrganization and EnableAllFeatures.
//!
//! Invitations name an account by id (rampart knows no account by email); the invited account
//! joins under the root when it accepts. An open handshake expires after 15 days.
//! `EnableAllFeatures` completes at once: rampart's member accounts have nothing to approve.

use super::common::{Need, check_caller, need, page, read_org, sized, text};
use super::errors::{bad_pattern, error, invalid, not_in_use};
use super::model::{
    Arns, Change, LOWER_ALNUM, Member, Org, StoredHandshake, existing, new_id, update,
};
use rampart_protocol::AwsError;
use rampart_service::{Call, Registry, epoch_seconds};
use serde_json::{Value, json};

/// How long an open handshake waits, in seconds.
const LIFETIME: f64 = 15.0 * 86_400.0;

/// Registers the operations of this module.
pub(super) fn register(registry: &mut Registry) {
    registry.register(
        "organizations",
        "InviteAccountToOrganization",
        false,
        invite,
    );
    registry.register("organizations", "AcceptHandshake", false, accept);
    registry.register("organizations", "DeclineHandshake", false, decline);
    registry.register("organizations", "CancelHandshake", false, cancel);
    registry.register("organizations", "DescribeHandshake", true, describe);
    registry.register(
        "organizations",
        "ListHandshakesForAccount",
        true,
        list_for_account,
    );
    registry.register(
        "organizations",
        "ListHandshakesForOrganization",
        true,
        list_for_organization,
    );
    registry.register(
        "organizations",
        "EnableAllFeatures",
        false,
        enable_all_features,
    );
}

/// The state a handshake shows at `now`.
fn state(h: &StoredHandshake, now: f64) -> &str {
    if h.state == "OPEN" && now >= h.expires {
        "EXPIRED"
    } else {
        &h.state
    }
}

/// The model's `Handshake`.
fn output(call: &Call<'_>, org: &Org, h: &StoredHandshake) -> Value {
    let arns = Arns {
        partition: call.env.partition,
        org,
    };
    let now = epoch_seconds(call.env.clock.now());
    let management = org.accounts.get(&org.management);
    let mut parties = vec![json!({"Id": org.id.trim_start_matches("o-"), "Type": "ORGANIZATION"})];
    let mut resources = vec![json!({
        "Type": "ORGANIZATION",
        "Value": org.id,
        "Resources": [
            {"Type": "MASTER_EMAIL", "Value": management.map(|m| m.email.as_str()).unwrap_or_default()},
            {"Type": "MASTER_NAME", "Value": management.map(|m| m.name.as_str()).unwrap_or_default()},
            {"Type": "ORGANIZATION_FEATURE_SET", "Value": org.feature_set},
        ],
    })];
    if let Some(target) = &h.target {
        parties.push(json!({"Id": target, "Type": "ACCOUNT"}));
        resources.push(json!({"Type": "ACCOUNT", "Value": target}));
    }
    if let Some(notes) = &h.notes {
        resources.push(json!({"Type": "NOTES", "Value": notes}));
    }
    json!({
        "Id": h.id,
        "Arn": arns.handshake(&h.id, &h.action),
        "Parties": parties,
        "State": state(h, now),
        "RequestedTimestamp": h.requested,
        "ExpirationTimestamp": h.expires,
        "Action": h.action,
        "Resources": resources,
    })
}

/// The `HandshakeId` member.
fn handshake_id(input: &Value) -> Result<&str, AwsError> {
    let id = need(input, "HandshakeId")?;
    let valid = id.strip_prefix("h-").is_some_and(|r| {
        (8..=32).contains(&r.len())
            && r.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if !valid {
        return Err(bad_pattern("HandshakeId", id));
    }
    Ok(id)
}

fn not_found() -> AwsError {
    error(
        "HandshakeNotFoundException",
        "We can't find a handshake with the HandshakeId that you specified.",
    )
}

/// Whether the caller's account is a party to `h` (the organization's management account or
/// the invited account).
fn is_party(org: &Org, call: &Call<'_>, h: &StoredHandshake) -> bool {
    let caller = call.principal.account.to_string();
    caller == org.management || h.target.as_deref() == Some(caller.as_str())
}

fn invite(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let target = input
        .get("Target")
        .ok_or_else(|| super::errors::required("Target"))?;
    let kind = need(target, "Type")?;
    let id = need(target, "Id")?.to_owned();
    if kind != "ACCOUNT" || !super::common::is_account_id(&id) {
        return Err(invalid(
            "INVALID_PARTY_TYPE_TARGET",
            "You specified the wrong type for the handshake's target: rampart invites accounts by their 12-digit id.",
        ));
    }
    let notes = sized(&input, "Notes", 0, 1024)?.map(str::to_owned);
    let now = epoch_seconds(call.env.clock.now());
    let fresh = new_id("h-", LOWER_ALNUM, 10)?;
    let (org, handshake) = update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, Need::Management)?;
        if org.accounts.contains_key(&id) {
            return Err(error(
                "HandshakeConstraintViolationException",
                "The handshake request is invalid because the invited account is already a member of an organization.",
            )
            .with_extra("Reason", "ALREADY_IN_AN_ORGANIZATION"));
        }
        let open = org.handshakes.iter().any(|h| {
            h.action == "INVITE"
                && h.target.as_deref() == Some(id.as_str())
                && state(h, now) == "OPEN"
        });
        if open {
            return Err(error(
                "DuplicateHandshakeException",
                "A handshake with the same action and target already exists.",
            ));
        }
        let handshake = StoredHandshake {
            id: fresh.clone(),
            action: "INVITE".into(),
            target: Some(id.clone()),
            state: "OPEN".into(),
            requested: now,
            expires: now + LIFETIME,
            notes: notes.clone(),
        };
        org.handshakes.push(handshake.clone());
        Ok((None, Change::of((org.clone(), handshake))))
    })?;
    Ok(json!({ "Handshake": output(call, &org, &handshake) }))
}

/// Moves handshake `HandshakeId` from `OPEN` to `to`, if the caller may: the invited account
/// accepts and declines, the management account cancels.
fn respond(call: &Call<'_>, input: &Value, to: &str) -> Result<Value, AwsError> {
    let id = handshake_id(input)?.to_owned();
    let caller = call.principal.account.to_string();
    let now = epoch_seconds(call.env.clock.now());
    let (org, handshake) = update(call.env, |current| {
        let org = current.ok_or_else(not_found)?;
        let index = org
            .handshakes
            .iter()
            .position(|h| h.id == id)
            .ok_or_else(not_found)?;
        let h = &org.handshakes[index];
        let allowed = match to {
            "CANCELED" => caller == org.management,
            _ => h.target.as_deref() == Some(caller.as_str()),
        };
        if !is_party(org, call, h) {
            return Err(not_found());
        }
        if !allowed {
            return Err(super::errors::access_denied());
        }
        let current_state = state(h, now).to_owned();
        if current_state == to {
            return Err(error(
                "HandshakeAlreadyInStateException",
                "The specified handshake is already in the requested state.",
            ));
        }
        if current_state != "OPEN" {
            return Err(error(
                "InvalidHandshakeTransitionException",
                "You can't perform the operation on the handshake in its current state.",
            ));
        }
        if to == "ACCEPTED" && h.action == "INVITE" {
            org.accounts.insert(
                caller.clone(),
                Member {
                    name: format!("Account {caller}"),
                    email: format!("root@{caller}.rampart.invalid"),
                    status: "ACTIVE".into(),
                    parent: org.root.clone(),
                    joined_method: "INVITED".into(),
                    joined: now,
                },
            );
            org.attach_defaults(&caller);
        }
        org.handshakes[index].state = to.to_owned();
        let handshake = org.handshakes[index].clone();
        Ok((None, Change::of((org.clone(), handshake))))
    })?;
    Ok(json!({ "Handshake": output(call, &org, &handshake) }))
}

fn accept(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    respond(call, &input, "ACCEPTED")
}

fn decline(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    respond(call, &input, "DECLINED")
}

fn cancel(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    respond(call, &input, "CANCELED")
}

/// The organization, for a caller that may be invited to it rather than a member.
fn any_org(call: &Call<'_>) -> Result<std::sync::Arc<Org>, AwsError> {
    let view = super::view::view(call.env).map_err(super::errors::store_error)?;
    view.org.clone().ok_or_else(not_in_use)
}

fn describe(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let id = handshake_id(&input)?;
    let org = any_org(call).map_err(|_| not_found())?;
    let h = org
        .handshakes
        .iter()
        .find(|h| h.id == id && is_party(&org, call, h))
        .ok_or_else(not_found)?;
    Ok(json!({ "Handshake": output(call, &org, h) }))
}

/// The handshakes of `org` the `Filter` member selects.
fn filtered<'o>(
    org: &'o Org,
    input: &Value,
) -> Result<impl Iterator<Item = &'o StoredHandshake>, AwsError> {
    let action = input
        .get("Filter")
        .and_then(|f| text(f, "ActionType"))
        .map(str::to_owned);
    if let Some(a) = &action
        && !matches!(
            a.as_str(),
            "INVITE"
                | "ENABLE_ALL_FEATURES"
                | "APPROVE_ALL_FEATURES"
                | "ADD_ORGANIZATIONS_SERVICE_LINKED_ROLE"
                | "TRANSFER_RESPONSIBILITY"
        )
    {
        return Err(invalid(
            "INVALID_ENUM",
            format!("You specified an invalid value for ActionType: {a}"),
        ));
    }
    Ok(org
        .handshakes
        .iter()
        .filter(move |h| action.as_deref().is_none_or(|a| h.action == a)))
}

fn list_for_account(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let Ok(org) = any_org(call) else {
        return page(&input, "Handshakes", Vec::new());
    };
    let items = filtered(&org, &input)?
        .filter(|h| is_party(&org, call, h))
        .map(|h| output(call, &org, h))
        .collect();
    page(&input, "Handshakes", items)
}

fn list_for_organization(call: &Call<'_>, input: Value) -> Result<Value, AwsError> {
    let org = read_org(call, Need::Read)?;
    let items = filtered(&org, &input)?
        .map(|h| output(call, &org, h))
        .collect();
    page(&input, "Handshakes", items)
}

fn enable_all_features(call: &Call<'_>, _input: Value) -> Result<Value, AwsError> {
    let now = epoch_seconds(call.env.clock.now());
    let fresh = new_id("h-", LOWER_ALNUM, 10)?;
    let (org, handshake) = update(call.env, |current| {
        let org = existing(current)?;
        check_caller(org, call, Need::Management)?;
        if org.feature_set == "ALL" {
            return Err(error(
                "HandshakeConstraintViolationException",
                "This organization has already enabled all features.",
            )
            .with_extra("Reason", "ORGANIZATION_ALREADY_HAS_ALL_FEATURES"));
        }
        org.feature_set = "ALL".into();
        let handshake = StoredHandshake {
            id: fresh.clone(),
            action: "ENABLE_ALL_FEATURES".into(),
            target: None,
            state: "ACCEPTED".into(),
            requested: now,
            expires: now + LIFETIME,
            notes: None,
        };
        org.handshakes.push(handshake.clone());
        Ok((None, Change::of((org.clone(), handshake))))
    })?;
    Ok(json!({ "Handshake": output(call, &org, &handshake) }))
}
