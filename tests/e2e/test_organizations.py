"""AWS Organizations with real clients: a member account created by CreateAccount is reached
through OrganizationAccountAccessRole, and the SCPs attached above it decide what its
administrator may do on the very next request, while the management account stays exempt."""

import json

import botocore.exceptions
import pytest

ROLE = "OrganizationAccountAccessRole"


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


DENY_CREATE_KEY = policy({"Effect": "Deny", "Action": "kms:CreateKey", "Resource": "*"})
ALLOW_IAM = policy({"Effect": "Allow", "Action": "iam:*", "Resource": "*"})


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response["Error"]


def member_client(server, account, service):
    """A client of `service` as the administrator role of `account`, assumed by the management root."""
    credentials = server.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="admin"
    )["Credentials"]
    return server.client(
        service,
        key_id=credentials["AccessKeyId"],
        secret=credentials["SecretAccessKey"],
        token=credentials["SessionToken"],
    )


def organization_with_member(server):
    """An organization with SCPs enabled and a member account in OU `eng`: (org client, root, ou, account)."""
    org = server.client("organizations")
    created = org.create_organization(FeatureSet="ALL")["Organization"]
    assert created["MasterAccountId"] == server.client("sts").get_caller_identity()["Account"]
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    ou = org.create_organizational_unit(ParentId=root, Name="eng")["OrganizationalUnit"]["Id"]
    status = org.create_account(Email="dev@example.com", AccountName="dev")["CreateAccountStatus"]
    assert status["State"] == "SUCCEEDED"
    account = status["AccountId"]
    assert org.describe_create_account_status(CreateAccountRequestId=status["Id"])[
        "CreateAccountStatus"
    ]["AccountId"] == account
    org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ou)
    return org, root, ou, account


def test_an_scp_denies_the_member_admin_but_not_the_management_account(server):
    org, root, ou, account = organization_with_member(server)
    kms = member_client(server, account, "kms")
    assert member_client(server, account, "sts").get_caller_identity()["Account"] == account
    kms.create_key(Description="before")
    deny = org.create_policy(
        Name="deny-create-key", Type="SERVICE_CONTROL_POLICY", Description="", Content=DENY_CREATE_KEY
    )["Policy"]["PolicySummary"]["Id"]
    org.attach_policy(PolicyId=deny, TargetId=ou)
    error = error_of(lambda: kms.create_key(Description="denied"))
    assert error["Code"] == "AccessDeniedException"
    assert "with an explicit deny in a service control policy" in error["Message"]
    # The management account is exempt from SCPs.
    server.client("kms").create_key(Description="management")
    # Detaching restores access on the next request.
    org.detach_policy(PolicyId=deny, TargetId=ou)
    kms.create_key(Description="after")
    targets = org.list_targets_for_policy(PolicyId=deny)["Targets"]
    assert targets == []


def test_an_scp_allow_list_implicitly_denies_other_services(server):
    org, root, ou, account = organization_with_member(server)
    iam_only = org.create_policy(
        Name="iam-only", Type="SERVICE_CONTROL_POLICY", Description="", Content=ALLOW_IAM
    )["Policy"]["PolicySummary"]["Id"]
    org.attach_policy(PolicyId=iam_only, TargetId=ou)
    org.detach_policy(PolicyId="p-FullAWSAccess", TargetId=ou)
    member_client(server, account, "iam").list_users()
    error = error_of(lambda: member_client(server, account, "kms").list_keys())
    assert error["Code"] == "AccessDeniedException"
    assert "service control policy" in error["Message"]
    assert "explicit deny" not in error["Message"]


