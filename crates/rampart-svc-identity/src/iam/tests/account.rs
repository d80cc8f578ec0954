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
