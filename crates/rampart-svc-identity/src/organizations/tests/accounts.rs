//! CreateAccount and the account operations.

use super::*;

#[test]
fn create_account_makes_a_member_reachable_through_its_role() {
    let w = org_world();
    let out = w
        .call(
            "CreateAccount",
            json!({"Email": "dev@example.com", "AccountName": "dev", "Tags": [{"Key": "team", "Value": "a"}]}),
        )
        .unwrap();
    let status = &out["CreateAccountStatus"];
    assert_eq!(status["State"], "SUCCEEDED");
    assert_eq!(status["AccountName"], "dev");
    let request = status["Id"].as_str().unwrap();
    assert!(
        request.starts_with("car-") && request.len() == 36,
        "{request}"
    );
    let id = status["AccountId"].as_str().unwrap().to_owned();
    assert!(id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) && id != ACCOUNT);
    // The role the management account assumes into the new account.
    let account = id.parse().unwrap();
    let (role, _) = crate::iam::get_role(
        w.base.env.store.as_ref(),
        &account,
        "OrganizationAccountAccessRole",
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        role.attached_policies,
        ["arn:aws:iam::aws:policy/AdministratorAccess"]
    );
    let trust: Value = serde_json::from_str(&role.trust_policy).unwrap();
    assert_eq!(
        trust["Statement"][0]["Principal"]["AWS"],
        format!("arn:aws:iam::{ACCOUNT}:root")
    );
    assert_eq!(trust["Statement"][0]["Action"], "sts:AssumeRole");
    let described = w
        .call(
            "DescribeCreateAccountStatus",
            json!({"CreateAccountRequestId": request}),
        )
        .unwrap();
    assert_eq!(described["CreateAccountStatus"], *status);
    let account = w.call("DescribeAccount", json!({"AccountId": id})).unwrap()["Account"].clone();
    assert_eq!(account["Email"], "dev@example.com");
    assert_eq!(account["Status"], "ACTIVE");
    assert_eq!(account["JoinedMethod"], "CREATED");
    let org_id = w.call("DescribeOrganization", json!({})).unwrap()["Organization"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        account["Arn"],
        format!("arn:aws:organizations::{ACCOUNT}:account/{org_id}/{id}")
    );
    assert_eq!(
        account["Paths"],
        json!([format!("{org_id}/{}/{id}/", w.root_id())])
    );
    let tags = w
        .call("ListTagsForResource", json!({"ResourceId": id}))
        .unwrap();
    assert_eq!(tags["Tags"], json!([{"Key": "team", "Value": "a"}]));
    // A custom role name.
    let out = w
        .call(
            "CreateAccount",
            json!({"Email": "ops@example.com", "AccountName": "ops", "RoleName": "Admin"}),
        )
        .unwrap();
    let ops = out["CreateAccountStatus"]["AccountId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        crate::iam::get_role(w.base.env.store.as_ref(), &ops, "Admin")
            .unwrap()
            .is_some()
    );
    let listed = w.call("ListAccounts", json!({})).unwrap();
    assert_eq!(listed["Accounts"].as_array().unwrap().len(), 3);
}

