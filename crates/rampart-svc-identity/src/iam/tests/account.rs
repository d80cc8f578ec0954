//! Account alias and summary.

use super::*;
use rampart_service::testkit::root_of;

#[test]
fn an_account_has_one_alias_unique_across_accounts() {
    let w = world();
    w.call("CreateAccountAlias", json!({"AccountAlias": "acme"}))
        .unwrap();
    assert_eq!(
        w.call("ListAccountAliases", json!({})).unwrap()["AccountAliases"],
        json!(["acme"])
    );
    w.call("CreateAccountAlias", json!({"AccountAlias": "acme-two"}))
        .unwrap();
    assert_eq!(
        w.call("ListAccountAliases", json!({})).unwrap()["AccountAliases"],
        json!(["acme-two"])
    );
    let other = root_of("210987654321");
    // The replaced alias is free again; the current one is taken.
    w.call_as(
        &other,
        "CreateAccountAlias",
        json!({"AccountAlias": "acme"}),
    )
    .unwrap();
    let e = w
        .call_as(
            &other,
            "CreateAccountAlias",
            json!({"AccountAlias": "acme-two"}),
        )
        .unwrap_err();
    assert_eq!((&*e.code, e.status), ("EntityAlreadyExists", 409));
    assert_eq!(
        code(w.call("CreateAccountAlias", json!({"AccountAlias": "Bad_Alias"}))),
        "ValidationError"
    );
    assert_eq!(
        code(w.call("DeleteAccountAlias", json!({"AccountAlias": "acme"}))),
        "NoSuchEntity"
    );
    w.call("DeleteAccountAlias", json!({"AccountAlias": "acme-two"}))
        .unwrap();
    assert_eq!(
        w.call("ListAccountAliases", json!({})).unwrap()["AccountAliases"],
        json!([])
    );
}

#[test]
fn the_summary_counts_what_the_account_holds() {
    let w = world();
    w.call("CreateUser", json!({"UserName": "a"})).unwrap();
    w.call("CreateUser", json!({"UserName": "b"})).unwrap();
    w.call("CreateGroup", json!({"GroupName": "g"})).unwrap();
    w.call(
        "CreatePolicy",
        json!({"PolicyName": "p", "PolicyDocument": ALLOW_LIST}),
    )
    .unwrap();
    let map = &w.call("GetAccountSummary", json!({})).unwrap()["SummaryMap"];
    assert_eq!(map["Users"], 2);
    assert_eq!(map["Groups"], 1);
    assert_eq!(map["Policies"], 1);
    assert_eq!(map["Roles"], 0);
    assert_eq!(map["RolesQuota"], 1000);
    assert_eq!(map["GroupsQuota"], 300);
    assert_eq!(map["AttachedPoliciesPerRoleQuota"], 10);
    assert_eq!(map["RolePolicySizeQuota"], 10240);
    assert_eq!(map["AssumeRolePolicySizeQuota"], 2048);
    assert_eq!(map.as_object().unwrap().len(), 34);
}

#[test]
fn delegation_requests_need_a_registered_partner_template() {
    let w = world();
    let create = w.call(
        "CreateDelegationRequest",
        json!({"Description": "d", "RequestorWorkflowId": "w", "NotificationChannel": "arn:aws:sns:us-east-1:123456789012:t",
               "SessionDuration": 900, "Permissions": {"PolicyTemplateArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}}),
    );
    assert_eq!(code(create), "InvalidInput");
    let short = w.call(
        "CreateDelegationRequest",
        json!({"Description": "d", "RequestorWorkflowId": "w", "NotificationChannel": "c", "SessionDuration": 299,
               "Permissions": {}}),
    );
    assert_eq!(code(short), "ValidationError");
    for op in [
        "GetDelegationRequest",
        "AcceptDelegationRequest",
        "RejectDelegationRequest",
        "AssociateDelegationRequest",
        "UpdateDelegationRequest",
        "SendDelegationToken",
    ] {
        let r = w.call(op, json!({"DelegationRequestId": "dr-0123456789abcdef"}));
        assert_eq!(code(r), "NoSuchEntity", "{op}");
    }
    let listed = w.call("ListDelegationRequests", json!({})).unwrap();
    assert_eq!(listed["DelegationRequests"], json!([]));
    let summary = w.call(
        "GetHumanReadableSummary",
        json!({"EntityArn": format!("arn:aws:iam::{ACCOUNT}:user/alice")}),
    );
    assert_eq!(code(summary), "InvalidInput");
    let trade = w.base.call_as(
        &w.root,
        "sts",
        "GetDelegatedAccessToken",
        json!({"TradeInToken": "x"}),
    );
    assert_eq!(code(trade), "ExpiredTradeInTokenException");
}

#[test]
fn account_properties_are_kept_per_namespace() {
    let w = world();
    assert_eq!(
        w.call("GetAccountProperties", json!({})).unwrap()["Properties"],
        json!({})
    );
    w.call(
        "PutAccountProperties",
        json!({"Properties": {"RoleManager/Enabled": "true"}}),
    )
    .unwrap();
    w.call(
        "PutAccountProperties",
        json!({"Properties": {"Other/Limit": "5"}}),
    )
    .unwrap();
    assert_eq!(
        w.call("GetAccountProperties", json!({})).unwrap()["Properties"],
        json!({"Other/Limit": "5", "RoleManager/Enabled": "true"})
    );
    let accesses = w
        .base
        .accesses(
            &w.root,
            "iam",
            "PutAccountProperties",
            &json!({"Properties": {"RoleManager/Enabled": "true"}}),
        )
        .unwrap();
    assert_eq!(
        accesses[0].context.get("iam:AccountPropertyNamespaces"),
        Some(&rampart_policy::ContextValue::Multi(vec![
            "RoleManager".to_owned()
        ]))
    );
}
