//! Handshakes: invitations answered by the invited account, and the move to all features.

use super::*;
use std::time::Duration;

fn invite(w: &World, account: &str) -> Result<Value, AwsError> {
    w.call(
        "InviteAccountToOrganization",
        json!({"Target": {"Type": "ACCOUNT", "Id": account}, "Notes": "join us"}),
    )
}

#[test]
fn an_invited_account_accepts_and_joins_under_the_root() {
    let w = org_world();
    let id = w.create_account("dev");
    let admin = w.role_session(&id, "OrganizationAccountAccessRole");
    let e = invite(&w, &id).unwrap_err();
    assert_eq!(
        (&*e.code, reason(&e)),
        (
            "HandshakeConstraintViolationException",
            Some("ALREADY_IN_AN_ORGANIZATION")
        )
    );
    w.call_as(&admin, "LeaveOrganization", json!({})).unwrap();
    let sent = invite(&w, &id).unwrap()["Handshake"].clone();
    assert_eq!(sent["State"], "OPEN");
    assert_eq!(sent["Action"], "INVITE");
    let handshake = sent["Id"].as_str().unwrap().to_owned();
    assert!(sent["Arn"].as_str().unwrap().contains(":handshake/o-"));
    assert!(
        sent["Arn"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/invite/{handshake}"))
    );
    assert_eq!(code(invite(&w, &id)), "DuplicateHandshakeException");
    // The invited account sees it, and only it may accept.
    let listed = w
        .call_as(&admin, "ListHandshakesForAccount", json!({}))
        .unwrap();
    assert_eq!(ids(&listed, "Handshakes"), [handshake.as_str()]);
    let stranger = root_of("210987654321");
    assert_eq!(
        code(w.call_as(
            &stranger,
            "DescribeHandshake",
            json!({"HandshakeId": handshake})
        )),
        "HandshakeNotFoundException"
    );
    assert_eq!(
        code(w.call("AcceptHandshake", json!({"HandshakeId": handshake}))),
        "AccessDeniedException"
    );
    // The handshake's accesses are the invited account's own.
    let accesses = w
        .base
        .accesses(
            &admin,
            "organizations",
            "AcceptHandshake",
            &json!({"HandshakeId": handshake}),
        )
        .unwrap();
    assert_eq!(
        accesses[0]
            .resource_account
            .as_ref()
            .map(ToString::to_string),
        Some(id.clone())
    );
    assert_eq!(sar_violation(&accesses[0]), None);
    let accepted = w
        .call_as(&admin, "AcceptHandshake", json!({"HandshakeId": handshake}))
        .unwrap();
    assert_eq!(accepted["Handshake"]["State"], "ACCEPTED");
    let account = w.call("DescribeAccount", json!({"AccountId": id})).unwrap();
    assert_eq!(account["Account"]["JoinedMethod"], "INVITED");
    assert_eq!(
        code(w.call_as(&admin, "AcceptHandshake", json!({"HandshakeId": handshake}))),
        "HandshakeAlreadyInStateException"
    );
    assert_eq!(
        code(w.call_as(
            &admin,
            "DeclineHandshake",
            json!({"HandshakeId": handshake})
        )),
        "InvalidHandshakeTransitionException"
    );
    let all = w
        .call(
            "ListHandshakesForOrganization",
            json!({"Filter": {"ActionType": "INVITE"}}),
        )
        .unwrap();
    assert_eq!(all["Handshakes"].as_array().unwrap().len(), 1);
}

#[test]
fn invitations_are_declined_canceled_or_expire() {
    let w = org_world();
    let id = w.create_account("dev");
    let admin = w.role_session(&id, "OrganizationAccountAccessRole");
    w.call_as(&admin, "LeaveOrganization", json!({})).unwrap();
    let first = invite(&w, &id).unwrap()["Handshake"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let declined = w
        .call_as(&admin, "DeclineHandshake", json!({"HandshakeId": first}))
        .unwrap();
    assert_eq!(declined["Handshake"]["State"], "DECLINED");
    let second = invite(&w, &id).unwrap()["Handshake"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let canceled = w
        .call("CancelHandshake", json!({"HandshakeId": second}))
        .unwrap();
    assert_eq!(canceled["Handshake"]["State"], "CANCELED");
    let third = invite(&w, &id).unwrap()["Handshake"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    w.base.clock.advance(Duration::from_secs(16 * 86_400));
    let described = w
        .call("DescribeHandshake", json!({"HandshakeId": third}))
        .unwrap();
    assert_eq!(described["Handshake"]["State"], "EXPIRED");
    assert_eq!(
        code(w.call_as(&admin, "AcceptHandshake", json!({"HandshakeId": third}))),
        "InvalidHandshakeTransitionException"
    );
    assert_eq!(
        code(w.call("DescribeAccount", json!({"AccountId": id}))),
        "AccountNotFoundException"
    );
    let e = w
        .call("DescribeHandshake", json!({"HandshakeId": "bad"}))
        .unwrap_err();
    assert_eq!(reason(&e), Some("INVALID_PATTERN"));
    let e = w
        .call(
            "InviteAccountToOrganization",
            json!({"Target": {"Type": "EMAIL", "Id": "a@b.co"}}),
        )
        .unwrap_err();
    assert_eq!(reason(&e), Some("INVALID_PARTY_TYPE_TARGET"));
}

#[test]
fn consolidated_billing_moves_to_all_features() {
    let w = world();
    w.call(
        "CreateOrganization",
        json!({"FeatureSet": "CONSOLIDATED_BILLING"}),
    )
    .unwrap();
    let root = w.root_id();
    assert_eq!(
        code(w.call(
            "EnablePolicyType",
            json!({"RootId": root, "PolicyType": "SERVICE_CONTROL_POLICY"})
        )),
        "PolicyTypeNotAvailableForOrganizationException"
    );
    let out = w.call("EnableAllFeatures", json!({})).unwrap();
    assert_eq!(out["Handshake"]["Action"], "ENABLE_ALL_FEATURES");
    assert_eq!(
        w.call("DescribeOrganization", json!({})).unwrap()["Organization"]["FeatureSet"],
        "ALL"
    );
    w.enable("SERVICE_CONTROL_POLICY");
    let e = w.call("EnableAllFeatures", json!({})).unwrap_err();
    assert_eq!(reason(&e), Some("ORGANIZATION_ALREADY_HAS_ALL_FEATURES"));
}
