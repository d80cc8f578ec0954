//! Responsibility transfers and GovCloud accounts, with no second organization and no GovCloud
//! pairing: AWS's answers for that situation.

use super::*;

#[test]
fn no_transfer_exists_and_no_invitation_finds_another_organization() {
    let w = world();
    let listed = w.call(
        "ListOutboundResponsibilityTransfers",
        json!({"Type": "BILLING"}),
    );
    assert_eq!(code(listed), "AWSOrganizationsNotInUseException");
    w.call("CreateOrganization", json!({})).unwrap();
    for op in [
        "ListOutboundResponsibilityTransfers",
        "ListInboundResponsibilityTransfers",
    ] {
        let out = w.call(op, json!({"Type": "BILLING"})).unwrap();
        assert_eq!(out, json!({"ResponsibilityTransfers": []}));
    }
    for op in [
        "DescribeResponsibilityTransfer",
        "TerminateResponsibilityTransfer",
    ] {
        let r = w.call(op, json!({"Id": "rt-abcd1234"}));
        assert_eq!(code(r), "ResponsibilityTransferNotFoundException");
    }
    let r = w.call(
        "UpdateResponsibilityTransfer",
        json!({"Id": "rt-abcd1234", "Name": "x"}),
    );
    assert_eq!(code(r), "ResponsibilityTransferNotFoundException");
    let bad = w.call("DescribeResponsibilityTransfer", json!({"Id": "nope"}));
    assert_eq!(code(bad), "InvalidInputException");

    let invite = |target: &str| {
        w.call(
            "InviteOrganizationToTransferResponsibility",
            json!({"Type": "BILLING", "Target": {"Id": target, "Type": "ACCOUNT"},
                   "StartTimestamp": 1_701_388_800, "SourceName": "us"}),
        )
        .unwrap_err()
    };
    let own = invite(ACCOUNT);
    assert_eq!(own.code, "HandshakeConstraintViolationException");
    assert_eq!(reason(&own), Some("SOURCE_AND_TARGET_CANNOT_MATCH"));
    let other = invite("210987654321");
    assert_eq!(reason(&other), Some("TARGET_ACCOUNT_VALIDATION_FAILURE"));
}

#[test]
fn govcloud_accounts_need_a_govcloud_enabled_management_account() {
    let w = org_world();
    let e = w
        .call(
            "CreateGovCloudAccount",
            json!({"Email": "gov@example.com", "AccountName": "gov"}),
        )
        .unwrap_err();
    assert_eq!(e.code, "ConstraintViolationException");
    assert_eq!(reason(&e), Some("MASTER_ACCOUNT_NOT_GOVCLOUD_ENABLED"));
    let member = w.create_account("dev");
    let r = w.call_as(
        &root_of(&member),
        "CreateGovCloudAccount",
        json!({"Email": "gov@example.com", "AccountName": "gov"}),
    );
    assert_eq!(code(r), "AccessDeniedException");
}