def test_bad_input_gets_aws_errors_and_changes_nothing(server):
    org = server.client("organizations")
    assert error_of(org.describe_organization)["Code"] == "AWSOrganizationsNotInUseException"
    org.create_organization()
    assert error_of(org.create_organization)["Code"] == "AlreadyInOrganizationException"
    root = org.list_roots()["Roots"][0]["Id"]
    malformed = error_of(lambda: org.create_policy(
        Name="bad", Type="SERVICE_CONTROL_POLICY", Description="", Content="{not json"
    ))
    assert malformed["Code"] == "MalformedPolicyDocumentException"
    assert org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"] == [] or all(
        p["AwsManaged"] for p in org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
    )
    good = org.create_policy(
        Name="deny", Type="SERVICE_CONTROL_POLICY", Description="", Content=DENY_CREATE_KEY
    )["Policy"]["PolicySummary"]["Id"]
    assert error_of(lambda: org.create_policy(
        Name="deny", Type="SERVICE_CONTROL_POLICY", Description="", Content=DENY_CREATE_KEY
    ))["Code"] == "DuplicatePolicyException"
    # SCPs are not enabled yet.
    assert error_of(lambda: org.attach_policy(PolicyId=good, TargetId=root))["Code"] == (
        "PolicyTypeNotEnabledException"
    )
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    assert error_of(lambda: org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY"))[
        "Code"
    ] == "PolicyTypeAlreadyEnabledException"
    last = error_of(lambda: org.detach_policy(PolicyId="p-FullAWSAccess", TargetId=root))
    assert last["Code"] == "ConstraintViolationException"
    attached = org.list_policies_for_target(TargetId=root, Filter="SERVICE_CONTROL_POLICY")["Policies"]
    assert [p["Id"] for p in attached] == ["p-FullAWSAccess"]
    assert error_of(lambda: org.attach_policy(PolicyId=good, TargetId="ou-abcd-12345678"))["Code"] == (
        "TargetNotFoundException"
    )
    ou = org.create_organizational_unit(ParentId=root, Name="eng")["OrganizationalUnit"]["Id"]
    org.create_organizational_unit(ParentId=ou, Name="inner")
    assert error_of(lambda: org.create_organizational_unit(ParentId=root, Name="eng"))["Code"] == (
        "DuplicateOrganizationalUnitException"
    )
    assert error_of(lambda: org.delete_organizational_unit(OrganizationalUnitId=ou))["Code"] == (
        "OrganizationalUnitNotEmptyException"
    )
    org.attach_policy(PolicyId=good, TargetId=ou)
    assert error_of(lambda: org.delete_policy(PolicyId=good))["Code"] == "PolicyInUseException"
    assert error_of(lambda: org.attach_policy(PolicyId=good, TargetId=ou))["Code"] == (
        "DuplicatePolicyAttachmentException"
    )
    children = org.list_children(ParentId=root, ChildType="ORGANIZATIONAL_UNIT")["Children"]
    assert [c["Id"] for c in children] == [ou]
    assert error_of(lambda: org.describe_account(AccountId="111111111111"))["Code"] == (
        "AccountNotFoundException"
    )
    member = org.create_account(Email="m@example.com", AccountName="m")["CreateAccountStatus"]["AccountId"]
    assert error_of(org.delete_organization)["Code"] == "OrganizationNotEmptyException"
    assert {a["Id"] for a in org.list_accounts()["Accounts"]} == {
        member, server.client("sts").get_caller_identity()["Account"]
    }
    # A member account's administrator cannot manage the organization.
    denied = error_of(lambda: member_client(server, member, "organizations").list_accounts())
    assert denied["Code"] == "AccessDeniedException"
    assert member_client(server, member, "organizations").describe_organization()["Organization"][
        "MasterAccountId"
    ] != member


def test_a_delegation_policy_lets_a_member_account_read_the_organization(server):
    org, root, ou, account = organization_with_member(server)
    member_org = member_client(server, account, "organizations")
    assert error_of(member_org.list_accounts)["Code"] == "AccessDeniedException"
    org.put_resource_policy(Content=policy({
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": ["organizations:List*", "organizations:Describe*"],
        "Resource": "*",
    }))
    assert {a["Id"] for a in member_org.list_accounts()["Accounts"]} >= {account}
    denied = error_of(lambda: member_org.create_organizational_unit(ParentId=root, Name="x"))
    assert denied["Code"] == "AccessDeniedException"
    org.delete_resource_policy()
    assert error_of(member_org.list_accounts)["Code"] == "AccessDeniedException"


def test_the_aws_cli_manages_the_organization(server):
    _, created, _ = server.aws("organizations", "create-organization")
    _, described, _ = server.aws("organizations", "describe-organization")
    assert described["Organization"]["Id"] == created["Organization"]["Id"]
    _, roots, _ = server.aws("organizations", "list-roots")
    root = roots["Roots"][0]["Id"]
    _, unit, _ = server.aws(
        "organizations", "create-organizational-unit", "--parent-id", root, "--name", "eng"
    )
    assert unit["OrganizationalUnit"]["Name"] == "eng"
    code, _, err = server.aws("organizations", "delete-organizational-unit",
                              "--organizational-unit-id", "ou-abcd-12345678", check=False)
    assert code != 0 and "OrganizationalUnitNotFoundException" in err