#[test]
fn create_account_refuses_bad_input_and_fails_on_a_taken_email() {
    let w = org_world();
    w.create_account("dev");
    let e = w
        .call(
            "CreateAccount",
            json!({"Email": "not-an-email", "AccountName": "x"}),
        )
        .unwrap_err();
    assert_eq!(
        (&*e.code, reason(&e)),
        (
            "InvalidInputException",
            Some("INVALID_EMAIL_ADDRESS_TARGET")
        )
    );
    let e = w
        .call("CreateAccount", json!({"Email": "a@b.co"}))
        .unwrap_err();
    assert_eq!(reason(&e), Some("INPUT_REQUIRED"));
    let e = w
        .call(
            "CreateAccount",
            json!({"Email": "a@b.co", "AccountName": "x".repeat(51)}),
        )
        .unwrap_err();
    assert_eq!(reason(&e), Some("MAX_LENGTH_EXCEEDED"));
    let e = w
        .call(
            "CreateAccount",
            json!({"Email": "a@b.co", "AccountName": "x", "RoleName": "bad name"}),
        )
        .unwrap_err();
    assert_eq!(reason(&e), Some("INVALID_ROLE_NAME"));
    assert_eq!(
        w.call("ListAccounts", json!({})).unwrap()["Accounts"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // AWS reports a taken email in the request's status.
    let out = w
        .call(
            "CreateAccount",
            json!({"Email": "DEV@example.com", "AccountName": "again"}),
        )
        .unwrap();
    assert_eq!(out["CreateAccountStatus"]["State"], "FAILED");
    assert_eq!(
        out["CreateAccountStatus"]["FailureReason"],
        "EMAIL_ALREADY_EXISTS"
    );
    assert!(out["CreateAccountStatus"].get("AccountId").is_none());
    let failed = w
        .call("ListCreateAccountStatus", json!({"States": ["FAILED"]}))
        .unwrap();
    assert_eq!(failed["CreateAccountStatuses"].as_array().unwrap().len(), 1);
    let all = w.call("ListCreateAccountStatus", json!({})).unwrap();
    assert_eq!(all["CreateAccountStatuses"].as_array().unwrap().len(), 2);
    assert_eq!(
        code(w.call(
            "DescribeCreateAccountStatus",
            json!({"CreateAccountRequestId": "car-00000000"})
        )),
        "CreateAccountStatusNotFoundException"
    );
    // Only the management account creates accounts.
    let member = w.create_account("other");
    let admin = w.role_session(&member, "OrganizationAccountAccessRole");
    assert_eq!(
        code(w.call_as(
            &admin,
            "CreateAccount",
            json!({"Email": "x@y.co", "AccountName": "x"})
        )),
        "AccessDeniedException"
    );
}

#[test]
fn accounts_move_between_parents_that_match() {
    let w = org_world();
    let root = w.root_id();
    let ou = w.create_ou(&root, "eng");
    let id = w.create_account("dev");
    let moved = json!({"AccountId": id, "SourceParentId": root, "DestinationParentId": ou});
    w.call("MoveAccount", moved.clone()).unwrap();
    let parents = w.call("ListParents", json!({"ChildId": id})).unwrap();
    assert_eq!(
        parents["Parents"],
        json!([{"Id": ou, "Type": "ORGANIZATIONAL_UNIT"}])
    );
    let in_ou = w
        .call("ListAccountsForParent", json!({"ParentId": ou}))
        .unwrap();
    assert_eq!(ids(&in_ou, "Accounts"), [id.as_str()]);
    // The source no longer matches.
    assert_eq!(
        code(w.call("MoveAccount", moved)),
        "AccountNotFoundException"
    );
    assert_eq!(
        code(w.call(
            "MoveAccount",
            json!({"AccountId": id, "SourceParentId": ou, "DestinationParentId": ou})
        )),
        "DuplicateAccountException"
    );
    assert_eq!(
        code(w.call("MoveAccount", json!({"AccountId": id, "SourceParentId": "ou-abcd-12345678", "DestinationParentId": root}))),
        "SourceParentNotFoundException"
    );
    assert_eq!(
        code(w.call(
            "MoveAccount",
            json!({"AccountId": id, "SourceParentId": ou, "DestinationParentId": "r-zzzz"})
        )),
        "DestinationParentNotFoundException"
    );
    assert_eq!(
        code(w.call(
            "MoveAccount",
            json!({"AccountId": "111111111111", "SourceParentId": ou, "DestinationParentId": root})
        )),
        "AccountNotFoundException"
    );
    let parents = w.call("ListParents", json!({"ChildId": id})).unwrap();
    assert_eq!(parents["Parents"][0]["Id"], ou, "no state change");
}

#[test]
fn accounts_are_closed_and_removed() {
    let w = org_world();
    let id = w.create_account("dev");
    w.call("CloseAccount", json!({"AccountId": id})).unwrap();
    let account = w.call("DescribeAccount", json!({"AccountId": id})).unwrap();
    assert_eq!(account["Account"]["Status"], "SUSPENDED");
    assert_eq!(
        code(w.call("CloseAccount", json!({"AccountId": id}))),
        "AccountAlreadyClosedException"
    );
    let e = w
        .call("CloseAccount", json!({"AccountId": ACCOUNT}))
        .unwrap_err();
    assert_eq!(reason(&e), Some("CANNOT_CLOSE_MANAGEMENT_ACCOUNT"));
    assert_eq!(
        code(w.call(
            "RemoveAccountFromOrganization",
            json!({"AccountId": ACCOUNT})
        )),
        "MasterCannotLeaveOrganizationException"
    );
    w.call("RemoveAccountFromOrganization", json!({"AccountId": id}))
        .unwrap();
    assert_eq!(
        code(w.call("DescribeAccount", json!({"AccountId": id}))),
        "AccountNotFoundException"
    );
    let e = w
        .call("DescribeAccount", json!({"AccountId": "12"}))
        .unwrap_err();
    assert_eq!(reason(&e), Some("INVALID_PATTERN"));
    // The removed account is in no organization any more.
    let admin = w.role_session(&id, "OrganizationAccountAccessRole");
    assert_eq!(
        code(w.call_as(&admin, "DescribeOrganization", json!({}))),
        "AWSOrganizationsNotInUseException"
    );
}

#[test]
fn a_member_leaves_on_its_own_but_the_management_account_cannot() {
    let w = org_world();
    let id = w.create_account("dev");
    let admin = w.role_session(&id, "OrganizationAccountAccessRole");
    assert_eq!(
        code(w.call("LeaveOrganization", json!({}))),
        "MasterCannotLeaveOrganizationException"
    );
    w.call_as(&admin, "LeaveOrganization", json!({})).unwrap();
    assert_eq!(
        code(w.call_as(&admin, "LeaveOrganization", json!({}))),
        "AWSOrganizationsNotInUseException"
    );
    assert_eq!(
        code(w.call("DescribeAccount", json!({"AccountId": id}))),
        "AccountNotFoundException"
    );
}
